//! Random sources for `random_get`: the operating system's generator, or a seeded ChaCha20
//! stream that makes runs reproducible.

use super::Errno;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// Where random bytes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RandomSource {
    /// The operating system's secure generator.
    Os,
    /// A ChaCha20 stream seeded with this value: the same seed gives the same bytes.
    Seeded(u64),
}

/// A random source with its state.
pub(super) enum Random {
    Os,
    Seeded(Box<ChaCha20Rng>),
}

impl std::fmt::Debug for Random {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Random::Os => "Random::Os",
            Random::Seeded(_) => "Random::Seeded",
        })
    }
}

impl Random {
    /// The source `source` describes.
    pub(super) fn new(source: RandomSource) -> Random {
        match source {
            RandomSource::Os => Random::Os,
            RandomSource::Seeded(seed) => {
                Random::Seeded(Box::new(ChaCha20Rng::seed_from_u64(seed)))
            }
        }
    }

    /// Fills `buf`; `EIO` when the operating system's generator fails.
    pub(super) fn fill(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        match self {
            Random::Os => getrandom::fill(buf).map_err(|_| Errno::Io),
            Random::Seeded(rng) => {
                rng.fill_bytes(buf);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_streams_repeat_and_differ_by_seed() {
        let bytes = |seed| {
            let mut random = Random::new(RandomSource::Seeded(seed));
            let mut buf = [0u8; 32];
            random.fill(&mut buf).unwrap();
            buf
        };
        assert_eq!(bytes(7), bytes(7));
        assert_ne!(bytes(7), bytes(8));
    }

    #[test]
    fn os_source_fills_the_buffer() {
        let mut random = Random::new(RandomSource::Os);
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        random.fill(&mut a).unwrap();
        random.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }
}

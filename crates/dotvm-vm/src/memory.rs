//! Linear memory: bounds-checked, byte-addressed, little-endian storage in 64 KiB pages.
//!
//! Addresses are guest words (`u64` on Arch64). An access of `len` bytes at `addr + offset`
//! is in bounds when every byte lies inside the current size; the sum is computed without
//! wrapping, so an access whose address arithmetic passes `u64::MAX` is out of bounds and is
//! reported with its true (`u128`) address. Stores, copy and fill destinations and other
//! writes must also stay clear of the read-only constant region `[0, ro_end)`.

use std::fmt;
use std::ops::Range;

use dotvm_core::module::{DataSegment, PAGE_SIZE};

use crate::trap::TrapKind;

/// Why a memory could not be set up for a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    /// The initial size is larger than the run's memory limit.
    #[error(
        "initial memory of {pages} pages ({bytes} bytes) exceeds the memory limit of {limit} bytes"
    )]
    ExceedsLimit {
        /// Initial pages requested.
        pages: u32,
        /// Initial size in bytes.
        bytes: u64,
        /// The run's memory limit in bytes.
        limit: u64,
    },
    /// The initial size is larger than the declared maximum.
    #[error("initial memory of {initial} pages exceeds the maximum of {max} pages")]
    ExceedsMaxPages {
        /// Initial pages requested.
        initial: u32,
        /// Declared maximum pages.
        max: u32,
    },
    /// The host could not provide the initial memory.
    #[error("the host cannot allocate {bytes} bytes of initial memory")]
    HostAllocation {
        /// Bytes requested.
        bytes: u64,
    },
    /// The read-only constant region does not fit in the initial memory.
    #[error("read-only region of {ro_end} bytes does not fit in {size} bytes of initial memory")]
    ReadOnlyTooLarge {
        /// End of the read-only region.
        ro_end: u64,
        /// Initial memory size in bytes.
        size: u64,
    },
    /// A data segment lies outside initial memory or overlaps the read-only region.
    #[error(
        "data segment {index} ({len} bytes at {offset:#x}) lies outside writable initial memory \
         [{ro_end:#x}, {size:#x})"
    )]
    SegmentOutOfBounds {
        /// Segment index.
        index: usize,
        /// Segment destination address.
        offset: u64,
        /// Segment length in bytes.
        len: u64,
        /// End of the read-only region.
        ro_end: u64,
        /// Initial memory size in bytes.
        size: u64,
    },
}

/// A run's linear memory.
#[derive(Clone)]
pub struct LinearMemory {
    /// The contents; its length is always a whole number of pages.
    bytes: Vec<u8>,
    /// End of the read-only region (`<= bytes.len()`).
    ro_end: u64,
    /// Largest size in pages that `grow` may reach (from `max_pages` and the memory limit).
    max_pages: u64,
    /// The run's memory limit in bytes.
    limit_bytes: u64,
    /// Bytes of other run state that count against the same limit (the BigInt heap).
    external_bytes: u64,
}

impl LinearMemory {
    /// Creates a zeroed memory of `initial_pages` pages whose first `ro_end` bytes are
    /// read-only. `max_pages` (if any) and `limit_bytes` (the run's memory limit) bound
    /// later growth; an initial size above either is an error.
    pub fn new(
        initial_pages: u32,
        max_pages: Option<u32>,
        limit_bytes: u64,
        ro_end: u64,
    ) -> Result<Self, MemoryError> {
        let bytes = u64::from(initial_pages) * PAGE_SIZE;
        if bytes > limit_bytes {
            return Err(MemoryError::ExceedsLimit {
                pages: initial_pages,
                bytes,
                limit: limit_bytes,
            });
        }
        if let Some(max) = max_pages.filter(|&max| initial_pages > max) {
            return Err(MemoryError::ExceedsMaxPages {
                initial: initial_pages,
                max,
            });
        }
        if ro_end > bytes {
            return Err(MemoryError::ReadOnlyTooLarge {
                ro_end,
                size: bytes,
            });
        }
        let host_error = MemoryError::HostAllocation { bytes };
        let len = usize::try_from(bytes).map_err(|_| host_error.clone())?;
        let mut contents = Vec::new();
        contents.try_reserve_exact(len).map_err(|_| host_error)?;
        contents.resize(len, 0);
        let limit_pages = limit_bytes / PAGE_SIZE;
        Ok(LinearMemory {
            bytes: contents,
            ro_end,
            max_pages: max_pages.map_or(limit_pages, |max| u64::from(max).min(limit_pages)),
            limit_bytes,
            external_bytes: 0,
        })
    }

    /// Creates the memory a program starts with: `ro` (the packed string and byte
    /// constants) at address 0 as the read-only region, then each data segment copied to
    /// its offset in order (later segments win where they overlap). Segments must lie in
    /// initial memory at or above the read-only region.
    pub fn with_contents(
        initial_pages: u32,
        max_pages: Option<u32>,
        limit_bytes: u64,
        ro: &[u8],
        segments: &[DataSegment],
    ) -> Result<Self, MemoryError> {
        let mut memory = Self::new(initial_pages, max_pages, limit_bytes, ro.len() as u64)?;
        memory.bytes[..ro.len()].copy_from_slice(ro);
        for (index, segment) in segments.iter().enumerate() {
            let len = segment.bytes.len() as u64;
            let range = memory
                .span(u128::from(segment.offset), len, memory.ro_end)
                .map_err(|_| MemoryError::SegmentOutOfBounds {
                    index,
                    offset: segment.offset,
                    len,
                    ro_end: memory.ro_end,
                    size: memory.size_bytes(),
                })?;
            memory.bytes[range].copy_from_slice(&segment.bytes);
        }
        Ok(memory)
    }

    /// The address of byte 0 and the size in bytes, for natively compiled code (see
    /// `crate::native_abi`); valid until the memory grows.
    pub(crate) fn raw_parts(&mut self) -> (*mut u8, u64) {
        (self.bytes.as_mut_ptr(), self.bytes.len() as u64)
    }

    /// Current size in pages.
    pub fn size_pages(&self) -> u64 {
        self.size_bytes() / PAGE_SIZE
    }

    /// Current size in bytes.
    #[inline]
    pub fn size_bytes(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Highest size reached, in bytes. Memory never shrinks, so this is the current size.
    pub fn peak_bytes(&self) -> u64 {
        self.size_bytes()
    }

    /// The largest size in bytes this memory may grow to (from `max_pages` and the limit).
    pub fn max_bytes(&self) -> u64 {
        self.max_pages * PAGE_SIZE
    }

    /// End of the read-only region `[0, ro_end)`.
    pub fn ro_end(&self) -> u64 {
        self.ro_end
    }

    /// Records how many bytes of other run state (the BigInt heap) count against the memory
    /// limit together with this memory; growth leaves room for them.
    pub fn set_external_bytes(&mut self, bytes: u64) {
        self.external_bytes = bytes;
    }

    /// Bytes still available under the memory limit for this memory and the external state
    /// together.
    pub fn headroom(&self) -> u64 {
        self.limit_bytes
            .saturating_sub(self.size_bytes())
            .saturating_sub(self.external_bytes)
    }

    /// Grows memory by `delta_pages` zeroed pages and returns the old size in pages, or
    /// `None` (leaving memory unchanged) when the new size would pass the maximum pages or
    /// the memory limit (counting the external bytes), or the host cannot provide it.
    /// Growing by 0 returns the size.
    pub fn grow(&mut self, delta_pages: u64) -> Option<u64> {
        let old_pages = self.size_pages();
        let new_pages = old_pages
            .checked_add(delta_pages)
            .filter(|&pages| pages <= self.max_pages)
            .filter(|&pages| {
                delta_pages == 0
                    || (pages * PAGE_SIZE).saturating_add(self.external_bytes) <= self.limit_bytes
            })?;
        // `max_pages` is at most `limit_bytes / PAGE_SIZE`, so this cannot overflow.
        let new_len = usize::try_from(new_pages * PAGE_SIZE).ok()?;
        self.bytes
            .try_reserve_exact(new_len - self.bytes.len())
            .ok()?;
        self.bytes.resize(new_len, 0);
        Some(old_pages)
    }

    /// Reads the `N` bytes at `addr + offset`.
    #[inline]
    pub fn load<const N: usize>(&self, addr: u64, offset: u32) -> Result<[u8; N], TrapKind> {
        self.get::<N>(addr, offset)
            .copied()
            .ok_or_else(|| out_of_bounds(u128::from(addr) + u128::from(offset), N as u64))
    }

    /// Writes `value` to the `N` bytes at `addr + offset`, which must lie outside the
    /// read-only region.
    #[inline]
    pub fn store<const N: usize>(
        &mut self,
        addr: u64,
        offset: u32,
        value: [u8; N],
    ) -> Result<(), TrapKind> {
        let target = self
            .get_mut::<N>(addr, offset)
            .ok_or_else(|| out_of_bounds(u128::from(addr) + u128::from(offset), N as u64))?;
        *target = value;
        Ok(())
    }

    /// The `N` bytes at `addr + offset`, or `None` when they are not all in memory.
    #[inline(always)]
    pub(crate) fn get<const N: usize>(&self, addr: u64, offset: u32) -> Option<&[u8; N]> {
        addr.checked_add(u64::from(offset))
            .and_then(|start| usize::try_from(start).ok())
            .and_then(|start| self.bytes.get(start..))
            .and_then(<[u8]>::first_chunk::<N>)
    }

    /// The `N` bytes at `addr + offset` for writing, or `None` when they are not all in
    /// memory or some are in the read-only region.
    #[inline(always)]
    pub(crate) fn get_mut<const N: usize>(
        &mut self,
        addr: u64,
        offset: u32,
    ) -> Option<&mut [u8; N]> {
        let ro_end = self.ro_end;
        addr.checked_add(u64::from(offset))
            .filter(|&start| start >= ro_end)
            .and_then(|start| usize::try_from(start).ok())
            .and_then(|start| self.bytes.get_mut(start..))
            .and_then(<[u8]>::first_chunk_mut::<N>)
    }

    /// The `len` bytes at `addr + offset`: loads of whole words wider than 8 bytes.
    #[inline]
    pub fn load_bytes(&self, addr: u64, offset: u32, len: usize) -> Result<&[u8], TrapKind> {
        let range = self.span(u128::from(addr) + u128::from(offset), len as u64, 0)?;
        Ok(&self.bytes[range])
    }

    /// Writes `bytes` at `addr + offset` (outside the read-only region): stores of whole
    /// words wider than 8 bytes.
    #[inline]
    pub fn store_bytes(&mut self, addr: u64, offset: u32, bytes: &[u8]) -> Result<(), TrapKind> {
        let start = u128::from(addr) + u128::from(offset);
        let range = self.span(start, bytes.len() as u64, self.ro_end)?;
        self.bytes[range].copy_from_slice(bytes);
        Ok(())
    }

    /// The `len` bytes at `addr` (for system calls that read guest buffers).
    pub fn read(&self, addr: u64, len: u64) -> Result<&[u8], TrapKind> {
        let range = self.span(u128::from(addr), len, 0)?;
        Ok(&self.bytes[range])
    }

    /// The `len` bytes at `addr` for writing; they must lie outside the read-only region
    /// (for system calls that fill guest buffers).
    pub fn read_mut(&mut self, addr: u64, len: u64) -> Result<&mut [u8], TrapKind> {
        let range = self.span(u128::from(addr), len, self.ro_end)?;
        Ok(&mut self.bytes[range])
    }

    /// Checks that the `len` bytes at `addr` lie in memory outside the read-only region
    /// (so a later [`LinearMemory::write`] of that many bytes cannot fail).
    pub fn check_writable(&self, addr: u64, len: u64) -> Result<(), TrapKind> {
        self.span(u128::from(addr), len, self.ro_end).map(|_| ())
    }

    /// Writes `bytes` at `addr`, outside the read-only region.
    pub fn write(&mut self, addr: u64, bytes: &[u8]) -> Result<(), TrapKind> {
        self.read_mut(addr, bytes.len() as u64)?
            .copy_from_slice(bytes);
        Ok(())
    }

    /// Copies `len` bytes from `src` to `dst`; the ranges may overlap. Nothing is copied
    /// unless the whole source is in memory and the whole destination is writable (the
    /// source is checked first).
    pub fn copy(&mut self, dst: u64, src: u64, len: u64) -> Result<(), TrapKind> {
        let from = self.span(u128::from(src), len, 0)?;
        let to = self.span(u128::from(dst), len, self.ro_end)?;
        self.bytes.copy_within(from, to.start);
        Ok(())
    }

    /// Sets the `len` bytes at `dst` (outside the read-only region) to `byte`; nothing is
    /// written unless the whole range is writable.
    pub fn fill(&mut self, dst: u64, byte: u8, len: u64) -> Result<(), TrapKind> {
        let range = self.span(u128::from(dst), len, self.ro_end)?;
        self.bytes[range].fill(byte);
        Ok(())
    }

    /// The host range of the `len` bytes at `start`, which must lie in `[low, size)`.
    #[inline]
    fn span(&self, start: u128, len: u64, low: u64) -> Result<Range<usize>, TrapKind> {
        let end = start + u128::from(len);
        if start >= u128::from(low) && end <= self.bytes.len() as u128 {
            // Both ends are at most `bytes.len()`, so they fit in `usize`.
            Ok(start as usize..end as usize)
        } else {
            Err(out_of_bounds(start, len))
        }
    }
}

impl fmt::Debug for LinearMemory {
    /// Shows the shape of the memory, not its (possibly huge) contents.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinearMemory")
            .field("size_bytes", &self.size_bytes())
            .field("ro_end", &self.ro_end)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

/// The trap for an access of `len` bytes at `address`.
#[inline(always)]
pub(crate) fn out_of_bounds(address: u128, len: u64) -> TrapKind {
    TrapKind::OutOfBounds { address, len }
}

#[cfg(test)]
mod tests;

//! The workloads: each is a Rust program in `workloads/` whose `run()` returns the text it
//! prints. The benchmark compiles the file to wasm32-wasip1 and links the same file into
//! this binary for the native run.

#[allow(dead_code)]
#[path = "../workloads/float_math.rs"]
mod float_math;
#[allow(dead_code)]
#[path = "../workloads/formatting.rs"]
mod formatting;
#[allow(dead_code)]
#[path = "../workloads/hash_map.rs"]
mod hash_map;
#[allow(dead_code)]
#[path = "../workloads/hashing.rs"]
mod hashing;
#[allow(dead_code)]
#[path = "../workloads/int_loop.rs"]
mod int_loop;
#[allow(dead_code)]
#[path = "../workloads/matrix.rs"]
mod matrix;
#[allow(dead_code)]
#[path = "../workloads/recursion.rs"]
mod recursion;
#[allow(dead_code)]
#[path = "../workloads/sieve.rs"]
mod sieve;
#[allow(dead_code)]
#[path = "../workloads/simd.rs"]
mod simd;
#[allow(dead_code)]
#[path = "../workloads/sorting.rs"]
mod sorting;

use std::path::PathBuf;

/// One workload.
pub(crate) struct Workload {
    /// Short name (the file stem).
    pub(crate) name: &'static str,
    /// What it exercises.
    pub(crate) kind: &'static str,
    /// The native build of the same source.
    pub(crate) native: fn() -> String,
    /// Built for wasm with `-C target-feature=+simd128`.
    pub(crate) simd: bool,
}

impl Workload {
    /// The Rust source file.
    pub(crate) fn source(&self) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("workloads")
            .join(self.name)
            .with_extension("rs")
    }
}

/// Every workload, in report order.
pub(crate) const ALL: &[Workload] = &[
    Workload {
        name: "recursion",
        kind: "recursion",
        native: recursion::run,
        simd: false,
    },
    Workload {
        name: "int_loop",
        kind: "tight integer loops",
        native: int_loop::run,
        simd: false,
    },
    Workload {
        name: "sieve",
        kind: "memory-heavy sieve",
        native: sieve::run,
        simd: false,
    },
    Workload {
        name: "float_math",
        kind: "f64 math",
        native: float_math::run,
        simd: false,
    },
    Workload {
        name: "hashing",
        kind: "hashing",
        native: hashing::run,
        simd: false,
    },
    Workload {
        name: "sorting",
        kind: "sorting with allocation",
        native: sorting::run,
        simd: false,
    },
    Workload {
        name: "hash_map",
        kind: "hash maps",
        native: hash_map::run,
        simd: false,
    },
    Workload {
        name: "formatting",
        kind: "string formatting",
        native: formatting::run,
        simd: false,
    },
    Workload {
        name: "matrix",
        kind: "f64 matrix multiply",
        native: matrix::run,
        simd: false,
    },
    Workload {
        name: "simd",
        kind: "simd128 dot product, histogram, blend",
        native: simd::run,
        simd: true,
    },
];

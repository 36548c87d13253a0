//! DotVM benchmarks.

fn main() {}

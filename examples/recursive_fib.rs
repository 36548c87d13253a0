//! `fib(n)` by naive recursion, `n` from the first argument (default 30): a run whose
//! length grows 1.6× per step of `n`, for comparing engines on short and long runs
//! (`scripts/engine-times examples/recursive_fib.rs -- 40`).

fn fib(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(30);
    println!("fib({n}) = {}", fib(n));
}

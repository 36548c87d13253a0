//! Fibonacci numbers three ways (recursion, iteration, u128 with overflow checks), printed
//! with `println!`: `dotvm run examples/fibonacci.rs -- 20` prints the first 20.

fn fib_recursive(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib_recursive(n - 1) + fib_recursive(n - 2)
    }
}

fn fib_iterative(n: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a + b);
    }
    a
}

/// The largest n whose Fibonacci number fits a u128, and that number.
fn largest_u128() -> (u32, u128) {
    // Invariant: a = fib(n), b = fib(n + 1); stop when fib(n + 2) overflows.
    let (mut a, mut b) = (0u128, 1u128);
    let mut n = 0;
    while let Some(next) = a.checked_add(b) {
        (a, b) = (b, next);
        n += 1;
    }
    (n + 1, b)
}

fn main() {
    let count: u32 = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(15);
    let numbers: Vec<String> = (0..count).map(|n| fib_iterative(n).to_string()).collect();
    println!("first {count}: {}", numbers.join(" "));
    println!("fib(25) recursively = {}", fib_recursive(25));
    let (n, value) = largest_u128();
    println!("largest in u128: fib({n}) = {value}");
}

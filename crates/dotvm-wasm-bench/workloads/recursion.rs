//! Recursion: naive Fibonacci and the Ackermann function (deep call chains).

fn fib(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

fn ackermann(m: u64, n: u64) -> u64 {
    match (m, n) {
        (0, n) => n + 1,
        (m, 0) => ackermann(m - 1, 1),
        (m, n) => ackermann(m - 1, ackermann(m, n - 1)),
    }
}

/// The workload's output.
pub(crate) fn run() -> String {
    format!(
        "fib(27) = {}, ackermann(2, 2000) = {}\n",
        fib(27),
        ackermann(2, 2000)
    )
}

#[allow(dead_code)]
fn main() {
    print!("{}", run());
}

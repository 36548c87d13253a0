//! The guest: a Rust program built for wasm32-wasip1 (by the example's build script) that
//! calls a function of its host and exports one the host calls.

#[link(wasm_import_module = "host")]
unsafe extern "C" {
    /// Provided by the embedding program: combines two numbers.
    fn mix(a: i32, b: i32) -> i32;
}

/// The `n`th Fibonacci number, exported for the host to call.
#[unsafe(no_mangle)]
pub extern "C" fn fib(n: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}

fn main() {
    // SAFETY: `mix` is a plain function of two integers provided by the host.
    let mixed = unsafe { mix(6, 7) };
    println!("guest: the host mixed 6 and 7 into {mixed}");
    println!("guest: fib(10) = {}", fib(10));
}

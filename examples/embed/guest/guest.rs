//! The guest: a Rust program built for wasm32-wasip1 (by the example's build script) that
//! calls functions of its host (two of them work on the guest's memory) and exports one the
//! host calls.

#[link(wasm_import_module = "host")]
unsafe extern "C" {
    /// Provided by the embedding program: combines two numbers.
    fn mix(a: i32, b: i32) -> i32;
    /// Provided by the embedding program: reads `len` bytes of text at `text` in this
    /// guest's memory and logs them.
    fn log(text: *const u8, len: usize);
    /// Provided by the embedding program: writes its name into the `cap` bytes at `buf`
    /// and returns how many bytes it wrote.
    fn host_name(buf: *mut u8, cap: usize) -> usize;
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
    let name = std::env::args().nth(1).unwrap_or_else(|| "nobody".into());
    let message = format!("hello from the guest, {name}");
    // SAFETY: the host only reads the `message.len()` bytes at `message.as_ptr()`.
    unsafe { log(message.as_ptr(), message.len()) };
    let mut buf = [0u8; 32];
    // SAFETY: the host writes at most `buf.len()` bytes into `buf`.
    let written = unsafe { host_name(buf.as_mut_ptr(), buf.len()) };
    let host = String::from_utf8_lossy(&buf[..written.min(buf.len())]);
    println!("guest: my host is {host}");
    println!("guest: fib(10) = {}", fib(10));
}

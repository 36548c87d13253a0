//! The smallest Rust program for DotVM: `dotvm run examples/hello.rs`.

fn main() {
    println!("Hello, DotVM!");
}

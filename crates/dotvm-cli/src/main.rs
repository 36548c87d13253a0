//! The `dotvm` command-line tool.

fn main() {}

//! One module per `dotvm` subcommand.

pub mod asm;
pub mod audit;
pub mod batch;
pub mod db;
pub mod debug;
pub mod disasm;
pub mod engine;
pub mod inspect;
pub mod profile;
pub mod run;
pub mod serve;
pub mod sign;
pub mod transpile;
pub mod verify;

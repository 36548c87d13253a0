//! The simd128 instructions under the compiled tier, bit for bit against the interpreter:
//! every lane operation (two vectors to one, one to one, a vector and a shift count, three
//! vectors, a vector to an i32) on every pair of a table of edge vectors (lane minima and
//! maxima, zeros of both signs, infinities, canonical, signalling, negative and payload
//! NaNs, values that saturate when converted), on all five architectures (random vector
//! programs are in `agree.rs`). The operands are loaded from memory at run time, so the
//! compiler cannot fold them.

// Each test file uses part of the shared helpers.
#[allow(dead_code)]
mod common;

use common::{both, verified};
use dotvm_core::isa::{Category, OperandKind, StackEffect, ValType};
use dotvm_core::{Arch, Opcode};
use dotvm_vm::Limits;
use std::fmt::Write;

/// A vector of four f32 lanes.
fn f32s(lanes: [u32; 4]) -> [u8; 16] {
    let mut v = [0; 16];
    for (k, lane) in lanes.into_iter().enumerate() {
        v[4 * k..4 * k + 4].copy_from_slice(&lane.to_le_bytes());
    }
    v
}

/// A vector of two f64 lanes.
fn f64s(lanes: [u64; 2]) -> [u8; 16] {
    let mut v = [0; 16];
    for (k, lane) in lanes.into_iter().enumerate() {
        v[8 * k..8 * k + 8].copy_from_slice(&lane.to_le_bytes());
    }
    v
}

/// The operands every operation is run on.
fn edge_vectors() -> Vec<[u8; 16]> {
    vec![
        [0; 16],
        [0xFF; 16],
        std::array::from_fn(|i| [0x80, 0x7F, 0x01, 0xFE][i % 4]),
        std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11)),
        f32s([0x7FC0_0000, 0x7F80_0001, 0xFFC0_1234, 0x8000_0000]),
        f32s([
            0x7F80_0000,
            0xFF80_0000,
            1.5f32.to_bits(),
            (-2.5f32).to_bits(),
        ]),
        f32s([
            3e9f32.to_bits(),
            (-3e9f32).to_bits(),
            0.5f32.to_bits(),
            0x0000_0001,
        ]),
        f64s([0x7FF0_0000_0000_0001, 0x8000_0000_0000_0000]),
        f64s([0xFFF8_0000_0000_0000, 2.5f64.to_bits()]),
        f64s([1e300f64.to_bits(), (-5e9f64).to_bits()]),
        f64s([(-0.5f64).to_bits(), 4_294_967_296.5f64.to_bits()]),
    ]
}

/// Shift counts (taken modulo the lane width).
const COUNTS: [u32; 8] = [0, 1, 7, 8, 15, 33, 64, u32::MAX];

/// How a lane operation takes its operands, from its stack effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `v v -- v`.
    Binary,
    /// `v -- v`.
    Unary,
    /// `v i32 -- v`.
    Shift,
    /// `v v v -- v`.
    Ternary,
    /// `v -- i32`.
    Test,
}

/// The shape of `op`, when it is a lane operation with no immediate operand.
fn shape(op: Opcode) -> Option<Shape> {
    use ValType::{I32, V128};
    if op.info().category != Category::Simd || op.operand() != OperandKind::None {
        return None;
    }
    let StackEffect::Fixed { pops, pushes } = op.info().effect else {
        return None;
    };
    Some(match (pops, pushes) {
        ([V128, V128], [V128]) => Shape::Binary,
        ([V128], [V128]) => Shape::Unary,
        ([V128, I32], [V128]) => Shape::Shift,
        ([V128, V128, V128], [V128]) => Shape::Ternary,
        ([V128], [I32]) => Shape::Test,
        _ => return None,
    })
}

/// A program printing the result of every lane operation on every operand pair (for a
/// three-operand one, the pair and the first vector; for a shift, each vector and count):
/// the result stored to memory and printed as four u32.
fn lane_program(arch: Arch) -> String {
    let vectors = edge_vectors();
    let hex: String = vectors
        .iter()
        .flatten()
        .map(|b| format!("{b:02x}"))
        .collect();
    let counts: String = COUNTS
        .iter()
        .flat_map(|c| c.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut s = format!(
        ".arch {}\n.memory 1 1\n.data vecs x\"{hex}\"\n.data counts x\"{counts}\"\n\
         .data out zero 16\n.func main results=1\n",
        arch.name()
    );
    let n = vectors.len();
    let mut funcs = String::new();
    let vector = |index: &str| {
        format!(
            "    PUSH vecs\n    LOCAL_GET {index}\n    PUSH 16\n    MUL\n    ADD\n    V128_LOAD +0\n"
        )
    };
    let print = |s: &mut String| {
        s.push_str("    SYSCALL print_uint\n    PUSH 32\n    SYSCALL print_char\n");
    };
    for (k, &op) in Opcode::ALL.iter().enumerate() {
        let Some(shape) = shape(op) else {
            continue;
        };
        let inner = if shape == Shape::Shift {
            COUNTS.len()
        } else {
            n
        };
        // One function per operation (smaller functions compile faster), called in turn.
        writeln!(s, "    CALL op{k}").unwrap();
        let s = &mut funcs;
        writeln!(
            s,
            ".func op{k}\n    .local i\n    .local j\nouter{k}:\n    PUSH 0\n    LOCAL_SET j\ninner{k}:"
        )
        .unwrap();
        if shape != Shape::Test {
            s.push_str("    PUSH out\n");
        }
        s.push_str(&vector("i"));
        match shape {
            Shape::Binary => s.push_str(&vector("j")),
            Shape::Ternary => {
                s.push_str(&vector("j"));
                s.push_str(&vector("i"));
                // The mask: the j-th vector shifted by a byte, so masks mix bits.
                s.push_str(&vector("j"));
                s.push_str("    PUSH 3\n    I64X2_SHL\n    V128_XOR\n");
            }
            Shape::Shift => s.push_str(
                "    PUSH counts\n    LOCAL_GET j\n    PUSH 4\n    MUL\n    ADD\n    I32_LOAD +0\n",
            ),
            Shape::Unary | Shape::Test => {}
        }
        writeln!(s, "    {}", op.mnemonic()).unwrap();
        if shape == Shape::Test {
            print(s);
        } else {
            s.push_str("    V128_STORE +0\n");
            for lane in 0..4 {
                writeln!(s, "    PUSH out\n    I32_LOAD +{}", 4 * lane).unwrap();
                print(s);
            }
        }
        writeln!(
            s,
            "    PUSH 10\n    SYSCALL print_char\n    LOCAL_GET j\n    PUSH 1\n    ADD\n    LOCAL_TEE j\n    PUSH {inner}\n    LT_U\n    JNZ inner{k}\n    LOCAL_GET i\n    PUSH 1\n    ADD\n    LOCAL_TEE i\n    PUSH {n}\n    LT_U\n    JNZ outer{k}\n    RET\n.end"
        )
        .unwrap();
    }
    s.push_str("    PUSH 0\n    RET\n.end\n");
    s + &funcs
}

#[test]
fn every_lane_operation_matches_the_interpreter_on_edge_vectors() {
    let covered = Opcode::ALL
        .iter()
        .filter(|&&op| shape(op).is_some())
        .count();
    assert!(covered > 150, "only {covered} lane operations found");
    let n = edge_vectors().len();
    for arch in Arch::ALL {
        let source = lane_program(arch);
        let module = dotvm_core::asm::assemble(&source, "lanes.dasm", &Default::default())
            .unwrap_or_else(|e| panic!("{arch}: {e}"));
        let (jit, interp) = both(&verified(module), &Limits::default());
        assert!(interp.starts_with("exit 0"), "{arch}: {interp:.200}");
        // Compare line by line, so a failure names the operation and its operands.
        let mut lines = jit.lines().zip(interp.lines()).skip(1);
        for (op, shape) in Opcode::ALL.iter().filter_map(|&op| Some((op, shape(op)?))) {
            let inner = if shape == Shape::Shift {
                COUNTS.len()
            } else {
                n
            };
            for (a, b) in (0..n).flat_map(|a| (0..inner).map(move |b| (a, b))) {
                let (j, i) = lines.next().expect("a line per operation and operands");
                assert_eq!(j, i, "{arch}: {} on operands {a} and {b}", op.mnemonic());
            }
        }
        assert_eq!(jit, interp, "{arch}");
    }
}

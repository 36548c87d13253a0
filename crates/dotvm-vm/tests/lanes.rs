//! The word-lane instructions (`LANES_*`) against a scalar lane-by-lane model, on all five
//! architectures and every lane width that fits the word, in both engines (the threaded
//! register engine and the precise interpreter); and the verifier's lane checks.

mod common;

use common::{Code, func, module, verified};
use dotvm_core::instruction::Operand;
use dotvm_core::syscall::Syscall;
use dotvm_core::{Arch, Imm, LaneWidth, Module, Opcode, Verified};
use dotvm_vm::{BufferIo, Control, Inspector, Limits, MachineView};
use num_bigint::BigUint;
use proptest::prelude::*;

/// Continues before every instruction: makes the run use the precise interpreter.
struct Continue;

impl Inspector for Continue {
    fn before_instruction(&mut self, _: &MachineView<'_>) -> Control {
        Control::Continue
    }
}

/// Every lane instruction.
const OPS: [Opcode; 21] = [
    Opcode::LanesAdd,
    Opcode::LanesSub,
    Opcode::LanesMul,
    Opcode::LanesMinS,
    Opcode::LanesMinU,
    Opcode::LanesMaxS,
    Opcode::LanesMaxU,
    Opcode::LanesShl,
    Opcode::LanesShrS,
    Opcode::LanesShrU,
    Opcode::LanesEq,
    Opcode::LanesNe,
    Opcode::LanesLtS,
    Opcode::LanesLtU,
    Opcode::LanesGtS,
    Opcode::LanesGtU,
    Opcode::LanesSplat,
    Opcode::LanesSum,
    Opcode::LanesExtractU,
    Opcode::LanesExtractS,
    Opcode::LanesInsert,
];

/// True for the instructions that read one word.
fn reads_one(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::LanesSplat | Opcode::LanesSum | Opcode::LanesExtractU | Opcode::LanesExtractS
    )
}

/// The lanes of the word `bytes` (little-endian, `arch`'s width), lane 0 first.
fn lanes_of(bytes: &[u8], w: u32) -> Vec<u64> {
    bytes
        .chunks(w as usize / 8)
        .map(|lane| {
            let mut buf = [0u8; 8];
            buf[..lane.len()].copy_from_slice(lane);
            u64::from_le_bytes(buf)
        })
        .collect()
}

/// The word of these lanes.
fn word_of(lanes: &[u64], w: u32) -> BigUint {
    let bytes: Vec<u8> = lanes
        .iter()
        .flat_map(|lane| lane.to_le_bytes()[..w as usize / 8].to_vec())
        .collect();
    BigUint::from_bytes_le(&bytes)
}

/// A lane value read as signed.
fn signed(x: u64, w: u32) -> i64 {
    ((x << (64 - w)) as i64) >> (64 - w)
}

/// The scalar model: `op` on lanes of `w` bits, lane by lane.
fn model(op: Opcode, w: u32, index: usize, a: &[u8], b: &[u8], arch: Arch) -> BigUint {
    let mask = if w == 64 { u64::MAX } else { (1 << w) - 1 };
    let modulus = BigUint::from(1u8) << arch.word_bits();
    let (x, y) = (lanes_of(a, w), lanes_of(b, w));
    let truth = |t: bool| if t { mask } else { 0 };
    // The scalar operand of shifts, splat and insert: the word's low 64 bits.
    let scalar = lanes_of(b, 64)[0];
    let splat_value = lanes_of(a, 64)[0];
    let n = (scalar % u64::from(w)) as u32;
    let per_lane = |f: &dyn Fn(u64, u64) -> u64| {
        let lanes: Vec<u64> = x.iter().zip(&y).map(|(&p, &q)| f(p, q) & mask).collect();
        word_of(&lanes, w)
    };
    match op {
        Opcode::LanesAdd => per_lane(&|p, q| p.wrapping_add(q)),
        Opcode::LanesSub => per_lane(&|p, q| p.wrapping_sub(q)),
        Opcode::LanesMul => per_lane(&|p, q| p.wrapping_mul(q)),
        Opcode::LanesMinS => per_lane(&|p, q| if signed(p, w) < signed(q, w) { p } else { q }),
        Opcode::LanesMinU => per_lane(&|p, q| p.min(q)),
        Opcode::LanesMaxS => per_lane(&|p, q| if signed(p, w) > signed(q, w) { p } else { q }),
        Opcode::LanesMaxU => per_lane(&|p, q| p.max(q)),
        Opcode::LanesShl => per_lane(&|p, _| p << n),
        Opcode::LanesShrS => per_lane(&|p, _| (signed(p, w) >> n) as u64),
        Opcode::LanesShrU => per_lane(&|p, _| p >> n),
        Opcode::LanesEq => per_lane(&|p, q| truth(p == q)),
        Opcode::LanesNe => per_lane(&|p, q| truth(p != q)),
        Opcode::LanesLtS => per_lane(&|p, q| truth(signed(p, w) < signed(q, w))),
        Opcode::LanesLtU => per_lane(&|p, q| truth(p < q)),
        Opcode::LanesGtS => per_lane(&|p, q| truth(signed(p, w) > signed(q, w))),
        Opcode::LanesGtU => per_lane(&|p, q| truth(p > q)),
        Opcode::LanesSplat => word_of(&vec![splat_value & mask; x.len()], w),
        Opcode::LanesSum => x.iter().map(|&p| BigUint::from(p)).sum::<BigUint>() % modulus,
        Opcode::LanesExtractU => BigUint::from(x[index]),
        Opcode::LanesExtractS => {
            let v = signed(x[index], w);
            if v < 0 {
                modulus - BigUint::from(v.unsigned_abs())
            } else {
                BigUint::from(v as u64)
            }
        }
        Opcode::LanesInsert => {
            let mut lanes = x.clone();
            lanes[index] = scalar & mask;
            word_of(&lanes, w)
        }
        _ => unreachable!("{op:?}"),
    }
}

/// The operand of `op` for lanes of `width`, lane `index`.
fn operand(op: Opcode, width: LaneWidth, index: usize) -> Operand {
    if matches!(
        op,
        Opcode::LanesExtractU | Opcode::LanesExtractS | Opcode::LanesInsert
    ) {
        Operand::WordLane(width, index as u8)
    } else {
        Operand::Lanes(width)
    }
}

/// A program on `arch` that keeps `a` and `b` in locals, applies `op` to them and prints
/// the result as an unsigned word.
fn program(op: Opcode, width: LaneWidth, index: usize, a: &[u8], b: &[u8], arch: Arch) -> Verified {
    let word = |bytes: &[u8]| Imm::from_le_slice(bytes);
    let mut code = Code::new()
        .push_imm(word(a))
        .idx(Opcode::LocalSet, 0)
        .push_imm(word(b))
        .idx(Opcode::LocalSet, 1)
        .idx(Opcode::LocalGet, 0);
    if !reads_one(op) {
        code = code.idx(Opcode::LocalGet, 1);
    }
    let code = code
        .with(op, operand(op, width, index))
        .sys(Syscall::PrintUint)
        .op(Opcode::Halt);
    let mut m = module(vec![func(0, 0, 2, &code)]);
    m.arch = arch;
    verified(m)
}

/// The output of `program` in the threaded engine and in the precise interpreter.
fn outputs(program: &Verified) -> (String, String) {
    let limits = Limits::default();
    let mut fast = BufferIo::with_input(b"");
    dotvm_vm::run(program, &limits, &mut fast).expect("threaded run");
    let mut precise = BufferIo::with_input(b"");
    dotvm_vm::run_inspected(program, &limits, &mut precise, &mut Continue).expect("precise run");
    (fast.output_text(), precise.output_text())
}

/// Bytes that make lane edge cases common (zero, sign bits, all ones).
fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        Just(0u8),
        Just(0x7F),
        Just(0x80),
        Just(0xFF),
        Just(1),
        any::<u8>()
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lane_instructions_match_the_scalar_model_on_every_architecture(
        op_index in 0..OPS.len(),
        width_index in 0..4usize,
        raw_index in any::<u8>(),
        a in prop::collection::vec(byte(), 64),
        b in prop::collection::vec(byte(), 64),
    ) {
        let op = OPS[op_index];
        let width = LaneWidth::ALL[width_index];
        for arch in Arch::ALL {
            let lanes = width.lanes(arch) as usize;
            if lanes == 0 {
                continue;
            }
            let bytes = arch.word_bytes();
            let (a, b) = (&a[..bytes], &b[..bytes]);
            let index = usize::from(raw_index) % lanes;
            let expected = model(op, width.bits(), index, a, b, arch).to_string();
            let (fast, precise) = outputs(&program(op, width, index, a, b, arch));
            prop_assert_eq!(&fast, &expected, "threaded {:?} {} on {}", op, width.bits(), arch);
            prop_assert_eq!(&precise, &expected, "precise {:?} {} on {}", op, width.bits(), arch);
        }
    }
}

/// A module on `arch` whose entry runs one lane instruction with `operand` on zeros.
fn single(op: Opcode, operand: Operand, arch: Arch) -> Module {
    let mut code = Code::new().push(0);
    if !reads_one(op) {
        code = code.push(0);
    }
    let code = code.with(op, operand).op(Opcode::Halt);
    let mut m = module(vec![func(0, 0, 0, &code)]);
    m.arch = arch;
    for f in 0..m.functions.len() {
        m.functions[f].max_stack = 2;
    }
    m
}

#[test]
fn the_verifier_rejects_lanes_wider_than_the_word() {
    let err = Verified::new(single(
        Opcode::LanesAdd,
        Operand::Lanes(LaneWidth::L64),
        Arch::Arch32,
    ))
    .expect_err("64-bit lanes on Arch32");
    let text = err.to_string();
    assert!(
        text.contains("LANES_ADD with 64-bit lanes: the lanes are wider than the 32-bit word"),
        "{text}"
    );
    // The same instruction is fine on every wider word.
    for arch in [Arch::Arch64, Arch::Arch128, Arch::Arch256, Arch::Arch512] {
        Verified::new(single(
            Opcode::LanesAdd,
            Operand::Lanes(LaneWidth::L64),
            arch,
        ))
        .unwrap_or_else(|e| panic!("{arch}: {e}"));
    }
}

#[test]
fn the_verifier_rejects_a_lane_index_past_the_word() {
    // Arch256 holds eight 32-bit lanes: 7 is the last.
    Verified::new(single(
        Opcode::LanesExtractU,
        Operand::WordLane(LaneWidth::L32, 7),
        Arch::Arch256,
    ))
    .expect("lane 7 of 8");
    for (op, arch, width, index, lanes) in [
        (Opcode::LanesExtractU, Arch::Arch256, LaneWidth::L32, 8, 8),
        (Opcode::LanesExtractS, Arch::Arch32, LaneWidth::L8, 4, 4),
        (Opcode::LanesInsert, Arch::Arch512, LaneWidth::L8, 64, 64),
    ] {
        let err = Verified::new(single(op, Operand::WordLane(width, index), arch))
            .expect_err("index past the lanes");
        let text = err.to_string();
        let expected = format!(
            "{} of lane {index}: a {}-bit word of {} has {lanes} lanes of {} bits",
            op.mnemonic(),
            arch.word_bits(),
            arch.name(),
            width.bits()
        );
        assert!(text.contains(&expected), "{text}");
    }
}

#[test]
fn a_bad_lane_width_byte_is_a_decode_error() {
    let mut m = single(
        Opcode::LanesAdd,
        Operand::Lanes(LaneWidth::L8),
        Arch::Arch64,
    );
    let code = &mut m.functions[0].code;
    let at = code
        .windows(3)
        .position(|w| w == [0xFC, 0x00, 8])
        .expect("LANES_ADD 8 in the code");
    code[at + 2] = 12;
    let text = Verified::new(m).expect_err("width 12").to_string();
    assert!(
        text.contains("lane width 12 is not 8, 16, 32 or 64 bits"),
        "{text}"
    );
}

#[test]
fn a_dot_product_of_eight_i32_lanes_on_arch256() {
    // (1..=8) · (1..=8) = 204, lane by lane then summed.
    let lanes: Vec<u8> = (1u32..=8).flat_map(|i| i.to_le_bytes()).collect();
    let word = Imm::from_le_slice(&lanes);
    let code = Code::new()
        .push_imm(word)
        .push_imm(word)
        .with(Opcode::LanesMul, Operand::Lanes(LaneWidth::L32))
        .with(Opcode::LanesSum, Operand::Lanes(LaneWidth::L32))
        .sys(Syscall::PrintUint)
        .op(Opcode::Halt);
    let mut m = module(vec![func(0, 0, 0, &code)]);
    m.arch = Arch::Arch256;
    let (fast, precise) = outputs(&verified(m));
    assert_eq!((fast.as_str(), precise.as_str()), ("204", "204"));
}

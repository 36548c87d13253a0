//! Word instructions through the interpreter on all five architectures: random programs
//! against a num-bigint model, full-width printing, whole-word memory access, address
//! width and division traps.

mod common;

use common::*;
use dotvm_core::syscall::Syscall;
use dotvm_core::{Arch, Imm, Opcode};
use dotvm_vm::TrapKind;
use num_bigint::{BigInt, BigUint};
use proptest::prelude::*;

fn on_arch(code: &Code, arch: Arch) -> dotvm_core::Module {
    let mut m = module(vec![func(0, 0, 0, &code.clone().op(Opcode::Halt))]);
    m.arch = arch;
    m
}

fn output_of(code: &Code, arch: Arch) -> String {
    let (result, io) = run(on_arch(code, arch));
    result.unwrap_or_else(|e| panic!("{arch}: {e}"));
    io.output_text()
}

fn imm(x: &BigUint) -> Imm {
    let mut bytes = x.to_bytes_le();
    bytes.resize(64, 0);
    Imm::from_le_slice(&bytes)
}

fn modulus(arch: Arch) -> BigUint {
    BigUint::from(1u8) << arch.word_bits()
}

fn wrap(x: BigInt, arch: Arch) -> BigUint {
    let m = BigInt::from(modulus(arch));
    (((x % &m) + &m) % &m).to_biguint().unwrap()
}

fn signed(x: &BigUint, arch: Arch) -> BigInt {
    if x.bit(u64::from(arch.word_bits()) - 1) {
        BigInt::from(x.clone()) - BigInt::from(modulus(arch))
    } else {
        BigInt::from(x.clone())
    }
}

/// The model result of a binary or ternary word op (`c` is used by ADDMOD/MULMOD only);
/// `None` when the op traps.
fn model(op: Opcode, a: &BigUint, b: &BigUint, c: &BigUint, arch: Arch) -> Option<BigUint> {
    let bits = arch.word_bits();
    let (sa, sb) = (signed(a, arch), signed(b, arch));
    let zero = BigUint::ZERO;
    let n = u32::try_from(b % bits).unwrap();
    let max = modulus(arch) - 1u8;
    Some(match op {
        Opcode::Add => wrap(BigInt::from(a + b), arch),
        Opcode::Sub => wrap(sa - sb, arch),
        Opcode::Mul => (a * b) % modulus(arch),
        Opcode::DivU if *b == zero => return None,
        Opcode::DivU => a / b,
        Opcode::ModU if *b == zero => return None,
        Opcode::ModU => a % b,
        Opcode::DivS if *b == zero => return None,
        Opcode::DivS => {
            let q = sa / sb;
            if q == BigInt::from(1u8) << (bits - 1) {
                return None;
            }
            wrap(q, arch)
        }
        Opcode::ModS if *b == zero => return None,
        Opcode::ModS => wrap(sa % sb, arch),
        Opcode::AddMod if *c == zero => zero,
        Opcode::AddMod => (a + b) % c,
        Opcode::MulMod if *c == zero => zero,
        Opcode::MulMod => (a * b) % c,
        Opcode::Exp => a.modpow(b, &modulus(arch)),
        Opcode::MulHiU => (a * b) >> bits,
        Opcode::MulHiS => wrap((sa * sb) >> bits, arch),
        Opcode::Shl => (a << n) & max,
        Opcode::Shr => a >> n,
        Opcode::Sar => wrap(sa >> n, arch),
        Opcode::Rotl => ((a << n) | (a >> (bits - n))) & max,
        Opcode::Rotr => ((a >> n) | (a << (bits - n))) & max,
        Opcode::LtS => BigUint::from(u8::from(sa < sb)),
        Opcode::GtU => BigUint::from(u8::from(a > b)),
        Opcode::SignExtend => {
            // a is the byte index, b the value.
            if *a >= BigUint::from(bits / 8 - 1) {
                b.clone()
            } else {
                let top = 8 * u64::try_from(a).unwrap() + 7;
                let keep = (BigUint::from(1u8) << (top + 1)) - 1u8;
                if b.bit(top) {
                    (b & &keep) | (max ^ keep)
                } else {
                    b & keep
                }
            }
        }
        Opcode::Byte => {
            if *a >= BigUint::from(bits / 8) {
                zero
            } else {
                (b >> (8 * u32::try_from(a).unwrap())) & BigUint::from(0xFFu8)
            }
        }
        _ => unreachable!("{op:?}"),
    })
}

const OPS: [Opcode; 23] = [
    Opcode::Add,
    Opcode::Sub,
    Opcode::Mul,
    Opcode::DivU,
    Opcode::DivS,
    Opcode::ModU,
    Opcode::ModS,
    Opcode::AddMod,
    Opcode::MulMod,
    Opcode::Exp,
    Opcode::MulHiU,
    Opcode::MulHiS,
    Opcode::Shl,
    Opcode::Shr,
    Opcode::Sar,
    Opcode::Rotl,
    Opcode::Rotr,
    Opcode::LtS,
    Opcode::GtU,
    Opcode::SignExtend,
    Opcode::Byte,
    Opcode::DivU,
    Opcode::DivS,
];

/// An operand for `arch`: a small value, an edge case or random bits reduced to the width.
fn operand(kind: u8, raw: &[u8], arch: Arch) -> BigUint {
    let max = modulus(arch) - 1u8;
    match kind {
        0 => BigUint::ZERO,
        1 => BigUint::from(raw[0] % 70),
        2 => max,
        3 => BigUint::from(1u8) << (arch.word_bits() - 1),
        _ => BigUint::from_bytes_le(raw) & max,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn word_programs_match_the_model_on_every_architecture(
        op_index in 0..OPS.len(),
        kinds in prop::array::uniform3(0u8..8),
        raw in prop::collection::vec(any::<u8>(), 192),
    ) {
        let op = OPS[op_index];
        for arch in Arch::ALL {
            let [a, b, c] = [0, 1, 2].map(|i| operand(kinds[i], &raw[64 * i..64 * (i + 1)], arch));
            let ternary = matches!(op, Opcode::AddMod | Opcode::MulMod);
            let mut code = Code::new().push_imm(imm(&a)).push_imm(imm(&b));
            if ternary {
                code = code.push_imm(imm(&c));
            }
            let code = code.op(op).sys(Syscall::PrintUint);
            match model(op, &a, &b, &c, arch) {
                Some(expected) => {
                    prop_assert_eq!(output_of(&code, arch), expected.to_string(), "{:?} on {}", op, arch);
                }
                None => {
                    let kind = trap_of(on_arch(&code, arch)).kind;
                    prop_assert!(
                        matches!(kind, TrapKind::DivideByZero | TrapKind::IntegerOverflow),
                        "{:?} on {}: {:?}", op, arch, kind
                    );
                }
            }
        }
    }
}

#[test]
fn division_traps_on_every_architecture() {
    for arch in Arch::ALL {
        let min = BigUint::from(1u8) << (arch.word_bits() - 1);
        let minus_one = modulus(arch) - 1u8;
        let div = |a: &BigUint, b: &BigUint, op| {
            trap_of(on_arch(
                &Code::new().push_imm(imm(a)).push_imm(imm(b)).op(op),
                arch,
            ))
            .kind
        };
        let one = BigUint::from(1u8);
        for op in [Opcode::DivU, Opcode::DivS, Opcode::ModU, Opcode::ModS] {
            assert_eq!(
                div(&one, &BigUint::ZERO, op),
                TrapKind::DivideByZero,
                "{arch}"
            );
        }
        assert_eq!(
            div(&min, &minus_one, Opcode::DivS),
            TrapKind::IntegerOverflow,
            "{arch}"
        );
        let rem = Code::new()
            .push_imm(imm(&min))
            .push_imm(imm(&minus_one))
            .op(Opcode::ModS)
            .sys(Syscall::PrintInt);
        assert_eq!(output_of(&rem, arch), "0", "{arch}");
    }
}

#[test]
fn print_int_and_print_uint_print_the_whole_word() {
    for arch in Arch::ALL {
        let bits = arch.word_bits();
        let top = BigUint::from(1u8) << (bits - 1);
        let code = Code::new()
            .push_imm(imm(&top))
            .sys(Syscall::PrintUint)
            .push(u64::from(' '))
            .sys(Syscall::PrintChar)
            .push_imm(imm(&top))
            .sys(Syscall::PrintInt)
            .push(u64::from(' '))
            .sys(Syscall::PrintChar)
            .push(1)
            .op(Opcode::Neg)
            .sys(Syscall::PrintInt);
        let min = -(BigInt::from(1u8) << (bits - 1));
        assert_eq!(output_of(&code, arch), format!("{top} {min} -1"), "{arch}");
    }
    let code = Code::new()
        .push_imm(Imm::from(1u8) << 255usize)
        .sys(Syscall::PrintUint);
    assert_eq!(
        output_of(&code, Arch::Arch256),
        "57896044618658097711785492504343953926634992332820282019728792003956564819968"
    );
}

#[test]
fn load_and_store_move_whole_words() {
    for arch in Arch::ALL {
        let bytes = arch.word_bytes() as u64;
        // All bytes 0x01..=bytes, little-endian: byte i is i + 1.
        let value = (0..bytes).fold(BigUint::ZERO, |acc, i| {
            acc | (BigUint::from(i + 1) << (8 * i))
        });
        let code = Code::new()
            .push(256)
            .push_imm(imm(&value))
            .mem(Opcode::Store, 0)
            .push(256)
            .mem(Opcode::Load8U, (bytes - 1) as u32)
            .sys(Syscall::PrintUint)
            .push(256)
            .mem(Opcode::Load8U, bytes as u32)
            .sys(Syscall::PrintUint)
            .push(256)
            .mem(Opcode::Load, 0)
            .sys(Syscall::PrintUint);
        assert_eq!(output_of(&code, arch), format!("{bytes}0{value}"), "{arch}");
    }
}

#[test]
fn addresses_beyond_the_address_width_are_out_of_bounds() {
    for arch in [Arch::Arch128, Arch::Arch256, Arch::Arch512] {
        let code = Code::new()
            .push_imm(Imm::from(1u8) << 64usize)
            .mem(Opcode::Load8U, 0);
        assert_eq!(
            trap_of(on_arch(&code, arch)).kind,
            oob(u128::from(u64::MAX) + 1, 1),
            "{arch}"
        );
    }
    // On Arch32 an address is 32 bits: the highest one plus an offset is still exact.
    let code = Code::new().push(u64::from(u32::MAX)).mem(Opcode::Load, 4);
    assert_eq!(
        trap_of(on_arch(&code, Arch::Arch32)).kind,
        oob(u128::from(u32::MAX) + 4, 4)
    );
}

#[test]
fn exp_and_signextend_examples() {
    // 3^20 fits every width; SIGNEXTEND from byte 0 and BYTE 0 (least significant).
    for arch in Arch::ALL {
        let code = Code::new()
            .push(3)
            .push(20)
            .op(Opcode::Exp)
            .sys(Syscall::PrintUint)
            .push(0)
            .push(0x80)
            .op(Opcode::SignExtend)
            .sys(Syscall::PrintInt)
            .push(0)
            .push(0x1234)
            .op(Opcode::Byte)
            .sys(Syscall::PrintUint);
        assert_eq!(output_of(&code, arch), "3486784401-12852", "{arch}");
    }
}

#[test]
fn arch32_memory_stops_at_four_gibibytes() {
    // Growing from 1 page to 65537 pages (4 GiB + 64 KiB) is refused on Arch32 even when the
    // run's limit is higher, so every address fits a 32-bit word; the request is refused
    // before any memory is allocated.
    let code = Code::new()
        .push(65536)
        .op(Opcode::MemoryGrow)
        .sys(Syscall::PrintInt);
    let limits = dotvm_vm::Limits {
        memory_bytes: u64::MAX,
        ..dotvm_vm::Limits::default()
    };
    let (result, io) = run_with(on_arch(&code, Arch::Arch32), &limits, b"");
    result.unwrap();
    assert_eq!(io.output_text(), "-1");
}

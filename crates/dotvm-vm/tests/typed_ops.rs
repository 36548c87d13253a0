//! Typed instructions give the results of Rust's own i32/i64/f32/f64 operations (with
//! WebAssembly's traps and canonical NaNs) on all five architectures, with each value in
//! its slot layout: one zero-extended slot, or on Arch32 two slots for i64/f64 (low half
//! deeper). Every result slot is printed as a word, so a non-canonical slot would show.

mod common;

use common::*;
use dotvm_core::isa::{StackEffect, ValType};
use dotvm_core::module::Constant;
use dotvm_core::syscall::Syscall;
use dotvm_core::{Arch, Opcode};
use dotvm_vm::{RunError, TrapKind};

/// A typed value; floats as their bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Val {
    I32(u32),
    I64(u64),
    F32(u32),
    F64(u64),
}

impl Val {
    /// The value's slots on `arch`, deepest first.
    fn slots(self, arch: Arch) -> Vec<u64> {
        match self {
            Val::I32(v) | Val::F32(v) => vec![u64::from(v)],
            Val::I64(v) | Val::F64(v) if arch == Arch::Arch32 => vec![v & 0xFFFF_FFFF, v >> 32],
            Val::I64(v) | Val::F64(v) => vec![v],
        }
    }
}

fn f32v(x: f32) -> Val {
    Val::F32(if x.is_nan() { 0x7FC0_0000 } else { x.to_bits() })
}

fn f64v(x: f64) -> Val {
    Val::F64(if x.is_nan() {
        0x7FF8_0000_0000_0000
    } else {
        x.to_bits()
    })
}

/// Rust's rounding to nearest, ties to even, written without `round_ties_even`.
macro_rules! nearest {
    ($x:expr) => {{
        let x = $x;
        let r = x.round();
        if (x - x.trunc()).abs() == 0.5 {
            2.0 * (x / 2.0).round()
        } else {
            r
        }
    }};
}

/// wasm min/max: NaN if either is NaN, -0 below +0.
macro_rules! min_max {
    ($a:expr, $b:expr, $min:expr) => {{
        let (a, b) = ($a, $b);
        if a.is_nan() || b.is_nan() {
            a + b
        } else if a == 0.0 && b == 0.0 {
            let negative = if $min {
                a.is_sign_negative() || b.is_sign_negative()
            } else {
                a.is_sign_negative() && b.is_sign_negative()
            };
            if negative { -0.0 } else { 0.0 }
        } else if $min {
            a.min(b)
        } else {
            a.max(b)
        }
    }};
}

/// Float-to-integer truncation that traps (through `i128`, which holds every in-range
/// value, and saturates beyond).
fn trunc<T: TryFrom<i128>>(x: f64) -> Result<T, TrapKind> {
    if x.is_nan() {
        return Err(TrapKind::InvalidConversion);
    }
    T::try_from(x.trunc() as i128).map_err(|_| TrapKind::IntegerOverflow)
}

fn div_error<T>(divisor_is_zero: bool) -> Result<T, TrapKind> {
    Err(if divisor_is_zero {
        TrapKind::DivideByZero
    } else {
        TrapKind::IntegerOverflow
    })
}

/// The reference result of a typed op on `args`.
fn reference(op: Opcode, args: &[Val]) -> Result<Val, TrapKind> {
    use Opcode::*;
    use Val::*;
    let b32 = |b: bool| Ok(I32(u32::from(b)));
    Ok(match *args {
        [I32(a)] => match op {
            I32Eqz => return b32(a == 0),
            I32Clz => I32(a.leading_zeros()),
            I32Ctz => I32(a.trailing_zeros()),
            I32Popcnt => I32(a.count_ones()),
            I32Extend8S => I32(a as u8 as i8 as i32 as u32),
            I32Extend16S => I32(a as u16 as i16 as i32 as u32),
            I64ExtendI32S => I64(a as i32 as i64 as u64),
            I64ExtendI32U => I64(u64::from(a)),
            F32ConvertI32S => f32v(a as i32 as f32),
            F32ConvertI32U => f32v(a as f32),
            F64ConvertI32S => f64v(f64::from(a as i32)),
            F64ConvertI32U => f64v(f64::from(a)),
            F32ReinterpretI32 => F32(a),
            _ => unreachable!("{op:?}"),
        },
        [I64(a)] => match op {
            I64Eqz => return b32(a == 0),
            I64Clz => I64(u64::from(a.leading_zeros())),
            I64Ctz => I64(u64::from(a.trailing_zeros())),
            I64Popcnt => I64(u64::from(a.count_ones())),
            I64Extend8S => I64(a as u8 as i8 as i64 as u64),
            I64Extend16S => I64(a as u16 as i16 as i64 as u64),
            I64Extend32S => I64(a as u32 as i32 as i64 as u64),
            I32WrapI64 => I32(a as u32),
            F32ConvertI64S => f32v(a as i64 as f32),
            F32ConvertI64U => f32v(a as f32),
            F64ConvertI64S => f64v(a as i64 as f64),
            F64ConvertI64U => f64v(a as f64),
            F64ReinterpretI64 => F64(a),
            _ => unreachable!("{op:?}"),
        },
        [F32(bits)] => {
            let a = f32::from_bits(bits);
            match op {
                F32Abs => F32(bits & 0x7FFF_FFFF),
                F32Neg => F32(bits ^ 0x8000_0000),
                F32Ceil => f32v(a.ceil()),
                F32Floor => f32v(a.floor()),
                F32Trunc => f32v(a.trunc()),
                F32Nearest => f32v(nearest!(a)),
                F32Sqrt => f32v(a.sqrt()),
                I32TruncF32S => I32(trunc::<i32>(f64::from(a))? as u32),
                I32TruncF32U => I32(trunc::<u32>(f64::from(a))?),
                I64TruncF32S => I64(trunc::<i64>(f64::from(a))? as u64),
                I64TruncF32U => I64(trunc::<u64>(f64::from(a))?),
                I32TruncSatF32S => I32(a as i32 as u32),
                I32TruncSatF32U => I32(a as u32),
                I64TruncSatF32S => I64(a as i64 as u64),
                I64TruncSatF32U => I64(a as u64),
                F64PromoteF32 => f64v(f64::from(a)),
                I32ReinterpretF32 => I32(bits),
                _ => unreachable!("{op:?}"),
            }
        }
        [F64(bits)] => {
            let a = f64::from_bits(bits);
            match op {
                F64Abs => F64(bits & !(1 << 63)),
                F64Neg => F64(bits ^ (1 << 63)),
                F64Ceil => f64v(a.ceil()),
                F64Floor => f64v(a.floor()),
                F64Trunc => f64v(a.trunc()),
                F64Nearest => f64v(nearest!(a)),
                F64Sqrt => f64v(a.sqrt()),
                I32TruncF64S => I32(trunc::<i32>(a)? as u32),
                I32TruncF64U => I32(trunc::<u32>(a)?),
                I64TruncF64S => I64(trunc::<i64>(a)? as u64),
                I64TruncF64U => I64(trunc::<u64>(a)?),
                I32TruncSatF64S => I32(a as i32 as u32),
                I32TruncSatF64U => I32(a as u32),
                I64TruncSatF64S => I64(a as i64 as u64),
                I64TruncSatF64U => I64(a as u64),
                F32DemoteF64 => f32v(a as f32),
                I64ReinterpretF64 => I64(bits),
                _ => unreachable!("{op:?}"),
            }
        }
        [I32(a), I32(b)] => {
            let (sa, sb) = (a as i32, b as i32);
            match op {
                I32Eq => return b32(a == b),
                I32Ne => return b32(a != b),
                I32LtS => return b32(sa < sb),
                I32LtU => return b32(a < b),
                I32GtS => return b32(sa > sb),
                I32GtU => return b32(a > b),
                I32LeS => return b32(sa <= sb),
                I32LeU => return b32(a <= b),
                I32GeS => return b32(sa >= sb),
                I32GeU => return b32(a >= b),
                I32Add => I32(a.wrapping_add(b)),
                I32Sub => I32(a.wrapping_sub(b)),
                I32Mul => I32(a.wrapping_mul(b)),
                I32DivS => match sa.checked_div(sb) {
                    Some(q) => I32(q as u32),
                    None => return div_error(b == 0),
                },
                I32DivU => match a.checked_div(b) {
                    Some(q) => I32(q),
                    None => return div_error(true),
                },
                I32RemS if b == 0 => return div_error(true),
                I32RemS => I32(sa.wrapping_rem(sb) as u32),
                I32RemU => match a.checked_rem(b) {
                    Some(r) => I32(r),
                    None => return div_error(true),
                },
                I32And => I32(a & b),
                I32Or => I32(a | b),
                I32Xor => I32(a ^ b),
                I32Shl => I32(a << (b % 32)),
                I32ShrS => I32((sa >> (b % 32)) as u32),
                I32ShrU => I32(a >> (b % 32)),
                I32Rotl => I32(a.rotate_left(b % 32)),
                I32Rotr => I32(a.rotate_right(b % 32)),
                _ => unreachable!("{op:?}"),
            }
        }
        [I64(a), I64(b)] => {
            let (sa, sb) = (a as i64, b as i64);
            let n = (b % 64) as u32;
            match op {
                I64Eq => return b32(a == b),
                I64Ne => return b32(a != b),
                I64LtS => return b32(sa < sb),
                I64LtU => return b32(a < b),
                I64GtS => return b32(sa > sb),
                I64GtU => return b32(a > b),
                I64LeS => return b32(sa <= sb),
                I64LeU => return b32(a <= b),
                I64GeS => return b32(sa >= sb),
                I64GeU => return b32(a >= b),
                I64Add => I64(a.wrapping_add(b)),
                I64Sub => I64(a.wrapping_sub(b)),
                I64Mul => I64(a.wrapping_mul(b)),
                I64DivS => match sa.checked_div(sb) {
                    Some(q) => I64(q as u64),
                    None => return div_error(b == 0),
                },
                I64DivU => match a.checked_div(b) {
                    Some(q) => I64(q),
                    None => return div_error(true),
                },
                I64RemS if b == 0 => return div_error(true),
                I64RemS => I64(sa.wrapping_rem(sb) as u64),
                I64RemU => match a.checked_rem(b) {
                    Some(r) => I64(r),
                    None => return div_error(true),
                },
                I64And => I64(a & b),
                I64Or => I64(a | b),
                I64Xor => I64(a ^ b),
                I64Shl => I64(a << n),
                I64ShrS => I64((sa >> n) as u64),
                I64ShrU => I64(a >> n),
                I64Rotl => I64(a.rotate_left(n)),
                I64Rotr => I64(a.rotate_right(n)),
                _ => unreachable!("{op:?}"),
            }
        }
        [F32(x), F32(y)] => {
            let (a, b) = (f32::from_bits(x), f32::from_bits(y));
            match op {
                F32Eq => return b32(a == b),
                F32Ne => return b32(a != b),
                F32Lt => return b32(a < b),
                F32Gt => return b32(a > b),
                F32Le => return b32(a <= b),
                F32Ge => return b32(a >= b),
                F32Add => f32v(a + b),
                F32Sub => f32v(a - b),
                F32Mul => f32v(a * b),
                F32Div => f32v(a / b),
                F32Min => f32v(min_max!(a, b, true)),
                F32Max => f32v(min_max!(a, b, false)),
                F32Copysign => F32((x & 0x7FFF_FFFF) | (y & 0x8000_0000)),
                _ => unreachable!("{op:?}"),
            }
        }
        [F64(x), F64(y)] => {
            let (a, b) = (f64::from_bits(x), f64::from_bits(y));
            match op {
                F64Eq => return b32(a == b),
                F64Ne => return b32(a != b),
                F64Lt => return b32(a < b),
                F64Gt => return b32(a > b),
                F64Le => return b32(a <= b),
                F64Ge => return b32(a >= b),
                F64Add => f64v(a + b),
                F64Sub => f64v(a - b),
                F64Mul => f64v(a * b),
                F64Div => f64v(a / b),
                F64Min => f64v(min_max!(a, b, true)),
                F64Max => f64v(min_max!(a, b, false)),
                F64Copysign => F64((x & !(1 << 63)) | (y & (1 << 63))),
                _ => unreachable!("{op:?}"),
            }
        }
        _ => unreachable!("{op:?} on {args:?}"),
    })
}

/// A deterministic xorshift generator for random operands.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Edge cases and random values of type `t`.
fn samples(t: ValType, rng: &mut Rng) -> Vec<Val> {
    let mut values = match t {
        ValType::I32 => [
            0u32,
            1,
            2,
            7,
            31,
            32,
            33,
            0x7F,
            0x80,
            0xFF,
            0x7FFF,
            0x8000,
            0x7FFF_FFFF,
            0x8000_0000,
            0xFFFF_FFFF,
            0xFFFF_FFFE,
        ]
        .map(Val::I32)
        .to_vec(),
        ValType::I64 => [
            0u64,
            1,
            2,
            63,
            64,
            65,
            0x80,
            0x8000,
            0x7FFF_FFFF,
            0x8000_0000,
            0xFFFF_FFFF,
            0x1_0000_0000,
            i64::MAX as u64,
            i64::MIN as u64,
            u64::MAX,
            u64::MAX - 1,
        ]
        .map(Val::I64)
        .to_vec(),
        ValType::F32 => [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            -0.9,
            1.5,
            2.5,
            -2.5,
            3.7,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::from_bits(0xFFA0_0001),
            f32::MAX,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            2_147_483_520.0,
            2_147_483_648.0,
            -2_147_483_648.0,
            -2_147_483_904.0,
            4_294_967_040.0,
            4_294_967_296.0,
            9.223_372e18,
            -9.223_372e18,
            1.844_674_4e19,
        ]
        .map(|x| Val::F32(x.to_bits()))
        .to_vec(),
        ValType::F64 => [
            0.0f64,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            -0.9,
            1.5,
            2.5,
            -2.5,
            3.7,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::from_bits(0xFFF4_0000_0000_0001),
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            2_147_483_647.9,
            2_147_483_648.0,
            -2_147_483_648.9,
            -2_147_483_649.0,
            4_294_967_295.5,
            4_294_967_296.0,
            9_223_372_036_854_774_784.0,
            9_223_372_036_854_775_808.0,
            -9_223_372_036_854_775_808.0,
            18_446_744_073_709_549_568.0,
            18_446_744_073_709_551_616.0,
        ]
        .map(|x| Val::F64(x.to_bits()))
        .to_vec(),
        ValType::W | ValType::V128 => unreachable!(),
    };
    for _ in 0..4 {
        let r = rng.next();
        values.push(match t {
            ValType::I32 => Val::I32(r as u32),
            ValType::I64 => Val::I64(r),
            // Random bits, and random values of a magnitude conversions care about.
            ValType::F32 => Val::F32(r as u32),
            ValType::F64 => Val::F64(r),
            ValType::W | ValType::V128 => unreachable!(),
        });
        values.push(match t {
            ValType::I32 => Val::I32((r >> 40) as u32),
            ValType::I64 => Val::I64(r >> 20),
            ValType::F32 => Val::F32(((r >> 40) as i32 as f32 * 1.37).to_bits()),
            ValType::F64 => Val::F64(((r >> 5) as i64 as f64 * 1.37).to_bits()),
            ValType::W | ValType::V128 => unreachable!(),
        });
    }
    values
}

/// The operand lists to try for an op with operand types `pops`.
fn cases(pops: &[ValType], rng: &mut Rng) -> Vec<Vec<Val>> {
    match *pops {
        [t] => samples(t, rng).into_iter().map(|v| vec![v]).collect(),
        [t, u] => {
            let (xs, ys) = (samples(t, rng), samples(u, rng));
            xs.iter()
                .flat_map(|&x| ys.iter().map(move |&y| vec![x, y]))
                .collect()
        }
        _ => unreachable!(),
    }
}

/// Pushes `args` in `arch`'s slot layout.
fn push_args(mut code: Code, args: &[Val], arch: Arch) -> Code {
    for arg in args {
        for slot in arg.slots(arch) {
            code = code.push(slot);
        }
    }
    code
}

/// Prints the `slots` result slots as words, top first, separated by spaces, then a newline.
fn print_slots(mut code: Code, slots: usize) -> Code {
    for i in 0..slots {
        if i > 0 {
            code = code.push(u64::from(' ')).sys(Syscall::PrintChar);
        }
        code = code.sys(Syscall::PrintUint);
    }
    code.push(u64::from('\n')).sys(Syscall::PrintChar)
}

/// The line [`print_slots`] prints for `value` on `arch`.
fn expected_line(value: Val, arch: Arch) -> String {
    let slots: Vec<String> = value.slots(arch).iter().rev().map(u64::to_string).collect();
    slots.join(" ") + "\n"
}

fn on_arch(mut module: dotvm_core::Module, arch: Arch) -> dotvm_core::Module {
    module.arch = arch;
    module
}

/// Checks every non-memory typed op on every architecture against [`reference`].
#[test]
fn typed_operations_match_rust_on_every_architecture() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut checked = 0usize;
    for &op in Opcode::ALL {
        let category = op.info().category;
        use dotvm_core::isa::Category::*;
        if !matches!(category, Int32 | Int64 | Float32 | Float64 | Conversion) {
            continue;
        }
        let StackEffect::Fixed { pops, pushes } = op.info().effect else {
            unreachable!()
        };
        let all = cases(pops, &mut rng);
        let (ok, traps): (Vec<_>, Vec<_>) =
            all.iter().partition(|args| reference(op, args).is_ok());
        for arch in Arch::ALL {
            // Every case that does not trap runs in one program, one output line each.
            let mut code = Code::new();
            let mut expected = String::new();
            for args in &ok {
                let result = reference(op, args).unwrap();
                code = print_slots(
                    push_args(code, args, arch).op(op),
                    pushes[0].slots(arch) as usize,
                );
                expected += &expected_line(result, arch);
            }
            let (result, io) = run(on_arch(
                module(vec![func(0, 0, 0, &code.op(Opcode::Halt))]),
                arch,
            ));
            result.unwrap_or_else(|e| panic!("{} on {arch}: {e}", op.mnemonic()));
            let output = io.output_text();
            for ((line, want), args) in output.lines().zip(expected.lines()).zip(&ok) {
                assert_eq!(line, want, "{} {args:x?} on {arch}", op.mnemonic());
            }
            assert_eq!(
                output.lines().count(),
                ok.len(),
                "{} on {arch}",
                op.mnemonic()
            );
            // Each trapping case on its own.
            for args in &traps {
                let code = push_args(Code::new(), args, arch).op(op).op(Opcode::Halt);
                let (result, _) = run(on_arch(module(vec![func(0, 0, 0, &code)]), arch));
                let want = reference(op, args).unwrap_err();
                match result {
                    Err(RunError::Trap(trap)) => {
                        assert_eq!(trap.kind, want, "{} {args:x?} on {arch}", op.mnemonic())
                    }
                    other => panic!("{} {args:x?} on {arch}: {other:?}", op.mnemonic()),
                }
            }
            checked += all.len();
        }
    }
    // 31 + 32 i32/i64 ops, 20 + 20 float ops and 33 conversions, on five architectures.
    assert!(checked > 136 * 5 * 20, "only {checked} cases");
}

#[test]
fn typed_loads_and_stores_move_little_endian_values_on_every_architecture() {
    let i64v = 0x8899_AABB_CCDD_EEFFu64;
    for arch in Arch::ALL {
        // Store an i64 and an f64 with their typed stores, then read them back with every
        // typed load; partial stores write only their low bytes.
        let mut code =
            push_args(Code::new().push(64), &[Val::I64(i64v)], arch).mem(Opcode::I64Store, 0);
        code =
            push_args(code.push(72), &[Val::F64(1.5f64.to_bits())], arch).mem(Opcode::F64Store, 0);
        code = push_args(code.push(80), &[Val::I64(i64v)], arch).mem(Opcode::I64Store32, 0);
        code = push_args(code.push(84), &[Val::I32(0xFFFF_8001)], arch).mem(Opcode::I32Store16, 0);
        code = push_args(code.push(86), &[Val::I32(0x1234_5680)], arch).mem(Opcode::I32Store8, 0);
        code =
            push_args(code.push(87), &[Val::F32(2.5f32.to_bits())], arch).mem(Opcode::F32Store, 0);
        let loads: [(Opcode, u64, Val); 16] = [
            (Opcode::I64Load, 64, Val::I64(i64v)),
            (Opcode::F64Load, 72, Val::F64(1.5f64.to_bits())),
            (Opcode::I32Load, 64, Val::I32(0xCCDD_EEFF)),
            (Opcode::F32Load, 87, Val::F32(2.5f32.to_bits())),
            (Opcode::I32Load8S, 64, Val::I32(0xFFFF_FFFF)),
            (Opcode::I32Load8U, 64, Val::I32(0xFF)),
            (Opcode::I32Load16S, 84, Val::I32(0xFFFF_8001)),
            (Opcode::I32Load16U, 84, Val::I32(0x8001)),
            (Opcode::I64Load8S, 86, Val::I64(0xFFFF_FFFF_FFFF_FF80)),
            (Opcode::I64Load8U, 86, Val::I64(0x80)),
            (Opcode::I64Load16S, 64, Val::I64(0xFFFF_FFFF_FFFF_EEFF)),
            (Opcode::I64Load16U, 64, Val::I64(0xEEFF)),
            (Opcode::I64Load32S, 80, Val::I64(0xFFFF_FFFF_CCDD_EEFF)),
            (Opcode::I64Load32U, 80, Val::I64(0xCCDD_EEFF)),
            (Opcode::I64Load, 60, Val::I64(0xCCDD_EEFF_0000_0000)),
            (Opcode::I32Load, 68, Val::I32(0x8899_AABB)),
        ];
        let mut expected = String::new();
        for (load, addr, value) in loads {
            // The offset operand adds to the popped address.
            code = print_slots(code.push(addr - 4).mem(load, 4), value.slots(arch).len());
            expected += &expected_line(value, arch);
        }
        let (result, io) = run(on_arch(
            module(vec![func(0, 0, 0, &code.op(Opcode::Halt))]),
            arch,
        ));
        result.unwrap_or_else(|e| panic!("{arch}: {e}"));
        assert_eq!(io.output_text(), expected, "{arch}");
    }
}

#[test]
fn typed_memory_traps_out_of_bounds_and_in_the_read_only_region() {
    for arch in Arch::ALL {
        let code = Code::new()
            .push(65536 - 4)
            .mem(Opcode::I64Load, 0)
            .op(Opcode::Halt);
        let trap = trap_of(on_arch(module(vec![func(0, 0, 0, &code)]), arch));
        assert_eq!(trap.kind, oob(65532, 8), "{arch}");
        let code = push_args(Code::new().push(0), &[Val::I32(1)], arch)
            .mem(Opcode::I32Store8, 0)
            .op(Opcode::Halt);
        let mut m = on_arch(module(vec![func(0, 0, 0, &code)]), arch);
        m.constants = vec![Constant::Str("ro".into())];
        assert_eq!(trap_of(m).kind, oob(0, 1), "{arch}");
    }
}

#[test]
fn select_picks_by_an_i32_condition_and_select64_moves_whole_i64s() {
    for arch in Arch::ALL {
        let a = Val::I64(0x1111_2222_3333_4444);
        let b = Val::I64(0x5555_6666_7777_8888);
        let mut code = Code::new();
        let mut expected = String::new();
        for (condition, want) in [(1u32, a), (0, b), (0x8000_0000, a)] {
            code = push_args(code, &[a, b, Val::I32(condition)], arch).op(Opcode::Select64);
            code = print_slots(code, want.slots(arch).len());
            expected += &expected_line(want, arch);
        }
        // SELECT moves one word.
        code = print_slots(code.push(7).push(9).push(3).op(Opcode::Select), 1);
        expected += "7\n";
        code = print_slots(code.push(7).push(9).push(0).op(Opcode::Select), 1);
        expected += "9\n";
        let (result, io) = run(on_arch(
            module(vec![func(0, 0, 0, &code.op(Opcode::Halt))]),
            arch,
        ));
        result.unwrap_or_else(|e| panic!("{arch}: {e}"));
        assert_eq!(io.output_text(), expected, "{arch}");
    }
}

#[test]
fn push_const_of_an_f64_takes_two_slots_on_arch32() {
    let bits = (-2.75f64).to_bits();
    for arch in Arch::ALL {
        let code = print_slots(
            Code::new()
                .idx(Opcode::PushConst, 0)
                .idx(Opcode::PushConst, 0)
                .op(Opcode::F64Mul),
            Val::F64(0).slots(arch).len(),
        );
        let m = with_constants(
            on_arch(module(vec![func(0, 0, 0, &code.op(Opcode::Halt))]), arch),
            vec![Constant::F64(bits)],
        );
        let (result, io) = run(m);
        result.unwrap_or_else(|e| panic!("{arch}: {e}"));
        assert_eq!(
            io.output_text(),
            expected_line(Val::F64(7.5625f64.to_bits()), arch),
            "{arch}"
        );
    }
}

//! The arithmetic loops every architecture runs, `n` times over a word `x`:
//!
//! * [`Kernel::MulMod`]: `x = (x * a + b) * c mod m`, with `*` and `+` wrapping at the word
//!   and the last product reduced in full (`MULMOD`);
//! * [`Kernel::MulAdd`]: `x = x * a + b`, wrapping: cheap word operations, so the time is
//!   mostly the interpreter's own.
//!
//! The constants are the low bits of fixed 512-bit values, so every architecture computes
//! the same formula on full-width operands; [`reference`] computes the expected result
//! natively (ruint), so each benchmark checks its answer before it is timed, and doubles
//! as the native column the interpreters are compared with. That column is not a floor
//! for `mulmod` on Arch256 and Arch512: it runs ruint's `mul_mod`, while DotVM reduces by
//! a modulus that repeats with a memoised reciprocal (see docs/architectures.md).

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Imm, Verified};
use dotvm_vm::{BufferIo, Limits};
use ruint::Uint;
use std::hint::black_box;

/// Low limbs first: the 512-bit values whose low bits are the loop's constants.
const X0: Imm = Imm::from_limbs([
    0xd9d648b20ad0e57c,
    0x293a45544bd50121,
    0xbb5f4b57620d2c7f,
    0x7ef1c0fbb74b0777,
    0x307b98037b6b99cb,
    0xf54eae1482d7c79c,
    0xce1c0d9ab660eeaa,
    0x2955ff63fdac926a,
]);
const A: Imm = Imm::from_limbs([
    0x204cef83082f88de,
    0x70d92df87ca0e530,
    0xa4ca69dbedabc2af,
    0x59a921178187176f,
    0x007dd6c2c43e0f99,
    0xa6f1bb2dc6d4184a,
    0xb75db7e14377877f,
    0xd38c5eca2d634a83,
]);
const B: Imm = Imm::from_limbs([
    0x52eaa00a4996cfcc,
    0x2e3f418eed0a39fe,
    0x854af1a567f29a29,
    0x298c6fb2d64e4770,
    0xb76bd104a9b79d06,
    0x1b415b7d4a250d89,
    0xdaa052950e607133,
    0xf77b97f5dee9e617,
]);
const C: Imm = Imm::from_limbs([
    0xa8ba369eca19272e,
    0x5d07737ae4d6efb2,
    0x9fb6a597829da3df,
    0x05c75a414bd02608,
    0x28bfb8ebf2ce7724,
    0xdc55deb9e20065d0,
    0x5024615c8f627884,
    0x03e7450540aa6ad0,
]);

/// The loop's constants for one word width, each below `2^bits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Constants {
    /// Starting value of `x`.
    pub(crate) x0: Imm,
    /// Multiplier.
    pub(crate) a: Imm,
    /// Addend.
    pub(crate) b: Imm,
    /// Second factor, multiplied in by `MULMOD`.
    pub(crate) c: Imm,
    /// Modulus: `2^bits - 189`, a full-width odd number that is not all ones.
    pub(crate) m: Imm,
}

impl Constants {
    /// The constants for `arch`'s word.
    pub(crate) fn for_arch(arch: Arch) -> Constants {
        let bits = arch.word_bits() as usize;
        let mask = if bits == Imm::BITS {
            Imm::MAX
        } else {
            (Imm::ONE << bits) - Imm::ONE
        };
        Constants {
            x0: X0 & mask,
            a: A & mask,
            b: B & mask,
            c: C & mask,
            m: mask - Imm::from(188u64),
        }
    }
}

/// Which loop body to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernel {
    /// `x = (x * a + b) * c mod m`: dominated by the 2-word-by-1-word remainder of `MULMOD`.
    MulMod,
    /// `x = x * a + b`: cheap operations, dominated by instruction dispatch.
    MulAdd,
}

impl Kernel {
    /// Both kernels, the one the issue asks for first.
    pub(crate) const ALL: [Kernel; 2] = [Kernel::MulMod, Kernel::MulAdd];

    /// The command-line name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kernel::MulMod => "mulmod",
            Kernel::MulAdd => "muladd",
        }
    }

    /// The loop body as a formula.
    pub(crate) fn formula(self) -> &'static str {
        match self {
            Kernel::MulMod => "x = (x * a + b) * c mod m",
            Kernel::MulAdd => "x = x * a + b",
        }
    }
}

/// The loop's final `x` after `iterations` iterations on `arch`, computed natively.
pub(crate) fn reference(kernel: Kernel, arch: Arch, iterations: u64) -> Imm {
    let k = Constants::for_arch(arch);
    match arch {
        Arch::Arch32 => reference_in::<32, 1>(kernel, &k, iterations),
        Arch::Arch64 => reference_in::<64, 1>(kernel, &k, iterations),
        Arch::Arch128 => reference_in::<128, 2>(kernel, &k, iterations),
        Arch::Arch256 => reference_in::<256, 4>(kernel, &k, iterations),
        Arch::Arch512 => reference_in::<512, 8>(kernel, &k, iterations),
    }
}

/// [`reference`] in `BITS`-bit arithmetic.
fn reference_in<const BITS: usize, const LIMBS: usize>(
    kernel: Kernel,
    k: &Constants,
    iterations: u64,
) -> Imm {
    let word = Uint::<BITS, LIMBS>::wrapping_from;
    let (a, b, c, m) = (word(k.a), word(k.b), word(k.c), word(k.m));
    let mut x = word(k.x0);
    match kernel {
        Kernel::MulMod => {
            for _ in 0..iterations {
                x = x.wrapping_mul(a).wrapping_add(b).mul_mod(c, m);
            }
        }
        Kernel::MulAdd => {
            for _ in 0..iterations {
                x = x.wrapping_mul(a).wrapping_add(b);
            }
        }
    }
    Imm::from(x)
}

/// The loop as DotVM assembly for `arch`, scheduled as tightly as the instruction set
/// allows (as the EVM version is): `x` stays on the operand stack, the counter `i` is a
/// local counted the way a compiler emits `for i in 0..n` (the shape the loader fuses),
/// and the final `x` is printed with `print_uint`.
pub(crate) fn dotvm_source(kernel: Kernel, arch: Arch, iterations: u64) -> String {
    let Constants { x0, a, b, c, m } = Constants::for_arch(arch);
    let reduce = match kernel {
        Kernel::MulMod => format!("PUSH {c:#x}\n    PUSH {m:#x}\n    MULMOD"),
        Kernel::MulAdd => String::new(),
    };
    format!(
        "\
.func main results=1 export
    .local i
    PUSH {x0:#x}
loop:
    PUSH {a:#x}
    MUL
    PUSH {b:#x}
    ADD
    {reduce}
    LOCAL_GET i
    PUSH 1
    ADD
    LOCAL_TEE i
    PUSH {iterations}
    LT_U
    JNZ loop
    SYSCALL print_uint
    PUSH 0
    RET
.end
"
    )
}

/// The loop assembled and verified for `arch`.
pub(crate) fn dotvm_program(
    kernel: Kernel,
    arch: Arch,
    iterations: u64,
) -> Result<Verified, String> {
    let options = AsmOptions {
        arch: Some(arch),
        line_table: false,
    };
    let module = assemble(
        &dotvm_source(kernel, arch, iterations),
        "arith-loop.dasm",
        &options,
    )
    .map_err(|e| e.to_string())?;
    Verified::new(module).map_err(|e| format!("{} loop for {arch}: {e}", kernel.formula()))
}

/// What one run of the DotVM loop reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DotvmRun {
    /// The final `x` the program printed.
    pub(crate) x: Imm,
    /// Instructions executed.
    pub(crate) instructions: u64,
}

/// Runs the loop program (no instruction limit) and reads the `x` it printed.
pub(crate) fn run_dotvm(program: &Verified) -> Result<DotvmRun, String> {
    let mut io = BufferIo::default();
    let outcome = dotvm_vm::run(program, &Limits::default(), &mut io).map_err(|e| e.to_string())?;
    let text = io.output_text();
    let x = text
        .parse::<Imm>()
        .map_err(|e| format!("the loop printed `{text}`, not a number: {e}"))?;
    Ok(DotvmRun {
        x,
        instructions: outcome.instructions,
    })
}

/// Checks one run's answer against the native reference.
pub(crate) fn check(arch: Arch, run: &DotvmRun, expected: Imm) -> Result<(), String> {
    if run.x == expected {
        Ok(())
    } else {
        Err(format!(
            "{arch} computed {:#x}, the reference {expected:#x}",
            run.x
        ))
    }
}

/// Runs the native loop once (a timing contender), kept from being folded away.
pub(crate) fn native_run(kernel: Kernel, arch: Arch, iterations: u64) -> Result<(), String> {
    black_box(reference(kernel, arch, black_box(iterations)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_fit_their_word_and_are_full_width() {
        for arch in Arch::ALL {
            let k = Constants::for_arch(arch);
            let bits = arch.word_bits() as usize;
            for value in [k.x0, k.a, k.b, k.c, k.m] {
                assert!(value.bit_len() <= bits, "{arch}: {value:#x}");
            }
            assert_eq!(k.m.bit_len(), bits, "{arch}");
            // all ones minus 188 (0b1011_1100): five bits cleared
            assert_eq!(k.m.count_ones(), bits - 5, "{arch}");
        }
    }

    #[test]
    fn reference_matches_a_hand_step() {
        // One iteration on Arch64, in u128 arithmetic.
        let k = Constants::for_arch(Arch::Arch64);
        let small = |v: Imm| u64::try_from(v).unwrap();
        let t = small(k.x0)
            .wrapping_mul(small(k.a))
            .wrapping_add(small(k.b));
        let expected = u128::from(t) * u128::from(small(k.c)) % u128::from(small(k.m));
        assert_eq!(
            reference(Kernel::MulMod, Arch::Arch64, 1),
            Imm::from(expected)
        );
        assert_eq!(reference(Kernel::MulAdd, Arch::Arch64, 1), Imm::from(t));
        let x0 = Constants::for_arch(Arch::Arch256).x0;
        assert_eq!(reference(Kernel::MulMod, Arch::Arch256, 0), x0);
    }

    #[test]
    fn dotvm_matches_the_reference_on_every_architecture() {
        for kernel in Kernel::ALL {
            for arch in Arch::ALL {
                let program = dotvm_program(kernel, arch, 5).unwrap();
                let run = run_dotvm(&program).unwrap();
                let expected = reference(kernel, arch, 5);
                assert_eq!(check(arch, &run, expected), Ok(()), "{kernel:?} on {arch}");
                let wrong = check(arch, &run, expected ^ Imm::ONE).unwrap_err();
                assert!(wrong.contains("the reference"), "{wrong}");
                let body = match kernel {
                    Kernel::MulMod => 14,
                    Kernel::MulAdd => 11,
                };
                // One instruction sets x up; three print it and return.
                assert_eq!(run.instructions, 1 + body * 5 + 3, "{kernel:?} on {arch}");
            }
        }
    }
}

//! The `v128` type in the core: slot counts per architecture in the verifier, lane operands
//! in the assembler (`V128_CONST i32x4 1 2 3 4`), and byte-identical disassembly.

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::disasm::disassemble;
use dotvm_core::instruction::{Instruction, Operand};
use dotvm_core::isa::ValType;
use dotvm_core::module::Module;
use dotvm_core::verify::verify;
use dotvm_core::{Arch, Opcode};

fn asm_for(source: &str, arch: Option<Arch>) -> Result<Module, String> {
    let options = AsmOptions {
        arch,
        ..AsmOptions::default()
    };
    assemble(source, "v.dasm", &options).map_err(|e| e.to_string())
}

fn asm(source: &str) -> Module {
    asm_for(source, None).unwrap_or_else(|e| panic!("{e}"))
}

const LANES: &str = "
    .arch 64
    .func main results=1 locals=0
        PUSH 64
        V128_CONST f32x4 1.5 -0.0 inf nan
        V128_CONST i8x16 -1 0 1 2 3 4 5 6 7 8 9 10 11 12 13 0xFF
        I8X16_SHUFFLE 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31
        V128_CONST i16x8 -32768 65535 0 1 2 3 4 5
        V128_CONST i64x2 -1 0x0123456789abcdef
        V128_CONST f64x2 -2.5 6.02e23
        V128_BITSELECT
        I16X8_ADD
        I32X4_EXTRACT_LANE 3
        I32X4_SPLAT
        V128_LOAD32_LANE +8 2
        I64X2_EXTRACT_LANE 1
        POP
        PUSH 0
        RET
    .end
";

#[test]
fn lane_syntax_assembles_to_little_endian_lanes() {
    let m = asm(LANES);
    let code = Instruction::decode_all(&m.functions[0].code).expect("decodes");
    let operands: Vec<&Operand> = code.iter().map(|(_, i)| &i.operand).collect();
    let mut f32x4 = Vec::new();
    for x in [1.5f32, -0.0, f32::INFINITY, f32::NAN] {
        f32x4.extend(x.to_bits().to_le_bytes());
    }
    assert_eq!(operands[1], &Operand::Bytes16(f32x4.try_into().unwrap()));
    let mut i8x16 = [0u8; 16];
    for (i, b) in i8x16.iter_mut().enumerate() {
        *b = (i as u8).wrapping_sub(1);
    }
    i8x16[15] = 0xFF;
    assert_eq!(operands[2], &Operand::Bytes16(i8x16));
    assert_eq!(
        operands[3],
        &Operand::Bytes16([0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31])
    );
    let i64x2: Vec<u8> = [u64::MAX, 0x0123_4567_89ab_cdef]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    assert_eq!(operands[5], &Operand::Bytes16(i64x2.try_into().unwrap()));
    assert_eq!(operands[9], &Operand::Lane(3));
    assert_eq!(operands[11], &Operand::MemLane(8, 2));
    verify(&m).expect("verifies");
}

#[test]
fn disassembly_round_trips_byte_identically() {
    let m = asm(LANES);
    let text = disassemble(&m);
    assert!(text.contains("V128_CONST i32x4 "), "{text}");
    assert!(text.contains("V128_LOAD32_LANE +8 2"), "{text}");
    let back = asm(&text);
    assert_eq!(back.functions[0].code, m.functions[0].code, "{text}");
    assert_eq!(back, m);
    // The NaN lane keeps its exact bits through the hexadecimal i32x4 form.
    let nan = Instruction {
        opcode: Opcode::V128Const,
        operand: Operand::Bytes16([0x01, 0, 0xC0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80]),
    };
    assert_eq!(
        nan.to_string(),
        "V128_CONST i32x4 0xffc00001 0x00000000 0x00000000 0x80000000"
    );
}

#[test]
fn v128_takes_four_two_or_one_slots() {
    let expected = [
        (Arch::Arch32, 4),
        (Arch::Arch64, 2),
        (Arch::Arch128, 1),
        (Arch::Arch256, 1),
        (Arch::Arch512, 1),
    ];
    for (arch, slots) in expected {
        assert_eq!(ValType::V128.slots(arch), slots, "{arch}");
        // Two vectors on the stack at once: the analysed max_stack counts their slots.
        let m = asm_for(
            "
            .func main results=1
                V128_CONST i32x4 1 2 3 4
                V128_CONST i32x4 5 6 7 8
                I32X4_ADD
                I32X4_EXTRACT_LANE 0
                RET
            .end
            ",
            Some(arch),
        )
        .unwrap();
        assert_eq!(m.functions[0].max_stack, 2 * slots, "{arch}");
        verify(&m).unwrap_or_else(|e| panic!("{arch}: {e}"));
        let effect = Opcode::I32x4Add.info().effect.slots(arch);
        assert_eq!(effect, Some((2 * slots, slots)), "{arch}");
        let effect = Opcode::I64x2ReplaceLane.info().effect.slots(arch);
        let i64_slots = ValType::I64.slots(arch);
        assert_eq!(effect, Some((slots + i64_slots, slots)), "{arch}");
    }
}

#[test]
fn a_vector_op_on_too_few_slots_is_rejected() {
    // One vector on arch32 is four slots; I32X4_ADD needs eight.
    let source = "
        .func main results=0 max_stack=8
            V128_CONST i32x4 1 2 3 4
            I32X4_ADD
            POP
            POP
            POP
            POP
            HALT
        .end
    ";
    let m = asm_for(source, Some(Arch::Arch32)).unwrap();
    let error = verify(&m).expect_err("underflow").to_string();
    assert!(
        error.contains("I32X4_ADD needs 8 slots, 4 available"),
        "{error}"
    );
}

#[test]
fn bad_lane_operands_are_assembly_errors() {
    let cases = [
        ("I32X4_EXTRACT_LANE 4", "lane index"),
        ("I8X16_REPLACE_LANE 16", "lane index"),
        ("V128_LOAD64_LANE +0 2", "lane index"),
        ("V128_CONST i8x16 0 1 2", "lane 3"),
        (
            "V128_CONST i8x16 256 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
            "8-bit",
        ),
        ("V128_CONST i33x4 1 2 3 4", "lane shape"),
        (
            "I8X16_SHUFFLE 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 32",
            "shuffle lane",
        ),
    ];
    for (line, expected) in cases {
        let source = format!(".func main results=0 max_stack=9\n    {line}\n    HALT\n.end\n");
        let error = asm_for(&source, Some(Arch::Arch64)).expect_err(line);
        assert!(error.contains(expected), "{line}: {error}");
    }
}

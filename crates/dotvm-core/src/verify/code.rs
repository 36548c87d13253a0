//! Decoding a function's code and checking every operand, reachable or not.

use super::error::{VerifyError, count, fits_word, grouped_hex, word_misfit};
use crate::arch::Arch;
use crate::instruction::{DecodeError, Instruction, Operand};
use crate::isa::{Opcode, OperandKind};
use crate::lanes::LaneWidth;
use crate::module::{Function, Module, RefKind};
use crate::syscall::Syscall;

/// Marks a byte offset that does not start an instruction.
const NOT_A_BOUNDARY: u32 = u32::MAX;

/// The function being checked, for building located errors.
#[derive(Clone, Copy)]
pub(super) struct Site<'m> {
    /// The whole module (signatures, constants, globals, names).
    pub(super) module: &'m Module,
    /// Index of the function.
    pub(super) func: u32,
    /// The function itself.
    pub(super) function: &'m Function,
}

impl<'m> Site<'m> {
    /// The site of function `func`, which must exist.
    pub(super) fn new(module: &'m Module, func: u32) -> Result<Site<'m>, VerifyError> {
        match module.functions.get(func as usize) {
            Some(function) => Ok(Site {
                module,
                func,
                function,
            }),
            None => Err(VerifyError::module(format!(
                "function {func} does not exist ({})",
                count(module.functions.len() as u64, "function")
            ))),
        }
    }

    /// An error at `pc` in this function.
    pub(super) fn at(&self, pc: u32, message: impl Into<String>) -> VerifyError {
        VerifyError::in_function(self.module, self.func, Some(pc), message)
    }

    /// An error about this function as a whole.
    pub(super) fn whole(&self, message: impl Into<String>) -> VerifyError {
        VerifyError::in_function(self.module, self.func, None, message)
    }
}

/// A function's code, decoded, with every operand checked.
pub(super) struct Code {
    /// `(pc, instruction)` in code order.
    pub(super) instructions: Vec<(u32, Instruction)>,
    /// For each byte offset, the index of the instruction starting there, or
    /// [`NOT_A_BOUNDARY`].
    boundaries: Vec<u32>,
}

impl Code {
    /// Decodes the function at `site` and checks its operands.
    pub(super) fn decode(site: &Site<'_>) -> Result<Code, VerifyError> {
        let bytes = &site.function.code;
        if bytes.is_empty() {
            return Err(site.whole("function has no code"));
        }
        if u32::try_from(bytes.len()).is_err() {
            return Err(site.whole(format!(
                "code of {} bytes is longer than the 4 GiB limit",
                bytes.len()
            )));
        }
        let instructions = Instruction::decode_all(bytes).map_err(|e| decode_error(site, &e))?;
        let mut boundaries = vec![NOT_A_BOUNDARY; bytes.len()];
        for (index, (pc, _)) in instructions.iter().enumerate() {
            // Fewer instructions than bytes, so the index fits in u32 below NOT_A_BOUNDARY.
            boundaries[*pc as usize] = index as u32;
        }
        let code = Code {
            instructions,
            boundaries,
        };
        for (pc, instruction) in &code.instructions {
            code.check_operand(site, *pc, instruction)?;
        }
        Ok(code)
    }

    /// The index of the instruction starting at byte `pc`, if one does.
    pub(super) fn index_at(&self, pc: u32) -> Option<usize> {
        match self.boundaries.get(pc as usize) {
            Some(&index) if index != NOT_A_BOUNDARY => Some(index as usize),
            _ => None,
        }
    }

    /// Checks that the operand of the instruction at `pc` refers to something that exists.
    fn check_operand(
        &self,
        site: &Site<'_>,
        pc: u32,
        instruction: &Instruction,
    ) -> Result<(), VerifyError> {
        let module = site.module;
        let opcode = instruction.opcode;
        let fail = |message: String| Err(site.at(pc, message));
        let located = |message: String| site.at(pc, message);
        match (opcode, &instruction.operand) {
            (_, Operand::Imm(value)) if !fits_word(value, module.arch) => fail(format!(
                "immediate {} {}",
                grouped_hex(value),
                word_misfit(module.arch)
            )),
            (Opcode::PushConst, &Operand::Index(k)) if k as usize >= module.constants.len() => {
                fail(format!(
                    "constant {k} does not exist ({})",
                    count(module.constants.len() as u64, "constant")
                ))
            }
            (Opcode::LocalGet | Opcode::LocalSet | Opcode::LocalTee, &Operand::Index(l)) => {
                let f = site.function;
                let slots = u32::from(f.params) + u32::from(f.locals);
                if l >= slots {
                    fail(format!(
                        "local {l} does not exist (the frame has {} and {})",
                        count(f.params.into(), "parameter"),
                        count(f.locals.into(), "local")
                    ))
                } else {
                    Ok(())
                }
            }
            (Opcode::GlobalGet | Opcode::GlobalSet, &Operand::Index(g)) => {
                match module.globals.get(g as usize) {
                    None => fail(format!(
                        "global {g} does not exist ({})",
                        count(module.globals.len() as u64, "global")
                    )),
                    Some(global) if opcode == Opcode::GlobalSet && !global.mutable => {
                        fail(format!("GLOBAL_SET on immutable global {g}"))
                    }
                    Some(_) => Ok(()),
                }
            }
            (Opcode::Call, &Operand::Index(f)) if f as usize >= module.functions.len() => {
                fail(format!(
                    "CALL of function {f}, which does not exist ({})",
                    count(module.functions.len() as u64, "function")
                ))
            }
            (_, &Operand::Target(target)) => self.check_target(site, pc, opcode, target),
            (_, Operand::Targets(targets)) => targets
                .iter()
                .try_for_each(|&target| self.check_target(site, pc, opcode, target)),
            (Opcode::RefFunc, &Operand::Index(f)) if f as usize >= module.functions.len() => {
                fail(format!(
                    "REF_FUNC of function {f}, which does not exist ({})",
                    count(module.functions.len() as u64, "function")
                ))
            }
            (Opcode::CallIndirect, &Operand::Pair(ty, table)) => {
                if ty as usize >= module.types.len() {
                    return fail(format!(
                        "type {ty} does not exist ({})",
                        count(module.types.len() as u64, "type")
                    ));
                }
                check_table(module, table, Some(RefKind::Func))
                    .map(drop)
                    .map_err(located)
            }
            (Opcode::TableCopy, &Operand::Pair(dst, src)) => {
                let kind = check_table(module, dst, None).map_err(located)?;
                check_table(module, src, Some(kind))
                    .map(drop)
                    .map_err(located)
            }
            (Opcode::TableInit, &Operand::Pair(table, elem)) => {
                let kind = check_table(module, table, None).map_err(located)?;
                check_elem(module, elem, Some(kind)).map_err(located)
            }
            (_, &Operand::Index(t)) if opcode.operand() == OperandKind::Table => {
                check_table(module, t, None).map(drop).map_err(located)
            }
            (_, &Operand::Index(e)) if opcode.operand() == OperandKind::Elem => {
                check_elem(module, e, None).map_err(located)
            }
            (Opcode::CallHost, &Operand::Index(i)) => match module.imports.get(i as usize) {
                None => fail(format!(
                    "import {i} does not exist ({})",
                    count(module.imports.len() as u64, "import")
                )),
                Some(import) if import.ty as usize >= module.types.len() => fail(format!(
                    "import {i} has type {}, which does not exist ({})",
                    import.ty,
                    count(module.types.len() as u64, "type")
                )),
                Some(_) => Ok(()),
            },
            (_, &Operand::Index(d)) if opcode.operand() == OperandKind::Data => {
                if d as usize >= module.data.len() {
                    fail(format!(
                        "data segment {d} does not exist ({})",
                        count(module.data.len() as u64, "passive data segment")
                    ))
                } else {
                    Ok(())
                }
            }
            (_, &Operand::Lanes(width)) => {
                check_lanes(module.arch, opcode, width, None).map_err(located)
            }
            (_, &Operand::WordLane(width, index)) => {
                check_lanes(module.arch, opcode, width, Some(index)).map_err(located)
            }
            (_, &Operand::Syscall(n)) if Syscall::from_number(n).is_none() => {
                fail(format!("unknown system call {n}"))
            }
            _ => Ok(()),
        }
    }

    /// Checks that a jump target starts an instruction of this function.
    fn check_target(
        &self,
        site: &Site<'_>,
        pc: u32,
        opcode: Opcode,
        target: u32,
    ) -> Result<(), VerifyError> {
        let len = self.boundaries.len();
        if target as usize >= len {
            return Err(site.at(
                pc,
                format!(
                    "{} target {target} is outside the function (code is {})",
                    opcode.mnemonic(),
                    count(len as u64, "byte")
                ),
            ));
        }
        if self.index_at(target).is_none() {
            // Pc 0 always starts an instruction, so some instruction starts below `target`.
            let containing = self
                .instructions
                .partition_point(|(start, _)| *start < target)
                - 1;
            let (start, instruction) = &self.instructions[containing];
            return Err(site.at(
                pc,
                format!(
                    "{} target {target} is inside the {} instruction at pc {start}",
                    opcode.mnemonic(),
                    instruction.opcode.mnemonic()
                ),
            ));
        }
        Ok(())
    }
}

/// Turns a decoding failure into an error located at the instruction.
fn decode_error(site: &Site<'_>, error: &DecodeError) -> VerifyError {
    match *error {
        DecodeError::UnknownOpcode { code, pc } => {
            site.at(pc, format!("unknown opcode 0x{code:02X}"))
        }
        DecodeError::Truncated { what, pc } => site.at(
            pc,
            format!("truncated instruction: the code ends inside its {what}"),
        ),
        DecodeError::ImmediateTooLong { len, pc } => site.at(
            pc,
            format!("immediate of {len} bytes is wider than the widest word (64 bytes)"),
        ),
        DecodeError::BadLane {
            lane,
            mnemonic,
            limit,
            pc,
        } => site.at(
            pc,
            format!("lane {lane} is out of range for {mnemonic} (fewer than {limit})"),
        ),
        DecodeError::EmptyJumpTable { pc } => site.at(
            pc,
            "jump table has no targets (it needs at least the default)",
        ),
        DecodeError::NonCanonicalImmediate { pc } => site.at(
            pc,
            "immediate is not minimally encoded (trailing zero byte)",
        ),
        DecodeError::BadLaneWidth { bits, pc } => {
            site.at(pc, format!("lane width {bits} is not 8, 16, 32 or 64 bits"))
        }
        DecodeError::BadSelector {
            selector,
            mnemonic,
            expected,
            pc,
        } => site.at(
            pc,
            format!("selector 0x{selector:02X} is not a {expected} of {mnemonic}"),
        ),
    }
}

/// Checks that lanes of `width` fit the word of `arch` and that `index`, when given, names
/// one of them.
fn check_lanes(
    arch: Arch,
    opcode: Opcode,
    width: LaneWidth,
    index: Option<u8>,
) -> Result<(), String> {
    let lanes = width.lanes(arch);
    if lanes == 0 {
        return Err(format!(
            "{} with {}-bit lanes: the lanes are wider than the {}-bit word of {}",
            opcode.mnemonic(),
            width.bits(),
            arch.word_bits(),
            arch.name()
        ));
    }
    match index {
        Some(index) if u32::from(index) >= lanes => Err(format!(
            "{} of lane {index}: a {}-bit word of {} has {lanes} lanes of {} bits (0..={})",
            opcode.mnemonic(),
            arch.word_bits(),
            arch.name(),
            width.bits(),
            lanes - 1
        )),
        _ => Ok(()),
    }
}

/// The kind of table `table`, if it exists (and holds `want` when given).
fn check_table(module: &Module, table: u32, want: Option<RefKind>) -> Result<RefKind, String> {
    match module.tables.get(table as usize) {
        None => Err(format!(
            "table {table} does not exist ({})",
            count(module.tables.len() as u64, "table")
        )),
        Some(t) if want.is_some_and(|want| want != t.kind) => Err(format!(
            "table {table} holds {:?} references, {:?} references are needed",
            t.kind,
            want.unwrap_or_default()
        )),
        Some(t) => Ok(t.kind),
    }
}

/// Checks that element segment `elem` exists (and holds `want` when given).
fn check_elem(module: &Module, elem: u32, want: Option<RefKind>) -> Result<(), String> {
    match module.elements.get(elem as usize) {
        None => Err(format!(
            "element segment {elem} does not exist ({})",
            count(module.elements.len() as u64, "element segment")
        )),
        Some(e) if want.is_some_and(|want| want != e.kind) => Err(format!(
            "element segment {elem} holds {:?} references, the table holds {:?} references",
            e.kind,
            want.unwrap_or_default()
        )),
        Some(_) => Ok(()),
    }
}

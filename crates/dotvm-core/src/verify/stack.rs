//! The stack-height dataflow pass: one consistent operand-stack height at every reachable
//! instruction, never below zero and never above the limit, and no path off the end.

use super::code::{Code, Site};
use super::error::{VerifyError, count};
use crate::instruction::{Instruction, Operand};
use crate::isa::{Opcode, ValType};
use crate::module::Constant;
use crate::syscall::Syscall;

/// The highest height the analysis accepts.
#[derive(Clone, Copy)]
pub(super) enum Limit {
    /// The function's declared `max_stack`.
    Declared(u32),
    /// No declared limit: only what a `max_stack` (u32) can express.
    Representable,
}

/// How one instruction uses the stack: it needs `needs` slots present, then removes `pops`
/// and adds `pushes`.
struct Effect {
    needs: u64,
    pops: u64,
    pushes: u64,
}

impl Effect {
    fn fixed(pops: u64, pushes: u64) -> Effect {
        Effect {
            needs: pops,
            pops,
            pushes,
        }
    }
}

/// What the dataflow found: the highest height reached and the height before each
/// instruction (`None` where no path from pc 0 reaches it).
pub(super) struct Heights {
    /// The highest height reached.
    pub(super) highest: u32,
    /// The height before each instruction, in instruction order.
    pub(super) before: Vec<Option<u32>>,
}

/// Runs the dataflow from pc 0. The operands in `code` must already be checked (callees,
/// constants and system calls exist; targets are instruction boundaries).
pub(super) fn analyse(site: &Site<'_>, code: &Code, limit: Limit) -> Result<Heights, VerifyError> {
    let max_allowed = match limit {
        Limit::Declared(max) => u64::from(max),
        Limit::Representable => u64::from(u32::MAX),
    };
    let instructions = &code.instructions;
    let mut heights: Vec<Option<u64>> = vec![None; instructions.len()];
    // `Code::decode` rejects empty code, so instruction 0 exists and starts at pc 0.
    heights[0] = Some(0);
    let mut worklist = vec![0usize];
    let mut highest = 0u64;
    while let Some(index) = worklist.pop() {
        let (pc, instruction) = &instructions[index];
        let pc = *pc;
        let height = heights[index].unwrap_or_default();
        let effect = effect(site, instruction).ok_or_else(|| {
            site.at(
                pc,
                format!(
                    "no stack effect is known for {} with this operand",
                    instruction.opcode.mnemonic()
                ),
            )
        })?;
        if height < effect.needs {
            return Err(site.at(
                pc,
                format!(
                    "stack underflow: {} needs {}, {} available",
                    instruction.opcode.mnemonic(),
                    count(effect.needs, "slot"),
                    height
                ),
            ));
        }
        let out = height - effect.pops + effect.pushes;
        if out > max_allowed {
            let message = match limit {
                Limit::Declared(max) => format!(
                    "stack overflow: {} raises the height to {out}, above max_stack {max}",
                    instruction.opcode.mnemonic()
                ),
                Limit::Representable => format!(
                    "stack overflow: {} raises the height to {out}, above the largest \
                     possible max_stack {}",
                    instruction.opcode.mnemonic(),
                    u32::MAX
                ),
            };
            return Err(site.at(pc, message));
        }
        highest = highest.max(out);
        let falls_through = !instruction.opcode.ends_block();
        if falls_through {
            if index + 1 == instructions.len() {
                return Err(site.at(
                    pc,
                    format!(
                        "execution falls off the end of the code after {}",
                        instruction.opcode.mnemonic()
                    ),
                ));
            }
            flow(site, code, &mut heights, &mut worklist, pc, index + 1, out)?;
        }
        let targets = match &instruction.operand {
            Operand::Target(target) => std::slice::from_ref(target),
            Operand::Targets(targets) => targets.as_slice(),
            _ => &[],
        };
        for &target in targets {
            let successor = code.index_at(target).ok_or_else(|| {
                site.at(pc, format!("jump target {target} is not an instruction"))
            })?;
            flow(site, code, &mut heights, &mut worklist, pc, successor, out)?;
        }
    }
    // Every height is at most `max_allowed`, which is at most u32::MAX.
    let narrow = |h: u64| u32::try_from(h).unwrap_or(u32::MAX);
    Ok(Heights {
        highest: narrow(highest),
        before: heights.into_iter().map(|h| h.map(narrow)).collect(),
    })
}

/// The slots `instruction` pops and pushes in function `site.func` (RET and HALT pop and
/// push nothing: they end the function), or `None` when its operand does not resolve.
pub(super) fn pops_and_pushes(site: &Site<'_>, instruction: &Instruction) -> Option<(u32, u32)> {
    let effect = effect(site, instruction)?;
    Some((
        u32::try_from(effect.pops).ok()?,
        u32::try_from(effect.pushes).ok()?,
    ))
}

/// Records that instruction `to` is reached from `from_pc` at `height`, queueing it the
/// first time; a different height from an earlier path is an error.
fn flow(
    site: &Site<'_>,
    code: &Code,
    heights: &mut [Option<u64>],
    worklist: &mut Vec<usize>,
    from_pc: u32,
    to: usize,
    height: u64,
) -> Result<(), VerifyError> {
    match heights[to] {
        None => {
            heights[to] = Some(height);
            worklist.push(to);
            Ok(())
        }
        Some(known) if known == height => Ok(()),
        Some(known) => Err(site.at(
            code.instructions[to].0,
            format!(
                "stack height mismatch: {} when reached from pc {from_pc}, {} on another path",
                count(height, "slot"),
                count(known, "slot")
            ),
        )),
    }
}

/// The stack effect of `instruction`, resolving the dynamic ones; `None` when the operand
/// does not resolve (the operand checks rule that out) or the table has no rule for it.
fn effect(site: &Site<'_>, instruction: &Instruction) -> Option<Effect> {
    let module = site.module;
    let effect = match (instruction.opcode, &instruction.operand) {
        (Opcode::Call, &Operand::Index(f)) => {
            let callee = module.functions.get(f as usize)?;
            Effect::fixed(callee.params.into(), callee.results.into())
        }
        (Opcode::PushConst, &Operand::Index(k)) => match module.constants.get(k as usize)? {
            Constant::Str(_) | Constant::Bytes(_) => Effect::fixed(0, 2),
            Constant::Int(_) | Constant::F32(_) => Effect::fixed(0, 1),
            Constant::F64(_) => Effect::fixed(0, u64::from(ValType::F64.slots(module.arch))),
        },
        (Opcode::Pick, &Operand::Depth(d)) => Effect {
            needs: u64::from(d) + 1,
            pops: 0,
            pushes: 1,
        },
        (Opcode::Syscall, &Operand::Syscall(n)) => {
            let (pops, pushes) = Syscall::from_number(n)?.slots(module.arch);
            Effect::fixed(pops.into(), pushes.into())
        }
        (Opcode::Ret, _) => Effect {
            needs: site.function.results.into(),
            pops: 0,
            pushes: 0,
        },
        (Opcode::Halt, _) => Effect::fixed(0, 0),
        (Opcode::CallIndirect, &Operand::Pair(ty, _)) => {
            let ty = module.types.get(ty as usize)?;
            let params = u64::from(ty.param_slots(module.arch));
            Effect::fixed(params + 1, ty.result_slots(module.arch).into())
        }
        (Opcode::CallHost, &Operand::Index(i)) => {
            let ty = module
                .types
                .get(module.imports.get(i as usize)?.ty as usize)?;
            Effect::fixed(
                ty.param_slots(module.arch).into(),
                ty.result_slots(module.arch).into(),
            )
        }
        (Opcode::DropKeep, &Operand::Pair(drop, keep)) => {
            let (drop, keep) = (u64::from(drop), u64::from(keep));
            Effect::fixed(drop + keep, keep)
        }
        (opcode, _) => {
            let (pops, pushes) = opcode.info().effect.slots(module.arch)?;
            Effect::fixed(pops.into(), pushes.into())
        }
    };
    Some(effect)
}

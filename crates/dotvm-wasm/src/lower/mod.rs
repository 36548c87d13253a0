//! Lowering one wasm function body to DotVM code: a control stack of blocks with their
//! operand heights, a type stack (in wasm types, measured in DotVM slots), and structured
//! control flow turned into verified jumps.
//!
//! A branch out of a block leaves the block's results on top and drops whatever lies
//! between them and the block's base height (`DROP_KEEP`); a branch to the function's
//! outermost block is a `RET`, which discards the rest of the frame by itself. Code after an
//! unconditional branch is unreachable and not emitted.

mod control;
mod ops;

use crate::debuginfo::SourceLines;
use crate::error::TranslateError;
use crate::ir::Code;
use crate::module_info::{ModuleInfo, slot_type};
use control::{Frame, Kind};
use dotvm_core::Arch;
use wasmparser::{BlockType, FuncValidatorAllocations, Operator, ValType};

/// Per-module facts every function needs.
pub(crate) struct Context<'m, 'a> {
    pub(crate) arch: Arch,
    pub(crate) info: &'m ModuleInfo<'a>,
    /// The DWARF source positions, when the source map is wanted and the module has them.
    pub(crate) lines: Option<&'m SourceLines>,
}

/// A lowered function: its frame layout and code.
pub(crate) struct Lowered {
    pub(crate) params: u32,
    pub(crate) results: u32,
    pub(crate) locals: u32,
    pub(crate) code: Code,
    /// First slot and width of each wasm local, parameters first (for the debugger's
    /// variables; empty for code that is not a wasm function body).
    pub(crate) local_slots: Vec<(u32, u32)>,
}

/// The state of lowering one function.
struct Lowering<'c, 'm, 'a> {
    cx: &'c Context<'m, 'a>,
    code: Code,
    /// First slot and type of each wasm local.
    locals: Vec<(u32, ValType)>,
    /// Types of the operands, deepest first (reachable code only).
    stack: Vec<ValType>,
    /// `slots[i]`: slots taken by `stack[..i]`.
    slots: Vec<u32>,
    frames: Vec<Frame>,
    reachable: bool,
    func: u32,
}

/// Lowers the body of wasm function `func`.
pub(crate) fn lower_function(
    cx: &Context<'_, '_>,
    func: u32,
    body: crate::module_info::Body<'_>,
    allocations: FuncValidatorAllocations,
) -> Result<(Lowered, FuncValidatorAllocations), TranslateError> {
    let mut validator = body.validator.into_validator(allocations);
    let ty = &cx.info.types[cx.info.funcs[func as usize] as usize];
    let mut lowering = Lowering {
        cx,
        code: Code::default(),
        locals: Vec::new(),
        stack: Vec::new(),
        slots: vec![0],
        frames: Vec::new(),
        reachable: true,
        func,
    };
    let mut next_slot = 0u32;
    for &param in ty.params() {
        lowering.locals.push((next_slot, param));
        next_slot += lowering.width(param);
    }
    let params = next_slot;
    let mut locals_reader = body.body.get_locals_reader()?;
    for _ in 0..locals_reader.get_count() {
        let offset = locals_reader.original_position();
        let (count, ty) = locals_reader.read()?;
        validator.define_locals(offset, count, ty)?;
        let width = lowering.width(ty);
        let total = u64::from(next_slot) + u64::from(count) * u64::from(width);
        if total > u64::from(u16::MAX) {
            return Err(lowering.unsupported(offset, "more than 65535 local slots"));
        }
        for _ in 0..count {
            lowering.locals.push((next_slot, ty));
            next_slot += width;
        }
    }
    let results = ty.results().iter().map(|&t| lowering.width(t)).sum();
    let body_label = lowering.code.label();
    lowering.frames.push(Frame {
        kind: Kind::Function,
        params: Vec::new(),
        results: ty.results().to_vec(),
        height: 0,
        label: body_label,
        else_label: None,
        entered_reachable: true,
        branched: false,
    });
    let mut reader = body.body.get_operators_reader()?;
    // The line row of the last source marker written.
    let mut row = None;
    while !reader.eof() {
        let offset = reader.original_position();
        if let Some(lines) = cx.lines {
            let addr = offset.saturating_sub(cx.info.code_start);
            let here = lines.row_at(addr);
            if row != Some(here) {
                lowering.code.loc(addr);
                row = Some(here);
            }
        }
        let op = reader.read()?;
        if matches!(
            op,
            Operator::MemorySize { .. } | Operator::MemoryGrow { .. }
        ) && reader.original_position() - offset != 2
        {
            // Without multi-memory the memory index is a single zero byte.
            return Err(TranslateError::Invalid {
                message: "zero byte expected".into(),
                offset: offset + 1,
                function: None,
            });
        }
        validator.op(offset, &op)?;
        lowering.operator(&op, offset)?;
    }
    reader.finish()?;
    Ok((
        Lowered {
            params,
            results,
            locals: next_slot - params,
            local_slots: lowering
                .locals
                .iter()
                .map(|&(slot, ty)| (slot, lowering.width(ty)))
                .collect(),
            code: lowering.code,
        },
        validator.into_allocations(),
    ))
}

impl Lowering<'_, '_, '_> {
    /// Slots one value of `ty` takes.
    fn width(&self, ty: ValType) -> u32 {
        slot_type(ty).slots(self.cx.arch)
    }

    fn is_wide(&self, ty: ValType) -> bool {
        self.width(ty) == 2
    }

    fn unsupported(&self, offset: u64, what: &str) -> TranslateError {
        TranslateError::Unsupported {
            location: function_label(self.cx.info, self.func),
            offset,
            message: format!("{what} is not supported"),
        }
    }

    fn push(&mut self, ty: ValType) {
        let top = *self.slots.last().unwrap_or(&0);
        self.stack.push(ty);
        self.slots.push(top + self.width(ty));
    }

    fn pop(&mut self) -> ValType {
        self.slots.pop();
        // Validation guarantees the operand exists in reachable code.
        self.stack.pop().unwrap_or(ValType::I32)
    }

    fn pop_n(&mut self, n: usize) {
        for _ in 0..n {
            self.pop();
        }
    }

    fn truncate(&mut self, len: usize) {
        self.stack.truncate(len);
        self.slots.truncate(len + 1);
    }

    /// Slots on the stack.
    fn height(&self) -> u32 {
        *self.slots.last().unwrap_or(&0)
    }

    fn slots_of(&self, types: &[ValType]) -> u32 {
        types.iter().map(|&t| self.width(t)).sum()
    }

    fn block_type(&self, ty: BlockType) -> (Vec<ValType>, Vec<ValType>) {
        match ty {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(t) => (Vec::new(), vec![t]),
            BlockType::FuncType(index) => {
                let f = &self.cx.info.types[index as usize];
                (f.params().to_vec(), f.results().to_vec())
            }
        }
    }
}

/// `function 3 (name)` or `function 3`, for error messages.
pub(crate) fn function_label(info: &ModuleInfo<'_>, func: u32) -> String {
    match info.names.iter().find(|(f, _)| *f == func) {
        Some((_, name)) => format!("function {func} ({name})"),
        None => format!("function {func}"),
    }
}

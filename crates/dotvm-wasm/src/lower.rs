//! Lowering one wasm function body to DotVM code: a control stack of blocks with their
//! operand heights, a type stack (in wasm types, measured in DotVM slots), and structured
//! control flow turned into verified jumps.
//!
//! A branch out of a block leaves the block's results on top and drops whatever lies
//! between them and the block's base height (`DROP_KEEP`); a branch to the function's
//! outermost block is a `RET`, which discards the rest of the frame by itself. Code after an
//! unconditional branch is unreachable and not emitted.

use crate::error::TranslateError;
use crate::ir::{Code, Item, Label};
use crate::module_info::{FuncImport, ModuleInfo, slot_type};
use crate::numeric::{memory_access, numeric};
use dotvm_core::Arch;
use dotvm_core::instruction::Operand;
use dotvm_core::isa::{Opcode, StackEffect, ValType as SlotType};
use std::collections::HashMap;
use wasmparser::{BlockType, FuncValidatorAllocations, Operator, ValType};

/// How to branch to a block: `None` returns from the function, otherwise the label to jump
/// to and the slots to drop from under the `keep` slots of the branch's values.
type Plan = Option<(Label, u32, u32)>;

/// What opened a control frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The function body itself.
    Function,
    Block,
    Loop,
    If,
    Else,
}

/// One open block.
#[derive(Debug)]
struct Frame {
    kind: Kind,
    params: Vec<ValType>,
    results: Vec<ValType>,
    /// Type-stack length below the block's parameters.
    height: usize,
    /// Where branches to this block go (a loop's start, otherwise its end).
    label: Label,
    /// The `else` of an `if` not yet seen.
    else_label: Option<Label>,
    /// Whether the code before the block reached it.
    entered_reachable: bool,
    /// Whether a branch targets the block's end.
    branched: bool,
}

/// Per-module facts every function needs.
pub(crate) struct Context<'m, 'a> {
    pub(crate) arch: Arch,
    pub(crate) info: &'m ModuleInfo<'a>,
}

/// A lowered function: its frame layout and code.
pub(crate) struct Lowered {
    pub(crate) params: u32,
    pub(crate) results: u32,
    pub(crate) locals: u32,
    pub(crate) code: Code,
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
    while !reader.eof() {
        let offset = reader.original_position();
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
            code: lowering.code,
        },
        validator.into_allocations(),
    ))
}

/// The wasm type of a slot type in a typed instruction's effect.
fn wasm_type(ty: SlotType) -> ValType {
    match ty {
        SlotType::I64 => ValType::I64,
        SlotType::F32 => ValType::F32,
        SlotType::F64 => ValType::F64,
        // Addresses (W) are wasm i32s.
        SlotType::I32 | SlotType::W => ValType::I32,
    }
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

    /// Opens a block whose parameters are on top of the stack.
    fn open(&mut self, kind: Kind, ty: BlockType, label: Label, else_label: Option<Label>) {
        let (params, results) = self.block_type(ty);
        let height = if self.reachable {
            self.stack.len() - params.len()
        } else {
            self.stack.len()
        };
        self.frames.push(Frame {
            kind,
            params,
            results,
            height,
            label,
            else_label,
            entered_reachable: self.reachable,
            branched: false,
        });
    }

    /// Marks the rest of the current block unreachable.
    fn dead(&mut self) {
        self.reachable = false;
        let height = self.frames.last().map_or(0, |f| f.height);
        self.truncate(height);
    }

    /// How to branch to the frame `depth` levels out: `None` for a return, else the label
    /// and the (drop, keep) slot counts.
    fn branch_plan(&mut self, depth: u32) -> Plan {
        let index = self.frames.len() - 1 - depth as usize;
        let frame = &self.frames[index];
        if frame.kind == Kind::Function {
            return None;
        }
        let arity = if frame.kind == Kind::Loop {
            &frame.params
        } else {
            &frame.results
        };
        let keep = self.slots_of(arity);
        let base = self.slots[frame.height];
        let drop = self.height() - base - keep;
        let label = frame.label;
        if frame.kind != Kind::Loop {
            self.frames[index].branched = true;
        }
        Some((label, drop, keep))
    }

    /// Emits an unconditional branch.
    fn branch(&mut self, depth: u32) {
        match self.branch_plan(depth) {
            None => self.code.simple(Opcode::Ret),
            Some((label, drop, keep)) => {
                if drop > 0 {
                    self.code.op(Opcode::DropKeep, Operand::Pair(drop, keep));
                }
                self.code.jump(Opcode::Jmp, label);
            }
        }
    }

    /// Emits a branch taken when the popped condition is non-zero.
    fn branch_if(&mut self, depth: u32) {
        match self.branch_plan(depth) {
            Some((label, 0, _)) => self.code.jump(Opcode::Jnz, label),
            plan => {
                let skip = self.code.label();
                self.code.jump(Opcode::Jz, skip);
                match plan {
                    None => self.code.simple(Opcode::Ret),
                    Some((label, drop, keep)) => {
                        self.code.op(Opcode::DropKeep, Operand::Pair(drop, keep));
                        self.code.jump(Opcode::Jmp, label);
                    }
                }
                self.code.place(skip);
            }
        }
    }

    /// Emits `br_table`.
    fn branch_table(&mut self, depths: &[u32]) {
        let plans: Vec<_> = depths.iter().map(|&d| self.branch_plan(d)).collect();
        if plans.iter().all(|p| matches!(p, Some((_, 0, _)))) {
            let labels = plans.iter().flatten().map(|(l, _, _)| *l).collect();
            self.code.items.push(Item::Table(labels));
            return;
        }
        // One trampoline per distinct target that needs values dropped, in first-use order.
        let mut trampolines: Vec<(Label, Plan)> = Vec::new();
        let mut by_depth: HashMap<u32, Label> = HashMap::new();
        let mut labels = Vec::with_capacity(depths.len());
        for (&depth, &plan) in depths.iter().zip(&plans) {
            match plan {
                Some((label, 0, _)) => labels.push(label),
                _ => {
                    let t = *by_depth.entry(depth).or_insert_with(|| {
                        let t = self.code.label();
                        trampolines.push((t, plan));
                        t
                    });
                    labels.push(t);
                }
            }
        }
        self.code.items.push(Item::Table(labels));
        for (t, plan) in trampolines {
            self.code.place(t);
            match plan {
                None => self.code.simple(Opcode::Ret),
                Some((label, drop, keep)) => {
                    self.code.op(Opcode::DropKeep, Operand::Pair(drop, keep));
                    self.code.jump(Opcode::Jmp, label);
                }
            }
        }
    }

    /// Lowers one operator (already validated).
    fn operator(&mut self, op: &Operator<'_>, offset: u64) -> Result<(), TranslateError> {
        // Control structure is tracked in unreachable code too.
        match *op {
            Operator::Block { blockty } => {
                let end = self.code.label();
                self.open(Kind::Block, blockty, end, None);
                return Ok(());
            }
            Operator::Loop { blockty } => {
                let start = self.code.label();
                if self.reachable {
                    self.code.place(start);
                }
                self.open(Kind::Loop, blockty, start, None);
                return Ok(());
            }
            Operator::If { blockty } => {
                let (end, otherwise) = (self.code.label(), self.code.label());
                if self.reachable {
                    self.pop();
                    self.code.jump(Opcode::Jz, otherwise);
                }
                self.open(Kind::If, blockty, end, Some(otherwise));
                return Ok(());
            }
            Operator::Else => {
                let reachable = self.reachable;
                let frame = self.frames.last_mut().expect("validated: else inside if");
                if reachable {
                    frame.branched = true;
                    let end = frame.label;
                    self.code.jump(Opcode::Jmp, end);
                }
                let frame = self.frames.last_mut().expect("validated: else inside if");
                frame.kind = Kind::Else;
                let otherwise = frame.else_label.take();
                let (height, params, entered) =
                    (frame.height, frame.params.clone(), frame.entered_reachable);
                if let Some(otherwise) = otherwise {
                    self.code.place(otherwise);
                }
                self.truncate(height);
                self.reachable = entered;
                if entered {
                    for p in params {
                        self.push(p);
                    }
                }
                return Ok(());
            }
            Operator::End => {
                let frame = self.frames.pop().expect("validated: end closes a frame");
                if frame.kind == Kind::Function {
                    if self.reachable {
                        self.code.simple(Opcode::Ret);
                    }
                    return Ok(());
                }
                let mut after = self.reachable || frame.branched;
                if let Some(otherwise) = frame.else_label {
                    // An `if` without `else`: the false path passes the parameters on.
                    self.code.place(otherwise);
                    after |= frame.entered_reachable;
                }
                if frame.kind != Kind::Loop {
                    self.code.place(frame.label);
                }
                self.truncate(frame.height);
                self.reachable = after && frame.entered_reachable;
                if self.reachable {
                    for r in frame.results {
                        self.push(r);
                    }
                }
                return Ok(());
            }
            _ => {}
        }
        if !self.reachable {
            return Ok(());
        }
        if let Some(opcode) = numeric(op) {
            if let StackEffect::Fixed { pops, pushes } = opcode.info().effect {
                self.pop_n(pops.len());
                for &t in pushes {
                    self.push(wasm_type(t));
                }
            }
            self.code.simple(opcode);
            return Ok(());
        }
        if let Some((opcode, memory_offset)) = memory_access(op) {
            let memory_offset = u32::try_from(memory_offset)
                .map_err(|_| self.unsupported(offset, "a memory offset above 4 GiB"))?;
            if let StackEffect::Fixed { pops, pushes } = opcode.info().effect {
                self.pop_n(pops.len());
                for &t in pushes {
                    self.push(wasm_type(t));
                }
            }
            self.code.op(opcode, Operand::Offset(memory_offset));
            return Ok(());
        }
        match *op {
            Operator::Nop => {}
            Operator::Unreachable => {
                self.code.simple(Opcode::Unreachable);
                self.dead();
            }
            Operator::Br { relative_depth } => {
                self.branch(relative_depth);
                self.dead();
            }
            Operator::BrIf { relative_depth } => {
                self.pop();
                self.branch_if(relative_depth);
            }
            Operator::BrTable { ref targets } => {
                self.pop();
                let mut depths = Vec::with_capacity(targets.len() as usize + 1);
                for depth in targets.targets() {
                    depths.push(depth?);
                }
                depths.push(targets.default());
                self.branch_table(&depths);
                self.dead();
            }
            Operator::Return => {
                self.code.simple(Opcode::Ret);
                self.dead();
            }
            Operator::Call { function_index } => self.call(function_index),
            Operator::CallIndirect {
                type_index,
                table_index,
            } => {
                let ty = &self.cx.info.types[type_index as usize];
                let (params, results) = (ty.params().len(), ty.results().to_vec());
                self.pop();
                self.pop_n(params);
                for r in results {
                    self.push(r);
                }
                let (ty, table) = (self.cx.info.ty(type_index), self.cx.info.table(table_index));
                self.code.op(Opcode::CallIndirect, Operand::Pair(ty, table));
            }
            Operator::Drop => {
                let ty = self.pop();
                for _ in 0..self.width(ty) {
                    self.code.simple(Opcode::Pop);
                }
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                self.pop();
                self.pop();
                let ty = self.pop();
                self.push(ty);
                let opcode = if matches!(ty, ValType::I64 | ValType::F64) {
                    Opcode::Select64
                } else {
                    Opcode::Select
                };
                self.code.simple(opcode);
            }
            Operator::LocalGet { local_index } => {
                let (slot, ty) = self.locals[local_index as usize];
                self.push(ty);
                self.code.op(Opcode::LocalGet, Operand::Index(slot));
                if self.is_wide(ty) {
                    self.code.op(Opcode::LocalGet, Operand::Index(slot + 1));
                }
            }
            Operator::LocalSet { local_index } => {
                let (slot, ty) = self.locals[local_index as usize];
                self.pop();
                if self.is_wide(ty) {
                    self.code.op(Opcode::LocalSet, Operand::Index(slot + 1));
                }
                self.code.op(Opcode::LocalSet, Operand::Index(slot));
            }
            Operator::LocalTee { local_index } => {
                let (slot, ty) = self.locals[local_index as usize];
                if self.is_wide(ty) {
                    self.code.op(Opcode::LocalSet, Operand::Index(slot + 1));
                    self.code.op(Opcode::LocalSet, Operand::Index(slot));
                    self.code.op(Opcode::LocalGet, Operand::Index(slot));
                    self.code.op(Opcode::LocalGet, Operand::Index(slot + 1));
                } else {
                    self.code.op(Opcode::LocalTee, Operand::Index(slot));
                }
            }
            Operator::GlobalGet { global_index } => {
                let base = self.cx.info.global_map[global_index as usize];
                let ty = self.cx.info.globals[global_index as usize].ty;
                self.push(ty);
                self.code.op(Opcode::GlobalGet, Operand::Index(base));
                if self.is_wide(ty) {
                    self.code.op(Opcode::GlobalGet, Operand::Index(base + 1));
                }
            }
            Operator::GlobalSet { global_index } => {
                let base = self.cx.info.global_map[global_index as usize];
                let ty = self.pop();
                if self.is_wide(ty) {
                    self.code.op(Opcode::GlobalSet, Operand::Index(base + 1));
                }
                self.code.op(Opcode::GlobalSet, Operand::Index(base));
            }
            Operator::I32Const { value } => {
                self.push(ValType::I32);
                self.code.push(u64::from(value as u32));
            }
            Operator::I64Const { value } => self.const64(ValType::I64, value as u64),
            Operator::F32Const { value } => {
                self.push(ValType::F32);
                self.code.push(u64::from(value.bits()));
            }
            Operator::F64Const { value } => self.const64(ValType::F64, value.bits()),
            Operator::MemorySize { .. } => {
                self.push(ValType::I32);
                self.code.simple(Opcode::MemorySize);
            }
            Operator::MemoryGrow { .. } => {
                self.code.simple(Opcode::MemoryGrow);
                if self.cx.arch != Arch::Arch32 {
                    // A refused grow pushes the word's all-ones; wasm wants i32 -1.
                    self.code.push(u64::from(u32::MAX));
                    self.code.simple(Opcode::And);
                }
            }
            Operator::MemoryCopy { .. } => {
                self.pop_n(3);
                self.code.simple(Opcode::MemoryCopy);
            }
            Operator::MemoryFill { .. } => {
                self.pop_n(3);
                self.code.simple(Opcode::MemoryFill);
            }
            Operator::MemoryInit { data_index, .. } => {
                self.pop_n(3);
                let data = self.cx.info.data(data_index);
                self.code.op(Opcode::MemoryInit, Operand::Index(data));
            }
            Operator::DataDrop { data_index } => {
                let data = self.cx.info.data(data_index);
                self.code.op(Opcode::DataDrop, Operand::Index(data));
            }
            Operator::TableGet { table } => {
                self.pop();
                self.push(ValType::Ref(self.table_ref(table)));
                self.code
                    .op(Opcode::TableGet, Operand::Index(self.cx.info.table(table)));
            }
            Operator::TableSet { table } => {
                self.pop_n(2);
                self.code
                    .op(Opcode::TableSet, Operand::Index(self.cx.info.table(table)));
            }
            Operator::TableSize { table } => {
                self.push(ValType::I32);
                self.code
                    .op(Opcode::TableSize, Operand::Index(self.cx.info.table(table)));
            }
            Operator::TableGrow { table } => {
                self.pop_n(2);
                self.push(ValType::I32);
                self.code
                    .op(Opcode::TableGrow, Operand::Index(self.cx.info.table(table)));
            }
            Operator::TableFill { table } => {
                self.pop_n(3);
                self.code
                    .op(Opcode::TableFill, Operand::Index(self.cx.info.table(table)));
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                self.pop_n(3);
                let (dst, src) = (self.cx.info.table(dst_table), self.cx.info.table(src_table));
                self.code.op(Opcode::TableCopy, Operand::Pair(dst, src));
            }
            Operator::TableInit { elem_index, table } => {
                self.pop_n(3);
                let (table, elem) = (self.cx.info.table(table), self.cx.info.elem(elem_index));
                self.code.op(Opcode::TableInit, Operand::Pair(table, elem));
            }
            Operator::ElemDrop { elem_index } => {
                let elem = self.cx.info.elem(elem_index);
                self.code.op(Opcode::ElemDrop, Operand::Index(elem));
            }
            Operator::RefNull { hty } => {
                let ty =
                    wasmparser::RefType::new(true, hty).unwrap_or(wasmparser::RefType::FUNCREF);
                self.push(ValType::Ref(ty));
                self.code.push(0);
            }
            Operator::RefIsNull => {
                self.pop();
                self.push(ValType::I32);
                self.code.simple(Opcode::Eqz);
            }
            Operator::RefFunc { function_index } => {
                self.push(ValType::Ref(wasmparser::RefType::FUNCREF));
                let f = self.cx.info.func(function_index);
                self.code.op(Opcode::RefFunc, Operand::Index(f));
            }
            _ => return Err(self.unsupported(offset, &format!("the instruction {op:?}"))),
        }
        Ok(())
    }

    /// The reference type of table `table`.
    fn table_ref(&self, table: u32) -> wasmparser::RefType {
        match self.cx.info.tables[table as usize].kind {
            dotvm_core::module::RefKind::Func => wasmparser::RefType::FUNCREF,
            dotvm_core::module::RefKind::Extern => wasmparser::RefType::EXTERNREF,
        }
    }

    /// Pushes a 64-bit constant (two slots on Arch32, low half first).
    fn const64(&mut self, ty: ValType, bits: u64) {
        self.push(ty);
        if self.is_wide(ty) {
            self.code.push(bits & 0xFFFF_FFFF);
            self.code.push(bits >> 32);
        } else {
            self.code.push(bits);
        }
    }

    /// Lowers `call f`: a system call inline, a discarding import as pops, else `CALL`.
    fn call(&mut self, f: u32) {
        let ty = &self.cx.info.types[self.cx.info.funcs[f as usize] as usize];
        let (params, results) = (ty.params().to_vec(), ty.results().to_vec());
        let param_slots = self.slots_of(&params);
        self.pop_n(params.len());
        for r in results {
            self.push(r);
        }
        match self.cx.info.imported_funcs.get(f as usize) {
            Some(FuncImport::Syscall(call)) => self
                .code
                .op(Opcode::Syscall, Operand::Syscall(call.number())),
            Some(FuncImport::Host(import)) => {
                self.code.op(Opcode::CallHost, Operand::Index(*import))
            }
            Some(FuncImport::Discard) => {
                for _ in 0..param_slots {
                    self.code.simple(Opcode::Pop);
                }
            }
            Some(FuncImport::Linked(index)) => self.code.op(Opcode::Call, Operand::Index(*index)),
            None => {
                let f = self.cx.info.func(f);
                self.code.op(Opcode::Call, Operand::Index(f));
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

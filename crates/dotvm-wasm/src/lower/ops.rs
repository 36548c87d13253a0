//! The non-control operators: numeric and memory instructions through the typed
//! instruction table, variables, calls, tables, references and bulk memory.

use super::Lowering;
use crate::error::TranslateError;
use crate::module_info::FuncImport;
use crate::numeric::{memory_access, numeric};
use dotvm_core::Arch;
use dotvm_core::instruction::Operand;
use dotvm_core::isa::{Opcode, StackEffect, ValType as SlotType};
use wasmparser::{Operator, ValType};

impl Lowering<'_, '_, '_> {
    /// Lowers one operator (already validated).
    pub(super) fn operator(
        &mut self,
        op: &Operator<'_>,
        offset: u64,
    ) -> Result<(), TranslateError> {
        if self.control(op) || !self.reachable {
            return Ok(());
        }
        if let Some((opcode, operand)) = self.vector_immediate(op, offset)? {
            self.typed_effect(opcode);
            self.code.op(opcode, operand);
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
                match ty {
                    ValType::I64 | ValType::F64 => self.code.simple(Opcode::Select64),
                    ValType::V128 => {
                        // a b c -- a b mask (all ones when c is not zero), then bitselect.
                        self.code.simple(Opcode::I32Eqz);
                        self.code.simple(Opcode::I32Eqz);
                        self.code.push(u64::from(u32::MAX));
                        self.code.simple(Opcode::I32Mul);
                        self.code.simple(Opcode::I32x4Splat);
                        self.code.simple(Opcode::V128Bitselect);
                    }
                    _ => self.code.simple(Opcode::Select),
                }
            }
            Operator::LocalGet { local_index } => {
                let (slot, ty) = self.locals[local_index as usize];
                self.push(ty);
                for k in 0..self.width(ty) {
                    self.code.op(Opcode::LocalGet, Operand::Index(slot + k));
                }
            }
            Operator::LocalSet { local_index } => {
                let (slot, ty) = self.locals[local_index as usize];
                self.pop();
                for k in (0..self.width(ty)).rev() {
                    self.code.op(Opcode::LocalSet, Operand::Index(slot + k));
                }
            }
            Operator::LocalTee { local_index } => {
                let (slot, ty) = self.locals[local_index as usize];
                let width = self.width(ty);
                if width > 1 {
                    for k in (0..width).rev() {
                        self.code.op(Opcode::LocalSet, Operand::Index(slot + k));
                    }
                    for k in 0..width {
                        self.code.op(Opcode::LocalGet, Operand::Index(slot + k));
                    }
                } else {
                    self.code.op(Opcode::LocalTee, Operand::Index(slot));
                }
            }
            Operator::GlobalGet { global_index } => {
                let base = self.cx.info.global_map[global_index as usize];
                let ty = self.cx.info.globals[global_index as usize].ty;
                self.push(ty);
                for k in 0..self.width(ty) {
                    self.code.op(Opcode::GlobalGet, Operand::Index(base + k));
                }
            }
            Operator::GlobalSet { global_index } => {
                let base = self.cx.info.global_map[global_index as usize];
                let ty = self.pop();
                for k in (0..self.width(ty)).rev() {
                    self.code.op(Opcode::GlobalSet, Operand::Index(base + k));
                }
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

    /// Pops and pushes the wasm types of a typed opcode's stack effect.
    fn typed_effect(&mut self, opcode: Opcode) {
        if let StackEffect::Fixed { pops, pushes } = opcode.info().effect {
            self.pop_n(pops.len());
            for &t in pushes {
                self.push(wasm_type(t));
            }
        }
    }

    /// The simd operators that carry an immediate besides a plain memory offset: the
    /// constant, the shuffle, lane extracts and replaces, lane loads and stores.
    fn vector_immediate(
        &self,
        op: &Operator<'_>,
        offset: u64,
    ) -> Result<Option<(Opcode, Operand)>, TranslateError> {
        let memory_offset = |o: u64| {
            u32::try_from(o).map_err(|_| self.unsupported(offset, "a memory offset above 4 GiB"))
        };
        Ok(Some(match *op {
            Operator::V128Const { value } => (Opcode::V128Const, Operand::Bytes16(*value.bytes())),
            Operator::I8x16Shuffle { lanes } => (Opcode::I8x16Shuffle, Operand::Bytes16(lanes)),
            Operator::I8x16ExtractLaneS { lane } => {
                (Opcode::I8x16ExtractLaneS, Operand::Lane(lane))
            }
            Operator::I8x16ExtractLaneU { lane } => {
                (Opcode::I8x16ExtractLaneU, Operand::Lane(lane))
            }
            Operator::I8x16ReplaceLane { lane } => (Opcode::I8x16ReplaceLane, Operand::Lane(lane)),
            Operator::I16x8ExtractLaneS { lane } => {
                (Opcode::I16x8ExtractLaneS, Operand::Lane(lane))
            }
            Operator::I16x8ExtractLaneU { lane } => {
                (Opcode::I16x8ExtractLaneU, Operand::Lane(lane))
            }
            Operator::I16x8ReplaceLane { lane } => (Opcode::I16x8ReplaceLane, Operand::Lane(lane)),
            Operator::I32x4ExtractLane { lane } => (Opcode::I32x4ExtractLane, Operand::Lane(lane)),
            Operator::I32x4ReplaceLane { lane } => (Opcode::I32x4ReplaceLane, Operand::Lane(lane)),
            Operator::I64x2ExtractLane { lane } => (Opcode::I64x2ExtractLane, Operand::Lane(lane)),
            Operator::I64x2ReplaceLane { lane } => (Opcode::I64x2ReplaceLane, Operand::Lane(lane)),
            Operator::F32x4ExtractLane { lane } => (Opcode::F32x4ExtractLane, Operand::Lane(lane)),
            Operator::F32x4ReplaceLane { lane } => (Opcode::F32x4ReplaceLane, Operand::Lane(lane)),
            Operator::F64x2ExtractLane { lane } => (Opcode::F64x2ExtractLane, Operand::Lane(lane)),
            Operator::F64x2ReplaceLane { lane } => (Opcode::F64x2ReplaceLane, Operand::Lane(lane)),
            Operator::V128Load8Lane { memarg, lane } => (
                Opcode::V128Load8Lane,
                Operand::MemLane(memory_offset(memarg.offset)?, lane),
            ),
            Operator::V128Load16Lane { memarg, lane } => (
                Opcode::V128Load16Lane,
                Operand::MemLane(memory_offset(memarg.offset)?, lane),
            ),
            Operator::V128Load32Lane { memarg, lane } => (
                Opcode::V128Load32Lane,
                Operand::MemLane(memory_offset(memarg.offset)?, lane),
            ),
            Operator::V128Load64Lane { memarg, lane } => (
                Opcode::V128Load64Lane,
                Operand::MemLane(memory_offset(memarg.offset)?, lane),
            ),
            Operator::V128Store8Lane { memarg, lane } => (
                Opcode::V128Store8Lane,
                Operand::MemLane(memory_offset(memarg.offset)?, lane),
            ),
            Operator::V128Store16Lane { memarg, lane } => (
                Opcode::V128Store16Lane,
                Operand::MemLane(memory_offset(memarg.offset)?, lane),
            ),
            Operator::V128Store32Lane { memarg, lane } => (
                Opcode::V128Store32Lane,
                Operand::MemLane(memory_offset(memarg.offset)?, lane),
            ),
            Operator::V128Store64Lane { memarg, lane } => (
                Opcode::V128Store64Lane,
                Operand::MemLane(memory_offset(memarg.offset)?, lane),
            ),
            _ => return Ok(None),
        }))
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
            Some(FuncImport::Native(_)) | None => {
                let f = self.cx.info.func(f);
                self.code.op(Opcode::Call, Operand::Index(f));
            }
        }
    }
}

/// The wasm type of a slot type in a typed instruction's effect.
fn wasm_type(ty: SlotType) -> ValType {
    match ty {
        SlotType::I64 => ValType::I64,
        SlotType::F32 => ValType::F32,
        SlotType::F64 => ValType::F64,
        SlotType::V128 => ValType::V128,
        // Addresses (W) are wasm i32s.
        SlotType::I32 | SlotType::W => ValType::I32,
    }
}

//! Fuel charged per block as the interpreter's fast mode charges it, the interrupt flag, and the
//! out-of-fuel path into the precise interpreter.

use super::Tx;
use super::levels::LEVEL;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I32;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, MemFlagsData};
use dotvm_core::Opcode;
use dotvm_core::instruction::Operand;
use dotvm_vm::native_abi::{NativeCtx, NativeFunction};
use std::collections::HashSet;

/// The locals that instructions `start..end` (one block) read before setting them, in
/// ascending order: all the precise interpreter reads of the locals when it runs a prefix
/// of the block (only `LOCAL_GET` reads a local).
pub(super) fn locals_read(f: &NativeFunction<'_>, start: u32, end: u32) -> Vec<u32> {
    let mut read = Vec::new();
    let mut set = HashSet::new();
    for index in start..end {
        match (f.instruction(index).opcode, &f.instruction(index).operand) {
            (Opcode::LocalGet, Operand::Index(l)) if !set.contains(l) => read.push(*l),
            (Opcode::LocalSet | Opcode::LocalTee, Operand::Index(l)) => {
                set.insert(*l);
            }
            _ => {}
        }
    }
    read.sort_unstable();
    read.dedup();
    read
}

impl Tx<'_, '_, '_> {
    /// Charges the block `start..end` (operand height `height` at its start), as the
    /// interpreter's fast mode does, and at a loop head reads the interrupt flag, at the
    /// function's entry once every `LEVEL` calls of the run (see [`room`](super::levels::room)).
    pub(super) fn charge(&mut self, start: u32, end: u32, height: u32) {
        let cost = i64::from(end - start);
        let fuel = self.b.use_var(self.fuel);
        let enough = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, fuel, cost);
        let short = self.b.create_block();
        let pay = self.b.create_block();
        self.b.set_cold_block(short);
        self.b.ins().brif(enough, pay, &[], short, &[]);
        let shared = self.short_block();
        self.switch_sealed(short);
        // The run ends inside this block (the fuel cannot pay for all of it), so the
        // precise interpreter reads only what the block reads: the operands below its
        // starting height and the locals it gets before setting them. Storing just those
        // keeps every other variable dead here, not live across the whole function.
        for local in locals_read(&self.f, start, end) {
            self.store_slots(local, local + 1);
        }
        self.store_slots(self.base, self.base + height);
        self.fuel_out();
        let at = self.u32_const(start);
        let h = self.u32_const(height);
        self.b
            .ins()
            .jump(shared, &[BlockArg::Value(at), BlockArg::Value(h)]);
        self.switch_sealed(pay);
        let left = self.b.ins().iadd_imm_s(fuel, -cost);
        self.b.def_var(self.fuel, left);
        let head = self.loop_heads.contains(&start);
        if start == 0 && !head && self.env.entries.is_some() {
            // Every `LEVEL`th call: the countdown (see `room`) is at zero.
            let room = self.room();
            let count = self.b.ins().band_imm_s(room, LEVEL - 1);
            let due = self.b.create_block();
            let run = self.b.create_block();
            self.b.set_cold_block(due);
            self.b.ins().brif(count, run, &[], due, &[]);
            self.switch_sealed(due);
            self.interrupt_check(start);
            self.cold_here();
            let reset = self.b.ins().bor_imm_s(room, LEVEL - 1);
            self.b.def_var(self.room, reset);
            self.b.ins().jump(run, &[]);
            self.switch_sealed(run);
        } else if head || start == 0 {
            self.interrupt_check(start);
            if start == 0 {
                // A loop at the entry reads the flag every time; a frame entry's calls
                // return no countdown. Either way its calls need one above zero.
                let room = self.room();
                let reset = self.b.ins().bor_imm_s(room, LEVEL - 1);
                self.b.def_var(self.room, reset);
            }
        }
    }

    /// Reads the interrupt flag in the block starting at instruction `start`, and traps
    /// there when it is raised.
    pub(super) fn interrupt_check(&mut self, start: u32) {
        // The flag's address is fixed for the run: the load may be hoisted out of loops.
        let fixed = MemFlagsData::trusted().with_readonly().with_can_move();
        let ctx = self.ctx();
        let flag_at = self
            .b
            .ins()
            .load(self.env.ptr, fixed, ctx, NativeCtx::OFFSET_INTERRUPT);
        let flag = self
            .b
            .ins()
            .uload8(I32, MemFlagsData::trusted(), flag_at, 0);
        let run = self.cold_branch(flag);
        let func = self.u32_const(self.env.func);
        let at = self.u32_const(start);
        let args = [self.ctx(), func, at];
        self.fuel_out();
        let status = self.call_hook(self.env.hooks.interrupted, self.sigs.three, &args);
        self.exit_with(status);
        self.switch_sealed(run);
    }

    /// The function's one call of [`Hooks::precise_block`], which every out-of-fuel path
    /// jumps to with the block's first instruction and operand height (and the fuel
    /// written to the context): one call sequence per function, not one per block.
    ///
    /// [`Hooks::precise_block`]: dotvm_vm::native_abi::Hooks::precise_block
    pub(super) fn short_block(&mut self) -> Block {
        if let Some(block) = self.short {
            return block;
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        let at = self.b.append_block_param(block, I32);
        let h = self.b.append_block_param(block, I32);
        // Built at once, between two blocks (the caller's current block is filled).
        self.b.switch_to_block(block);
        let func = self.u32_const(self.env.func);
        let args = [self.ctx(), func, at, self.fp(), h];
        let status = self.call_hook(self.env.hooks.precise_block, self.sigs.five, &args);
        self.exit_with(status);
        self.short = Some(block);
        block
    }
}

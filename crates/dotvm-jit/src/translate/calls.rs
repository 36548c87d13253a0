//! Calls between compiled functions: direct and indirect calls through register entries, the
//! call levels and interrupt countdown they pass, and the depth and stack limits they check.

use super::entries::{REGISTER_RESULTS, StepPacket, register_signature};
use super::levels::{LEVEL, depth_of};
use super::{Callee, Tx};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{
    Block, BlockArg, FuncRef, Inst, InstBuilder, MemFlagsData, StackSlot, StackSlotData,
    StackSlotKind, Type, Value,
};
use dotvm_vm::native_abi::{NativeCtx, TRAP_CALL_DEPTH, TRAP_STACK_OVERFLOW, TableView};

impl Tx<'_, '_, '_> {
    /// `CALL callee` at `index`.
    pub(super) fn call(&mut self, index: u32, h: u32, callee: u32) {
        let Some((params, results, frame)) = self.f.callee(callee) else {
            self.step(index, h);
            return;
        };
        let callee_fp = self.call_checks(index, h, params, frame);
        let fref = self.direct(Callee::Function(callee));
        let deeper = self.deeper();
        let fuel = self.b.use_var(self.fuel);
        let mut args = vec![self.ctx(), callee_fp, fuel, deeper];
        if self.env.entries.is_some() {
            // The callee's register entry: arguments and results in registers.
            args.extend((h - params..h).map(|p| self.get(p)));
            let call = self.b.ins().call(fref, &args);
            // (The context first: `returned` reads memory's size from it.)
            self.register_results(call, h - params);
            self.returned(call);
            return;
        }
        // The arguments become the callee's parameters in place (slots kept in the frame
        // are there already).
        self.store_slots(self.base + h - params, self.base + h);
        let call = self.b.ins().call(fref, &args);
        self.returned(call);
        self.call_results(h - params, callee_fp, results);
    }

    /// After the call `call` of a register entry whose frame starts at operand `first` of
    /// this one: takes the context, this frame and the depth back from what the callee
    /// returned (see [`register_signature`]), and its results as operands from `first`.
    pub(super) fn register_results(&mut self, call: Inst, first: u32) {
        let out = self.b.inst_results(call).to_vec();
        self.b.def_var(self.ctx, out[2]);
        let offset = i64::from(self.slot_offset(self.base + first));
        let fp = self.b.ins().iadd_imm_s(out[3], -offset);
        self.b.def_var(self.fp, fp);
        let room = self.b.ins().iadd_imm_s(out[4], LEVEL);
        self.b.def_var(self.room, room);
        for (k, &value) in out[REGISTER_RESULTS..].iter().enumerate() {
            self.set(first + k as u32, value);
        }
    }

    /// The stack slot of [`saving_step`](super::entries::saving_step)'s [`StepPacket`],
    /// made on first use.
    pub(super) fn packet_slot(&mut self) -> StackSlot {
        *self.packet.get_or_insert_with(|| {
            self.b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                StepPacket::BYTES,
                3,
            ))
        })
    }

    /// The `FuncRef` of `callee`, declared in this function on first use.
    pub(super) fn direct(&mut self, callee: Callee) -> FuncRef {
        if let Some(&fref) = self.callees.get(&callee) {
            return fref;
        }
        let fref = (self.env.callee)(callee, &mut self.b);
        self.callees.insert(callee, fref);
        fref
    }

    /// After the call `call` to compiled code: leaves the function when the run ended in
    /// it, else takes the fuel it left and reads memory's base and size again.
    pub(super) fn returned(&mut self, call: Inst) {
        let (status, fuel) = (self.b.inst_results(call)[0], self.b.inst_results(call)[1]);
        self.exit_if(status);
        self.b.def_var(self.fuel, fuel);
        self.reload_memory();
    }

    /// The depth and stack checks of a call at `index` whose `params` arguments are the top
    /// operands below height `h`, raising the value stack's high-water mark; returns the
    /// callee's frame pointer.
    pub(super) fn call_checks(&mut self, index: u32, h: u32, params: u32, frame: u32) -> Value {
        let too_deep = self.too_deep();
        self.limit_trap(index, too_deep, TRAP_CALL_DEPTH);
        let offset = i64::from(self.slot_offset(self.base + h - params));
        let fp = self.fp();
        let callee_fp = self.b.ins().iadd_imm_s(fp, offset);
        let frame_end = self
            .b
            .ins()
            .iadd_imm_s(callee_fp, i64::from(frame) * self.wb);
        // Only a frame ending beyond every earlier one can pass the limit (the mark never
        // passes it): the usual call reads the mark and goes on.
        let beyond = self.beyond_peak(frame_end);
        let within = self.cold_branch(beyond);
        let overflow = self.overflows(frame_end);
        self.limit_trap(index, overflow, TRAP_STACK_OVERFLOW);
        self.cold_here();
        self.ctx_store(frame_end, NativeCtx::OFFSET_STACK_PEAK);
        self.b.ins().jump(within, &[]);
        self.switch_sealed(within);
        callee_fp
    }

    /// A context field fixed for the run (the loads may be shared and hoisted).
    pub(super) fn ctx_fixed(&mut self, ty: Type, offset: i32) -> Value {
        let fixed = MemFlagsData::trusted().with_readonly().with_can_move();
        let ctx = self.ctx();
        self.b.ins().load(ty, fixed, ctx, offset)
    }

    /// Set when one more call level would reach the call-depth limit.
    pub(super) fn too_deep(&mut self) -> Value {
        let room = self.room();
        self.b.ins().icmp_imm_s(IntCC::SignedLessThan, room, LEVEL)
    }

    /// The [`room`](super::levels::room) a callee gets: one level and one count less.
    pub(super) fn deeper(&mut self) -> Value {
        let room = self.room();
        self.b.ins().iadd_imm_s(room, -(LEVEL + 1))
    }

    /// The end of a callee frame of `frame` slots (an `I64` value) at `callee_fp`.
    pub(super) fn frame_end(&mut self, callee_fp: Value, frame: Value) -> Value {
        let bytes = self.b.ins().imul_imm_s(frame, self.wb);
        let bytes = if self.env.ptr == I64 {
            bytes
        } else {
            self.b.ins().ireduce(self.env.ptr, bytes)
        };
        self.b.ins().iadd(callee_fp, bytes)
    }

    /// Set when a frame ending at `frame_end` passes the value-stack limit.
    pub(super) fn overflows(&mut self, frame_end: Value) -> Value {
        let stack_end = self.ctx_fixed(self.env.ptr, NativeCtx::OFFSET_STACK_END);
        self.b
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, frame_end, stack_end)
    }

    /// Set when a frame ending at `frame_end` ends beyond the value stack's high-water
    /// mark (which never passes the stack limit).
    pub(super) fn beyond_peak(&mut self, frame_end: Value) -> Value {
        let peak = self.ctx_load(self.env.ptr, NativeCtx::OFFSET_STACK_PEAK);
        self.b
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, frame_end, peak)
    }

    /// Traps with `code` at `index` when `bad` is set.
    pub(super) fn limit_trap(&mut self, index: u32, bad: Value, code: u32) {
        let ok = self.cold_branch(bad);
        let func = self.u32_const(self.env.func);
        let at = self.u32_const(index);
        let code = self.u32_const(code);
        let args = [self.ctx(), func, at, code];
        self.fuel_out();
        let status = self.call_hook(self.env.hooks.trap, self.sigs.four, &args);
        self.exit_with(status);
        self.switch_sealed(ok);
    }

    /// Loads `results` results from the callee frame into operands from `first` (for slots
    /// kept in the frame they are in place already).
    pub(super) fn call_results(&mut self, first: u32, callee_fp: Value, results: u32) {
        if self.limbs.is_some() {
            return;
        }
        for k in 0..results {
            let offset = self.slot_offset(k);
            let value =
                self.b
                    .ins()
                    .load(self.env.word, MemFlagsData::trusted(), callee_fp, offset);
            self.set(first + k, value);
        }
    }

    /// `CALL_INDIRECT` at `index`: the table lookup, type check and limit checks inline;
    /// every case that does not call (a null, out-of-range or mistyped element, a limit)
    /// goes to the bridge, which raises the interpreter's trap.
    pub(super) fn call_indirect(&mut self, index: u32, h: u32) {
        let (pops, results) = self.env.shape.effects[index as usize];
        let params = pops - 1;
        let Some((ty, table)) = self.f.indirect(index) else {
            self.step(index, h);
            return;
        };
        if self.env.entries.is_none() {
            self.store_slots(self.base + h - pops, self.base + h);
        }
        let offset = i64::from(self.slot_offset(self.base + h - 1 - params));
        let fp = self.fp();
        let callee_fp = self.b.ins().iadd_imm_s(fp, offset);
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let join = self.b.create_block();
        self.b.append_block_param(join, I64);
        // The element index (an i32 operand) against the table's length.
        let top = self.get(h - 1);
        let element_index = self.low32(top);
        let element_index = self.b.ins().uextend(I64, element_index);
        let tables = self.ctx_fixed(self.env.ptr, NativeCtx::OFFSET_TABLES);
        let view = i32::try_from(i64::from(table) * i64::from(TableView::BYTES)).ok();
        let Some(view) = view else {
            // More tables than an offset reaches: the bridge resolves every call.
            self.b.ins().jump(slow, &[]);
            return self.call_indirect_rest(index, h, slow, join, callee_fp, params, results);
        };
        let len = self.b.ins().load(
            I64,
            MemFlagsData::trusted(),
            tables,
            view + TableView::OFFSET_LEN,
        );
        let outside = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, element_index, len);
        let inside = self.b.create_block();
        self.b.ins().brif(outside, slow, &[], inside, &[]);
        self.switch_sealed(inside);
        let elements = self.b.ins().load(
            self.env.ptr,
            MemFlagsData::trusted(),
            tables,
            view + TableView::OFFSET_ELEMENTS,
        );
        let element_offset = self.b.ins().imul_imm_s(element_index, self.wb);
        let element_offset = if self.env.ptr == I64 {
            element_offset
        } else {
            self.b.ins().ireduce(self.env.ptr, element_offset)
        };
        let element_at = self.b.ins().iadd(elements, element_offset);
        // Element `f + 1` calls function `f` (0 is null): `f` below the function count
        // also proves the element nonzero and its value below 2^32.
        let low = if self.env.word == I32 {
            let e = self
                .b
                .ins()
                .load(I32, MemFlagsData::trusted(), element_at, 0);
            self.b.ins().uextend(I64, e)
        } else {
            self.b
                .ins()
                .load(I64, MemFlagsData::trusted(), element_at, 0)
        };
        let callee = self.b.ins().iadd_imm_s(low, -1);
        let count = i64::from(self.env.records.len() as u32);
        let mut bad = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, callee, count);
        let high_limbs = (self.wb / 8).saturating_sub(1) as i32;
        if high_limbs > 0 {
            let high = self.read_limbs(element_at, 8, high_limbs as u32);
            let high = self.or_all(&high);
            let wide = self.b.ins().icmp_imm_s(IntCC::NotEqual, high, 0);
            bad = self.b.ins().bor(bad, wide);
        }
        let known = self.b.create_block();
        self.b.ins().brif(bad, slow, &[], known, &[]);
        self.switch_sealed(known);
        let record = self.record(callee);
        let callee_ty = self.b.ins().ireduce(I32, record);
        let mismatch = self
            .b
            .ins()
            .icmp_imm_u(IntCC::NotEqual, callee_ty, i64::from(ty as i32));
        let frame = self.b.ins().ushr_imm_u(record, 32);
        let frame_end = self.frame_end(callee_fp, frame);
        let too_deep = self.too_deep();
        // A frame beyond the high-water mark goes through the bridge, which checks it
        // against the stack limit (the mark is raised on that path).
        let beyond = self.beyond_peak(frame_end);
        let limit = self.b.ins().bor(too_deep, beyond);
        let bad = self.b.ins().bor(mismatch, limit);
        self.b
            .ins()
            .brif(bad, slow, &[], join, &[BlockArg::Value(callee)]);
        self.call_indirect_rest(index, h, slow, join, callee_fp, params, results);
    }

    /// The bridge path (`slow`) and the call itself (`join`, with the callee's index) of
    /// the `CALL_INDIRECT` at `index`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn call_indirect_rest(
        &mut self,
        index: u32,
        h: u32,
        slow: Block,
        join: Block,
        callee_fp: Value,
        params: u32,
        results: u32,
    ) {
        self.switch_sealed(slow);
        if self.env.entries.is_some() {
            // The bridge reads the element index (the arguments stay in registers).
            self.store_slots(self.base + h - 1, self.base + h);
        }
        let func = self.u32_const(self.env.func);
        let at = self.u32_const(index);
        let height = self.u32_const(h);
        let args = [self.ctx(), func, at, self.fp(), height];
        self.fuel_out();
        // The bridge checks the depth limit from the context's copy.
        let max = self.ctx_fixed(I64, NativeCtx::OFFSET_MAX_DEPTH);
        let room = self.room();
        let depth = depth_of(&mut self.b, max, room);
        self.ctx_store(depth, NativeCtx::OFFSET_DEPTH);
        let resolved = self.call_hook(self.env.hooks.resolve_indirect, self.sigs.five, &args);
        let failed = self.b.ins().icmp_imm_s(IntCC::Equal, resolved, -1);
        let one = self.b.ins().iconst(I32, 1);
        let status = self.b.ins().select(failed, one, resolved);
        let next = self.b.create_block();
        self.b.set_cold_block(next);
        let exit = self.exit;
        self.b
            .ins()
            .brif(failed, exit, &[BlockArg::Value(status)], next, &[]);
        self.switch_sealed(next);
        let callee = self.b.ins().uextend(I64, resolved);
        let record = self.record(callee);
        let frame = self.b.ins().ushr_imm_u(record, 32);
        let frame_end = self.frame_end(callee_fp, frame);
        let peak = self.ctx_load(self.env.ptr, NativeCtx::OFFSET_STACK_PEAK);
        let deepest = self.b.ins().umax(peak, frame_end);
        self.ctx_store(deepest, NativeCtx::OFFSET_STACK_PEAK);
        self.b.ins().jump(join, &[BlockArg::Value(callee)]);
        self.switch_sealed(join);
        let callee = self.b.block_params(join)[0];
        let deeper = self.deeper();
        let fuel = self.b.use_var(self.fuel);
        let mut args = vec![self.ctx(), callee_fp, fuel, deeper];
        if let Some(entries) = self.env.entries {
            // The callee's register entry (its type is the call's, so is its signature).
            let at = self.table_entry(entries.as_ptr() as i64, callee, 8);
            let fixed = MemFlagsData::trusted().with_readonly();
            let code = self.b.ins().load(self.env.ptr, fixed, at, 0);
            let sig = register_signature(self.env.ptr, self.env.word, params, results);
            let sig = self.b.import_signature(sig);
            args.extend((h - 1 - params..h - 1).map(|p| self.get(p)));
            let call = self.b.ins().call_indirect(sig, code, &args);
            self.register_results(call, h - 1 - params);
            self.returned(call);
            return;
        }
        let table = self.ctx_fixed(self.env.ptr, NativeCtx::OFFSET_FUNCTIONS);
        let entry_offset = self
            .b
            .ins()
            .imul_imm_s(callee, i64::from(self.env.ptr.bytes()));
        let entry_offset = if self.env.ptr == I64 {
            entry_offset
        } else {
            self.b.ins().ireduce(self.env.ptr, entry_offset)
        };
        let entry_at = self.b.ins().iadd(table, entry_offset);
        let code = self
            .b
            .ins()
            .load(self.env.ptr, MemFlagsData::trusted(), entry_at, 0);
        let call = self.b.ins().call_indirect(self.sigs.function, code, &args);
        self.returned(call);
        self.call_results(h - 1 - params, callee_fp, results);
    }

    /// Function `callee`'s record (`function_record`; `callee` is below the count).
    pub(super) fn record(&mut self, callee: Value) -> Value {
        let at = self.table_entry(self.env.records.as_ptr() as i64, callee, 8);
        let fixed = MemFlagsData::trusted().with_readonly();
        self.b.ins().load(I64, fixed, at, 0)
    }

    /// The address of entry `i` (an `I64` value) of a table of `bytes`-byte entries at
    /// host address `table`.
    pub(super) fn table_entry(&mut self, table: i64, i: Value, bytes: i64) -> Value {
        let table = self.b.ins().iconst(self.env.ptr, table);
        let offset = self.b.ins().imul_imm_s(i, bytes);
        let offset = if self.env.ptr == I64 {
            offset
        } else {
            self.b.ins().ireduce(self.env.ptr, offset)
        };
        self.b.ins().iadd(table, offset)
    }
}

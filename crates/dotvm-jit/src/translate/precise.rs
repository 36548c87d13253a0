//! Instructions handed to the precise interpreter (`Hooks::step`), and the guarded fast paths
//! whose cold side steps the same instruction so that it raises the interpreter's own trap.

use super::entries::StepPacket;
use super::{Callee, Tx};
use cranelift_codegen::ir::types::I32;
use cranelift_codegen::ir::{Block, InstBuilder, MemFlagsData, Value};

impl Tx<'_, '_, '_> {
    /// Hands instruction `index` (operand height `height`) to the precise interpreter.
    /// Afterwards the operands are those the verifier proves for the next instruction;
    /// for an instruction after which control never falls through the function is left.
    pub(super) fn step(&mut self, index: u32, height: u32) {
        // The precise interpreter reads only the instruction's operands and writes only its
        // results (the verifier's stack effect): only those go through the frame.
        let (pops, pushes) = self.env.shape.effects[index as usize];
        let first = height.saturating_sub(pops);
        self.store_slots(self.base + first, self.base + height);
        let func = self.u32_const(self.env.func);
        let at = self.u32_const(index);
        let h = self.u32_const(height);
        let args = [self.ctx(), func, at, self.fp(), h];
        self.fuel_out();
        let status = if self.cold {
            // Keeps every register (see `saving_step`); the arguments go and the status
            // comes back through a stack slot.
            let fref = self.direct(Callee::SavingStep);
            let slot = self.packet_slot();
            let fields = [
                StepPacket::CTX,
                StepPacket::FUNC,
                StepPacket::INDEX,
                StepPacket::FP,
                StepPacket::HEIGHT,
            ];
            let packet = self.b.ins().stack_addr(self.env.ptr, slot, 0);
            for (value, offset) in args.into_iter().zip(fields) {
                self.b
                    .ins()
                    .store(MemFlagsData::trusted(), value, packet, offset);
            }
            self.b.ins().call(fref, &[packet]);
            self.b
                .ins()
                .load(I32, MemFlagsData::trusted(), packet, StepPacket::STATUS)
        } else {
            self.call_hook(self.env.hooks.step, self.sigs.five, &args)
        };
        let falls_through = !self.f.instruction(index).opcode.ends_block();
        match self.height(index + 1).filter(|_| falls_through) {
            Some(after) => {
                self.exit_if(status);
                self.reload();
                self.load_operands(first.min(after), (first + pushes).min(after));
            }
            None => {
                // Nothing follows: the step ended the run (the verifier's proof).
                self.exit_with(status);
                let dead = self.b.create_block();
                self.switch_sealed(dead);
            }
        }
    }

    /// Branches on `bad`: the fast path `fast` inline, the instruction stepped in a cold
    /// block; both continue with the next instruction.
    pub(super) fn guarded(
        &mut self,
        index: u32,
        height: u32,
        bad: Value,
        fast: impl FnOnce(&mut Self),
    ) {
        self.guarded_any(index, height, &[bad], fast);
    }

    /// [`Tx::guarded`] on several conditions, any of which steps the instruction: one
    /// compare-and-branch each, which the host fuses (cheaper than combining the flags).
    pub(super) fn guarded_any(
        &mut self,
        index: u32,
        height: u32,
        bad: &[Value],
        fast: impl FnOnce(&mut Self),
    ) {
        if bad.is_empty() {
            // Nothing can fail (an access checked by an earlier one, see `Tx::in_bounds`).
            fast(self);
            self.checked();
            return;
        }
        let slow = self.branch_out(bad);
        let cont = self.b.create_block();
        fast(self);
        self.b.ins().jump(cont, &[]);
        self.switch_sealed(slow);
        self.cold_step(index, height);
        self.b.ins().jump(cont, &[]);
        self.switch_sealed(cont);
        self.checked();
    }

    /// Enters the address [`Tx::address`] checked for the guarded access just built into
    /// [`Tx::in_bounds`]: past the access, it is inside memory (else the access trapped).
    pub(super) fn checked(&mut self) {
        if let Some((addr, reach)) = self.checking.take() {
            let known = self.in_bounds.entry(addr).or_insert((0, 0));
            known.0 = known.0.max(reach);
        }
    }

    /// [`Tx::step`] on a cold path (its blocks are laid out away from the fast path).
    pub(super) fn cold_step(&mut self, index: u32, height: u32) {
        self.cold = true;
        self.step(index, height);
        self.cold = false;
    }

    /// Branches to a new cold block when any of `bad` is set and goes on where none is;
    /// returns the cold block.
    pub(super) fn branch_out(&mut self, bad: &[Value]) -> Block {
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        for &flag in bad {
            let next = self.b.create_block();
            self.b.ins().brif(flag, slow, &[], next, &[]);
            self.switch_sealed(next);
        }
        slow
    }
}

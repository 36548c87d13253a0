//! Translation of one verified function to Cranelift IR.
//!
//! The translator walks the function's stack bytecode in order, block by block (the blocks
//! the interpreter charges fuel for, from [`NativeFunction::block_end`]), with the operand
//! height the verifier proved before each instruction (`dotvm_core::verify::stack_shape`).
//! Operand `p` and local `l` are Cranelift variables (`vars[locals + p]`, `vars[l]`), so the
//! stack disappears into SSA values as in wasmtime's translator. The frame in the value
//! stack is written only where the runtime needs it: arguments and results of calls, and
//! the operands of an instruction handed to the precise interpreter (`Hooks::step`).
//!
//! On Arch32 a typed i64 or f64 is a pair of `i32` slots (low half deeper). Slots of 256-
//! and 512-bit words fit no Cranelift type: they stay in the frame as 64-bit limbs, moves
//! copy limbs, and word arithmetic calls the interpreter's `Word` code through
//! `Hooks::word_binary` / `Hooks::word_unary` on the slots in place.
//!
//! Every instruction either has an inline translation with the interpreter's exact
//! semantics, or goes to the precise interpreter; inline fast paths that would trap (division
//! by zero, an access outside memory, a truncation out of range) branch to a cold step of
//! the same instruction, which raises the interpreter's own trap.
//!
//! This module holds the translation's state ([`Tx`]), the per-function set-up, the walk over
//! the blocks and the dispatch of each instruction; the instruction families and the runtime
//! interfaces are translated in submodules, each adding its own methods to [`Tx`]:
//! `entries` (frame entry, trampoline, bridge signatures), `levels` (call levels and the
//! interrupt countdown), `fuel` (per-block charge, interrupt checks), `precise` (steps and
//! guarded fast paths), `calls`, `memory`, `words` (word arithmetic and division), `typed`
//! and `floats` (typed instructions and floats in registers), `simd` and `loops` (loop-local
//! copies).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64, I128};
use cranelift_codegen::ir::{
    AbiParam, Block, BlockArg, FuncRef, InstBuilder, JumpTableData, MemFlagsData, SigRef,
    Signature, StackSlot, Type, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, Variable};
use dotvm_core::Opcode;
use dotvm_core::instruction::Operand;
use dotvm_core::verify::StackShape;
use dotvm_vm::native_abi::{Hooks, NativeCtx, NativeFunction, TRAP_NATIVE_STACK};
use std::collections::{HashMap, HashSet};

mod calls;
mod entries;
mod floats;
mod fuel;
mod levels;
mod loops;
mod memory;
mod merge;
mod precise;
mod simd;
mod typed;
mod words;
pub(crate) use entries::{
    FrameEntry, frame_entry, function_signature, register_signature, saving_step,
    saving_step_signature, trampoline, trampoline_signature,
};
use entries::{bridge_signature, step_signature};

/// The typed value kinds of the typed instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// i32, zero-extended in its slot.
    I32,
    /// i64.
    I64,
    /// f32 bits, zero-extended in its slot.
    F32,
    /// f64 bits.
    F64,
}

/// Signatures of the bridge functions, imported into the function being built.
struct Sigs {
    /// `(ctx, func, index, fp, height) -> status`.
    five: SigRef,
    /// `(ctx, func, index) -> status`.
    three: SigRef,
    /// `(ctx, func, index, code) -> status`.
    four: SigRef,
    /// A compiled function (see [`function_signature`]).
    function: SigRef,
    /// `Hooks::word_binary`: `(op, a, b) -> status`.
    word_binary: SigRef,
    /// `Hooks::word_unary`: `(op, a) -> status`.
    word_unary: SigRef,
    /// `Hooks::memory_copy` and `Hooks::memory_fill`: `(ctx, a, b, len) -> status`.
    memory: SigRef,
}

/// A function a compiled function calls directly (see [`Env::callee`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Callee {
    /// The compiled function of this index.
    Function(u32),
    /// The module's [`saving_step`].
    SavingStep,
}

/// What the translator needs besides the function itself.
pub(crate) struct Env<'e> {
    /// The function's index.
    pub(crate) func: u32,
    /// The machine word type (`I32`, `I64` or `I128`); for words wider than Cranelift's
    /// integers, `I64`: the type of a slot's low limb, through which typed values pass.
    pub(crate) word: Type,
    /// For words wider than Cranelift's integers (Arch256, Arch512), the 64-bit limbs of a
    /// slot: such slots stay in the frame (see [`Tx::get`]).
    pub(crate) limbs: Option<u32>,
    /// Bytes of a frame slot.
    pub(crate) slot_bytes: u32,
    /// The host pointer type.
    pub(crate) ptr: Type,
    /// The host calling convention.
    pub(crate) call_conv: CallConv,
    /// The bridge functions.
    pub(crate) hooks: Hooks,
    /// The verifier's stack shape of the function.
    pub(crate) shape: &'e StackShape,
    /// The target's frontend configuration.
    pub(crate) frontend: TargetFrontendConfig,
    /// `FuncRef` of a direct callee, declared on demand.
    pub(crate) callee: &'e mut dyn FnMut(Callee, &mut FunctionBuilder<'_>) -> FuncRef,
    /// What an inline `CALL_INDIRECT` checks, one `u64` per function (see
    /// [`function_record`]); owned by the compiled code.
    pub(crate) records: &'e [u64],
    /// When the function is built as its register entry ([`register_signature`]): the
    /// register entries' addresses, one per function (filled in before the code runs),
    /// through which its `CALL_INDIRECT`s call. Its direct calls then go to register
    /// entries too.
    pub(crate) entries: Option<&'e [u64]>,
}

/// What an inline `CALL_INDIRECT` reads of a function: its type id in the low 32 bits,
/// its frame slots in the high 32.
pub(crate) fn function_record(type_id: u32, frame_slots: u32) -> u64 {
    u64::from(type_id) | u64::from(frame_slots) << 32
}

/// The state of one function's translation.
struct Tx<'a, 'b, 'e> {
    b: FunctionBuilder<'b>,
    f: NativeFunction<'a>,
    env: Env<'e>,
    /// Slot size in bytes.
    wb: i64,
    /// The limbs of a slot kept in the frame (`Env::limbs`).
    limbs: Option<u32>,
    /// True when a typed i64 or f64 takes two slots (32-bit words).
    pairs: bool,
    /// Parameter and local slots (operand `p` is slot `base + p`).
    base: u32,
    /// One variable per frame slot.
    vars: Vec<Variable>,
    /// The fuel left, kept in a register (`NativeCtx`'s copy is written before every
    /// bridge call and read again after it; compiled callees take and return it).
    fuel: Variable,
    /// The call levels left to this function's frame (a parameter, see
    /// [`room`](levels::room)). Like [`Tx::ctx`] and [`Tx::fp`], a variable: a register
    /// entry's callees return it (see [`register_signature`]), so that it is not kept
    /// across their calls.
    room: Variable,
    /// The parameters, when the function is built as its register entry (see
    /// [`Env::entries`]); empty otherwise.
    args: Vec<Value>,
    /// Linear memory's base address and size, kept in registers like the fuel (read again
    /// after every call out of the function, which may grow memory).
    mem_base: Variable,
    /// See [`Tx::mem_base`].
    mem_len: Variable,
    /// The end of the read-only region (fixed for the run).
    ro_end: Variable,
    /// True when the function accesses memory inline: only then are [`Tx::mem_base`],
    /// [`Tx::mem_len`] and [`Tx::ro_end`] read (loads from the context stay in the code
    /// even when nothing uses them).
    memory: bool,
    /// The float behind a slot value that [`Tx::slot_of`] made from a float, so that a
    /// float read back from its slot in the same block stays in its float register (see
    /// [`Tx::typed`]): the value as stored, and the result before NaN canonicalisation,
    /// which users that give every NaN input the same result may take instead (see
    /// [`Tx::typed_nan_blind`]), leaving the canonicalisation dead when nothing else
    /// reads the slot.
    floats: HashMap<Value, (Value, Value)>,
    /// The vectors behind slot values (see `simd`).
    vectors: simd::Vectors,
    /// Guest addresses (slot values) known to be inside memory up to the reach given here,
    /// because a guarded access of this block checked them (the access traps otherwise) or
    /// a merged check did (see `merge`); the second reach is known to end at 2^32 at most
    /// too. Cleared at every block start and whenever memory's size is read again but on
    /// the cold paths of guarded instructions (see [`Tx::address`],
    /// [`Tx::reload_memory`]).
    in_bounds: HashMap<Value, (u64, u64)>,
    /// Sums `I32_ADD` made of a value and a constant: the sum is `(base + k) mod 2^32`
    /// (see [`Tx::note_sum`]). Facts about SSA values, kept for the whole function.
    derived: HashMap<Value, (Value, u32)>,
    /// The merged bounds checks of the block being translated (see `merge`), by the
    /// access that makes each.
    merges: HashMap<u32, merge::Merge>,
    /// The address and reach [`Tx::address`] checked last, entered into
    /// [`Tx::in_bounds`] once the guarded access is built.
    checking: Option<(Value, u64)>,
    /// The context (a parameter).
    ctx: Variable,
    /// The function's frame (a parameter).
    fp: Variable,
    /// The Cranelift block of each block-start instruction.
    blocks: HashMap<u32, Block>,
    /// The blocks that read the interrupt flag (see [`loop_heads`]).
    loop_heads: HashSet<u32>,
    /// True while the slow path of a guarded instruction is built: its blocks are cold.
    cold: bool,
    /// The block every early exit jumps to, with the status to return.
    exit: Block,
    /// The block every out-of-fuel path jumps to, with the block's first instruction and
    /// operand height, once its inputs are stored (see [`Tx::charge`]); made on first use.
    short: Option<Block>,
    sigs: Sigs,
    callees: HashMap<Callee, FuncRef>,
    /// See [`Tx::packet_slot`].
    packet: Option<StackSlot>,
    /// The loops whose invariant locals get loop-local copies (see `loops`), by head.
    loops: HashMap<u32, loops::Loop>,
    /// The handled loop being translated, if any.
    inside: Option<loops::Inside>,
    /// Blocks leaving that loop, to fill once the current block is translated, with
    /// their targets.
    exits: Vec<(Block, Block)>,
}

/// Memory flags for guest memory and frames: little-endian, never trapping (every access is
/// checked first), not necessarily aligned.
fn flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// Translates `f` into `b` (an empty function with the compiled-function signature).
pub(crate) fn translate(b: FunctionBuilder<'_>, f: NativeFunction<'_>, env: Env<'_>) {
    let wb = i64::from(env.slot_bytes);
    let limbs = env.limbs;
    let pairs = env.word == I32;
    let base = f.params() + f.locals();
    let mut b = b;
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let [ctx, fp] = [0, 1].map(|k| {
        let var = b.declare_var(env.ptr);
        let value = b.block_params(entry)[k];
        b.def_var(var, value);
        var
    });
    let fuel_in = b.block_params(entry)[2];
    let room = b.declare_var(I64);
    let room_in = b.block_params(entry)[3];
    b.def_var(room, room_in);
    let args = b.block_params(entry)[4..].to_vec();
    // One variable per slot the code can reach (the verifier's heights), not per declared
    // frame slot: a module may declare a far larger `max_stack` than its code uses (the
    // stack-limit check still uses the declared frame, as the interpreter does).
    let reached = env
        .shape
        .heights
        .iter()
        .zip(&env.shape.effects)
        .filter_map(|(height, &(pops, pushes))| height.map(|h| h.max(h - pops + pushes)))
        .max()
        .unwrap_or(0);
    // Slots of wide words live in the frame, not in variables.
    let slots = if limbs.is_some() { 0 } else { base + reached };
    let vars = (0..slots)
        .map(|_| b.declare_var(env.word))
        .collect::<Vec<_>>();
    let fuel = b.declare_var(I64);
    b.def_var(fuel, fuel_in);
    let mem_base = b.declare_var(env.ptr);
    let mem_len = b.declare_var(I64);
    let ro_end = b.declare_var(I64);
    let five = b.import_signature(step_signature(env.ptr, env.call_conv));
    let three = b.import_signature(bridge_signature(
        env.ptr,
        env.call_conv,
        &[true, false, false],
    ));
    let four = b.import_signature(bridge_signature(
        env.ptr,
        env.call_conv,
        &[true, false, false, false],
    ));
    let function = b.import_signature(function_signature(env.ptr, env.call_conv));
    let word_binary = b.import_signature(bridge_signature(
        env.ptr,
        env.call_conv,
        &[false, true, true],
    ));
    let word_unary = b.import_signature(bridge_signature(env.ptr, env.call_conv, &[false, true]));
    let bulk_memory = {
        let mut sig = Signature::new(env.call_conv);
        sig.params.push(AbiParam::new(env.ptr));
        sig.params.extend([AbiParam::new(I64); 3]);
        sig.returns.push(AbiParam::new(I32));
        b.import_signature(sig)
    };
    let exit = b.create_block();
    b.append_block_param(exit, I32);
    b.set_cold_block(exit);
    let mut blocks = HashMap::new();
    let len = f.len();
    let mut index = 0;
    while index < len {
        if env.shape.heights[index as usize].is_some() {
            blocks.insert(index, b.create_block());
        }
        index = f.block_end(index);
    }
    let jumps = jumps(&f, env.shape);
    let loop_heads = loop_heads(&jumps);
    let loops = if limbs.is_none() && env.word != I128 {
        loops::loops(&f, &jumps)
    } else {
        HashMap::new()
    };
    let memory = (0..len).any(|i| matches!(f.instruction(i).operand, Operand::Offset(_)));
    let mut tx = Tx {
        b,
        f,
        env,
        wb,
        limbs,
        pairs,
        base,
        vars,
        fuel,
        room,
        args,
        mem_base,
        mem_len,
        ro_end,
        memory,
        floats: HashMap::new(),
        vectors: simd::Vectors::default(),
        in_bounds: HashMap::new(),
        derived: HashMap::new(),
        merges: HashMap::new(),
        checking: None,
        ctx,
        fp,
        loop_heads,
        cold: false,
        blocks,
        exit,
        short: None,
        sigs: Sigs {
            five,
            three,
            four,
            function,
            word_binary,
            word_unary,
            memory: bulk_memory,
        },
        callees: HashMap::new(),
        packet: None,
        loops,
        inside: None,
        exits: Vec::new(),
    };
    tx.prologue();
    tx.body();
    let exit = tx.exit;
    tx.b.switch_to_block(exit);
    let status = tx.b.block_params(exit)[0];
    // The run ended in a bridge call, which wrote the fuel to the machine; a register
    // entry's results are not read then.
    let none = tx.b.ins().iconst(I64, 0);
    let mut out = vec![status, none];
    if tx.env.entries.is_some() {
        let null = tx.b.ins().iconst(tx.env.ptr, 0);
        out.extend([null, null, none]);
        let zero = tx.word_const(&[]);
        out.extend((0..tx.f.results()).map(|_| zero));
    }
    tx.b.ins().return_(&out);
    tx.b.seal_all_blocks();
    let frontend = tx.env.frontend;
    tx.b.finalize(frontend);
}

impl Tx<'_, '_, '_> {
    /// A word constant of a register slot from its 64-bit limbs (least significant first,
    /// missing limbs zero).
    fn word_const(&mut self, limbs: &[u64]) -> Value {
        let limb = |i: usize| limbs.get(i).copied().unwrap_or(0) as i64;
        match self.env.word {
            I128 => {
                let lo = self.b.ins().iconst(I64, limb(0));
                let hi = self.b.ins().iconst(I64, limb(1));
                self.b.ins().iconcat(lo, hi)
            }
            I32 => self.b.ins().iconst(I32, i64::from(limb(0) as u32 as i32)),
            _ => self.b.ins().iconst(I64, limb(0)),
        }
    }

    /// A `u32` argument for a bridge call.
    fn u32_const(&mut self, value: u32) -> Value {
        self.b.ins().iconst(I32, i64::from(value as i32))
    }

    /// The context pointer.
    fn ctx(&mut self) -> Value {
        self.b.use_var(self.ctx)
    }

    /// The frame pointer.
    fn fp(&mut self) -> Value {
        self.b.use_var(self.fp)
    }

    /// The call levels left (see [`room`](levels::room)).
    fn room(&mut self) -> Value {
        self.b.use_var(self.room)
    }

    /// The variable of operand `p`.
    fn var(&self, p: u32) -> Variable {
        self.vars[(self.base + p) as usize]
    }

    /// Operand `p`'s value; for a slot kept in the frame, its low limb (`I64`).
    fn get(&mut self, p: u32) -> Value {
        if self.limbs.is_some() {
            let offset = self.slot_offset(self.base + p);
            let fp = self.fp();
            return self.b.ins().load(I64, MemFlagsData::trusted(), fp, offset);
        }
        let v = self.var(p);
        self.use_var(v)
    }

    /// The value of `var` here, aliases resolved: past a join whose predecessors all give
    /// one value, Cranelift's SSA builder answers later reads with an alias of that value
    /// (the join's removed parameter), and what the translation remembers about values
    /// ([`Tx::floats`], [`Tx::in_bounds`], `simd::Vectors`) is keyed by the value itself.
    fn use_var(&mut self, var: Variable) -> Value {
        let v = self.b.use_var(var);
        self.b.func.dfg.resolve_aliases(v)
    }

    /// Sets operand `p`; for a slot kept in the frame, `value` is its low limb (`I64`),
    /// the others become zero.
    fn set(&mut self, p: u32, value: Value) {
        if let Some(limbs) = self.limbs {
            let zero = self.b.ins().iconst(I64, 0);
            let mut all = vec![zero; limbs as usize];
            all[0] = value;
            self.write_slot(self.base + p, &all);
            return;
        }
        let v = self.var(p);
        self.b.def_var(v, value);
    }

    /// The whole value of frame slot `slot` (a local, or operand `slot - base`): one
    /// register value, or the limbs of a slot kept in the frame.
    fn read_slot(&mut self, slot: u32) -> Vec<Value> {
        match self.limbs {
            Some(limbs) => {
                let at = self.slot_offset(slot);
                let fp = self.fp();
                self.read_limbs(fp, at, limbs)
            }
            None => vec![self.use_var(self.vars[slot as usize])],
        }
    }

    /// Sets frame slot `slot` to a value [`Tx::read_slot`] returned.
    fn write_slot(&mut self, slot: u32, value: &[Value]) {
        match self.limbs {
            Some(_) => {
                let at = self.slot_offset(slot);
                let fp = self.fp();
                self.write_limbs(fp, at, value);
            }
            None => self.b.def_var(self.vars[slot as usize], value[0]),
        }
    }

    /// `limbs` 64-bit limbs at `base + at`.
    fn read_limbs(&mut self, base: Value, at: i32, limbs: u32) -> Vec<Value> {
        (0..limbs as i32)
            .map(|k| {
                self.b
                    .ins()
                    .load(I64, MemFlagsData::trusted(), base, at + 8 * k)
            })
            .collect()
    }

    /// Writes `limbs` at `base + at`.
    fn write_limbs(&mut self, base: Value, at: i32, limbs: &[Value]) {
        for (k, &limb) in limbs.iter().enumerate() {
            self.b
                .ins()
                .store(MemFlagsData::trusted(), limb, base, at + 8 * k as i32);
        }
    }

    /// Global `g`'s whole value (as [`Tx::read_slot`]).
    fn read_global(&mut self, g: u32) -> Vec<Value> {
        let globals = self.ctx_fixed(self.env.ptr, NativeCtx::OFFSET_GLOBALS);
        let at = (i64::from(g) * self.wb) as i32;
        match self.limbs {
            Some(limbs) => self.read_limbs(globals, at, limbs),
            None => vec![
                self.b
                    .ins()
                    .load(self.env.word, MemFlagsData::trusted(), globals, at),
            ],
        }
    }

    /// Sets global `g` to a value [`Tx::read_global`] or [`Tx::read_slot`] returned.
    fn write_global(&mut self, g: u32, value: &[Value]) {
        let globals = self.ctx_fixed(self.env.ptr, NativeCtx::OFFSET_GLOBALS);
        let at = (i64::from(g) * self.wb) as i32;
        self.write_limbs_or_word(globals, at, value);
    }

    /// Writes a whole slot value at `base + at` (a register word or limbs).
    fn write_limbs_or_word(&mut self, base: Value, at: i32, value: &[Value]) {
        if self.limbs.is_some() {
            self.write_limbs(base, at, value);
        } else {
            self.b
                .ins()
                .store(MemFlagsData::trusted(), value[0], base, at);
        }
    }

    /// The truth of operand `p` (nonzero when any bit of the slot is set).
    fn truth(&mut self, p: u32) -> Value {
        match self.limbs {
            Some(_) => {
                let limbs = self.read_slot(self.base + p);
                self.or_all(&limbs)
            }
            None => self.get(p),
        }
    }

    /// The bitwise OR of `limbs` (at least one).
    fn or_all(&mut self, limbs: &[Value]) -> Value {
        let mut all = limbs[0];
        for &limb in &limbs[1..] {
            all = self.b.ins().bor(all, limb);
        }
        all
    }

    /// Slots a typed value of `kind` takes: two for i64 and f64 on 32-bit words.
    fn width(&self, kind: Kind) -> u32 {
        if self.pairs && matches!(kind, Kind::I64 | Kind::F64) {
            2
        } else {
            1
        }
    }

    /// Reads a `u64` or pointer field of the context.
    fn ctx_load(&mut self, ty: Type, offset: i32) -> Value {
        let ctx = self.ctx();
        self.b.ins().load(ty, MemFlagsData::trusted(), ctx, offset)
    }

    /// Writes a field of the context.
    fn ctx_store(&mut self, value: Value, offset: i32) {
        let ctx = self.ctx();
        self.b
            .ins()
            .store(MemFlagsData::trusted(), value, ctx, offset);
    }

    /// Writes the fuel variable to the context (before a call out of the function).
    fn fuel_out(&mut self) {
        let fuel = self.b.use_var(self.fuel);
        self.ctx_store(fuel, NativeCtx::OFFSET_FUEL);
    }

    /// Reads the fuel and memory variables from the context (after a bridge call that may
    /// have charged fuel or grown memory).
    fn reload(&mut self) {
        let fuel = self.ctx_load(I64, NativeCtx::OFFSET_FUEL);
        self.b.def_var(self.fuel, fuel);
        self.reload_memory();
    }

    /// Reads the memory variables from the context (after a call that may have grown
    /// memory).
    fn reload_memory(&mut self) {
        // A cold step runs the guarded instruction itself (an access, a division, a
        // truncation, a bulk copy or fill), which never changes memory's size: what the
        // block checked holds after it.
        if !self.cold {
            self.in_bounds.clear();
        }
        if !self.memory {
            return;
        }
        let base = self.ctx_load(self.env.ptr, NativeCtx::OFFSET_MEM_BASE);
        self.b.def_var(self.mem_base, base);
        let len = self.ctx_load(I64, NativeCtx::OFFSET_MEM_LEN);
        self.b.def_var(self.mem_len, len);
    }

    /// Byte offset of frame slot `slot`.
    fn slot_offset(&self, slot: u32) -> i32 {
        (i64::from(slot) * self.wb) as i32
    }

    /// Stores frame slots `from..to` (variables) to the frame (slots kept in the frame are
    /// there already).
    fn store_slots(&mut self, from: u32, to: u32) {
        if self.limbs.is_some() {
            return;
        }
        for slot in from..to {
            let value = self.b.use_var(self.vars[slot as usize]);
            let offset = self.slot_offset(slot);
            let fp = self.fp();
            self.b
                .ins()
                .store(MemFlagsData::trusted(), value, fp, offset);
        }
    }

    /// Loads operands `from..height` from the frame into their variables (slots kept in
    /// the frame stay there).
    fn load_operands(&mut self, from: u32, height: u32) {
        if self.limbs.is_some() {
            return;
        }
        for p in from..height {
            let offset = self.slot_offset(self.base + p);
            let fp = self.fp();
            let value = self
                .b
                .ins()
                .load(self.env.word, MemFlagsData::trusted(), fp, offset);
            self.set(p, value);
        }
    }

    /// Calls a bridge function at `addr` with signature `sig`.
    fn call_hook(&mut self, addr: *const u8, sig: SigRef, args: &[Value]) -> Value {
        let callee = self.b.ins().iconst(self.env.ptr, addr as i64);
        let call = self.b.ins().call_indirect(sig, callee, args);
        self.b.inst_results(call)[0]
    }

    /// Switches to `block`, whose predecessors are all known, and seals it: the SSA
    /// builder then finds a variable's one value through it (no parameter to remove
    /// later), so a float read back after a guarded instruction stays the float the block
    /// put (see [`Tx::floats`]).
    fn switch_sealed(&mut self, block: Block) {
        self.b.switch_to_block(block);
        self.b.seal_block(block);
    }

    /// Lays the current block out with the cold blocks: for the rest of a cold path after
    /// a check, so that the usual path does not jump over it.
    fn cold_here(&mut self) {
        if let Some(block) = self.b.current_block() {
            self.b.set_cold_block(block);
        }
    }

    /// Branches to a new cold block when `cond` is nonzero and continues there; returns
    /// the block the usual path goes on in, for the cold path to switch to when it is done.
    fn cold_branch(&mut self, cond: Value) -> Block {
        let cold = self.b.create_block();
        let run = self.b.create_block();
        self.b.set_cold_block(cold);
        self.b.ins().brif(cond, cold, &[], run, &[]);
        self.switch_sealed(cold);
        run
    }

    /// Leaves the function with `status` when it is nonzero.
    fn exit_if(&mut self, status: Value) {
        let next = self.b.create_block();
        if self.cold {
            self.b.set_cold_block(next);
        }
        let exit = self.exit;
        self.b
            .ins()
            .brif(status, exit, &[BlockArg::Value(status)], next, &[]);
        self.switch_sealed(next);
    }

    /// Leaves the function with `status`.
    fn exit_with(&mut self, status: Value) {
        let exit = self.exit;
        self.b.ins().jump(exit, &[BlockArg::Value(status)]);
    }

    /// Height before instruction `index`.
    fn height(&self, index: u32) -> Option<u32> {
        self.env
            .shape
            .heights
            .get(index as usize)
            .copied()
            .flatten()
    }

    /// Function entry: the native stack check, parameters from the frame, zeroed locals.
    fn prologue(&mut self) {
        let sp = self.b.ins().get_stack_pointer(self.env.ptr);
        let floor = self.ctx_fixed(self.env.ptr, NativeCtx::OFFSET_NATIVE_FLOOR);
        let low = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, floor);
        self.limit_trap(0, low, TRAP_NATIVE_STACK);
        self.reload_memory();
        if self.memory {
            let ro_end = self.ctx_load(I64, NativeCtx::OFFSET_RO_END);
            self.b.def_var(self.ro_end, ro_end);
        }
        let params = self.f.params();
        if let Some(limbs) = self.limbs {
            // Slots stay in the frame: the parameters are there, the locals start at zero.
            let zero = self.b.ins().iconst(I64, 0);
            let zeros = vec![zero; limbs as usize];
            for slot in params..self.base {
                self.write_slot(slot, &zeros);
            }
        }
        for slot in 0..self.vars.len() as u32 {
            let value = if let Some(&arg) = self.args.get(slot as usize) {
                arg
            } else if slot < params {
                let offset = self.slot_offset(slot);
                let fp = self.fp();
                self.b
                    .ins()
                    .load(self.env.word, MemFlagsData::trusted(), fp, offset)
            } else {
                self.word_const(&[])
            };
            self.b.def_var(self.vars[slot as usize], value);
        }
        let first = self.blocks[&0];
        self.b.ins().jump(first, &[]);
    }

    /// Translates every reachable block.
    fn body(&mut self) {
        let len = self.f.len();
        let mut start = 0;
        while start < len {
            let end = self.f.block_end(start);
            if let Some(height) = self.height(start) {
                let block = self.blocks[&start];
                self.b.switch_to_block(block);
                self.loop_block(start);
                self.in_bounds.clear();
                self.charge(start, end, height);
                self.merges = if self.limbs.is_none() {
                    merge::plan(&self.f, self.env.shape, self.env.word, start, end)
                } else {
                    HashMap::new()
                };
                self.block_rest(start, end, true);
                self.loop_exits();
            }
            start = end;
        }
    }

    /// Translates instructions `from..end`, the rest of the block ending at `end`, and its
    /// fall-through; with `merging`, making the block's merged bounds checks (see
    /// `merge`) on the way.
    fn block_rest(&mut self, from: u32, end: u32, merging: bool) {
        for index in from..end {
            if merging && let Some(merge) = self.merges.remove(&index) {
                self.merge(index, merge, end);
                return;
            }
            self.instruction(index);
        }
        let last = self.f.instruction(end - 1).opcode;
        let falls_through = !last.ends_block() && !matches!(last, Opcode::Jz | Opcode::Jnz);
        if falls_through {
            if self.blocks.contains_key(&end) {
                let next = self.edge(end);
                self.b.ins().jump(next, &[]);
            } else {
                // Unreachable by the verifier's proof; stop defensively.
                let status = self.b.ins().iconst(I32, 1);
                self.exit_with(status);
            }
        }
    }

    /// Translates instruction `index`.
    fn instruction(&mut self, index: u32) {
        let Some(h) = self.height(index) else {
            return;
        };
        let instruction = self.f.instruction(index);
        let op = instruction.opcode;
        // `I32_ADD` of a value and a constant is noted (see `Tx::derived`).
        let sum = (op == Opcode::I32Add && self.limbs.is_none() && h >= 2)
            .then(|| (self.get(h - 2), self.get(h - 1)));
        if self.word_op(index, op, h) || self.typed_op(index, op, h) || self.simd_op(index, op, h) {
            if let Some((x, y)) = sum {
                self.note_sum(x, y, h - 2);
            }
            return;
        }
        match (op, &instruction.operand) {
            (Opcode::Nop, _) => {}
            (Opcode::Jmp, _) => {
                let target = self.f.target(index).map(|t| self.edge(t));
                match target {
                    Some(block) => {
                        self.b.ins().jump(block, &[]);
                    }
                    None => self.step(index, h),
                }
            }
            (Opcode::Jz | Opcode::Jnz, _) => {
                let c = self.truth(h - 1);
                let taken = self.f.target(index).map(|t| self.edge(t));
                let next = self
                    .blocks
                    .contains_key(&(index + 1))
                    .then(|| self.edge(index + 1));
                match (taken, next) {
                    (Some(taken), Some(next)) => {
                        let (nonzero, zero) = (next, taken);
                        let (then, other) = if op == Opcode::Jz {
                            (nonzero, zero)
                        } else {
                            (zero, nonzero)
                        };
                        self.b.ins().brif(c, then, &[], other, &[]);
                    }
                    _ => self.step(index, h),
                }
            }
            (Opcode::JmpTable, _) => match self.f.jump_table(index) {
                Some(targets) if !targets.is_empty() => {
                    let top = self.get(h - 1);
                    let i = self.low32(top);
                    let (default, rest) = targets.split_last().expect("non-empty");
                    let default = self.edge(*default);
                    let default = self.b.func.dfg.block_call(default, &[]);
                    let table: Vec<_> = rest
                        .iter()
                        .map(|&t| {
                            let block = self.edge(t);
                            self.b.func.dfg.block_call(block, &[])
                        })
                        .collect();
                    let jt = self
                        .b
                        .create_jump_table(JumpTableData::new(default, &table));
                    self.b.ins().br_table(i, jt);
                }
                _ => self.step(index, h),
            },
            (Opcode::Call, Operand::Index(callee)) => self.call(index, h, *callee),
            (Opcode::CallIndirect, _) => self.call_indirect(index, h),
            (Opcode::Ret, _) if self.env.entries.is_some() => {
                let results = self.f.results();
                let mut out = vec![self.b.ins().iconst(I32, 0), self.b.use_var(self.fuel)];
                out.extend([self.ctx(), self.fp(), self.room()]);
                out.extend((h - results..h).map(|p| self.get(p)));
                self.b.ins().return_(&out);
            }
            (Opcode::Ret, _) => {
                // Ascending: a result never overwrites one not yet moved.
                let results = self.f.results();
                for k in 0..results {
                    let value = self.read_slot(self.base + h - results + k);
                    let offset = self.slot_offset(k);
                    let fp = self.fp();
                    self.write_limbs_or_word(fp, offset, &value);
                }
                let zero = self.b.ins().iconst(I32, 0);
                let fuel = self.b.use_var(self.fuel);
                self.b.ins().return_(&[zero, fuel]);
            }
            (Opcode::Push | Opcode::PushConst, _) => match self.f.pushed(index) {
                Some(values) => {
                    for (k, limbs) in values.into_iter().enumerate() {
                        let slot = self.base + h + k as u32;
                        let value = match self.limbs {
                            Some(n) => (0..n as usize)
                                .map(|i| {
                                    let limb = limbs.get(i).copied().unwrap_or(0);
                                    self.b.ins().iconst(I64, limb as i64)
                                })
                                .collect(),
                            None => vec![self.word_const(&limbs)],
                        };
                        self.write_slot(slot, &value);
                    }
                }
                None => self.step(index, h),
            },
            (Opcode::Pop, _) => {}
            (Opcode::Dup, _) => self.copy(h - 1, h),
            (Opcode::Swap, _) => {
                let a = self.read_slot(self.base + h - 2);
                let b = self.read_slot(self.base + h - 1);
                self.write_slot(self.base + h - 2, &b);
                self.write_slot(self.base + h - 1, &a);
            }
            (Opcode::Rot, _) => {
                let a = self.read_slot(self.base + h - 3);
                let b = self.read_slot(self.base + h - 2);
                let c = self.read_slot(self.base + h - 1);
                self.write_slot(self.base + h - 3, &b);
                self.write_slot(self.base + h - 2, &c);
                self.write_slot(self.base + h - 1, &a);
            }
            (Opcode::Over, _) => self.copy(h - 2, h),
            (Opcode::Pick, Operand::Depth(depth)) => self.copy(h - 1 - u32::from(*depth), h),
            (Opcode::LocalGet, Operand::Index(l)) => {
                let a = self.read_slot(*l);
                self.write_slot(self.base + h, &a);
            }
            (Opcode::LocalSet | Opcode::LocalTee, Operand::Index(l)) => {
                let a = self.read_slot(self.base + h - 1);
                self.write_slot(*l, &a);
            }
            (Opcode::GlobalGet, Operand::Index(g)) => {
                let a = self.read_global(*g);
                self.write_slot(self.base + h, &a);
            }
            (Opcode::GlobalSet, Operand::Index(g)) => {
                let a = self.read_slot(self.base + h - 1);
                self.write_global(*g, &a);
            }
            (Opcode::DropKeep, Operand::Pair(drop, keep)) => {
                for k in 0..*keep {
                    self.copy(h - keep + k, h - keep - drop + k);
                }
            }
            (
                Opcode::Load8U
                | Opcode::Load8S
                | Opcode::Load16U
                | Opcode::Load16S
                | Opcode::Load32U
                | Opcode::Load32S
                | Opcode::Load64U
                | Opcode::Load64S
                | Opcode::Load,
                Operand::Offset(offset),
            ) => self.word_load(index, h, op, *offset),
            (
                Opcode::Store8
                | Opcode::Store16
                | Opcode::Store32
                | Opcode::Store64
                | Opcode::Store,
                Operand::Offset(offset),
            ) => self.word_store(index, h, op, *offset),
            (Opcode::MemoryCopy | Opcode::MemoryFill, _)
                if self.limbs.is_none() && self.env.word != I128 =>
            {
                self.bulk_memory(index, h, op)
            }
            // Everything else runs in the precise interpreter: control that ends the run
            // (HALT, UNREACHABLE), host calls, system calls, crypto, BigInt, database,
            // tables, bulk memory and the allocator.
            _ => self.step(index, h),
        }
    }

    /// Copies operand `from` to operand `to`.
    fn copy(&mut self, from: u32, to: u32) {
        let a = self.read_slot(self.base + from);
        self.write_slot(self.base + to, &a);
    }
}

/// The blocks that read the interrupt flag after paying for themselves: every target of
/// a backward jump among `jumps` (see [`jumps`]), so that every loop reads it (the threaded engine
/// reads it at the run's first block and then once per chunk of fuel; reading it at
/// every block only cost time). The entry reads it too, once per `LEVEL` calls (see
/// [`Tx::charge`]).
fn loop_heads(jumps: &[(u32, u32)]) -> HashSet<u32> {
    jumps
        .iter()
        .filter(|&&(from, to)| to <= from)
        .map(|&(_, to)| to)
        .collect()
}

/// Every jump of a reachable instruction of `f`, as `(from, to)`.
fn jumps(f: &NativeFunction<'_>, shape: &StackShape) -> Vec<(u32, u32)> {
    let mut jumps = Vec::new();
    for index in (0..f.len()).filter(|&i| shape.heights[i as usize].is_some()) {
        match (f.target(index), f.jump_table(index)) {
            (Some(target), _) => jumps.push((index, target)),
            (None, Some(table)) => jumps.extend(table.iter().map(|&t| (index, t))),
            (None, None) => {}
        }
    }
    jumps
}

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

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::types::{F32, F64, I8, I16, I32, I64, I128};
use cranelift_codegen::ir::{
    self, AbiParam, Block, BlockArg, FuncRef, Inst, InstBuilder, JumpTableData, MemFlagsData,
    SigRef, Signature, StackSlot, StackSlotData, StackSlotKind, Type, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, Variable};
use dotvm_core::Opcode;
use dotvm_core::compare::{Compared, Comparison};
use dotvm_core::instruction::Operand;
use dotvm_core::verify::StackShape;
use dotvm_vm::native_abi::{
    Hooks, NativeCtx, NativeFunction, TRAP_CALL_DEPTH, TRAP_NATIVE_STACK, TRAP_STACK_OVERFLOW,
    TableView, word_binary_code, word_unary_code,
};
use std::collections::{HashMap, HashSet};

mod loops;
mod simd;

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

/// The signature of every compiled function: `(ctx, fp, fuel, room) -> (status, fuel)`.
/// The fuel left and the call levels left (`room`: the call-depth limit less one less
/// the depth of the function's frame, see [`room`]) travel in registers between compiled
/// functions; the context's copies of the fuel and depth are written only for the bridge
/// calls that read them. Rust enters compiled code through [`trampoline`].
pub(crate) fn function_signature(ptr: Type, call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(I64));
    sig.params.push(AbiParam::new(I64));
    sig.returns.push(AbiParam::new(I32));
    sig.returns.push(AbiParam::new(I64));
    sig
}

/// The signature of a function's register entry, through which compiled functions call
/// each other: `(ctx, fp, fuel, depth, params...) -> (status, fuel, ctx, fp, depth,
/// results...)`, the parameters and results as words (`word`), under Cranelift's `tail`
/// convention (more return registers than the host's). `fp` is still the function's
/// frame: the cold paths store there what the runtime reads. A normal return gives back
/// the context, frame and depth it was called with, so that its caller need not keep
/// its own in callee-saved registers across the call (it derives them from these). The
/// frame entry ([`function_signature`], built by [`frame_entry`]) is the runtime's way in.
pub(crate) fn register_signature(ptr: Type, word: Type, params: u32, results: u32) -> Signature {
    let mut sig = function_signature(ptr, CallConv::Tail);
    sig.params.extend((0..params).map(|_| AbiParam::new(word)));
    sig.returns
        .extend([AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(I64)]);
    sig.returns
        .extend((0..results).map(|_| AbiParam::new(word)));
    sig
}

/// Where a register entry's results start among its return values (after the status,
/// the fuel, the context, the frame and the depth: see [`register_signature`]).
const REGISTER_RESULTS: usize = 5;

/// What [`frame_entry`] needs.
pub(crate) struct FrameEntry {
    /// The machine word type.
    pub(crate) word: Type,
    /// The target's frontend configuration.
    pub(crate) frontend: TargetFrontendConfig,
    /// Parameter slots of the function.
    pub(crate) params: u32,
    /// The function's register entry, declared in the function being built.
    pub(crate) body: FuncRef,
}

/// Builds a function's frame entry into `b` (an empty function with
/// [`function_signature`]): reads the parameters from the frame, calls the register entry
/// and, when it returns normally, writes the results to `fp[0..results]`.
pub(crate) fn frame_entry(mut b: FunctionBuilder<'_>, e: FrameEntry) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let mut args = b.block_params(entry).to_vec();
    let fp = args[1];
    let slot = i64::from(e.word.bytes());
    for k in 0..e.params {
        let offset = (i64::from(k) * slot) as i32;
        args.push(b.ins().load(e.word, MemFlagsData::trusted(), fp, offset));
    }
    let call = b.ins().call(e.body, &args);
    let out = b.inst_results(call).to_vec();
    let (status, fuel) = (out[0], out[1]);
    let returned = b.create_block();
    let ended = b.create_block();
    b.ins().brif(status, ended, &[], returned, &[]);
    b.switch_to_block(returned);
    for (k, &value) in out[REGISTER_RESULTS..].iter().enumerate() {
        let offset = (k as i64 * slot) as i32;
        b.ins().store(MemFlagsData::trusted(), value, fp, offset);
    }
    b.ins().jump(ended, &[]);
    b.switch_to_block(ended);
    b.ins().return_(&[status, fuel]);
    b.seal_all_blocks();
    b.finalize(e.frontend);
}

/// The signature of the entry trampoline: `(ctx, fp, code) -> status`.
pub(crate) fn trampoline_signature(ptr: Type, call_conv: CallConv) -> Signature {
    bridge_signature(ptr, call_conv, &[true, true, true])
}

/// Builds the entry trampoline into `b` (an empty function with
/// [`trampoline_signature`]): calls the compiled function at `code` with the context's
/// fuel and depth and, when it returns normally, writes the fuel it left back.
pub(crate) fn trampoline(
    mut b: FunctionBuilder<'_>,
    ptr: Type,
    call_conv: CallConv,
    frontend: TargetFrontendConfig,
) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let [ctx, fp, code] = b.block_params(entry) else {
        unreachable!("the trampoline signature has three parameters");
    };
    let (ctx, fp, code) = (*ctx, *fp, *code);
    let fuel = b
        .ins()
        .load(I64, MemFlagsData::trusted(), ctx, NativeCtx::OFFSET_FUEL);
    let depth = b
        .ins()
        .load(I64, MemFlagsData::trusted(), ctx, NativeCtx::OFFSET_DEPTH);
    let max = b.ins().load(
        I64,
        MemFlagsData::trusted(),
        ctx,
        NativeCtx::OFFSET_MAX_DEPTH,
    );
    let room = room(&mut b, max, depth);
    let sig = b.import_signature(function_signature(ptr, call_conv));
    let call = b.ins().call_indirect(sig, code, &[ctx, fp, fuel, room]);
    let (status, left) = (b.inst_results(call)[0], b.inst_results(call)[1]);
    let returned = b.create_block();
    let ended = b.create_block();
    b.ins().brif(status, ended, &[], returned, &[]);
    b.switch_to_block(returned);
    b.ins()
        .store(MemFlagsData::trusted(), left, ctx, NativeCtx::OFFSET_FUEL);
    b.ins().jump(ended, &[]);
    b.switch_to_block(ended);
    b.ins().return_(&[status]);
    b.seal_all_blocks();
    b.finalize(frontend);
}

/// The calls between two reads of the interrupt flag at function entries (see
/// [`room`]): a power of two.
const LEVEL: i64 = 256;

/// The call levels left to a frame at call depth `depth` under the call-depth limit
/// `max`, as compiled functions pass them, with a countdown of calls below it:
/// `(max - 1 - depth) * LEVEL + countdown`, signed (with `max` taken as at most
/// `i64::MAX / LEVEL`, beyond any reachable depth), so that a call from the frame would
/// reach the limit (`depth + 1 >= max`, the interpreter's test) exactly when it is below
/// `LEVEL`. Each call passes `LEVEL + 1` less: one level and one count. Register entries
/// return it with their results, the countdown as their own calls left it, and a caller
/// takes that back plus one level, so the countdown counts every call of the run; a
/// function entry that finds it at zero reads the interrupt flag and sets it back to
/// `LEVEL - 1`. Entering compiled code from the runtime starts it at zero: the first
/// function reads the flag.
fn room(b: &mut FunctionBuilder<'_>, max: Value, depth: Value) -> Value {
    let max = capped_max(b, max);
    let left = b.ins().isub(max, depth);
    let left = b.ins().iadd_imm_s(left, -1);
    b.ins().imul_imm_s(left, LEVEL)
}

/// The call depth of a frame with `room` call levels left under the limit `max`: the
/// inverse of [`room`] (the countdown left out).
fn depth_of(b: &mut FunctionBuilder<'_>, max: Value, room: Value) -> Value {
    let max = capped_max(b, max);
    let levels = b.ins().sshr_imm_s(room, i64::from(LEVEL.trailing_zeros()));
    let depth = b.ins().isub(max, levels);
    b.ins().iadd_imm_s(depth, -1)
}

/// The call-depth limit `max` as [`room`] takes it: at most `i64::MAX / LEVEL`.
fn capped_max(b: &mut FunctionBuilder<'_>, max: Value) -> Value {
    let cap = b.ins().iconst(I64, i64::MAX / LEVEL);
    b.ins().umin(max, cap)
}

/// The signature of `Hooks::step`: `(ctx, func, index, fp, height) -> status`.
fn step_signature(ptr: Type, call_conv: CallConv) -> Signature {
    bridge_signature(ptr, call_conv, &[true, false, false, true, false])
}

/// The signature of [`saving_step`], under `preserve_all`: the address of a
/// [`StepPacket`] in the caller's frame (a `preserve_all` function returns no values).
pub(crate) fn saving_step_signature(ptr: Type) -> Signature {
    let mut sig = Signature::new(CallConv::PreserveAll);
    sig.params.push(AbiParam::new(ptr));
    sig
}

/// The layout of the stack slot through which a cold path passes [`Hooks::step`]'s
/// arguments to [`saving_step`] and gets its status back: one register argument, its
/// address, so a cold step claims one register of the fast path's, not six (every value
/// live across a guarded instruction of a loop must stay out of the registers its cold
/// path passes arguments in).
struct StepPacket;

impl StepPacket {
    /// The context pointer.
    const CTX: i32 = 0;
    /// The frame pointer.
    const FP: i32 = 8;
    /// The function index (`u32`).
    const FUNC: i32 = 16;
    /// The instruction index (`u32`).
    const INDEX: i32 = 20;
    /// The operand height (`u32`).
    const HEIGHT: i32 = 24;
    /// The status `Hooks::step` returned (`u32`), written by [`saving_step`].
    const STATUS: i32 = 28;
    /// The slot's size in bytes.
    const BYTES: u32 = 32;
}

/// Builds into `b` (an empty function with [`saving_step_signature`]) a call of
/// `Hooks::step` that preserves every register: the cold paths of guarded instructions
/// call it, so the values live across those paths stay in registers on the fast path
/// (a call that clobbers the caller-saved registers, every float register included, made
/// the register allocator spill them around the whole loop).
pub(crate) fn saving_step(
    mut b: FunctionBuilder<'_>,
    ptr: Type,
    call_conv: CallConv,
    frontend: TargetFrontendConfig,
    step: *const u8,
) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let packet = b.block_params(entry)[0];
    let field = |b: &mut FunctionBuilder<'_>, ty: Type, offset: i32| {
        b.ins().load(ty, MemFlagsData::trusted(), packet, offset)
    };
    let args = [
        field(&mut b, ptr, StepPacket::CTX),
        field(&mut b, I32, StepPacket::FUNC),
        field(&mut b, I32, StepPacket::INDEX),
        field(&mut b, ptr, StepPacket::FP),
        field(&mut b, I32, StepPacket::HEIGHT),
    ];
    let sig = b.import_signature(step_signature(ptr, call_conv));
    let callee = b.ins().iconst(ptr, step as i64);
    let call = b.ins().call_indirect(sig, callee, &args);
    let status = b.inst_results(call)[0];
    b.ins()
        .store(MemFlagsData::trusted(), status, packet, StepPacket::STATUS);
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(frontend);
}

/// A function a compiled function calls directly (see [`Env::callee`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Callee {
    /// The compiled function of this index.
    Function(u32),
    /// The module's [`saving_step`].
    SavingStep,
}

/// A bridge signature: `ctx` and `fp`-like pointers where `ptrs` says so, else `u32`.
fn bridge_signature(ptr: Type, call_conv: CallConv, ptrs: &[bool]) -> Signature {
    let mut sig = Signature::new(call_conv);
    for &is_ptr in ptrs {
        sig.params
            .push(AbiParam::new(if is_ptr { ptr } else { I32 }));
    }
    sig.returns.push(AbiParam::new(I32));
    sig
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
    /// The call levels left to this function's frame (a parameter, see [`room`]). Like
    /// [`Tx::ctx`] and [`Tx::fp`], a variable: a register entry's callees return it (see
    /// [`register_signature`]), so that it is not kept across their calls.
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
    /// because a guarded access of this block checked them: the access traps otherwise.
    /// Cleared at every block start and whenever memory's size is read again but on the
    /// cold paths of guarded instructions (see [`Tx::address`], [`Tx::reload_memory`]).
    in_bounds: HashMap<Value, u64>,
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
    // ---- helpers ----

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

    /// The call levels left (see [`room`]).
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
        self.b.use_var(v)
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
            None => vec![self.b.use_var(self.vars[slot as usize])],
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

    /// Hands instruction `index` (operand height `height`) to the precise interpreter.
    /// Afterwards the operands are those the verifier proves for the next instruction;
    /// for an instruction after which control never falls through the function is left.
    fn step(&mut self, index: u32, height: u32) {
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
    fn guarded(&mut self, index: u32, height: u32, bad: Value, fast: impl FnOnce(&mut Self)) {
        self.guarded_any(index, height, &[bad], fast);
    }

    /// [`Tx::guarded`] on several conditions, any of which steps the instruction: one
    /// compare-and-branch each, which the host fuses (cheaper than combining the flags).
    fn guarded_any(
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
    fn checked(&mut self) {
        if let Some((addr, reach)) = self.checking.take() {
            let known = self.in_bounds.entry(addr).or_insert(reach);
            *known = (*known).max(reach);
        }
    }

    /// [`Tx::step`] on a cold path (its blocks are laid out away from the fast path).
    fn cold_step(&mut self, index: u32, height: u32) {
        self.cold = true;
        self.step(index, height);
        self.cold = false;
    }

    /// Branches to a new cold block when any of `bad` is set and goes on where none is;
    /// returns the cold block.
    fn branch_out(&mut self, bad: &[Value]) -> Block {
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        for &flag in bad {
            let next = self.b.create_block();
            self.b.ins().brif(flag, slow, &[], next, &[]);
            self.switch_sealed(next);
        }
        slow
    }

    /// A load at `index` whose result, of `kind`, is the `p`-th operand afterwards: the
    /// fast path `fast` (which returns the loaded value) inline, the instruction stepped in
    /// a cold block when any of `bad` is set. The result is written with [`Tx::put`] after
    /// both paths join, passed as a value of its type: a float stays in its float register
    /// for the users after the join (see [`Tx::floats`]).
    fn guarded_load(
        &mut self,
        index: u32,
        height: u32,
        bad: &[Value],
        (p, kind): (u32, Kind),
        fast: impl FnOnce(&mut Self) -> Value,
    ) {
        if bad.is_empty() {
            // Checked by an earlier access (see `Tx::in_bounds`).
            let value = fast(self);
            self.checked();
            self.put(p, kind, value);
            return;
        }
        let slow = self.branch_out(bad);
        let value = fast(self);
        let ty = self.b.func.dfg.value_type(value);
        let cont = self.b.create_block();
        self.b.append_block_param(cont, ty);
        self.b.ins().jump(cont, &[BlockArg::Value(value)]);
        self.switch_sealed(slow);
        self.cold_step(index, height);
        let stepped = self.typed(p, kind);
        self.b.ins().jump(cont, &[BlockArg::Value(stepped)]);
        self.switch_sealed(cont);
        self.checked();
        let value = self.b.block_params(cont)[0];
        self.put(p, kind, value);
    }

    /// A comparison result (`I8`) as a word 0 or 1.
    fn flag_word(&mut self, flag: Value) -> Value {
        self.b.ins().uextend(self.env.word, flag)
    }

    /// Reads the typed value whose (deepest) slot is operand `p`: on 32-bit words an i64
    /// or f64 is the pair `p` (low half), `p + 1` (high half), as the interpreter keeps it.
    fn typed(&mut self, p: u32, kind: Kind) -> Value {
        if self.width(kind) == 2 {
            let lo = self.get(p);
            let hi = self.get(p + 1);
            // (Cranelift's `iconcat` and `isplit` do not lower for 64 bits on every host.)
            let lo = self.b.ins().uextend(I64, lo);
            let hi = self.b.ins().uextend(I64, hi);
            let hi = self.b.ins().ishl_imm_u(hi, 32);
            let bits = self.b.ins().bor(hi, lo);
            return match kind {
                Kind::F64 => self.b.ins().bitcast(F64, MemFlagsData::new(), bits),
                _ => bits,
            };
        }
        if let Some((stored, _)) = self.float_of(p, kind) {
            return stored;
        }
        let w = self.get(p);
        match kind {
            Kind::I32 => self.low32(w),
            Kind::F32 => {
                let i = self.low32(w);
                self.b.ins().bitcast(F32, MemFlagsData::new(), i)
            }
            Kind::I64 => self.low64(w),
            Kind::F64 => {
                let i = self.low64(w);
                self.b.ins().bitcast(F64, MemFlagsData::new(), i)
            }
        }
    }

    /// The float of `kind` (stored, before canonicalisation) behind operand `p`'s slot
    /// value, when an earlier instruction of this block put it there (see [`Tx::floats`]).
    fn float_of(&mut self, p: u32, kind: Kind) -> Option<(Value, Value)> {
        if self.limbs.is_some() || self.width(kind) != 1 {
            return None;
        }
        let w = self.get(p);
        let &(stored, raw) = self.floats.get(&w)?;
        let ty = self.b.func.dfg.value_type(stored);
        ((kind, ty) == (Kind::F32, F32) || (kind, ty) == (Kind::F64, F64)).then_some((stored, raw))
    }

    /// Like [`Tx::typed`], for an operation whose result is the same for every NaN input
    /// (float arithmetic that canonicalises its NaN result, comparisons, truncations): a
    /// float put by this block is taken before its canonicalisation.
    fn typed_nan_blind(&mut self, p: u32, kind: Kind) -> Value {
        match self.float_of(p, kind) {
            Some((_, raw)) => raw,
            None => self.typed(p, kind),
        }
    }

    /// Writes the float result `raw` of `kind` of instruction `index` at operand `p`
    /// canonicalised (see [`Tx::canonical`]), remembering `raw` for
    /// [`Tx::typed_nan_blind`]. When the only reader of the result is a later instruction
    /// of the same block that gives every NaN input the same result (see
    /// [`Tx::read_nan_blind`]), nothing observes its NaN bits and it is written as it is.
    fn put_canonical(&mut self, index: u32, p: u32, kind: Kind, raw: Value) {
        if self.limbs.is_none() && self.width(kind) == 1 && self.read_nan_blind(index, p, kind) {
            self.put(p, kind, raw);
            return;
        }
        let stored = self.canonical(raw);
        self.put(p, kind, stored);
        if self.limbs.is_none() && self.width(kind) == 1 {
            let w = self.get(p);
            self.floats.insert(w, (stored, raw));
        }
    }

    /// True when operand `p`, a float of `kind` that instruction `index` put, is read
    /// next (and so, on a stack, only) by an instruction of the same block that takes it
    /// with [`Tx::typed_nan_blind`]: until then no instruction reads the slot (each reads
    /// only the top of the stack down to its pops), and no path leaves the block with it
    /// (the out-of-fuel paths run at block starts, steps store only their own operands).
    fn read_nan_blind(&self, index: u32, p: u32, kind: Kind) -> bool {
        for next in index + 1..self.f.block_end(index) {
            let Some(h) = self.height(next) else {
                return false;
            };
            let (pops, _) = self.env.shape.effects[next as usize];
            if p < h.saturating_sub(pops) {
                continue;
            }
            return p < h && nan_blind_operand(self.f.instruction(next).opcode) == Some(kind);
        }
        false
    }

    /// The low 32 bits of a word.
    fn low32(&mut self, w: Value) -> Value {
        if self.b.func.dfg.value_type(w) == I32 {
            w
        } else {
            self.b.ins().ireduce(I32, w)
        }
    }

    /// Writes the typed value `v` of `kind` with its (deepest) slot at operand `p` (see
    /// [`Tx::typed`]).
    fn put(&mut self, p: u32, kind: Kind, v: Value) {
        if self.width(kind) == 2 {
            let bits = match kind {
                Kind::F64 => self.b.ins().bitcast(I64, MemFlagsData::new(), v),
                _ => v,
            };
            let lo = self.b.ins().ireduce(I32, bits);
            let hi = self.b.ins().ushr_imm_u(bits, 32);
            let hi = self.b.ins().ireduce(I32, hi);
            self.set(p, lo);
            self.set(p + 1, hi);
        } else {
            let slot = self.slot_of(kind, v);
            self.set(p, slot);
        }
    }

    /// The low 64 bits of a word.
    fn low64(&mut self, w: Value) -> Value {
        if self.env.word == I64 {
            w
        } else {
            self.b.ins().ireduce(I64, w)
        }
    }

    /// A typed value as a word slot (zero-extended bits).
    fn slot_of(&mut self, kind: Kind, v: Value) -> Value {
        let bits = match kind {
            Kind::I32 | Kind::I64 => v,
            Kind::F32 => self.b.ins().bitcast(I32, MemFlagsData::new(), v),
            Kind::F64 => self.b.ins().bitcast(I64, MemFlagsData::new(), v),
        };
        let slot = if self.b.func.dfg.value_type(bits) == self.env.word {
            bits
        } else {
            self.b.ins().uextend(self.env.word, bits)
        };
        if matches!(kind, Kind::F32 | Kind::F64) {
            self.floats.insert(slot, (v, v));
        }
        slot
    }

    /// `v`, or the canonical NaN of its type when it is a NaN: a compare and a branch to a
    /// cold block that puts the NaN (a `select` made the fast path build the NaN constant
    /// and move it conditionally every time).
    fn canonical(&mut self, v: Value) -> Value {
        let ty = self.b.func.dfg.value_type(v);
        let is_nan = self.b.ins().fcmp(FloatCC::Unordered, v, v);
        let nan_block = self.b.create_block();
        self.b.set_cold_block(nan_block);
        let cont = self.b.create_block();
        if self.cold {
            self.b.set_cold_block(cont);
        }
        let result = self.b.append_block_param(cont, ty);
        self.b
            .ins()
            .brif(is_nan, nan_block, &[], cont, &[BlockArg::Value(v)]);
        self.switch_sealed(nan_block);
        let nan = if ty == F32 {
            self.b.ins().f32const(Ieee32::with_bits(0x7FC0_0000))
        } else {
            self.b
                .ins()
                .f64const(Ieee64::with_bits(0x7FF8_0000_0000_0000))
        };
        self.b.ins().jump(cont, &[BlockArg::Value(nan)]);
        self.switch_sealed(cont);
        result
    }

    /// The guest address operand `p` plus `offset` for an access of `n` bytes: the guest
    /// address of its first byte, and the conditions of which any is set when the access
    /// is outside memory (or, for a store, inside the read-only region), computed without
    /// wrapping. The caller builds the access guarded by them (a failing one traps). An
    /// address an earlier access of the block checked as far (see [`Tx::in_bounds`]) is
    /// not checked against memory's size again: a store back to the address just loaded
    /// from checks only the read-only region.
    fn address(&mut self, p: u32, offset: u32, n: u32, store: bool) -> (Value, Vec<Value>) {
        let addr = self.get(p);
        let reach = u64::from(offset) + u64::from(n);
        let known = self.limbs.is_none()
            && self
                .in_bounds
                .get(&addr)
                .is_some_and(|&known| known >= reach);
        if self.limbs.is_none() {
            self.checking = Some((addr, reach));
        }
        let mut bad = Vec::with_capacity(4);
        let lo = if let Some(limbs) = self.limbs {
            // The low limb is the address; any other bit set puts it outside memory.
            let slot = self.slot_offset(self.base + p);
            let fp = self.fp();
            let high = self.read_limbs(fp, slot + 8, limbs - 1);
            let high = self.or_all(&high);
            bad.push(self.b.ins().icmp_imm_s(IntCC::NotEqual, high, 0));
            addr
        } else if self.env.word == I32 {
            self.b.ins().uextend(I64, addr)
        } else if self.env.word == I128 {
            let lo = self.b.ins().ireduce(I64, addr);
            if !known {
                let hi = self.b.ins().ushr_imm_u(addr, 64);
                let hi = self.b.ins().ireduce(I64, hi);
                bad.push(self.b.ins().icmp_imm_s(IntCC::NotEqual, hi, 0));
            }
            lo
        } else {
            addr
        };
        if !known {
            if self.env.word != I32 && !self.is_u32(lo) {
                // A 64-bit address plus the reach must not wrap (a 32-bit one cannot).
                let wraps = self.b.ins().icmp_imm_u(
                    IntCC::UnsignedGreaterThan,
                    lo,
                    (u64::MAX - reach) as i64,
                );
                bad.push(wraps);
            }
            let end = self.b.ins().iadd_imm_s(lo, reach as i64);
            let len = self.b.use_var(self.mem_len);
            bad.push(self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len));
        }
        let start = self.b.ins().iadd_imm_s(lo, i64::from(offset));
        if store {
            let ro_end = self.b.use_var(self.ro_end);
            bad.push(self.b.ins().icmp(IntCC::UnsignedLessThan, start, ro_end));
        }
        (start, bad)
    }

    /// True when `v` is a 32-bit value zero-extended (as typed i32 results are in their
    /// slots), so that adding a 33-bit reach to it cannot wrap 64 bits.
    fn is_u32(&self, v: Value) -> bool {
        let dfg = &self.b.func.dfg;
        let Some(inst) = dfg.value_def(v).inst() else {
            return false;
        };
        dfg.insts[inst].opcode() == ir::Opcode::Uextend
            && dfg
                .inst_args(inst)
                .first()
                .is_some_and(|&arg| dfg.value_type(arg) == I32)
    }

    /// The host address of guest address `start` (checked).
    fn host_address(&mut self, start: Value) -> Value {
        let mem = self.b.use_var(self.mem_base);
        self.b.ins().iadd(mem, start)
    }

    // ---- structure ----

    /// Function entry: the native stack check, parameters from the frame, zeroed locals.
    fn prologue(&mut self) {
        let sp = self.b.ins().get_stack_pointer(self.env.ptr);
        let floor = self.ctx_fixed(self.env.ptr, NativeCtx::OFFSET_NATIVE_FLOOR);
        let low = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, floor);
        let overflow = self.b.create_block();
        let ok = self.b.create_block();
        self.b.set_cold_block(overflow);
        self.b.ins().brif(low, overflow, &[], ok, &[]);
        self.switch_sealed(overflow);
        let func = self.u32_const(self.env.func);
        let at = self.u32_const(0);
        let code = self.u32_const(TRAP_NATIVE_STACK);
        let args = [self.ctx(), func, at, code];
        self.fuel_out();
        let status = self.call_hook(self.env.hooks.trap, self.sigs.four, &args);
        self.exit_with(status);
        self.switch_sealed(ok);
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
                for index in start..end {
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
                self.loop_exits();
            }
            start = end;
        }
    }

    /// Charges the block `start..end` (operand height `height` at its start), as the
    /// interpreter's fast mode does, and at a loop head reads the interrupt flag, at the
    /// function's entry once every `LEVEL` calls of the run (see [`room`]).
    fn charge(&mut self, start: u32, end: u32, height: u32) {
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
    fn interrupt_check(&mut self, start: u32) {
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
        let raised = self.b.create_block();
        let run = self.b.create_block();
        self.b.set_cold_block(raised);
        self.b.ins().brif(flag, raised, &[], run, &[]);
        self.switch_sealed(raised);
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
    fn short_block(&mut self) -> Block {
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

    // ---- instructions ----

    /// Translates instruction `index`.
    fn instruction(&mut self, index: u32) {
        let Some(h) = self.height(index) else {
            return;
        };
        let instruction = self.f.instruction(index);
        let op = instruction.opcode;
        if self.word_op(index, op, h) || self.typed_op(index, op, h) || self.simd_op(index, op, h) {
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

    /// `MEMORY_COPY` or `MEMORY_FILL` at `index` on 32- or 64-bit words: a direct call to
    /// the interpreter's memory code, the instruction stepped when it would trap.
    fn bulk_memory(&mut self, index: u32, h: u32, op: Opcode) {
        let mut args = vec![self.ctx()];
        for p in h - 3..h {
            let w = self.get(p);
            let w = if self.env.word == I64 {
                w
            } else {
                self.b.ins().uextend(I64, w)
            };
            args.push(w);
        }
        let hook = if op == Opcode::MemoryCopy {
            self.env.hooks.memory_copy
        } else {
            self.env.hooks.memory_fill
        };
        let status = self.call_hook(hook, self.sigs.memory, &args);
        self.guarded(index, h, status, |_| {});
    }

    /// Copies operand `from` to operand `to`.
    fn copy(&mut self, from: u32, to: u32) {
        let a = self.read_slot(self.base + from);
        self.write_slot(self.base + to, &a);
    }

    /// `CALL callee` at `index`.
    fn call(&mut self, index: u32, h: u32, callee: u32) {
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
    fn register_results(&mut self, call: Inst, first: u32) {
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

    /// The stack slot of [`saving_step`]'s [`StepPacket`], made on first use.
    fn packet_slot(&mut self) -> StackSlot {
        *self.packet.get_or_insert_with(|| {
            self.b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                StepPacket::BYTES,
                3,
            ))
        })
    }

    /// The `FuncRef` of `callee`, declared in this function on first use.
    fn direct(&mut self, callee: Callee) -> FuncRef {
        if let Some(&fref) = self.callees.get(&callee) {
            return fref;
        }
        let fref = (self.env.callee)(callee, &mut self.b);
        self.callees.insert(callee, fref);
        fref
    }

    /// After the call `call` to compiled code: leaves the function when the run ended in
    /// it, else takes the fuel it left and reads memory's base and size again.
    fn returned(&mut self, call: Inst) {
        let (status, fuel) = (self.b.inst_results(call)[0], self.b.inst_results(call)[1]);
        self.exit_if(status);
        self.b.def_var(self.fuel, fuel);
        self.reload_memory();
    }

    /// The depth and stack checks of a call at `index` whose `params` arguments are the top
    /// operands below height `h`, raising the value stack's high-water mark; returns the
    /// callee's frame pointer.
    fn call_checks(&mut self, index: u32, h: u32, params: u32, frame: u32) -> Value {
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
        let deeper = self.b.create_block();
        let within = self.b.create_block();
        self.b.set_cold_block(deeper);
        self.b.ins().brif(beyond, deeper, &[], within, &[]);
        self.switch_sealed(deeper);
        let overflow = self.overflows(frame_end);
        self.limit_trap(index, overflow, TRAP_STACK_OVERFLOW);
        self.cold_here();
        self.ctx_store(frame_end, NativeCtx::OFFSET_STACK_PEAK);
        self.b.ins().jump(within, &[]);
        self.switch_sealed(within);
        callee_fp
    }

    /// A context field fixed for the run (the loads may be shared and hoisted).
    fn ctx_fixed(&mut self, ty: Type, offset: i32) -> Value {
        let fixed = MemFlagsData::trusted().with_readonly().with_can_move();
        let ctx = self.ctx();
        self.b.ins().load(ty, fixed, ctx, offset)
    }

    /// Set when one more call level would reach the call-depth limit.
    fn too_deep(&mut self) -> Value {
        let room = self.room();
        self.b.ins().icmp_imm_s(IntCC::SignedLessThan, room, LEVEL)
    }

    /// The [`room`] a callee gets: one level and one count less.
    fn deeper(&mut self) -> Value {
        let room = self.room();
        self.b.ins().iadd_imm_s(room, -(LEVEL + 1))
    }

    /// The end of a callee frame of `frame` slots (an `I64` value) at `callee_fp`.
    fn frame_end(&mut self, callee_fp: Value, frame: Value) -> Value {
        let bytes = self.b.ins().imul_imm_s(frame, self.wb);
        let bytes = if self.env.ptr == I64 {
            bytes
        } else {
            self.b.ins().ireduce(self.env.ptr, bytes)
        };
        self.b.ins().iadd(callee_fp, bytes)
    }

    /// Set when a frame ending at `frame_end` passes the value-stack limit.
    fn overflows(&mut self, frame_end: Value) -> Value {
        let stack_end = self.ctx_fixed(self.env.ptr, NativeCtx::OFFSET_STACK_END);
        self.b
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, frame_end, stack_end)
    }

    /// Set when a frame ending at `frame_end` ends beyond the value stack's high-water
    /// mark (which never passes the stack limit).
    fn beyond_peak(&mut self, frame_end: Value) -> Value {
        let peak = self.ctx_load(self.env.ptr, NativeCtx::OFFSET_STACK_PEAK);
        self.b
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, frame_end, peak)
    }

    /// Traps with `code` at `index` when `bad` is set.
    fn limit_trap(&mut self, index: u32, bad: Value, code: u32) {
        let trap = self.b.create_block();
        let ok = self.b.create_block();
        self.b.set_cold_block(trap);
        self.b.ins().brif(bad, trap, &[], ok, &[]);
        self.switch_sealed(trap);
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
    fn call_results(&mut self, first: u32, callee_fp: Value, results: u32) {
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
    fn call_indirect(&mut self, index: u32, h: u32) {
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
    fn call_indirect_rest(
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
    fn record(&mut self, callee: Value) -> Value {
        let at = self.table_entry(self.env.records.as_ptr() as i64, callee, 8);
        let fixed = MemFlagsData::trusted().with_readonly();
        self.b.ins().load(I64, fixed, at, 0)
    }

    /// The address of entry `i` (an `I64` value) of a table of `bytes`-byte entries at
    /// host address `table`.
    fn table_entry(&mut self, table: i64, i: Value, bytes: i64) -> Value {
        let table = self.b.ins().iconst(self.env.ptr, table);
        let offset = self.b.ins().imul_imm_s(i, bytes);
        let offset = if self.env.ptr == I64 {
            offset
        } else {
            self.b.ins().ireduce(self.env.ptr, offset)
        };
        self.b.ins().iadd(table, offset)
    }

    /// A word load at `index`.
    fn word_load(&mut self, index: u32, h: u32, op: Opcode, offset: u32) {
        let (ty, signed) = match op {
            Opcode::Load8U => (I8, false),
            Opcode::Load8S => (I8, true),
            Opcode::Load16U => (I16, false),
            Opcode::Load16S => (I16, true),
            Opcode::Load32U => (I32, false),
            Opcode::Load32S => (I32, true),
            Opcode::Load64U => (I64, false),
            Opcode::Load64S => (I64, true),
            _ => (self.env.word, false),
        };
        if self.limbs.is_some() || ty.bytes() > self.env.word.bytes() {
            // Wide words, and 64-bit accesses on 32-bit words: the interpreter's own code.
            self.step(index, h);
            return;
        }
        let (start, bad) = self.address(h - 1, offset, ty.bytes(), false);
        if ty == I64 && self.env.word == I64 && self.float_user(index, h - 1) {
            // A 64-bit word that an f64 operation reads next (wasm's `f64.load` becomes
            // `LOAD64_U`): loaded straight into a float register.
            self.guarded_load(index, h, &bad, (h - 1, Kind::F64), |tx| {
                let at = tx.host_address(start);
                tx.b.ins().load(F64, flags(), at, 0)
            });
            return;
        }
        self.guarded_any(index, h, &bad, |tx| {
            let at = tx.host_address(start);
            let raw = tx.b.ins().load(ty, flags(), at, 0);
            let value = if ty == tx.env.word {
                raw
            } else if signed {
                tx.b.ins().sextend(tx.env.word, raw)
            } else {
                tx.b.ins().uextend(tx.env.word, raw)
            };
            tx.set(h - 1, value);
        });
    }

    /// True when the instruction of this block that next reads operand `p` (left by the
    /// instruction at `index`) reads it as an f64 (arithmetic, comparison, conversion, or
    /// the value of `F64_STORE`).
    fn float_user(&self, index: u32, p: u32) -> bool {
        let end = self.f.block_end(index);
        for next in index + 1..end {
            let Some(height) = self.height(next) else {
                return false;
            };
            let (pops, _) = self.env.shape.effects[next as usize];
            if height - pops > p {
                continue;
            }
            // `next` reads operand `p`: as its top operand, or deeper.
            let op = self.f.instruction(next).opcode;
            let top = height - 1 == p;
            return match (typed_binary(op), typed_unary(op), truncation(op)) {
                (Some((Kind::F64, _, _)), _, _) => true,
                (_, Some((Kind::F64, _, _)), _) => true,
                (_, _, Some((Kind::F64, _, _, _))) => true,
                _ => op == Opcode::F64Store && top,
            };
        }
        false
    }

    /// A word store at `index`.
    fn word_store(&mut self, index: u32, h: u32, op: Opcode, offset: u32) {
        let ty = match op {
            Opcode::Store8 => I8,
            Opcode::Store16 => I16,
            Opcode::Store32 => I32,
            Opcode::Store64 => I64,
            _ => self.env.word,
        };
        if self.limbs.is_some() || ty.bytes() > self.env.word.bytes() {
            self.step(index, h);
            return;
        }
        let value = self.get(h - 1);
        // A float put by this block is stored from its float register.
        let value = match self.floats.get(&value) {
            Some(&(stored, _)) if self.b.func.dfg.value_type(stored).bytes() == ty.bytes() => {
                stored
            }
            _ => value,
        };
        let (start, bad) = self.address(h - 2, offset, ty.bytes(), true);
        self.guarded_any(index, h, &bad, |tx| {
            let at = tx.host_address(start);
            let narrow = if tx.b.func.dfg.value_type(value).bytes() == ty.bytes() {
                value
            } else {
                tx.b.ins().ireduce(ty, value)
            };
            tx.b.ins().store(flags(), narrow, at, 0);
        });
    }

    /// The word arithmetic, comparison and bitwise instructions done inline (the others,
    /// and the divisions on 128-bit words, are stepped by the caller's fallback). Returns
    /// false when `op` is not one of them.
    fn word_op(&mut self, index: u32, op: Opcode, h: u32) -> bool {
        if self.limbs.is_some() {
            return self.wide_word_op(index, op, h);
        }
        let word = self.env.word;
        let binary =
            |tx: &mut Self, f: &dyn Fn(&mut FunctionBuilder<'_>, Value, Value) -> Value| {
                let a = tx.get(h - 2);
                let b = tx.get(h - 1);
                let r = f(&mut tx.b, a, b);
                tx.set(h - 2, r);
            };
        let compare = |tx: &mut Self, cc: IntCC| {
            let a = tx.get(h - 2);
            let b = tx.get(h - 1);
            let c = tx.b.ins().icmp(cc, a, b);
            let r = tx.flag_word(c);
            tx.set(h - 2, r);
        };
        let unary = |tx: &mut Self, f: &dyn Fn(&mut FunctionBuilder<'_>, Value) -> Value| {
            let a = tx.get(h - 1);
            let r = f(&mut tx.b, a);
            tx.set(h - 1, r);
        };
        if let Some((comparison, Compared::Word)) = Comparison::of(op) {
            compare(self, int_cc(comparison));
            return true;
        }
        match op {
            Opcode::Add => binary(self, &|b, x, y| b.ins().iadd(x, y)),
            Opcode::Sub => binary(self, &|b, x, y| b.ins().isub(x, y)),
            Opcode::Mul => binary(self, &|b, x, y| b.ins().imul(x, y)),
            Opcode::MulHiU if word == I64 => binary(self, &|b, x, y| b.ins().umulhi(x, y)),
            Opcode::MulHiS if word == I64 => binary(self, &|b, x, y| b.ins().smulhi(x, y)),
            Opcode::And => binary(self, &|b, x, y| b.ins().band(x, y)),
            Opcode::Or => binary(self, &|b, x, y| b.ins().bor(x, y)),
            Opcode::Xor => binary(self, &|b, x, y| b.ins().bxor(x, y)),
            Opcode::Shl => binary(self, &|b, x, y| b.ins().ishl(x, y)),
            Opcode::Shr => binary(self, &|b, x, y| b.ins().ushr(x, y)),
            Opcode::Sar => binary(self, &|b, x, y| b.ins().sshr(x, y)),
            Opcode::Rotl => binary(self, &|b, x, y| b.ins().rotl(x, y)),
            Opcode::Rotr => binary(self, &|b, x, y| b.ins().rotr(x, y)),
            Opcode::Neg => unary(self, &|b, x| b.ins().ineg(x)),
            Opcode::Not => unary(self, &|b, x| b.ins().bnot(x)),
            Opcode::Clz => unary(self, &|b, x| b.ins().clz(x)),
            Opcode::Ctz => unary(self, &|b, x| b.ins().ctz(x)),
            Opcode::Popcnt => unary(self, &|b, x| b.ins().popcnt(x)),
            Opcode::Eqz => {
                let a = self.get(h - 1);
                let c = self.b.ins().icmp_imm_s(IntCC::Equal, a, 0);
                let r = self.flag_word(c);
                self.set(h - 1, r);
            }
            _ => return false,
        }
        true
    }

    /// A word arithmetic, comparison or bitwise instruction on a word kept in the frame: a
    /// call to the bridge, which runs the interpreter's `Word` code on the slots in place
    /// (a failing one, a division that traps, is stepped). Returns false when `op` is not
    /// one of them (`ADDMOD` and `MULMOD` are stepped by the caller's fallback).
    fn wide_word_op(&mut self, index: u32, op: Opcode, h: u32) -> bool {
        let status = if let Some(code) = word_binary_code(op) {
            let a = self.slot_address(h - 2);
            let b = self.slot_address(h - 1);
            let code = self.u32_const(code);
            let hook = self.env.hooks.word_binary;
            self.call_hook(hook, self.sigs.word_binary, &[code, a, b])
        } else if let Some(code) = word_unary_code(op) {
            let a = self.slot_address(h - 1);
            let code = self.u32_const(code);
            let hook = self.env.hooks.word_unary;
            self.call_hook(hook, self.sigs.word_unary, &[code, a])
        } else {
            return false;
        };
        self.guarded(index, h, status, |_| {});
        true
    }

    /// The host address of operand `p`'s slot in the frame.
    fn slot_address(&mut self, p: u32) -> Value {
        let offset = self.slot_offset(self.base + p);
        let fp = self.fp();
        self.b.ins().iadd_imm_s(fp, i64::from(offset))
    }

    /// Integer division (word or typed) with its traps stepped: `x op y` on values of type
    /// `ty`, the result written as a `put` at operand `at`.
    fn division(
        &mut self,
        index: u32,
        h: u32,
        op: Division,
        (x, y): (Value, Value),
        at: u32,
        put: Kind,
    ) {
        let ty = self.b.func.dfg.value_type(x);
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
        let bad = if op == Division::DivS {
            let min = match ty {
                I32 => i64::from(i32::MIN),
                _ => i64::MIN,
            };
            let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
            let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
            let overflow = self.b.ins().band(is_min, minus_one);
            self.b.ins().bor(zero, overflow)
        } else {
            zero
        };
        self.guarded(index, h, bad, |tx| {
            let r = match op {
                Division::DivU => tx.b.ins().udiv(x, y),
                Division::DivS => tx.b.ins().sdiv(x, y),
                Division::RemU => tx.b.ins().urem(x, y),
                Division::RemS => {
                    // MIN rem -1 is 0: compute it without the overflowing division.
                    let minus_one = tx.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                    let one = tx.b.ins().iconst(ty, 1);
                    let divisor = tx.b.ins().select(minus_one, one, y);
                    let rem = tx.b.ins().srem(x, divisor);
                    let zero = tx.b.ins().iconst(ty, 0);
                    tx.b.ins().select(minus_one, zero, rem)
                }
            };
            tx.put(at, put, r);
        });
    }

    /// The typed instructions done inline. Returns false when `op` is not one of them.
    fn typed_op(&mut self, index: u32, op: Opcode, h: u32) -> bool {
        use Kind::{F32 as KF32, F64 as KF64, I32 as KI32, I64 as KI64};
        use Opcode as O;
        let word_div = |op: Opcode| match op {
            O::DivU => Some(Division::DivU),
            O::DivS => Some(Division::DivS),
            O::ModU => Some(Division::RemU),
            O::ModS => Some(Division::RemS),
            _ => None,
        };
        if let Some(division) = word_div(op) {
            let kind = match self.env.word {
                I32 if self.limbs.is_none() => KI32,
                I64 if self.limbs.is_none() => KI64,
                _ => return false,
            };
            let x = self.get(h - 2);
            let y = self.get(h - 1);
            self.division(index, h, division, (x, y), h - 2, kind);
            return true;
        }
        let int_div = |op: Opcode| match op {
            O::I32DivS => Some((KI32, Division::DivS)),
            O::I32DivU => Some((KI32, Division::DivU)),
            O::I32RemS => Some((KI32, Division::RemS)),
            O::I32RemU => Some((KI32, Division::RemU)),
            O::I64DivS => Some((KI64, Division::DivS)),
            O::I64DivU => Some((KI64, Division::DivU)),
            O::I64RemS => Some((KI64, Division::RemS)),
            O::I64RemU => Some((KI64, Division::RemU)),
            _ => None,
        };
        if let Some((kind, division)) = int_div(op) {
            let n = self.width(kind);
            let x = self.typed(h - 2 * n, kind);
            let y = self.typed(h - n, kind);
            self.division(index, h, division, (x, y), h - 2 * n, kind);
            return true;
        }
        if let Some((ty, signed, wide)) = typed_load(op) {
            let Operand::Offset(offset) = self.f.instruction(index).operand else {
                return false;
            };
            let (start, bad) = self.address(h - 1, offset, ty.bytes(), false);
            // Floats are loaded into float registers, where their users take them.
            let float = match op {
                O::F32Load => Some((KF32, F32)),
                O::F64Load => Some((KF64, F64)),
                _ => None,
            };
            if let Some((kind, fty)) = float {
                self.guarded_load(index, h, &bad, (h - 1, kind), |tx| {
                    let at = tx.host_address(start);
                    tx.b.ins().load(fty, flags(), at, 0)
                });
                return true;
            }
            self.guarded_any(index, h, &bad, |tx| {
                let at = tx.host_address(start);
                let raw = tx.b.ins().load(ty, flags(), at, 0);
                let target = if wide { I64 } else { I32 };
                let value = if ty == target {
                    raw
                } else if signed {
                    tx.b.ins().sextend(target, raw)
                } else {
                    tx.b.ins().uextend(target, raw)
                };
                tx.put(h - 1, if wide { KI64 } else { KI32 }, value);
            });
            return true;
        }
        if let Some((kind, ty)) = typed_store(op) {
            let Operand::Offset(offset) = self.f.instruction(index).operand else {
                return false;
            };
            let n = self.width(kind);
            // Floats are stored from their float registers (same size as `ty`).
            let bits = self.typed(h - n, kind);
            let (start, bad) = self.address(h - n - 1, offset, ty.bytes(), true);
            self.guarded_any(index, h, &bad, |tx| {
                let at = tx.host_address(start);
                let narrow = if tx.b.func.dfg.value_type(bits).bytes() == ty.bytes() {
                    bits
                } else {
                    tx.b.ins().ireduce(ty, bits)
                };
                tx.b.ins().store(flags(), narrow, at, 0);
            });
            return true;
        }
        if let Some((from, to, signed, sat)) = truncation(op) {
            let at = h - self.width(from);
            let x = self.typed_nan_blind(at, from);
            let ty = if to == KI32 { I32 } else { I64 };
            let convert = move |tx: &mut Self| {
                let r = if signed {
                    tx.b.ins().fcvt_to_sint_sat(ty, x)
                } else {
                    tx.b.ins().fcvt_to_uint_sat(ty, x)
                };
                tx.put(at, to, r);
            };
            if sat {
                convert(self);
            } else {
                let wide = if from == KF32 {
                    self.b.ins().fpromote(F64, x)
                } else {
                    x
                };
                let (low, high) = match (to, signed) {
                    (KI32, true) => (-2_147_483_648.0, 2_147_483_648.0),
                    (KI32, false) => (0.0, 4_294_967_296.0),
                    (_, true) => (-9_223_372_036_854_775_808.0, 9_223_372_036_854_775_808.0),
                    (_, false) => (0.0, 18_446_744_073_709_551_616.0),
                };
                let t = self.b.ins().trunc(wide);
                let nan = self.b.ins().fcmp(FloatCC::Unordered, wide, wide);
                let low = self.b.ins().f64const(low);
                let high = self.b.ins().f64const(high);
                let below = self.b.ins().fcmp(FloatCC::LessThan, t, low);
                let above = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, t, high);
                let out = self.b.ins().bor(below, above);
                let bad = self.b.ins().bor(nan, out);
                self.guarded(index, h, bad, convert);
            }
            return true;
        }
        // Integer comparisons, from the one comparison table.
        if let Some((comparison, compared @ (Compared::I32 | Compared::I64))) = Comparison::of(op) {
            let kind = if compared == Compared::I32 {
                KI32
            } else {
                KI64
            };
            let n = self.width(kind);
            let a = self.typed(h - 2 * n, kind);
            let b = self.typed(h - n, kind);
            let c = self.b.ins().icmp(int_cc(comparison), a, b);
            let c = self.b.ins().uextend(I32, c);
            self.put(h - 2 * n, KI32, c);
            return true;
        }
        // Plain unary and binary typed operations: (operand kind, result kind, builder).
        if let Some((kind, result, f)) = typed_binary(op) {
            let n = self.width(kind);
            let (a, b) = if matches!(result, Result_::Float(true) | Result_::Flag) {
                (
                    self.typed_nan_blind(h - 2 * n, kind),
                    self.typed_nan_blind(h - n, kind),
                )
            } else {
                (self.typed(h - 2 * n, kind), self.typed(h - n, kind))
            };
            let r = f(&mut self.b, a, b);
            match result {
                Result_::Flag => {
                    let c = self.b.ins().uextend(I32, r);
                    self.put(h - 2 * n, KI32, c);
                }
                Result_::Float(true) => self.put_canonical(index, h - 2 * n, kind, r),
                _ => self.put(h - 2 * n, kind, r),
            }
            return true;
        }
        if let Some((kind, result, f)) = typed_unary(op) {
            let at = h - self.width(kind);
            let (out_kind, canonical) = match result {
                Unary::Same(c) => (kind, c),
                Unary::To(k, c) => (k, c),
                Unary::Flag => (KI32, false),
            };
            let a = if canonical {
                self.typed_nan_blind(at, kind)
            } else {
                self.typed(at, kind)
            };
            let r = f(&mut self.b, a);
            if canonical {
                self.put_canonical(index, at, out_kind, r);
                return true;
            }
            let r = if result == Unary::Flag {
                self.b.ins().uextend(I32, r)
            } else {
                r
            };
            self.put(at, out_kind, r);
            return true;
        }
        match op {
            O::Select | O::Select64 => {
                // `n` slots each (two for a 64-bit value on 32-bit words), the condition on
                // top; every slot (or limb) is selected.
                let n = self.env.shape.effects[index as usize].1;
                let c = self.typed(h - 1, KI32);
                for k in 0..n {
                    let a = self.read_slot(self.base + h - 1 - 2 * n + k);
                    let b = self.read_slot(self.base + h - 1 - n + k);
                    let r: Vec<Value> = a
                        .into_iter()
                        .zip(b)
                        .map(|(a, b)| self.b.ins().select(c, a, b))
                        .collect();
                    self.write_slot(self.base + h - 1 - 2 * n + k, &r);
                }
                true
            }
            _ => false,
        }
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

/// The locals that instructions `start..end` (one block) read before setting them, in
/// ascending order: all the precise interpreter reads of the locals when it runs a prefix
/// of the block (only `LOCAL_GET` reads a local).
fn locals_read(f: &NativeFunction<'_>, start: u32, end: u32) -> Vec<u32> {
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

/// The kind of the float operands `op` reads with [`Tx::typed_nan_blind`] (its result is
/// the same for every NaN input), if it is such an operation: `Tx::typed_op`'s
/// truncations, canonicalising float arithmetic and float comparisons.
fn nan_blind_operand(op: Opcode) -> Option<Kind> {
    let kind = if let Some((from, ..)) = truncation(op) {
        from
    } else if let Some((kind, Result_::Float(true) | Result_::Flag, _)) = typed_binary(op) {
        kind
    } else if let Some((kind, Unary::Same(true) | Unary::To(_, true), _)) = typed_unary(op) {
        kind
    } else {
        return None;
    };
    matches!(kind, Kind::F32 | Kind::F64).then_some(kind)
}

/// The four integer divisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Division {
    /// Unsigned quotient.
    DivU,
    /// Signed quotient (traps on MIN / -1).
    DivS,
    /// Unsigned remainder.
    RemU,
    /// Signed remainder (MIN rem -1 = 0).
    RemS,
}

/// What a typed binary operation produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Result_ {
    /// A value of the operand kind; for floats, `true` when a NaN result is canonicalised.
    Float(bool),
    /// A value of the operand kind (integers).
    Same,
    /// A comparison flag (`I8`), pushed as an i32 0 or 1.
    Flag,
}

/// What a typed unary operation produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unary {
    /// A value of the operand kind; `true` when a NaN result is canonicalised.
    Same(bool),
    /// A value of another kind; `true` when a NaN result is canonicalised.
    To(Kind, bool),
    /// A test flag (`I8`), pushed as an i32 0 or 1.
    Flag,
}

/// Cranelift's condition for an integer comparison.
fn int_cc(comparison: Comparison) -> IntCC {
    match comparison {
        Comparison::Eq => IntCC::Equal,
        Comparison::Ne => IntCC::NotEqual,
        Comparison::LtU => IntCC::UnsignedLessThan,
        Comparison::LtS => IntCC::SignedLessThan,
        Comparison::GtU => IntCC::UnsignedGreaterThan,
        Comparison::GtS => IntCC::SignedGreaterThan,
        Comparison::LeU => IntCC::UnsignedLessThanOrEqual,
        Comparison::LeS => IntCC::SignedLessThanOrEqual,
        Comparison::GeU => IntCC::UnsignedGreaterThanOrEqual,
        Comparison::GeS => IntCC::SignedGreaterThanOrEqual,
    }
}

/// A binary builder.
type BinaryFn = fn(&mut FunctionBuilder<'_>, Value, Value) -> Value;
/// A unary builder.
type UnaryFn = fn(&mut FunctionBuilder<'_>, Value) -> Value;

/// The typed binary operations: operand kind, result, builder.
fn typed_binary(op: Opcode) -> Option<(Kind, Result_, BinaryFn)> {
    use Kind::{F32 as KF32, F64 as KF64, I32 as KI32, I64 as KI64};
    use Opcode as O;
    macro_rules! fcmp {
        ($cc:expr) => {
            (|b, x, y| b.ins().fcmp($cc, x, y)) as BinaryFn
        };
    }
    let int = |op: Opcode| -> Option<(Result_, BinaryFn)> {
        Some(match op {
            O::I32Add | O::I64Add => (Result_::Same, |b, x, y| b.ins().iadd(x, y)),
            O::I32Sub | O::I64Sub => (Result_::Same, |b, x, y| b.ins().isub(x, y)),
            O::I32Mul | O::I64Mul => (Result_::Same, |b, x, y| b.ins().imul(x, y)),
            O::I32And | O::I64And => (Result_::Same, |b, x, y| b.ins().band(x, y)),
            O::I32Or | O::I64Or => (Result_::Same, |b, x, y| b.ins().bor(x, y)),
            O::I32Xor | O::I64Xor => (Result_::Same, |b, x, y| b.ins().bxor(x, y)),
            O::I32Shl | O::I64Shl => (Result_::Same, |b, x, y| b.ins().ishl(x, y)),
            O::I32ShrS | O::I64ShrS => (Result_::Same, |b, x, y| b.ins().sshr(x, y)),
            O::I32ShrU | O::I64ShrU => (Result_::Same, |b, x, y| b.ins().ushr(x, y)),
            O::I32Rotl | O::I64Rotl => (Result_::Same, |b, x, y| b.ins().rotl(x, y)),
            O::I32Rotr | O::I64Rotr => (Result_::Same, |b, x, y| b.ins().rotr(x, y)),
            _ => return None,
        })
    };
    let float = |op: Opcode| -> Option<(Result_, BinaryFn)> {
        Some(match op {
            O::F32Eq | O::F64Eq => (Result_::Flag, fcmp!(FloatCC::Equal)),
            O::F32Ne | O::F64Ne => (Result_::Flag, fcmp!(FloatCC::NotEqual)),
            O::F32Lt | O::F64Lt => (Result_::Flag, fcmp!(FloatCC::LessThan)),
            O::F32Gt | O::F64Gt => (Result_::Flag, fcmp!(FloatCC::GreaterThan)),
            O::F32Le | O::F64Le => (Result_::Flag, fcmp!(FloatCC::LessThanOrEqual)),
            O::F32Ge | O::F64Ge => (Result_::Flag, fcmp!(FloatCC::GreaterThanOrEqual)),
            O::F32Add | O::F64Add => (Result_::Float(true), |b, x, y| b.ins().fadd(x, y)),
            O::F32Sub | O::F64Sub => (Result_::Float(true), |b, x, y| b.ins().fsub(x, y)),
            O::F32Mul | O::F64Mul => (Result_::Float(true), |b, x, y| b.ins().fmul(x, y)),
            O::F32Div | O::F64Div => (Result_::Float(true), |b, x, y| b.ins().fdiv(x, y)),
            O::F32Min | O::F64Min => (Result_::Float(true), |b, x, y| b.ins().fmin(x, y)),
            O::F32Max | O::F64Max => (Result_::Float(true), |b, x, y| b.ins().fmax(x, y)),
            O::F32Copysign | O::F64Copysign => {
                (Result_::Float(false), |b, x, y| b.ins().fcopysign(x, y))
            }
            _ => return None,
        })
    };
    let category = op.info().category;
    use dotvm_core::isa::Category;
    let (kind, (result, f)) = match category {
        Category::Int32 => (KI32, int(op)?),
        Category::Int64 => (KI64, int(op)?),
        Category::Float32 => (KF32, float(op)?),
        Category::Float64 => (KF64, float(op)?),
        _ => return None,
    };
    Some((kind, result, f))
}

/// The typed unary operations (tests, bit counts, float rounding, conversions that cannot
/// trap): operand kind, result, builder.
fn typed_unary(op: Opcode) -> Option<(Kind, Unary, UnaryFn)> {
    use Kind::{F32 as KF32, F64 as KF64, I32 as KI32, I64 as KI64};
    use Opcode as O;
    Some(match op {
        O::I32Eqz => (KI32, Unary::Flag, |b, x| {
            b.ins().icmp_imm_s(IntCC::Equal, x, 0)
        }),
        O::I64Eqz => (KI64, Unary::Flag, |b, x| {
            b.ins().icmp_imm_s(IntCC::Equal, x, 0)
        }),
        O::I32Clz => (KI32, Unary::Same(false), |b, x| b.ins().clz(x)),
        O::I32Ctz => (KI32, Unary::Same(false), |b, x| b.ins().ctz(x)),
        O::I32Popcnt => (KI32, Unary::Same(false), |b, x| b.ins().popcnt(x)),
        O::I64Clz => (KI64, Unary::Same(false), |b, x| b.ins().clz(x)),
        O::I64Ctz => (KI64, Unary::Same(false), |b, x| b.ins().ctz(x)),
        O::I64Popcnt => (KI64, Unary::Same(false), |b, x| b.ins().popcnt(x)),
        O::I32Extend8S => (KI32, Unary::Same(false), |b, x| {
            let n = b.ins().ireduce(I8, x);
            b.ins().sextend(I32, n)
        }),
        O::I32Extend16S => (KI32, Unary::Same(false), |b, x| {
            let n = b.ins().ireduce(I16, x);
            b.ins().sextend(I32, n)
        }),
        O::I64Extend8S => (KI64, Unary::Same(false), |b, x| {
            let n = b.ins().ireduce(I8, x);
            b.ins().sextend(I64, n)
        }),
        O::I64Extend16S => (KI64, Unary::Same(false), |b, x| {
            let n = b.ins().ireduce(I16, x);
            b.ins().sextend(I64, n)
        }),
        O::I64Extend32S => (KI64, Unary::Same(false), |b, x| {
            let n = b.ins().ireduce(I32, x);
            b.ins().sextend(I64, n)
        }),
        O::F32Abs => (KF32, Unary::Same(false), |b, x| b.ins().fabs(x)),
        O::F64Abs => (KF64, Unary::Same(false), |b, x| b.ins().fabs(x)),
        O::F32Neg => (KF32, Unary::Same(false), |b, x| b.ins().fneg(x)),
        O::F64Neg => (KF64, Unary::Same(false), |b, x| b.ins().fneg(x)),
        O::F32Ceil => (KF32, Unary::Same(true), |b, x| b.ins().ceil(x)),
        O::F64Ceil => (KF64, Unary::Same(true), |b, x| b.ins().ceil(x)),
        O::F32Floor => (KF32, Unary::Same(true), |b, x| b.ins().floor(x)),
        O::F64Floor => (KF64, Unary::Same(true), |b, x| b.ins().floor(x)),
        O::F32Trunc => (KF32, Unary::Same(true), |b, x| b.ins().trunc(x)),
        O::F64Trunc => (KF64, Unary::Same(true), |b, x| b.ins().trunc(x)),
        O::F32Nearest => (KF32, Unary::Same(true), |b, x| b.ins().nearest(x)),
        O::F64Nearest => (KF64, Unary::Same(true), |b, x| b.ins().nearest(x)),
        O::F32Sqrt => (KF32, Unary::Same(true), |b, x| b.ins().sqrt(x)),
        O::F64Sqrt => (KF64, Unary::Same(true), |b, x| b.ins().sqrt(x)),
        O::I32WrapI64 => (KI64, Unary::To(KI32, false), |b, x| b.ins().ireduce(I32, x)),
        O::I64ExtendI32S => (KI32, Unary::To(KI64, false), |b, x| b.ins().sextend(I64, x)),
        O::I64ExtendI32U => (KI32, Unary::To(KI64, false), |b, x| b.ins().uextend(I64, x)),
        O::F32ConvertI32S => (KI32, Unary::To(KF32, false), |b, x| {
            b.ins().fcvt_from_sint(F32, x)
        }),
        O::F32ConvertI32U => (KI32, Unary::To(KF32, false), |b, x| {
            b.ins().fcvt_from_uint(F32, x)
        }),
        O::F32ConvertI64S => (KI64, Unary::To(KF32, false), |b, x| {
            b.ins().fcvt_from_sint(F32, x)
        }),
        O::F32ConvertI64U => (KI64, Unary::To(KF32, false), |b, x| {
            b.ins().fcvt_from_uint(F32, x)
        }),
        O::F64ConvertI32S => (KI32, Unary::To(KF64, false), |b, x| {
            b.ins().fcvt_from_sint(F64, x)
        }),
        O::F64ConvertI32U => (KI32, Unary::To(KF64, false), |b, x| {
            b.ins().fcvt_from_uint(F64, x)
        }),
        O::F64ConvertI64S => (KI64, Unary::To(KF64, false), |b, x| {
            b.ins().fcvt_from_sint(F64, x)
        }),
        O::F64ConvertI64U => (KI64, Unary::To(KF64, false), |b, x| {
            b.ins().fcvt_from_uint(F64, x)
        }),
        O::F32DemoteF64 => (KF64, Unary::To(KF32, true), |b, x| b.ins().fdemote(F32, x)),
        O::F64PromoteF32 => (KF32, Unary::To(KF64, true), |b, x| b.ins().fpromote(F64, x)),
        O::I32ReinterpretF32 | O::F32ReinterpretI32 => (KI32, Unary::Same(false), |_, x| x),
        O::I64ReinterpretF64 | O::F64ReinterpretI64 => (KI64, Unary::Same(false), |_, x| x),
        _ => return None,
    })
}

/// The float-to-integer truncations: source kind, result kind, signed, saturating.
fn truncation(op: Opcode) -> Option<(Kind, Kind, bool, bool)> {
    use Kind::{F32 as KF32, F64 as KF64, I32 as KI32, I64 as KI64};
    use Opcode as O;
    Some(match op {
        O::I32TruncF32S => (KF32, KI32, true, false),
        O::I32TruncF32U => (KF32, KI32, false, false),
        O::I32TruncF64S => (KF64, KI32, true, false),
        O::I32TruncF64U => (KF64, KI32, false, false),
        O::I64TruncF32S => (KF32, KI64, true, false),
        O::I64TruncF32U => (KF32, KI64, false, false),
        O::I64TruncF64S => (KF64, KI64, true, false),
        O::I64TruncF64U => (KF64, KI64, false, false),
        O::I32TruncSatF32S => (KF32, KI32, true, true),
        O::I32TruncSatF32U => (KF32, KI32, false, true),
        O::I32TruncSatF64S => (KF64, KI32, true, true),
        O::I32TruncSatF64U => (KF64, KI32, false, true),
        O::I64TruncSatF32S => (KF32, KI64, true, true),
        O::I64TruncSatF32U => (KF32, KI64, false, true),
        O::I64TruncSatF64S => (KF64, KI64, true, true),
        O::I64TruncSatF64U => (KF64, KI64, false, true),
        _ => return None,
    })
}

/// The typed loads: memory type, sign-extending, 64-bit result.
fn typed_load(op: Opcode) -> Option<(Type, bool, bool)> {
    use Opcode as O;
    Some(match op {
        O::I32Load => (I32, false, false),
        O::F32Load => (I32, false, false),
        O::I64Load => (I64, false, true),
        O::F64Load => (I64, false, true),
        O::I32Load8S => (I8, true, false),
        O::I32Load8U => (I8, false, false),
        O::I32Load16S => (I16, true, false),
        O::I32Load16U => (I16, false, false),
        O::I64Load8S => (I8, true, true),
        O::I64Load8U => (I8, false, true),
        O::I64Load16S => (I16, true, true),
        O::I64Load16U => (I16, false, true),
        O::I64Load32S => (I32, true, true),
        O::I64Load32U => (I32, false, true),
        _ => return None,
    })
}

/// The typed stores: value kind, memory type.
fn typed_store(op: Opcode) -> Option<(Kind, Type)> {
    use Kind::{F32 as KF32, F64 as KF64, I32 as KI32, I64 as KI64};
    use Opcode as O;
    Some(match op {
        O::I32Store => (KI32, I32),
        O::I64Store => (KI64, I64),
        O::F32Store => (KF32, I32),
        O::F64Store => (KF64, I64),
        O::I32Store8 => (KI32, I8),
        O::I32Store16 => (KI32, I16),
        O::I64Store8 => (KI64, I8),
        O::I64Store16 => (KI64, I16),
        O::I64Store32 => (KI64, I32),
        _ => return None,
    })
}

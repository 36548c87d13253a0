//! Entries into compiled code and the signatures of the bridges: the frame entry, the
//! register entry's signature, the runtime's trampoline and the register-preserving step of
//! cold paths.

use super::levels::room;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{AbiParam, FuncRef, InstBuilder, MemFlagsData, Signature, Type};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::FunctionBuilder;
use dotvm_vm::native_abi::NativeCtx;

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
pub(super) const REGISTER_RESULTS: usize = 5;

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

/// The signature of `Hooks::step`: `(ctx, func, index, fp, height) -> status`.
pub(super) fn step_signature(ptr: Type, call_conv: CallConv) -> Signature {
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
///
/// [`Hooks::step`]: dotvm_vm::native_abi::Hooks::step
pub(super) struct StepPacket;

impl StepPacket {
    /// The context pointer.
    pub(super) const CTX: i32 = 0;
    /// The frame pointer.
    pub(super) const FP: i32 = 8;
    /// The function index (`u32`).
    pub(super) const FUNC: i32 = 16;
    /// The instruction index (`u32`).
    pub(super) const INDEX: i32 = 20;
    /// The operand height (`u32`).
    pub(super) const HEIGHT: i32 = 24;
    /// The status `Hooks::step` returned (`u32`), written by [`saving_step`].
    pub(super) const STATUS: i32 = 28;
    /// The slot's size in bytes.
    pub(super) const BYTES: u32 = 32;
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

/// A bridge signature: `ctx` and `fp`-like pointers where `ptrs` says so, else `u32`.
pub(super) fn bridge_signature(ptr: Type, call_conv: CallConv, ptrs: &[bool]) -> Signature {
    let mut sig = Signature::new(call_conv);
    for &is_ptr in ptrs {
        sig.params
            .push(AbiParam::new(if is_ptr { ptr } else { I32 }));
    }
    sig.returns.push(AbiParam::new(I32));
    sig
}

//! The JIT's side of the bridge: owning the code memory and entering compiled code. The
//! only `unsafe` code of this crate is here.

use cranelift_jit::JITModule;
use dotvm_core::{Imm, Verified};
use dotvm_vm::native_abi::{self, NativeProgram};
use dotvm_vm::{
    CallOutcome, Host, HostFunctions, Instance, Io, Limits, Outcome, RunError, StateStore,
};

/// Native stack reserved per allowed call level: compiled frames are far smaller, and the
/// entry check of every compiled function stops a run that would get within
/// [`STACK_MARGIN`] of the end.
const STACK_PER_CALL: usize = 4096;

/// Native stack kept free below the floor for bridge calls and the interpreter's steps.
const STACK_MARGIN: usize = 1 << 20;

/// Call levels the native stack is sized for; deeper limits still run (the entry check
/// traps first with a stack overflow if the native stack runs out).
const MAX_SIZED_DEPTH: usize = 1 << 20;

/// Compiled code: the Cranelift module that owns the executable memory (mapped W^X by
/// `cranelift-jit`: written, then made read-execute before any code runs) and the entry
/// address of each function.
pub(crate) struct Code {
    jit: Option<JITModule>,
    functions: Vec<*const u8>,
    /// The function records inline `CALL_INDIRECT`s read (`translate::function_record`),
    /// at an address built into the code: kept as long as the code.
    _records: Box<[u64]>,
    /// The register entries' addresses, read by inline `CALL_INDIRECT`s the same way.
    _entries: Box<[u64]>,
}

impl Code {
    /// Takes ownership of a finalised module, its functions' addresses and the tables its
    /// code reads.
    pub(crate) fn new(
        jit: JITModule,
        functions: Vec<*const u8>,
        records: Box<[u64]>,
        entries: Box<[u64]>,
    ) -> Code {
        Code {
            jit: Some(jit),
            functions,
            _records: records,
            _entries: entries,
        }
    }

    /// The entry address of each function, then the entry trampoline (the bridge
    /// contract's function table).
    pub(crate) fn functions(&self) -> &[*const u8] {
        &self.functions
    }

    /// Calls `f` with the native stack floor, on a native stack sized for `limits`.
    pub(crate) fn on_stack<R>(limits: &Limits, f: impl FnOnce(usize) -> R) -> R {
        let depth = limits.call_depth.min(MAX_SIZED_DEPTH);
        let size = STACK_MARGIN * 4 + depth * STACK_PER_CALL;
        stacker::grow(size, || {
            let marker = 0u8;
            let here = std::hint::black_box(&marker) as *const u8 as usize;
            let floor = match stacker::remaining_stack() {
                Some(left) => here.saturating_sub(left) + STACK_MARGIN,
                None => here.saturating_sub(size) + STACK_MARGIN,
            };
            f(floor)
        })
    }

    /// Runs the entry function on a native stack sized for the call-depth limit.
    pub(crate) fn run(
        &self,
        program: &NativeProgram,
        module: &Verified,
        limits: &Limits,
        io: &mut dyn Io,
        host: &mut Host,
        state: Option<&mut dyn StateStore>,
    ) -> Result<Outcome, RunError> {
        Self::on_stack(limits, |floor| {
            // SAFETY: `functions` are the finalised addresses of code compiled from
            // `program` with its hooks (see `crate::compile`), kept alive by `self.jit`
            // for the whole call; `floor` leaves `STACK_MARGIN` bytes of this stack
            // segment for the bridge; the caller checked `program.stack_fits(limits)`.
            unsafe { program.run(module, limits, io, host, state, &self.functions, floor) }
        })
    }

    /// Calls function `func` of `instance` (created from the module this code was compiled
    /// from, under `limits`) on a native stack sized for the call-depth limit.
    pub(crate) fn call(
        &self,
        limits: &Limits,
        instance: &mut Instance,
        func: u32,
        args: &[Imm],
        io: &mut dyn Io,
        imports: &mut dyn HostFunctions,
    ) -> Result<CallOutcome, RunError> {
        Self::on_stack(limits, |floor| {
            // SAFETY: as in `run`; the instance was created from the same module and
            // `JitInstance::new` checked that its limits fit the stack.
            unsafe {
                native_abi::call_instance(instance, func, args, io, imports, &self.functions, floor)
            }
        })
    }
}

impl Drop for Code {
    fn drop(&mut self) {
        if let Some(jit) = self.jit.take() {
            // SAFETY: nothing can run the code any more: the addresses in `functions` are
            // only used by `run` and `call`, which borrow `self`.
            unsafe { jit.free_memory() };
        }
    }
}

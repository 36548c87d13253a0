//! DotVM's compiled tier: verified DotVM bytecode to native code with Cranelift.
//!
//! [`compile`] translates every function of a verified module at load time (see
//! `translate.rs` for how the stack bytecode becomes Cranelift IR) and [`Compiled::run`]
//! runs the entry function on the interpreter's own machine through the bridge in
//! `dotvm_vm::native_abi`, so memory, globals, fuel, traps, system calls and every
//! instruction the compiler does not translate inline behave exactly as in the interpreter.
//! Every architecture is compiled: 32-, 64- and 128-bit words live in Cranelift integer
//! registers; 256- and 512-bit words stay in the frame, where the interpreter's own `Word`
//! code computes on them (see `translate.rs`).

mod native;
mod tiered;
mod translate;

pub use tiered::{Switch, Tiered, run_tiered};

use cranelift_codegen::ir::types::{I32, I64, I128};
use cranelift_codegen::ir::{Function, UserFuncName};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, isa::OwnedTargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{ArenaMemoryProvider, JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module as _, default_libcall_names};
use dotvm_core::Imm;
use dotvm_core::verify::stack_shape;
use dotvm_core::{Arch, Verified};
use dotvm_vm::LoadedModule;
use dotvm_vm::native_abi::NativeProgram;
use dotvm_vm::{
    CallOutcome, Host, HostFunctions, Instance, Io, Limits, LoadError, Outcome, RunError,
    StateStore,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Why a module could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JitError {
    /// The module could not be loaded (it cannot run under the interpreter either).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Compiling was cancelled (see [`compile_until`]).
    #[error("compiling was cancelled")]
    Cancelled,
    /// The host has no native code generator, or Cranelift rejected a function.
    #[error("native code generation failed{}: {message}", .function.as_ref().map(|f| format!(" for {f}")).unwrap_or_default())]
    Codegen {
        /// The function being compiled, if any.
        function: Option<String>,
        /// Cranelift's message.
        message: String,
    },
}

/// A module compiled to native code, ready to run any number of times.
pub struct Compiled {
    program: NativeProgram,
    code: native::Code,
    compile_time: Duration,
    bytecode_bytes: usize,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("arch", &self.program.arch())
            .field("functions", &self.program.function_count())
            .field("compile_time", &self.compile_time)
            .finish()
    }
}

/// Address space reserved for one module's native code (pages are committed only as code
/// is written): within the ±2 GiB that x86-64's pc-relative calls reach (AArch64's reach
/// ±128 MiB, more native code than any module compiled so far).
const CODE_RESERVE_BYTES: usize = 1 << 30;

/// The host's code generator.
fn host_isa() -> Result<OwnedTargetIsa, JitError> {
    let codegen = |message: String| JitError::Codegen {
        function: None,
        message,
    };
    let mut flags = settings::builder();
    flags
        .set("opt_level", "speed")
        .map_err(|e| codegen(e.to_string()))?;
    flags
        .set("preserve_frame_pointers", "true")
        .map_err(|e| codegen(e.to_string()))?;
    // Cranelift checks its own IR before compiling each function: about 8% of the compile
    // time in a release build (`perf`, docs/jit.md). Debug builds (the tests, where the
    // differential and spec suites run every translation) keep the check.
    flags
        .set(
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        )
        .map_err(|e| codegen(e.to_string()))?;
    // A function's register entry returns its results in registers; a function with more
    // results than the convention has return registers returns the rest in memory.
    flags
        .set("enable_multi_ret_implicit_sret", "true")
        .map_err(|e| codegen(e.to_string()))?;
    let builder = cranelift_native::builder().map_err(|e| codegen(e.to_string()))?;
    builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| codegen(e.to_string()))
}

/// Compiles every function of `module` to native code.
pub fn compile(module: &Verified) -> Result<Compiled, JitError> {
    compile_loaded(&LoadedModule::load(module)?)
}

/// Compiles every function of a loaded module to native code, from the executable form
/// it already holds (nothing is decoded or lowered again).
pub fn compile_loaded(loaded: &LoadedModule) -> Result<Compiled, JitError> {
    compile_until(loaded, &AtomicBool::new(false))
}

/// [`compile_loaded`], giving up with [`JitError::Cancelled`] once `cancel` is set (it is
/// read before each function: a tiered run whose program ended stops its compiler).
pub fn compile_until(loaded: &LoadedModule, cancel: &AtomicBool) -> Result<Compiled, JitError> {
    let started = Instant::now();
    let program = NativeProgram::of(loaded);
    let m = loaded.module();
    // The slot's Cranelift type; 256- and 512-bit slots stay in the frame as 64-bit limbs.
    let slot_bytes = program.slot_bytes();
    let (word, limbs) = match program.arch() {
        Arch::Arch32 => (I32, None),
        Arch::Arch64 => (I64, None),
        Arch::Arch128 => (I128, None),
        Arch::Arch256 | Arch::Arch512 => (I64, Some(slot_bytes / 8)),
    };
    let isa = host_isa()?;
    let ptr = isa.pointer_type();
    let call_conv = isa.default_call_conv();
    let frontend = isa.frontend_config();
    let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
    // All of a module's code goes into one reserved region, so that calls between its
    // functions (32-bit pc-relative) always reach: pages mapped one by one can land more
    // than 2 GiB apart, which made relocation panic (found by the jit_agree fuzz target).
    let arena =
        ArenaMemoryProvider::new_with_size(CODE_RESERVE_BYTES).map_err(|e| JitError::Codegen {
            function: None,
            message: format!("cannot reserve address space for code: {e}"),
        })?;
    builder.memory_provider(Box::new(arena));
    let mut jit = JITModule::new(builder);
    let signature = translate::function_signature(ptr, call_conv);
    let codegen = |func: u32, message: String| JitError::Codegen {
        function: Some(m.function_label(func)),
        message,
    };
    let ids = (0..program.function_count())
        .map(|func| {
            jit.declare_function(&format!("f{func}"), Linkage::Local, &signature)
                .map_err(|e| codegen(func, e.to_string()))
        })
        .collect::<Result<Vec<FuncId>, JitError>>()?;
    // Register entries (see `translate::register_signature`), for words that fit a
    // Cranelift integer: compiled functions call each other through them.
    let registers = (limbs.is_none())
        .then(|| {
            (0..program.function_count())
                .map(|func| {
                    let sig = program.function(func).map_or_else(
                        || translate::register_signature(ptr, word, 0, 0),
                        |f| translate::register_signature(ptr, word, f.params(), f.results()),
                    );
                    jit.declare_function(&format!("r{func}"), Linkage::Local, &sig)
                        .map_err(|e| codegen(func, e.to_string()))
                })
                .collect::<Result<Vec<FuncId>, JitError>>()
        })
        .transpose()?;
    // The register entries' addresses, read by inline `CALL_INDIRECT`s at an address
    // built into the code: filled in once the code is finalised, before it runs.
    let mut entries = vec![0u64; program.function_count() as usize].into_boxed_slice();
    let hooks = program.hooks();
    // `Hooks::step` keeping every register, for the cold paths (see `translate::saving_step`).
    let saving_step = jit
        .declare_function(
            "saving_step",
            Linkage::Local,
            &translate::saving_step_signature(ptr),
        )
        .map_err(|e| codegen(program.entry(), e.to_string()))?;
    // Read by inline `CALL_INDIRECT`s; owned by the code (see `native::Code`).
    let records = (0..program.function_count())
        .map(|func| {
            program.function(func).map_or(0, |f| {
                translate::function_record(f.type_id(), f.frame_slots())
            })
        })
        .collect::<Box<[u64]>>();
    let mut ctx = Context::new();
    let mut builder_ctx = FunctionBuilderContext::new();
    ctx.func = Function::with_name_signature(
        UserFuncName::user(2, 0),
        translate::saving_step_signature(ptr),
    );
    translate::saving_step(
        FunctionBuilder::new(&mut ctx.func, &mut builder_ctx),
        ptr,
        call_conv,
        frontend,
        hooks.step,
    );
    jit.define_function(saving_step, &mut ctx)
        .map_err(|e| codegen(program.entry(), format!("{e:?}")))?;
    for func in 0..program.function_count() {
        if cancel.load(Ordering::Relaxed) {
            return Err(JitError::Cancelled);
        }
        let Some(function) = program.function(func) else {
            continue;
        };
        let shape = stack_shape(m, func).map_err(|e| codegen(func, e.to_string()))?;
        let (params, results) = (function.params(), function.results());
        // The body goes into the register entry when there is one, else the frame entry.
        let (body, body_signature) = match &registers {
            Some(registers) => (
                registers[func as usize],
                translate::register_signature(ptr, word, params, results),
            ),
            None => (ids[func as usize], signature.clone()),
        };
        ctx.clear();
        ctx.func = Function::with_name_signature(UserFuncName::user(0, func), body_signature);
        let builder = FunctionBuilder::new(&mut ctx.func, &mut builder_ctx);
        let mut declare = |callee: translate::Callee, b: &mut FunctionBuilder<'_>| {
            let id = match (callee, &registers) {
                (translate::Callee::Function(callee), Some(registers)) => {
                    registers[callee as usize]
                }
                (translate::Callee::Function(callee), None) => ids[callee as usize],
                (translate::Callee::SavingStep, _) => saving_step,
            };
            jit.declare_func_in_func(id, b.func)
        };
        translate::translate(
            builder,
            function,
            translate::Env {
                func,
                word,
                limbs,
                slot_bytes,
                ptr,
                call_conv,
                hooks,
                shape: &shape,
                frontend,
                callee: &mut declare,
                records: &records,
                entries: registers.is_some().then_some(&entries[..]),
            },
        );
        jit.define_function(body, &mut ctx)
            .map_err(|e| codegen(func, format!("{e:?}")))?;
        if registers.is_some() {
            // The frame entry: the runtime's way in, a call of the register entry.
            ctx.clear();
            ctx.func =
                Function::with_name_signature(UserFuncName::user(3, func), signature.clone());
            let builder = FunctionBuilder::new(&mut ctx.func, &mut builder_ctx);
            let body = jit.declare_func_in_func(body, builder.func);
            translate::frame_entry(
                builder,
                translate::FrameEntry {
                    word,
                    frontend,
                    params,
                    body,
                },
            );
            jit.define_function(ids[func as usize], &mut ctx)
                .map_err(|e| codegen(func, format!("{e:?}")))?;
        }
    }
    // The entry trampoline, through which Rust enters every function (see
    // `translate::trampoline`): last in the function table.
    let trampoline = jit
        .declare_function(
            "enter",
            Linkage::Local,
            &translate::trampoline_signature(ptr, call_conv),
        )
        .map_err(|e| codegen(program.entry(), e.to_string()))?;
    ctx.clear();
    ctx.func = Function::with_name_signature(
        UserFuncName::user(1, 0),
        translate::trampoline_signature(ptr, call_conv),
    );
    translate::trampoline(
        FunctionBuilder::new(&mut ctx.func, &mut builder_ctx),
        ptr,
        call_conv,
        frontend,
    );
    jit.define_function(trampoline, &mut ctx)
        .map_err(|e| codegen(program.entry(), format!("{e:?}")))?;
    jit.finalize_definitions()
        .map_err(|e| codegen(program.entry(), e.to_string()))?;
    let functions = ids
        .iter()
        .chain([&trampoline])
        .map(|&id| jit.get_finalized_function(id))
        .collect();
    for (entry, &id) in entries.iter_mut().zip(registers.iter().flatten()) {
        *entry = jit.get_finalized_function(id) as u64;
    }
    let bytecode_bytes = m.functions.iter().map(|f| f.code.len()).sum();
    Ok(Compiled {
        program,
        code: native::Code::new(jit, functions, records, entries),
        compile_time: started.elapsed(),
        bytecode_bytes,
    })
}

impl Compiled {
    /// How long [`compile`] took.
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }

    /// Bytes of bytecode compiled.
    pub fn bytecode_bytes(&self) -> usize {
        self.bytecode_bytes
    }

    /// True when a run under `limits` can use the compiled code (its value stack is
    /// reserved up front and must fit `dotvm_vm::native_abi::MAX_STACK_BYTES`).
    pub fn supports(&self, limits: &Limits) -> bool {
        self.program.stack_fits(limits)
    }

    /// Runs the entry function of `module` (the module this was compiled from) like
    /// `dotvm_vm::run_hosted` without an inspector: same output, exit code, fuel, traps and
    /// final state. Fails with a [`RunError::Load`] when `limits` do not fit the compiled
    /// tier (see [`Compiled::supports`]).
    pub fn run(
        &self,
        module: &Verified,
        limits: &Limits,
        io: &mut dyn Io,
        host: &mut Host,
        state: Option<&mut dyn StateStore>,
    ) -> Result<Outcome, RunError> {
        if !self.supports(limits) {
            return Err(RunError::Load(LoadError::Inconsistent {
                func: None,
                pc: None,
                message: format!(
                    "the JIT cannot reserve a value stack of {} slots",
                    limits.stack_slots
                ),
            }));
        }
        self.code
            .run(&self.program, module, limits, io, host, state)
    }
}

/// A [`dotvm_vm::Instance`] whose calls run compiled code: a module loaded once whose
/// memory, globals and tables persist across calls (the WebAssembly spec runner's model).
/// It dereferences to the instance for everything but calls.
#[derive(Debug)]
pub struct JitInstance {
    instance: Instance,
    compiled: Compiled,
    limits: Limits,
}

impl JitInstance {
    /// Compiles `module` and instantiates it under `limits` (no code runs).
    pub fn new(module: &Verified, limits: &Limits) -> Result<JitInstance, JitError> {
        let compiled = compile(module)?;
        if !compiled.supports(limits) {
            return Err(JitError::Codegen {
                function: None,
                message: format!(
                    "the JIT cannot reserve a value stack of {} slots",
                    limits.stack_slots
                ),
            });
        }
        let instance = Instance::new(module, limits)?;
        Ok(JitInstance {
            instance,
            compiled,
            limits: limits.clone(),
        })
    }

    /// Calls function `func` with `args` like [`Instance::call`], in compiled code.
    pub fn call(
        &mut self,
        func: u32,
        args: &[Imm],
        io: &mut dyn Io,
        imports: &mut dyn HostFunctions,
    ) -> Result<CallOutcome, RunError> {
        self.compiled
            .code
            .call(&self.limits, &mut self.instance, func, args, io, imports)
    }
}

impl std::ops::Deref for JitInstance {
    type Target = Instance;

    fn deref(&self) -> &Instance {
        &self.instance
    }
}

impl std::ops::DerefMut for JitInstance {
    fn deref_mut(&mut self) -> &mut Instance {
        &mut self.instance
    }
}

/// Compiles `module` and runs it once (see [`Compiled::run`]).
pub fn run_hosted(
    module: &Verified,
    limits: &Limits,
    io: &mut dyn Io,
    host: &mut Host,
    state: Option<&mut dyn StateStore>,
) -> Result<Result<Outcome, RunError>, JitError> {
    let compiled = compile(module)?;
    Ok(compiled.run(module, limits, io, host, state))
}

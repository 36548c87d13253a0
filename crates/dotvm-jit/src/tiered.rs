//! Tiered runs (`dotvm run --engine auto`): the interpreter starts the program at once
//! while a compiler thread compiles the module; once the code is ready, every call the
//! interpreter makes runs compiled code (see `dotvm_vm::native_abi::TierSlot`). A short run
//! ends before the compiler does and stops it; a long one spends most of its time in
//! compiled code. Results are identical either way: both tiers charge the same fuel and
//! trap at the same instructions.

use crate::native::Code;
use crate::{JitError, compile_until};
use dotvm_vm::native_abi::{NativeProgram, TierSlot};
use dotvm_vm::{Host, Io, Limits, LoadedModule, Outcome, RunError, StateStore};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How the compiled tier took part in a tiered run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiered {
    /// How long compiling took, or why there was no compiled code: the run ended first
    /// ([`JitError::Cancelled`]; the compiler thread then stops at its next function
    /// without being waited for), or the host cannot compile the module.
    pub compiled: Result<Duration, JitError>,
    /// True when the run took the compiled code up: calls made after that ran natively.
    pub entered: bool,
}

/// When a tiered run's interpreter switches to compiled code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// Interpret at once while a compiler thread compiles; switch when it is done
    /// (`--engine auto`). Where the switch happens depends on timing; the results do not.
    WhenReady,
    /// Compile first, then run: the entry function interprets and everything it calls
    /// runs compiled. Deterministic; the tests use it to check the switch itself.
    AtFirstCall,
}

/// Runs the entry function of `loaded` like `dotvm_vm::run_hosted` without an inspector,
/// in the interpreter, switching to compiled code at calls as `switch` says. Same output,
/// exit code, instruction count, traps and final state as the interpreter (a trap inside
/// compiled code lists only its interpreted callers). When `limits` do not fit the
/// compiled tier ([`crate::Compiled::supports`]) it only interprets.
pub fn run_tiered(
    loaded: &LoadedModule,
    limits: &Limits,
    io: &mut dyn Io,
    host: &mut Host,
    state: Option<&mut dyn StateStore>,
    switch: Switch,
) -> (Result<Outcome, RunError>, Tiered) {
    let program = NativeProgram::of(loaded);
    if switch == Switch::AtFirstCall && program.stack_fits(limits) {
        return run_precompiled(loaded, &program, limits, io, host, state);
    }
    let slot = Arc::new(TierSlot::new());
    let cancel = Arc::new(AtomicBool::new(false));
    // Dropped when the run has returned: the compiler thread frees the code after that.
    let (run_over, wait_for_run) = mpsc::channel::<()>();
    let compiler = program.stack_fits(limits).then(|| {
        let (loaded, slot, cancel) = (loaded.clone(), Arc::clone(&slot), Arc::clone(&cancel));
        std::thread::Builder::new()
            .name("dotvm-jit".into())
            .spawn(move || {
                let compiled = compile_until(&loaded, &cancel)?;
                // SAFETY: the code was compiled from `loaded`'s program (the run's) with its
                // hooks; `compiled` owns it and is dropped only after the receive below
                // returns, which happens once the run has returned and dropped the sender;
                // the run's native stack floor comes from `Code::on_stack`, as for every
                // compiled run.
                unsafe { slot.publish(compiled.code.functions().to_vec()) };
                let _ = wait_for_run.recv();
                Ok(compiled.compile_time)
            })
    });
    let result = Code::on_stack(limits, |floor| {
        // SAFETY: `floor` comes from `Code::on_stack`, which sized this native stack for
        // `limits`; only code compiled from this program is published in `slot`, and only
        // when `program.stack_fits(limits)` (the compiler thread is not started otherwise).
        unsafe { program.run_tiered(loaded.verified(), limits, io, host, state, &slot, floor) }
    });
    cancel.store(true, Ordering::Relaxed);
    drop(run_over);
    let compiled = match compiler {
        None => Err(JitError::Codegen {
            function: None,
            message: format!(
                "the JIT cannot reserve a value stack of {} slots",
                limits.stack_slots
            ),
        }),
        Some(Err(error)) => Err(JitError::Codegen {
            function: None,
            message: format!("cannot start the compiler thread: {error}"),
        }),
        // A compiler still busy stops at its next function; the run does not wait for it.
        // (One that published its code only waits for the run's end, and returns at once.)
        Some(Ok(thread)) if !slot.published() && !thread.is_finished() => Err(JitError::Cancelled),
        Some(Ok(thread)) => thread.join().unwrap_or_else(|_| {
            Err(JitError::Codegen {
                function: None,
                message: "the compiler thread panicked".into(),
            })
        }),
    };
    let tiered = Tiered {
        compiled,
        entered: slot.adopted(),
    };
    (result, tiered)
}

/// [`run_tiered`] with [`Switch::AtFirstCall`]: compiles, then runs with the code published.
fn run_precompiled(
    loaded: &LoadedModule,
    program: &NativeProgram,
    limits: &Limits,
    io: &mut dyn Io,
    host: &mut Host,
    state: Option<&mut dyn StateStore>,
) -> (Result<Outcome, RunError>, Tiered) {
    let compiled = match crate::compile_loaded(loaded) {
        Ok(compiled) => compiled,
        Err(error) => {
            let result = Code::on_stack(limits, |floor| {
                // SAFETY: nothing is published in the empty slot.
                unsafe {
                    program.run_tiered(
                        loaded.verified(),
                        limits,
                        io,
                        host,
                        state,
                        &TierSlot::new(),
                        floor,
                    )
                }
            });
            let tiered = Tiered {
                compiled: Err(error),
                entered: false,
            };
            return (result, tiered);
        }
    };
    let slot = TierSlot::new();
    // SAFETY: compiled from `loaded`'s program with its hooks; `compiled` outlives the run
    // below; the floor comes from `Code::on_stack`; the caller checked the stack fits.
    unsafe { slot.publish(compiled.code.functions().to_vec()) };
    let result = Code::on_stack(limits, |floor| {
        // SAFETY: as above.
        unsafe { program.run_tiered(loaded.verified(), limits, io, host, state, &slot, floor) }
    });
    let tiered = Tiered {
        compiled: Ok(compiled.compile_time),
        entered: slot.adopted(),
    };
    (result, tiered)
}

//! Instances: a module loaded once whose memory, globals and tables persist across calls,
//! for embedders that call a module's functions one by one (the WebAssembly spec runner).

use crate::error::{LoadError, RunError};
use crate::exec::session::{self, CallEnv, Completion, Saved};
use crate::host::Host;
use crate::host_env::HostEnv;
use crate::imports::HostFunctions;
use crate::io::Io;
use crate::limits::Limits;
use crate::load::Program;
use crate::loaded::{AnyProgram, LoadedModule};
use crate::memory::LinearMemory;
use crate::state::StateStore;
use crate::word::Word;
use dotvm_core::{Imm, Module, Verified};
use ruint::aliases::{U256, U512};
use std::sync::Arc;

/// How a call on an [`Instance`] ended without a trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// The function returned these result slots (deepest first).
    Returned(Vec<Imm>),
    /// The program stopped the machine (`HALT` or the exit system call) with this code.
    Exited(i32),
}

/// A loaded module with persistent state. Creating one runs no code; call the entry
/// function (or any other) with [`Instance::call`].
#[derive(Debug)]
pub struct Instance {
    pub(crate) inner: Inner,
    pub(crate) limits: Limits,
    /// Whether the module declares a memory.
    has_memory: bool,
}

/// The word-specific part.
#[derive(Debug)]
pub(crate) enum Inner {
    A32(Box<Parts<u32>>),
    A64(Box<Parts<u64>>),
    A128(Box<Parts<u128>>),
    A256(Box<Parts<U256>>),
    A512(Box<Parts<U512>>),
}

/// Runs `$body` with `$parts` bound to the word-specific part of `$inner`.
macro_rules! with_parts {
    ($inner:expr, $parts:ident => $body:expr) => {
        match $inner {
            Inner::A32($parts) => $body,
            Inner::A64($parts) => $body,
            Inner::A128($parts) => $body,
            Inner::A256($parts) => $body,
            Inner::A512($parts) => $body,
        }
    };
}

/// What one call runs with: the embedder's [`HostEnv`], whose host is optional here.
struct CallSide<'a> {
    io: &'a mut dyn Io,
    host: Option<&'a mut Host>,
    imports: &'a mut dyn HostFunctions,
    state: Option<&'a mut dyn StateStore>,
}

/// A program and its state (absent only after a call lost it, which cannot happen).
#[derive(Debug)]
pub(crate) struct Parts<W> {
    pub(crate) program: Arc<Program<W>>,
    pub(crate) saved: Option<Saved<W>>,
    /// The host of calls that bring none (default capabilities).
    pub(crate) host: Host,
}

impl<W: Word> Parts<W> {
    /// Takes over `old`'s state; false when either state is missing.
    fn adopt(&mut self, old: &Parts<W>, memory: bool) -> bool {
        match (&mut self.saved, &old.saved) {
            (Some(new), Some(old)) => {
                new.adopt(old, memory);
                true
            }
            _ => false,
        }
    }

    fn new(program: &Arc<Program<W>>, module: &Module, limits: &Limits) -> Result<Self, LoadError> {
        let program = Arc::clone(program);
        let saved = Saved::new(&program, module, limits)?;
        Ok(Parts {
            program,
            saved: Some(saved),
            host: Host::default(),
        })
    }

    /// Calls `func`; `env.host` replaces the instance's own default host when given.
    fn call(
        &mut self,
        limits: &Limits,
        env: CallSide<'_>,
        func: u32,
        args: &[Imm],
    ) -> Result<CallOutcome, RunError> {
        let args = args
            .iter()
            .map(|a| {
                W::from_imm_checked(a).ok_or_else(|| LoadError::Inconsistent {
                    func: Some(func),
                    pc: None,
                    message: format!("argument {a:#x} does not fit a {}-bit word", W::BITS),
                })
            })
            .collect::<Result<Vec<W>, LoadError>>()?;
        let env = CallEnv {
            limits,
            io: env.io,
            host: env.host.unwrap_or(&mut self.host),
            imports: env.imports,
            state: env.state.map(|s| s as &mut dyn StateStore),
        };
        let completion = session::call(
            &self.program,
            env,
            &mut self.saved,
            func,
            &args,
            session::interpret,
        )?;
        Ok(match completion {
            Completion::Returned(results) => {
                CallOutcome::Returned(results.into_iter().map(W::to_imm).collect())
            }
            Completion::Exited(code) => CallOutcome::Exited(code),
        })
    }
}

impl Instance {
    /// Loads `module` and sets up its memory, globals and tables.
    pub fn new(module: &Verified, limits: &Limits) -> Result<Instance, LoadError> {
        Instance::from_loaded(&LoadedModule::load(module)?, limits)
    }

    /// Sets up the memory, globals and tables of a module loaded once (see
    /// [`LoadedModule`]); many instances can share it.
    pub fn from_loaded(module: &LoadedModule, limits: &Limits) -> Result<Instance, LoadError> {
        let code = module.module();
        let inner = match module.program() {
            AnyProgram::A32(p) => Inner::A32(Box::new(Parts::new(p, code, limits)?)),
            AnyProgram::A64(p) => Inner::A64(Box::new(Parts::new(p, code, limits)?)),
            AnyProgram::A128(p) => Inner::A128(Box::new(Parts::new(p, code, limits)?)),
            AnyProgram::A256(p) => Inner::A256(Box::new(Parts::new(p, code, limits)?)),
            AnyProgram::A512(p) => Inner::A512(Box::new(Parts::new(p, code, limits)?)),
        };
        Ok(Instance {
            inner,
            limits: limits.clone(),
            has_memory: code.memory != dotvm_core::module::Memory::default(),
        })
    }

    /// Calls function `func` with one word per parameter slot; `imports` answers the
    /// module's `CALL_HOST`s. Memory, globals and tables keep every change, also when the
    /// call traps.
    /// The call gets the default host ([`Capabilities::default`](crate::Capabilities))
    /// and no state store; [`Instance::call_hosted`] passes them.
    pub fn call(
        &mut self,
        func: u32,
        args: &[Imm],
        io: &mut dyn Io,
        imports: &mut dyn HostFunctions,
    ) -> Result<CallOutcome, RunError> {
        let env = CallSide {
            io,
            host: None,
            imports,
            state: None,
        };
        with_parts!(&mut self.inner, parts => parts.call(&self.limits, env, func, args))
    }

    /// Like [`Instance::call`], with the embedder's host and state store (see
    /// [`HostEnv`]).
    pub fn call_hosted(
        &mut self,
        func: u32,
        args: &[Imm],
        env: HostEnv<'_>,
    ) -> Result<CallOutcome, RunError> {
        let env = CallSide {
            io: env.io,
            host: Some(env.host),
            imports: env.imports,
            state: env.state,
        };
        with_parts!(&mut self.inner, parts => parts.call(&self.limits, env, func, args))
    }

    /// The linear memory as it is between calls.
    pub fn memory(&self) -> Option<&LinearMemory> {
        with_parts!(&self.inner, parts => parts.saved.as_ref().map(Saved::memory))
    }

    /// The linear memory, to change between calls (its accessors are bounds-checked and
    /// keep the read-only region read-only).
    pub fn memory_mut(&mut self) -> Option<&mut LinearMemory> {
        with_parts!(&mut self.inner, parts => parts.saved.as_mut().map(Saved::memory_mut))
    }

    /// Takes over the memory, globals, tables and segment state of `old`, an instance of a
    /// module this instance's module extends (every item of the old module keeps its index
    /// in the new one, as `dotvm_wasm::translate_linked` builds them). Nothing runs.
    pub fn adopt(&mut self, old: &Instance) -> Result<(), LoadError> {
        let memory = old.has_memory;
        let adopted = match (&mut self.inner, &old.inner) {
            (Inner::A32(new), Inner::A32(old)) => new.adopt(old, memory),
            (Inner::A64(new), Inner::A64(old)) => new.adopt(old, memory),
            (Inner::A128(new), Inner::A128(old)) => new.adopt(old, memory),
            (Inner::A256(new), Inner::A256(old)) => new.adopt(old, memory),
            (Inner::A512(new), Inner::A512(old)) => new.adopt(old, memory),
            _ => false,
        };
        if adopted {
            Ok(())
        } else {
            Err(LoadError::Inconsistent {
                func: None,
                pc: None,
                message: "cannot adopt the state of an instance of another architecture".into(),
            })
        }
    }

    /// The current element count of table `table`.
    pub fn table_len(&self, table: u32) -> Option<u32> {
        with_parts!(&self.inner, parts => parts.saved.as_ref().and_then(|s| s.table_len(table)))
    }

    /// The current value of global `index`.
    pub fn global(&self, index: u32) -> Option<Imm> {
        with_parts!(&self.inner, parts => parts
            .saved
            .as_ref()
            .and_then(|s| s.globals().get(index as usize))
            .map(|w| w.to_imm()))
    }
}

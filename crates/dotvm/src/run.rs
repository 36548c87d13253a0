//! Running a module's entry point with the store's capabilities and state: in one go
//! ([`Module::run`]) or in slices of fuel ([`Module::start`], [`Run::resume`]).

use crate::error::Error;
use crate::module::Module;
use crate::store::Store;
use dotvm_state::{TransactionError, run_transaction, uses_state};
use dotvm_vm::state::Guarded;
use dotvm_vm::{Execution, Host, Io, Outcome, Progress, StateStore};

impl Module {
    /// Runs the entry point to the end with the store's capabilities, streams and state
    /// store, under the engine's limits. With a state store, the run is one transaction:
    /// committed when the guest exits with code 0, discarded otherwise (a module with
    /// database opcodes run without a state store is denied them, [`Error::Denied`]).
    ///
    /// Host functions are not available here: a module that imports any fails with
    /// [`Error::Link`]; run it with [`crate::Instance::run`].
    ///
    /// ```
    /// use dotvm::{Engine, Error, Config, Module, Store};
    ///
    /// let mut config = Config::default();
    /// config.fuel(1_000);
    /// let engine = Engine::new(&config);
    /// let spin = Module::from_assembly(&engine, ".func main\ntop:\nJMP top\n.end\n")?;
    /// let error = spin.run(&mut Store::new(&engine)).unwrap_err();
    /// assert!(matches!(error, Error::Limit(_)));
    /// # Ok::<(), dotvm::Error>(())
    /// ```
    pub fn run(&self, store: &mut Store) -> Result<Outcome, Error> {
        self.check_no_imports()?;
        let mut host = store.host()?;
        let verified = self.verified();
        let limits = self.engine().config().limits();
        let io = &mut store.io;
        let result = match (uses_state(verified.module()), store.state.as_deref_mut()) {
            (true, Some(state)) => run_transaction(verified, limits, io, &mut host, state, None)
                .map_err(|error| match error {
                    TransactionError::Run(error) => error.into(),
                    TransactionError::Commit(error) => {
                        Error::State(format!("cannot commit the run's writes: {error}"))
                    }
                }),
            (true, None) => {
                let mut denied = Guarded::denied();
                dotvm_vm::run_hosted(verified, limits, io, &mut host, Some(&mut denied), None)
                    .map_err(Error::from)
            }
            (false, _) => dotvm_vm::run_hosted(verified, limits, io, &mut host, None, None)
                .map_err(Error::from),
        };
        store.denials = host.denials().to_vec();
        result
    }

    /// Runs the entry point with the caller's streams and host and no state store (a
    /// module with database opcodes is denied them), under the engine's limits: for programs
    /// that stream the guest's output and inspect the host afterwards (its denials and
    /// opened files), like the `dotvm` CLI. Imports are not checked here: a `CALL_HOST`
    /// traps when it runs.
    ///
    /// ```
    /// use dotvm::{BufferIo, Engine, Host, Module};
    ///
    /// let engine = Engine::default();
    /// let module = Module::from_assembly(&engine, ".func main\nPUSH 5\nSYSCALL print_int\nHALT\n.end\n")?;
    /// let (mut io, mut host) = (BufferIo::default(), Host::default());
    /// module.run_with_host(&mut io, &mut host)?;
    /// assert_eq!(io.output, b"5");
    /// # Ok::<(), dotvm::Error>(())
    /// ```
    pub fn run_with_host(&self, io: &mut dyn Io, host: &mut Host) -> Result<Outcome, Error> {
        let verified = self.verified();
        let limits = self.engine().config().limits();
        let mut denied = Guarded::denied();
        let state: Option<&mut dyn StateStore> = match uses_state(verified.module()) {
            true => Some(&mut denied),
            false => None,
        };
        Ok(dotvm_vm::run_hosted(
            verified, limits, io, host, state, None,
        )?)
    }

    /// Starts a resumable run of the entry point with the engine's fuel limit as its
    /// first slice (see [`Run`]). Like [`Module::run`], it has the store's capabilities and
    /// state and no host functions.
    pub fn start(&self, store: &Store) -> Result<Run, Error> {
        self.check_no_imports()?;
        let execution = Execution::new(self.verified(), self.engine().config().limits())
            .map_err(Error::Instantiate)?;
        Ok(Run {
            execution,
            host: store.host()?,
            uses_state: uses_state(self.verified().module()),
            done: false,
        })
    }

    /// Fails for a module that imports host functions.
    fn check_no_imports(&self) -> Result<(), Error> {
        match self.imports().next() {
            Some((module, name)) => Err(Error::Link(format!(
                "the module imports the host function {module}.{name}: instantiate it with a \
                 Linker and call Instance::run"
            ))),
            None => Ok(()),
        }
    }
}

/// A run of a module's entry point that stops when its fuel runs out and continues where
/// it stopped after [`Run::add_fuel`]; the result equals one run with all the fuel at once.
/// Pass the same store to every [`Run::resume`]: its state store holds the run's open
/// transaction (committed when the guest finishes with exit code 0, discarded otherwise).
///
/// ```
/// use dotvm::{Config, Engine, Module, Progress, Store};
///
/// let mut config = Config::default();
/// config.fuel(100);
/// let engine = Engine::new(&config);
/// let module = Module::from_assembly(&engine, r#"
///     .func main results=1
///     .local i
///     top:
///         LOCAL_GET i
///         PUSH 1
///         ADD
///         LOCAL_TEE i
///         PUSH 1000
///         LT_U
///         JNZ top
///         LOCAL_GET i
///         PUSH 1000
///         SUB
///         RET
///     .end
/// "#)?;
/// let mut store = Store::new(&engine);
/// let mut run = module.start(&store)?;
/// let mut slices = 1;
/// let outcome = loop {
///     match run.resume(&mut store)? {
///         Progress::Finished(outcome) => break outcome,
///         Progress::OutOfFuel { .. } => {
///             slices += 1;
///             run.add_fuel(100);
///         }
///     }
/// };
/// assert_eq!(outcome.exit_code, 0);
/// assert!(slices > 10);
/// # Ok::<(), dotvm::Error>(())
/// ```
#[derive(Debug)]
pub struct Run {
    execution: Execution,
    host: Host,
    uses_state: bool,
    done: bool,
}

impl Run {
    /// Runs until the guest finishes, traps or runs out of fuel. After a finish or an error
    /// the run cannot continue ([`Error::Finished`]).
    pub fn resume(&mut self, store: &mut Store) -> Result<Progress, Error> {
        if self.done {
            return Err(Error::Finished);
        }
        let io = &mut store.io;
        let mut denied = Guarded::denied();
        let state: Option<&mut dyn StateStore> = match store.state.as_deref_mut() {
            _ if !self.uses_state => None,
            Some(state) => Some(state),
            None => Some(&mut denied),
        };
        let has_state = state.is_some();
        let result = self.execution.resume(io, &mut self.host, state);
        store.denials = self.host.denials().to_vec();
        let progress = result.inspect_err(|_| {
            self.done = true;
            if let (true, Some(state)) = (has_state, store.state.as_deref_mut()) {
                state.abort();
            }
        })?;
        if let Progress::Finished(outcome) = &progress {
            self.done = true;
            if let (true, Some(state)) = (self.uses_state, store.state.as_deref_mut()) {
                if outcome.exit_code == 0 {
                    state.commit().map_err(|e| {
                        Error::State(format!("cannot commit the run's writes: {e}"))
                    })?;
                } else {
                    state.abort();
                }
            }
        }
        Ok(progress)
    }

    /// Adds fuel for the next [`Run::resume`].
    pub fn add_fuel(&mut self, fuel: u64) {
        self.execution.add_fuel(fuel);
    }

    /// Fuel left.
    pub fn fuel_left(&self) -> u64 {
        self.execution.fuel_left()
    }
}

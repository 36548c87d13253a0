//! What a host function sees of the guest that called it: a bounds-checked view of its
//! linear memory, lent for the call without copying, and the guest's state transaction.

use crate::host_error::HostError;
use dotvm_vm::LinearMemory;
use dotvm_vm::state::{Entry, Query, StateError, StateStore};

/// The guest calling a host function. Take it as the first parameter of a closure given
/// to [`crate::Linker::func_wrap`] to read and write the guest's linear memory during the
/// call; every access is bounds-checked, and a failed one is a [`HostError`] (return it
/// with `?` to trap the guest).
///
/// [`Caller::state`] reads and writes the store's state store in the guest's own
/// transaction.
///
/// Guest pointers are byte offsets into the memory: a WebAssembly `i32` pointer arrives as
/// an `i32` parameter; convert it with `ptr as u32 as u64`.
///
/// ```
/// use dotvm::{Caller, Engine, HostError, Linker, Module, Store};
///
/// let engine = Engine::default();
/// let module = Module::from_wat(&engine, r#"(module
///     (import "env" "upper" (func $upper (param i32 i32)))
///     (memory (export "memory") 1)
///     (data (i32.const 64) "hello")
///     (func (export "shout") (result i32)
///         i32.const 64 i32.const 5 call $upper
///         i32.const 64 i32.load8_u))"#)?;
/// let mut linker = Linker::new();
/// linker.func_wrap("env", "upper", |mut caller: Caller<'_>, ptr: i32, len: i32| {
///     let (ptr, len) = (ptr as u32 as u64, len as u32 as u64);
///     let text = caller.read(ptr, len)?.to_ascii_uppercase();
///     caller.write(ptr, &text)?;
///     Ok::<(), HostError>(())
/// })?;
/// let mut store = Store::new(&engine);
/// let mut instance = linker.instantiate(&module)?;
/// assert_eq!(instance.call::<(), i32>(&mut store, "shout", ())?, i32::from(b'H'));
/// assert_eq!(instance.read_memory(64, 5)?, b"HELLO");
/// # Ok::<(), dotvm::Error>(())
/// ```
pub struct Caller<'a> {
    memory: &'a mut LinearMemory,
    state: Option<&'a mut dyn StateStore>,
}

impl std::fmt::Debug for Caller<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("memory", &self.memory)
            .field("state", &self.state.is_some())
            .finish()
    }
}

impl<'a> Caller<'a> {
    /// The view of `memory` and `state` for one host call.
    pub(crate) fn new(
        memory: &'a mut LinearMemory,
        state: Option<&'a mut dyn StateStore>,
    ) -> Caller<'a> {
        Caller { memory, state }
    }

    /// The state store of the run, in the guest's open transaction: what the host function
    /// writes commits with the guest's writes and is discarded with them (when the guest
    /// traps or exits with a code other than 0). Without a state store
    /// ([`crate::Store::use_memory_state`], [`crate::Store::open_state`]) every access is
    /// refused, as the guest's own database opcodes are; the error (a
    /// [`crate::StateError`]) converts to a [`HostError`] with `?`.
    ///
    /// ```
    /// use dotvm::{Caller, Engine, HostError, Linker, Module, Store};
    ///
    /// let engine = Engine::default();
    /// // `visit` counts visits in the state; a visit with a non-zero argument then traps.
    /// let module = Module::from_wat(&engine, r#"(module
    ///     (import "env" "count" (func $count (result i64)))
    ///     (func (export "visit") (param i32) (result i64) (local i64)
    ///         call $count local.set 1
    ///         local.get 0 if unreachable end
    ///         local.get 1))"#)?;
    /// let mut linker = Linker::new();
    /// linker.func_wrap("env", "count", |mut caller: Caller<'_>| {
    ///     let mut state = caller.state()?;
    ///     let visits = match state.get(b"site", b"visits")? {
    ///         Some(bytes) => u64::from_le_bytes(bytes.try_into().unwrap()) + 1,
    ///         None => 1,
    ///     };
    ///     state.put(b"site", b"visits", &visits.to_le_bytes())?;
    ///     Ok::<i64, HostError>(visits as i64)
    /// })?;
    /// let mut store = Store::new(&engine);
    /// store.use_memory_state();
    /// let mut instance = linker.instantiate(&module)?;
    /// assert_eq!(instance.call::<i32, i64>(&mut store, "visit", 0)?, 1);
    /// assert_eq!(instance.call::<i32, i64>(&mut store, "visit", 0)?, 2);
    /// // The guest traps after the host function wrote 3: the write is rolled back.
    /// assert!(instance.call::<i32, i64>(&mut store, "visit", 1).is_err());
    /// assert_eq!(instance.call::<i32, i64>(&mut store, "visit", 0)?, 3);
    /// # Ok::<(), dotvm::Error>(())
    /// ```
    pub fn state(&mut self) -> Result<CallerState<'_>, HostError> {
        match self.state.as_deref_mut() {
            Some(store) => Ok(CallerState { store }),
            None => Err(HostError::new(
                "the run has no state store (Store::use_memory_state, Store::open_state)",
            )),
        }
    }

    /// The size of the guest's linear memory in bytes (0 for a module without memory).
    pub fn memory_size(&self) -> u64 {
        self.memory.size_bytes()
    }

    /// The `len` bytes at `addr`, borrowed from the guest's memory.
    ///
    /// ```
    /// # use dotvm::{Caller, Engine, HostError, Linker, Module, Store};
    /// # let engine = Engine::default();
    /// # let module = Module::from_wat(&engine, r#"(module
    /// #     (import "env" "check" (func $check (param i32) (result i32)))
    /// #     (memory 1)
    /// #     (func (export "run") (param i32) (result i32) local.get 0 call $check))"#)?;
    /// let mut linker = Linker::new();
    /// // Refuses (traps the guest) when the 4 bytes at `addr` are outside the memory.
    /// linker.func_wrap("env", "check", |caller: Caller<'_>, addr: i32| {
    ///     let bytes = caller.read(addr as u32 as u64, 4)?;
    ///     Ok::<i32, HostError>(i32::from_le_bytes(bytes.try_into().unwrap()))
    /// })?;
    /// let mut instance = linker.instantiate(&module)?;
    /// let mut store = Store::new(&engine);
    /// assert_eq!(instance.call::<i32, i32>(&mut store, "run", 0)?, 0);
    /// let error = instance.call::<i32, i32>(&mut store, "run", 65534).unwrap_err();
    /// assert!(error.to_string().contains("outside the guest memory"), "{error}");
    /// # Ok::<(), dotvm::Error>(())
    /// ```
    pub fn read(&self, addr: u64, len: u64) -> Result<&[u8], HostError> {
        self.memory
            .read(addr, len)
            .map_err(|_| self.out_of_bounds(addr, len))
    }

    /// The `len` bytes at `addr` as UTF-8 text.
    pub fn read_str(&self, addr: u64, len: u64) -> Result<&str, HostError> {
        std::str::from_utf8(self.read(addr, len)?).map_err(|e| {
            HostError::new(format!(
                "the {len} bytes at {addr:#x} of the guest memory are not UTF-8: {e}"
            ))
        })
    }

    /// The `len` bytes at `addr` for writing in place. The read-only region (a bytecode
    /// module's constant pool at the start of memory) cannot be written.
    pub fn read_mut(&mut self, addr: u64, len: u64) -> Result<&mut [u8], HostError> {
        if self.memory.check_writable(addr, len).is_err() {
            return Err(self.unwritable(addr, len));
        }
        self.memory
            .read_mut(addr, len)
            .map_err(|_| HostError::new(format!("{len} bytes at {addr:#x} are not writable")))
    }

    /// Copies `bytes` into the guest's memory at `addr` (all or nothing).
    pub fn write(&mut self, addr: u64, bytes: &[u8]) -> Result<(), HostError> {
        self.read_mut(addr, bytes.len() as u64)?
            .copy_from_slice(bytes);
        Ok(())
    }

    /// The error for an access outside the memory.
    fn out_of_bounds(&self, addr: u64, len: u64) -> HostError {
        HostError::new(format!(
            "{len} bytes at {addr:#x} are outside the guest memory ({} bytes)",
            self.memory.size_bytes()
        ))
    }

    /// The error for a write the memory refuses: out of bounds or read-only.
    fn unwritable(&self, addr: u64, len: u64) -> HostError {
        match self.memory.read(addr, len) {
            Ok(_) => HostError::new(format!(
                "{len} bytes at {addr:#x} are in the read-only region of the guest memory \
                 (below {:#x})",
                self.memory.ro_end()
            )),
            Err(_) => self.out_of_bounds(addr, len),
        }
    }
}

/// The guest's state transaction, seen by a host function ([`Caller::state`]): reads see
/// the guest's uncommitted writes, and writes join them. Committing and aborting stay the
/// run's decision, so they are not offered here.
pub struct CallerState<'c> {
    store: &'c mut dyn StateStore,
}

impl std::fmt::Debug for CallerState<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallerState")
    }
}

impl CallerState<'_> {
    /// The value stored under `key` in `collection`, if any.
    pub fn get(&mut self, collection: &[u8], key: &[u8]) -> Result<Option<&[u8]>, StateError> {
        self.store.get(collection, key)
    }

    /// Stores `value` under `key` in `collection`, replacing any previous value.
    pub fn put(&mut self, collection: &[u8], key: &[u8], value: &[u8]) -> Result<(), StateError> {
        self.store.put(collection, key, value)
    }

    /// Removes `key` from `collection`; returns whether it was present.
    pub fn delete(&mut self, collection: &[u8], key: &[u8]) -> Result<bool, StateError> {
        self.store.delete(collection, key)
    }

    /// The entries of `collection` that `query` selects.
    pub fn query(&mut self, collection: &[u8], query: &Query) -> Result<Vec<Entry>, StateError> {
        self.store.query(collection, query)
    }

    /// How many entries [`CallerState::query`] would return.
    pub fn count(&mut self, collection: &[u8], query: &Query) -> Result<u64, StateError> {
        self.store.count(collection, query)
    }
}

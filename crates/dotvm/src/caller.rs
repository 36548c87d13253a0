//! What a host function sees of the guest that called it: a bounds-checked view of its
//! linear memory, lent for the call without copying.

use crate::host_error::HostError;
use dotvm_vm::LinearMemory;

/// The guest calling a host function. Take it as the first parameter of a closure given
/// to [`crate::Linker::func_wrap`] to read and write the guest's linear memory during the
/// call; every access is bounds-checked, and a failed one is a [`HostError`] (return it
/// with `?` to trap the guest).
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
#[derive(Debug)]
pub struct Caller<'a> {
    memory: &'a mut LinearMemory,
}

impl<'a> Caller<'a> {
    /// The view of `memory` for one host call.
    pub(crate) fn new(memory: &'a mut LinearMemory) -> Caller<'a> {
        Caller { memory }
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

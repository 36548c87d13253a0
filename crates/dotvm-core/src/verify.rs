//! The verifier: proves a module safe to run before anything executes.

use crate::module::Module;

/// Why a module failed verification, with the function and pc where known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct VerifyError {
    /// Function index, when the problem is inside a function.
    pub func: Option<u32>,
    /// Byte offset within that function's code, when the problem is at an instruction.
    pub pc: Option<u32>,
    /// What is wrong.
    pub message: String,
}

/// A module the verifier has accepted. Only [`Verified::new`] makes one, so holding one
/// proves verification ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified(Module);

impl Verified {
    /// Verifies `module`.
    pub fn new(module: Module) -> Result<Verified, VerifyError> {
        verify(&module)?;
        Ok(Verified(module))
    }

    /// The verified module.
    pub fn module(&self) -> &Module {
        &self.0
    }

    /// Gives the module back.
    pub fn into_module(self) -> Module {
        self.0
    }
}

/// Checks every rule the interpreter relies on.
pub fn verify(module: &Module) -> Result<(), VerifyError> {
    let _ = module;
    unimplemented!("verifier")
}

/// The highest operand-stack height the code of function `func` can reach (the assembler
/// uses this to fill in `max_stack`). Fails like [`verify`] on code that is not well formed.
pub fn required_max_stack(module: &Module, func: u32) -> Result<u32, VerifyError> {
    let _ = (module, func);
    unimplemented!("verifier stack analysis")
}

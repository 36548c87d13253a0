//! The verifier: proves a module safe to run before anything executes.
//!
//! Module-level rules (entry, exports, constant and global widths, memory layout, debug
//! info) are checked first, then every function: its code decodes completely, every operand
//! refers to something that exists, and a dataflow pass from pc 0 proves one consistent
//! operand-stack height at every reachable instruction, within `[0, max_stack]`, with no
//! path falling off the end. The interpreter relies on all of this without re-checking.

mod code;
mod error;
mod module_rules;
mod stack;

pub use error::VerifyError;

use crate::module::Module;
use code::{Code, Site};
use stack::Limit;

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
    module_rules::check(module)?;
    for func in 0..module.functions.len() {
        // `module_rules::check` guarantees the function count fits in u32.
        let site = Site::new(module, func as u32)?;
        check_frame_size(&site)?;
        let code = Code::decode(&site)?;
        stack::analyse(&site, &code, Limit::Declared(site.function.max_stack))?;
    }
    Ok(())
}

/// The stack shape of one function of a verified module, as the verifier proved it: for
/// each instruction (in code order) the operand-stack height before it (`None` where it is
/// unreachable) and the slots it pops and pushes. Engines use it to give every operand a
/// fixed frame slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackShape {
    /// Height before each instruction.
    pub heights: Vec<Option<u32>>,
    /// (pops, pushes) of each instruction; RET and HALT end the function and count (0, 0).
    pub effects: Vec<(u32, u32)>,
}

/// The [`StackShape`] of function `func`. Fails like [`verify`] on code that is not well
/// formed.
pub fn stack_shape(module: &Module, func: u32) -> Result<StackShape, VerifyError> {
    let site = Site::new(module, func)?;
    let code = Code::decode(&site)?;
    let heights = stack::analyse(&site, &code, Limit::Declared(site.function.max_stack))?;
    let effects = code
        .instructions
        .iter()
        .map(|(pc, instruction)| {
            stack::pops_and_pushes(&site, instruction)
                .ok_or_else(|| site.at(*pc, "no stack effect is known for this operand"))
        })
        .collect::<Result<Vec<_>, VerifyError>>()?;
    Ok(StackShape {
        heights: heights.before,
        effects,
    })
}

/// The highest operand-stack height the code of function `func` can reach (the assembler
/// uses this to fill in `max_stack`). Fails like [`verify`] on code that is not well formed;
/// the declared `max_stack` is ignored.
pub fn required_max_stack(module: &Module, func: u32) -> Result<u32, VerifyError> {
    let site = Site::new(module, func)?;
    let code = Code::decode(&site)?;
    Ok(stack::analyse(&site, &code, Limit::Representable)?.highest)
}

/// The frame (`params + locals + max_stack` slots) must be countable in a u32.
fn check_frame_size(site: &Site<'_>) -> Result<(), VerifyError> {
    let f = site.function;
    let slots = u64::from(f.params) + u64::from(f.locals) + u64::from(f.max_stack);
    if u32::try_from(slots).is_err() {
        return Err(site.whole(format!(
            "frame of {slots} slots ({} params + {} locals + max_stack {}) exceeds {} slots",
            f.params,
            f.locals,
            f.max_stack,
            u32::MAX
        )));
    }
    Ok(())
}

//! The inspector hook: lets a tracer or step debugger watch every instruction of a run.

use crate::word::Word;
use dotvm_core::{Imm, Instruction};

/// What the run should do after an inspector has looked at an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Execute the instruction and go on.
    Continue,
    /// Stop before the instruction; the run returns [`crate::RunError::Stopped`].
    Stop,
}

/// Watches a run one instruction at a time (see [`crate::run_inspected`]).
pub trait Inspector {
    /// Called before every bytecode instruction executes (fused sequences are never hidden:
    /// inspected runs execute the plain, one-op-per-instruction code).
    fn before_instruction(&mut self, view: &MachineView<'_>) -> Control;
}

/// The machine state just before an instruction runs.
#[derive(Clone, Copy)]
pub struct MachineView<'a> {
    pub(crate) func: u32,
    pub(crate) label: &'a str,
    pub(crate) pc: u32,
    pub(crate) instruction: &'a Instruction,
    pub(crate) call_depth: usize,
    pub(crate) instructions: u64,
    pub(crate) word_bits: u32,
    pub(crate) operands: Slots<'a>,
    pub(crate) locals: Slots<'a>,
    pub(crate) globals: Slots<'a>,
    pub(crate) memory: &'a [u8],
    pub(crate) callers: &'a dyn CallerFrames,
}

impl<'a> MachineView<'a> {
    /// Index of the running function.
    pub fn func(&self) -> u32 {
        self.func
    }

    /// The running function's name, or `func[N]`.
    pub fn function_label(&self) -> &'a str {
        self.label
    }

    /// Byte offset of the instruction within its function.
    pub fn pc(&self) -> u32 {
        self.pc
    }

    /// The instruction about to run.
    pub fn instruction(&self) -> &'a Instruction {
        self.instruction
    }

    /// Number of active frames (the entry function is depth 1).
    pub fn call_depth(&self) -> usize {
        self.call_depth
    }

    /// Instructions executed before this one.
    pub fn instructions(&self) -> u64 {
        self.instructions
    }

    /// Width of a stack slot in bits (the module's architecture).
    pub fn word_bits(&self) -> u32 {
        self.word_bits
    }

    /// The current frame's operand stack, bottom first.
    pub fn operands(&self) -> Slots<'a> {
        self.operands
    }

    /// The current frame's locals (parameters first).
    pub fn locals(&self) -> Slots<'a> {
        self.locals
    }

    /// The locals of the `n`th calling frame (1 = the caller of the running function,
    /// `call_depth() - 1` = the entry function), parameters first; `None` for `n` 0 or
    /// beyond the entry function.
    pub fn caller_locals(&self, n: usize) -> Option<Vec<Imm>> {
        self.callers.locals(n)
    }

    /// The global variables.
    pub fn globals(&self) -> Slots<'a> {
        self.globals
    }

    /// The whole linear memory.
    pub fn memory(&self) -> &'a [u8] {
        self.memory
    }
}

impl std::fmt::Debug for MachineView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MachineView")
            .field("func", &self.func)
            .field("pc", &self.pc)
            .field("instruction", &self.instruction.to_string())
            .field("call_depth", &self.call_depth)
            .field("instructions", &self.instructions)
            .field("operands", &self.operands.to_vec())
            .finish_non_exhaustive()
    }
}

/// A read-only run of word slots, whatever the architecture's word type.
#[derive(Clone, Copy)]
pub struct Slots<'a> {
    words: &'a dyn WordSlice,
}

impl<'a> Slots<'a> {
    /// Wraps a slice of words.
    pub(crate) fn new(words: &'a dyn WordSlice) -> Slots<'a> {
        Slots { words }
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when there are no slots.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slot `index` (0 = bottom), zero-extended.
    pub fn get(&self, index: usize) -> Option<Imm> {
        self.words.get(index)
    }

    /// All slots, bottom first.
    pub fn to_vec(&self) -> Vec<Imm> {
        (0..self.len()).filter_map(|i| self.get(i)).collect()
    }
}

impl std::fmt::Debug for Slots<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.to_vec()).finish()
    }
}

/// Type-erased access to the calling frames' locals.
pub(crate) trait CallerFrames {
    /// The locals of the `n`th caller (1 = innermost caller).
    fn locals(&self, n: usize) -> Option<Vec<Imm>>;
}

/// Type-erased access to a slice of words.
pub(crate) trait WordSlice {
    /// Number of words.
    fn len(&self) -> usize;
    /// Word `index` as an immediate.
    fn get(&self, index: usize) -> Option<Imm>;
}

/// A borrowed slice of words of one architecture.
pub(crate) struct Words<'a, W>(pub(crate) &'a [W]);

impl<W: Word> WordSlice for Words<'_, W> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, index: usize) -> Option<Imm> {
        self.0.get(index).map(|w| w.to_imm())
    }
}

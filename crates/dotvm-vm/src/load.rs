//! Loading: turns a verified module into the internal executable form for one word type.
//!
//! Every function is decoded once into plain code (one op per instruction, targets resolved
//! to instruction indices, constants converted to words), then lowered to the register form
//! ([`crate::reg`]) and encoded for the threaded engine. The loader resolves what it must index (targets, constants, system
//! calls) and reports a module it cannot use as [`LoadError::Inconsistent`] rather than
//! trusting it blindly; for a module that passed the verifier that error cannot occur.

use crate::code::Op;
use crate::db_op::{DbOp, db_opcodes};
use crate::error::LoadError;
use crate::exec::threaded::{self, Inst};
use crate::lane_op::{LaneInst, LaneOp, lane_opcodes};
use crate::reg::{RegCode, lower};
use crate::simd_op::{SimdInst, simd_opcodes};
use crate::typed_op::{TypedInst, typed_opcodes};
use crate::word::Word;
use crate::word_op::{
    WordBinary, WordTernary, WordUnary, word_binary_opcodes, word_ternary_opcodes,
    word_unary_opcodes,
};
use crate::{bigint_op, crypto_op};
use dotvm_core::instruction::Operand;
use dotvm_core::module::{Constant, FuncType, Function, Module};
use dotvm_core::syscall::Syscall;
use dotvm_core::verify::stack_shape;
use dotvm_core::{Imm, Instruction, Opcode};
use std::collections::HashMap;

/// A module in executable form.
#[derive(Debug)]
pub(crate) struct Program<W> {
    /// Executable functions, by function index.
    pub(crate) functions: Vec<FuncCode<W>>,
    /// The two slots `PUSH_CONST` pushes for each constant that takes two: (address, length)
    /// of a string or bytes, (low, high) of an f64 on Arch32; by constant index (zero pairs
    /// for the others, which are pushed as immediates instead).
    pub(crate) pairs: Vec<[W; 2]>,
    /// Initial values of the globals.
    pub(crate) globals: Vec<W>,
    /// The packed bytes of the read-only region `[0, ro.len())`.
    pub(crate) ro: Vec<u8>,
    /// Printable function labels, by function index.
    pub(crate) labels: Vec<String>,
    /// The entry function.
    pub(crate) entry: u32,
    /// Tables at start: their kind-independent limits (all elements start null).
    pub(crate) tables: Vec<TableLimits>,
    /// Element segments as slot values (0 = null, `f + 1` = function `f`).
    pub(crate) elements: Vec<Vec<W>>,
    /// Passive data segments.
    pub(crate) data: Vec<Vec<u8>>,
    /// (parameter slots, result slots) of each host import.
    pub(crate) imports: Vec<(u32, u32)>,
}

/// A table's size at start and the most elements it may hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableLimits {
    /// Elements at start.
    pub(crate) initial: u32,
    /// Most elements.
    pub(crate) max: u32,
}

/// One function in executable form.
#[derive(Debug)]
pub(crate) struct FuncCode<W> {
    /// Parameter slots.
    pub(crate) params: u32,
    /// Declared (zero-initialised) local slots after the parameters.
    pub(crate) locals: u32,
    /// Result slots.
    pub(crate) results: u32,
    /// Slots a frame of this function needs: params + locals + max_stack.
    pub(crate) frame_slots: usize,
    /// One op per instruction; targets are instruction indices.
    pub(crate) plain: Vec<Op<W>>,
    /// Byte offset of each instruction.
    pub(crate) pcs: Vec<u32>,
    /// For each instruction, the index one past the last instruction of its basic block.
    pub(crate) block_end: Vec<u32>,
    /// The register form.
    pub(crate) reg: RegCode<W>,
    /// The register form ready for the threaded engine (one op per register op).
    pub(crate) threaded: Vec<Inst<W>>,
    /// The decoded instructions, kept for the inspector.
    pub(crate) instructions: Vec<Instruction>,
    /// Canonical id of the function's type (equal ids mean equal types), or `u32::MAX`
    /// when the function has no type and cannot be called indirectly.
    pub(crate) ty: u32,
    /// Target lists of the `JMP_TABLE`s in plain code (instruction indices).
    pub(crate) jump_tables: Vec<Vec<u32>>,
    /// The 16-byte operands of `V128_CONST` and `I8X16_SHUFFLE` (see `SimdInst::imm`).
    pub(crate) vectors: Vec<[u8; 16]>,
}

/// Builds the executable form of `module` with word type `W`.
pub(crate) fn load<W: Word>(module: &Module) -> Result<Program<W>, LoadError> {
    let (ro, pairs) = layout_constants::<W>(&module.constants);
    let globals = module
        .globals
        .iter()
        .enumerate()
        .map(|(index, global)| {
            W::from_imm_checked(&global.init).ok_or_else(|| LoadError::Inconsistent {
                func: None,
                pc: None,
                message: format!("global {index} does not fit a {}-bit word", W::BITS),
            })
        })
        .collect::<Result<Vec<W>, LoadError>>()?;
    let canonical = canonical_types(module);
    let functions = module
        .functions
        .iter()
        .enumerate()
        .map(|(index, function)| load_function(module, &canonical, &pairs, index as u32, function))
        .collect::<Result<Vec<_>, LoadError>>()?;
    if module.functions.get(module.entry as usize).is_none() {
        return Err(LoadError::Inconsistent {
            func: None,
            pc: None,
            message: format!("entry function {} does not exist", module.entry),
        });
    }
    let labels = (0..module.functions.len() as u32)
        .map(|f| module.function_label(f))
        .collect();
    let tables = module
        .tables
        .iter()
        .map(|t| TableLimits {
            initial: t.initial,
            max: t.max.unwrap_or(u32::MAX),
        })
        .collect();
    let elements = module
        .elements
        .iter()
        .map(|e| e.items.iter().map(|&i| W::from_u64(i.into())).collect())
        .collect();
    Ok(Program {
        functions,
        pairs,
        globals,
        ro,
        labels,
        entry: module.entry,
        tables,
        elements,
        data: module.data.clone(),
        imports: module
            .imports
            .iter()
            .map(|i| {
                module.types.get(i.ty as usize).map_or((0, 0), |t| {
                    (t.param_slots(module.arch), t.result_slots(module.arch))
                })
            })
            .collect(),
    })
}

/// For each type index, the first index of an equal type (its canonical id).
pub(crate) fn canonical_types(module: &Module) -> Vec<u32> {
    let mut first: HashMap<&FuncType, u32> = HashMap::new();
    module
        .types
        .iter()
        .enumerate()
        .map(|(i, ty)| *first.entry(ty).or_insert(i as u32))
        .collect()
}

/// Packs the string and byte constants from address 0 in constant-index order and returns
/// the region's bytes and each constant's slot pair: (address, length) for strings and
/// bytes, (low half, high half) for an f64 on a word narrower than 64 bits.
fn layout_constants<W: Word>(constants: &[Constant]) -> (Vec<u8>, Vec<[W; 2]>) {
    let mut ro = Vec::new();
    let pairs = constants
        .iter()
        .map(|constant| match (constant, constant.region_bytes()) {
            (_, Some(bytes)) => {
                let address = W::from_u64(ro.len() as u64);
                ro.extend_from_slice(bytes);
                [address, W::from_u64(bytes.len() as u64)]
            }
            (Constant::F64(bits), None) if W::BITS < 64 => {
                [W::from_u64(bits & 0xFFFF_FFFF), W::from_u64(bits >> 32)]
            }
            _ => [W::ZERO; 2],
        })
        .collect();
    (ro, pairs)
}

/// Decodes and resolves one function.
fn load_function<W: Word>(
    module: &Module,
    canonical: &[u32],
    pairs: &[[W; 2]],
    func: u32,
    function: &Function,
) -> Result<FuncCode<W>, LoadError> {
    let decoded = Instruction::decode_all(&function.code).map_err(|e| LoadError::Inconsistent {
        func: Some(func),
        pc: None,
        message: e.to_string(),
    })?;
    let pcs: Vec<u32> = decoded.iter().map(|(pc, _)| *pc).collect();
    let instructions: Vec<Instruction> = decoded.into_iter().map(|(_, i)| i).collect();
    let mut resolver = Resolver {
        module,
        canonical,
        func,
        function,
        pcs: &pcs,
        jump_tables: Vec::new(),
        vectors: Vec::new(),
    };
    let plain = instructions
        .iter()
        .zip(&pcs)
        .map(|(inst, &pc)| resolver.op::<W>(inst, pc))
        .collect::<Result<Vec<Op<W>>, LoadError>>()?;
    let jump_tables = resolver.jump_tables;
    let vectors = resolver.vectors;
    let block_end = block_ends(&plain, &jump_tables);
    let shape = stack_shape(module, func).map_err(|e| LoadError::Inconsistent {
        func: Some(func),
        pc: e.pc,
        message: e.message,
    })?;
    let reg = lower::lower(&lower::Input {
        plain: &plain,
        shape: &shape,
        block_end: &block_end,
        jump_tables: &jump_tables,
        pairs,
        locals: u32::from(function.params) + u32::from(function.locals),
        results: u32::from(function.results),
        vectors: &vectors,
    });
    let threaded = threaded::encode(&reg);
    let ty = match function.ty {
        Some(ty) => *canonical
            .get(ty as usize)
            .ok_or_else(|| LoadError::Inconsistent {
                func: Some(func),
                pc: None,
                message: format!("type {ty} does not exist"),
            })?,
        None => u32::MAX,
    };
    let params = u32::from(function.params);
    let locals = u32::from(function.locals);
    Ok(FuncCode {
        params,
        locals,
        results: u32::from(function.results),
        frame_slots: (params + locals) as usize + function.max_stack as usize,
        plain,
        pcs,
        block_end,
        reg,
        threaded,
        instructions,
        ty,
        jump_tables,
        vectors,
    })
}

/// True when the op ends a basic block (control leaves or may leave the straight line).
fn ends_block<W>(op: &Op<W>) -> bool {
    matches!(
        op,
        Op::Unreachable
            | Op::Halt
            | Op::Jmp(_)
            | Op::Jz(_)
            | Op::Jnz(_)
            | Op::Call(_)
            | Op::CallIndirect(..)
            | Op::CallHost(_)
            | Op::JmpTable(_)
            | Op::Ret
            | Op::Syscall(_)
            | Op::Crypto(_)
            | Op::BigInt(_)
            | Op::Db(_)
    )
}

/// The jump target of a plain op, if it has one.
fn target<W>(op: &Op<W>) -> Option<u32> {
    match op {
        Op::Jmp(t) | Op::Jz(t) | Op::Jnz(t) => Some(*t),
        _ => None,
    }
}

/// For each instruction, the index one past the end of its basic block. Blocks start at
/// instruction 0, at every jump target and after every block-ending op.
fn block_ends<W>(plain: &[Op<W>], jump_tables: &[Vec<u32>]) -> Vec<u32> {
    let len = plain.len();
    let mut leader = vec![false; len + 1];
    leader[0] = true;
    leader[len] = true;
    for &t in jump_tables.iter().flatten() {
        leader[t as usize] = true;
    }
    for (index, op) in plain.iter().enumerate() {
        if let Some(t) = target(op) {
            leader[t as usize] = true;
        }
        if ends_block(op) {
            leader[index + 1] = true;
        }
    }
    let mut ends = vec![0u32; len];
    let mut end = len as u32;
    for index in (0..len).rev() {
        if leader[index + 1] {
            end = index as u32 + 1;
        }
        ends[index] = end;
    }
    ends
}

/// Resolves the operands of one function's instructions.
struct Resolver<'a> {
    module: &'a Module,
    canonical: &'a [u32],
    func: u32,
    function: &'a Function,
    pcs: &'a [u32],
    /// Target lists of the `JMP_TABLE`s resolved so far.
    jump_tables: Vec<Vec<u32>>,
    /// The 16-byte simd operands collected so far.
    vectors: Vec<[u8; 16]>,
}

impl Resolver<'_> {
    /// The error for an operand this loader cannot use.
    fn bad(&self, pc: u32, message: String) -> LoadError {
        LoadError::Inconsistent {
            func: Some(self.func),
            pc: Some(pc),
            message,
        }
    }

    /// The plain op for `inst` at `pc`.
    fn op<W: Word>(&mut self, inst: &Instruction, pc: u32) -> Result<Op<W>, LoadError> {
        let index = |limit: usize, what: &str| match inst.operand {
            Operand::Index(i) if (i as usize) < limit => Ok(i),
            _ => Err(self.bad(pc, format!("{what} operand out of range"))),
        };
        let offset = || match inst.operand {
            Operand::Offset(o) => Ok(o),
            _ => Err(self.bad(pc, "missing memory offset".into())),
        };
        let locals = usize::from(self.function.params) + usize::from(self.function.locals);
        let globals = self.module.globals.len();
        let tables = self.module.tables.len();
        let pair = |limits: (usize, usize), what: &str| match inst.operand {
            Operand::Pair(a, b) if (a as usize) < limits.0 && (b as usize) < limits.1 => Ok((a, b)),
            _ => Err(self.bad(pc, format!("{what} operand out of range"))),
        };
        Ok(match inst.opcode {
            Opcode::Nop => Op::Nop,
            Opcode::Unreachable => Op::Unreachable,
            Opcode::Halt => Op::Halt,
            Opcode::Jmp => Op::Jmp(self.target(inst, pc)?),
            Opcode::Jz => Op::Jz(self.target(inst, pc)?),
            Opcode::Jnz => Op::Jnz(self.target(inst, pc)?),
            Opcode::Call => Op::Call(index(self.module.functions.len(), "function")?),
            Opcode::Ret => Op::Ret,
            Opcode::Push => match &inst.operand {
                Operand::Imm(imm) => Op::Push(self.word(imm, pc)?),
                _ => return Err(self.bad(pc, "missing immediate".into())),
            },
            Opcode::PushConst => {
                let k = index(self.module.constants.len(), "constant")?;
                match &self.module.constants[k as usize] {
                    Constant::Int(imm) => Op::Push(self.word(imm, pc)?),
                    Constant::F32(bits) => Op::Push(W::from_u64(u64::from(*bits))),
                    Constant::F64(_) if W::BITS < 64 => Op::PushPair(k),
                    Constant::F64(bits) => Op::Push(W::from_u64(*bits)),
                    Constant::Str(_) | Constant::Bytes(_) => Op::PushPair(k),
                }
            }
            Opcode::Pop => Op::Pop,
            Opcode::Dup => Op::Dup,
            Opcode::Swap => Op::Swap,
            Opcode::Rot => Op::Rot,
            Opcode::Over => Op::Over,
            Opcode::Pick => match inst.operand {
                Operand::Depth(d) => Op::Pick(d),
                _ => return Err(self.bad(pc, "missing depth".into())),
            },
            Opcode::LocalGet => Op::LocalGet(index(locals, "local")?),
            Opcode::LocalSet => Op::LocalSet(index(locals, "local")?),
            Opcode::LocalTee => Op::LocalTee(index(locals, "local")?),
            Opcode::GlobalGet => Op::GlobalGet(index(globals, "global")?),
            Opcode::GlobalSet => Op::GlobalSet(index(globals, "global")?),
            Opcode::Load8U => Op::Load8U(offset()?),
            Opcode::Load8S => Op::Load8S(offset()?),
            Opcode::Load16U => Op::Load16U(offset()?),
            Opcode::Load16S => Op::Load16S(offset()?),
            Opcode::Load32U => Op::Load32U(offset()?),
            Opcode::Load32S => Op::Load32S(offset()?),
            Opcode::Load64U => Op::Load64U(offset()?),
            Opcode::Load64S => Op::Load64S(offset()?),
            Opcode::Load => Op::Load(offset()?),
            Opcode::Store8 => Op::Store8(offset()?),
            Opcode::Store16 => Op::Store16(offset()?),
            Opcode::Store32 => Op::Store32(offset()?),
            Opcode::Store64 => Op::Store64(offset()?),
            Opcode::Store => Op::Store(offset()?),
            Opcode::Alloc => Op::Alloc,
            Opcode::Free => Op::Free,
            Opcode::MemorySize => Op::MemorySize,
            Opcode::MemoryGrow => Op::MemoryGrow,
            Opcode::MemoryCopy => Op::MemoryCopy,
            Opcode::MemoryFill => Op::MemoryFill,
            Opcode::Syscall => match inst.operand {
                Operand::Syscall(n) => Op::Syscall(
                    Syscall::from_number(n)
                        .ok_or_else(|| self.bad(pc, format!("unknown system call {n}")))?,
                ),
                _ => return Err(self.bad(pc, "missing system call number".into())),
            },
            Opcode::Hash
            | Opcode::Keygen
            | Opcode::Sign
            | Opcode::Verify
            | Opcode::Recover
            | Opcode::Encrypt
            | Opcode::Decrypt
            | Opcode::Seal
            | Opcode::Open
            | Opcode::Random => Op::Crypto(
                crypto_op::resolve(inst)
                    .ok_or_else(|| self.bad(pc, "bad crypto selector".into()))?,
            ),
            Opcode::BigFromWord
            | Opcode::BigFromWordS
            | Opcode::BigToWord
            | Opcode::BigFromBytes
            | Opcode::BigToBytes
            | Opcode::BigFromDec
            | Opcode::BigToDec
            | Opcode::BigAdd
            | Opcode::BigSub
            | Opcode::BigMul
            | Opcode::BigDiv
            | Opcode::BigRem
            | Opcode::BigDivFloor
            | Opcode::BigModFloor
            | Opcode::BigNeg
            | Opcode::BigAbs
            | Opcode::BigPow
            | Opcode::BigModPow
            | Opcode::BigModInv
            | Opcode::BigGcd
            | Opcode::BigCmp
            | Opcode::BigShl
            | Opcode::BigShr
            | Opcode::BigAnd
            | Opcode::BigOr
            | Opcode::BigXor
            | Opcode::BigNot
            | Opcode::BigFree
            | Opcode::BigCount
            | Opcode::BigCollect => Op::BigInt(
                bigint_op::resolve(inst)
                    .ok_or_else(|| self.bad(pc, "bad BigInt selector".into()))?,
            ),
            Opcode::JmpTable => match &inst.operand {
                Operand::Targets(targets) => {
                    let resolved = targets
                        .iter()
                        .map(|&t| self.resolve_target(t, pc))
                        .collect::<Result<Vec<u32>, LoadError>>()?;
                    self.jump_tables.push(resolved);
                    Op::JmpTable(self.jump_tables.len() as u32 - 1)
                }
                _ => return Err(self.bad(pc, "missing jump table".into())),
            },
            Opcode::CallIndirect => {
                let (ty, table) = pair((self.canonical.len(), tables), "type or table")?;
                Op::CallIndirect(self.canonical[ty as usize], table)
            }
            Opcode::DropKeep => match inst.operand {
                Operand::Pair(drop, keep) => Op::DropKeep(drop, keep),
                _ => return Err(self.bad(pc, "missing drop and keep counts".into())),
            },
            Opcode::TableGet => Op::TableGet(index(tables, "table")?),
            Opcode::TableSet => Op::TableSet(index(tables, "table")?),
            Opcode::TableSize => Op::TableSize(index(tables, "table")?),
            Opcode::TableGrow => Op::TableGrow(index(tables, "table")?),
            Opcode::TableFill => Op::TableFill(index(tables, "table")?),
            Opcode::TableCopy => {
                let (dst, src) = pair((tables, tables), "table")?;
                Op::TableCopy(dst, src)
            }
            Opcode::TableInit => {
                let (table, elem) = pair((tables, self.module.elements.len()), "table or element")?;
                Op::TableInit(table, elem)
            }
            Opcode::ElemDrop => Op::ElemDrop(index(self.module.elements.len(), "element segment")?),
            Opcode::MemoryInit => Op::MemoryInit(index(self.module.data.len(), "data segment")?),
            Opcode::DataDrop => Op::DataDrop(index(self.module.data.len(), "data segment")?),
            Opcode::CallHost => Op::CallHost(index(self.module.imports.len(), "import")?),
            Opcode::RefFunc => {
                let f = index(self.module.functions.len(), "function")?;
                Op::Push(W::from_u64(u64::from(f) + 1))
            }
            opcode @ word_binary_opcodes!() => {
                Op::WordBinary(self.member(WordBinary::from_opcode(opcode), opcode, pc)?)
            }
            opcode @ word_unary_opcodes!() => {
                Op::WordUnary(self.member(WordUnary::from_opcode(opcode), opcode, pc)?)
            }
            opcode @ word_ternary_opcodes!() => {
                Op::WordTernary(self.member(WordTernary::from_opcode(opcode), opcode, pc)?)
            }
            opcode @ lane_opcodes!() => {
                let op = self.member(LaneOp::from_opcode(opcode), opcode, pc)?;
                let (width, index) = match inst.operand {
                    Operand::Lanes(width) => (width, 0),
                    Operand::WordLane(width, index) => (width, index),
                    _ => return Err(self.bad(pc, "missing lane width".into())),
                };
                Op::Lanes(LaneInst { op, width, index })
            }
            opcode @ db_opcodes!() => Op::Db(self.member(DbOp::from_opcode(opcode), opcode, pc)?),
            // Typed instructions share one op; their operand is an offset or nothing.
            opcode @ typed_opcodes!() => {
                let offset = match inst.operand {
                    Operand::Offset(o) => o,
                    _ => 0,
                };
                Op::Typed(self.member(
                    TypedInst::new(opcode, self.module.arch, offset),
                    opcode,
                    pc,
                )?)
            }
            // Simd instructions share one op; a 16-byte operand goes to the pool.
            opcode @ simd_opcodes!() => {
                let pool_index = self.vectors.len() as u32;
                if let Operand::Bytes16(bytes) = inst.operand {
                    self.vectors.push(bytes);
                }
                Op::Simd(self.member(
                    SimdInst::new(inst, self.module.arch, pool_index),
                    opcode,
                    pc,
                )?)
            }
        })
    }

    /// An opcode's member of the family whose pattern matched it: always `Some` (the
    /// pattern and the family come from the same list), reported like any unloadable
    /// instruction otherwise.
    fn member<T>(&self, member: Option<T>, opcode: Opcode, pc: u32) -> Result<T, LoadError> {
        member.ok_or_else(|| self.bad(pc, format!("no interpreter for {}", opcode.mnemonic())))
    }

    /// The instruction index a jump at `pc` goes to.
    fn target(&self, inst: &Instruction, pc: u32) -> Result<u32, LoadError> {
        match inst.operand {
            Operand::Target(t) => self.resolve_target(t, pc),
            _ => Err(self.bad(pc, "missing jump target".into())),
        }
    }

    /// The instruction index of byte offset `t`, a jump target of the instruction at `pc`.
    fn resolve_target(&self, t: u32, pc: u32) -> Result<u32, LoadError> {
        self.pcs
            .binary_search(&t)
            .map(|i| i as u32)
            .map_err(|_| self.bad(pc, format!("jump target {t} is not an instruction")))
    }

    /// An immediate as a word.
    fn word<W: Word>(&self, imm: &Imm, pc: u32) -> Result<W, LoadError> {
        W::from_imm_checked(imm)
            .ok_or_else(|| self.bad(pc, format!("immediate does not fit a {}-bit word", W::BITS)))
    }
}

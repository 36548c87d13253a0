//! A generator of random verified programs for differential tests of the engines: locals,
//! globals, word, typed and word-lane arithmetic, loads and stores, branches and loops, calls and
//! recursion, printing, and on request simd128 vectors (`vector.rs`). Shared by `dotvm-vm`'s `engines_agree.rs` and `dotvm-jit`'s
//! `agree.rs` (which includes this file by path).

use dotvm_core::instruction::Operand;
use dotvm_core::isa::OperandKind;
use dotvm_core::module::{Function, Global, Memory};
use dotvm_core::syscall::Syscall;
use dotvm_core::{Arch, Imm, Instruction, LaneWidth, Module, Opcode};
use proptest::prelude::*;
use vector::VExpr;

mod vector;

/// An expression: leaves one slot.
#[derive(Debug, Clone)]
enum Expr {
    Const(u64),
    Local(u8),
    Global,
    Unary(Opcode, Box<Expr>),
    Binary(Opcode, Box<Expr>, Box<Expr>),
    Load(Opcode, u32, Box<Expr>),
    /// `a; b; I32_ADD; load`: the address computation of compiled wasm.
    LoadSum(Opcode, u32, Box<Expr>, Box<Expr>),
    Tee(u8, Box<Expr>),
    /// `a; b; F64_MUL; c; op` (`true`) or `c; a; b; F64_MUL; op`: a product feeding an
    /// `F64_ADD` or `F64_SUB` (one-slot f64 values only).
    MulThen(Opcode, bool, Box<Expr>, Box<Expr>, Box<Expr>),
    /// `a; b; c; [test;] SELECT`: a select whose condition may be a zero test of `c`
    /// (`EQZ` or `I32_EQZ`, which the register form fuses with the select).
    Select(Option<Opcode>, Box<Expr>, Box<Expr>, Box<Expr>),
    /// `e; DUP; op` with a binary op: `e op e`.
    DupBinary(Opcode, Box<Expr>),
    /// `a; b; DROP_KEEP 1 1`: `b`.
    DropKeep(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Box<Expr>),
    /// `a; [b;] op width [lane]`: a word-lane instruction on one or two operands.
    Lanes(Opcode, Operand, Box<Expr>, Option<Box<Expr>>),
    /// `v; op [lane]`: a vector's lane extract or test.
    Vector(Opcode, u8, Box<VExpr>),
}

/// A statement: leaves the stack as it found it (empty).
#[derive(Debug, Clone)]
enum Stmt {
    Set(u8, Expr),
    Store(Opcode, u32, Expr, Expr),
    /// `a; b; I32_ADD; v; store`: the address computation of compiled wasm.
    StoreSum(Opcode, u32, Expr, Expr, Expr),
    /// A loop counter's back edge: `LOCAL_GET l; PUSH step; I32_ADD; LOCAL_TEE l; bound;
    /// compare; JNZ` (or `JZ`) to statement `target % len`; without a comparison, the
    /// branch tests the counter itself.
    Count {
        local: u8,
        step: u64,
        compare: Option<(Opcode, Expr)>,
        jnz: bool,
        target: usize,
    },
    Print(Expr),
    SetGlobal(Expr),
    /// Branch to statement `target % len` when the expression is non-zero (`JNZ`) or zero.
    Branch(bool, Expr, usize),
    Jump(usize),
    Pop(Expr),
    /// `dst; value; len; MEMORY_COPY` (`copy`) or `MEMORY_FILL`; with `masked`, the
    /// addresses are taken below 64 KiB (the memory's size) and the count below 512, so
    /// that most copies and fills succeed.
    Bulk {
        copy: bool,
        masked: bool,
        dst: Expr,
        value: Expr,
        len: Expr,
    },
    /// `addr; v; op offset [lane]`: a vector store or lane store.
    StoreVector(Opcode, u32, u8, Expr, VExpr),
    /// The vector to the locals from the given one on.
    SetVector(u8, VExpr),
}

/// Binary opcodes whose operands and result are one slot on every architecture.
const BINARY: &[Opcode] = &[
    Opcode::Add,
    Opcode::Sub,
    Opcode::Mul,
    Opcode::DivU,
    Opcode::DivS,
    Opcode::ModU,
    Opcode::ModS,
    Opcode::And,
    Opcode::Or,
    Opcode::Xor,
    Opcode::Shl,
    Opcode::Shr,
    Opcode::Sar,
    Opcode::Rotl,
    Opcode::Rotr,
    Opcode::Eq,
    Opcode::Ne,
    Opcode::LtU,
    Opcode::LtS,
    Opcode::GtU,
    Opcode::GeS,
    Opcode::LeU,
    Opcode::MulHiU,
    Opcode::MulHiS,
    Opcode::Byte,
    Opcode::SignExtend,
    Opcode::I32Add,
    Opcode::I32Sub,
    Opcode::I32Mul,
    Opcode::I32DivS,
    Opcode::I32RemU,
    Opcode::I32And,
    Opcode::I32Shl,
    Opcode::I32ShrS,
    Opcode::I32Rotl,
    Opcode::I32Eq,
    Opcode::I32LtS,
    Opcode::I32GeU,
    Opcode::F32Add,
    Opcode::F32Mul,
    Opcode::F32Min,
    Opcode::F32Lt,
];

/// Binary opcodes on i64/f64, one slot from Arch64 up.
const BINARY_64: &[Opcode] = &[
    Opcode::I64Add,
    Opcode::I64Mul,
    Opcode::I64DivU,
    Opcode::I64RemS,
    Opcode::I64Xor,
    Opcode::I64ShrU,
    Opcode::I64LtU,
    Opcode::I64Ne,
    Opcode::F64Add,
    Opcode::F64Div,
    Opcode::F64Max,
    Opcode::F64Ge,
];

const UNARY: &[Opcode] = &[
    Opcode::Neg,
    Opcode::Eqz,
    Opcode::Not,
    Opcode::Clz,
    Opcode::Popcnt,
    Opcode::I32Eqz,
    Opcode::I32Clz,
    Opcode::I32Extend8S,
    Opcode::F32Sqrt,
    Opcode::F32Neg,
    Opcode::F32Floor,
    Opcode::I32TruncSatF32S,
    Opcode::F32ConvertI32U,
    Opcode::I32TruncF32U,
];

const UNARY_64: &[Opcode] = &[
    Opcode::I64Eqz,
    Opcode::I64Ctz,
    Opcode::I32WrapI64,
    Opcode::I64ExtendI32S,
    Opcode::F64Sqrt,
    Opcode::F64ConvertI64S,
    Opcode::I64TruncF64S,
];

const LOADS: &[Opcode] = &[
    Opcode::Load8U,
    Opcode::Load8S,
    Opcode::Load16S,
    Opcode::Load32U,
    Opcode::Load64U,
    Opcode::Load,
    Opcode::I32Load,
    Opcode::I32Load8S,
    Opcode::I32Load16U,
];

/// The comparisons of loop counters: i32 and word.
const COUNT_COMPARES: &[Opcode] = &[
    Opcode::I32LtU,
    Opcode::I32LtS,
    Opcode::I32Ne,
    Opcode::I32GeU,
    Opcode::I32Eq,
    Opcode::LtU,
    Opcode::LtS,
    Opcode::Ne,
    Opcode::GeU,
];

const STORES: &[Opcode] = &[
    Opcode::Store8,
    Opcode::Store16,
    Opcode::Store32,
    Opcode::Store64,
    Opcode::Store,
    Opcode::I32Store,
    Opcode::I32Store8,
];

/// Word-lane opcodes on two words (or a word and a scalar).
const LANES_BINARY: &[Opcode] = &[
    Opcode::LanesAdd,
    Opcode::LanesSub,
    Opcode::LanesMul,
    Opcode::LanesMinS,
    Opcode::LanesMaxU,
    Opcode::LanesShl,
    Opcode::LanesShrS,
    Opcode::LanesShrU,
    Opcode::LanesEq,
    Opcode::LanesLtS,
    Opcode::LanesGtU,
    Opcode::LanesInsert,
];

/// Word-lane opcodes on one word.
const LANES_UNARY: &[Opcode] = &[
    Opcode::LanesSplat,
    Opcode::LanesSum,
    Opcode::LanesExtractU,
    Opcode::LanesExtractS,
];

/// The operand of lane opcode `op`: a width that fits the narrowest word the program runs
/// on (Arch32, or Arch64 for wide programs) and, for extract and insert, a lane of it.
fn lanes_operand(op: Opcode, wide: bool, width: usize, lane: u8) -> Operand {
    let widths = if wide { 4 } else { 3 };
    let width = LaneWidth::ALL[width % widths];
    let lanes = if wide { 64 } else { 32 } / width.bits();
    match op {
        Opcode::LanesExtractU | Opcode::LanesExtractS | Opcode::LanesInsert => {
            Operand::WordLane(width, (u32::from(lane) % lanes) as u8)
        }
        _ => Operand::Lanes(width),
    }
}

/// Locals of the entry function and of the helper (2 params + 2 locals).
const LOCALS: u8 = 4;

fn constant() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 0u64..8,
        2 => 0u64..70_000,
        1 => any::<u64>(),
        1 => Just(u64::MAX),
        1 => Just(0x7FC0_0001),
    ]
}

fn expr(wide: bool, simd: bool) -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        3 => constant().prop_map(Expr::Const),
        3 => (0..LOCALS).prop_map(Expr::Local),
        1 => Just(Expr::Global),
    ];
    let binary: Vec<Opcode> = BINARY
        .iter()
        .chain(if wide { BINARY_64 } else { &[] })
        .copied()
        .collect();
    let unary: Vec<Opcode> = UNARY
        .iter()
        .chain(if wide { UNARY_64 } else { &[] })
        .copied()
        .collect();
    leaf.prop_recursive(4, 24, 3, move |inner| {
        let binary = prop::sample::select(binary.clone());
        let unary = prop::sample::select(unary.clone());
        let mut arms: Vec<(u32, BoxedStrategy<Expr>)> = vec![
            (
                4,
                (binary.clone(), inner.clone(), inner.clone())
                    .prop_map(|(op, a, b)| Expr::Binary(op, Box::new(a), Box::new(b)))
                    .boxed(),
            ),
            (
                2,
                (unary, inner.clone())
                    .prop_map(|(op, a)| Expr::Unary(op, Box::new(a)))
                    .boxed(),
            ),
            (
                2,
                (prop::sample::select(LOADS), 0u32..16, inner.clone())
                    .prop_map(|(op, offset, a)| Expr::Load(op, offset, Box::new(a)))
                    .boxed(),
            ),
            (
                2,
                (
                    prop::sample::select(LOADS),
                    0u32..16,
                    inner.clone(),
                    inner.clone(),
                )
                    .prop_map(|(op, offset, a, b)| {
                        Expr::LoadSum(op, offset, Box::new(a), Box::new(b))
                    })
                    .boxed(),
            ),
            (
                1,
                (0..LOCALS, inner.clone())
                    .prop_map(|(l, a)| Expr::Tee(l, Box::new(a)))
                    .boxed(),
            ),
            (
                1,
                (
                    prop::option::of(prop::sample::select(&[Opcode::Eqz, Opcode::I32Eqz][..])),
                    inner.clone(),
                    inner.clone(),
                    inner.clone(),
                )
                    .prop_map(|(test, a, b, c)| {
                        Expr::Select(test, Box::new(a), Box::new(b), Box::new(c))
                    })
                    .boxed(),
            ),
            (
                1,
                (binary, inner.clone())
                    .prop_map(|(op, a)| Expr::DupBinary(op, Box::new(a)))
                    .boxed(),
            ),
            (
                1,
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Expr::DropKeep(Box::new(a), Box::new(b)))
                    .boxed(),
            ),
            (
                1,
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Expr::Call(Box::new(a), Box::new(b)))
                    .boxed(),
            ),
            (
                1,
                (
                    prop::sample::select(LANES_BINARY),
                    any::<usize>(),
                    any::<u8>(),
                    inner.clone(),
                    inner.clone(),
                )
                    .prop_map(move |(op, width, lane, a, b)| {
                        Expr::Lanes(
                            op,
                            lanes_operand(op, wide, width, lane),
                            Box::new(a),
                            Some(Box::new(b)),
                        )
                    })
                    .boxed(),
            ),
            (
                1,
                (
                    prop::sample::select(LANES_UNARY),
                    any::<usize>(),
                    any::<u8>(),
                    inner.clone(),
                )
                    .prop_map(move |(op, width, lane, a)| {
                        Expr::Lanes(op, lanes_operand(op, wide, width, lane), Box::new(a), None)
                    })
                    .boxed(),
            ),
        ];
        if simd {
            arms.push((2, vector::reduce(wide, inner.clone().boxed()).boxed()));
        }
        // f64 products need one-slot doubles: wide programs only.
        if wide {
            arms.push((
                2,
                (
                    prop::sample::select(&[Opcode::F64Add, Opcode::F64Sub][..]),
                    any::<bool>(),
                    inner.clone(),
                    inner.clone(),
                    inner,
                )
                    .prop_map(|(op, left, a, b, c)| {
                        Expr::MulThen(op, left, Box::new(a), Box::new(b), Box::new(c))
                    })
                    .boxed(),
            ));
        }
        prop::strategy::Union::new_weighted(arms)
    })
}

fn stmt(wide: bool, simd: bool) -> impl Strategy<Value = Stmt> {
    let expr = move |wide| expr(wide, simd);
    let scalar = prop_oneof![
        4 => (0..LOCALS, expr(wide)).prop_map(|(l, e)| Stmt::Set(l, e)),
        2 => (prop::sample::select(STORES), 0u32..16, expr(wide), expr(wide))
            .prop_map(|(op, offset, a, v)| Stmt::Store(op, offset, a, v)),
        2 => (prop::sample::select(STORES), 0u32..16, expr(wide), expr(wide), expr(wide))
            .prop_map(|(op, offset, a, b, v)| Stmt::StoreSum(op, offset, a, b, v)),
        2 => (
            0..LOCALS,
            prop_oneof![Just(1u64), Just(u64::from(u32::MAX)), Just(u64::MAX), 0u64..16],
            prop::option::weighted(0.8, (prop::sample::select(COUNT_COMPARES), expr(wide))),
            any::<bool>(),
            any::<usize>(),
        )
            .prop_map(|(local, step, compare, jnz, target)| Stmt::Count {
                local,
                step,
                compare,
                jnz,
                target,
            }),
        2 => expr(wide).prop_map(Stmt::Print),
        1 => expr(wide).prop_map(Stmt::SetGlobal),
        2 => (any::<bool>(), expr(wide), any::<usize>())
            .prop_map(|(jnz, e, t)| Stmt::Branch(jnz, e, t)),
        1 => any::<usize>().prop_map(Stmt::Jump),
        1 => expr(wide).prop_map(Stmt::Pop),
        1 => (any::<bool>(), prop::bool::weighted(0.8), expr(wide), expr(wide), expr(wide))
            .prop_map(|(copy, masked, dst, value, len)| Stmt::Bulk {
                copy,
                masked,
                dst,
                value,
                len,
            }),
    ];
    if !simd {
        return scalar.boxed();
    }
    let store = (
        prop::sample::select(vector::STORES),
        0u32..32,
        any::<u8>(),
        expr(wide),
        vector::vexpr(wide, expr(wide).boxed()),
    )
        .prop_map(|(op, offset, lane, a, v)| {
            Stmt::StoreVector(op, offset, vector::store_lane(op, lane), a, v)
        });
    let set = (0..LOCALS, vector::vexpr(wide, expr(wide).boxed()))
        .prop_map(|(l, v)| Stmt::SetVector(l, v));
    prop_oneof![8 => scalar, 1 => store, 1 => set].boxed()
}

/// Encodes instructions with jumps to statement indices resolved.
struct Builder {
    arch: Arch,
    /// Bits a constant may have (the word's).
    mask: u64,
    code: Vec<Instruction>,
    /// (instruction index, target statement) of each jump.
    jumps: Vec<(usize, usize)>,
    /// Instruction index where each statement starts.
    starts: Vec<usize>,
}

impl Builder {
    fn op(&mut self, opcode: Opcode) {
        self.code.push(Instruction::simple(opcode));
    }

    fn with(&mut self, opcode: Opcode, operand: Operand) {
        self.code.push(Instruction { opcode, operand });
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Const(k) => self.with(Opcode::Push, Operand::Imm(Imm::from(*k & self.mask))),
            Expr::Local(l) => self.with(Opcode::LocalGet, Operand::Index(u32::from(*l))),
            Expr::Global => self.with(Opcode::GlobalGet, Operand::Index(0)),
            Expr::Unary(op, a) => {
                self.expr(a);
                self.op(*op);
            }
            Expr::Binary(op, a, b) => {
                self.expr(a);
                self.expr(b);
                self.op(*op);
            }
            Expr::Load(op, offset, a) => {
                self.expr(a);
                self.with(*op, Operand::Offset(*offset));
            }
            Expr::LoadSum(op, offset, a, b) => {
                self.expr(a);
                self.expr(b);
                self.op(Opcode::I32Add);
                self.with(*op, Operand::Offset(*offset));
            }
            Expr::MulThen(op, left, a, b, c) => {
                if !*left {
                    self.expr(c);
                }
                self.expr(a);
                self.expr(b);
                self.op(Opcode::F64Mul);
                if *left {
                    self.expr(c);
                }
                self.op(*op);
            }
            Expr::Tee(l, a) => {
                self.expr(a);
                self.with(Opcode::LocalTee, Operand::Index(u32::from(*l)));
            }
            Expr::Select(test, a, b, c) => {
                self.expr(a);
                self.expr(b);
                self.expr(c);
                if let Some(test) = test {
                    self.op(*test);
                }
                self.op(Opcode::Select);
            }
            Expr::DupBinary(op, a) => {
                self.expr(a);
                self.op(Opcode::Dup);
                self.op(*op);
            }
            Expr::DropKeep(a, b) => {
                self.expr(a);
                self.expr(b);
                self.with(Opcode::DropKeep, Operand::Pair(1, 1));
            }
            Expr::Call(a, b) => {
                self.expr(a);
                self.expr(b);
                self.with(Opcode::Call, Operand::Index(1));
            }
            Expr::Lanes(op, operand, a, b) => {
                self.expr(a);
                if let Some(b) = b {
                    self.expr(b);
                }
                self.with(*op, operand.clone());
            }
            Expr::Vector(op, lane, v) => {
                self.vexpr(v);
                if op.operand() == OperandKind::Lane {
                    self.with(*op, Operand::Lane(*lane));
                } else {
                    self.op(*op);
                }
            }
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        self.starts.push(self.code.len());
        match s {
            Stmt::Set(l, e) => {
                self.expr(e);
                self.with(Opcode::LocalSet, Operand::Index(u32::from(*l)));
            }
            Stmt::Store(op, offset, a, v) => {
                self.expr(a);
                self.expr(v);
                self.with(*op, Operand::Offset(*offset));
            }
            Stmt::StoreSum(op, offset, a, b, v) => {
                self.expr(a);
                self.expr(b);
                self.op(Opcode::I32Add);
                self.expr(v);
                self.with(*op, Operand::Offset(*offset));
            }
            Stmt::Count {
                local,
                step,
                compare,
                jnz,
                target,
            } => {
                let local = Operand::Index(u32::from(*local));
                self.with(Opcode::LocalGet, local.clone());
                self.with(Opcode::Push, Operand::Imm(Imm::from(*step & self.mask)));
                self.op(Opcode::I32Add);
                self.with(Opcode::LocalTee, local);
                if let Some((compare, bound)) = compare {
                    self.expr(bound);
                    self.op(*compare);
                }
                self.jumps.push((self.code.len(), *target));
                let op = if *jnz { Opcode::Jnz } else { Opcode::Jz };
                self.with(op, Operand::Target(0));
            }
            Stmt::Print(e) => {
                self.expr(e);
                self.with(
                    Opcode::Syscall,
                    Operand::Syscall(Syscall::PrintUint.number()),
                );
                self.with(Opcode::Push, Operand::Imm(Imm::from(10u64)));
                self.with(
                    Opcode::Syscall,
                    Operand::Syscall(Syscall::PrintChar.number()),
                );
            }
            Stmt::SetGlobal(e) => {
                self.expr(e);
                self.with(Opcode::GlobalSet, Operand::Index(0));
            }
            Stmt::Branch(jnz, e, target) => {
                self.expr(e);
                self.jumps.push((self.code.len(), *target));
                let op = if *jnz { Opcode::Jnz } else { Opcode::Jz };
                self.with(op, Operand::Target(0));
            }
            Stmt::Jump(target) => {
                self.jumps.push((self.code.len(), *target));
                self.with(Opcode::Jmp, Operand::Target(0));
            }
            Stmt::Pop(e) => {
                self.expr(e);
                self.op(Opcode::Pop);
            }
            Stmt::Bulk {
                copy,
                masked,
                dst,
                value,
                len,
            } => {
                for (operand, mask) in [(dst, 0xFFFFu64), (value, 0xFFFF), (len, 0x1FF)] {
                    self.expr(operand);
                    if *masked {
                        self.with(Opcode::Push, Operand::Imm(Imm::from(mask)));
                        self.op(Opcode::And);
                    }
                }
                self.op(if *copy {
                    Opcode::MemoryCopy
                } else {
                    Opcode::MemoryFill
                });
            }
            Stmt::StoreVector(op, offset, lane, a, v) => {
                self.expr(a);
                self.vexpr(v);
                let operand = if *op == Opcode::V128Store {
                    Operand::Offset(*offset)
                } else {
                    Operand::MemLane(*offset, *lane)
                };
                self.with(*op, operand);
            }
            Stmt::SetVector(l, v) => {
                self.vexpr(v);
                self.set_vector(*l);
            }
        }
    }

    fn new(arch: Arch) -> Builder {
        Builder {
            arch,
            mask: if arch == Arch::Arch32 {
                u64::from(u32::MAX)
            } else {
                u64::MAX
            },
            code: Vec::new(),
            jumps: Vec::new(),
            starts: Vec::new(),
        }
    }

    /// The function's bytes: the statements, then `result; RET`.
    fn finish(mut self, body: &[Stmt], result: &Expr) -> Vec<u8> {
        for s in body {
            self.stmt(s);
        }
        let end = self.code.len();
        self.expr(result);
        self.op(Opcode::Ret);
        let pcs: Vec<u32> = {
            let mut pc = 0u32;
            self.code
                .iter()
                .map(|i| {
                    let at = pc;
                    let mut bytes = Vec::new();
                    i.encode(&mut bytes);
                    pc += bytes.len() as u32;
                    at
                })
                .collect()
        };
        for &(at, target) in &self.jumps {
            let to = if self.starts.is_empty() {
                end
            } else {
                self.starts[target % self.starts.len()]
            };
            self.code[at].operand = Operand::Target(pcs[to]);
        }
        let mut bytes = Vec::new();
        for i in &self.code {
            i.encode(&mut bytes);
        }
        bytes
    }
}

/// The program: an entry function and a helper `f(a, b)` that both may call.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    main: Vec<Stmt>,
    main_result: Expr,
    helper: Vec<Stmt>,
    helper_result: Expr,
}

pub(crate) fn program(wide: bool) -> impl Strategy<Value = Program> {
    program_with(wide, false)
}

/// Random programs, with simd128 vectors when `simd` is set.
pub(crate) fn program_with(wide: bool, simd: bool) -> impl Strategy<Value = Program> {
    (
        prop::collection::vec(stmt(wide, simd), 0..12),
        expr(wide, simd),
        prop::collection::vec(stmt(wide, simd), 0..5),
        expr(wide, simd),
    )
        .prop_map(|(main, main_result, helper, helper_result)| Program {
            main,
            main_result,
            helper,
            helper_result,
        })
}

pub(crate) fn module_of(program: &Program, arch: Arch) -> Module {
    let function = |params: u16, locals: u16, body: &[Stmt], result: &Expr| Function {
        params,
        results: 1,
        locals,
        max_stack: 0,
        code: Builder::new(arch).finish(body, result),
        ..Default::default()
    };
    Module {
        arch,
        functions: vec![
            function(0, u16::from(LOCALS), &program.main, &program.main_result),
            function(
                2,
                u16::from(LOCALS) - 2,
                &program.helper,
                &program.helper_result,
            ),
        ],
        globals: vec![Global {
            init: Imm::from(5u64),
            mutable: true,
        }],
        memory: Memory {
            initial_pages: 1,
            max_pages: Some(1),
            segments: Vec::new(),
        },
        ..Module::default()
    }
}

//! Turns a parsed [`Program`] into a [`Module`]: lays out the read-only region and data,
//! resolves names, encodes functions and fills in what was left implicit.

use super::ast::{
    DataItem, Diag, FuncDecl, Item, LocalName, OperandSrc, Pos, Program, Ref, RefAt, Result,
    Symbol, TargetSrc, Value, ValueAt, diag,
};
use super::number::{fit_word, too_wide};
use super::suggest::closest;
use crate::instruction::{Imm, Instruction, Operand};
use crate::isa::OperandKind;
use crate::lanes::LaneWidth;
use crate::module::{
    DataSegment, DebugInfo, Export, Function, Global, LineEntry, Memory, Module, PAGE_SIZE,
};
use crate::verify::required_max_stack;
use std::collections::HashMap;

/// The most static data one source may describe (a guard against `zero 1000000000000`).
const MAX_DATA_BYTES: u64 = 256 << 20;

/// Builds the module. `file` names the source for the line table.
pub(super) fn build(program: &Program, file: &str, line_table: bool) -> Result<Module> {
    let builder = Builder::new(program)?;
    let segments = builder.segments()?;
    let mut lines = Vec::new();
    let mut functions = Vec::with_capacity(program.functions.len());
    for (index, decl) in program.functions.iter().enumerate() {
        functions.push(builder.function(index as u32, decl, line_table, &mut lines)?);
    }
    let memory = builder.memory(segments)?;
    let exports = builder.exports()?;
    let debug = builder.debug(file, line_table, lines)?;
    let mut module = Module {
        arch: program.arch,
        entry: builder.entry()?,
        functions,
        constants: program.pool.clone(),
        globals: program
            .globals
            .iter()
            .map(|g| {
                Ok(Global {
                    init: builder.word(&g.init)?,
                    mutable: g.mutable,
                })
            })
            .collect::<Result<_>>()?,
        memory,
        exports,
        debug,
        types: program.types.clone(),
        tables: program.tables.clone(),
        elements: program.elements.clone(),
        data: program.passive.clone(),
        imports: program.imports.clone(),
        signature: None,
    };
    for (index, decl) in program.functions.iter().enumerate() {
        if decl.max_stack.is_none() {
            let height = required_max_stack(&module, index as u32).or_else(|e| {
                diag(
                    decl.pos,
                    format!(
                        "cannot compute max_stack of `{}`: {e} (give max_stack=N to skip the analysis)",
                        decl.name
                    ),
                )
            })?;
            module.functions[index].max_stack = height;
        }
    }
    Ok(module)
}

/// Layout results and name tables shared by the build steps.
struct Builder<'a> {
    program: &'a Program,
    /// End of the read-only constant region.
    ro_end: u64,
    /// (address, length) of each data declaration.
    layout: Vec<(u64, u64)>,
}

/// Rounds up to a multiple of 8.
fn align8(n: u64) -> Option<u64> {
    n.checked_add(7).map(|n| n & !7)
}

/// "did you mean" for a name among `candidates`.
fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a String>) -> String {
    closest(name, candidates.into_iter().map(String::as_str))
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

impl<'a> Builder<'a> {
    fn new(program: &'a Program) -> Result<Builder<'a>> {
        let ro_end = program
            .pool
            .iter()
            .filter_map(|c| c.region_bytes())
            .map(|b| b.len() as u64)
            .sum();
        let mut layout = Vec::with_capacity(program.data.len());
        let mut cursor = ro_end;
        let mut total = 0u64;
        for decl in &program.data {
            let size = decl
                .items
                .iter()
                .try_fold(0u64, |acc, item| acc.checked_add(item.size()?))
                .filter(|&size| size <= MAX_DATA_BYTES - total);
            let Some(size) = size else {
                return diag(
                    decl.pos,
                    format!(
                        "data `{}` is too large (the assembler's limit is {MAX_DATA_BYTES} bytes of data)",
                        decl.name
                    ),
                );
            };
            total += size;
            let address = match decl.at {
                Some(at) if at < ro_end => {
                    return diag(
                        decl.pos,
                        format!(
                            "data `{}` at {at} overlaps the read-only constant region [0, {ro_end})",
                            decl.name
                        ),
                    );
                }
                Some(at) => at,
                None => align8(cursor).unwrap_or(u64::MAX),
            };
            let Some(end) = address.checked_add(size) else {
                return diag(
                    decl.pos,
                    format!(
                        "data `{}` runs past the end of the address space",
                        decl.name
                    ),
                );
            };
            if decl.at.is_none() {
                cursor = end;
            }
            layout.push((address, size));
        }
        Ok(Builder {
            program,
            ro_end,
            layout,
        })
    }

    /// A value as a word.
    fn word(&self, v: &ValueAt) -> Result<Imm> {
        let arch = self.program.arch;
        let value = match &v.value {
            Value::Lit(lit, text) => {
                return lit.fit(arch.word_bits()).ok_or_else(|| Diag {
                    pos: v.pos,
                    message: too_wide(text, arch),
                });
            }
            Value::Char(c) => return Ok(Imm::from(*c)),
            Value::Sym { name, len } => match self.program.symbols.get(name) {
                Some(Symbol::Const(value)) if !len => *value,
                Some(Symbol::Const(_)) => {
                    return diag(
                        v.pos,
                        format!("`.len` applies to data labels, and `{name}` is a constant"),
                    );
                }
                Some(Symbol::Data(i)) => {
                    let (address, size) = self.layout[*i];
                    Imm::from(if *len { size } else { address })
                }
                None => {
                    return diag(
                        v.pos,
                        format!(
                            "undefined constant or data label `{name}`{}",
                            hint(name, self.program.symbols.keys())
                        ),
                    );
                }
            },
        };
        if value.bit_len() > arch.word_bits() as usize {
            return diag(
                v.pos,
                format!(
                    "{value} does not fit the {}-bit word of {arch}",
                    arch.word_bits()
                ),
            );
        }
        Ok(value)
    }

    /// A value narrowed to a `bits`-wide data field (negative values allowed).
    fn field(&self, v: &ValueAt, bits: u32) -> Result<Imm> {
        let fitted = match &v.value {
            Value::Lit(lit, _) => lit.fit(bits),
            _ => fit_word(self.word(v)?, self.program.arch, bits),
        };
        fitted.ok_or_else(|| Diag {
            pos: v.pos,
            message: format!("value does not fit a {bits}-bit field"),
        })
    }

    /// A non-negative value of at most `max`, for `what`.
    fn unsigned(&self, v: &ValueAt, max: u64, what: &str) -> Result<u64> {
        if let Value::Lit(lit, _) = &v.value
            && lit.negative
            && !lit.magnitude.is_zero()
        {
            return diag(v.pos, format!("{what} must not be negative"));
        }
        let value = match &v.value {
            Value::Lit(lit, _) => lit.magnitude,
            _ => self.word(v)?,
        };
        match u64::try_from(value) {
            Ok(n) if n <= max => Ok(n),
            _ => diag(
                v.pos,
                format!("{value} is too large for {what} (at most {max})"),
            ),
        }
    }

    /// A lane width: 8, 16, 32 or 64.
    fn lane_width(&self, v: &ValueAt) -> Result<LaneWidth> {
        let bits = self.unsigned(v, u64::from(u32::MAX), "a lane width")?;
        match LaneWidth::from_bits(bits as u32) {
            Some(width) => Ok(width),
            None => diag(
                v.pos,
                format!("lane width {bits} is not 8, 16, 32 or 64 bits"),
            ),
        }
    }

    fn segments(&self) -> Result<Vec<DataSegment>> {
        let mut segments = Vec::with_capacity(self.program.data.len());
        for (decl, &(offset, size)) in self.program.data.iter().zip(&self.layout) {
            let mut bytes = Vec::with_capacity(size as usize);
            for item in &decl.items {
                match item {
                    DataItem::Bytes(b) => bytes.extend_from_slice(b),
                    DataItem::Zero(n) => bytes.resize(bytes.len() + *n as usize, 0),
                    DataItem::Ints { bits, values } => {
                        for v in values {
                            let le = self.field(v, *bits)?.to_le_bytes::<64>();
                            bytes.extend_from_slice(&le[..*bits as usize / 8]);
                        }
                    }
                }
            }
            segments.push(DataSegment { offset, bytes });
        }
        Ok(segments)
    }

    fn memory(&self, segments: Vec<DataSegment>) -> Result<Memory> {
        let data_end = self
            .layout
            .iter()
            .map(|(address, size)| address + size)
            .fold(self.ro_end, u64::max);
        let needed = data_end.div_ceil(PAGE_SIZE).max(1);
        let decl = self.program.memory;
        let max = decl.and_then(|d| d.max);
        let initial = match decl.and_then(|d| d.initial) {
            Some(initial) => {
                let bytes = u64::from(initial) * PAGE_SIZE;
                let pos = decl.map(|d| d.pos).unwrap_or_default();
                if self.ro_end > bytes {
                    return diag(
                        pos,
                        format!(
                            "the read-only constant region ({} bytes) does not fit the initial memory of {initial} pages",
                            self.ro_end
                        ),
                    );
                }
                for (d, (address, size)) in self.program.data.iter().zip(&self.layout) {
                    if address + size > bytes {
                        return diag(
                            d.pos,
                            format!(
                                "data `{}` ends at {}, past the initial memory of {initial} pages ({bytes} bytes)",
                                d.name,
                                address + size
                            ),
                        );
                    }
                }
                initial
            }
            None => {
                let pos = decl.map(|d| d.pos).unwrap_or_default();
                let pages = u32::try_from(needed).or_else(|_| {
                    diag(
                        pos,
                        format!("static data needs {needed} pages, more than a u32 counts"),
                    )
                })?;
                if let Some(max) = max
                    && max < pages
                {
                    return diag(
                        pos,
                        format!(
                            "maximum of {max} pages is below the {pages} pages the static data needs"
                        ),
                    );
                }
                pages
            }
        };
        Ok(Memory {
            initial_pages: initial,
            max_pages: max,
            segments,
        })
    }

    /// Resolves a function reference to its index.
    fn func_index(&self, r: &RefAt) -> Result<u32> {
        let count = self.program.functions.len();
        match &r.target {
            Ref::Index(i) if (*i as usize) < count => Ok(*i),
            Ref::Index(i) => diag(
                r.pos,
                format!("function index {i} out of range ({count} functions)"),
            ),
            Ref::Name(name) => self
                .program
                .function_names
                .get(name)
                .copied()
                .ok_or_else(|| Diag {
                    pos: r.pos,
                    message: format!(
                        "undefined function `{name}`{}",
                        hint(name, self.program.function_names.keys())
                    ),
                }),
        }
    }

    /// Resolves a reference into a table of `count` entries called `what`.
    fn table_index(
        &self,
        r: &RefAt,
        names: &HashMap<String, u32>,
        count: usize,
        what: &str,
    ) -> Result<u32> {
        match &r.target {
            Ref::Index(i) if (*i as usize) < count => Ok(*i),
            Ref::Index(i) => diag(
                r.pos,
                format!("{what} index {i} out of range ({count} defined)"),
            ),
            Ref::Name(name) => names.get(name).copied().ok_or_else(|| Diag {
                pos: r.pos,
                message: format!("undefined {what} `{name}`{}", hint(name, names.keys())),
            }),
        }
    }

    fn local_index(&self, r: &RefAt, decl: &FuncDecl, params: u32, slots: u32) -> Result<u32> {
        let index = match &r.target {
            Ref::Index(i) => *i,
            Ref::Name(name) => match decl.local_names.get(name) {
                Some(LocalName::Param(k)) => *k,
                Some(LocalName::Local(k)) => params + k,
                None => {
                    return diag(
                        r.pos,
                        format!(
                            "undefined local `{name}` in `{}`{}",
                            decl.name,
                            hint(name, decl.local_names.keys())
                        ),
                    );
                }
            },
        };
        if index >= slots {
            return diag(
                r.pos,
                format!(
                    "local index {index} out of range (`{}` has {slots} params and locals)",
                    decl.name
                ),
            );
        }
        Ok(index)
    }

    fn function(
        &self,
        index: u32,
        decl: &FuncDecl,
        line_table: bool,
        lines: &mut Vec<LineEntry>,
    ) -> Result<Function> {
        let params = decl.params.unwrap_or(decl.named_params as u16);
        let locals = decl.locals.unwrap_or(decl.named_locals as u16);
        let slots = u32::from(params) + u32::from(locals);
        let program = self.program;
        let mut code = Vec::new();
        let mut labels: HashMap<&str, u32> = HashMap::new();
        let mut patches: Vec<(usize, &str, Pos)> = Vec::new();
        let mut table_patches: Vec<(usize, &str, Pos)> = Vec::new();
        for item in &decl.body {
            let pc = u32::try_from(code.len()).or_else(|_| {
                diag(
                    decl.pos,
                    format!("function `{}` is larger than 4 GiB", decl.name),
                )
            })?;
            let (opcode, operand, pos, line) = match item {
                Item::Label(name) => {
                    labels.insert(name, pc);
                    continue;
                }
                Item::Raw(bytes) => {
                    code.extend_from_slice(bytes);
                    continue;
                }
                Item::Instr {
                    opcode,
                    operand,
                    pos,
                    line,
                } => (*opcode, operand, *pos, *line),
            };
            let mut label = None;
            let operand = match (opcode.operand(), operand) {
                (OperandKind::None, _) => Operand::None,
                (OperandKind::Imm, OperandSrc::Value(v)) => Operand::Imm(self.word(v)?),
                (OperandKind::Offset, OperandSrc::Value(v)) => {
                    Operand::Offset(self.unsigned(v, u32::MAX.into(), "a memory offset")? as u32)
                }
                (OperandKind::Depth, OperandSrc::Value(v)) => {
                    Operand::Depth(self.unsigned(v, u8::MAX.into(), "a PICK depth")? as u8)
                }
                (OperandKind::Const, OperandSrc::Ref(r)) => Operand::Index(self.table_index(
                    r,
                    &program.pool_names,
                    program.pool.len(),
                    "constant-table entry",
                )?),
                (OperandKind::Global, OperandSrc::Ref(r)) => Operand::Index(self.table_index(
                    r,
                    &program.global_names,
                    program.globals.len(),
                    "global",
                )?),
                (OperandKind::Func, OperandSrc::Ref(r)) => Operand::Index(self.func_index(r)?),
                (OperandKind::Local, OperandSrc::Ref(r)) => {
                    Operand::Index(self.local_index(r, decl, u32::from(params), slots)?)
                }
                (OperandKind::Target, OperandSrc::RawTarget(t)) => Operand::Target(*t),
                (OperandKind::Target, OperandSrc::Label(name, at)) => {
                    label = Some((name.as_str(), *at));
                    Operand::Target(0)
                }
                (OperandKind::Syscall, OperandSrc::Syscall(n)) => Operand::Syscall(*n),
                (OperandKind::Selector(_), OperandSrc::Selector(s)) => Operand::Selector(*s),
                (
                    OperandKind::Table
                    | OperandKind::Elem
                    | OperandKind::Data
                    | OperandKind::Import,
                    OperandSrc::Value(v),
                ) => Operand::Index(self.unsigned(v, u32::MAX.into(), "an index")? as u32),
                (OperandKind::Pair, OperandSrc::Pair(pair)) => Operand::Pair(
                    self.unsigned(&pair.0, u32::MAX.into(), "an index or count")? as u32,
                    self.unsigned(&pair.1, u32::MAX.into(), "an index or count")? as u32,
                ),
                (OperandKind::Lanes, OperandSrc::Value(v)) => Operand::Lanes(self.lane_width(v)?),
                (OperandKind::WordLane, OperandSrc::Pair(pair)) => Operand::WordLane(
                    self.lane_width(&pair.0)?,
                    self.unsigned(&pair.1, u8::MAX.into(), "a lane index")? as u8,
                ),
                (OperandKind::Targets, OperandSrc::Targets(targets)) => {
                    // Operand bytes: the u32 count, then one u32 per target.
                    let operand_start = code.len() + opcode_len(opcode) + 4;
                    let mut raw = Vec::with_capacity(targets.len());
                    for (i, target) in targets.iter().enumerate() {
                        match target {
                            TargetSrc::Raw(t) => raw.push(*t),
                            TargetSrc::Label(name, at) => {
                                table_patches.push((operand_start + 4 * i, name.as_str(), *at));
                                raw.push(0);
                            }
                        }
                    }
                    Operand::Targets(raw)
                }
                (OperandKind::Lane, OperandSrc::Lane(lane)) => Operand::Lane(*lane),
                (OperandKind::MemLane, OperandSrc::MemLane(offset, lane)) => {
                    Operand::MemLane(*offset, *lane)
                }
                (OperandKind::V128 | OperandKind::Shuffle, OperandSrc::Bytes16(bytes)) => {
                    Operand::Bytes16(*bytes)
                }
                _ => unreachable!("the parser reads operands by the opcode's kind"),
            };
            Instruction { opcode, operand }.encode(&mut code);
            if let Some((name, at)) = label {
                patches.push((code.len() - 4, name, at));
            }
            if line_table || line.is_some() {
                lines.push(LineEntry {
                    func: index,
                    pc,
                    line: line.unwrap_or(pos.line),
                });
            }
        }
        patches.extend(table_patches);
        for (start, name, at) in patches {
            let Some(&target) = labels.get(name) else {
                let known: Vec<String> = labels.keys().map(|k| k.to_string()).collect();
                return diag(
                    at,
                    format!(
                        "undefined label `{name}` in function `{}`{}",
                        decl.name,
                        hint(name, &known)
                    ),
                );
            };
            code[start..start + 4].copy_from_slice(&target.to_le_bytes());
        }
        Ok(Function {
            params,
            results: decl.results,
            locals,
            max_stack: decl.max_stack.unwrap_or(0),
            code,
            ty: decl.ty,
        })
    }

    fn exports(&self) -> Result<Vec<Export>> {
        let mut exports: Vec<Export> = Vec::with_capacity(self.program.exports.len());
        for decl in &self.program.exports {
            let func = self.func_index(&decl.func)?;
            if exports.iter().any(|e| e.name == decl.name) {
                return diag(decl.func.pos, format!("duplicate export `{}`", decl.name));
            }
            exports.push(Export {
                name: decl.name.clone(),
                func,
            });
        }
        Ok(exports)
    }

    fn entry(&self) -> Result<u32> {
        match &self.program.entry {
            Some(r) => self.func_index(r),
            None => self.program.function_names.get("main").copied().ok_or_else(|| Diag {
                pos: Pos { line: 1, col: 1 },
                message: "no entry function: define a function named `main` or name one with `.entry`".into(),
            }),
        }
    }

    fn debug(
        &self,
        file: &str,
        line_table: bool,
        mut lines: Vec<LineEntry>,
    ) -> Result<Option<DebugInfo>> {
        let program = self.program;
        if program.debug_none.is_some() && !line_table {
            if let Some(pos) = program.first_debug_use {
                return diag(pos, "debug information is turned off by `.debug none`");
            }
            return Ok(None);
        }
        let count = program.functions.len();
        let names = match program.debug_names {
            Some((n, pos)) if n as usize > count => {
                return diag(pos, format!("names={n} is more than the {count} functions"));
            }
            Some((n, _)) => n as usize,
            None => count,
        };
        let function_names = program.functions[..names]
            .iter()
            .map(|f| f.debug_name.clone().unwrap_or_else(|| f.name.clone()))
            .collect();
        for raw in &program.raw_lines {
            lines.push(LineEntry {
                func: self.func_index(&raw.func)?,
                pc: raw.pc,
                line: raw.line,
            });
        }
        let source_map = program.source_map.build(|func| self.func_index(func))?;
        Ok(Some(DebugInfo {
            source_map,
            function_names,
            source: program
                .source
                .clone()
                .or_else(|| line_table.then(|| file.to_string())),
            lines,
        }))
    }
}

/// Encoded length of an opcode (one byte, or a prefix byte and a second byte).
fn opcode_len(opcode: crate::isa::Opcode) -> usize {
    if opcode.is_prefixed() { 2 } else { 1 }
}

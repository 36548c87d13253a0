//! The disassembler: renders a module as assembly text that assembles back to the
//! identical module (see `docs/assembly.md`, "Disassembly").

use crate::asm::lexer::{bytes_literal_text, name_literal, quote_str};
use crate::asm::number::format_word;
use crate::instruction::{Instruction, Operand};
use crate::module::{Constant, Module, RefKind, SigType};
use crate::syscall::Syscall;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

/// Renders `module` as `.dasm` text.
///
/// For every module that passes the verifier's structural checks,
/// `assemble(&disassemble(m), ..)` with default options gives back `m`. Other modules are
/// still rendered: undecodable code becomes a `.raw` directive, and references the
/// assembler would reject (out-of-range indices, oversized immediates) are written as
/// plain numbers.
pub fn disassemble(module: &Module) -> String {
    Disassembler::new(module).render()
}

/// One function's decoded code.
struct Decoded {
    /// Instructions and their pcs, up to the first undecodable byte.
    instructions: Vec<(u32, Instruction)>,
    /// Where decoding stopped and why, if it did.
    failure: Option<(u32, String)>,
}

/// Rendering state: names chosen for everything.
struct Disassembler<'a> {
    module: &'a Module,
    /// Assembly name of each function.
    names: Vec<String>,
    /// Decoded code of each function.
    code: Vec<Decoded>,
    /// Line-table entries keyed by (function, pc), when they can be written as `.line`.
    lines: Option<HashMap<(u32, u32), u32>>,
}

/// Whether `bytes` reads better as a string literal than as hex.
fn is_text(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let odd = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        .count();
    !text.is_empty() && odd * 4 <= text.chars().count()
}

/// A float constant's value: the shortest decimal that reads back exactly, or its bits for
/// NaNs (whose payload a decimal cannot carry).
fn float_text(is_nan: bool, decimal: String, bits: String) -> String {
    if is_nan {
        format!("bits {bits}")
    } else {
        decimal
    }
}

impl<'a> Disassembler<'a> {
    fn new(module: &'a Module) -> Disassembler<'a> {
        let debug_names = module.debug.as_ref().map(|d| d.function_names.as_slice());
        let count = module.functions.len();
        let mut taken = HashSet::new();
        let mut names: Vec<Option<String>> = (0..count)
            .map(|i| {
                debug_names
                    .and_then(|n| n.get(i))
                    .filter(|n| !n.is_empty() && taken.insert(n.to_string()))
                    .cloned()
            })
            .collect();
        for (i, name) in names.iter_mut().enumerate() {
            if name.is_none() {
                let mut generated = format!("func{i}");
                while taken.contains(&generated) {
                    generated.push('_');
                }
                taken.insert(generated.clone());
                *name = Some(generated);
            }
        }
        let code: Vec<Decoded> = module.functions.iter().map(|f| decode(&f.code)).collect();
        let lines = module
            .debug
            .as_ref()
            .and_then(|d| line_map(&d.lines, &code));
        Disassembler {
            module,
            names: names.into_iter().map(|n| n.unwrap_or_default()).collect(),
            code,
            lines,
        }
    }

    fn func_ref(&self, index: u32) -> String {
        match self.names.get(index as usize) {
            Some(name) => name_literal(name),
            None => index.to_string(),
        }
    }

    fn render(&self) -> String {
        let m = self.module;
        let arch = m.arch;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "; DotVM module: {arch}, {} functions, {} constants, {} globals, {} data segments",
            m.functions.len(),
            m.constants.len(),
            m.globals.len(),
            m.memory.segments.len()
        );
        let _ = writeln!(out, ".arch {arch}");
        let _ = write!(out, ".memory {}", m.memory.initial_pages);
        if let Some(max) = m.memory.max_pages {
            let _ = write!(out, " {max}");
        }
        out.push('\n');
        let _ = writeln!(out, ".entry {}", self.func_ref(m.entry));
        self.render_debug_header(&mut out);
        if !m.constants.is_empty() {
            out.push('\n');
        }
        for (i, constant) in m.constants.iter().enumerate() {
            let value = match constant {
                Constant::Int(v) => format!("int {}", format_word(*v, arch)),
                Constant::F32(bits) => {
                    let f = f32::from_bits(*bits);
                    format!(
                        "f32 {}",
                        float_text(f.is_nan(), format!("{f:?}"), format!("{bits:#010x}"))
                    )
                }
                Constant::F64(bits) => {
                    let f = f64::from_bits(*bits);
                    format!(
                        "f64 {}",
                        float_text(f.is_nan(), format!("{f:?}"), format!("{bits:#018x}"))
                    )
                }
                Constant::Str(s) => format!("str {}", quote_str(s)),
                Constant::Bytes(b) => format!("bytes {}", bytes_literal_text(b)),
            };
            let _ = writeln!(out, ".pool k{i} {value}");
        }
        if !m.globals.is_empty() {
            out.push('\n');
        }
        for (i, global) in m.globals.iter().enumerate() {
            let flag = if global.mutable { " mut" } else { "" };
            let _ = writeln!(out, ".global g{i} {}{flag}", format_word(global.init, arch));
        }
        if !m.memory.segments.is_empty() {
            out.push('\n');
        }
        for (i, segment) in m.memory.segments.iter().enumerate() {
            let contents = match std::str::from_utf8(&segment.bytes) {
                Ok(text) if is_text(&segment.bytes) => quote_str(text),
                _ => bytes_literal_text(&segment.bytes),
            };
            let _ = writeln!(out, ".data d{i} at {} {contents}", segment.offset);
        }
        render_linking(m, &mut out);
        if !m.exports.is_empty() {
            out.push('\n');
        }
        for export in &m.exports {
            let func = self.func_ref(export.func);
            if self.names.get(export.func as usize) == Some(&export.name) {
                let _ = writeln!(out, ".export {func}");
            } else {
                let _ = writeln!(out, ".export {func} as {}", name_literal(&export.name));
            }
        }
        for index in 0..m.functions.len() {
            out.push('\n');
            self.render_function(&mut out, index);
        }
        if let (Some(debug), None) = (&m.debug, &self.lines)
            && !debug.lines.is_empty()
        {
            out.push_str("\n; line table (not in instruction order, so written raw)\n");
            for entry in &debug.lines {
                let _ = writeln!(out, ".lineat {} {} {}", entry.func, entry.pc, entry.line);
            }
        }
        if let Some(debug) = &m.debug
            && debug.source_map != crate::source_map::SourceMap::default()
        {
            render_source_map(&mut out, &debug.source_map);
        }
        out
    }

    fn render_debug_header(&self, out: &mut String) {
        let Some(debug) = &self.module.debug else {
            out.push_str(".debug none\n");
            return;
        };
        let count = self.module.functions.len();
        let named = debug.function_names.len();
        if named < count {
            let _ = writeln!(out, ".debug names={named}");
        } else if named > count {
            let _ = writeln!(
                out,
                "; the debug section names {named} functions but the module has {count}; the extra names are dropped"
            );
        }
        if let Some(source) = &debug.source {
            let _ = writeln!(out, ".source {}", quote_str(source));
        }
    }

    fn render_function(&self, out: &mut String, index: usize) {
        let func = &self.module.functions[index];
        let name = &self.names[index];
        let _ = writeln!(out, "; function {index}");
        let _ = write!(
            out,
            ".func {} params={} results={} locals={} max_stack={}",
            name_literal(name),
            func.params,
            func.results,
            func.locals,
            func.max_stack
        );
        if let Some(ty) = func.ty {
            let _ = write!(out, " type={ty}");
        }
        if let Some(recorded) = self
            .module
            .debug
            .as_ref()
            .and_then(|d| d.function_names.get(index))
            && recorded != name
        {
            let _ = write!(out, " debugname={}", quote_str(recorded));
        }
        out.push('\n');
        let decoded = &self.code[index];
        let starts: HashSet<u32> = decoded.instructions.iter().map(|(pc, _)| *pc).collect();
        let end = func.code.len() as u32;
        let labels: BTreeSet<u32> = decoded
            .instructions
            .iter()
            .flat_map(|(_, inst)| match &inst.operand {
                Operand::Target(t) => vec![*t],
                Operand::Targets(targets) => targets.clone(),
                _ => Vec::new(),
            })
            .filter(|t| starts.contains(t) || *t == end)
            .collect();
        for (pc, inst) in &decoded.instructions {
            if labels.contains(pc) {
                let _ = writeln!(out, "L{pc}:");
            }
            if let Some(line) = self
                .lines
                .as_ref()
                .and_then(|l| l.get(&(index as u32, *pc)))
            {
                let _ = writeln!(out, "    .line {line}");
            }
            let _ = writeln!(out, "    {}", self.instruction(inst, &labels));
        }
        if let Some((pc, why)) = &decoded.failure {
            let _ = writeln!(out, "    ; undecodable from pc {pc}: {why}");
            let _ = writeln!(
                out,
                "    .raw {}",
                bytes_literal_text(&func.code[*pc as usize..])
            );
        }
        if labels.contains(&end) {
            let _ = writeln!(out, "L{end}:");
        }
        out.push_str(".end\n");
    }

    fn instruction(&self, inst: &Instruction, labels: &BTreeSet<u32>) -> String {
        let m = self.module;
        let mnemonic = inst.opcode.mnemonic();
        let target = |t: u32| {
            if labels.contains(&t) {
                format!("L{t}")
            } else {
                format!("@{t}")
            }
        };
        let operand = match inst.operand {
            Operand::None | Operand::Offset(0) => return mnemonic.to_string(),
            Operand::Targets(ref targets) => {
                let targets: Vec<String> = targets.iter().map(|&t| target(t)).collect();
                targets.join(" ")
            }
            Operand::Pair(a, b) => format!("{a} {b}"),
            Operand::Imm(v) => format_word(v, m.arch),
            Operand::Index(i) => match inst.opcode.operand() {
                crate::isa::OperandKind::Const if (i as usize) < m.constants.len() => {
                    format!("k{i}")
                }
                crate::isa::OperandKind::Global if (i as usize) < m.globals.len() => {
                    format!("g{i}")
                }
                crate::isa::OperandKind::Func => self.func_ref(i),
                _ => i.to_string(),
            },
            Operand::Target(t) => target(t),
            Operand::Offset(o) => format!("+{o}"),
            Operand::Depth(d) => d.to_string(),
            Operand::Syscall(n) => match Syscall::from_number(n) {
                Some(call) => call.name().to_string(),
                None => n.to_string(),
            },
            Operand::Selector(selector) => selector.name().to_string(),
            Operand::Lanes(width) => width.bits().to_string(),
            Operand::WordLane(width, index) => format!("{} {index}", width.bits()),
            Operand::Lane(lane) => lane.to_string(),
            Operand::MemLane(offset, lane) => format!("+{offset} {lane}"),
            Operand::Bytes16(ref bytes) => {
                crate::instruction::bytes16_text(inst.opcode, bytes)[1..].to_string()
            }
        };
        format!("{mnemonic} {operand}")
    }
}

/// The `.type`, `.table`, `.elem`, `.passive` and `.import` directives of `m`.
fn render_linking(m: &Module, out: &mut String) {
    let names = |types: &[SigType]| {
        types
            .iter()
            .map(|t| format!(" {}", t.name()))
            .collect::<String>()
    };
    let kind = |k: RefKind| match k {
        RefKind::Func => "funcref",
        RefKind::Extern => "externref",
    };
    let empty = m.types.is_empty()
        && m.tables.is_empty()
        && m.elements.is_empty()
        && m.data.is_empty()
        && m.imports.is_empty();
    if !empty {
        out.push('\n');
    }
    for ty in &m.types {
        let _ = writeln!(
            out,
            ".type params{} results{}",
            names(&ty.params),
            names(&ty.results)
        );
    }
    for table in &m.tables {
        let _ = write!(out, ".table {} {}", kind(table.kind), table.initial);
        if let Some(max) = table.max {
            let _ = write!(out, " {max}");
        }
        out.push('\n');
    }
    for segment in &m.elements {
        let _ = write!(out, ".elem {}", kind(segment.kind));
        for &item in &segment.items {
            match item.checked_sub(1) {
                None => out.push_str(" null"),
                Some(f) => {
                    let _ = write!(out, " {f}");
                }
            }
        }
        out.push('\n');
    }
    for bytes in &m.data {
        let _ = writeln!(out, ".passive {}", bytes_literal_text(bytes));
    }
    for import in &m.imports {
        let _ = writeln!(
            out,
            ".import {} {} {}",
            quote_str(&import.module),
            quote_str(&import.name),
            import.ty
        );
    }
}

/// Decodes as much of `code` as possible.
fn decode(code: &[u8]) -> Decoded {
    let mut instructions = Vec::new();
    let mut pc = 0usize;
    while pc < code.len() {
        match Instruction::decode(code, pc as u32) {
            Ok((inst, len)) => {
                instructions.push((pc as u32, inst));
                pc += len;
            }
            Err(e) => {
                return Decoded {
                    instructions,
                    failure: Some((pc as u32, e.to_string())),
                };
            }
        }
    }
    Decoded {
        instructions,
        failure: None,
    }
}

/// The line table keyed by (function, pc), if every entry sits on a decoded instruction
/// and the entries are strictly sorted (so `.line` directives reproduce them exactly).
fn line_map(
    lines: &[crate::module::LineEntry],
    code: &[Decoded],
) -> Option<HashMap<(u32, u32), u32>> {
    let sorted = lines
        .windows(2)
        .all(|w| (w[0].func, w[0].pc) < (w[1].func, w[1].pc));
    let placed = lines.iter().all(|e| {
        code.get(e.func as usize).is_some_and(|d| {
            d.instructions
                .binary_search_by_key(&e.pc, |(pc, _)| *pc)
                .is_ok()
        })
    });
    (sorted && placed).then(|| lines.iter().map(|e| ((e.func, e.pc), e.line)).collect())
}

/// Writes the source map as `.srcfile`, `.srcname` and `.srcloc` directives.
fn render_source_map(out: &mut String, map: &crate::source_map::SourceMap) {
    out.push_str("\n; source map\n");
    for file in &map.files {
        let _ = writeln!(out, ".srcfile {}", quote_str(file));
    }
    for name in &map.names {
        let _ = writeln!(out, ".srcname {}", quote_str(name));
    }
    for e in &map.entries {
        let _ = write!(
            out,
            ".srcloc {} {} {} {} {}",
            e.func, e.pc, e.loc.file, e.loc.line, e.loc.column
        );
        for call in &e.inlined {
            let c = call.call;
            let _ = write!(out, " {} {} {} {}", call.name, c.file, c.line, c.column);
        }
        out.push('\n');
    }
}

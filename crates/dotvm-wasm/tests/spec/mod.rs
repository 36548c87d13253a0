//! The spec-script interpreter: runs each directive of a `.wast` file against translated
//! modules and counts passes, failures and skips.

mod host;
mod values;

use dotvm_core::Imm;
use dotvm_core::module::SigType;
use dotvm_core::{Arch, Verified};
use dotvm_vm::HostFunctions;
use dotvm_vm::{BufferIo, CallOutcome, Instance, Limits, RunError, TrapKind};
use dotvm_wasm::{ExportKind, HostImport, TranslateError, TranslateOptions, Translation};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use values::Value;
use wast::core::WastRetCore;
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet};

/// Failures printed per file and configuration unless `DOTVM_SPEC_VERBOSE` is set.
const FAILURES_SHOWN: usize = 3;

/// Pass, fail and skip counts.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    passed: u64,
    failed: u64,
    skipped: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

/// Runs the whole suite; returns the process exit code.
pub(crate) fn main() -> i32 {
    let Some(dir) = suite_dir() else {
        println!(
            "spec: the WebAssembly testsuite was not found (set DOTVM_WASM_TESTSUITE or put it \
             in ../shared/wasm-testsuite); nothing to run"
        );
        println!("spec: 0 passed, 0 failed, 0 skipped");
        return 0;
    };
    let skips = read_skips();
    let filter = std::env::var("DOTVM_SPEC_FILTER").unwrap_or_default();
    let verbose = std::env::var_os("DOTVM_SPEC_VERBOSE").is_some();
    let archs: Vec<Arch> = match std::env::var("DOTVM_SPEC_ARCHS") {
        Ok(list) => list
            .split(',')
            .filter_map(|a| a.trim().parse().ok())
            .collect(),
        Err(_) => Arch::ALL.to_vec(),
    };
    let levels: Vec<u8> = match std::env::var("DOTVM_SPEC_LEVELS") {
        Ok(list) => list
            .split(',')
            .filter_map(|l| l.trim().parse().ok())
            .collect(),
        Err(_) => vec![0, 1, 2, 3],
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "wast"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut totals: HashMap<(Arch, u8), Tally> = HashMap::new();
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !name.contains(&filter) {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let skip = skip_reason(&skips, name);
        let prefix = format!("{name}:");
        let skipped_lines: Vec<usize> = skips
            .iter()
            .filter_map(|(pattern, _)| pattern.strip_prefix(&prefix)?.parse().ok())
            .collect();
        let file = File {
            name,
            text: &text,
            skip: skip.as_deref(),
            skipped_lines: &skipped_lines,
        };
        let results = run_file(&file, &archs, &levels, verbose);
        for (config, tally) in results {
            totals.entry(config).or_default().add(tally);
        }
    }
    let mut total = Tally::default();
    for &arch in &archs {
        for &level in &levels {
            let t = totals.get(&(arch, level)).copied().unwrap_or_default();
            println!(
                "spec {arch} -O{level}: {} passed, {} failed, {} skipped",
                t.passed, t.failed, t.skipped
            );
            total.add(t);
        }
    }
    println!(
        "spec: {} passed, {} failed, {} skipped",
        total.passed, total.failed, total.skipped
    );
    i32::from(total.failed > 0)
}

/// Where the testsuite is.
fn suite_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOTVM_WASM_TESTSUITE") {
        return Some(PathBuf::from(dir)).filter(|d| d.is_dir());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    [
        root.join("../shared/wasm-testsuite"),
        root.join("../../shared/wasm-testsuite"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
}

/// `(pattern, reason)` pairs from `spec_skips.txt`: a file name, a prefix ending in `*`,
/// or `file.wast:LINE` for the one directive starting on that line.
fn read_skips() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec_skips.txt");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (pattern, reason) = l.split_once(char::is_whitespace)?;
            Some((pattern.to_string(), reason.trim().to_string()))
        })
        .collect()
}

/// Why `file` is skipped, if it is.
fn skip_reason(skips: &[(String, String)], file: &str) -> Option<String> {
    skips
        .iter()
        .find(|(pattern, _)| match pattern.strip_suffix('*') {
            Some(prefix) => file.starts_with(prefix),
            None => file == pattern,
        })
        .map(|(_, reason)| reason.clone())
}

/// A script file and what of it is skipped.
struct File<'f> {
    name: &'f str,
    text: &'f str,
    /// Why the whole file is skipped, if it is.
    skip: Option<&'f str>,
    /// 1-based lines of single directives that are skipped.
    skipped_lines: &'f [usize],
}

/// Runs one file in every configuration.
fn run_file(
    file: &File<'_>,
    archs: &[Arch],
    levels: &[u8],
    verbose: bool,
) -> Vec<((Arch, u8), Tally)> {
    let (name, text, skip) = (file.name, file.text, file.skip);
    let mut lexer = Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let configs = archs
        .iter()
        .flat_map(|&a| levels.iter().map(move |&l| (a, l)));
    let buffer = match ParseBuffer::new_with_lexer(lexer) {
        Ok(buffer) => buffer,
        Err(e) => {
            println!("{name}: cannot lex: {e}");
            return Vec::new();
        }
    };
    let mut wast = match parser::parse::<Wast>(&buffer) {
        Ok(wast) => wast,
        Err(e) => {
            println!("{name}: cannot parse: {e}");
            return configs
                .map(|c| {
                    (
                        c,
                        Tally {
                            failed: 1,
                            ..Tally::default()
                        },
                    )
                })
                .collect();
        }
    };
    let count = wast.directives.len() as u64;
    if let Some(reason) = skip {
        println!("{name}: skipped ({reason})");
        return configs
            .map(|c| {
                (
                    c,
                    Tally {
                        skipped: count,
                        ..Tally::default()
                    },
                )
            })
            .collect();
    }
    let binaries: Vec<Option<Result<Vec<u8>, String>>> =
        wast.directives.iter_mut().map(encode_directive).collect();
    let mut results = Vec::new();
    for (arch, level) in configs {
        let mut script = Script::new(arch, level);
        let mut tally = Tally::default();
        let mut shown = 0;
        for (directive, binary) in wast.directives.iter().zip(&binaries) {
            let (line, _) = directive.span().linecol_in(text);
            let outcome = if file.skipped_lines.contains(&(line + 1)) {
                Outcome::Skip
            } else {
                script.run(directive, binary.as_ref())
            };
            match outcome {
                Outcome::Pass => tally.passed += 1,
                Outcome::Skip => tally.skipped += 1,
                Outcome::Fail(why) => {
                    tally.failed += 1;
                    if verbose || shown < FAILURES_SHOWN {
                        println!("{name}:{} [{arch} -O{level}]: {why}", line + 1);
                        shown += 1;
                    }
                }
            }
        }
        results.push(((arch, level), tally));
    }
    results
}

/// The binary of the module a directive carries, if any.
fn encode_directive(directive: &mut WastDirective<'_>) -> Option<Result<Vec<u8>, String>> {
    let encoded = match directive {
        WastDirective::Module(m)
        | WastDirective::ModuleDefinition(m)
        | WastDirective::AssertMalformed { module: m, .. }
        | WastDirective::AssertInvalid { module: m, .. } => m.encode(),
        WastDirective::AssertTrap {
            exec: WastExecute::Wat(w),
            ..
        }
        | WastDirective::AssertReturn {
            exec: WastExecute::Wat(w),
            ..
        }
        | WastDirective::AssertUnlinkable { module: w, .. } => w.encode(),
        _ => return None,
    };
    Some(encoded.map_err(|e| e.to_string()))
}

/// How one directive went.
enum Outcome {
    Pass,
    Fail(String),
    /// Listed in `spec_skips.txt`.
    Skip,
}

/// An instantiated module of the script.
struct Inst {
    instance: Instance,
    translation: Translation,
    /// For each host import of the module: the instance and function it calls.
    links: Vec<(usize, u32)>,
}

/// Calls across instances: answers a module's host imports by calling the exporting
/// instance.
struct Linker<'s> {
    instances: &'s [Rc<RefCell<Inst>>],
    links: &'s [(usize, u32)],
    depth: usize,
}

/// Nested cross-instance calls allowed before the call counts as exhausted.
const MAX_LINK_DEPTH: usize = 64;

impl HostFunctions for Linker<'_> {
    fn call_import(&mut self, import: u32, args: &[Imm]) -> Result<Vec<Imm>, TrapKind> {
        let (index, func) = self.links[import as usize];
        if self.depth >= MAX_LINK_DEPTH {
            return Err(TrapKind::CallDepthExceeded);
        }
        let mut target = self.instances[index]
            .try_borrow_mut()
            .map_err(|_| TrapKind::Host("re-entrant call into an instance".into()))?;
        let links = target.links.clone();
        let mut host = Linker {
            instances: self.instances,
            links: &links,
            depth: self.depth + 1,
        };
        match target
            .instance
            .call(func, args, &mut BufferIo::default(), &mut host)
        {
            Ok(CallOutcome::Returned(results)) => Ok(results),
            Ok(CallOutcome::Exited(code)) => Err(TrapKind::Host(format!("exited with {code}"))),
            Err(RunError::Trap(trap)) => Err(trap.kind),
            Err(e) => Err(TrapKind::Host(e.to_string())),
        }
    }
}

/// The state of one script run in one configuration.
struct Script {
    arch: Arch,
    level: u8,
    instances: Vec<Rc<RefCell<Inst>>>,
    named: HashMap<String, usize>,
    last: Option<usize>,
    registered: HashMap<(String, String), HostImport>,
    /// Every `register`: the name and the instance, in order.
    registrations: Vec<(String, usize)>,
    /// Registered functions: `(module, name)` → (instance, function).
    functions: HashMap<(String, String), (usize, u32)>,
}

/// What running a module's initializer or a function produced.
type Run = Result<Vec<Value>, Failure>;

/// Why a module or call did not complete.
enum Failure {
    Translate(TranslateError),
    Trap(TrapKind),
    Other(String),
}

impl Failure {
    fn describe(&self) -> String {
        match self {
            Failure::Translate(e) => format!("translation failed: {e}"),
            Failure::Trap(kind) => format!("trapped: {kind}"),
            Failure::Other(why) => why.clone(),
        }
    }
}

impl Script {
    fn new(arch: Arch, level: u8) -> Script {
        Script {
            arch,
            level,
            instances: Vec::new(),
            named: HashMap::new(),
            last: None,
            registered: HashMap::new(),
            functions: HashMap::new(),
            registrations: Vec::new(),
        }
    }

    fn limits() -> Limits {
        Limits {
            memory_bytes: 1 << 30,
            instructions: 1 << 32,
            ..Limits::default()
        }
    }

    fn options(&self) -> TranslateOptions {
        TranslateOptions {
            arch: self.arch,
            opt_level: self.level,
            debug_names: true,
            entry_export: None,
        }
    }

    /// Translates and instantiates `binary`, running its initializer.
    fn instantiate(&mut self, binary: &[u8]) -> Result<Inst, Failure> {
        self.refresh_registrations();
        let imports = host::Imports {
            registered: &self.registered,
        };
        let translation = dotvm_wasm::translate_with(binary, &self.options(), &imports)
            .map_err(Failure::Translate)?;
        let verified = Verified::new(translation.module.clone())
            .map_err(|e| Failure::Other(format!("verification failed: {e}")))?;
        let mut instance =
            Instance::new(&verified, &Self::limits()).map_err(|e| Failure::Other(e.to_string()))?;
        let links: Vec<(usize, u32)> = translation
            .module
            .imports
            .iter()
            .map(|i| self.functions[&(i.module.clone(), i.name.clone())])
            .collect();
        let entry = translation.module.entry;
        let mut io = BufferIo::default();
        let mut host = Linker {
            instances: &self.instances,
            links: &links,
            depth: 0,
        };
        match instance.call(entry, &[], &mut io, &mut host) {
            Ok(_) => Ok(Inst {
                instance,
                translation,
                links,
            }),
            Err(RunError::Trap(trap)) => Err(Failure::Trap(trap.kind)),
            Err(e) => Err(Failure::Other(e.to_string())),
        }
    }

    fn instance_index(&self, name: Option<wast::token::Id<'_>>) -> Option<usize> {
        match name {
            Some(id) => self.named.get(id.name()).copied(),
            None => self.last,
        }
    }

    /// Calls an exported function.
    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Run {
        let arch = self.arch;
        let index = self
            .instance_index(invoke.module)
            .ok_or_else(|| Failure::Other("no such instance".into()))?;
        let mut inst = self.instances[index].borrow_mut();
        let func = inst
            .translation
            .exports
            .iter()
            .find(|e| e.kind == ExportKind::Func && e.name == invoke.name)
            .map(|e| e.index)
            .ok_or_else(|| Failure::Other(format!("no exported function `{}`", invoke.name)))?;
        let mut args = Vec::new();
        for a in &invoke.args {
            let WastArg::Core(core) = a else {
                return Err(Failure::Other("component argument".into()));
            };
            args.push(
                values::arg(core)
                    .ok_or_else(|| Failure::Other(format!("unsupported argument {core:?}")))?,
            );
        }
        let result_types: Vec<SigType> = inst.translation.signatures[func as usize].1.clone();
        let mut io = BufferIo::default();
        let Inst {
            instance, links, ..
        } = &mut *inst;
        let mut host = Linker {
            instances: &self.instances,
            links,
            depth: 0,
        };
        match instance.call(func, &values::to_slots(&args, arch), &mut io, &mut host) {
            Ok(CallOutcome::Returned(slots)) => values::from_slots(&slots, &result_types, arch)
                .ok_or_else(|| Failure::Other(format!("{} result slots", slots.len()))),
            Ok(CallOutcome::Exited(code)) => Err(Failure::Other(format!("exited with {code}"))),
            Err(RunError::Trap(trap)) => Err(Failure::Trap(trap.kind)),
            Err(e) => Err(Failure::Other(e.to_string())),
        }
    }

    /// Reads an exported global.
    fn get(&self, module: Option<wast::token::Id<'_>>, global: &str) -> Run {
        let index = self
            .instance_index(module)
            .ok_or_else(|| Failure::Other("no such instance".into()))?;
        let inst = self.instances[index].borrow();
        let g = inst
            .translation
            .exports
            .iter()
            .find(|e| e.kind == ExportKind::Global && e.name == global)
            .map(|e| e.index)
            .ok_or_else(|| Failure::Other(format!("no exported global `{global}`")))?;
        let (base, ty) = inst.translation.globals[g as usize];
        let wide = ty.val_type().slots(self.arch);
        let slots: Vec<_> = (0..wide)
            .filter_map(|i| inst.instance.global(base + i))
            .collect();
        values::from_slots(&slots, &[ty], self.arch)
            .ok_or_else(|| Failure::Other("global unreadable".into()))
    }

    /// Runs an action (invoke, get, or instantiating the module encoded as `binary`).
    fn execute(&mut self, exec: &WastExecute<'_>, binary: Option<&Result<Vec<u8>, String>>) -> Run {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(invoke),
            WastExecute::Get { module, global, .. } => self.get(*module, global),
            WastExecute::Wat(_) => match binary {
                Some(Ok(binary)) => self.instantiate(binary).map(|_| Vec::new()),
                _ => Err(Failure::Other("module does not encode".into())),
            },
        }
    }

    /// Recomputes what registered instances provide (memory and table sizes and global
    /// values change as they run).
    fn refresh_registrations(&mut self) {
        for (name, index) in self.registrations.clone() {
            self.register(&name, index);
        }
    }

    /// Makes the exports of instance `index` importable under `name`.
    fn register(&mut self, name: &str, index: usize) {
        let inst = self.instances[index].borrow();
        let module = &inst.translation.module;
        for export in &inst.translation.exports {
            let provided = match export.kind {
                ExportKind::Global => {
                    let (base, ty) = inst.translation.globals[export.index as usize];
                    if module.globals[base as usize].mutable {
                        continue;
                    }
                    let wide = ty.val_type().slots(self.arch);
                    let slots: Vec<_> = (0..wide)
                        .filter_map(|i| inst.instance.global(base + i))
                        .collect();
                    let Some(v) = values::from_slots(&slots, &[ty], self.arch) else {
                        continue;
                    };
                    HostImport::Global {
                        ty,
                        bits: v[0].bits,
                    }
                }
                ExportKind::Memory => HostImport::Memory {
                    initial: inst
                        .instance
                        .memory()
                        .map_or(module.memory.initial_pages, |m| m.size_pages() as u32),
                    max: module.memory.max_pages,
                },
                ExportKind::Table => {
                    let t = &module.tables[export.index as usize];
                    HostImport::Table {
                        kind: t.kind,
                        initial: inst.instance.table_len(export.index).unwrap_or(t.initial),
                        max: t.max,
                    }
                }
                ExportKind::Func => {
                    let (params, results) =
                        inst.translation.signatures[export.index as usize].clone();
                    self.functions.insert(
                        (name.to_string(), export.name.clone()),
                        (index, export.index),
                    );
                    HostImport::Function { params, results }
                }
            };
            self.registered
                .insert((name.to_string(), export.name.clone()), provided);
        }
    }

    /// Runs one directive.
    fn run(
        &mut self,
        directive: &WastDirective<'_>,
        binary: Option<&Result<Vec<u8>, String>>,
    ) -> Outcome {
        match directive {
            WastDirective::Module(module) => {
                let Some(Ok(binary)) = binary else {
                    return Outcome::Fail("module does not encode".into());
                };
                match self.instantiate(binary) {
                    Ok(inst) => {
                        self.instances.push(Rc::new(RefCell::new(inst)));
                        let index = self.instances.len() - 1;
                        self.last = Some(index);
                        if let Some(id) = module.name() {
                            self.named.insert(id.name().to_string(), index);
                        }
                        Outcome::Pass
                    }
                    Err(f) => Outcome::Fail(f.describe()),
                }
            }
            WastDirective::Register { name, module, .. } => match self.instance_index(*module) {
                Some(index) => {
                    self.registrations.push((name.to_string(), index));
                    self.register(name, index);
                    Outcome::Pass
                }
                None => Outcome::Fail("register: no such instance".into()),
            },
            WastDirective::Invoke(invoke) => match self.invoke(invoke) {
                Ok(_) => Outcome::Pass,
                Err(f) => Outcome::Fail(f.describe()),
            },
            WastDirective::AssertReturn { exec, results, .. } => match self.execute(exec, binary) {
                Ok(got) => {
                    let want: Vec<&WastRetCore<'_>> = results
                        .iter()
                        .filter_map(|r| match r {
                            WastRet::Core(c) => Some(c),
                            #[allow(unreachable_patterns)]
                            _ => None,
                        })
                        .collect();
                    if got.len() == want.len()
                        && got.iter().zip(&want).all(|(g, w)| values::matches(g, w))
                    {
                        Outcome::Pass
                    } else {
                        Outcome::Fail(format!("expected {want:?}, got {got:?}"))
                    }
                }
                Err(f) => Outcome::Fail(f.describe()),
            },
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec, binary) {
                Err(Failure::Trap(kind)) => {
                    let ours = kind.to_string();
                    if ours.contains(message) || message.contains(ours.as_str()) {
                        Outcome::Pass
                    } else {
                        Outcome::Fail(format!("expected trap `{message}`, got `{ours}`"))
                    }
                }
                Ok(got) => Outcome::Fail(format!("expected trap `{message}`, got {got:?}")),
                Err(f) => Outcome::Fail(f.describe()),
            },
            WastDirective::AssertExhaustion { call, .. } => match self.invoke(call) {
                Err(Failure::Trap(TrapKind::StackOverflow | TrapKind::CallDepthExceeded)) => {
                    Outcome::Pass
                }
                Err(f) => Outcome::Fail(f.describe()),
                Ok(got) => Outcome::Fail(format!("expected exhaustion, got {got:?}")),
            },
            WastDirective::AssertInvalid { .. } | WastDirective::AssertMalformed { .. } => {
                match binary {
                    Some(Ok(binary)) => {
                        match dotvm_wasm::translate_with(
                            binary,
                            &self.options(),
                            &host::Imports {
                                registered: &self.registered,
                            },
                        ) {
                            Err(TranslateError::Invalid { .. }) => Outcome::Pass,
                            Err(e) => Outcome::Fail(format!("rejected for another reason: {e}")),
                            Ok(_) => Outcome::Fail("invalid module accepted".into()),
                        }
                    }
                    _ => Outcome::Pass,
                }
            }
            WastDirective::AssertUnlinkable { .. } => {
                let binary = match binary {
                    Some(Ok(binary)) => Ok(binary.as_slice()),
                    _ => Err(Failure::Other("module does not encode".into())),
                };
                match binary.and_then(|b| self.instantiate(b)) {
                    Err(Failure::Translate(
                        TranslateError::UnresolvedImports(_)
                        | TranslateError::IncompatibleImport { .. },
                    )) => Outcome::Pass,
                    Err(f) => Outcome::Fail(format!("not a link error: {}", f.describe())),
                    Ok(_) => Outcome::Fail("unlinkable module linked".into()),
                }
            }
            other => Outcome::Fail(format!("unsupported directive {other:?}")),
        }
    }
}

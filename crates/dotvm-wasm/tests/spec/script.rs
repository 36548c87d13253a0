//! One spec script in one configuration: its wasm instances, the DotVM instances they run
//! in, registrations, and each directive's outcome.
//!
//! Wasm instances that share state run in one DotVM instance (a *group*): a module that
//! imports a registered instance's table, memory, mutable or reference global is translated
//! *into* that instance's DotVM module (`dotvm_wasm::translate_linked`), the running
//! instance's state is adopted by the extended module, and both then share everything by
//! index. Other function imports are host calls from one group into another.

use super::Outcome;
use super::host::spectest;
use super::values::{self, Value};
use dotvm_core::module::{Module, SigType};
use dotvm_core::{Arch, Imm, Verified};
use dotvm_vm::{
    BufferIo, CallOutcome, HostFunctions, Instance, Limits, LinearMemory, RunError, StateStore,
    TrapKind,
};
use dotvm_wasm::{
    ExportKind, HostImport, ImportResolver, TranslateError, TranslateOptions, Translation,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wast::core::WastRetCore;
use wast::{WastDirective, WastExecute, WastInvoke, WastRet};

/// A DotVM instance under the engine `DOTVM_SPEC_ENGINE` names: `interp` (the default) or
/// `jit` (the compiled tier, `dotvm-jit`).
enum Engine {
    /// The interpreter.
    Interp(Instance),
    /// Compiled code.
    Jit(Box<dotvm_jit::JitInstance>),
}

impl Engine {
    /// Instantiates `module` under the configured engine.
    fn new(module: &Verified, limits: &Limits) -> Result<Engine, String> {
        if super::engine() == "jit" {
            dotvm_jit::JitInstance::new(module, limits)
                .map(|instance| Engine::Jit(Box::new(instance)))
                .map_err(|e| e.to_string())
        } else {
            Instance::new(module, limits)
                .map(Engine::Interp)
                .map_err(|e| e.to_string())
        }
    }

    /// Calls a function (see [`Instance::call`]).
    fn call(
        &mut self,
        func: u32,
        args: &[Imm],
        io: &mut BufferIo,
        imports: &mut dyn HostFunctions,
    ) -> Result<CallOutcome, RunError> {
        match self {
            Engine::Interp(instance) => instance.call(func, args, io, imports),
            Engine::Jit(instance) => instance.call(func, args, io, imports),
        }
    }

    /// Takes over `old`'s state (see [`Instance::adopt`]).
    fn adopt(&mut self, old: &Engine) -> Result<(), dotvm_vm::LoadError> {
        let old: &Instance = old;
        match self {
            Engine::Interp(instance) => instance.adopt(old),
            Engine::Jit(instance) => instance.adopt(old),
        }
    }
}

impl std::ops::Deref for Engine {
    type Target = Instance;

    fn deref(&self) -> &Instance {
        match self {
            Engine::Interp(instance) => instance,
            Engine::Jit(instance) => instance,
        }
    }
}

/// A DotVM instance running one or more linked wasm modules.
struct Group {
    instance: Engine,
    /// The DotVM module (all linked wasm modules so far).
    module: Module,
    /// For each host import of the module: the group and function it calls.
    links: Vec<(usize, u32)>,
}

/// A wasm instance of the script.
struct Inst {
    group: usize,
    translation: Translation,
}

/// What a registered name refers to: an export of a wasm instance.
#[derive(Clone, Copy)]
struct Registered {
    instance: usize,
    kind: ExportKind,
    index: u32,
}

/// Calls across groups: answers a module's host imports by calling the exporting group.
struct Linker<'s> {
    groups: &'s [Rc<RefCell<Group>>],
    links: &'s [(usize, u32)],
    depth: usize,
}

/// Nested cross-group calls allowed before the call counts as exhausted.
const MAX_LINK_DEPTH: usize = 64;

impl HostFunctions for Linker<'_> {
    fn call_import(
        &mut self,
        import: u32,
        args: &[Imm],
        _memory: &mut LinearMemory,
        _state: Option<&mut dyn StateStore>,
    ) -> Result<Vec<Imm>, TrapKind> {
        let (group, func) = self.links[import as usize];
        if self.depth >= MAX_LINK_DEPTH {
            return Err(TrapKind::CallDepthExceeded);
        }
        let mut target = self.groups[group]
            .try_borrow_mut()
            .map_err(|_| TrapKind::Host("re-entrant call into an instance".into()))?;
        let links = target.links.clone();
        let mut host = Linker {
            groups: self.groups,
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

/// What running a module's initializer or a function produced.
type Run = Result<Vec<Value>, Failure>;

/// Why a module or call did not complete.
pub(super) enum Failure {
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

/// The state of one script run in one configuration.
pub(super) struct Script {
    arch: Arch,
    level: u8,
    groups: Vec<Rc<RefCell<Group>>>,
    instances: Vec<Inst>,
    named: HashMap<String, usize>,
    last: Option<usize>,
    registered: HashMap<(String, String), Registered>,
}

/// Resolves the imports of a module about to be instantiated.
struct Resolver<'s> {
    script: &'s Script,
    /// The group the module is linked into, if any.
    base: Option<usize>,
}

impl ImportResolver for Resolver<'_> {
    fn resolve(&self, module: &str, name: &str) -> Option<HostImport> {
        if module == "spectest" {
            return spectest(name);
        }
        let r = *self
            .script
            .registered
            .get(&(module.to_string(), name.to_string()))?;
        Some(self.script.provide(r, self.base))
    }
}

impl Script {
    pub(super) fn new(arch: Arch, level: u8) -> Script {
        Script {
            arch,
            level,
            groups: Vec::new(),
            instances: Vec::new(),
            named: HashMap::new(),
            last: None,
            registered: HashMap::new(),
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

    /// The value of wasm global `g` of instance `inst`.
    fn global_value(&self, inst: &Inst, g: u32) -> Option<Value> {
        let (index, ty) = *inst.translation.globals.get(g as usize)?;
        let group = self.groups[inst.group].borrow();
        let slots: Vec<Imm> = (0..ty.val_type().slots(self.arch))
            .filter_map(|i| group.instance.global(index + i))
            .collect();
        values::from_slots(&slots, &[ty], self.arch).map(|v| v[0])
    }

    /// How a registered export is provided to a module linked into group `base`.
    fn provide(&self, r: Registered, base: Option<usize>) -> HostImport {
        let inst = &self.instances[r.instance];
        let same = base == Some(inst.group);
        let group = self.groups[inst.group].borrow();
        match r.kind {
            ExportKind::Func => {
                let (params, results) = inst.translation.signatures[r.index as usize].clone();
                let index = inst.translation.functions[r.index as usize];
                if same {
                    HostImport::LinkedFunction {
                        index,
                        params,
                        results,
                    }
                } else {
                    HostImport::Function { params, results }
                }
            }
            ExportKind::Global => {
                let (index, ty) = inst.translation.globals[r.index as usize];
                let mutable = group.module.globals[index as usize].mutable;
                drop(group);
                let bits = self.global_value(inst, r.index).map_or(0, |v| v.bits);
                if same {
                    HostImport::LinkedGlobal {
                        index,
                        ty,
                        mutable,
                        bits,
                    }
                } else {
                    HostImport::Global { ty, bits }
                }
            }
            ExportKind::Memory => {
                let initial = group
                    .instance
                    .memory()
                    .map_or(group.module.memory.initial_pages, |m| m.size_pages() as u32);
                let max = group.module.memory.max_pages;
                if same {
                    HostImport::LinkedMemory { initial, max }
                } else {
                    HostImport::Memory { initial, max }
                }
            }
            ExportKind::Table => {
                let index = inst.translation.tables[r.index as usize];
                let t = &group.module.tables[index as usize];
                let initial = group.instance.table_len(index).unwrap_or(t.initial);
                if same {
                    HostImport::LinkedTable {
                        index,
                        kind: t.kind,
                        initial,
                        max: t.max,
                    }
                } else {
                    HostImport::Table {
                        kind: t.kind,
                        initial,
                        max: t.max,
                    }
                }
            }
        }
    }

    /// The group a module importing `imports` must join: the group of the first registered
    /// table, memory, mutable or reference global it imports.
    fn base_group(&self, imports: &[(String, String)]) -> Option<usize> {
        imports.iter().find_map(|key| {
            let r = self.registered.get(key)?;
            let inst = &self.instances[r.instance];
            let shared = match r.kind {
                ExportKind::Memory | ExportKind::Table => true,
                ExportKind::Global => {
                    let (index, ty) = inst.translation.globals[r.index as usize];
                    let group = self.groups[inst.group].borrow();
                    group.module.globals[index as usize].mutable
                        || matches!(ty, SigType::FuncRef | SigType::ExternRef)
                }
                ExportKind::Func => false,
            };
            shared.then_some(inst.group)
        })
    }

    /// Translates and instantiates `binary`, running its initializer. A module linked into
    /// a group replaces the group's DotVM instance even when its initializer traps (what it
    /// wrote to shared state stays).
    fn instantiate(&mut self, binary: &[u8]) -> Result<Inst, Failure> {
        let imports = dotvm_wasm::import_names(binary).map_err(Failure::Translate)?;
        let base = self.base_group(&imports);
        let resolver = Resolver { script: self, base };
        let translation = match base {
            Some(g) => {
                let module = self.groups[g].borrow().module.clone();
                dotvm_wasm::translate_linked(binary, &self.options(), &resolver, &module)
            }
            None => dotvm_wasm::translate_with(binary, &self.options(), &resolver),
        }
        .map_err(Failure::Translate)?;
        let module = translation.module.clone();
        let verified = Verified::new(module.clone())
            .map_err(|e| Failure::Other(format!("verification failed: {e}")))?;
        let mut instance = Engine::new(&verified, &Self::limits()).map_err(Failure::Other)?;
        let mut links = match base {
            Some(g) => {
                let group = self.groups[g].borrow();
                instance
                    .adopt(&group.instance)
                    .map_err(|e| Failure::Other(e.to_string()))?;
                group.links.clone()
            }
            None => Vec::new(),
        };
        for import in &module.imports[links.len()..] {
            let key = (import.module.clone(), import.name.clone());
            let r = self.registered[&key];
            let inst = &self.instances[r.instance];
            links.push((inst.group, inst.translation.functions[r.index as usize]));
        }
        let entry = module.entry;
        let mut host = Linker {
            groups: &self.groups,
            links: &links,
            depth: 0,
        };
        let result = instance.call(entry, &[], &mut BufferIo::default(), &mut host);
        let group = Group {
            instance,
            module,
            links,
        };
        let index = match base {
            Some(g) => {
                *self.groups[g].borrow_mut() = group;
                g
            }
            None => {
                self.groups.push(Rc::new(RefCell::new(group)));
                self.groups.len() - 1
            }
        };
        match result {
            Ok(_) => Ok(Inst {
                group: index,
                translation,
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
        let inst = &self.instances[index];
        let export = inst
            .translation
            .exports
            .iter()
            .find(|e| e.kind == ExportKind::Func && e.name == invoke.name)
            .map(|e| e.index)
            .ok_or_else(|| Failure::Other(format!("no exported function `{}`", invoke.name)))?;
        let func = inst.translation.functions[export as usize];
        let mut args = Vec::new();
        for a in &invoke.args {
            let wast::WastArg::Core(core) = a else {
                return Err(Failure::Other("component argument".into()));
            };
            args.push(
                values::arg(core)
                    .ok_or_else(|| Failure::Other(format!("unsupported argument {core:?}")))?,
            );
        }
        let result_types: Vec<SigType> = inst.translation.signatures[export as usize].1.clone();
        let mut group = self.groups[inst.group].borrow_mut();
        let Group {
            instance, links, ..
        } = &mut *group;
        let mut host = Linker {
            groups: &self.groups,
            links,
            depth: 0,
        };
        match instance.call(
            func,
            &values::to_slots(&args, arch),
            &mut BufferIo::default(),
            &mut host,
        ) {
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
        let inst = &self.instances[index];
        let g = inst
            .translation
            .exports
            .iter()
            .find(|e| e.kind == ExportKind::Global && e.name == global)
            .map(|e| e.index)
            .ok_or_else(|| Failure::Other(format!("no exported global `{global}`")))?;
        self.global_value(inst, g)
            .map(|v| vec![v])
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

    /// Makes the exports of instance `index` importable under `name`.
    fn register(&mut self, name: &str, index: usize) {
        for export in &self.instances[index].translation.exports {
            self.registered.insert(
                (name.to_string(), export.name.clone()),
                Registered {
                    instance: index,
                    kind: export.kind,
                    index: export.index,
                },
            );
        }
    }

    /// Runs one directive.
    pub(super) fn run(
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
                        self.instances.push(inst);
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
                        let resolver = Resolver {
                            script: self,
                            base: None,
                        };
                        match dotvm_wasm::translate_with(binary, &self.options(), &resolver) {
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

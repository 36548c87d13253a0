//! The debugger proper: an [`Inspector`] that the precise interpreter calls before every
//! instruction. It keeps its own view of the call stack (a call is a step to a deeper
//! frame, a return one to a shallower frame), decides when to stop (breakpoints,
//! watchpoints, stepping by instruction or source line, finishing a function) and, when
//! stopped, reads and runs commands until one resumes the program.

use super::command::{Address, Command, HELP, Location, Place, parse};
use super::values::{self, FrameState};
use crate::symbols::{Frame, Symbols, is_runtime_frame};
use dotvm_core::source_map::{SourceLoc, SourceMap};
use dotvm_core::{Imm, Module};
use dotvm_vm::{Control, Inspector, MachineView};
use dotvm_wasm::variables::{Variable, Variables};
use std::collections::HashMap;
use std::io::{BufRead, Write};

/// Where commands come from.
pub(super) enum Input {
    /// A terminal: line editing and history, a `(dotvm) ` prompt.
    Terminal(Box<rustyline::DefaultEditor>),
    /// Anything else (a script): one command per line, no prompt.
    Script(Box<dyn BufRead>),
}

impl Input {
    /// The next command line, or `None` at the end of input.
    fn read(&mut self) -> Option<String> {
        match self {
            Input::Terminal(editor) => match editor.readline("(dotvm) ") {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        let _ = editor.add_history_entry(line.as_str());
                    }
                    Some(line)
                }
                Err(_) => None,
            },
            Input::Script(reader) => {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => None,
                    Ok(_) => Some(line),
                }
            }
        }
    }

    /// True for a terminal (a blank line repeats the last command there).
    fn is_terminal(&self) -> bool {
        matches!(self, Input::Terminal(_))
    }
}

/// How the program is running between stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Not started: stop at the first instruction for commands.
    NotStarted,
    /// Run until a breakpoint or watchpoint.
    Continue,
    /// Stop at the next instruction.
    StepInstruction,
    /// Stop at the next source line (innermost position), at any depth.
    Step {
        from: Option<(u32, u32)>,
        depth: usize,
    },
    /// Stop at the next source line of the function at `depth` (or a shallower one).
    Next {
        from: Option<(u32, u32)>,
        depth: usize,
    },
    /// Stop when the call stack is shallower than `depth` (function `func` returned).
    Finish { depth: usize, func: u32 },
}

/// A breakpoint or watchpoint.
#[derive(Debug, Clone)]
enum Point {
    /// Stop before any of these `(func, pc)`.
    Break {
        positions: Vec<(u32, u32)>,
        what: String,
    },
    /// Stop when memory `addr..addr + len` changes; `bytes` is its last known content.
    Watch { addr: u64, bytes: Vec<u8> },
}

/// Why the program stopped.
enum Reason {
    Start,
    Breakpoint(usize),
    Watchpoint {
        id: usize,
        addr: u64,
        old: Vec<u8>,
        new: Vec<u8>,
    },
    Stepped,
    Finished {
        function: String,
    },
}

/// The debugger's state.
pub(super) struct Debugger {
    module: Module,
    map: Option<SourceMap>,
    /// The source-level variables of the DWARF, for Rust and wasm inputs that have it.
    variables: Option<Variables>,
    input: Input,
    out: Box<dyn Write>,
    points: Vec<(usize, Point)>,
    next_id: usize,
    mode: Mode,
    /// The calling frames, outermost first: function and the pc of its call.
    callers: Vec<(u32, u32)>,
    /// Function, pc and depth of the previous instruction.
    last: Option<(u32, u32, usize)>,
    /// Selected frame (index into the expanded backtrace).
    selected: usize,
    last_command: Option<String>,
    sources: HashMap<String, Option<Vec<String>>>,
}

impl Debugger {
    /// A debugger for `module` (with the variables of its DWARF, when known) reading
    /// commands from `input` and writing to `out`.
    pub(super) fn new(
        module: Module,
        variables: Option<Variables>,
        input: Input,
        out: Box<dyn Write>,
    ) -> Debugger {
        let map = Symbols::new(&module).source_map().cloned();
        Debugger {
            module,
            map,
            variables,
            input,
            out,
            points: Vec::new(),
            next_id: 1,
            mode: Mode::NotStarted,
            callers: Vec::new(),
            last: None,
            selected: 0,
            last_command: None,
            sources: HashMap::new(),
        }
    }

    /// The innermost source line (file, line) at `func`/`pc`, if the map has one.
    fn line_at(&self, func: u32, pc: u32, outer: bool) -> Option<(u32, u32)> {
        let frames = self.map.as_ref()?.frames(func, pc);
        let frame = if outer { frames.last() } else { frames.first() }?;
        Some((frame.loc.file, frame.loc.line))
    }

    /// The reason to stop before this instruction, if any.
    fn should_stop(&mut self, view: &MachineView<'_>) -> Option<Reason> {
        let (func, pc, depth) = (view.func(), view.pc(), view.call_depth());
        for (id, point) in &mut self.points {
            if let Point::Watch { addr, bytes } = point {
                let now = read_memory(view.memory(), *addr, bytes.len() as u64);
                if let Some(now) = now
                    && now != *bytes
                {
                    let old = std::mem::replace(bytes, now.to_vec());
                    return Some(Reason::Watchpoint {
                        id: *id,
                        addr: *addr,
                        old,
                        new: now.to_vec(),
                    });
                }
            }
        }
        if self.mode == Mode::NotStarted {
            return Some(Reason::Start);
        }
        for (id, point) in &self.points {
            if let Point::Break { positions, .. } = point
                && positions.contains(&(func, pc))
            {
                return Some(Reason::Breakpoint(*id));
            }
        }
        let has_map = self.map.is_some();
        match self.mode {
            Mode::NotStarted | Mode::Continue => None,
            Mode::StepInstruction => Some(Reason::Stepped),
            Mode::Step { from, depth: start } => {
                // A function entered is stepped into past its prologue, when known.
                let in_prologue = depth > start
                    && self
                        .variables
                        .as_ref()
                        .and_then(|v| v.body_pc(func))
                        .is_some_and(|body| pc < body);
                let here = self.line_at(func, pc, false);
                let new_line = here.is_some_and(|(_, line)| line != 0) && here != from;
                (!in_prologue && (!has_map || new_line || depth < start)).then_some(Reason::Stepped)
            }
            Mode::Next { from, depth: start } => {
                let here = self.line_at(func, pc, true);
                let new_line = here.is_some_and(|(_, line)| line != 0) && here != from;
                (depth < start || (depth == start && (!has_map || new_line)))
                    .then_some(Reason::Stepped)
            }
            Mode::Finish {
                depth: target,
                func: finished,
            } => (depth < target).then(|| Reason::Finished {
                function: Symbols::with_map(&self.module, self.map.as_ref()).name(finished),
            }),
        }
    }

    /// Writes a line of output.
    fn say(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }

    /// The frames of the current stop, innermost first.
    fn backtrace(&self, view: &MachineView<'_>) -> Vec<Frame> {
        let symbols = Symbols::with_map(&self.module, self.map.as_ref());
        std::iter::once((view.func(), view.pc()))
            .chain(self.callers.iter().rev().copied())
            .flat_map(|(func, pc)| symbols.frames(func, pc))
            .collect()
    }

    /// The text of `line` of `file` (relative to the working directory), if readable.
    fn source_line(&mut self, file: &str, line: u32) -> Option<String> {
        let lines = self.sources.entry(file.to_string()).or_insert_with(|| {
            std::fs::read_to_string(file)
                .ok()
                .map(|text| text.lines().map(str::to_string).collect())
        });
        lines.as_ref()?.get(line.checked_sub(1)? as usize).cloned()
    }

    /// Describes a frame and shows its source line (or its instruction when there is no
    /// source position).
    fn show_frame(&mut self, frame: &Frame, view: Option<&MachineView<'_>>) {
        match &frame.source {
            Some(source) => {
                self.say(&format!("{} at {source}", frame.function));
                let mut parts = source.rsplitn(3, ':').collect::<Vec<_>>();
                parts.reverse();
                // `file:line:column` or `file:line`.
                let (file, line) = match parts.as_slice() {
                    [file, line, column] if column.parse::<u32>().is_ok() => (*file, *line),
                    [file, line] => (*file, *line),
                    [rest, line, _] => (*rest, *line),
                    _ => return,
                };
                let file = file.to_string();
                if let Ok(line) = line.parse::<u32>()
                    && let Some(text) = self.source_line(&file, line)
                {
                    self.say(&format!("{line:>6} | {text}"));
                }
            }
            None => {
                let instruction = view.map(|v| format!(": {}", v.instruction()));
                self.say(&format!(
                    "{} (func {} pc {}){}",
                    frame.function,
                    frame.func,
                    frame.pc,
                    instruction.unwrap_or_default()
                ));
            }
        }
    }

    /// Reports a stop and reads commands until one resumes (or quits) the program.
    fn stopped(&mut self, reason: Reason, view: &MachineView<'_>) -> Control {
        self.selected = 0;
        let frames = self.backtrace(view);
        match &reason {
            Reason::Start => {
                let symbols = Symbols::with_map(&self.module, self.map.as_ref());
                let functions = self.module.functions.len();
                let source = if symbols.source_map().is_some() {
                    "with source positions"
                } else {
                    "without source positions (bytecode only)"
                };
                self.say(&format!(
                    "program loaded: {functions} functions, {}, {source}",
                    self.module.arch
                ));
                self.say("type `run` to start, `help` for the commands");
            }
            Reason::Breakpoint(id) => {
                let _ = write!(self.out, "Breakpoint {id}, ");
                self.show_frame(&frames[0], Some(view));
            }
            Reason::Watchpoint { id, addr, old, new } => {
                self.say(&format!(
                    "Watchpoint {id}: memory {addr:#x} ({} bytes) changed",
                    old.len()
                ));
                self.say(&format!("  old: {}", hex_bytes(old)));
                self.say(&format!("  new: {}", hex_bytes(new)));
                self.show_frame(&frames[0], Some(view));
            }
            Reason::Stepped => {
                let show_instruction = self.mode == Mode::StepInstruction;
                self.show_frame(&frames[0], Some(view));
                if show_instruction && frames[0].source.is_some() {
                    self.say(&format!("  pc {}: {}", view.pc(), view.instruction()));
                }
            }
            Reason::Finished { function } => {
                let value = view
                    .operands()
                    .len()
                    .checked_sub(1)
                    .and_then(|top| view.operands().get(top))
                    .map(|v| format!("; top of stack {v}"))
                    .unwrap_or_default();
                self.say(&format!("{function} returned{value}"));
                self.show_frame(&frames[0], Some(view));
            }
        }
        loop {
            let Some(line) = self.input.read() else {
                return Control::Stop;
            };
            let line = if line.trim().is_empty() && self.input.is_terminal() {
                match self.last_command.clone() {
                    Some(last) => last,
                    None => continue,
                }
            } else {
                line
            };
            let command = match parse(&line) {
                Ok(Some(command)) => command,
                Ok(None) => continue,
                Err(message) => {
                    self.say(&format!("error: {message}"));
                    continue;
                }
            };
            self.last_command = Some(line.trim().to_string());
            if let Some(control) = self.run_command(command, view, &frames) {
                return control;
            }
        }
    }

    /// Runs one command; `Some` resumes (or stops) the program.
    fn run_command(
        &mut self,
        command: Command,
        view: &MachineView<'_>,
        frames: &[Frame],
    ) -> Option<Control> {
        let started = self.mode != Mode::NotStarted;
        let depth = view.call_depth();
        match command {
            Command::Run if started => {
                self.say("error: the program is already running (use `continue`)")
            }
            Command::Run | Command::Continue => {
                self.mode = Mode::Continue;
                return Some(Control::Continue);
            }
            Command::StepInstruction => {
                self.mode = Mode::StepInstruction;
                return Some(Control::Continue);
            }
            Command::Step => {
                self.mode = Mode::Step {
                    from: self.line_at(view.func(), view.pc(), false),
                    depth,
                };
                return Some(Control::Continue);
            }
            Command::Next => {
                self.mode = Mode::Next {
                    from: self.line_at(view.func(), view.pc(), true),
                    depth,
                };
                return Some(Control::Continue);
            }
            Command::Finish if !started => {
                self.say("error: the program is not running (use `run` or `step`)")
            }
            Command::Finish => {
                // The selected frame's function: inlined frames belong to the function
                // that holds them.
                let physical = frames[..=self.selected.min(frames.len() - 1)]
                    .iter()
                    .filter(|f| !f.inlined)
                    .count()
                    .saturating_sub(1);
                if physical + 1 >= depth {
                    self.say("error: the outermost frame cannot finish (use `continue`)");
                    return None;
                }
                let func = if physical == 0 {
                    Some(view.func())
                } else {
                    self.callers
                        .len()
                        .checked_sub(physical)
                        .and_then(|i| self.callers.get(i))
                        .map(|&(func, _)| func)
                };
                let Some(func) = func else {
                    self.say("error: the selected frame is not on the call stack");
                    return None;
                };
                self.mode = Mode::Finish {
                    depth: depth - physical,
                    func,
                };
                return Some(Control::Continue);
            }
            Command::Break(location) => self.add_breakpoint(&location),
            Command::Delete(None) => {
                self.points.clear();
                self.say("deleted all breakpoints and watchpoints");
            }
            Command::Delete(Some(id)) => {
                let before = self.points.len();
                self.points.retain(|(i, _)| *i != id);
                if self.points.len() == before {
                    self.say(&format!("error: no breakpoint or watchpoint {id}"));
                } else {
                    self.say(&format!("deleted {id}"));
                }
            }
            Command::Backtrace(all) => self.print_backtrace(frames, all),
            Command::Frame(n) => match frames.get(n) {
                Some(frame) => {
                    self.selected = n;
                    let _ = write!(self.out, "#{n:<2} ");
                    self.show_frame(&frame.clone(), (n == 0).then_some(view));
                }
                None => self.say(&format!(
                    "error: no frame {n} (the backtrace has {})",
                    frames.len()
                )),
            },
            Command::Locals => self.print_locals(view, frames),
            Command::Print(place) => match self.place_value(&place, view, frames) {
                Ok(text) => self.say(&text),
                Err(message) => self.say(&format!("error: {message}")),
            },
            Command::Examine(address, len) => match self.address(&address, view, frames) {
                Ok(addr) => match read_memory(view.memory(), addr, len) {
                    Some(bytes) => {
                        for (i, chunk) in bytes.chunks(16).enumerate() {
                            let ascii: String = chunk
                                .iter()
                                .map(|&b| {
                                    if b.is_ascii_graphic() || b == b' ' {
                                        b as char
                                    } else {
                                        '.'
                                    }
                                })
                                .collect();
                            self.say(&format!(
                                "{:#010x}: {:<48} {ascii}",
                                addr + 16 * i as u64,
                                hex_bytes(chunk)
                            ));
                        }
                    }
                    None => self.say(&format!(
                        "error: {addr:#x}..+{len} is outside memory ({} bytes)",
                        view.memory().len()
                    )),
                },
                Err(message) => self.say(&format!("error: {message}")),
            },
            Command::Watch(address, len) => match self.address(&address, view, frames) {
                Ok(addr) => match read_memory(view.memory(), addr, len) {
                    Some(bytes) => {
                        let id = self.next_id;
                        self.next_id += 1;
                        self.points.push((
                            id,
                            Point::Watch {
                                addr,
                                bytes: bytes.to_vec(),
                            },
                        ));
                        self.say(&format!("Watchpoint {id}: memory {addr:#x} ({len} bytes)"));
                    }
                    None => self.say(&format!(
                        "error: {addr:#x}..+{len} is outside memory ({} bytes)",
                        view.memory().len()
                    )),
                },
                Err(message) => self.say(&format!("error: {message}")),
            },
            Command::InfoBreakpoints => {
                if self.points.is_empty() {
                    self.say("no breakpoints or watchpoints");
                }
                let lines: Vec<String> = self
                    .points
                    .iter()
                    .map(|(id, point)| match point {
                        Point::Break { what, .. } => format!("{id:<3} breakpoint  {what}"),
                        Point::Watch { addr, bytes } => {
                            format!(
                                "{id:<3} watchpoint  memory {addr:#x} ({} bytes)",
                                bytes.len()
                            )
                        }
                    })
                    .collect();
                for line in lines {
                    self.say(&line);
                }
            }
            Command::Help => self.say(HELP),
            Command::Quit => return Some(Control::Stop),
        }
        None
    }

    /// Resolves a location and adds a breakpoint there.
    fn add_breakpoint(&mut self, location: &Location) {
        let resolved = {
            let symbols = Symbols::with_map(&self.module, self.map.as_ref());
            resolve(&symbols, self.variables.as_ref(), location)
        };
        match resolved {
            Ok((positions, what)) => {
                let id = self.next_id;
                self.next_id += 1;
                self.say(&format!("Breakpoint {id} at {what}"));
                self.points.push((id, Point::Break { positions, what }));
            }
            Err(message) => self.say(&format!("error: {message}")),
        }
    }

    /// Prints the backtrace, the runtime's outermost frames folded into one line unless
    /// `all`.
    fn print_backtrace(&mut self, frames: &[Frame], all: bool) {
        let own = frames.iter().rposition(|f| !is_runtime_frame(f));
        let mut shown = match own {
            Some(last) if last + 1 < frames.len() && !all => last + 1,
            _ => frames.len(),
        };
        // Only the Rust runtime's start-up is folded; other programs show every frame.
        let rust_runtime = frames[shown..].iter().any(|f| {
            f.function.starts_with("std::")
                || f.source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("/rustc/"))
        });
        if !rust_runtime {
            shown = frames.len();
        }
        let lines: Vec<String> = frames[..shown]
            .iter()
            .enumerate()
            .map(|(i, frame)| {
                let mark = if i == self.selected { "*" } else { " " };
                format!("{mark}#{i:<2} {frame}")
            })
            .collect();
        for line in lines {
            self.say(&line);
        }
        if shown < frames.len() {
            self.say("   (frames of the Rust runtime and WASI start-up below; `backtrace all` shows them)");
        }
    }

    /// The selected frame must be the innermost function (its own frame or a call
    /// inlined into it): only its operand stack is visible.
    fn check_innermost(&self, frames: &[Frame]) -> Result<(), String> {
        if self.physical_frame(frames) > 0 {
            return Err(format!(
                "frame {} is a caller: only the innermost function's operand stack is visible (select frame 0)",
                self.selected
            ));
        }
        Ok(())
    }

    /// How many function frames lie inside the selected one (0: the running function;
    /// inlined frames belong to the function that holds them).
    fn physical_frame(&self, frames: &[Frame]) -> usize {
        let selected = self.selected.min(frames.len().saturating_sub(1));
        frames[..selected].iter().filter(|f| !f.inlined).count()
    }

    /// The function, pc and local slots of the selected frame (a caller's from the
    /// engine, at the pc of its call).
    fn selected_slots(
        &self,
        view: &MachineView<'_>,
        frames: &[Frame],
    ) -> Result<(u32, u32, Vec<Imm>), String> {
        let physical = self.physical_frame(frames);
        if physical == 0 {
            return Ok((view.func(), view.pc(), view.locals().to_vec()));
        }
        let frame = &frames[self.selected.min(frames.len() - 1)];
        let locals = view
            .caller_locals(physical)
            .ok_or_else(|| format!("frame {} is not on the engine's call stack", self.selected))?;
        Ok((frame.func, frame.pc, locals))
    }

    /// The variables of `func` when its DWARF describes them.
    fn variables_of(&self, func: u32) -> Option<&Variables> {
        self.variables.as_ref().filter(|v| v.has_function(func))
    }

    /// Variable `name` in scope at `pc` of `func`.
    fn find_variable(&self, name: &str, func: u32, pc: u32) -> Result<&Variable, String> {
        let function = Symbols::with_map(&self.module, self.map.as_ref()).name(func);
        let Some(variables) = self.variables_of(func) else {
            return Err(format!(
                "no variable `{name}`: {function} has no DWARF variable information (see `locals`; local[N] shows a slot)"
            ));
        };
        let in_scope = variables.in_scope(func, pc);
        match in_scope.iter().find(|v| v.name == name) {
            Some(variable) => Ok(variable),
            None => {
                let names: Vec<&str> = in_scope.iter().map(|v| v.name.as_str()).collect();
                Err(format!(
                    "no variable `{name}` in scope in {function} here (in scope: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ))
            }
        }
    }

    /// Prints the selected frame's variables in scope, or its local slots (parameters
    /// typed) when the DWARF does not describe the function.
    fn print_locals(&mut self, view: &MachineView<'_>, frames: &[Frame]) {
        let (func, pc, locals) = match self.selected_slots(view, frames) {
            Ok(slots) => slots,
            Err(message) => {
                self.say(&format!("error: {message}"));
                return;
            }
        };
        let lines: Vec<String> = if let Some(variables) = self.variables_of(func) {
            let globals = view.globals().to_vec();
            let frame = FrameState {
                func,
                locals: &locals,
                globals: &globals,
                memory: view.memory(),
            };
            let lines: Vec<String> = variables
                .in_scope(func, pc)
                .into_iter()
                .map(|v| values::describe(variables, v, &frame))
                .collect();
            if lines.is_empty() {
                vec!["no variables in scope".to_string()]
            } else {
                lines
            }
        } else if locals.is_empty() {
            vec!["no locals".to_string()]
        } else {
            (0..locals.len())
                .map(|i| {
                    let (label, value) = self.local_value(func, &locals, i);
                    format!("{label} = {value}")
                })
                .collect()
        };
        for line in lines {
            self.say(&line);
        }
    }

    /// A local slot's label (with its parameter type when known) and value.
    fn local_value(&self, func: u32, locals: &[Imm], index: usize) -> (String, String) {
        let raw = locals.get(index).copied().unwrap_or_default();
        let function = &self.module.functions[func as usize];
        let ty = function
            .ty
            .and_then(|t| self.module.types.get(t as usize))
            .and_then(|t| param_type_of_slot(t, index, self.module.arch));
        match ty {
            Some(ty) => (
                format!("local[{index}] (param, {})", ty.name()),
                format_typed(raw, ty),
            ),
            None => (format!("local[{index}]"), format_raw(raw)),
        }
    }

    /// The text `print` shows for a place.
    fn place_value(
        &self,
        place: &Place,
        view: &MachineView<'_>,
        frames: &[Frame],
    ) -> Result<String, String> {
        match place {
            Place::Variable(name) => {
                let (func, pc, locals) = self.selected_slots(view, frames)?;
                let variable = self.find_variable(name, func, pc)?;
                let globals = view.globals().to_vec();
                let frame = FrameState {
                    func,
                    locals: &locals,
                    globals: &globals,
                    memory: view.memory(),
                };
                let variables = self.variables_of(func).ok_or("no variables")?;
                Ok(values::describe(variables, variable, &frame))
            }
            Place::Local(i) => {
                let (func, _, locals) = self.selected_slots(view, frames)?;
                if *i >= locals.len() {
                    return Err(format!(
                        "no local[{i}]: {} has {} local slots",
                        Symbols::with_map(&self.module, self.map.as_ref()).name(func),
                        locals.len()
                    ));
                }
                let (label, value) = self.local_value(func, &locals, *i);
                Ok(format!("{label} = {value}"))
            }
            Place::Global(i) => match view.globals().get(*i) {
                Some(v) => Ok(format!("global[{i}] = {}", format_raw(v))),
                None => Err(format!(
                    "no global[{i}]: the module has {} global slots",
                    view.globals().len()
                )),
            },
            Place::Stack(i) => {
                self.check_innermost(frames)?;
                let len = view.operands().len();
                match len
                    .checked_sub(i + 1)
                    .and_then(|at| view.operands().get(at))
                {
                    Some(v) => Ok(format!("stack[{i}] = {}", format_raw(v))),
                    None => Err(format!(
                        "no stack[{i}]: the operand stack holds {len} slots"
                    )),
                }
            }
            Place::Number(n) => Ok(format!("{n} = {n} ({n:#x})")),
        }
    }

    /// The memory address an [`Address`] names.
    fn address(
        &self,
        address: &Address,
        view: &MachineView<'_>,
        frames: &[Frame],
    ) -> Result<u64, String> {
        let base = match &address.base {
            Place::Number(n) => *n,
            Place::Variable(name) => {
                let (func, pc, locals) = self.selected_slots(view, frames)?;
                let variable = self.find_variable(name, func, pc)?;
                let globals = view.globals().to_vec();
                let frame = FrameState {
                    func,
                    locals: &locals,
                    globals: &globals,
                    memory: view.memory(),
                };
                let variables = self.variables_of(func).ok_or("no variables")?;
                values::address(variables, variable, &frame)?.ok_or_else(|| {
                    format!("`{name}` is kept in a slot, not in memory (use `print {name}`)")
                })?
            }
            place => {
                let value = match place {
                    Place::Local(i) => {
                        let (_, _, locals) = self.selected_slots(view, frames)?;
                        locals.get(*i).copied()
                    }
                    Place::Global(i) => view.globals().get(*i),
                    Place::Stack(i) => {
                        self.check_innermost(frames)?;
                        let len = view.operands().len();
                        len.checked_sub(i + 1)
                            .and_then(|at| view.operands().get(at))
                    }
                    Place::Number(_) | Place::Variable(_) => None,
                };
                let value = value.ok_or_else(|| format!("{place:?} does not exist here"))?;
                u64::try_from(value).map_err(|_| format!("{value:#x} is not a memory address"))?
            }
        };
        base.checked_add(address.offset)
            .ok_or_else(|| "the address overflows 64 bits".to_string())
    }
}

impl Inspector for Debugger {
    fn before_instruction(&mut self, view: &MachineView<'_>) -> Control {
        let (func, pc, depth) = (view.func(), view.pc(), view.call_depth());
        if let Some((last_func, last_pc, last_depth)) = self.last {
            if depth > last_depth {
                self.callers.push((last_func, last_pc));
            } else if depth < last_depth {
                self.callers.truncate(depth.saturating_sub(1));
            }
        }
        self.last = Some((func, pc, depth));
        match self.should_stop(view) {
            Some(reason) => self.stopped(reason, view),
            None => Control::Continue,
        }
    }
}

/// The positions a breakpoint location stands for, and a description.
/// A function's breakpoint goes after its prologue when `variables` knows where that
/// ends (as gdb places it), so that its parameters can be printed; else at pc 0.
fn resolve(
    symbols: &Symbols<'_>,
    variables: Option<&Variables>,
    location: &Location,
) -> Result<(Vec<(u32, u32)>, String), String> {
    let module = symbols.module();
    match location {
        Location::Function(name) => {
            let func = find_function(module, name)?;
            let function = symbols.name(func);
            let pc = variables.and_then(|v| v.body_pc(func)).unwrap_or(0);
            let first_line = symbols.source_map().and_then(|map| {
                map.entries
                    .iter()
                    .find(|e| e.func == func && e.pc >= pc && e.loc.line != 0)
                    .map(|e| symbols.describe(e.loc))
            });
            let what = match first_line {
                Some(line) => format!("{function} ({line})"),
                None => format!("{function} (func {func} pc {pc})"),
            };
            Ok((vec![(func, pc)], what))
        }
        Location::Pc(name, pc) => {
            let func = find_function(module, name)?;
            let code = &module.functions[func as usize].code;
            let starts = dotvm_core::Instruction::decode_all(code).unwrap_or_default();
            if !starts.iter().any(|(start, _)| start == pc) {
                return Err(format!(
                    "pc {pc} is not the start of an instruction of {} (it has {} code bytes)",
                    symbols.name(func),
                    code.len()
                ));
            }
            Ok((
                vec![(func, *pc)],
                format!("{} (func {func} pc {pc})", symbols.name(func)),
            ))
        }
        Location::Line(file, line) => {
            let Some(map) = symbols.source_map() else {
                return Err("the program has no source positions (build it with debug info, or assemble with a line table)".into());
            };
            let files = map.files_matching(file);
            if files.is_empty() {
                return Err(format!("no source file matches `{file}`"));
            }
            // The first line at or after `line` that has code.
            let best = map
                .entries
                .iter()
                .filter(|e| files.contains(&e.loc.file) && e.loc.line >= *line)
                .map(|e| e.loc.line)
                .min()
                .ok_or_else(|| format!("no code at or after line {line} of `{file}`"))?;
            let mut positions: Vec<(u32, u32)> = Vec::new();
            for entry in map.rows_at_line(&files, best) {
                // One position per function: its first row on the line.
                if !positions.iter().any(|(f, _)| *f == entry.func) {
                    positions.push((entry.func, entry.pc));
                }
            }
            let loc = SourceLoc {
                file: files[0],
                line: best,
                column: 0,
            };
            let mut what = symbols.describe(loc);
            if best != *line {
                what.push_str(&format!(" (line {line} has no code)"));
            }
            if positions.len() > 1 {
                what.push_str(&format!(" ({} places)", positions.len()));
            }
            Ok((positions, what))
        }
    }
}

/// The function named `name`: an index, an exact name, or a unique `::`-suffix match.
fn find_function(module: &Module, name: &str) -> Result<u32, String> {
    let count = module.functions.len() as u32;
    if let Ok(index) = name.parse::<u32>() {
        return if index < count {
            Ok(index)
        } else {
            Err(format!("no function {index} (the module has {count})"))
        };
    }
    let names: Vec<(u32, &str)> = (0..count)
        .filter_map(|f| module.function_name(f).map(|n| (f, n)))
        .collect();
    if let Some((f, _)) = names.iter().find(|(_, n)| *n == name) {
        return Ok(*f);
    }
    let suffix = format!("::{name}");
    let matches: Vec<&(u32, &str)> = names.iter().filter(|(_, n)| n.ends_with(&suffix)).collect();
    match matches.as_slice() {
        [(f, _)] => Ok(*f),
        [] => Err(format!("no function named `{name}`")),
        many => Err(format!(
            "`{name}` matches {} functions: {}",
            many.len(),
            many.iter()
                .take(5)
                .map(|(_, n)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The parameter type whose first slot is local slot `index`, if any.
fn param_type_of_slot(
    ty: &dotvm_core::module::FuncType,
    index: usize,
    arch: dotvm_core::Arch,
) -> Option<dotvm_core::module::SigType> {
    let mut slot = 0usize;
    for &param in &ty.params {
        if slot == index {
            return Some(param);
        }
        slot += param.val_type().slots(arch) as usize;
    }
    None
}

/// A slot shown as its type.
fn format_typed(value: dotvm_core::Imm, ty: dotvm_core::module::SigType) -> String {
    use dotvm_core::module::SigType;
    let low = value.as_limbs()[0];
    match ty {
        SigType::I32 => format!("{} ({:#x})", low as u32 as i32, low as u32),
        SigType::I64 => format!("{} ({low:#x})", low as i64),
        SigType::F32 => format!("{}", f32::from_bits(low as u32)),
        SigType::F64 => format!("{}", f64::from_bits(low)),
        // A vector shows the raw slot (its first slot below Arch128).
        SigType::W | SigType::FuncRef | SigType::ExternRef | SigType::V128 => format_raw(value),
    }
}

/// A slot shown as a number, decimal and hex.
fn format_raw(value: dotvm_core::Imm) -> String {
    format!("{value} ({value:#x})")
}

/// Bytes `addr..addr + len` of memory, if all inside.
fn read_memory(memory: &[u8], addr: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(addr).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    memory.get(start..end)
}

/// Bytes as space-separated hex.
fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

//! `dotvm profile`: an exact profiler. An [`Inspector`] on the precise interpreter
//! attributes every executed instruction to a node of the calling-context tree (one node
//! per distinct call path) and to its `(function, pc)`; calls and returns are seen as
//! changes of the call depth, and wall time is taken at each of them. After the run the
//! counts are folded per function (self, inclusive without double-counting recursion,
//! calls), per source line and per opcode, and printed as a table, as JSON, as folded
//! stacks or as an `inferno` flamegraph.

use crate::cli::ProfileArgs;
use crate::commands::run::{Observer, RunEnd, execute_observed};
use crate::driver::BuildOptions;
use crate::symbols::Symbols;
use anyhow::{Context, Result};
use dotvm_core::{Instruction, Module};
use dotvm_vm::{Control, Inspector, Io, MachineView};
use dotvm_wasm::variables::Variables;
use serde_json::json;
use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

/// Runs the program under the profiler and reports.
pub fn execute(args: &ProfileArgs) -> Result<RunEnd> {
    let mut observer = ProfileObserver {
        json: args.run.json,
        profiler: Profiler::default(),
        module: None,
    };
    let end = execute_observed(&args.run, Some(&mut observer))?;
    observer.profiler.charge_time();
    let Some(module) = observer.module.take() else {
        return Ok(end);
    };
    let report = Report::new(&observer.profiler, &module);
    if args.run.json {
        println!("{}", serde_json::to_string_pretty(&report.json(args.top))?);
    } else {
        print!("{}", report.table(args.top));
    }
    if let Some(path) = &args.folded {
        std::fs::write(path, report.folded.join("\n") + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.flamegraph {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut options = inferno::flamegraph::Options::default();
        options.title = format!("dotvm profile {}", args.run.file.display());
        options.count_name = "instructions".to_string();
        inferno::flamegraph::from_lines(
            &mut options,
            report.folded.iter().map(String::as_str),
            std::io::BufWriter::new(file),
        )
        .with_context(|| format!("cannot draw the flamegraph {}", path.display()))?;
    }
    Ok(end)
}

/// Connects the profiler to the run.
struct ProfileObserver {
    json: bool,
    profiler: Profiler,
    module: Option<Module>,
}

impl Observer for ProfileObserver {
    fn build(&self, options: &mut BuildOptions) {
        options.debug = true;
        options.line_table = true;
    }

    fn interactive(&self) -> bool {
        false
    }

    fn start(&mut self, module: &Module, _variables: Option<Variables>) -> Result<()> {
        self.module = Some(module.clone());
        self.profiler.pc_counts = module
            .functions
            .iter()
            .map(|f| vec![0; f.code.len()])
            .collect();
        Ok(())
    }

    fn inspector(&mut self) -> &mut dyn Inspector {
        &mut self.profiler
    }

    fn io(&mut self) -> Result<Option<Box<dyn Io>>> {
        // With --json the profile owns standard output; the program's goes to stderr.
        Ok(self.json.then(|| Box::new(StderrIo) as Box<dyn Io>))
    }
}

/// The program's output on standard error, its input from standard input.
struct StderrIo;

impl Io for StderrIo {
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        std::io::stderr().write_all(bytes)
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        std::io::Read::read(&mut std::io::stdin(), buf)
    }
}

/// One calling-context node: a function reached by one call path.
#[derive(Debug, Clone)]
struct Node {
    func: u32,
    parent: Option<usize>,
    children: Vec<usize>,
    /// Instructions executed in this node's own code.
    count: u64,
    /// Times this path was entered.
    calls: u64,
    /// Wall time spent in this node's own code.
    time: Duration,
}

/// The profiler's counters.
#[derive(Default)]
struct Profiler {
    nodes: Vec<Node>,
    current: Option<usize>,
    depth: usize,
    pc_counts: Vec<Vec<u64>>,
    since: Option<Instant>,
}

impl Profiler {
    /// Moves to the child of the current node for `func` (creating it), or to the root.
    fn enter(&mut self, func: u32) {
        let parent = self.current;
        let existing = match parent {
            Some(p) => self.nodes[p]
                .children
                .iter()
                .copied()
                .find(|&c| self.nodes[c].func == func),
            None => self
                .nodes
                .iter()
                .position(|n| n.parent.is_none() && n.func == func),
        };
        let node = existing.unwrap_or_else(|| {
            self.nodes.push(Node {
                func,
                parent,
                children: Vec::new(),
                count: 0,
                calls: 0,
                time: Duration::ZERO,
            });
            let index = self.nodes.len() - 1;
            if let Some(p) = parent {
                self.nodes[p].children.push(index);
            }
            index
        });
        self.nodes[node].calls += 1;
        self.current = Some(node);
    }

    /// Charges the time since the last switch to the current node.
    fn charge_time(&mut self) {
        let now = Instant::now();
        if let (Some(node), Some(since)) = (self.current, self.since) {
            self.nodes[node].time += now - since;
        }
        self.since = Some(now);
    }
}

impl Inspector for Profiler {
    fn before_instruction(&mut self, view: &MachineView<'_>) -> Control {
        let depth = view.call_depth();
        if depth != self.depth {
            self.charge_time();
            if depth > self.depth {
                self.enter(view.func());
            } else {
                // Returns leave one frame per instruction.
                for _ in depth..self.depth {
                    self.current = self.current.and_then(|n| self.nodes[n].parent);
                }
            }
            self.depth = depth;
        }
        if let Some(node) = self.current {
            self.nodes[node].count += 1;
        }
        if let Some(slot) = self
            .pc_counts
            .get_mut(view.func() as usize)
            .and_then(|counts| counts.get_mut(view.pc() as usize))
        {
            *slot += 1;
        }
        Control::Continue
    }
}

/// Per-function totals.
#[derive(Debug, Clone, Default)]
struct FunctionRow {
    name: String,
    func: u32,
    self_instructions: u64,
    inclusive_instructions: u64,
    calls: u64,
    self_time: Duration,
    inclusive_time: Duration,
}

/// The profile folded for printing.
struct Report {
    total: u64,
    /// The run's wall time under the profiler.
    wall: Duration,
    functions: Vec<FunctionRow>,
    lines: Vec<(String, String, u64)>,
    opcodes: Vec<(String, u64)>,
    folded: Vec<String>,
}

impl Report {
    /// Folds the counters of `profiler` for `module`.
    fn new(profiler: &Profiler, module: &Module) -> Report {
        let symbols = Symbols::new(module);
        let nodes = &profiler.nodes;
        // Subtree totals, children after parents in `nodes`, so sum backwards.
        let mut subtree_count: Vec<u64> = nodes.iter().map(|n| n.count).collect();
        let mut subtree_time: Vec<Duration> = nodes.iter().map(|n| n.time).collect();
        for i in (0..nodes.len()).rev() {
            if let Some(p) = nodes[i].parent {
                let (count, time) = (subtree_count[i], subtree_time[i]);
                subtree_count[p] += count;
                subtree_time[p] += time;
            }
        }
        let mut rows: HashMap<u32, FunctionRow> = HashMap::new();
        let mut folded = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let row = rows.entry(node.func).or_insert_with(|| FunctionRow {
                name: symbols.name(node.func),
                func: node.func,
                ..FunctionRow::default()
            });
            row.self_instructions += node.count;
            row.self_time += node.time;
            row.calls += node.calls;
            // Inclusive: only the outermost activation on a path counts (recursion).
            let mut path = vec![node.func];
            let mut ancestor = node.parent;
            let mut recursive = false;
            while let Some(a) = ancestor {
                recursive |= nodes[a].func == node.func;
                path.push(nodes[a].func);
                ancestor = nodes[a].parent;
            }
            if !recursive {
                row.inclusive_instructions += subtree_count[i];
                row.inclusive_time += subtree_time[i];
            }
            if node.count > 0 {
                let names: Vec<String> = path
                    .iter()
                    .rev()
                    .map(|&f| symbols.name(f).replace(';', ":"))
                    .collect();
                folded.push(format!("{} {}", names.join(";"), node.count));
            }
        }
        let mut functions: Vec<FunctionRow> = rows.into_values().collect();
        functions.sort_by(|a, b| {
            b.self_instructions
                .cmp(&a.self_instructions)
                .then(a.func.cmp(&b.func))
        });
        let total = nodes.iter().map(|n| n.count).sum();
        // The run's time under the profiler: every moment is charged to one node.
        let wall = nodes.iter().map(|n| n.time).sum();
        let mut line_counts: HashMap<(String, String), u64> = HashMap::new();
        let mut opcode_counts: HashMap<&'static str, u64> = HashMap::new();
        for (func, counts) in profiler.pc_counts.iter().enumerate() {
            if counts.iter().all(|&c| c == 0) {
                continue;
            }
            let code = &module.functions[func].code;
            let decoded = Instruction::decode_all(code).unwrap_or_default();
            for (pc, instruction) in decoded {
                let count = counts.get(pc as usize).copied().unwrap_or(0);
                if count == 0 {
                    continue;
                }
                *opcode_counts
                    .entry(instruction.opcode.mnemonic())
                    .or_default() += count;
                if let Some(loc) = symbols.location(func as u32, pc) {
                    let key = (symbols.describe_line(loc), symbols.name(func as u32));
                    *line_counts.entry(key).or_default() += count;
                }
            }
        }
        let mut lines: Vec<(String, String, u64)> = line_counts
            .into_iter()
            .map(|((line, function), count)| (line, function, count))
            .collect();
        lines.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        let mut opcodes: Vec<(String, u64)> = opcode_counts
            .into_iter()
            .map(|(name, count)| (name.to_string(), count))
            .collect();
        opcodes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        folded.sort();
        Report {
            total,
            wall,
            functions,
            lines,
            opcodes,
            folded,
        }
    }

    /// The profile as JSON.
    fn json(&self, top: usize) -> serde_json::Value {
        let functions: Vec<serde_json::Value> = self
            .functions
            .iter()
            .map(|f| {
                json!({
                    "name": f.name,
                    "func": f.func,
                    "self_instructions": f.self_instructions,
                    "inclusive_instructions": f.inclusive_instructions,
                    "calls": f.calls,
                    "self_time_us": f.self_time.as_micros() as u64,
                    "inclusive_time_us": f.inclusive_time.as_micros() as u64,
                })
            })
            .collect();
        json!({
            "total_instructions": self.total,
            "time_us": self.wall.as_micros() as u64,
            "functions": functions,
            "lines": self.lines.iter().take(top).map(|(line, function, count)| json!({
                "line": line, "function": function, "instructions": count,
            })).collect::<Vec<_>>(),
            "opcodes": self.opcodes.iter().map(|(name, count)| json!({
                "opcode": name, "count": count,
            })).collect::<Vec<_>>(),
        })
    }

    /// The profile as a text table.
    fn table(&self, top: usize) -> String {
        let percent = |n: u64| {
            if self.total == 0 {
                0.0
            } else {
                100.0 * n as f64 / self.total as f64
            }
        };
        let mut out = format!(
            "\nprofile: {} instructions, {:.1} ms under the profiler\n\n",
            self.total,
            self.wall.as_secs_f64() * 1e3
        );
        out.push_str(&format!(
            "{:>14} {:>6} {:>14} {:>6} {:>9} {:>10}  function\n",
            "self", "%", "inclusive", "%", "calls", "self ms"
        ));
        for f in self.functions.iter().take(top) {
            out.push_str(&format!(
                "{:>14} {:>5.1}% {:>14} {:>5.1}% {:>9} {:>10.3}  {}\n",
                f.self_instructions,
                percent(f.self_instructions),
                f.inclusive_instructions,
                percent(f.inclusive_instructions),
                f.calls,
                f.self_time.as_secs_f64() * 1e3,
                f.name
            ));
        }
        if self.functions.len() > top {
            out.push_str(&format!(
                "{:>14} ({} more functions; --top N shows more)\n",
                "",
                self.functions.len() - top
            ));
        }
        if !self.lines.is_empty() {
            out.push_str("\nhottest source lines:\n");
            for (line, function, count) in self.lines.iter().take(top) {
                out.push_str(&format!(
                    "{count:>14} {:>5.1}%  {line}  ({function})\n",
                    percent(*count)
                ));
            }
        }
        out.push_str("\nopcodes:\n");
        for (name, count) in self.opcodes.iter().take(top) {
            out.push_str(&format!("{count:>14} {:>5.1}%  {name}\n", percent(*count)));
        }
        out
    }
}

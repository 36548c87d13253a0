//! Op-pair counting (feature `op-pairs`, off in normal builds): counts the register ops,
//! pairs and triples the threaded engine dispatches, to pick fusions by measured frequency.
//! Every run writes the totals so far to the file named by `DOTVM_OP_PAIRS`.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Handler address → the op kinds encoded with it.
static NAMES: Mutex<BTreeMap<usize, String>> = Mutex::new(BTreeMap::new());

/// The counts of one thread.
#[derive(Default)]
struct Counts {
    singles: HashMap<usize, u64>,
    pairs: HashMap<(usize, usize), u64>,
    triples: HashMap<(usize, usize, usize), u64>,
}

thread_local! {
    static LAST: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    static COUNTS: RefCell<Counts> = RefCell::new(Counts::default());
}

/// Notes that `handler` runs ops of kind `name`.
pub(super) fn name(handler: usize, name: String) {
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    let entry = names.entry(handler).or_default();
    if !entry.split(" | ").any(|n| n == name) {
        if !entry.is_empty() {
            entry.push_str(" | ");
        }
        entry.push_str(&name);
    }
}

/// Counts a dispatch to `handler`.
pub(crate) fn record(handler: usize) {
    let (before, last) = LAST.get();
    LAST.set((last, handler));
    COUNTS.with_borrow_mut(|c| {
        *c.singles.entry(handler).or_default() += 1;
        *c.pairs.entry((last, handler)).or_default() += 1;
        *c.triples.entry((before, last, handler)).or_default() += 1;
    });
}

/// Writes the counts so far (the 60 commonest ops, pairs and triples) to `DOTVM_OP_PAIRS`.
pub(super) fn report() {
    let Some(path) = std::env::var_os("DOTVM_OP_PAIRS") else {
        return;
    };
    let names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    let label = |h: &usize| names.get(h).map_or("-", String::as_str).to_string();
    let mut out = String::new();
    COUNTS.with_borrow(|c| {
        let total: u64 = c.singles.values().sum();
        out.push_str(&format!("ops dispatched: {total}\n"));
        let mut section = |title: &str, rows: Vec<(u64, String)>| {
            let mut rows = rows;
            rows.sort_by(|x, y| y.cmp(x));
            out.push_str(&format!("\n## {title}\n"));
            for (n, what) in rows.into_iter().take(60) {
                let share = n as f64 * 100.0 / total.max(1) as f64;
                out.push_str(&format!("{n:>12} {share:5.1}%  {what}\n"));
            }
        };
        section(
            "ops",
            c.singles.iter().map(|(h, &n)| (n, label(h))).collect(),
        );
        section(
            "pairs",
            c.pairs
                .iter()
                .map(|((a, b), &n)| (n, format!("{} ; {}", label(a), label(b))))
                .collect(),
        );
        section(
            "triples",
            c.triples
                .iter()
                .map(|((a, b, d), &n)| (n, format!("{} ; {} ; {}", label(a), label(b), label(d))))
                .collect(),
        );
    });
    if let Err(e) = std::fs::write(&path, out) {
        eprintln!("op-pairs: cannot write {}: {e}", path.to_string_lossy());
    }
}

//! Progress bars (`indicatif`) on standard error for long steps: translating a large
//! module, `dotvm db import` and `export`. They are drawn only when standard error is a
//! terminal and never under `--quiet` or `--json`; otherwise every call does nothing.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A progress bar, or nothing when it is not to be shown.
pub struct Progress {
    bar: Option<ProgressBar>,
    /// What is counted ("functions", "bytes", "entries").
    unit: String,
}

/// The look of a bar counting `unit`s, with a total or as a running count.
fn style(unit: &str, with_total: bool) -> ProgressStyle {
    let template = if with_total {
        format!("{{msg}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{elapsed}})")
    } else {
        format!("{{spinner}} {{msg}} {{pos}} {unit} ({{elapsed}})")
    };
    // The templates above are valid; should one not be, the default style is kept.
    ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl Progress {
    /// A bar for `message` counting `unit`s up to `total` (a running count without a
    /// total), shown when `wanted` (not `--quiet` or `--json`) and standard error is a
    /// terminal.
    pub fn new(message: &str, total: Option<u64>, unit: &str, wanted: bool) -> Progress {
        let unit = unit.to_string();
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress { bar: None, unit };
        }
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        bar.set_style(style(&unit, total.is_some()));
        bar.set_message(message.to_string());
        Progress {
            bar: Some(bar),
            unit,
        }
    }

    /// Sets the bar's total, for a count whose end becomes known on the way.
    pub fn set_total(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_style(style(&self.unit, true));
        }
    }

    /// Moves the bar to `position`.
    pub fn set(&self, position: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
        }
    }

    /// Advances the bar by `delta`.
    pub fn advance(&self, delta: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(delta);
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// True when the bar is drawn.
    pub fn is_shown(&self) -> bool {
        self.bar.is_some()
    }
}

impl Drop for Progress {
    /// A step that fails leaves no half-drawn bar behind its error message.
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unwanted_bar_is_never_shown_and_ignores_updates() {
        let progress = Progress::new("translating", Some(10), "functions", false);
        assert!(!progress.is_shown());
        progress.set(3);
        progress.advance(1);
        progress.finish();
    }
}

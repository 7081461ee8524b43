//! Renders an [`EvalError`] as Nix 2.8 shows it on stderr: the message, `at FILE:L:C:`,
//! the source line with its neighbours and a caret, and with `--show-trace` the trace.

use super::error::EvalError;
use super::machine::Evaluator;
use super::source::{Pos, origin_fancy};

const PREFIX: &str = "       ";

impl Evaluator {
    /// The full text Nix would print for `err` (ending in a newline).
    pub fn render_error(&self, err: &EvalError, show_trace: bool) -> String {
        let mut out = format!("error: {}", err.kind);
        self.render_pos(err.pos, &mut out);
        if let Some(hint) = &err.hint {
            out.push('\n');
            out.push_str(PREFIX);
            out.push_str(hint);
        }
        if show_trace {
            for (pos, msg) in &err.trace {
                out.push_str("\n\n");
                out.push_str(PREFIX);
                out.push_str("… ");
                out.push_str(msg);
                self.render_pos(*pos, &mut out);
            }
        }
        out.push('\n');
        out
    }

    fn render_pos(&self, pos: Pos, out: &mut String) {
        let Some(loc) = self.sources.locate(pos) else {
            return;
        };
        out.push_str(&format!(
            "\n\n{PREFIX}at {}:{}:{}:\n",
            origin_fancy(&loc.origin),
            loc.line,
            loc.column
        ));
        let line = |n: usize, out: &mut String| {
            if let Some(text) = self.sources.line_text(pos, n) {
                out.push_str(&format!("\n{PREFIX} {n:>5}|"));
                if !text.is_empty() {
                    out.push(' ');
                    out.push_str(&text);
                }
                true
            } else {
                false
            }
        };
        if loc.line > 1 {
            line(loc.line - 1, out);
        }
        if line(loc.line, out) {
            out.push_str(&format!("\n{PREFIX}      |{}^", " ".repeat(loc.column)));
        }
        line(loc.line + 1, out);
    }
}

//! Evaluation errors: what went wrong, where, and the trace that led there.
//!
//! The wording of every message is the one Nix 2.8 prints, so that denv's errors can be
//! compared with the oracle byte for byte. Rendering with source lines and carets is done
//! by [`crate::eval::Evaluator::render_error`], which knows the source map.

use super::source::Pos;

/// What went wrong.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ErrorKind {
    /// `throw MSG` (catchable by `tryEval`).
    #[error("{0}")]
    Throw(String),
    /// A search-path lookup (`<name>`) that found nothing (catchable by `tryEval`).
    #[error("file '{0}' was not found in the Nix search path (add it using $NIX_PATH or -I)")]
    NotInSearchPath(String),
    /// A failed `assert` (catchable by `tryEval`).
    #[error("assertion '{0}' failed")]
    Assert(String),
    /// `abort MSG`.
    #[error("evaluation aborted with the following error message: '{0}'")]
    Abort(String),
    /// A thunk needed its own value.
    #[error("infinite recursion encountered")]
    InfiniteRecursion,
    /// Too deep a recursion.
    #[error("stack overflow (possible infinite recursion)")]
    StackOverflow,
    /// A value of the wrong type.
    #[error("value is {got} while {expected} was expected")]
    Type {
        /// What was needed, e.g. "a string".
        expected: &'static str,
        /// What was found, e.g. "an integer".
        got: String,
    },
    /// A variable bound nowhere.
    #[error("undefined variable '{0}'")]
    UndefinedVar(String),
    /// `e.x` on a set without `x`.
    #[error("attribute '{0}' missing")]
    MissingAttr(String),
    /// A syntax error.
    #[error("{0}")]
    Parse(String),
    /// A file could not be read.
    #[error("{0}")]
    Io(String),
    /// Any other error, worded as Nix words it.
    #[error("{0}")]
    Other(String),
}

/// An evaluation error with its position and trace. Boxed, so that the `Result`s passed
/// up every level of evaluation stay small.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .0.kind)]
pub struct EvalError(Box<ErrorData>);

/// The contents of an [`EvalError`] (reachable through `Deref`: `err.kind`, `err.pos`).
#[derive(Debug, Clone)]
pub struct ErrorData {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Where (may be [`Pos::NONE`]).
    pub pos: Pos,
    /// Hint lines shown after the position (e.g. "Did you mean a?").
    pub hint: Option<String>,
    /// Trace frames, innermost first: a message and where it applies.
    pub trace: Vec<(Pos, String)>,
}

impl std::ops::Deref for EvalError {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for EvalError {
    fn deref_mut(&mut self) -> &mut ErrorData {
        &mut self.0
    }
}

impl EvalError {
    /// An error of `kind` without a position yet.
    #[cold]
    pub fn new(kind: ErrorKind) -> EvalError {
        EvalError(Box::new(ErrorData {
            kind,
            pos: Pos::NONE,
            hint: None,
            trace: Vec::new(),
        }))
    }

    /// A free-form error message.
    pub fn msg(text: impl Into<String>) -> EvalError {
        EvalError::new(ErrorKind::Other(text.into()))
    }

    /// `throw`.
    pub fn throw(text: impl Into<String>) -> EvalError {
        EvalError::new(ErrorKind::Throw(text.into()))
    }

    /// A type error: `value is GOT while EXPECTED was expected`.
    pub fn type_error(expected: &'static str, got: &super::value::Value) -> EvalError {
        EvalError::new(ErrorKind::Type {
            expected,
            got: got.type_desc(),
        })
    }

    /// Sets the position if none is set yet (`throw` and `abort` never get one, as in
    /// Nix 2.8).
    pub fn at(mut self, pos: Pos) -> EvalError {
        if !self.pos.is_some()
            && !matches!(
                self.kind,
                ErrorKind::Throw(_) | ErrorKind::Abort(_) | ErrorKind::Io(_)
            )
        {
            self.pos = pos;
        }
        self
    }

    /// Adds a trace frame (shown with `--show-trace`).
    pub fn with_trace(mut self, pos: Pos, message: impl Into<String>) -> EvalError {
        self.trace.push((pos, message.into()));
        self
    }

    /// Adds "Did you mean …?" for `wanted` among `candidates` (Nix's suggestions: edit
    /// distance at most 2, at most 5, closest first).
    pub fn suggest<'a>(
        mut self,
        wanted: &str,
        candidates: impl Iterator<Item = &'a str>,
    ) -> EvalError {
        let mut scored: Vec<(usize, &str)> = candidates
            .map(|c| (levenshtein(wanted, c), c))
            .filter(|(d, _)| *d <= 2)
            .collect();
        scored.sort();
        scored.truncate(5);
        let names: Vec<&str> = scored.into_iter().map(|(_, c)| c).collect();
        self.hint = match names.as_slice() {
            [] => None,
            [one] => Some(format!("Did you mean {one}?")),
            [init @ .., last] => Some(format!(
                "Did you mean one of {} or {last}?",
                init.join(", ")
            )),
        };
        self
    }

    /// Whether `builtins.tryEval` catches this error.
    pub fn is_catchable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Throw(_) | ErrorKind::Assert(_) | ErrorKind::NotInSearchPath(_)
        )
    }
}

/// The edit distance between two strings.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

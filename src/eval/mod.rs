//! The Nix language evaluator.
//!
//! ```text
//! bytes ─rnix─► syntax tree ─compile (checks, slots)─► ir::Expr ─Evaluator─► Value
//!                                                       │
//!                                  EvalIo (files) ◄─────┴─────► StoreGlue (store ops)
//! ```
//!
//! Owns parsing, compiling, lazy evaluation, values with string context, the builtins,
//! and printing values as `nix-instantiate --eval` does. It never touches the store or
//! the filesystem directly: files are read through [`EvalIo`], store operations go
//! through [`StoreGlue`], so this module knows no store layout.
//!
//! Use: `Evaluator::new(Rc::new(RealFs), Rc::new(glue), EvalOptions::default())`, then
//! [`Evaluator::eval_file`] / [`Evaluator::eval_source`], then
//! [`Evaluator::print_value`] or the typed forcing helpers; errors render with
//! [`Evaluator::render_error`].

mod attrs;
pub mod builtins;
mod compile;
pub mod error;
pub mod glue;
mod indent;
pub mod io;
pub mod ir;
pub mod machine;
pub mod ops;
pub mod print;
pub mod regex;
mod render;
mod show;
pub mod source;
pub mod symbol;
#[cfg(test)]
mod tests;
pub mod value;
pub mod versions;

use std::path::{Path, PathBuf};
use std::rc::Rc;

pub use error::{ErrorKind, EvalError};
pub use glue::{NoStore, StoreGlue};
pub use io::{EvalIo, FileType, RealFs};
pub use machine::{EvalOptions, Evaluator, SearchPathEntry, run_on_eval_stack};
pub use ops::Coercion;
pub use source::{Origin, Pos};
pub use value::{Attrs, Context, ContextElem, NixString, Value};

use ir::Expr;
use value::Env;

impl Evaluator {
    /// Parses and compiles a source text; `dir` is where its relative paths point.
    pub fn parse(&mut self, origin: Origin, text: &str, dir: &Path) -> Result<Rc<Expr>, EvalError> {
        self.parse_scoped(origin, text, false, dir, &[])
    }

    /// `raw_bytes`: whether `text` came from [`source::decode`] mapping bytes that are not
    /// UTF-8 (string literals then map them back).
    fn parse_scoped(
        &mut self,
        origin: Origin,
        text: &str,
        raw_bytes: bool,
        dir: &Path,
        scope: &[symbol::Symbol],
    ) -> Result<Rc<Expr>, EvalError> {
        let base = self.sources.add(origin, Rc::from(text), raw_bytes);
        let parsed = rnix::Root::parse(text);
        if let Some(err) = parsed.errors().first() {
            let (msg, offset) = parse_error_message(err, text);
            return Err(EvalError::new(ErrorKind::Parse(msg)).at(Pos(base.0 + offset)));
        }
        let root = parsed.tree();
        if let Some((msg, offset)) = indented_attr_name(rowan::ast::AstNode::syntax(&root)) {
            return Err(EvalError::new(ErrorKind::Parse(msg)).at(Pos(base.0 + offset)));
        }
        let Some(expr) = root.expr() else {
            return Err(EvalError::new(ErrorKind::Parse(
                "syntax error, unexpected end of file".into(),
            ))
            .at(base));
        };
        let mut compiler =
            compile::Compiler::new(&mut self.symbols, &self.globals, &self.sources, base, dir);
        if !scope.is_empty() {
            compiler = compiler.with_outer_frame(scope);
        }
        Ok(Rc::new(compiler.expr(&expr)?))
    }

    /// Parses and checks a text and returns it as Nix prints parsed expressions
    /// (`nix-instantiate --parse`).
    pub fn parse_to_text(
        &mut self,
        origin: Origin,
        text: &str,
        dir: &Path,
    ) -> Result<String, EvalError> {
        self.parse(origin, text, dir)?;
        let root = rnix::Root::parse(text).tree();
        Ok(root.expr().map(|e| show::show_expr(&e)).unwrap_or_default())
    }

    /// [`Evaluator::parse_to_text`] for a file (a directory means its `default.nix`).
    pub fn parse_file_to_text(&mut self, path: &Path) -> Result<String, EvalError> {
        let abs = self.options.base_dir.join(path);
        let file = self.resolve_import(&PathBuf::from(ops::canon_path(&abs.to_string_lossy())))?;
        let bytes = self.io.read_file(&file).map_err(|e| {
            EvalError::new(ErrorKind::Io(format!(
                "getting status of '{}': {}",
                file.display(),
                io_reason(&e)
            )))
        })?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let dir = file.parent().unwrap_or(Path::new("/")).to_path_buf();
        self.parse_to_text(Origin::File(file.clone()), &text, &dir)
    }

    /// Evaluates an expression given as text (`-E`), relative paths resolving against
    /// `dir`.
    pub fn eval_source(
        &mut self,
        origin: Origin,
        text: &str,
        dir: &Path,
    ) -> Result<Value, EvalError> {
        let expr = self.parse(origin, text, dir)?;
        let env = Env::new(Vec::new(), None);
        self.eval(&expr, &env)
    }

    /// [`Evaluator::eval_source`] for a text read as bytes (standard input), which need
    /// not be UTF-8.
    pub fn eval_source_bytes(
        &mut self,
        origin: Origin,
        bytes: &[u8],
        dir: &Path,
    ) -> Result<Value, EvalError> {
        let (text, raw_bytes) = source::decode(bytes);
        let expr = self.parse_scoped(origin, &text, raw_bytes, dir, &[])?;
        let env = Env::new(Vec::new(), None);
        self.eval(&expr, &env)
    }

    /// Evaluates a file (a directory means its `default.nix`), as `import` does.
    pub fn eval_file(&mut self, path: &Path) -> Result<Value, EvalError> {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.options.base_dir.join(path)
        };
        let abs = PathBuf::from(ops::canon_path(&abs.to_string_lossy()));
        self.import_path(&abs)
    }

    /// `import PATH`: evaluates a file once per evaluator and caches its value.
    pub fn import_path(&mut self, path: &Path) -> Result<Value, EvalError> {
        let file = self.resolve_import(path)?;
        if let Some(v) = self.import_cache.get(&file) {
            return Ok(v.clone());
        }
        let expr = self.load_file(&file, &[])?;
        let env = Env::new(Vec::new(), None);
        let v = self.eval(&expr, &env)?;
        self.import_cache.insert(file, v.clone());
        Ok(v)
    }

    /// `scopedImport ATTRS PATH`: like `import` (without the cache), with the names of
    /// `ATTRS` in scope around the file, shadowing the builtins.
    pub fn scoped_import(&mut self, scope: Value, path: &Path) -> Result<Value, EvalError> {
        let attrs = self.force_attrs(&scope)?;
        let names: Vec<symbol::Symbol> = attrs.iter().map(|a| a.name).collect();
        let values: Vec<Value> = attrs.iter().map(|a| a.value.clone()).collect();
        let file = self.resolve_import(path)?;
        let expr = self.load_file(&file, &names)?;
        let env = Env::new(values, None);
        self.eval(&expr, &env)
    }

    fn resolve_import(&self, path: &Path) -> Result<PathBuf, EvalError> {
        let mut file = path.to_path_buf();
        if matches!(self.io.file_type_follow(&file), Ok(FileType::Directory)) {
            file = file.join("default.nix");
        }
        Ok(file)
    }

    fn load_file(&mut self, file: &Path, scope: &[symbol::Symbol]) -> Result<Rc<Expr>, EvalError> {
        let bytes = self.io.read_file(file).map_err(|e| {
            // A missing directory entry is "getting status", a missing `default.nix` in
            // an existing directory "opening file", as in Nix.
            let what = match file.parent() {
                Some(dir) if file.ends_with("default.nix") && self.io.path_exists(dir) => {
                    "opening file"
                }
                _ => "getting status of",
            };
            EvalError::new(ErrorKind::Io(format!(
                "{what} '{}': {}",
                file.display(),
                io_reason(&e)
            )))
        })?;
        let (text, raw_bytes) = source::decode(&bytes);
        let dir = file.parent().unwrap_or(Path::new("/")).to_path_buf();
        self.parse_scoped(
            Origin::File(file.to_path_buf()),
            &text,
            raw_bytes,
            &dir,
            scope,
        )
    }
}

/// The OS reason of an I/O error as Nix words it ("No such file or directory").
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn parse_error_message(err: &rnix::ParseError, text: &str) -> (String, u32) {
    use rnix::ParseError as P;
    let at = |r: &rnix::TextRange| u32::from(r.start());
    // Nix places the end of the file at the start of the last lexeme (trailing
    // whitespace, a string's unterminated content, or the last token).
    let eof = last_lexeme_start(text);
    let at_error_token = |r: &rnix::TextRange| {
        rnix::tokenize(text.get(usize::from(r.start())..).unwrap_or_default())
            .next()
            .is_none_or(|(kind, _)| kind == rnix::SyntaxKind::TOKEN_ERROR)
    };
    let ends_early = match err {
        P::UnexpectedEOF | P::UnexpectedEOFWanted(_) | P::Unexpected(_) => true,
        P::UnexpectedExtra(r) => at_error_token(r),
        _ => false,
    };
    if let Some((kind, offset)) = after_ellipsis(err, text) {
        // `{ ..., a }`: Nix's grammar takes `...` and then wants the closing brace.
        return (
            format!(
                "syntax error, unexpected {}, expecting '}}'",
                token_name(kind)
            ),
            offset,
        );
    }
    if let Some(offset) = trailing_slash(err, text) {
        return ("path has a trailing slash".into(), offset);
    }
    // A text ending inside a string can only fail at its end.
    let closer = unclosed(text);
    let in_string = closer.is_some_and(|c| c != "')'");
    if (ends_early || in_string)
        && let Some(closer) = closer
    {
        return (
            format!("syntax error, unexpected end of file, expecting {closer}"),
            eof,
        );
    }
    match err {
        P::Unexpected(r) => (unexpected_at(text, r, ""), at(r)),
        P::UnexpectedExtra(r) => (unexpected_at(text, r, ", expecting end of file"), at(r)),
        P::UnexpectedWanted(got, r, wanted) => (
            format!(
                "syntax error, unexpected {}{}",
                token_name(*got),
                expecting(wanted)
            ),
            at(r),
        ),
        P::UnexpectedDoubleBind(r) => ("syntax error, unexpected '@'".into(), at(r)),
        P::UnexpectedEOF => ("syntax error, unexpected end of file".into(), eof),
        P::UnexpectedEOFWanted(wanted) => (
            format!("syntax error, unexpected end of file{}", expecting(wanted)),
            eof,
        ),
        P::DuplicatedArgs(r, name) => (
            format!("duplicate formal function argument '{name}'"),
            at(r),
        ),
        P::RecursionLimitExceeded => ("syntax error, nesting too deep".into(), 0),
        _ => ("syntax error".into(), 0),
    }
}

/// Where Nix reports a path token ending in `/` (`./foo/`), if that is the error: at
/// the character after the path, or at the path when the text ends there.
fn trailing_slash(err: &rnix::ParseError, text: &str) -> Option<u32> {
    use rnix::ParseError as P;
    let r = match err {
        P::Unexpected(r) | P::UnexpectedExtra(r) | P::UnexpectedWanted(_, r, _) => r,
        _ => return None,
    };
    let start = usize::from(r.start());
    let (kind, piece) = rnix::tokenize(text.get(start..)?).next()?;
    let path_like = piece.len() > 1
        && piece.ends_with('/')
        && piece
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "./_-+~".contains(c));
    if kind != rnix::SyntaxKind::TOKEN_ERROR || !path_like {
        return None;
    }
    let end = start + piece.len();
    let at = if end < text.len() { end } else { start };
    u32::try_from(at).ok()
}

/// An indented string used as an attribute name (`{ ''a'' = 1; }`), which rnix accepts
/// and Nix's grammar does not.
fn indented_attr_name(root: &rnix::SyntaxNode) -> Option<(String, u32)> {
    use rnix::SyntaxKind as K;
    let node = root.descendants().find(|n| {
        n.kind() == K::NODE_STRING
            && n.parent()
                .is_some_and(|p| matches!(p.kind(), K::NODE_ATTRPATH | K::NODE_INHERIT))
            && n.text().to_string().starts_with("''")
    })?;
    let parent = node.parent()?;
    let opens_binding = parent.kind() == K::NODE_ATTRPATH
        && parent.first_child().as_ref() == Some(&node)
        && parent
            .parent()
            .is_some_and(|b| b.kind() == K::NODE_ATTRPATH_VALUE);
    let tail = if opens_binding {
        ""
    } else {
        ", expecting ID or OR_KW or DOLLAR_CURLY or '\"'"
    };
    let offset = u32::from(node.text_range().start());
    Some((
        format!("syntax error, unexpected IND_STRING_OPEN{tail}"),
        offset,
    ))
}

/// The token after a `...` that is not the set pattern's closing brace, if the error is
/// about it or the `...` itself.
fn after_ellipsis(err: &rnix::ParseError, text: &str) -> Option<(rnix::SyntaxKind, u32)> {
    use rnix::ParseError as P;
    use rnix::SyntaxKind as K;
    let r = match err {
        P::Unexpected(r) | P::UnexpectedExtra(r) | P::UnexpectedWanted(_, r, _) => r,
        _ => return None,
    };
    let mut tokens = Vec::new();
    let mut offset = 0usize;
    for (kind, piece) in rnix::tokenize(text) {
        if !matches!(kind, K::TOKEN_WHITESPACE | K::TOKEN_COMMENT) {
            tokens.push((kind, offset));
        }
        offset += piece.len();
    }
    let start = usize::from(r.start());
    let i = tokens.iter().position(|&(_, at)| at == start)?;
    let e = match tokens[i].0 {
        K::TOKEN_ELLIPSIS => i,
        _ if i > 0 && tokens[i - 1].0 == K::TOKEN_ELLIPSIS => i - 1,
        _ => return None,
    };
    // Only a `...` in a set pattern (after `{` or `,`).
    if e == 0 || !matches!(tokens[e - 1].0, K::TOKEN_L_BRACE | K::TOKEN_COMMA) {
        return None;
    }
    let (kind, at) = *tokens.get(e + 1)?;
    if kind == K::TOKEN_R_BRACE || token_name(kind) == "token" {
        return None;
    }
    Some((kind, u32::try_from(at).ok()?))
}

/// Where the last lexeme of `text` starts.
fn last_lexeme_start(text: &str) -> u32 {
    let mut offset = 0usize;
    let mut last = 0usize;
    for (_, piece) in rnix::tokenize(text) {
        last = offset;
        offset += piece.len();
    }
    u32::try_from(last).unwrap_or(0)
}

/// The closing token Nix's parser insists on when the text ends inside an unclosed `(`
/// or string.
fn unclosed(text: &str) -> Option<&'static str> {
    use rnix::SyntaxKind as K;
    let mut open: Vec<(K, &str)> = Vec::new();
    for (kind, piece) in rnix::tokenize(text) {
        match kind {
            K::TOKEN_L_PAREN
            | K::TOKEN_L_BRACE
            | K::TOKEN_L_BRACK
            | K::TOKEN_INTERPOL_START
            | K::TOKEN_STRING_START => open.push((kind, piece)),
            K::TOKEN_R_PAREN
            | K::TOKEN_R_BRACE
            | K::TOKEN_R_BRACK
            | K::TOKEN_INTERPOL_END
            | K::TOKEN_STRING_END => {
                open.pop();
            }
            _ => {}
        }
    }
    match open.last()? {
        (K::TOKEN_L_PAREN, _) => Some("')'"),
        (K::TOKEN_STRING_START, "\"") => Some("'\"'"),
        (K::TOKEN_STRING_START, _) => Some("IND_STR or DOLLAR_CURLY or IND_STRING_CLOSE"),
        _ => None,
    }
}

/// `syntax error, unexpected X` for the token starting at `r`, as Nix's parser names it.
fn unexpected_at(text: &str, r: &rnix::TextRange, tail: &str) -> String {
    let start = usize::from(r.start());
    let token = rnix::tokenize(text.get(start..).unwrap_or_default()).next();
    match token {
        Some((kind, _)) if token_name(kind) != "token" => {
            format!("syntax error, unexpected {}{tail}", token_name(kind))
        }
        _ => "syntax error, unexpected token".into(),
    }
}

/// `, expecting X` when the parser wanted exactly one token that Nix's grammar also
/// insists on at that point (closing brackets, `;`, `then`, `else`).
fn expecting(wanted: &[rnix::SyntaxKind]) -> String {
    use rnix::SyntaxKind as K;
    match wanted {
        [k @ (K::TOKEN_R_PAREN | K::TOKEN_SEMICOLON | K::TOKEN_THEN | K::TOKEN_ELSE)] => {
            format!(", expecting {}", token_name(*k))
        }
        _ => String::new(),
    }
}

/// The name Nix's parser gives a token in messages.
fn token_name(kind: rnix::SyntaxKind) -> &'static str {
    use rnix::SyntaxKind as K;
    match kind {
        K::TOKEN_ADD => "'+'",
        K::TOKEN_SUB => "'-'",
        K::TOKEN_MUL => "'*'",
        K::TOKEN_DIV => "'/'",
        K::TOKEN_ASSIGN => "'='",
        K::TOKEN_AT => "'@'",
        K::TOKEN_COLON => "':'",
        K::TOKEN_COMMA => "','",
        K::TOKEN_DOT => "'.'",
        K::TOKEN_SEMICOLON => "';'",
        K::TOKEN_QUESTION => "'?'",
        K::TOKEN_INVERT => "'!'",
        K::TOKEN_LESS => "'<'",
        K::TOKEN_MORE => "'>'",
        K::TOKEN_L_BRACE => "'{'",
        K::TOKEN_R_BRACE => "'}'",
        K::TOKEN_L_BRACK => "'['",
        K::TOKEN_R_BRACK => "']'",
        K::TOKEN_L_PAREN => "'('",
        K::TOKEN_R_PAREN => "')'",
        K::TOKEN_STRING_START | K::TOKEN_STRING_END => "'\"'",
        K::TOKEN_ELLIPSIS => "ELLIPSIS",
        K::TOKEN_IF => "IF",
        K::TOKEN_THEN => "THEN",
        K::TOKEN_ELSE => "ELSE",
        K::TOKEN_ASSERT => "ASSERT",
        K::TOKEN_WITH => "WITH",
        K::TOKEN_LET => "LET",
        K::TOKEN_IN => "IN",
        K::TOKEN_REC => "REC",
        K::TOKEN_INHERIT => "INHERIT",
        K::TOKEN_EQUAL => "EQ",
        K::TOKEN_NOT_EQUAL => "NEQ",
        K::TOKEN_LESS_OR_EQ => "LEQ",
        K::TOKEN_MORE_OR_EQ => "GEQ",
        K::TOKEN_AND_AND => "AND",
        K::TOKEN_OR_OR => "OR",
        K::TOKEN_IMPLICATION => "IMPL",
        K::TOKEN_UPDATE => "UPDATE",
        K::TOKEN_CONCAT => "CONCAT",
        K::TOKEN_OR => "OR_KW",
        K::TOKEN_INTERPOL_START => "DOLLAR_CURLY",
        K::TOKEN_IDENT => "ID",
        K::TOKEN_INTEGER => "INT",
        K::TOKEN_FLOAT => "FLOAT",
        _ => "token",
    }
}

//! POSIX extended regular expressions with the exact behaviour Nix shows for
//! `builtins.match` and `builtins.split`.
//!
//! Nix compiles patterns with libstdc++'s `std::regex` in `extended` mode, and its
//! answers (which captures are reported, which patterns are rejected) come from that
//! implementation, not from the POSIX text. This module therefore mirrors its design:
//!
//! ```text
//! pattern ─Scanner─► tokens ─Compiler─► NFA (states with `next`/`alt` edges)
//!         ─Executor (depth-first, explicit stack)─► captures
//! ```
//!
//! Invariants that the rest of the evaluator relies on:
//! - bytes semantics: a pattern and a subject are byte strings, `.` matches any byte but
//!   NUL, classes use the C locale (bytes ≥ 0x80 are in no class);
//! - the overall match is the longest one the depth-first walk meets; of equally long
//!   ones the first met wins, which decides the captures (`(a|ab)(c|bcd)(d*)` against
//!   `abcd` gives `a`, `bcd`, ``);
//! - a greedy repetition that found any match does not try fewer iterations;
//! - captures of an earlier iteration stay set unless a later one overwrites them;
//! - the automaton has at most [`STATE_LIMIT`] states, as libstdc++ enforces;
//! - matching never recurses on the call stack, so long subjects cannot overflow it.

use std::collections::HashMap;
use std::rc::Rc;

/// The largest automaton libstdc++ builds before giving up with `error_space`.
pub const STATE_LIMIT: usize = 100_000;

/// Why a pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegexError {
    /// The pattern is not a valid extended regular expression.
    #[error("invalid regular expression: {0}")]
    Invalid(&'static str),
    /// The pattern compiles to more than [`STATE_LIMIT`] states.
    #[error("regular expression needs more than {STATE_LIMIT} states")]
    TooLarge,
}

/// Byte range of a capture in the subject.
pub type Span = std::ops::Range<usize>;

/// Captures of one match: index 0 is the whole match, then one entry per group in the
/// order of their opening parentheses; `None` for a group that did not participate.
pub type Captures = Vec<Option<Span>>;

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Regex {
    states: Vec<State>,
    start: StateId,
    /// Number of capture slots, group 0 included.
    slots: usize,
}

/// Compiled patterns by their source, so code calling `match` in a loop compiles once.
#[derive(Debug, Default)]
pub struct RegexCache {
    compiled: HashMap<Vec<u8>, Rc<Regex>>,
}

impl RegexCache {
    /// The compiled form of `pattern`, compiling it on first use.
    pub fn get(&mut self, pattern: &[u8]) -> Result<Rc<Regex>, RegexError> {
        if let Some(regex) = self.compiled.get(pattern) {
            return Ok(Rc::clone(regex));
        }
        let regex = Rc::new(Regex::new(pattern)?);
        self.compiled.insert(pattern.to_vec(), Rc::clone(&regex));
        Ok(regex)
    }
}

impl Regex {
    /// Compiles an extended regular expression.
    pub fn new(pattern: &[u8]) -> Result<Self, RegexError> {
        Compiler::compile(pattern)
    }

    /// Number of parenthesised groups (group 0 not counted).
    pub fn group_count(&self) -> usize {
        self.slots - 1
    }

    /// Matches the whole subject (`std::regex_match`).
    pub fn full_match(&self, subject: &[u8]) -> Option<Captures> {
        let mut exec = Executor::new(self, subject, Mode::Exact, Flags::default());
        exec.main(0).then(|| exec.captures())
    }

    /// The successive matches `std::sregex_iterator` yields: leftmost matches, an empty
    /// match followed by a non-empty one at the same place if there is one.
    pub fn find_all(&self, subject: &[u8]) -> Vec<Captures> {
        let mut found = Vec::new();
        let mut flags = Flags::default();
        let Some(mut current) = self.search(subject, 0, flags) else {
            return found;
        };
        loop {
            let whole = current[0].clone().unwrap_or(0..0);
            found.push(current);
            let mut start = whole.end;
            if whole.is_empty() {
                if start == subject.len() {
                    break;
                }
                let retry = Flags {
                    not_null: true,
                    continuous: true,
                    ..flags
                };
                if let Some(next) = self.search(subject, start, retry) {
                    current = next;
                    continue;
                }
                start += 1;
            }
            flags.prev_avail = true;
            match self.search(subject, start, flags) {
                Some(next) => current = next,
                None => break,
            }
        }
        found
    }

    /// `std::regex_search` on `subject[from..]`, with positions in `subject`.
    fn search(&self, subject: &[u8], from: usize, mut flags: Flags) -> Option<Captures> {
        let mut exec = Executor::new(self, subject, Mode::Prefix, flags);
        if exec.main(from) {
            return Some(exec.captures());
        }
        if flags.continuous {
            return None;
        }
        flags.prev_avail = true;
        exec.flags = flags;
        let mut begin = from;
        while begin != subject.len() {
            begin += 1;
            if exec.main(begin) {
                return Some(exec.captures());
            }
        }
        None
    }
}

// ---------------------------------------------------------------------------------
// Automaton
// ---------------------------------------------------------------------------------

/// Index of a state in [`Regex::states`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct StateId(usize);

#[derive(Debug, Clone)]
enum Op {
    Dummy,
    /// Try `alt`, then `next`.
    Alternative,
    /// Greedy repetition: `alt` is one more iteration, `next` leaves.
    Repeat,
    SubexprBegin(usize),
    SubexprEnd(usize),
    LineBegin,
    LineEnd,
    Match(Matcher),
    Accept,
}

#[derive(Debug, Clone)]
struct State {
    op: Op,
    next: Option<StateId>,
    alt: Option<StateId>,
}

impl State {
    fn has_alt(&self) -> bool {
        matches!(self.op, Op::Alternative | Op::Repeat)
    }
}

/// What one byte-consuming state accepts.
#[derive(Debug, Clone)]
enum Matcher {
    Byte(u8),
    /// `.`: every byte except NUL.
    AnyButNul,
    /// A bracket expression, resolved to a table of the 256 bytes.
    Set(Rc<[bool; 256]>),
}

impl Matcher {
    fn matches(&self, byte: u8) -> bool {
        match self {
            Matcher::Byte(b) => *b == byte,
            Matcher::AnyButNul => byte != 0,
            Matcher::Set(table) => table[usize::from(byte)],
        }
    }
}

/// A fragment of the automaton under construction: from `start`, the `next` chain ends
/// at `end`, whose `next` is still open.
#[derive(Debug, Clone, Copy)]
struct Seq {
    start: StateId,
    end: StateId,
}

#[derive(Debug, Default)]
struct Nfa {
    states: Vec<State>,
    paren_stack: Vec<usize>,
    subexpr_count: usize,
}

impl Nfa {
    fn insert(
        &mut self,
        op: Op,
        next: Option<StateId>,
        alt: Option<StateId>,
    ) -> Result<StateId, RegexError> {
        self.states.push(State { op, next, alt });
        if self.states.len() > STATE_LIMIT {
            return Err(RegexError::TooLarge);
        }
        Ok(StateId(self.states.len() - 1))
    }

    fn single(&mut self, op: Op) -> Result<Seq, RegexError> {
        let id = self.insert(op, None, None)?;
        Ok(Seq { start: id, end: id })
    }

    fn subexpr_begin(&mut self) -> Result<Seq, RegexError> {
        let group = self.subexpr_count;
        self.subexpr_count += 1;
        self.paren_stack.push(group);
        self.single(Op::SubexprBegin(group))
    }

    fn subexpr_end(&mut self) -> Result<Seq, RegexError> {
        let group = self
            .paren_stack
            .pop()
            .ok_or(RegexError::Invalid("unbalanced parenthesis"))?;
        self.single(Op::SubexprEnd(group))
    }

    fn set_next(&mut self, id: StateId, next: StateId) {
        self.states[id.0].next = Some(next);
    }

    fn append(&mut self, seq: &mut Seq, other: Seq) {
        self.set_next(seq.end, other.start);
        seq.end = other.end;
    }

    /// Copies the states reachable from `seq.start` up to `seq.end`, the way libstdc++
    /// does (a state reachable twice before it is copied is copied twice).
    fn clone_seq(&mut self, seq: Seq) -> Result<Seq, RegexError> {
        let mut map: HashMap<StateId, StateId> = HashMap::new();
        let mut stack = vec![seq.start];
        while let Some(u) = stack.pop() {
            let dup = self.states[u.0].clone();
            let id = self.insert(dup.op.clone(), dup.next, dup.alt)?;
            map.insert(u, id);
            if let Some(alt) = dup
                .alt
                .filter(|alt| dup.has_alt() && !map.contains_key(alt))
            {
                stack.push(alt);
            }
            if u == seq.end {
                continue;
            }
            if let Some(next) = dup.next.filter(|next| !map.contains_key(next)) {
                stack.push(next);
            }
        }
        for &copy in map.values() {
            let state = &mut self.states[copy.0];
            if let Some(&mapped) = state.next.and_then(|next| map.get(&next)) {
                state.next = Some(mapped);
            }
            if let Some(&mapped) = state
                .alt
                .filter(|_| state.has_alt())
                .and_then(|alt| map.get(&alt))
            {
                state.alt = Some(mapped);
            }
        }
        let start = map.get(&seq.start).copied();
        let end = map.get(&seq.end).copied();
        match (start, end) {
            (Some(start), Some(end)) => Ok(Seq { start, end }),
            _ => Err(RegexError::Invalid("malformed repetition")),
        }
    }

    fn eliminate_dummies(&mut self) {
        let is_dummy = |states: &[State], id: Option<StateId>| {
            id.is_some_and(|StateId(i)| matches!(states[i].op, Op::Dummy))
        };
        for i in 0..self.states.len() {
            while is_dummy(&self.states, self.states[i].next) {
                let target = self.states[i].next.map_or(0, |s| s.0);
                self.states[i].next = self.states[target].next;
            }
            if self.states[i].has_alt() {
                while is_dummy(&self.states, self.states[i].alt) {
                    let target = self.states[i].alt.map_or(0, |s| s.0);
                    self.states[i].alt = self.states[target].next;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Eof,
    OrdChar(u8),
    LineBegin,
    LineEnd,
    AnyChar,
    Closure0,
    Closure1,
    Opt,
    Or,
    SubexprBegin,
    SubexprEnd,
    BracketBegin,
    BracketNegBegin,
    BracketEnd,
    BracketDash,
    IntervalBegin,
    IntervalEnd,
    DupCount(Vec<u8>),
    Comma,
    CollSymbol(Vec<u8>),
    EquivClass(Vec<u8>),
    CharClass(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScanState {
    Normal,
    InBracket,
    InBrace,
}

/// Characters that are special outside brackets, and the only ones that may be escaped.
const SPECIAL: &[u8] = b".[\\()*+?{|^$";

struct Scanner<'p> {
    input: &'p [u8],
    pos: usize,
    state: ScanState,
    at_bracket_start: bool,
    token: Token,
}

impl<'p> Scanner<'p> {
    fn new(input: &'p [u8]) -> Result<Self, RegexError> {
        let mut scanner = Scanner {
            input,
            pos: 0,
            state: ScanState::Normal,
            at_bracket_start: false,
            token: Token::Eof,
        };
        scanner.advance()?;
        Ok(scanner)
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn advance(&mut self) -> Result<(), RegexError> {
        let Some(c) = self.bump() else {
            self.token = Token::Eof;
            return Ok(());
        };
        self.token = match self.state {
            ScanState::Normal => self.scan_normal(c)?,
            ScanState::InBracket => self.scan_in_bracket(c)?,
            ScanState::InBrace => self.scan_in_brace(c)?,
        };
        Ok(())
    }

    fn scan_normal(&mut self, c: u8) -> Result<Token, RegexError> {
        if !SPECIAL.contains(&c) {
            return Ok(Token::OrdChar(c));
        }
        Ok(match c {
            b'\\' => {
                let escaped = self
                    .bump()
                    .ok_or(RegexError::Invalid("escape at end of pattern"))?;
                if !SPECIAL.contains(&escaped) {
                    return Err(RegexError::Invalid("escape of an ordinary character"));
                }
                Token::OrdChar(escaped)
            }
            b'(' => Token::SubexprBegin,
            b')' => Token::SubexprEnd,
            b'[' => {
                self.state = ScanState::InBracket;
                self.at_bracket_start = true;
                if self.peek() == Some(b'^') {
                    self.pos += 1;
                    Token::BracketNegBegin
                } else {
                    Token::BracketBegin
                }
            }
            b'{' => {
                self.state = ScanState::InBrace;
                Token::IntervalBegin
            }
            b'^' => Token::LineBegin,
            b'$' => Token::LineEnd,
            b'.' => Token::AnyChar,
            b'*' => Token::Closure0,
            b'+' => Token::Closure1,
            b'?' => Token::Opt,
            _ => Token::Or,
        })
    }

    fn scan_in_bracket(&mut self, c: u8) -> Result<Token, RegexError> {
        let token = match c {
            b'-' => Token::BracketDash,
            b'[' => match self.peek() {
                None => return Err(RegexError::Invalid("incomplete '[[' in bracket expression")),
                Some(b'.') => {
                    self.pos += 1;
                    Token::CollSymbol(self.eat_class(b'.')?)
                }
                Some(b':') => {
                    self.pos += 1;
                    Token::CharClass(self.eat_class(b':')?)
                }
                Some(b'=') => {
                    self.pos += 1;
                    Token::EquivClass(self.eat_class(b'=')?)
                }
                Some(_) => Token::OrdChar(b'['),
            },
            b']' if !self.at_bracket_start => {
                self.state = ScanState::Normal;
                Token::BracketEnd
            }
            _ => Token::OrdChar(c),
        };
        self.at_bracket_start = false;
        Ok(token)
    }

    /// Reads the name of `[:name:]`, `[.name.]` or `[=name=]` and its closing pair.
    fn eat_class(&mut self, delimiter: u8) -> Result<Vec<u8>, RegexError> {
        let mut name = Vec::new();
        while let Some(c) = self.peek() {
            if c == delimiter {
                break;
            }
            name.push(c);
            self.pos += 1;
        }
        if self.bump() != Some(delimiter) || self.bump() != Some(b']') {
            return Err(RegexError::Invalid(
                "unterminated class in bracket expression",
            ));
        }
        Ok(name)
    }

    fn scan_in_brace(&mut self, c: u8) -> Result<Token, RegexError> {
        if c.is_ascii_digit() {
            let mut value = vec![c];
            while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
                value.push(d);
                self.pos += 1;
            }
            Ok(Token::DupCount(value))
        } else if c == b',' {
            Ok(Token::Comma)
        } else if c == b'}' {
            self.state = ScanState::Normal;
            Ok(Token::IntervalEnd)
        } else {
            Err(RegexError::Invalid(
                "unexpected character in brace expression",
            ))
        }
    }
}

// ---------------------------------------------------------------------------------
// Compiler
// ---------------------------------------------------------------------------------

struct Compiler<'p> {
    scanner: Scanner<'p>,
    nfa: Nfa,
    stack: Vec<Seq>,
    /// Payload of the token consumed last by [`Compiler::accept`].
    value: Token,
}

/// What the bracket parser remembers about the previous term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LastTerm {
    None,
    Char(u8),
    Class,
}

/// A bracket expression being collected.
struct Bracket {
    chars: Vec<u8>,
    ranges: Vec<(i8, i8)>,
    classes: Vec<ClassName>,
    equivalents: Vec<u8>,
}

impl<'p> Compiler<'p> {
    fn compile(pattern: &'p [u8]) -> Result<Regex, RegexError> {
        let mut c = Compiler {
            scanner: Scanner::new(pattern)?,
            nfa: Nfa::default(),
            stack: Vec::new(),
            value: Token::Eof,
        };
        let mut whole = c.nfa.subexpr_begin()?;
        c.disjunction()?;
        if !c.accept(&Token::Eof)? {
            return Err(RegexError::Invalid("unmatched parenthesis"));
        }
        let body = c.pop()?;
        c.nfa.append(&mut whole, body);
        let end = c.nfa.subexpr_end()?;
        c.nfa.append(&mut whole, end);
        let accept = c.nfa.single(Op::Accept)?;
        c.nfa.append(&mut whole, accept);
        c.nfa.eliminate_dummies();
        Ok(Regex {
            start: whole.start,
            slots: c.nfa.subexpr_count,
            states: c.nfa.states,
        })
    }

    fn pop(&mut self) -> Result<Seq, RegexError> {
        self.stack
            .pop()
            .ok_or(RegexError::Invalid("malformed pattern"))
    }

    /// Consumes the current token if it has the same kind as `kind`.
    fn accept(&mut self, kind: &Token) -> Result<bool, RegexError> {
        if std::mem::discriminant(&self.scanner.token) != std::mem::discriminant(kind) {
            return Ok(false);
        }
        self.value = self.scanner.token.clone();
        self.scanner.advance()?;
        Ok(true)
    }

    fn disjunction(&mut self) -> Result<(), RegexError> {
        self.alternative()?;
        while self.accept(&Token::Or)? {
            let mut left = self.pop()?;
            self.alternative()?;
            let mut right = self.pop()?;
            let end = self.nfa.single(Op::Dummy)?;
            self.nfa.append(&mut left, end);
            self.nfa.append(&mut right, end);
            let fork = self
                .nfa
                .insert(Op::Alternative, Some(right.start), Some(left.start))?;
            self.stack.push(Seq {
                start: fork,
                end: end.end,
            });
        }
        Ok(())
    }

    fn alternative(&mut self) -> Result<(), RegexError> {
        if self.term()? {
            let mut seq = self.pop()?;
            self.alternative()?;
            let rest = self.pop()?;
            self.nfa.append(&mut seq, rest);
            self.stack.push(seq);
        } else {
            let dummy = self.nfa.single(Op::Dummy)?;
            self.stack.push(dummy);
        }
        Ok(())
    }

    fn term(&mut self) -> Result<bool, RegexError> {
        if self.accept(&Token::LineBegin)? {
            let seq = self.nfa.single(Op::LineBegin)?;
            self.stack.push(seq);
            return Ok(true);
        }
        if self.accept(&Token::LineEnd)? {
            let seq = self.nfa.single(Op::LineEnd)?;
            self.stack.push(seq);
            return Ok(true);
        }
        if self.atom()? {
            while self.quantifier()? {}
            return Ok(true);
        }
        Ok(false)
    }

    fn atom(&mut self) -> Result<bool, RegexError> {
        let seq = if self.accept(&Token::AnyChar)? {
            self.nfa.single(Op::Match(Matcher::AnyButNul))?
        } else if let Some(c) = self.try_char()? {
            self.nfa.single(Op::Match(Matcher::Byte(c)))?
        } else if self.accept(&Token::SubexprBegin)? {
            let mut seq = self.nfa.subexpr_begin()?;
            self.disjunction()?;
            if !self.accept(&Token::SubexprEnd)? {
                return Err(RegexError::Invalid("unmatched parenthesis"));
            }
            let body = self.pop()?;
            self.nfa.append(&mut seq, body);
            let end = self.nfa.subexpr_end()?;
            self.nfa.append(&mut seq, end);
            seq
        } else if self.accept(&Token::BracketNegBegin)? {
            self.bracket(true)?
        } else if self.accept(&Token::BracketBegin)? {
            self.bracket(false)?
        } else {
            return Ok(false);
        };
        self.stack.push(seq);
        Ok(true)
    }

    fn try_char(&mut self) -> Result<Option<u8>, RegexError> {
        if !self.accept(&Token::OrdChar(0))? {
            return Ok(None);
        }
        match self.value {
            Token::OrdChar(c) => Ok(Some(c)),
            _ => Ok(None),
        }
    }

    fn quantifier(&mut self) -> Result<bool, RegexError> {
        if self.accept(&Token::Closure0)? {
            let mut body = self.pop()?;
            let repeat = self.nfa.insert(Op::Repeat, None, Some(body.start))?;
            let seq = Seq {
                start: repeat,
                end: repeat,
            };
            self.nfa.append(&mut body, seq);
            self.stack.push(seq);
        } else if self.accept(&Token::Closure1)? {
            let mut body = self.pop()?;
            let repeat = self.nfa.insert(Op::Repeat, None, Some(body.start))?;
            self.nfa.append(
                &mut body,
                Seq {
                    start: repeat,
                    end: repeat,
                },
            );
            self.stack.push(body);
        } else if self.accept(&Token::Opt)? {
            let mut body = self.pop()?;
            let end = self.nfa.single(Op::Dummy)?;
            let repeat = self.nfa.insert(Op::Repeat, None, Some(body.start))?;
            let mut seq = Seq {
                start: repeat,
                end: repeat,
            };
            self.nfa.append(&mut body, end);
            self.nfa.append(&mut seq, end);
            self.stack.push(seq);
        } else if self.accept(&Token::IntervalBegin)? {
            self.interval()?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    fn count_value(&self) -> Result<i64, RegexError> {
        let Token::DupCount(digits) = &self.value else {
            return Err(RegexError::Invalid("expected a count in brace expression"));
        };
        digits.iter().try_fold(0i64, |acc, d| {
            acc.checked_mul(10)
                .and_then(|v| v.checked_add(i64::from(d - b'0')))
                .ok_or(RegexError::Invalid("count too large in brace expression"))
        })
    }

    fn interval(&mut self) -> Result<(), RegexError> {
        if !self.accept(&Token::DupCount(Vec::new()))? {
            return Err(RegexError::Invalid("expected a count in brace expression"));
        }
        let body = self.pop()?;
        let mut seq = self.nfa.single(Op::Dummy)?;
        let min = self.count_value()?;
        let mut infinite = false;
        let mut extra = 0i64;
        if self.accept(&Token::Comma)? {
            if self.accept(&Token::DupCount(Vec::new()))? {
                extra = self.count_value()? - min;
            } else {
                infinite = true;
            }
        }
        if !self.accept(&Token::IntervalEnd)? {
            return Err(RegexError::Invalid("unterminated brace expression"));
        }
        for _ in 0..min {
            let copy = self.nfa.clone_seq(body)?;
            self.nfa.append(&mut seq, copy);
        }
        if infinite {
            let mut copy = self.nfa.clone_seq(body)?;
            let repeat = self.nfa.insert(Op::Repeat, None, Some(copy.start))?;
            let loop_seq = Seq {
                start: repeat,
                end: repeat,
            };
            self.nfa.append(&mut copy, loop_seq);
            self.nfa.append(&mut seq, loop_seq);
        } else {
            if extra < 0 {
                return Err(RegexError::Invalid("invalid range in brace expression"));
            }
            let end = self.nfa.single(Op::Dummy)?;
            let mut forks = Vec::new();
            for _ in 0..extra {
                let copy = self.nfa.clone_seq(body)?;
                // Built as (next: body, alt: leave) and swapped below, as libstdc++ does.
                let fork = self
                    .nfa
                    .insert(Op::Repeat, Some(copy.start), Some(end.start))?;
                forks.push(fork);
                self.nfa.append(
                    &mut seq,
                    Seq {
                        start: fork,
                        end: copy.end,
                    },
                );
            }
            self.nfa.append(&mut seq, end);
            for fork in forks.into_iter().rev() {
                let state = &mut self.nfa.states[fork.0];
                std::mem::swap(&mut state.next, &mut state.alt);
            }
        }
        self.stack.push(seq);
        Ok(())
    }

    fn bracket(&mut self, negated: bool) -> Result<Seq, RegexError> {
        let mut set = Bracket {
            chars: Vec::new(),
            ranges: Vec::new(),
            classes: Vec::new(),
            equivalents: Vec::new(),
        };
        let mut last = LastTerm::None;
        if let Some(c) = self.try_char()? {
            last = LastTerm::Char(c);
        } else if self.accept(&Token::BracketDash)? {
            last = LastTerm::Char(b'-');
        }
        while self.expression_term(&mut last, &mut set)? {}
        if let LastTerm::Char(c) = last {
            set.chars.push(c);
        }
        let mut table = [false; 256];
        for (byte, slot) in table.iter_mut().enumerate() {
            let b = byte as u8;
            let signed = b as i8;
            let hit = set.chars.contains(&b)
                || set
                    .ranges
                    .iter()
                    .any(|&(lo, hi)| lo <= signed && signed <= hi)
                || set.classes.iter().any(|class| class.contains(b))
                || set.equivalents.contains(&b.to_ascii_lowercase());
            *slot = hit != negated;
        }
        self.nfa.single(Op::Match(Matcher::Set(Rc::new(table))))
    }

    fn expression_term(
        &mut self,
        last: &mut LastTerm,
        set: &mut Bracket,
    ) -> Result<bool, RegexError> {
        if self.accept(&Token::BracketEnd)? {
            return Ok(false);
        }
        let push_char = |last: &mut LastTerm, set: &mut Bracket, c: u8| {
            if let LastTerm::Char(prev) = *last {
                set.chars.push(prev);
            }
            *last = LastTerm::Char(c);
        };
        let push_class = |last: &mut LastTerm, set: &mut Bracket| {
            if let LastTerm::Char(prev) = *last {
                set.chars.push(prev);
            }
            *last = LastTerm::Class;
        };
        if self.accept(&Token::CollSymbol(Vec::new()))? {
            let c = self.collating_element()?;
            push_char(last, set, c);
        } else if self.accept(&Token::EquivClass(Vec::new()))? {
            push_class(last, set);
            let c = self.collating_element()?;
            set.equivalents.push(c.to_ascii_lowercase());
        } else if self.accept(&Token::CharClass(Vec::new()))? {
            push_class(last, set);
            let Token::CharClass(name) = &self.value else {
                return Err(RegexError::Invalid("malformed class"));
            };
            let class =
                ClassName::lookup(name).ok_or(RegexError::Invalid("unknown character class"))?;
            set.classes.push(class);
        } else if let Some(c) = self.try_char()? {
            push_char(last, set, c);
        } else if self.accept(&Token::BracketDash)? {
            if self.accept(&Token::BracketEnd)? {
                push_char(last, set, b'-');
                return Ok(false);
            }
            match *last {
                LastTerm::Class => return Err(RegexError::Invalid("invalid start of range")),
                LastTerm::Char(lo) => {
                    let hi = if let Some(c) = self.try_char()? {
                        c
                    } else if self.accept(&Token::BracketDash)? {
                        b'-'
                    } else {
                        return Err(RegexError::Invalid("invalid end of range"));
                    };
                    if (lo as i8) > (hi as i8) {
                        return Err(RegexError::Invalid("invalid range in bracket expression"));
                    }
                    set.ranges.push((lo as i8, hi as i8));
                    *last = LastTerm::None;
                }
                LastTerm::None => {
                    return Err(RegexError::Invalid("invalid dash in bracket expression"));
                }
            }
        } else {
            return Err(RegexError::Invalid(
                "unexpected character in bracket expression",
            ));
        }
        Ok(true)
    }

    /// The byte named by the `[.name.]` or `[=name=]` just consumed.
    fn collating_element(&self) -> Result<u8, RegexError> {
        let (Token::CollSymbol(name) | Token::EquivClass(name)) = &self.value else {
            return Err(RegexError::Invalid("malformed collating element"));
        };
        COLLATING_NAMES
            .iter()
            .position(|candidate| candidate.as_bytes() == name.as_slice())
            .and_then(|i| u8::try_from(i).ok())
            .ok_or(RegexError::Invalid("invalid collating element"))
    }
}

/// The POSIX names of the 128 ASCII characters, indexed by code, as libstdc++ accepts
/// them in `[.name.]` and `[=name=]`.
const COLLATING_NAMES: [&str; 128] = [
    "NUL",
    "SOH",
    "STX",
    "ETX",
    "EOT",
    "ENQ",
    "ACK",
    "alert",
    "backspace",
    "tab",
    "newline",
    "vertical-tab",
    "form-feed",
    "carriage-return",
    "SO",
    "SI",
    "DLE",
    "DC1",
    "DC2",
    "DC3",
    "DC4",
    "NAK",
    "SYN",
    "ETB",
    "CAN",
    "EM",
    "SUB",
    "ESC",
    "IS4",
    "IS3",
    "IS2",
    "IS1",
    "space",
    "exclamation-mark",
    "quotation-mark",
    "number-sign",
    "dollar-sign",
    "percent-sign",
    "ampersand",
    "apostrophe",
    "left-parenthesis",
    "right-parenthesis",
    "asterisk",
    "plus-sign",
    "comma",
    "hyphen",
    "period",
    "slash",
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "colon",
    "semicolon",
    "less-than-sign",
    "equals-sign",
    "greater-than-sign",
    "question-mark",
    "commercial-at",
    "A",
    "B",
    "C",
    "D",
    "E",
    "F",
    "G",
    "H",
    "I",
    "J",
    "K",
    "L",
    "M",
    "N",
    "O",
    "P",
    "Q",
    "R",
    "S",
    "T",
    "U",
    "V",
    "W",
    "X",
    "Y",
    "Z",
    "left-square-bracket",
    "backslash",
    "right-square-bracket",
    "circumflex",
    "underscore",
    "grave-accent",
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "g",
    "h",
    "i",
    "j",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "v",
    "w",
    "x",
    "y",
    "z",
    "left-curly-bracket",
    "vertical-line",
    "right-curly-bracket",
    "tilde",
    "DEL",
];

/// A character class of the C locale, by the names libstdc++ accepts (any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClassName {
    Alnum,
    Alpha,
    Blank,
    Cntrl,
    Digit,
    Graph,
    Lower,
    Print,
    Punct,
    Space,
    Upper,
    Xdigit,
    Word,
}

impl ClassName {
    fn lookup(name: &[u8]) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        Some(match lower.as_slice() {
            b"alnum" => ClassName::Alnum,
            b"alpha" => ClassName::Alpha,
            b"blank" => ClassName::Blank,
            b"cntrl" => ClassName::Cntrl,
            b"digit" | b"d" => ClassName::Digit,
            b"graph" => ClassName::Graph,
            b"lower" => ClassName::Lower,
            b"print" => ClassName::Print,
            b"punct" => ClassName::Punct,
            b"space" | b"s" => ClassName::Space,
            b"upper" => ClassName::Upper,
            b"xdigit" => ClassName::Xdigit,
            b"w" => ClassName::Word,
            _ => return None,
        })
    }

    fn contains(self, b: u8) -> bool {
        match self {
            ClassName::Alnum => b.is_ascii_alphanumeric(),
            ClassName::Alpha => b.is_ascii_alphabetic(),
            ClassName::Blank => b == b' ' || b == b'\t',
            ClassName::Cntrl => b.is_ascii_control(),
            ClassName::Digit => b.is_ascii_digit(),
            ClassName::Graph => b.is_ascii_graphic(),
            ClassName::Lower => b.is_ascii_lowercase(),
            ClassName::Print => b.is_ascii_graphic() || b == b' ',
            ClassName::Punct => b.is_ascii_punctuation(),
            ClassName::Space => matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'),
            ClassName::Upper => b.is_ascii_uppercase(),
            ClassName::Xdigit => b.is_ascii_hexdigit(),
            ClassName::Word => b.is_ascii_alphanumeric() || b == b'_',
        }
    }
}

// ---------------------------------------------------------------------------------
// Executor
// ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The match must end at the end of the subject.
    Exact,
    /// Any match starting at the current start position.
    Prefix,
}

/// The `match_*` flags of libstdc++ that Nix's use of the library reaches.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    not_null: bool,
    continuous: bool,
    prev_avail: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Sub {
    first: usize,
    second: usize,
    matched: bool,
}

/// What to do when the walk returns to a state that is waiting for its callee.
#[derive(Debug, Clone, Copy)]
enum Frame {
    RestorePos(usize),
    RestoreFirst(usize, usize),
    RestoreSub(usize, Sub),
    AltSecond(StateId),
    AltJoin(bool),
    RestoreRepCount(StateId, (usize, u32)),
    RepLeave(StateId),
}

struct Executor<'r, 's> {
    regex: &'r Regex,
    subject: &'s [u8],
    mode: Mode,
    flags: Flags,
    begin: usize,
    current: usize,
    cur: Vec<Sub>,
    results: Vec<Sub>,
    has_sol: bool,
    sol_pos: Option<usize>,
    /// Per state: where the repetition was last entered, and how often there.
    rep_count: Vec<(usize, u32)>,
    stack: Vec<Frame>,
}

impl<'r, 's> Executor<'r, 's> {
    fn new(regex: &'r Regex, subject: &'s [u8], mode: Mode, flags: Flags) -> Self {
        Executor {
            regex,
            subject,
            mode,
            flags,
            begin: 0,
            current: 0,
            cur: vec![Sub::default(); regex.slots],
            results: vec![Sub::default(); regex.slots],
            has_sol: false,
            sol_pos: None,
            rep_count: vec![(0, 0); regex.states.len()],
            stack: Vec::new(),
        }
    }

    fn captures(&self) -> Captures {
        self.results
            .iter()
            .map(|sub| sub.matched.then_some(sub.first..sub.second))
            .collect()
    }

    /// One attempt from `begin`; true when some accepting path was found.
    fn main(&mut self, begin: usize) -> bool {
        self.begin = begin;
        self.current = begin;
        self.has_sol = false;
        self.sol_pos = None;
        self.cur.clone_from(&self.results);
        self.walk(self.regex.start);
        self.has_sol
    }

    fn at_begin(&self) -> bool {
        self.current == self.begin && !self.flags.prev_avail
    }

    fn at_end(&self) -> bool {
        self.current == self.subject.len()
    }

    /// The depth-first walk of libstdc++'s executor, with its recursion turned into
    /// `self.stack`: `step` enters a state and names the state to enter next, if any;
    /// `resume` finishes a state once everything it entered has returned.
    fn walk(&mut self, start: StateId) {
        let mut next = Some(start);
        loop {
            if let Some(id) = next {
                next = self.step(id);
                continue;
            }
            match self.stack.pop() {
                Some(frame) => next = self.resume(frame),
                None => break,
            }
        }
    }

    fn step(&mut self, id: StateId) -> Option<StateId> {
        let state = &self.regex.states[id.0];
        match &state.op {
            Op::Dummy => state.next,
            Op::Alternative => {
                self.stack.push(Frame::AltSecond(id));
                state.alt
            }
            Op::Repeat => {
                self.stack.push(Frame::RepLeave(id));
                let count = self.rep_count[id.0];
                if count.1 == 0 || count.0 != self.current {
                    self.stack.push(Frame::RestoreRepCount(id, count));
                    self.rep_count[id.0] = (self.current, 1);
                    state.alt
                } else if count.1 < 2 {
                    self.stack.push(Frame::RestoreRepCount(id, count));
                    self.rep_count[id.0].1 += 1;
                    state.alt
                } else {
                    None
                }
            }
            Op::SubexprBegin(group) => {
                self.stack
                    .push(Frame::RestoreFirst(*group, self.cur[*group].first));
                self.cur[*group].first = self.current;
                state.next
            }
            Op::SubexprEnd(group) => {
                self.stack.push(Frame::RestoreSub(*group, self.cur[*group]));
                let sub = &mut self.cur[*group];
                sub.second = self.current;
                sub.matched = true;
                state.next
            }
            Op::LineBegin => self.at_begin().then_some(state.next).flatten(),
            Op::LineEnd => self.at_end().then_some(state.next).flatten(),
            Op::Match(matcher) => {
                let byte = *self.subject.get(self.current)?;
                if !matcher.matches(byte) {
                    return None;
                }
                self.stack.push(Frame::RestorePos(self.current));
                self.current += 1;
                state.next
            }
            Op::Accept => {
                self.accept();
                None
            }
        }
    }

    fn resume(&mut self, frame: Frame) -> Option<StateId> {
        match frame {
            Frame::RestorePos(pos) => self.current = pos,
            Frame::RestoreFirst(group, first) => self.cur[group].first = first,
            Frame::RestoreSub(group, sub) => self.cur[group] = sub,
            Frame::AltSecond(id) => {
                let saved = self.has_sol;
                self.has_sol = false;
                self.stack.push(Frame::AltJoin(saved));
                return self.regex.states[id.0].next;
            }
            Frame::AltJoin(saved) => self.has_sol |= saved,
            Frame::RestoreRepCount(id, count) => self.rep_count[id.0] = count,
            Frame::RepLeave(id) => {
                if !self.has_sol {
                    return self.regex.states[id.0].next;
                }
            }
        }
        None
    }

    fn accept(&mut self) {
        self.has_sol = match self.mode {
            Mode::Exact => self.current == self.subject.len(),
            Mode::Prefix => true,
        };
        if self.current == self.begin && self.flags.not_null {
            self.has_sol = false;
        }
        if self.has_sol && self.sol_pos.is_none_or(|end| end < self.current) {
            self.sol_pos = Some(self.current);
            self.results.clone_from(&self.cur);
        }
    }
}

#[cfg(test)]
#[path = "regex_tests.rs"]
mod tests;

//! Oracle cases for the regular expression engine: each expectation is what
//! `nix-instantiate --eval --strict` printed for `builtins.match` / `builtins.split` with
//! the same pattern and subject (`INVALID` and `TOO_LARGE` stand for the two errors).

use super::{Captures, Regex, RegexCache, RegexError};

#[derive(Debug, Clone, Copy)]
enum Kind {
    Match,
    Split,
}

fn quote(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            b'$' => out.push('$'),
            _ => out.push(char::from(b)),
        }
    }
    out.push('"');
    out
}

fn groups(subject: &[u8], captures: &Captures) -> String {
    let mut out = String::from("[ ");
    for group in &captures[1..] {
        match group {
            Some(span) => out.push_str(&quote(&subject[span.clone()])),
            None => out.push_str("null"),
        }
        out.push(' ');
    }
    out.push(']');
    out
}

/// Renders a result the way Nix prints the value of `match` or `split`.
fn render(kind: Kind, pattern: &str, subject: &str) -> String {
    let regex = match Regex::new(pattern.as_bytes()) {
        Ok(regex) => regex,
        Err(RegexError::Invalid(_)) => return "INVALID".to_owned(),
        Err(RegexError::TooLarge) => return "TOO_LARGE".to_owned(),
    };
    let subject = subject.as_bytes();
    match kind {
        Kind::Match => match regex.full_match(subject) {
            Some(captures) => groups(subject, &captures),
            None => "null".to_owned(),
        },
        Kind::Split => {
            let matches = regex.find_all(subject);
            let mut out = String::from("[ ");
            let mut previous_end = 0;
            for captures in &matches {
                let whole = captures[0].clone().unwrap_or(0..0);
                out.push_str(&quote(&subject[previous_end..whole.start]));
                out.push(' ');
                out.push_str(&groups(subject, captures));
                out.push(' ');
                previous_end = whole.end;
            }
            out.push_str(&quote(&subject[previous_end..]));
            out.push_str(" ]");
            out
        }
    }
}

const CASES: &[(Kind, &str, &str, &str)] = &[
    (
        Kind::Match,
        r#"(a|ab)(c|bcd)(d*)"#,
        r#"abcd"#,
        r#"[ "a" "bcd" "" ]"#,
    ),
    (Kind::Match, r#"(a*)*"#, r#"aa"#, r#"[ "" ]"#),
    (Kind::Match, r#"(a|(b))*"#, r#"ba"#, r#"[ "a" "b" ]"#),
    (Kind::Match, r#"(a*)+"#, r#"aa"#, r#"[ "" ]"#),
    (Kind::Match, r#"(a|ab)*c"#, r#"ababc"#, r#"[ "ab" ]"#),
    (Kind::Match, r#"(ab|a)(bc|c)"#, r#"abc"#, r#"[ "ab" "c" ]"#),
    (Kind::Match, r#"(a|ab)(bc|c)"#, r#"abc"#, r#"[ "a" "bc" ]"#),
    (Kind::Match, r#"(.*)(.*)"#, r#"abc"#, r#"[ "abc" "" ]"#),
    (Kind::Match, r#"(.*?)b"#, r#"ab"#, r#"[ "a" ]"#),
    (Kind::Match, r#"(a*)(a*)"#, r#"aaa"#, r#"[ "aaa" "" ]"#),
    (Kind::Match, r#"(a*)(a|b)*"#, r#"aab"#, r#"[ "aa" "b" ]"#),
    (Kind::Match, r#"((a)|b)+"#, r#"ab"#, r#"[ "b" "a" ]"#),
    (Kind::Match, r#"((a)|b)+"#, r#"ba"#, r#"[ "a" "a" ]"#),
    (Kind::Match, r#"(a|b)*"#, r#""#, r#"[ null ]"#),
    (Kind::Match, r#"()"#, r#""#, r#"[ "" ]"#),
    (Kind::Match, r#"(a)|b"#, r#"b"#, r#"[ null ]"#),
    (Kind::Match, r#"x*"#, r#""#, r#"[ ]"#),
    (Kind::Match, r#"a"#, r#"b"#, r#"null"#),
    (Kind::Match, r#"a"#, r#""#, r#"null"#),
    (Kind::Match, r#".*"#, r#""#, r#"[ ]"#),
    (Kind::Match, r#"."#, r#""#, r#"null"#),
    (Kind::Match, r#".*"#, r#"a.b"#, r#"[ ]"#),
    (Kind::Match, r#"[a-z]+"#, r#"hello"#, r#"[ ]"#),
    (Kind::Match, r#"[^a-z]+"#, r#"HELLO1"#, r#"[ ]"#),
    (Kind::Match, r#"[]a]+"#, r#"]a]"#, r#"[ ]"#),
    (Kind::Match, r#"[^]a]"#, r#"]"#, r#"null"#),
    (Kind::Match, r#"[a-]+"#, r#"a-a"#, r#"[ ]"#),
    (Kind::Match, r#"[--0]+"#, r#"-./0"#, r#"[ ]"#),
    (Kind::Match, r#"[[:alpha:]]+"#, r#"abcXYZ"#, r#"[ ]"#),
    (Kind::Match, r#"[[:digit:][:alpha:]]+"#, r#"a1b2"#, r#"[ ]"#),
    (Kind::Match, r#"[[:space:]]"#, r#"	"#, r#"[ ]"#),
    (Kind::Match, r#"[[:blank:]]"#, r#" "#, r#"[ ]"#),
    (Kind::Match, r#"[[:punct:]]+"#, r#"!@#"#, r#"[ ]"#),
    (Kind::Match, r#"[[:xdigit:]]+"#, r#"09afAF"#, r#"[ ]"#),
    (
        Kind::Match,
        r#"[[:upper:]][[:lower:]]*"#,
        r#"Hello"#,
        r#"[ ]"#,
    ),
    (Kind::Match, r#"[[:alnum:]_]+"#, r#"a_1"#, r#"[ ]"#),
    (Kind::Match, r#"[[:w:]]+"#, r#"a_1"#, r#"[ ]"#),
    (Kind::Match, r#"[[:s:]]"#, r#" "#, r#"[ ]"#),
    (Kind::Match, r#"[[:d:]]"#, r#"5"#, r#"[ ]"#),
    (Kind::Match, r#"[[:ALPHA:]]"#, r#"a"#, r#"[ ]"#),
    (Kind::Match, r#"[[:cntrl:]]"#, r#"a"#, r#"null"#),
    (Kind::Match, r#"[[:graph:]]+"#, r#"a!~"#, r#"[ ]"#),
    (Kind::Match, r#"[[:print:]]+"#, r#"a b"#, r#"[ ]"#),
    (Kind::Match, r#"[[.a.]]"#, r#"a"#, r#"[ ]"#),
    (Kind::Match, r#"[[.hyphen.]]"#, r#"-"#, r#"[ ]"#),
    (Kind::Match, r#"[[.space.]]"#, r#" "#, r#"[ ]"#),
    (Kind::Match, r#"[[=a=]]"#, r#"A"#, r#"[ ]"#),
    (Kind::Match, r#"[[=a=]]b"#, r#"ab"#, r#"[ ]"#),
    (Kind::Match, r#"[\]"#, r#"\"#, r#"[ ]"#),
    (Kind::Match, r#"[\n]"#, r#"n"#, r#"[ ]"#),
    (Kind::Match, r#"[.]"#, r#"a"#, r#"null"#),
    (Kind::Match, r#"[*]"#, r#"*"#, r#"[ ]"#),
    (Kind::Match, r#"a{2}"#, r#"aa"#, r#"[ ]"#),
    (Kind::Match, r#"a{2}"#, r#"aaa"#, r#"null"#),
    (Kind::Match, r#"a{2,}"#, r#"aaaa"#, r#"[ ]"#),
    (Kind::Match, r#"a{2,3}"#, r#"aaa"#, r#"[ ]"#),
    (Kind::Match, r#"a{2,3}"#, r#"aaaa"#, r#"null"#),
    (Kind::Match, r#"a{0}"#, r#""#, r#"[ ]"#),
    (Kind::Match, r#"a{0,1}"#, r#"a"#, r#"[ ]"#),
    (Kind::Match, r#"(a){2}"#, r#"aa"#, r#"[ "a" ]"#),
    (Kind::Match, r#"(a|b){2,3}"#, r#"aba"#, r#"[ "a" ]"#),
    (Kind::Match, r#"(a|ab){2}"#, r#"abab"#, r#"[ "ab" ]"#),
    (Kind::Match, r#"(a){0}"#, r#""#, r#"[ null ]"#),
    (Kind::Match, r#"x{2}{3}"#, r#"xxxxxx"#, r#"[ ]"#),
    (Kind::Match, r#"a**"#, r#"aa"#, r#"[ ]"#),
    (Kind::Match, r#"a+?"#, r#"aa"#, r#"[ ]"#),
    (Kind::Match, r#"a?*"#, r#"aa"#, r#"[ ]"#),
    (Kind::Match, r#"(a?)*"#, r#"aa"#, r#"[ "" ]"#),
    (Kind::Match, r#"(a?)+"#, r#"aa"#, r#"[ "" ]"#),
    (Kind::Match, r#"(a+|b)*"#, r#"ab"#, r#"[ "b" ]"#),
    (Kind::Match, r#"(a+|b)+"#, r#"ab"#, r#"[ "b" ]"#),
    (Kind::Match, r#"(a+)(a+)"#, r#"aaaa"#, r#"[ "aaa" "a" ]"#),
    (Kind::Match, r#"(a*)b(a*)"#, r#"aabaa"#, r#"[ "aa" "aa" ]"#),
    (Kind::Match, r#"^abc$"#, r#"abc"#, r#"[ ]"#),
    (Kind::Match, r#"^(a)$"#, r#"a"#, r#"[ "a" ]"#),
    (Kind::Match, r#"a^"#, r#"a"#, r#"null"#),
    (Kind::Match, r#"$a"#, r#"a"#, r#"null"#),
    (Kind::Match, r#"(^a)"#, r#"a"#, r#"[ "a" ]"#),
    (Kind::Match, r#"a$b"#, r#"ab"#, r#"null"#),
    (Kind::Match, r#"\."#, r#"."#, r#"[ ]"#),
    (Kind::Match, r#"\*"#, r#"*"#, r#"[ ]"#),
    (Kind::Match, r#"\("#, r#"("#, r#"[ ]"#),
    (Kind::Match, r#"\["#, r#"["#, r#"[ ]"#),
    (Kind::Match, r#"\{"#, r#"{"#, r#"[ ]"#),
    (Kind::Match, r#"\||\"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"\^"#, r#"^"#, r#"[ ]"#),
    (Kind::Match, r#"\$"#, r#"$"#, r#"[ ]"#),
    (Kind::Match, r#"\+"#, r#"+"#, r#"[ ]"#),
    (Kind::Match, r#"\?"#, r#"?"#, r#"[ ]"#),
    (Kind::Match, r#"a}"#, r#"a}"#, r#"[ ]"#),
    (Kind::Match, r#"a]"#, r#"a]"#, r#"[ ]"#),
    (Kind::Match, r#"foo(bar)?"#, r#"foo"#, r#"[ null ]"#),
    (Kind::Match, r#"foo(bar)?"#, r#"foobar"#, r#"[ "bar" ]"#),
    (Kind::Match, r#"(.*)/(.*)"#, r#"a/b/c"#, r#"[ "a/b" "c" ]"#),
    (
        Kind::Match,
        r#"([^/]*)/(.*)"#,
        r#"a/b/c"#,
        r#"[ "a" "b/c" ]"#,
    ),
    (
        Kind::Match,
        r#"(.*)-([0-9].*)"#,
        r#"hello-1.2.3"#,
        r#"[ "hello" "1.2.3" ]"#,
    ),
    (
        Kind::Match,
        r#"([^-]*)-(.*)"#,
        r#"a-b-c"#,
        r#"[ "a" "b-c" ]"#,
    ),
    (Kind::Match, r#"(x(y)?)+"#, r#"xyx"#, r#"[ "x" "y" ]"#),
    (Kind::Match, r#"(x(y)?)+"#, r#"xxy"#, r#"[ "xy" "y" ]"#),
    (Kind::Match, r#"((a)(b)?)+"#, r#"aba"#, r#"[ "a" "a" "b" ]"#),
    (Kind::Match, r#"(a(b)?)*"#, r#"abaab"#, r#"[ "ab" "b" ]"#),
    (Kind::Match, r#"(aa|a)*"#, r#"aaa"#, r#"[ "a" ]"#),
    (Kind::Match, r#"(a|aa)*"#, r#"aaa"#, r#"[ "a" ]"#),
    (Kind::Match, r#"(a|aa)(a|aa)"#, r#"aaa"#, r#"[ "a" "aa" ]"#),
    (Kind::Match, r#"(aa|a)(a|aa)"#, r#"aaa"#, r#"[ "aa" "a" ]"#),
    (Kind::Match, r#"(a*)*(b)"#, r#"b"#, r#"[ "" "b" ]"#),
    (Kind::Match, r#"(a|)*b"#, r#"ab"#, r#"[ "" ]"#),
    (Kind::Match, r#"(|a)*b"#, r#"ab"#, r#"[ "" ]"#),
    (Kind::Match, r#"(|a)+"#, r#"a"#, r#"[ "" ]"#),
    (Kind::Match, r#"(a|)+"#, r#"a"#, r#"[ "" ]"#),
    (Kind::Match, r#"(ab|a)*(b*)"#, r#"abab"#, r#"[ "ab" "" ]"#),
    (Kind::Match, r#"(a*|b)*"#, r#"ab"#, r#"[ "" ]"#),
    (Kind::Match, r#"(b|a*)*"#, r#"ab"#, r#"[ "" ]"#),
    (Kind::Match, r#"(a|b)*(b)"#, r#"abb"#, r#"[ "b" "b" ]"#),
    (Kind::Match, r#".*(.)"#, r#"abc"#, r#"[ "c" ]"#),
    (Kind::Match, r#".*(.*)"#, r#"abc"#, r#"[ "" ]"#),
    (Kind::Match, r#"(.*)(.)"#, r#"abc"#, r#"[ "ab" "c" ]"#),
    (Kind::Match, r#"\\"#, r#"\"#, r#"[ ]"#),
    (Kind::Match, r#"[a\]+"#, r#"\a"#, r#"[ ]"#),
    (Kind::Match, r#"\n"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"\]"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"\}"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"a{,2}"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"a)"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"("#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"[[:foo:]]"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"*a"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"^*"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"[z-a]"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"a{2,1}"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"[[:alpha:]-z]"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"[a-c-e]"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"[a"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"a{"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"a{1"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"a{x}"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"[[.foo.]]"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"[[:alpha:"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"\"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"+"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"?"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"{1}"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"a|*"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"(*)"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"[]"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"[^]"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"a{100000}"#, r#""#, r#"TOO_LARGE"#),
    (Kind::Match, r#"(a{1000}){1000}"#, r#""#, r#"TOO_LARGE"#),
    (Kind::Match, r#"[[.left-brace.]]"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"[b-a]"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"$*"#, r#""#, r#"INVALID"#),
    (Kind::Match, r#"a||*"#, r#""#, r#"INVALID"#),
    (
        Kind::Split,
        r#"a*"#,
        r#"bab"#,
        r#"[ "" [ ] "b" [ ] "" [ ] "b" [ ] "" ]"#,
    ),
    (Kind::Split, r#"a"#, r#"bab"#, r#"[ "b" [ ] "b" ]"#),
    (Kind::Split, r#"(a)"#, r#"bab"#, r#"[ "b" [ "a" ] "b" ]"#),
    (
        Kind::Split,
        r#"(a)*"#,
        r#"bab"#,
        r#"[ "" [ null ] "b" [ "a" ] "" [ null ] "b" [ null ] "" ]"#,
    ),
    (Kind::Split, r#"x"#, r#""#, r#"[ "" ]"#),
    (
        Kind::Split,
        r#""#,
        r#"ab"#,
        r#"[ "" [ ] "a" [ ] "b" [ ] "" ]"#,
    ),
    (
        Kind::Split,
        r#"b*"#,
        r#"abc"#,
        r#"[ "" [ ] "a" [ ] "" [ ] "c" [ ] "" ]"#,
    ),
    (
        Kind::Split,
        r#","#,
        r#"a,b,,c"#,
        r#"[ "a" [ ] "b" [ ] "" [ ] "c" ]"#,
    ),
    (
        Kind::Split,
        r#"(,)"#,
        r#"a,b,,c"#,
        r#"[ "a" [ "," ] "b" [ "," ] "" [ "," ] "c" ]"#,
    ),
    (Kind::Split, r#"^"#, r#"ab"#, r#"[ "" [ ] "ab" ]"#),
    (Kind::Split, r#"$"#, r#"ab"#, r#"[ "ab" [ ] "" ]"#),
    (Kind::Split, r#"^a"#, r#"aa"#, r#"[ "" [ ] "a" ]"#),
    (Kind::Split, r#"a$"#, r#"aa"#, r#"[ "a" [ ] "" ]"#),
    (
        Kind::Split,
        r#"[[:space:]]+"#,
        r#" a  b c "#,
        r#"[ "" [ ] "a" [ ] "b" [ ] "c" [ ] "" ]"#,
    ),
    (
        Kind::Split,
        r#"(a)|(b)"#,
        r#"abc"#,
        r#"[ "" [ "a" null ] "" [ null "b" ] "c" ]"#,
    ),
    (
        Kind::Split,
        r#"(a)(b)?"#,
        r#"aab"#,
        r#"[ "" [ "a" null ] "" [ "a" "b" ] "" ]"#,
    ),
    (Kind::Split, r#"."#, r#"ab"#, r#"[ "" [ ] "" [ ] "" ]"#),
    (
        Kind::Split,
        r#"(.*)"#,
        r#"ab"#,
        r#"[ "" [ "ab" ] "" [ "" ] "" ]"#,
    ),
    (
        Kind::Split,
        r#"a?"#,
        r#"baa"#,
        r#"[ "" [ ] "b" [ ] "" [ ] "" [ ] "" ]"#,
    ),
    (
        Kind::Split,
        r#"(a|ab)(c|bcd)(d*)"#,
        r#"xabcdy"#,
        r#"[ "x" [ "a" "bcd" "" ] "y" ]"#,
    ),
    (
        Kind::Split,
        r#"(x*)"#,
        r#"axb"#,
        r#"[ "" [ "" ] "a" [ "x" ] "" [ "" ] "b" [ "" ] "" ]"#,
    ),
    (Kind::Split, r#"^"#, r#""#, r#"[ "" [ ] "" ]"#),
    (Kind::Split, r#"$"#, r#""#, r#"[ "" [ ] "" ]"#),
    (
        Kind::Split,
        r#"a*b*"#,
        r#"aabbcab"#,
        r#"[ "" [ ] "" [ ] "c" [ ] "" [ ] "" ]"#,
    ),
    (
        Kind::Split,
        r#"\."#,
        r#"1.2.3"#,
        r#"[ "1" [ ] "2" [ ] "3" ]"#,
    ),
    (
        Kind::Split,
        r#"([0-9]+)"#,
        r#"a12b3"#,
        r#"[ "a" [ "12" ] "b" [ "3" ] "" ]"#,
    ),
    (Kind::Split, r#"b"#, r#"aaa"#, r#"[ "aaa" ]"#),
];

#[test]
fn agrees_with_nix_on_every_recorded_case() {
    let mut failures = Vec::new();
    for &(kind, pattern, subject, expected) in CASES {
        let got = render(kind, pattern, subject);
        if got != expected {
            failures.push(format!(
                "{kind:?} {pattern:?} on {subject:?}: got {got}, Nix gives {expected}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn long_subjects_do_not_exhaust_the_call_stack() {
    let subject = "ab".repeat(200_000);
    let regex = Regex::new(b"(a|b)*").expect("valid pattern");
    let captures = regex.full_match(subject.as_bytes()).expect("matches");
    assert_eq!(captures[1], Some(subject.len() - 1..subject.len()));
}

#[test]
fn cache_compiles_each_pattern_once() {
    let mut cache = RegexCache::default();
    let first = cache.get(b"a+").expect("valid pattern");
    let second = cache.get(b"a+").expect("valid pattern");
    assert!(std::rc::Rc::ptr_eq(&first, &second));
    assert_eq!(
        cache.get(b"(").map(|_| ()),
        Err(RegexError::Invalid("unmatched parenthesis"))
    );
}

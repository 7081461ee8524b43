//! Shows an expression the way Nix 2.8 prints parsed expressions (`assertion '…' failed`).
//!
//! Nix prints its own desugared tree: `a - b` is a call of `__sub`, `<` of `__lessThan`,
//! string interpolation a `+` chain, selections parenthesise their subject.

use rnix::ast::{self, AstToken, HasEntry, InterpolPart};
use rowan::ast::AstNode;

use super::compile::ident_text;
use super::print::escape_string;

/// The text Nix shows for an expression.
pub(crate) fn show_expr(e: &ast::Expr) -> String {
    let mut out = String::new();
    show(e, &mut out);
    out
}

fn show_opt(e: Option<ast::Expr>, out: &mut String) {
    if let Some(e) = e {
        show(&e, out);
    }
}

fn show_attrpath(p: Option<ast::Attrpath>, out: &mut String) {
    let Some(p) = p else { return };
    for (i, a) in p.attrs().enumerate() {
        if i > 0 {
            out.push('.');
        }
        match a {
            ast::Attr::Ident(id) => out.push_str(&ident_text(&id)),
            ast::Attr::Str(s) => out.push_str(&s.syntax().text().to_string()),
            ast::Attr::Dynamic(d) => {
                out.push_str("\"${");
                show_opt(d.expr(), out);
                out.push_str("}\"");
            }
        }
    }
}

fn show(e: &ast::Expr, out: &mut String) {
    match e {
        ast::Expr::Apply(_) => {
            let mut args = Vec::new();
            let mut cur = e.clone();
            while let ast::Expr::Apply(app) = &cur {
                if let Some(a) = app.argument() {
                    args.push(a);
                }
                match app.lambda() {
                    Some(f) => cur = f,
                    None => break,
                }
            }
            out.push('(');
            show(&cur, out);
            for a in args.iter().rev() {
                out.push(' ');
                show(a, out);
            }
            out.push(')');
        }
        ast::Expr::Assert(a) => {
            out.push_str("assert ");
            show_opt(a.condition(), out);
            out.push_str("; ");
            show_opt(a.body(), out);
        }
        ast::Expr::IfElse(i) => {
            out.push_str("(if ");
            show_opt(i.condition(), out);
            out.push_str(" then ");
            show_opt(i.body(), out);
            out.push_str(" else ");
            show_opt(i.else_body(), out);
            out.push(')');
        }
        ast::Expr::Select(s) => {
            out.push('(');
            show_opt(s.expr(), out);
            out.push_str(").");
            show_attrpath(s.attrpath(), out);
            if let Some(d) = s.default_expr() {
                out.push_str(" or (");
                show(&d, out);
                out.push(')');
            }
        }
        ast::Expr::Str(s) => {
            let parts = s.normalized_parts();
            if parts.len() == 1
                && let InterpolPart::Literal(t) = &parts[0]
            {
                out.push_str(&escape_string(t));
                return;
            }
            if parts.is_empty() {
                out.push_str("\"\"");
                return;
            }
            out.push('(');
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(" + ");
                }
                match p {
                    InterpolPart::Literal(t) => out.push_str(&escape_string(t)),
                    InterpolPart::Interpolation(ip) => show_opt(ip.expr(), out),
                }
            }
            out.push(')');
        }
        ast::Expr::Literal(l) => match l.kind() {
            ast::LiteralKind::Uri(u) => out.push_str(&escape_string(u.syntax().text())),
            ast::LiteralKind::Float(f) => match f.value() {
                Ok(v) => out.push_str(&super::print::format_float(v)),
                Err(_) => out.push_str(f.syntax().text()),
            },
            ast::LiteralKind::Integer(i) => out.push_str(i.syntax().text()),
        },
        ast::Expr::Lambda(l) => {
            out.push('(');
            match l.param() {
                Some(ast::Param::IdentParam(ip)) => {
                    if let Some(id) = ip.ident() {
                        out.push_str(&ident_text(&id));
                    }
                }
                Some(ast::Param::Pattern(p)) => {
                    out.push_str("{ ");
                    let mut first = true;
                    for entry in p.pat_entries() {
                        if !first {
                            out.push_str(", ");
                        }
                        first = false;
                        if let Some(id) = entry.ident() {
                            out.push_str(&ident_text(&id));
                        }
                        if let Some(d) = entry.default() {
                            out.push_str(" ? ");
                            show(&d, out);
                        }
                    }
                    if p.ellipsis_token().is_some() {
                        if !first {
                            out.push_str(", ");
                        }
                        out.push_str("...");
                    }
                    out.push_str(" }");
                    if let Some(id) = p.pat_bind().and_then(|b| b.ident()) {
                        out.push_str(" @ ");
                        out.push_str(&ident_text(&id));
                    }
                }
                None => {}
            }
            out.push_str(": ");
            show_opt(l.body(), out);
            out.push(')');
        }
        ast::Expr::LetIn(l) => {
            out.push_str("(let ");
            show_entries(l, out);
            out.push_str("in ");
            show_opt(l.body(), out);
            out.push(')');
        }
        ast::Expr::LegacyLet(l) => {
            out.push_str("let { ");
            show_entries(l, out);
            out.push('}');
        }
        ast::Expr::List(l) => {
            out.push_str("[ ");
            for i in l.items() {
                out.push('(');
                show(&i, out);
                out.push_str(") ");
            }
            out.push(']');
        }
        ast::Expr::BinOp(b) => {
            let op = b.operator();
            let call =
                |name: &str, x: Option<ast::Expr>, y: Option<ast::Expr>, out: &mut String| {
                    out.push('(');
                    out.push_str(name);
                    out.push(' ');
                    show_opt(x, out);
                    out.push(' ');
                    show_opt(y, out);
                    out.push(')');
                };
            match op {
                Some(ast::BinOpKind::Sub) => call("__sub", b.lhs(), b.rhs(), out),
                Some(ast::BinOpKind::Mul) => call("__mul", b.lhs(), b.rhs(), out),
                Some(ast::BinOpKind::Div) => call("__div", b.lhs(), b.rhs(), out),
                Some(ast::BinOpKind::Less) => call("__lessThan", b.lhs(), b.rhs(), out),
                Some(ast::BinOpKind::More) => call("__lessThan", b.rhs(), b.lhs(), out),
                Some(ast::BinOpKind::LessOrEq) => {
                    out.push_str("(! ");
                    call("__lessThan", b.rhs(), b.lhs(), out);
                    out.push(')');
                }
                Some(ast::BinOpKind::MoreOrEq) => {
                    out.push_str("(! ");
                    call("__lessThan", b.lhs(), b.rhs(), out);
                    out.push(')');
                }
                _ => {
                    let sym = match op {
                        Some(ast::BinOpKind::Concat) => "++",
                        Some(ast::BinOpKind::Update) => "//",
                        Some(ast::BinOpKind::Add) => "+",
                        Some(ast::BinOpKind::And) => "&&",
                        Some(ast::BinOpKind::Equal) => "==",
                        Some(ast::BinOpKind::Implication) => "->",
                        Some(ast::BinOpKind::NotEqual) => "!=",
                        Some(ast::BinOpKind::Or) => "||",
                        _ => "?",
                    };
                    out.push('(');
                    show_opt(b.lhs(), out);
                    out.push(' ');
                    out.push_str(sym);
                    out.push(' ');
                    show_opt(b.rhs(), out);
                    out.push(')');
                }
            }
        }
        ast::Expr::Paren(p) => show_opt(p.expr(), out),
        ast::Expr::Root(r) => show_opt(r.expr(), out),
        ast::Expr::AttrSet(s) => {
            if s.rec_token().is_some() {
                out.push_str("rec ");
            }
            out.push_str("{ ");
            show_entries(s, out);
            out.push('}');
        }
        ast::Expr::UnaryOp(u) => match u.operator() {
            Some(ast::UnaryOpKind::Invert) => {
                out.push_str("(! ");
                show_opt(u.expr(), out);
                out.push(')');
            }
            _ => {
                out.push_str("(__sub 0 ");
                show_opt(u.expr(), out);
                out.push(')');
            }
        },
        ast::Expr::Ident(i) => out.push_str(&ident_text(i)),
        ast::Expr::With(w) => {
            out.push_str("(with ");
            show_opt(w.namespace(), out);
            out.push_str("; ");
            show_opt(w.body(), out);
            out.push(')');
        }
        ast::Expr::HasAttr(h) => {
            out.push_str("((");
            show_opt(h.expr(), out);
            out.push_str(") ? ");
            show_attrpath(h.attrpath(), out);
            out.push(')');
        }
        ast::Expr::CurPos(_) => out.push_str("__curPos"),
        other => out.push_str(&other.syntax().text().to_string()),
    }
}

fn show_entries(node: &impl HasEntry, out: &mut String) {
    for entry in node.entries() {
        match entry {
            ast::Entry::Inherit(inh) => {
                let from = inh.from().and_then(|f| f.expr());
                for a in inh.attrs() {
                    let name = a.syntax().text().to_string();
                    match &from {
                        Some(f) => {
                            out.push_str(&name);
                            out.push_str(" = (");
                            show(f, out);
                            out.push_str(").");
                            out.push_str(&name);
                            out.push_str("; ");
                        }
                        None => {
                            out.push_str("inherit ");
                            out.push_str(&name);
                            out.push_str("; ");
                        }
                    }
                }
            }
            ast::Entry::AttrpathValue(av) => {
                show_attrpath(av.attrpath(), out);
                out.push_str(" = ");
                show_opt(av.value(), out);
                out.push_str("; ");
            }
        }
    }
}

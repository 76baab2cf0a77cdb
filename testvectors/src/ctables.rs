//! Reading constant tables out of libopus's C sources, and writing them as Rust.
//!
//! Many table files of the workspace hold values libopus ships as C array initialisers
//! (`celt/static_modes_float.h`, `silk/tables_*.c`, `dnn/lpcnet_tables.c`, ...). This module
//! is the generator of those files and the oracle of the test that checks them
//! (`tests/tables_match_libopus.rs`):
//!
//! - [`CSource`] preprocesses one C file as the float build sees it (conditionals, object-like
//!   `#define`s, comments), finds `T name[N]... = { ... };` (nested braces flattened, in
//!   memory order) or `T name = expr;`, and evaluates every element as the C compiler does:
//!   integer arithmetic for integers, `f`-suffixed literals rounded straight to `f32`,
//!   unsuffixed ones parsed as `f64` and rounded to `f32` on initialisation, casts, hex and
//!   octal, and the float-build meaning of `QCONST16`/`QCONST32`/`GCONST`/`SILK_FIX_CONST`.
//! - [`MANIFEST`] lists, per Rust file, each table, its type and the C symbol it copies.
//! - [`render_file`] writes the Rust `const` items of one manifest entry; the `gen_tables` binary
//!   prints them.
//!
//! Only the harness uses this; product crates never depend on it.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The opusic-sys release whose vendored libopus 1.6.1 source the oracle builds.
const OPUSIC_SYS_DIR: &str = "opusic-sys-0.7.7";

/// Finds the libopus 1.6.1 source: `$OPUS_ORACLE_SRC`, else the copy opusic-sys vendors in
/// cargo's registry (`$CARGO_HOME/registry/src/*/opusic-sys-0.7.7/opus`), as the oracle's
/// `build.rs` does.
///
/// # Errors
/// A message naming where it looked when no source is found.
pub fn libopus_source_dir() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("OPUS_ORACLE_SRC") {
        return Ok(PathBuf::from(dir));
    }
    let cargo_home = match std::env::var("CARGO_HOME") {
        Ok(h) => PathBuf::from(h),
        Err(_) => PathBuf::from(std::env::var("HOME").map_err(|_| "HOME not set".to_string())?)
            .join(".cargo"),
    };
    let registry = cargo_home.join("registry").join("src");
    let mut found: Vec<PathBuf> = fs::read_dir(&registry)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path().join(OPUSIC_SYS_DIR).join("opus"))
                .filter(|p| p.join("celt").is_dir())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.into_iter().next().ok_or_else(|| {
        format!(
            "libopus source of {OPUSIC_SYS_DIR} not found under {}; run `cargo fetch` or set OPUS_ORACLE_SRC",
            registry.display()
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// One C (or Rust) token.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(String),
    Punct(&'static str),
}

const PUNCTS: [&str; 27] = [
    "<<", ">>", "&&", "||", "==", "!=", "<=", ">=", "->", "::", "{", "}", "[", "]", "(", ")", ",",
    ";", "=", "+", "-", "*", "/", "%", "&", "|", "^",
];
const PUNCTS1: [&str; 8] = ["!", "~", "<", ">", "?", ":", ".", "#"];

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    'outer: while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'"' || c == b'\'' {
            // Strings and characters never appear in tables; skip them whole.
            let q = c;
            i += 1;
            while i < b.len() && b[i] != q {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(s[st..i].to_string()));
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_digit()) {
            let st = i;
            let hex = c == b'0' && i + 1 < b.len() && (b[i + 1] | 0x20) == b'x';
            if hex {
                i += 2;
            }
            while i < b.len() {
                let d = b[i];
                let exp = !hex && (d | 0x20) == b'e';
                if d.is_ascii_alphanumeric() || d == b'.' || d == b'_' {
                    i += 1;
                    if exp && i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                        i += 1;
                    }
                } else {
                    break;
                }
            }
            out.push(Tok::Num(s[st..i].replace('_', "")));
            continue;
        }
        for p in PUNCTS.iter().chain(PUNCTS1.iter()) {
            if s[i..].starts_with(p) {
                out.push(Tok::Punct(p));
                i += p.len();
                continue 'outer;
            }
        }
        // Characters no table uses (`@`, `$`, `\\`, non-ASCII) are skipped.
        i += s[i..].chars().next().map_or(1, char::len_utf8);
    }
    Ok(out)
}

/// Removes `/* */` and `//` comments, keeping line breaks, and joins `\`-continued lines.
fn strip_comments(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                if b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
            out.push(' ');
        } else if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'"' {
            let st = i;
            i += 1;
            while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            out.push_str(&src[st..i]);
        } else {
            let ch = src[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out.replace("\\\r\n", " ").replace("\\\n", " ")
}

// ---------------------------------------------------------------------------------------------
// Values

/// A C constant expression's value, with its C type class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CValue {
    /// Any integer type.
    Int(i128),
    /// `float`.
    F32(f32),
    /// `double`.
    F64(f64),
}

impl CValue {
    fn as_f64(self) -> f64 {
        match self {
            CValue::Int(v) => v as f64,
            CValue::F32(v) => v as f64,
            CValue::F64(v) => v,
        }
    }
    fn as_f32(self) -> f32 {
        match self {
            CValue::Int(v) => v as f32,
            CValue::F32(v) => v,
            CValue::F64(v) => v as f32,
        }
    }
    fn as_int(self) -> i128 {
        match self {
            CValue::Int(v) => v,
            CValue::F32(v) => v as i128,
            CValue::F64(v) => v as i128,
        }
    }
}

/// Element types of the Rust tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    /// `u8`
    U8,
    /// `i8`
    I8,
    /// `u16`
    U16,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `u32`
    U32,
    /// `usize`
    Usize,
    /// `f32`
    F32,
}

/// One table element, as compared: integers by value, floats by their bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// An integer element.
    Int(i64),
    /// An `f32` element, as `to_bits()`.
    F32(u32),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::F32(b) => write!(f, "{:?} (0x{b:08x})", f32::from_bits(*b)),
        }
    }
}

impl Elem {
    /// Converts a C value into this element type as the C initialisation does, failing if an
    /// integer does not fit.
    fn convert(self, v: CValue) -> Result<Value, String> {
        if self == Elem::F32 {
            return Ok(Value::F32(v.as_f32().to_bits()));
        }
        let i = v.as_int();
        let (lo, hi): (i128, i128) = match self {
            Elem::U8 => (0, u8::MAX.into()),
            Elem::I8 => (i8::MIN.into(), i8::MAX.into()),
            Elem::U16 => (0, u16::MAX.into()),
            Elem::I16 => (i16::MIN.into(), i16::MAX.into()),
            Elem::I32 => (i32::MIN.into(), i32::MAX.into()),
            Elem::U32 => (0, u32::MAX.into()),
            Elem::Usize => (0, u32::MAX.into()),
            Elem::F32 => unreachable!(),
        };
        if i < lo || i > hi {
            return Err(format!("{i} does not fit {self:?}"));
        }
        Ok(Value::Int(i as i64))
    }
}

/// One element of an initialiser: its value and, when it was a plain (signed) literal, its
/// source text.
#[derive(Debug, Clone)]
pub struct CItem {
    /// The evaluated value.
    pub value: CValue,
    /// The literal as written, for literals and negated literals.
    pub text: Option<String>,
}

fn parse_number(t: &str, unsuffixed_float_is_f32: bool) -> Result<CValue, String> {
    let lower = t.to_ascii_lowercase();
    let is_hex = lower.starts_with("0x");
    let is_float = !is_hex && (lower.contains('.') || lower.contains('e'));
    if is_float {
        if let Some(d) = lower.strip_suffix("f32") {
            return d
                .parse::<f32>()
                .map(CValue::F32)
                .map_err(|e| format!("{t}: {e}"));
        }
        if let Some(d) = lower.strip_suffix("f64") {
            return d
                .parse::<f64>()
                .map(CValue::F64)
                .map_err(|e| format!("{t}: {e}"));
        }
        if let Some(d) = lower.strip_suffix('f') {
            // C rounds a float-suffixed literal straight to float.
            return d
                .parse::<f32>()
                .map(CValue::F32)
                .map_err(|e| format!("{t}: {e}"));
        }
        if unsuffixed_float_is_f32 {
            return lower
                .parse::<f32>()
                .map(CValue::F32)
                .map_err(|e| format!("{t}: {e}"));
        }
        return lower
            .parse::<f64>()
            .map(CValue::F64)
            .map_err(|e| format!("{t}: {e}"));
    }
    let mut d = lower.as_str();
    for suf in [
        "usize", "u32", "i32", "u16", "i16", "u8", "i8", "u64", "i64",
    ] {
        if let Some(x) = d.strip_suffix(suf) {
            d = x;
            break;
        }
    }
    let d = d.trim_end_matches(['u', 'l']);
    let v = if let Some(h) = d.strip_prefix("0x") {
        i128::from_str_radix(h, 16)
    } else if d.len() > 1 && d.starts_with('0') && !unsuffixed_float_is_f32 {
        i128::from_str_radix(&d[1..], 8)
    } else {
        d.parse::<i128>()
    };
    v.map(CValue::Int).map_err(|e| format!("{t}: {e}"))
}

const C_TYPES: [&str; 24] = [
    "opus_int8",
    "opus_uint8",
    "opus_int16",
    "opus_uint16",
    "opus_int32",
    "opus_uint32",
    "opus_int64",
    "opus_uint64",
    "opus_val16",
    "opus_val32",
    "opus_val64",
    "celt_coef",
    "celt_sig",
    "celt_norm",
    "celt_glog",
    "float",
    "double",
    "int",
    "short",
    "char",
    "signed",
    "unsigned",
    "long",
    "kiss_fft_scalar",
];

fn cast(ty: &str, v: CValue) -> CValue {
    match ty {
        "float" | "opus_val16" | "opus_val32" | "opus_val64" | "celt_coef" | "celt_sig"
        | "celt_norm" | "celt_glog" | "kiss_fft_scalar" => CValue::F32(v.as_f32()),
        "double" => CValue::F64(v.as_f64()),
        "opus_int8" => CValue::Int(v.as_int() as i8 as i128),
        "opus_uint8" => CValue::Int(v.as_int() as u8 as i128),
        "opus_int16" | "short" => CValue::Int(v.as_int() as i16 as i128),
        "opus_uint16" => CValue::Int(v.as_int() as u16 as i128),
        "opus_int32" | "int" => CValue::Int(v.as_int() as i32 as i128),
        "opus_uint32" | "unsigned" => CValue::Int(v.as_int() as u32 as i128),
        _ => CValue::Int(v.as_int() as i64 as i128),
    }
}

fn arith(op: &str, a: CValue, b: CValue) -> Result<CValue, String> {
    use CValue::*;
    Ok(match (a, b) {
        (Int(x), Int(y)) => Int(match op {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" => x.checked_div(y).ok_or("division by zero")?,
            "%" => x.checked_rem(y).ok_or("division by zero")?,
            "<<" => x << y,
            ">>" => x >> y,
            "&" => x & y,
            "|" => x | y,
            "^" => x ^ y,
            "&&" => i128::from(x != 0 && y != 0),
            "||" => i128::from(x != 0 || y != 0),
            "==" => i128::from(x == y),
            "!=" => i128::from(x != y),
            "<" => i128::from(x < y),
            ">" => i128::from(x > y),
            "<=" => i128::from(x <= y),
            ">=" => i128::from(x >= y),
            _ => return Err(format!("operator {op} on integers")),
        }),
        (F64(_), _) | (_, F64(_)) => {
            let (x, y) = (a.as_f64(), b.as_f64());
            F64(match op {
                "+" => x + y,
                "-" => x - y,
                "*" => x * y,
                "/" => x / y,
                _ => return Err(format!("operator {op} on doubles")),
            })
        }
        _ => {
            let (x, y) = (a.as_f32(), b.as_f32());
            F32(match op {
                "+" => x + y,
                "-" => x - y,
                "*" => x * y,
                "/" => x / y,
                _ => return Err(format!("operator {op} on floats")),
            })
        }
    })
}

fn prec(op: &str) -> Option<u8> {
    Some(match op {
        "*" | "/" | "%" => 10,
        "+" | "-" => 9,
        "<<" | ">>" => 8,
        "<" | ">" | "<=" | ">=" => 7,
        "==" | "!=" => 6,
        "&" => 5,
        "^" => 4,
        "|" => 3,
        "&&" => 2,
        "||" => 1,
        _ => return None,
    })
}

/// Evaluates constant expressions over a macro table.
struct Eval<'a> {
    macros: &'a HashMap<String, Vec<Tok>>,
    defined: Option<&'a HashSet<String>>,
    symbols: &'a [(&'a str, i128)],
    rust: bool,
    depth: usize,
}

impl Eval<'_> {
    fn expr(&mut self, t: &[Tok], pos: &mut usize, min_prec: u8) -> Result<CValue, String> {
        let mut lhs = self.unary(t, pos)?;
        loop {
            let op = match t.get(*pos) {
                Some(Tok::Punct(p)) => *p,
                Some(Tok::Ident(id)) if self.rust && id == "as" => {
                    *pos += 1;
                    let ty = match t.get(*pos) {
                        Some(Tok::Ident(ty)) => ty.clone(),
                        _ => return Err("`as` without a type".into()),
                    };
                    *pos += 1;
                    lhs = match ty.as_str() {
                        "i8" => cast("opus_int8", lhs),
                        "u8" => cast("opus_uint8", lhs),
                        "i16" => cast("opus_int16", lhs),
                        "u16" => cast("opus_uint16", lhs),
                        "i32" => cast("opus_int32", lhs),
                        "u32" => cast("opus_uint32", lhs),
                        "f32" => cast("float", lhs),
                        "f64" => cast("double", lhs),
                        _ => cast("long", lhs),
                    };
                    continue;
                }
                _ => break,
            };
            let Some(p) = prec(op) else { break };
            if p < min_prec {
                break;
            }
            *pos += 1;
            let rhs = self.expr(t, pos, p + 1)?;
            lhs = arith(op, lhs, rhs)?;
        }
        Ok(lhs)
    }

    fn args(&mut self, t: &[Tok], pos: &mut usize) -> Result<Vec<CValue>, String> {
        if t.get(*pos) != Some(&Tok::Punct("(")) {
            return Err("expected `(`".into());
        }
        *pos += 1;
        let mut out = Vec::new();
        loop {
            out.push(self.expr(t, pos, 1)?);
            match t.get(*pos) {
                Some(Tok::Punct(",")) => *pos += 1,
                Some(Tok::Punct(")")) => {
                    *pos += 1;
                    return Ok(out);
                }
                other => return Err(format!("unexpected {other:?} in arguments")),
            }
        }
    }

    fn unary(&mut self, t: &[Tok], pos: &mut usize) -> Result<CValue, String> {
        let tok = t.get(*pos).cloned().ok_or("unexpected end of expression")?;
        *pos += 1;
        match tok {
            Tok::Num(n) => parse_number(&n, self.rust),
            Tok::Punct("-") => Ok(match self.unary(t, pos)? {
                CValue::Int(v) => CValue::Int(-v),
                CValue::F32(v) => CValue::F32(-v),
                CValue::F64(v) => CValue::F64(-v),
            }),
            Tok::Punct("+") => self.unary(t, pos),
            Tok::Punct("!") => Ok(CValue::Int(i128::from(self.unary(t, pos)?.as_int() == 0))),
            Tok::Punct("~") => Ok(CValue::Int(!self.unary(t, pos)?.as_int())),
            Tok::Punct("(") => {
                // A cast `(type)`, possibly `(const unsigned char)`, or a parenthesised expression.
                let mut j = *pos;
                let mut ty = None;
                while let Some(Tok::Ident(id)) = t.get(j) {
                    if C_TYPES.contains(&id.as_str()) {
                        ty = Some(id.clone());
                    } else if id != "const" {
                        ty = None;
                        break;
                    }
                    j += 1;
                }
                if let (Some(ty), Some(Tok::Punct(")"))) = (ty, t.get(j)) {
                    if !self.rust {
                        *pos = j + 1;
                        let v = self.unary(t, pos)?;
                        return Ok(cast(&ty, v));
                    }
                }
                let v = self.expr(t, pos, 1)?;
                if t.get(*pos) != Some(&Tok::Punct(")")) {
                    return Err("unbalanced parentheses".into());
                }
                *pos += 1;
                Ok(v)
            }
            Tok::Ident(id) => self.ident(&id, t, pos),
            Tok::Punct(p) => Err(format!("unexpected `{p}` in expression")),
        }
    }

    fn ident(&mut self, id: &str, t: &[Tok], pos: &mut usize) -> Result<CValue, String> {
        if let Some(defined) = self.defined {
            if id == "defined" {
                let paren = t.get(*pos) == Some(&Tok::Punct("("));
                if paren {
                    *pos += 1;
                }
                let name = match t.get(*pos) {
                    Some(Tok::Ident(n)) => n.clone(),
                    _ => return Err("defined without a name".into()),
                };
                *pos += 1;
                if paren {
                    *pos += 1;
                }
                return Ok(CValue::Int(i128::from(defined.contains(&name))));
            }
        }
        // Float-build meanings of libopus's fixed-point helpers.
        match id {
            "QCONST16" | "QCONST32" | "GCONST" | "Q15ONE_F" | "EXTEND32" | "SHL32" | "PSHR32"
                if t.get(*pos) == Some(&Tok::Punct("(")) =>
            {
                let a = self.args(t, pos)?;
                return Ok(a[0]);
            }
            "SILK_FIX_CONST" if t.get(*pos) == Some(&Tok::Punct("(")) => {
                let a = self.args(t, pos)?;
                let q = a
                    .get(1)
                    .ok_or("SILK_FIX_CONST needs two arguments")?
                    .as_int();
                let scaled = a[0].as_f64() * (1i64 << q) as f64 + 0.5;
                return Ok(CValue::Int(scaled as i32 as i128));
            }
            _ => {}
        }
        if let Some(&(_, v)) = self.symbols.iter().find(|(n, _)| *n == id) {
            return Ok(CValue::Int(v));
        }
        if let Some(body) = self.macros.get(id) {
            self.depth += 1;
            if self.depth > 64 {
                return Err(format!("macro {id} expands recursively"));
            }
            let body = body.clone();
            let mut p = 0;
            let v = self.expr(&body, &mut p, 1)?;
            self.depth -= 1;
            if p != body.len() {
                return Err(format!("macro {id} is not a constant expression"));
            }
            return Ok(v);
        }
        if self.defined.is_some() {
            return Ok(CValue::Int(0)); // An unknown name in `#if` is 0.
        }
        Err(format!("unknown identifier `{id}`"))
    }
}

// ---------------------------------------------------------------------------------------------
// C sources

/// A C file after preprocessing, with the object-like macros it and its listed headers define.
#[derive(Debug)]
pub struct CSource {
    path: PathBuf,
    toks: Vec<Tok>,
    macros: HashMap<String, Vec<Tok>>,
}

fn preprocess(
    src: &str,
    defined: &mut HashSet<String>,
    macros: &mut HashMap<String, Vec<Tok>>,
) -> Result<String, String> {
    let text = strip_comments(src);
    let mut out = String::new();
    // Per open conditional: (parent active, a branch was taken, this branch active).
    let mut stack: Vec<(bool, bool, bool)> = Vec::new();
    let active = |s: &Vec<(bool, bool, bool)>| s.last().is_none_or(|x| x.2);
    for (n, line) in text.lines().enumerate() {
        let l = line.trim_start();
        let Some(dir) = l.strip_prefix('#') else {
            if active(&stack) {
                out.push_str(line);
            }
            out.push('\n');
            continue;
        };
        out.push('\n');
        let dir = dir.trim_start();
        let (kw, rest) = dir.split_at(
            dir.find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(dir.len()),
        );
        let rest = rest.trim();
        let eval_if =
            |cond: &str, defined: &HashSet<String>, macros: &HashMap<String, Vec<Tok>>| {
                let toks = tokenize(cond)?;
                let mut ev = Eval {
                    macros,
                    defined: Some(defined),
                    symbols: &[],
                    rust: false,
                    depth: 0,
                };
                let mut p = 0;
                ev.expr(&toks, &mut p, 1).map(|v| v.as_int() != 0)
            };
        let err = |e: String| format!("line {}: {e}", n + 1);
        match kw {
            "if" | "ifdef" | "ifndef" => {
                let parent = active(&stack);
                let cond = match kw {
                    "ifdef" => defined.contains(rest.split_whitespace().next().unwrap_or("")),
                    "ifndef" => !defined.contains(rest.split_whitespace().next().unwrap_or("")),
                    _ => parent && eval_if(rest, defined, macros).map_err(err)?,
                };
                stack.push((parent, cond, parent && cond));
            }
            "elif" => {
                let top = stack
                    .last_mut()
                    .ok_or_else(|| err("#elif without #if".into()))?;
                let (parent, taken, _) = *top;
                let cond = !taken && parent && eval_if(rest, defined, macros).map_err(err)?;
                *stack.last_mut().unwrap_or_else(|| unreachable!()) = (parent, taken || cond, cond);
            }
            "else" => {
                let top = stack
                    .last_mut()
                    .ok_or_else(|| err("#else without #if".into()))?;
                let (parent, taken, _) = *top;
                *top = (parent, true, parent && !taken);
            }
            "endif" => {
                stack
                    .pop()
                    .ok_or_else(|| err("#endif without #if".into()))?;
            }
            "define" if active(&stack) => {
                let name_end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                let name = &rest[..name_end];
                defined.insert(name.to_string());
                // Function-like macros are not kept; the evaluator knows the few it needs.
                if !rest[name_end..].starts_with('(') {
                    if let Ok(body) = tokenize(&rest[name_end..]) {
                        macros.insert(name.to_string(), body);
                    }
                }
            }
            "undef" if active(&stack) => {
                defined.remove(rest);
                macros.remove(rest);
            }
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("unterminated #if".into());
    }
    Ok(out)
}

impl CSource {
    /// Reads `file` (relative to the libopus source `root`), first taking the macros of
    /// `headers`, with `defines` defined, as a float build (no `FIXED_POINT`) sees it.
    ///
    /// # Errors
    /// I/O and preprocessing errors, as text.
    pub fn load(
        root: &Path,
        file: &str,
        headers: &[&str],
        defines: &[&str],
    ) -> Result<Self, String> {
        let mut defined: HashSet<String> = defines.iter().map(|s| s.to_string()).collect();
        let mut macros = HashMap::new();
        for h in headers {
            let p = root.join(h);
            let s = fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            preprocess(&s, &mut defined, &mut macros)
                .map_err(|e| format!("{}: {e}", p.display()))?;
        }
        let path = root.join(file);
        let s = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let pp = preprocess(&s, &mut defined, &mut macros)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let toks = tokenize(&pp).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(CSource { path, toks, macros })
    }

    /// Reads a Rust file's `const`/`static` arrays with the same machinery (Rust literal rules:
    /// unsuffixed floats in an `f32` table are rounded straight to `f32`).
    ///
    /// # Errors
    /// I/O errors, as text.
    pub fn load_rust(path: &Path) -> Result<Self, String> {
        let s = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse_rust(&s, path)
    }

    /// As [`CSource::load_rust`], on Rust text already read; `label` names it in errors.
    ///
    /// # Errors
    /// Never in practice; the tokenizer skips what it does not know.
    pub fn parse_rust(text: &str, label: &Path) -> Result<Self, String> {
        let toks = tokenize(&strip_comments(text).replace(['#', '\''], " "))
            .map_err(|e| format!("{}: {e}", label.display()))?;
        Ok(CSource {
            path: label.to_path_buf(),
            toks,
            macros: HashMap::new(),
        })
    }

    /// The value of an object-like macro.
    ///
    /// # Errors
    /// When the macro is unknown or not a constant.
    pub fn macro_value(&self, name: &str) -> Result<CValue, String> {
        let body = self
            .macros
            .get(name)
            .ok_or_else(|| format!("no macro {name}"))?;
        let mut ev = Eval {
            macros: &self.macros,
            defined: None,
            symbols: &[],
            rust: false,
            depth: 0,
        };
        let mut p = 0;
        ev.expr(body, &mut p, 1)
    }

    /// The flattened initialiser of array (or scalar) `name`: `T name[..].. = { ... };` or
    /// `T name = expr;`. `symbols` gives values to names such as pointer bases
    /// (`CELT_PVQ_U_DATA` as 0 turns `CELT_PVQ_U_DATA+176` into an offset).
    ///
    /// # Errors
    /// When the symbol is missing, ambiguous, or an element is not a constant expression.
    pub fn array(&self, name: &str, symbols: &[(&str, i128)]) -> Result<Vec<CItem>, String> {
        self.array_impl(name, symbols, false)
    }

    /// As [`CSource::array`], for a file read with [`CSource::load_rust`].
    ///
    /// # Errors
    /// As [`CSource::array`].
    pub fn rust_array(&self, name: &str) -> Result<Vec<CItem>, String> {
        self.array_impl(name, &[], true)
    }

    fn array_impl(
        &self,
        name: &str,
        symbols: &[(&str, i128)],
        rust: bool,
    ) -> Result<Vec<CItem>, String> {
        let t = &self.toks;
        let (open, close) = if rust { ("[", "]") } else { ("{", "}") };
        let mut found = Vec::new();
        for i in 1..t.len() {
            if t[i] != Tok::Ident(name.to_string()) || !matches!(t[i - 1], Tok::Ident(_)) {
                continue;
            }
            let mut j = i + 1;
            if rust {
                // `NAME: TYPE = [`: skip the type, whose brackets nest.
                if t.get(j) != Some(&Tok::Punct(":")) {
                    continue;
                }
                let mut depth = 0i32;
                j += 1;
                while j < t.len() {
                    match &t[j] {
                        Tok::Punct("[") | Tok::Punct("(") => depth += 1,
                        Tok::Punct("]") | Tok::Punct(")") => depth -= 1,
                        Tok::Punct("=") if depth == 0 => break,
                        Tok::Punct(";") if depth == 0 => break,
                        _ => {}
                    }
                    j += 1;
                }
            } else {
                while t.get(j) == Some(&Tok::Punct("[")) {
                    while j < t.len() && t[j] != Tok::Punct("]") {
                        j += 1;
                    }
                    j += 1;
                }
                while let Some(Tok::Ident(_)) = t.get(j) {
                    j += 1; // attributes such as alignment macros
                }
            }
            if t.get(j) != Some(&Tok::Punct("=")) {
                continue;
            }
            found.push(j + 1);
        }
        let start = match found.as_slice() {
            [s] => *s,
            [] => {
                return Err(format!(
                    "{}: no definition of `{name}`",
                    self.path.display()
                ))
            }
            _ => {
                return Err(format!(
                    "{}: {} definitions of `{name}`",
                    self.path.display(),
                    found.len()
                ))
            }
        };
        let mut ev = Eval {
            macros: &self.macros,
            defined: None,
            symbols,
            rust,
            depth: 0,
        };
        let mut out = Vec::new();
        let mut pos = start;
        let ctx = |e: String| format!("{}: `{name}`: {e}", self.path.display());
        if t.get(pos) == Some(&Tok::Punct(open)) {
            self.init_list(&mut ev, &mut pos, &mut out, (open, close))
                .map_err(ctx)?;
        } else {
            out.push(self.item(&mut ev, &mut pos).map_err(ctx)?);
        }
        Ok(out)
    }

    fn item(&self, ev: &mut Eval<'_>, pos: &mut usize) -> Result<CItem, String> {
        let t = &self.toks;
        let text = match (t.get(*pos), t.get(*pos + 1), t.get(*pos + 2)) {
            (
                Some(Tok::Num(n)),
                Some(Tok::Punct(",") | Tok::Punct("}") | Tok::Punct("]") | Tok::Punct(";")),
                _,
            ) => Some(n.clone()),
            (
                Some(Tok::Punct("-")),
                Some(Tok::Num(n)),
                Some(Tok::Punct(",") | Tok::Punct("}") | Tok::Punct("]") | Tok::Punct(";")),
            ) => Some(format!("-{n}")),
            // `QCONST16(0.5f, 15)`: the float build keeps the literal.
            (Some(Tok::Ident(m)), Some(Tok::Punct("(")), Some(Tok::Num(n)))
                if matches!(m.as_str(), "QCONST16" | "QCONST32" | "GCONST")
                    && matches!(t.get(*pos + 3), Some(Tok::Punct(",") | Tok::Punct(")"))) =>
            {
                Some(n.clone())
            }
            _ => None,
        };
        let value = ev.expr(t, pos, 1)?;
        Ok(CItem { value, text })
    }

    fn init_list(
        &self,
        ev: &mut Eval<'_>,
        pos: &mut usize,
        out: &mut Vec<CItem>,
        (open, close): (&'static str, &'static str),
    ) -> Result<(), String> {
        let t = &self.toks;
        *pos += 1; // the opening brace
        loop {
            match t.get(*pos) {
                Some(Tok::Punct(p)) if *p == close => {
                    *pos += 1;
                    return Ok(());
                }
                Some(Tok::Punct(p)) if *p == open => self.init_list(ev, pos, out, (open, close))?,
                Some(_) => out.push(self.item(ev, pos)?),
                None => return Err("unterminated initialiser".into()),
            }
            match t.get(*pos) {
                Some(Tok::Punct(",")) => *pos += 1,
                Some(Tok::Punct(p)) if *p == close => {}
                other => return Err(format!("unexpected {other:?} in initialiser")),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Manifest

/// How a Rust table is obtained from its C symbol.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// The whole initialiser of the C array (or scalar), flattened.
    Array,
    /// An array of pointers `base + offset`; the Rust table holds the offsets.
    Offsets(&'static str),
    /// The leading block of a larger C array of shape `c_shape`, of the Rust table's shape.
    Block(&'static [usize]),
    /// An object-like `#define`.
    Macro,
}

/// One Rust table and the libopus symbol it copies.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// Rust constant name.
    pub name: &'static str,
    /// Rust type as written in the file.
    pub ty: &'static str,
    /// Numeric shape of the Rust array, outermost first (`&[]` for a scalar).
    pub shape: &'static [usize],
    /// Rust element type.
    pub elem: Elem,
    /// C file, relative to the libopus source root.
    pub c_file: &'static str,
    /// C symbol.
    pub c_sym: &'static str,
    /// How the values are taken from it.
    pub source: Source,
}

/// A Rust source file of tables.
#[derive(Debug, Clone, Copy)]
pub struct TableFile {
    /// The argument of `gen_tables` that prints it.
    pub key: &'static str,
    /// Path from the workspace root.
    pub path: &'static str,
    /// Headers whose `#define`s the C files need.
    pub headers: &'static [&'static str],
    /// Whether `gen_tables` may regenerate the items (`false`: checked only, the constants
    /// live in code files).
    pub generated: bool,
    /// The tables.
    pub tables: &'static [Table],
}

/// Macros defined for every C file: those of the oracle's float build (`oracle/build.rs`), the
/// build the workspace ports: deep PLC and DRED on; no `FIXED_POINT`, custom modes or QEXT.
pub const DEFINES: &[&str] = &["ENABLE_DEEP_PLC", "ENABLE_DRED"];

macro_rules! t {
    ($name:literal, $ty:literal, [$($d:expr),*], $elem:ident, $file:literal, $sym:literal) => {
        t!($name, $ty, [$($d),*], $elem, $file, $sym, Source::Array)
    };
    ($name:literal, $ty:literal, [$($d:expr),*], $elem:ident, $file:literal, $sym:literal, $src:expr) => {
        Table { name: $name, ty: $ty, shape: &[$($d),*], elem: Elem::$elem, c_file: $file, c_sym: $sym, source: $src }
    };
}

/// Every checked table, by Rust file.
#[rustfmt::skip]
pub const MANIFEST: &[TableFile] = &[
    TableFile {
        key: "celt-fft",
        path: "crates/opus-core/src/celt/fft_tables.rs",
        headers: &[],
        generated: true,
        tables: &[
            t!("FFT_TWIDDLES_48000_960", "[[f32; 2]; FFT_TWIDDLES_LEN]", [480, 2], F32, "celt/static_modes_float.h", "fft_twiddles48000_960"),
            t!("FFT_BITREV480", "[u16; 480]", [480], U16, "celt/static_modes_float.h", "fft_bitrev480"),
            t!("FFT_BITREV240", "[u16; 240]", [240], U16, "celt/static_modes_float.h", "fft_bitrev240"),
            t!("FFT_BITREV120", "[u16; 120]", [120], U16, "celt/static_modes_float.h", "fft_bitrev120"),
            t!("FFT_BITREV60", "[u16; 60]", [60], U16, "celt/static_modes_float.h", "fft_bitrev60"),
            t!("MDCT_TWIDDLES_960", "[f32; MDCT_TWIDDLES_LEN]", [1800], F32, "celt/static_modes_float.h", "mdct_twiddles960"),
        ],
    },
    TableFile {
        key: "celt-tables",
        path: "crates/opus-core/src/celt/tables.rs",
        headers: &[],
        generated: true,
        tables: &[
            t!("EBANDS_5MS", "[i16; NB_EBANDS + 1]", [22], I16, "celt/modes.c", "eband5ms"),
            t!("BAND_ALLOCATION", "[u8; NB_ALLOC_VECTORS * NB_EBANDS]", [231], U8, "celt/modes.c", "band_allocation"),
            t!("LOGN_400", "[i16; NB_EBANDS]", [21], I16, "celt/static_modes_float.h", "logN400"),
            t!("WINDOW_120", "[f32; OVERLAP]", [120], F32, "celt/static_modes_float.h", "window120"),
            t!("CACHE_INDEX_50", "[i16; CACHE_INDEX_LEN]", [105], I16, "celt/static_modes_float.h", "cache_index50"),
            t!("CACHE_BITS_50", "[u8; CACHE_BITS_LEN]", [392], U8, "celt/static_modes_float.h", "cache_bits50"),
            t!("CACHE_CAPS_50", "[u8; CACHE_CAPS_LEN]", [168], U8, "celt/static_modes_float.h", "cache_caps50"),
            t!("E_MEANS", "[f32; 25]", [25], F32, "celt/quant_bands.c", "eMeans"),
            t!("PRED_COEF", "[f32; 4]", [4], F32, "celt/quant_bands.c", "pred_coef"),
            t!("BETA_COEF", "[f32; 4]", [4], F32, "celt/quant_bands.c", "beta_coef"),
            t!("BETA_INTRA", "f32", [], F32, "celt/quant_bands.c", "beta_intra"),
            t!("E_PROB_MODEL", "[[[u8; 42]; 2]; 4]", [4, 2, 42], U8, "celt/quant_bands.c", "e_prob_model"),
            t!("SMALL_ENERGY_ICDF", "[u8; 3]", [3], U8, "celt/quant_bands.c", "small_energy_icdf"),
            t!("LOG2_FRAC_TABLE", "[u8; 24]", [24], U8, "celt/rate.c", "LOG2_FRAC_TABLE"),
            t!("TRIM_ICDF", "[u8; 11]", [11], U8, "celt/celt.h", "trim_icdf"),
            t!("SPREAD_ICDF", "[u8; 4]", [4], U8, "celt/celt.h", "spread_icdf"),
            t!("TAPSET_ICDF", "[u8; 3]", [3], U8, "celt/celt.h", "tapset_icdf"),
            t!("TF_SELECT_TABLE", "[[i8; 8]; 4]", [4, 8], I8, "celt/celt.c", "tf_select_table"),
            t!("SPREAD_FACTOR", "[i32; 3]", [3], I32, "celt/vq.c", "SPREAD_FACTOR"),
            t!("EXP2_TABLE8", "[i16; 8]", [8], I16, "celt/bands.c", "exp2_table8"),
            t!("ORDERY_TABLE", "[usize; 30]", [30], Usize, "celt/bands.c", "ordery_table"),
            t!("BIT_INTERLEAVE_TABLE", "[u8; 16]", [16], U8, "celt/bands.c", "bit_interleave_table"),
            t!("BIT_DEINTERLEAVE_TABLE", "[u8; 16]", [16], U8, "celt/bands.c", "bit_deinterleave_table"),
            t!("PVQ_U_DATA", "[u32; PVQ_U_DATA_LEN]", [1272], U32, "celt/cwrs.c", "CELT_PVQ_U_DATA"),
            t!("PVQ_U_ROW", "[usize; PVQ_U_ROWS]", [15], Usize, "celt/cwrs.c", "CELT_PVQ_U_ROW", Source::Offsets("CELT_PVQ_U_DATA")),
        ],
    },
    TableFile {
        key: "silk-gain",
        path: "crates/opus-core/src/silk/tables_gain.rs",
        headers: &[],
        generated: true,
        tables: &[
            t!("GAIN_ICDF", "[[u8; 8]; 3]", [3, 8], U8, "silk/tables_gain.c", "silk_gain_iCDF"),
            t!("DELTA_GAIN_ICDF", "[u8; 41]", [41], U8, "silk/tables_gain.c", "silk_delta_gain_iCDF"),
        ],
    },
    TableFile {
        key: "silk-ltp",
        path: "crates/opus-core/src/silk/tables_ltp.rs",
        headers: &[],
        generated: true,
        tables: &[
            t!("LTP_PER_INDEX_ICDF", "[u8; 3]", [3], U8, "silk/tables_LTP.c", "silk_LTP_per_index_iCDF"),
            t!("LTP_GAIN_ICDF_0", "[u8; 8]", [8], U8, "silk/tables_LTP.c", "silk_LTP_gain_iCDF_0"),
            t!("LTP_GAIN_ICDF_1", "[u8; 16]", [16], U8, "silk/tables_LTP.c", "silk_LTP_gain_iCDF_1"),
            t!("LTP_GAIN_ICDF_2", "[u8; 32]", [32], U8, "silk/tables_LTP.c", "silk_LTP_gain_iCDF_2"),
            t!("LTP_GAIN_BITS_Q5_0", "[u8; 8]", [8], U8, "silk/tables_LTP.c", "silk_LTP_gain_BITS_Q5_0"),
            t!("LTP_GAIN_BITS_Q5_1", "[u8; 16]", [16], U8, "silk/tables_LTP.c", "silk_LTP_gain_BITS_Q5_1"),
            t!("LTP_GAIN_BITS_Q5_2", "[u8; 32]", [32], U8, "silk/tables_LTP.c", "silk_LTP_gain_BITS_Q5_2"),
            t!("LTP_GAIN_VQ_0", "[[i8; LTP_ORDER]; 8]", [8, 5], I8, "silk/tables_LTP.c", "silk_LTP_gain_vq_0"),
            t!("LTP_GAIN_VQ_1", "[[i8; LTP_ORDER]; 16]", [16, 5], I8, "silk/tables_LTP.c", "silk_LTP_gain_vq_1"),
            t!("LTP_GAIN_VQ_2", "[[i8; LTP_ORDER]; 32]", [32, 5], I8, "silk/tables_LTP.c", "silk_LTP_gain_vq_2"),
            t!("LTP_GAIN_VQ_0_GAIN", "[u8; 8]", [8], U8, "silk/tables_LTP.c", "silk_LTP_gain_vq_0_gain"),
            t!("LTP_GAIN_VQ_1_GAIN", "[u8; 16]", [16], U8, "silk/tables_LTP.c", "silk_LTP_gain_vq_1_gain"),
            t!("LTP_GAIN_VQ_2_GAIN", "[u8; 32]", [32], U8, "silk/tables_LTP.c", "silk_LTP_gain_vq_2_gain"),
            t!("LTP_VQ_SIZES", "[i8; NB_LTP_CBKS]", [3], I8, "silk/tables_LTP.c", "silk_LTP_vq_sizes"),
        ],
    },
    TableFile {
        key: "silk-nlsf-nb-mb",
        path: "crates/opus-core/src/silk/tables_nlsf_cb_nb_mb.rs",
        headers: &[],
        generated: true,
        tables: &[
            t!("NLSF_CB1_NB_MB_Q8", "[u8; 320]", [320], U8, "silk/tables_NLSF_CB_NB_MB.c", "silk_NLSF_CB1_NB_MB_Q8"),
            t!("NLSF_CB1_NB_MB_WGHT_Q9", "[i16; 320]", [320], I16, "silk/tables_NLSF_CB_NB_MB.c", "silk_NLSF_CB1_Wght_Q9"),
            t!("NLSF_CB1_ICDF_NB_MB", "[u8; 64]", [64], U8, "silk/tables_NLSF_CB_NB_MB.c", "silk_NLSF_CB1_iCDF_NB_MB"),
            t!("NLSF_CB2_SELECT_NB_MB", "[u8; 160]", [160], U8, "silk/tables_NLSF_CB_NB_MB.c", "silk_NLSF_CB2_SELECT_NB_MB"),
            t!("NLSF_CB2_ICDF_NB_MB", "[u8; 72]", [72], U8, "silk/tables_NLSF_CB_NB_MB.c", "silk_NLSF_CB2_iCDF_NB_MB"),
            t!("NLSF_CB2_BITS_NB_MB_Q5", "[u8; 72]", [72], U8, "silk/tables_NLSF_CB_NB_MB.c", "silk_NLSF_CB2_BITS_NB_MB_Q5"),
            t!("NLSF_PRED_NB_MB_Q8", "[u8; 18]", [18], U8, "silk/tables_NLSF_CB_NB_MB.c", "silk_NLSF_PRED_NB_MB_Q8"),
            t!("NLSF_DELTA_MIN_NB_MB_Q15", "[i16; 11]", [11], I16, "silk/tables_NLSF_CB_NB_MB.c", "silk_NLSF_DELTA_MIN_NB_MB_Q15"),
        ],
    },
    TableFile {
        key: "silk-nlsf-wb",
        path: "crates/opus-core/src/silk/tables_nlsf_cb_wb.rs",
        headers: &[],
        generated: true,
        tables: &[
            t!("NLSF_CB1_WB_Q8", "[u8; 512]", [512], U8, "silk/tables_NLSF_CB_WB.c", "silk_NLSF_CB1_WB_Q8"),
            t!("NLSF_CB1_WB_WGHT_Q9", "[i16; 512]", [512], I16, "silk/tables_NLSF_CB_WB.c", "silk_NLSF_CB1_WB_Wght_Q9"),
            t!("NLSF_CB1_ICDF_WB", "[u8; 64]", [64], U8, "silk/tables_NLSF_CB_WB.c", "silk_NLSF_CB1_iCDF_WB"),
            t!("NLSF_CB2_SELECT_WB", "[u8; 256]", [256], U8, "silk/tables_NLSF_CB_WB.c", "silk_NLSF_CB2_SELECT_WB"),
            t!("NLSF_CB2_ICDF_WB", "[u8; 72]", [72], U8, "silk/tables_NLSF_CB_WB.c", "silk_NLSF_CB2_iCDF_WB"),
            t!("NLSF_CB2_BITS_WB_Q5", "[u8; 72]", [72], U8, "silk/tables_NLSF_CB_WB.c", "silk_NLSF_CB2_BITS_WB_Q5"),
            t!("NLSF_PRED_WB_Q8", "[u8; 30]", [30], U8, "silk/tables_NLSF_CB_WB.c", "silk_NLSF_PRED_WB_Q8"),
            t!("NLSF_DELTA_MIN_WB_Q15", "[i16; 17]", [17], I16, "silk/tables_NLSF_CB_WB.c", "silk_NLSF_DELTA_MIN_WB_Q15"),
        ],
    },
    TableFile {
        key: "silk-other",
        path: "crates/opus-core/src/silk/tables_other.rs",
        headers: &["silk/define.h"],
        generated: true,
        tables: &[
            t!("STEREO_PRED_QUANT_Q13", "[i16; STEREO_QUANT_TAB_SIZE]", [16], I16, "silk/tables_other.c", "silk_stereo_pred_quant_Q13"),
            t!("STEREO_PRED_JOINT_ICDF", "[u8; 25]", [25], U8, "silk/tables_other.c", "silk_stereo_pred_joint_iCDF"),
            t!("STEREO_ONLY_CODE_MID_ICDF", "[u8; 2]", [2], U8, "silk/tables_other.c", "silk_stereo_only_code_mid_iCDF"),
            t!("LBRR_FLAGS_2_ICDF", "[u8; 3]", [3], U8, "silk/tables_other.c", "silk_LBRR_flags_2_iCDF"),
            t!("LBRR_FLAGS_3_ICDF", "[u8; 7]", [7], U8, "silk/tables_other.c", "silk_LBRR_flags_3_iCDF"),
            t!("LSB_ICDF", "[u8; 2]", [2], U8, "silk/tables_other.c", "silk_lsb_iCDF"),
            t!("LTP_SCALE_ICDF", "[u8; 3]", [3], U8, "silk/tables_other.c", "silk_LTPscale_iCDF"),
            t!("TYPE_OFFSET_VAD_ICDF", "[u8; 4]", [4], U8, "silk/tables_other.c", "silk_type_offset_VAD_iCDF"),
            t!("TYPE_OFFSET_NO_VAD_ICDF", "[u8; 2]", [2], U8, "silk/tables_other.c", "silk_type_offset_no_VAD_iCDF"),
            t!("NLSF_INTERPOLATION_FACTOR_ICDF", "[u8; 5]", [5], U8, "silk/tables_other.c", "silk_NLSF_interpolation_factor_iCDF"),
            t!("LTP_SCALES_TABLE_Q14", "[i16; 3]", [3], I16, "silk/tables_other.c", "silk_LTPScales_table_Q14"),
            t!("UNIFORM3_ICDF", "[u8; 3]", [3], U8, "silk/tables_other.c", "silk_uniform3_iCDF"),
            t!("UNIFORM4_ICDF", "[u8; 4]", [4], U8, "silk/tables_other.c", "silk_uniform4_iCDF"),
            t!("UNIFORM5_ICDF", "[u8; 5]", [5], U8, "silk/tables_other.c", "silk_uniform5_iCDF"),
            t!("UNIFORM6_ICDF", "[u8; 6]", [6], U8, "silk/tables_other.c", "silk_uniform6_iCDF"),
            t!("UNIFORM8_ICDF", "[u8; 8]", [8], U8, "silk/tables_other.c", "silk_uniform8_iCDF"),
            t!("NLSF_EXT_ICDF", "[u8; 7]", [7], U8, "silk/tables_other.c", "silk_NLSF_EXT_iCDF"),
            t!("LSF_COS_TAB_FIX_Q12", "[i16; LSF_COS_TAB_SZ_FIX + 1]", [129], I16, "silk/table_LSF_cos.c", "silk_LSFCosTab_FIX_Q12"),
            t!("QUANTIZATION_OFFSETS_Q10", "[[i16; 2]; 2]", [2, 2], I16, "silk/tables_other.c", "silk_Quantization_Offsets_Q10"),
        ],
    },
    TableFile {
        key: "silk-pitch-lag",
        path: "crates/opus-core/src/silk/tables_pitch_lag.rs",
        headers: &["silk/pitch_est_defines.h"],
        generated: true,
        tables: &[
            t!("PITCH_LAG_ICDF", "[u8; 32]", [32], U8, "silk/tables_pitch_lag.c", "silk_pitch_lag_iCDF"),
            t!("PITCH_DELTA_ICDF", "[u8; 21]", [21], U8, "silk/tables_pitch_lag.c", "silk_pitch_delta_iCDF"),
            t!("PITCH_CONTOUR_ICDF", "[u8; 34]", [34], U8, "silk/tables_pitch_lag.c", "silk_pitch_contour_iCDF"),
            t!("PITCH_CONTOUR_NB_ICDF", "[u8; 11]", [11], U8, "silk/tables_pitch_lag.c", "silk_pitch_contour_NB_iCDF"),
            t!("PITCH_CONTOUR_10_MS_ICDF", "[u8; 12]", [12], U8, "silk/tables_pitch_lag.c", "silk_pitch_contour_10_ms_iCDF"),
            t!("PITCH_CONTOUR_10_MS_NB_ICDF", "[u8; 3]", [3], U8, "silk/tables_pitch_lag.c", "silk_pitch_contour_10_ms_NB_iCDF"),
            t!("CB_LAGS_STAGE2", "[[i8; PE_NB_CBKS_STAGE2_EXT]; PE_MAX_NB_SUBFR]", [4, 11], I8, "silk/pitch_est_tables.c", "silk_CB_lags_stage2"),
            t!("CB_LAGS_STAGE2_10_MS", "[[i8; PE_NB_CBKS_STAGE2_10MS]; PE_MAX_NB_SUBFR / 2]", [2, 3], I8, "silk/pitch_est_tables.c", "silk_CB_lags_stage2_10_ms"),
            t!("CB_LAGS_STAGE3", "[[i8; PE_NB_CBKS_STAGE3_MAX]; PE_MAX_NB_SUBFR]", [4, 34], I8, "silk/pitch_est_tables.c", "silk_CB_lags_stage3"),
            t!("CB_LAGS_STAGE3_10_MS", "[[i8; PE_NB_CBKS_STAGE3_10MS]; PE_MAX_NB_SUBFR / 2]", [2, 12], I8, "silk/pitch_est_tables.c", "silk_CB_lags_stage3_10_ms"),
        ],
    },
    TableFile {
        key: "silk-pulses",
        path: "crates/opus-core/src/silk/tables_pulses_per_block.rs",
        headers: &[],
        generated: true,
        tables: &[
            t!("MAX_PULSES_TABLE", "[u8; 4]", [4], U8, "silk/tables_pulses_per_block.c", "silk_max_pulses_table"),
            t!("PULSES_PER_BLOCK_ICDF", "[[u8; SILK_MAX_PULSES + 2]; N_RATE_LEVELS]", [10, 18], U8, "silk/tables_pulses_per_block.c", "silk_pulses_per_block_iCDF"),
            t!("PULSES_PER_BLOCK_BITS_Q5", "[[u8; SILK_MAX_PULSES + 2]; N_RATE_LEVELS - 1]", [9, 18], U8, "silk/tables_pulses_per_block.c", "silk_pulses_per_block_BITS_Q5"),
            t!("RATE_LEVELS_ICDF", "[[u8; N_RATE_LEVELS - 1]; 2]", [2, 9], U8, "silk/tables_pulses_per_block.c", "silk_rate_levels_iCDF"),
            t!("RATE_LEVELS_BITS_Q5", "[[u8; N_RATE_LEVELS - 1]; 2]", [2, 9], U8, "silk/tables_pulses_per_block.c", "silk_rate_levels_BITS_Q5"),
            t!("SHELL_CODE_TABLE0", "[u8; SHELL_CODE_TABLE_LEN]", [152], U8, "silk/tables_pulses_per_block.c", "silk_shell_code_table0"),
            t!("SHELL_CODE_TABLE1", "[u8; SHELL_CODE_TABLE_LEN]", [152], U8, "silk/tables_pulses_per_block.c", "silk_shell_code_table1"),
            t!("SHELL_CODE_TABLE2", "[u8; SHELL_CODE_TABLE_LEN]", [152], U8, "silk/tables_pulses_per_block.c", "silk_shell_code_table2"),
            t!("SHELL_CODE_TABLE3", "[u8; SHELL_CODE_TABLE_LEN]", [152], U8, "silk/tables_pulses_per_block.c", "silk_shell_code_table3"),
            t!("SHELL_CODE_TABLE_OFFSETS", "[u8; SILK_MAX_PULSES + 1]", [17], U8, "silk/tables_pulses_per_block.c", "silk_shell_code_table_offsets"),
            t!("SIGN_ICDF", "[u8; 42]", [42], U8, "silk/tables_pulses_per_block.c", "silk_sign_iCDF"),
        ],
    },
    TableFile {
        key: "silk-resampler-rom",
        path: "crates/opus-core/src/silk/resampler_rom.rs",
        headers: &[],
        generated: true,
        tables: &[
            t!("DOWN_ORDER_FIR0", "usize", [], Usize, "silk/resampler_rom.h", "RESAMPLER_DOWN_ORDER_FIR0", Source::Macro),
            t!("DOWN_ORDER_FIR1", "usize", [], Usize, "silk/resampler_rom.h", "RESAMPLER_DOWN_ORDER_FIR1", Source::Macro),
            t!("DOWN_ORDER_FIR2", "usize", [], Usize, "silk/resampler_rom.h", "RESAMPLER_DOWN_ORDER_FIR2", Source::Macro),
            t!("ORDER_FIR_12", "usize", [], Usize, "silk/resampler_rom.h", "RESAMPLER_ORDER_FIR_12", Source::Macro),
            t!("DOWN2_0", "i16", [], I16, "silk/resampler_rom.h", "silk_resampler_down2_0"),
            t!("DOWN2_1", "i16", [], I16, "silk/resampler_rom.h", "silk_resampler_down2_1"),
            t!("UP2_HQ_0", "[i16; 3]", [3], I16, "silk/resampler_rom.h", "silk_resampler_up2_hq_0"),
            t!("UP2_HQ_1", "[i16; 3]", [3], I16, "silk/resampler_rom.h", "silk_resampler_up2_hq_1"),
            t!("RESAMPLER_3_4_COEFS", "[i16; RESAMPLER_3_4_COEFS_LEN]", [29], I16, "silk/resampler_rom.c", "silk_Resampler_3_4_COEFS"),
            t!("RESAMPLER_2_3_COEFS", "[i16; RESAMPLER_2_3_COEFS_LEN]", [20], I16, "silk/resampler_rom.c", "silk_Resampler_2_3_COEFS"),
            t!("RESAMPLER_1_2_COEFS", "[i16; RESAMPLER_1_2_COEFS_LEN]", [14], I16, "silk/resampler_rom.c", "silk_Resampler_1_2_COEFS"),
            t!("RESAMPLER_1_3_COEFS", "[i16; RESAMPLER_1_N_COEFS_LEN]", [20], I16, "silk/resampler_rom.c", "silk_Resampler_1_3_COEFS"),
            t!("RESAMPLER_1_4_COEFS", "[i16; RESAMPLER_1_N_COEFS_LEN]", [20], I16, "silk/resampler_rom.c", "silk_Resampler_1_4_COEFS"),
            t!("RESAMPLER_1_6_COEFS", "[i16; RESAMPLER_1_N_COEFS_LEN]", [20], I16, "silk/resampler_rom.c", "silk_Resampler_1_6_COEFS"),
            t!("RESAMPLER_2_3_COEFS_LQ", "[i16; 2 + 2 * 2]", [6], I16, "silk/resampler_rom.c", "silk_Resampler_2_3_COEFS_LQ"),
            t!("RESAMPLER_FRAC_FIR_12", "[[i16; ORDER_FIR_12 / 2]; FRAC_FIR_12_PHASES]", [12, 4], I16, "silk/resampler_rom.c", "silk_resampler_frac_FIR_12"),
        ],
    },
    TableFile {
        key: "lpcnet-tables",
        path: "crates/lpcnet/src/tables.rs",
        headers: &[],
        generated: true,
        tables: &[
            t!("FFT_TWIDDLES_320", "[[f32; 2]; WINDOW_SIZE]", [320, 2], F32, "dnn/lpcnet_tables.c", "fft_twiddles"),
            t!("FFT_BITREV_320", "[u16; WINDOW_SIZE]", [320], U16, "dnn/lpcnet_tables.c", "fft_bitrev"),
            t!("HALF_WINDOW", "[f32; OVERLAP_SIZE]", [160], F32, "dnn/lpcnet_tables.c", "half_window"),
            t!("DCT_TABLE", "[f32; NB_BANDS * NB_BANDS]", [324], F32, "dnn/lpcnet_tables.c", "dct_table"),
            t!("EBAND5MS", "[i16; NB_BANDS]", [18], I16, "dnn/freq.c", "eband5ms"),
            t!("COMPENSATION", "[f32; NB_BANDS]", [18], F32, "dnn/freq.c", "compensation"),
        ],
    },
    // Tables that live next to their code; checked, not regenerated.
    TableFile {
        key: "code-constants",
        path: "",
        headers: &[],
        generated: false,
        tables: &[
            t!("COMB_FILTER_TAPSETS", "[[f32; 3]; 3]", [3, 3], F32, "celt/celt.c", "gains"),
            t!("SINC_FILTER", "[f32; SINC_ORDER + 1]", [49], F32, "celt/celt_decoder.c", "sinc_filter"),
        ],
    },
];

/// Private tables inside code files, checked by reading the Rust source: (Rust file, Rust
/// name, table).
#[rustfmt::skip]
pub const PRIVATE: &[(&str, Table)] = &[
    ("crates/opus-core/src/silk/nlsf.rs", t!("ORDERING16", "[u8; 16]", [16], U8, "silk/NLSF2A.c", "ordering16")),
    ("crates/opus-core/src/silk/nlsf.rs", t!("ORDERING10", "[u8; 10]", [10], U8, "silk/NLSF2A.c", "ordering10")),
    ("crates/opus-core/src/silk/resampler.rs", t!("DELAY_MATRIX_ENC", "[[u8; 3]; 5]", [5, 3], U8, "silk/resampler.c", "delay_matrix_enc", Source::Block(&[6, 3]))),
    ("crates/opus-core/src/silk/resampler.rs", t!("DELAY_MATRIX_DEC", "[[u8; 5]; 3]", [3, 5], U8, "silk/resampler.c", "delay_matrix_dec", Source::Block(&[3, 6]))),
    ("crates/opus-core/src/silk/fixed.rs", t!("SIGM_LUT_SLOPE_Q10", "[i32; 6]", [6], I32, "silk/sigm_Q15.c", "sigm_LUT_slope_Q10")),
    ("crates/opus-core/src/silk/fixed.rs", t!("SIGM_LUT_POS_Q15", "[i32; 6]", [6], I32, "silk/sigm_Q15.c", "sigm_LUT_pos_Q15")),
    ("crates/opus-core/src/silk/fixed.rs", t!("SIGM_LUT_NEG_Q15", "[i32; 6]", [6], I32, "silk/sigm_Q15.c", "sigm_LUT_neg_Q15")),
    ("crates/opus-core/src/silk/plc.rs", t!("HARM_ATT_Q15", "[i32; NB_ATT]", [2], I32, "silk/PLC.c", "HARM_ATT_Q15")),
    ("crates/opus-core/src/silk/plc.rs", t!("PLC_RAND_ATTENUATE_V_Q15", "[i32; NB_ATT]", [2], I32, "silk/PLC.c", "PLC_RAND_ATTENUATE_V_Q15")),
    ("crates/opus-core/src/silk/plc.rs", t!("PLC_RAND_ATTENUATE_UV_Q15", "[i32; NB_ATT]", [2], I32, "silk/PLC.c", "PLC_RAND_ATTENUATE_UV_Q15")),
    ("crates/opus-core/src/celt/pitch.rs", t!("SECOND_CHECK", "[i32; 16]", [16], I32, "celt/pitch.c", "second_check")),
    ("crates/opus-core/src/celt/encoder_analysis.rs", t!("INV_TABLE", "[u8; 128]", [128], U8, "celt/celt_encoder.c", "inv_table")),
    ("crates/opus-core/src/celt/encoder.rs", t!("INTENSITY_THRESHOLDS", "[f32; 21]", [21], F32, "celt/celt_encoder.c", "intensity_thresholds")),
    ("crates/opus-core/src/celt/encoder.rs", t!("INTENSITY_HYSTERESIS", "[f32; 21]", [21], F32, "celt/celt_encoder.c", "intensity_histeresis")),
];

/// The C file's headers for a table: those of its manifest entry.
fn headers_for(t: &Table) -> &'static [&'static str] {
    MANIFEST
        .iter()
        .find(|f| {
            f.tables
                .iter()
                .any(|x| x.name == t.name && x.c_sym == t.c_sym)
        })
        .map(|f| f.headers)
        .unwrap_or(&[])
}

/// Caches parsed C files.
#[derive(Debug)]
pub struct Loader {
    root: PathBuf,
    files: HashMap<String, CSource>,
}

impl Loader {
    /// A loader over the libopus source at `root`.
    pub fn new(root: PathBuf) -> Self {
        Loader {
            root,
            files: HashMap::new(),
        }
    }

    fn file(&mut self, file: &str, headers: &[&str]) -> Result<&CSource, String> {
        let key = format!("{file}|{}", headers.join(","));
        if !self.files.contains_key(&key) {
            let src = CSource::load(&self.root, file, headers, DEFINES)?;
            self.files.insert(key.clone(), src);
        }
        Ok(&self.files[&key])
    }

    /// The C items of a table, in the Rust table's order.
    ///
    /// # Errors
    /// Parse errors, or a C array whose size does not fit the Rust shape.
    pub fn c_items(&mut self, t: &Table) -> Result<Vec<CItem>, String> {
        let headers = headers_for(t);
        let src = self.file(t.c_file, headers)?;
        let want: usize = t.shape.iter().product();
        let items = match t.source {
            Source::Array => src.array(t.c_sym, &[])?,
            Source::Offsets(base) => src.array(t.c_sym, &[(base, 0)])?,
            Source::Macro => vec![CItem {
                value: src.macro_value(t.c_sym)?,
                text: None,
            }],
            Source::Block(c_shape) => {
                let all = src.array(t.c_sym, &[])?;
                let total: usize = c_shape.iter().product();
                if all.len() != total || c_shape.len() != t.shape.len() {
                    return Err(format!(
                        "{}: `{}` is not of shape {c_shape:?}",
                        t.c_file, t.c_sym
                    ));
                }
                let mut out = Vec::with_capacity(want);
                for flat in 0..want {
                    // Index in the Rust shape, then in the C shape.
                    let mut rem = flat;
                    let mut idx = vec![0; t.shape.len()];
                    for d in (0..t.shape.len()).rev() {
                        idx[d] = rem % t.shape[d];
                        rem /= t.shape[d];
                    }
                    let c_flat = idx.iter().zip(c_shape).fold(0, |acc, (i, n)| acc * n + i);
                    out.push(all[c_flat].clone());
                }
                out
            }
        };
        if items.len() != want {
            return Err(format!(
                "{}: `{}` has {} values, the Rust table {} has {want}",
                t.c_file,
                t.c_sym,
                items.len(),
                t.name
            ));
        }
        Ok(items)
    }

    /// The C values of a table converted to its Rust element type.
    ///
    /// # Errors
    /// As [`Loader::c_items`], or a value outside the element type.
    pub fn c_values(&mut self, t: &Table) -> Result<Vec<Value>, String> {
        self.c_items(t)?
            .into_iter()
            .map(|i| {
                t.elem
                    .convert(i.value)
                    .map_err(|e| format!("{}: {e}", t.name))
            })
            .collect()
    }
}

/// Flattens a Rust table's values; implemented for the element types and nested arrays.
pub trait Flatten {
    /// Appends the values in memory order.
    fn flatten_into(&self, out: &mut Vec<Value>);
    /// The values in memory order.
    fn flat(&self) -> Vec<Value> {
        let mut v = Vec::new();
        self.flatten_into(&mut v);
        v
    }
}

macro_rules! flatten_int {
    ($($t:ty),*) => {$(
        impl Flatten for $t {
            fn flatten_into(&self, out: &mut Vec<Value>) {
                out.push(Value::Int(*self as i64));
            }
        }
    )*};
}
flatten_int!(u8, i8, u16, i16, i32, u32, usize);

impl Flatten for f32 {
    fn flatten_into(&self, out: &mut Vec<Value>) {
        out.push(Value::F32(self.to_bits()));
    }
}

impl<T: Flatten, const N: usize> Flatten for [T; N] {
    fn flatten_into(&self, out: &mut Vec<Value>) {
        for x in self {
            x.flatten_into(out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

/// The Rust literal of one element: libopus's digits where Rust reads them as the same value,
/// else the shortest text that round-trips.
fn literal(elem: Elem, item: &CItem) -> Result<String, String> {
    let v = elem.convert(item.value)?;
    match v {
        Value::Int(i) => Ok(i.to_string()),
        Value::F32(bits) => {
            if let Some(text) = &item.text {
                let mut s = text.trim_end_matches(['f', 'F']).to_string();
                if !s.contains(['.', 'e', 'E']) {
                    s.push_str(".0");
                }
                if let Some(r) = s.strip_prefix("-.") {
                    s = format!("-0.{r}");
                } else if s.starts_with('.') {
                    s.insert(0, '0');
                }
                if s.ends_with('.') || s.contains(".e") || s.contains(".E") {
                    s = s.replacen('.', ".0", 1);
                }
                if s.parse::<f32>().map(f32::to_bits) == Ok(bits) && !s.starts_with("0x") {
                    return Ok(s);
                }
            }
            Ok(format!("{:?}", f32::from_bits(bits)))
        }
    }
}

fn render_rows(out: &mut String, lits: &[String], shape: &[usize], indent: usize) {
    let pad = " ".repeat(indent);
    if shape.len() <= 1 {
        let mut line = String::new();
        for l in lits {
            if !line.is_empty() && pad.len() + line.len() + l.len() + 2 > 100 {
                let _ = writeln!(out, "{pad}{}", line.trim_end());
                line.clear();
            }
            line.push_str(l);
            line.push_str(", ");
        }
        if !line.is_empty() {
            let _ = writeln!(out, "{pad}{}", line.trim_end());
        }
        return;
    }
    let inner: usize = shape[1..].iter().product();
    for chunk in lits.chunks(inner) {
        let joined = chunk.join(", ");
        if shape.len() == 2 && pad.len() + joined.len() + 3 <= 100 {
            let _ = writeln!(out, "{pad}[{joined}],");
        } else {
            let _ = writeln!(out, "{pad}[");
            render_rows(out, chunk, &shape[1..], indent + 4);
            let _ = writeln!(out, "{pad}],");
        }
    }
}

/// The Rust items of one table.
///
/// # Errors
/// As [`Loader::c_items`].
pub fn render_table(loader: &mut Loader, t: &Table) -> Result<String, String> {
    let items = loader.c_items(t)?;
    let lits = items
        .iter()
        .map(|i| literal(t.elem, i))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = String::new();
    let _ = writeln!(out, "/// libopus `{}` (`{}`).", t.c_sym, t.c_file);
    if t.shape.is_empty() {
        let _ = writeln!(out, "pub const {}: {} = {};", t.name, t.ty, lits[0]);
        return Ok(out);
    }
    let _ = writeln!(out, "#[rustfmt::skip]");
    let _ = writeln!(out, "pub const {}: {} = [", t.name, t.ty);
    render_rows(&mut out, &lits, t.shape, 4);
    let _ = writeln!(out, "];");
    Ok(out)
}

/// The header line the table files carry.
pub fn header_line(key: &str) -> String {
    format!(
        "// Values checked against libopus 1.6.1 by testvectors/tests/tables_match_libopus.rs; \
         regenerate with: cargo run -p dred-opus-testvectors --bin gen_tables -- {key}"
    )
}

/// The Rust items of every table of the manifest entry `key`, separated by blank lines.
///
/// # Errors
/// An unknown key, or as [`render_table`].
pub fn render_file(loader: &mut Loader, key: &str) -> Result<String, String> {
    let f = MANIFEST
        .iter()
        .find(|f| f.key == key)
        .ok_or_else(|| format!("unknown table file `{key}`"))?;
    let mut out = format!("{}\n", header_line(key));
    for t in f.tables {
        out.push('\n');
        out.push_str(&render_table(loader, t)?);
    }
    Ok(out)
}

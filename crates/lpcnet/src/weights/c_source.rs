//! Reading libopus's generated weight sources (`dnn/*_data.c`) to build DNNw blobs.
//!
//! Each of those files defines arrays such as
//! `static const opus_int8 gru_1_input_weights_int8[12288] = { ... };`, guarded by
//! `#ifdef`/`#ifndef` blocks, a NULL-terminated table `const WeightArray <model>_arrays[]`
//! that lists them (`{"name", WEIGHTS_name_TYPE, sizeof(name), name}`), and an `init_<model>`
//! function calling `linear_init`/`conv2d_init`. This module understands exactly that subset
//! of C: a small preprocessor (`#define`, `#undef`, `#ifdef`, `#ifndef`, `#if 0/1`, `#else`,
//! `#endif`), array initialisers, the table, and the init calls.
//!
//! Floating-point literals without a suffix are doubles in C, converted to float when stored:
//! they are parsed as `f64` and then rounded to `f32`, as the C compiler does.
//!
//! This is a tool-side module (used by the `lpcnet-weights-tool` binary and by tests); its
//! errors carry text.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use super::blob::write_record;
use super::LinearSpec;
use super::Conv2dSpec;

/// A problem in a C weight source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CSourceError(pub String);

impl fmt::Display for CSourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "weight source: {}", self.0)
    }
}

impl std::error::Error for CSourceError {}

fn err<T>(msg: impl Into<String>) -> Result<T, CSourceError> {
    Err(CSourceError(msg.into()))
}

/// One array of a model table, serialised as libopus stores it in memory (little-endian).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CArray {
    /// The name in the table.
    pub name: String,
    /// The `WEIGHT_TYPE_*` code.
    pub type_code: i32,
    /// `sizeof(array)` bytes.
    pub data: Vec<u8>,
}

/// The five model sources and their tables, in the order libopus's
/// `write_lpcnet_weights.c` writes them.
pub const LIBOPUS_BLOB_MODELS: [(&str, &str); 5] = [
    ("pitchdnn_data.c", "pitchdnn_arrays"),
    ("fargan_data.c", "fargan_arrays"),
    ("plc_data.c", "plcmodel_arrays"),
    ("dred_rdovae_enc_data.c", "rdovaeenc_arrays"),
    ("dred_rdovae_dec_data.c", "rdovaedec_arrays"),
];

/// Builds the blob libopus's `write_lpcnet_weights` would write, from the `dnn/` directory of
/// a libopus source tree.
///
/// # Errors
/// If a file cannot be read or parsed.
pub fn blob_from_dnn_dir(dnn_dir: &Path) -> Result<Vec<u8>, CSourceError> {
    let mut out = Vec::new();
    for (file, table) in LIBOPUS_BLOB_MODELS {
        let path = dnn_dir.join(file);
        let src = std::fs::read_to_string(&path).map_err(|e| CSourceError(format!("{}: {e}", path.display())))?;
        for a in parse_table(&src, table)? {
            write_record(&mut out, a.name.as_bytes(), a.type_code, &a.data);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Preprocessing and tokens

/// Keeps the lines of active preprocessor branches and collects `#define`s.
fn preprocess(src: &str) -> Result<(String, HashMap<String, String>), CSourceError> {
    let mut defines: HashMap<String, String> = HashMap::new();
    // Each entry: (this branch active, parent active, an earlier branch was taken).
    let mut stack: Vec<(bool, bool)> = Vec::new();
    let mut active = true;
    let mut code = String::with_capacity(src.len());
    for (lineno, line) in src.lines().enumerate() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix('#') {
            let rest = rest.trim_start();
            let (dir, arg) = match rest.find(char::is_whitespace) {
                Some(i) => (&rest[..i], rest[i..].trim()),
                None => (rest, ""),
            };
            let arg = arg.split("/*").next().unwrap_or("").trim();
            match dir {
                "ifdef" | "ifndef" | "if" => {
                    let cond = match dir {
                        "ifdef" => defines.contains_key(arg),
                        "ifndef" => !defines.contains_key(arg),
                        _ => match arg {
                            "0" => false,
                            "1" => true,
                            _ => return err(format!("line {}: unsupported #if {arg}", lineno + 1)),
                        },
                    };
                    stack.push((active, cond));
                    active = active && cond;
                }
                "else" => match stack.last_mut() {
                    Some((parent, cond)) => {
                        *cond = !*cond;
                        active = *parent && *cond;
                    }
                    None => return err(format!("line {}: #else without #if", lineno + 1)),
                },
                "endif" => match stack.pop() {
                    Some((parent, _)) => active = parent,
                    None => return err(format!("line {}: #endif without #if", lineno + 1)),
                },
                "define" if active => {
                    let mut it = arg.splitn(2, char::is_whitespace);
                    let name = it.next().unwrap_or("").to_string();
                    let value = it.next().unwrap_or("").trim().to_string();
                    defines.insert(name, value);
                }
                "undef" if active => {
                    defines.remove(arg);
                }
                "elif" => return err(format!("line {}: unsupported #elif", lineno + 1)),
                _ => {}
            }
            code.push('\n');
            continue;
        }
        if active {
            code.push_str(line);
        }
        code.push('\n');
    }
    if !stack.is_empty() {
        return err("unterminated #if");
    }
    Ok((code, defines))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Ident(&'a str),
    Number(&'a str),
    Str(&'a str),
    Punct(char),
}

fn tokenize(code: &str) -> Result<Vec<Tok<'_>>, CSourceError> {
    let b = code.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            match code[i + 2..].find("*/") {
                Some(e) => i = i + 2 + e + 2,
                None => return err("unterminated comment"),
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            i = code[i..].find('\n').map_or(b.len(), |e| i + e);
        } else if c == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b'"' {
                if b[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            if j >= b.len() {
                return err("unterminated string");
            }
            toks.push(Tok::Str(&code[start..j]));
            i = j + 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            toks.push(Tok::Ident(&code[start..i]));
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            while i < b.len() {
                let d = b[i];
                let exp_sign = (d == b'+' || d == b'-')
                    && matches!(b[i - 1], b'e' | b'E')
                    && !code[start..i].starts_with("0x")
                    && !code[start..i].starts_with("0X");
                if d.is_ascii_alphanumeric() || d == b'.' || d == b'_' || exp_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            toks.push(Tok::Number(&code[start..i]));
        } else if c.is_ascii() {
            toks.push(Tok::Punct(c as char));
            i += 1;
        } else {
            return err(format!("unexpected byte {c:#x}"));
        }
    }
    Ok(toks)
}

// ---------------------------------------------------------------------------------------------
// Values

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Elem {
    F32,
    I32,
    I16,
    I8,
    U8,
}

impl Elem {
    fn from_c(ty: &[&str]) -> Option<Self> {
        Some(match ty {
            ["float"] => Elem::F32,
            ["int"] | ["opus_int32"] | ["signed", "int"] => Elem::I32,
            ["opus_int16"] | ["short"] => Elem::I16,
            ["opus_int8"] | ["signed", "char"] => Elem::I8,
            ["opus_uint8"] | ["unsigned", "char"] => Elem::U8,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            Elem::F32 | Elem::I32 => 4,
            Elem::I16 => 2,
            Elem::I8 | Elem::U8 => 1,
        }
    }
}

fn parse_int(lit: &str) -> Option<i64> {
    let t = lit.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()
    } else if t.len() > 1 && t.starts_with('0') && t.bytes().all(|c| c.is_ascii_digit()) {
        i64::from_str_radix(&t[1..], 8).ok()
    } else {
        t.parse::<i64>().ok()
    }
}

/// A C floating literal stored into a `float`.
fn parse_float(lit: &str, negative: bool) -> Option<f32> {
    let (body, single) = match lit.strip_suffix(['f', 'F']) {
        Some(b) if !lit.starts_with("0x") => (b, true),
        _ => (lit, false),
    };
    let v = if single {
        body.parse::<f32>().ok()?
    } else if let Some(i) = parse_int(body).filter(|_| !body.contains(['.', 'e', 'E']) || body.starts_with("0x")) {
        i as f32
    } else {
        // A double literal, then the conversion to float on store.
        body.parse::<f64>().ok()? as f32
    };
    Some(if negative { -v } else { v })
}

fn push_value(out: &mut Vec<u8>, elem: Elem, lit: &str, negative: bool) -> Result<(), CSourceError> {
    let bad = || CSourceError(format!("bad literal {}{lit}", if negative { "-" } else { "" }));
    if elem == Elem::F32 {
        out.extend_from_slice(&parse_float(lit, negative).ok_or_else(bad)?.to_le_bytes());
        return Ok(());
    }
    let v = parse_int(lit).ok_or_else(bad)?;
    let v = if negative { -v } else { v };
    match elem {
        Elem::I32 => out.extend_from_slice(&i32::try_from(v).map_err(|_| bad())?.to_le_bytes()),
        Elem::I16 => out.extend_from_slice(&i16::try_from(v).map_err(|_| bad())?.to_le_bytes()),
        Elem::I8 => out.push(i8::try_from(v).map_err(|_| bad())? as u8),
        Elem::U8 => out.push(u8::try_from(v).map_err(|_| bad())?),
        Elem::F32 => unreachable!(),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Declarations

/// A table entry: listed name, type macro, array identifier.
type Entry<'a> = (&'a str, &'a str, &'a str);

struct Parsed<'a> {
    arrays: HashMap<&'a str, Vec<u8>>,
    tables: Vec<(&'a str, Vec<Entry<'a>>)>,
    defines: HashMap<String, String>,
}

fn expect(toks: &[Tok<'_>], at: &mut usize, t: Tok<'_>) -> Result<(), CSourceError> {
    if toks.get(*at) == Some(&t) {
        *at += 1;
        Ok(())
    } else {
        err(format!("expected {t:?}, found {:?}", toks.get(*at)))
    }
}

fn ident<'a>(toks: &[Tok<'a>], at: &mut usize) -> Result<&'a str, CSourceError> {
    match toks.get(*at) {
        Some(Tok::Ident(s)) => {
            *at += 1;
            Ok(s)
        }
        other => err(format!("expected an identifier, found {other:?}")),
    }
}

fn resolve_count(tok: Option<&Tok<'_>>, defines: &HashMap<String, String>) -> Result<usize, CSourceError> {
    let lit = match tok {
        Some(Tok::Number(n)) => n.to_string(),
        Some(Tok::Ident(m)) => defines.get(*m).cloned().ok_or_else(|| CSourceError(format!("unknown size {m}")))?,
        other => return err(format!("bad array size {other:?}")),
    };
    parse_int(lit.trim())
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| CSourceError(format!("bad array size {lit}")))
}

fn parse_source(src: &str) -> Result<(String, HashMap<String, String>), CSourceError> {
    preprocess(src)
}

fn parse_decls<'a>(code: &'a str, defines: HashMap<String, String>) -> Result<Parsed<'a>, CSourceError> {
    let toks = tokenize(code)?;
    let mut arrays = HashMap::new();
    let mut tables = Vec::new();
    let mut at = 0;
    while at < toks.len() {
        // static const <type...> <name> [ <N> ] = { ... } ;
        if toks[at] == Tok::Ident("static") && toks.get(at + 1) == Some(&Tok::Ident("const")) {
            let mut j = at + 2;
            let mut words = Vec::new();
            while let Some(Tok::Ident(w)) = toks.get(j) {
                words.push(*w);
                j += 1;
            }
            if words.len() >= 2 && toks.get(j) == Some(&Tok::Punct('[')) {
                let name = words[words.len() - 1];
                let Some(elem) = Elem::from_c(&words[..words.len() - 1]) else {
                    at = j;
                    continue;
                };
                j += 1;
                let count = resolve_count(toks.get(j), &defines)?;
                j += 1;
                expect(&toks, &mut j, Tok::Punct(']'))?;
                expect(&toks, &mut j, Tok::Punct('='))?;
                expect(&toks, &mut j, Tok::Punct('{'))?;
                let mut data = Vec::with_capacity(count * elem.size());
                let mut n = 0usize;
                loop {
                    match toks.get(j) {
                        Some(Tok::Punct('}')) => {
                            j += 1;
                            break;
                        }
                        Some(Tok::Punct(',')) => j += 1,
                        Some(Tok::Punct(s @ ('-' | '+'))) => {
                            let neg = *s == '-';
                            match toks.get(j + 1) {
                                Some(Tok::Number(lit)) => push_value(&mut data, elem, lit, neg)?,
                                other => return err(format!("{name}: bad value {other:?}")),
                            }
                            n += 1;
                            j += 2;
                        }
                        Some(Tok::Number(lit)) => {
                            push_value(&mut data, elem, lit, false)?;
                            n += 1;
                            j += 1;
                        }
                        other => return err(format!("{name}: bad value {other:?}")),
                    }
                }
                if n > count {
                    return err(format!("{name}: {n} values for {count} elements"));
                }
                // C zero-fills the elements an initialiser leaves out.
                data.resize(count * elem.size(), 0);
                expect(&toks, &mut j, Tok::Punct(';'))?;
                if arrays.insert(name, data).is_some() {
                    return err(format!("{name} defined twice"));
                }
                at = j;
                continue;
            }
            at = j;
            continue;
        }
        // const WeightArray <name> [ ] = { {"n", TYPE, sizeof(n), n}, ..., {NULL,0,0,NULL} } ;
        if toks[at] == Tok::Ident("WeightArray")
            && at > 0
            && toks[at - 1] == Tok::Ident("const")
            && matches!(toks.get(at + 1), Some(Tok::Ident(_)))
            && toks.get(at + 2) == Some(&Tok::Punct('['))
        {
            let mut j = at + 1;
            let table = ident(&toks, &mut j)?;
            expect(&toks, &mut j, Tok::Punct('['))?;
            expect(&toks, &mut j, Tok::Punct(']'))?;
            expect(&toks, &mut j, Tok::Punct('='))?;
            expect(&toks, &mut j, Tok::Punct('{'))?;
            let mut entries = Vec::new();
            let mut terminated = false;
            loop {
                match toks.get(j) {
                    Some(Tok::Punct('}')) => {
                        j += 1;
                        break;
                    }
                    Some(Tok::Punct(',')) => j += 1,
                    Some(Tok::Punct('{')) => {
                        j += 1;
                        if toks.get(j) == Some(&Tok::Ident("NULL")) {
                            // The terminator: skip to its closing brace.
                            while toks.get(j).is_some_and(|t| *t != Tok::Punct('}')) {
                                j += 1;
                            }
                            j += 1;
                            terminated = true;
                            continue;
                        }
                        if terminated {
                            return err(format!("{table}: entries after the terminator"));
                        }
                        let name = match toks.get(j) {
                            Some(Tok::Str(s)) => *s,
                            other => return err(format!("{table}: bad entry {other:?}")),
                        };
                        j += 1;
                        expect(&toks, &mut j, Tok::Punct(','))?;
                        let ty = ident(&toks, &mut j)?;
                        expect(&toks, &mut j, Tok::Punct(','))?;
                        expect(&toks, &mut j, Tok::Ident("sizeof"))?;
                        expect(&toks, &mut j, Tok::Punct('('))?;
                        let sized = ident(&toks, &mut j)?;
                        expect(&toks, &mut j, Tok::Punct(')'))?;
                        expect(&toks, &mut j, Tok::Punct(','))?;
                        let data = ident(&toks, &mut j)?;
                        expect(&toks, &mut j, Tok::Punct('}'))?;
                        if sized != data {
                            return err(format!("{table}: entry {name} sizes {sized} but points at {data}"));
                        }
                        entries.push((name, ty, data));
                    }
                    other => return err(format!("{table}: unexpected {other:?}")),
                }
            }
            if !terminated {
                return err(format!("{table}: no NULL terminator"));
            }
            tables.push((table, entries));
            at = j;
            continue;
        }
        at += 1;
    }
    Ok(Parsed { arrays, tables, defines })
}

fn type_code(ty: &str, defines: &HashMap<String, String>) -> Result<i32, CSourceError> {
    let mut v = ty.to_string();
    for _ in 0..8 {
        if let Some(n) = parse_int(&v) {
            return i32::try_from(n).map_err(|_| CSourceError(format!("bad type {ty}")));
        }
        v = match v.as_str() {
            "WEIGHT_TYPE_float" => "0".into(),
            "WEIGHT_TYPE_int" => "1".into(),
            "WEIGHT_TYPE_qweight" => "2".into(),
            "WEIGHT_TYPE_int8" => "3".into(),
            other => defines.get(other).cloned().ok_or_else(|| CSourceError(format!("unknown type {other}")))?,
        };
    }
    err(format!("type macro {ty} does not resolve"))
}

/// Every `WeightArray` table of a source, in file order, with the arrays it lists.
///
/// # Errors
/// If the source uses C this module does not understand, or a table names an array that is
/// not defined.
pub fn parse_tables(src: &str) -> Result<Vec<(String, Vec<CArray>)>, CSourceError> {
    let (code, defines) = parse_source(src)?;
    let parsed = parse_decls(&code, defines)?;
    let mut out = Vec::new();
    for (table, entries) in &parsed.tables {
        let mut list = Vec::with_capacity(entries.len());
        for &(name, ty, data) in entries {
            let bytes = parsed
                .arrays
                .get(data)
                .ok_or_else(|| CSourceError(format!("{table}: array {data} is not defined")))?;
            list.push(CArray { name: name.to_string(), type_code: type_code(ty, &parsed.defines)?, data: bytes.clone() });
        }
        out.push((table.to_string(), list));
    }
    Ok(out)
}

/// The arrays of the table named `table` (e.g. `"fargan_arrays"`), in table order.
///
/// # Errors
/// As [`parse_tables`], or if there is no such table.
pub fn parse_table(src: &str, table: &str) -> Result<Vec<CArray>, CSourceError> {
    parse_tables(src)?
        .into_iter()
        .find(|(t, _)| t == table)
        .map(|(_, list)| list)
        .ok_or_else(|| CSourceError(format!("no table {table}")))
}

// ---------------------------------------------------------------------------------------------
// Init calls

/// One `linear_init` or `conv2d_init` call of a model's `init_*` function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitCall {
    /// `linear_init(&model->field, arrays, bias, subias, weights, float_weights, weights_idx,
    /// diag, scale, nb_inputs, nb_outputs)`.
    Linear {
        /// The struct field being initialised.
        field: String,
        /// The seven array names in argument order (`None` for `NULL`).
        names: [Option<String>; 7],
        /// Number of inputs.
        nb_inputs: usize,
        /// Number of outputs.
        nb_outputs: usize,
    },
    /// `conv2d_init(&model->field, arrays, bias, float_weights, in_channels, out_channels,
    /// ktime, kheight)`.
    Conv2d {
        /// The struct field being initialised.
        field: String,
        /// Bias and weight array names.
        names: [Option<String>; 2],
        /// Input channels.
        in_channels: usize,
        /// Output channels.
        out_channels: usize,
        /// Kernel length along time.
        ktime: usize,
        /// Kernel length along height.
        kheight: usize,
    },
}

impl InitCall {
    /// The field name.
    pub fn field(&self) -> &str {
        match self {
            InitCall::Linear { field, .. } | InitCall::Conv2d { field, .. } => field,
        }
    }

    /// The layer description of a `linear_init` call.
    pub fn linear_spec(&self) -> Option<LinearSpec<'_>> {
        match self {
            InitCall::Linear { names, nb_inputs, nb_outputs, .. } => Some(LinearSpec {
                bias: names[0].as_deref(),
                subias: names[1].as_deref(),
                weights: names[2].as_deref(),
                float_weights: names[3].as_deref(),
                weights_idx: names[4].as_deref(),
                diag: names[5].as_deref(),
                scale: names[6].as_deref(),
                nb_inputs: *nb_inputs,
                nb_outputs: *nb_outputs,
            }),
            InitCall::Conv2d { .. } => None,
        }
    }

    /// The layer description of a `conv2d_init` call.
    pub fn conv2d_spec(&self) -> Option<Conv2dSpec<'_>> {
        match self {
            InitCall::Conv2d { names, in_channels, out_channels, ktime, kheight, .. } => Some(Conv2dSpec {
                bias: names[0].as_deref(),
                float_weights: names[1].as_deref(),
                in_channels: *in_channels,
                out_channels: *out_channels,
                ktime: *ktime,
                kheight: *kheight,
            }),
            InitCall::Linear { .. } => None,
        }
    }
}

/// The `linear_init`/`conv2d_init` calls of a source, in order.
///
/// # Errors
/// If a call does not have the generated form.
pub fn parse_init_calls(src: &str) -> Result<Vec<InitCall>, CSourceError> {
    let (code, _) = parse_source(src)?;
    let toks = tokenize(&code)?;
    let mut calls = Vec::new();
    let mut at = 0;
    while at < toks.len() {
        let kind = match toks[at] {
            Tok::Ident(k @ ("linear_init" | "conv2d_init")) if toks.get(at + 1) == Some(&Tok::Punct('(')) => k,
            _ => {
                at += 1;
                continue;
            }
        };
        // Skip the prototype in nnet.h style declarations: calls start with `&model->`.
        if toks.get(at + 2) != Some(&Tok::Punct('&')) {
            at += 1;
            continue;
        }
        let mut j = at + 3;
        ident(&toks, &mut j)?;
        expect(&toks, &mut j, Tok::Punct('-'))?;
        expect(&toks, &mut j, Tok::Punct('>'))?;
        let field = ident(&toks, &mut j)?.to_string();
        expect(&toks, &mut j, Tok::Punct(','))?;
        ident(&toks, &mut j)?;
        let (n_names, n_ints) = if kind == "linear_init" { (7, 2) } else { (2, 4) };
        let mut names = Vec::new();
        for _ in 0..n_names {
            expect(&toks, &mut j, Tok::Punct(','))?;
            names.push(match toks.get(j) {
                Some(Tok::Str(s)) => Some(s.to_string()),
                Some(Tok::Ident("NULL")) => None,
                other => return err(format!("{field}: bad name argument {other:?}")),
            });
            j += 1;
        }
        let mut ints = Vec::new();
        for _ in 0..n_ints {
            expect(&toks, &mut j, Tok::Punct(','))?;
            let v = match toks.get(j) {
                Some(Tok::Number(n)) => parse_int(n).and_then(|v| usize::try_from(v).ok()),
                _ => None,
            }
            .ok_or_else(|| CSourceError(format!("{field}: bad dimension")))?;
            ints.push(v);
            j += 1;
        }
        expect(&toks, &mut j, Tok::Punct(')'))?;
        calls.push(if kind == "linear_init" {
            InitCall::Linear {
                field,
                names: [
                    names[0].take(),
                    names[1].take(),
                    names[2].take(),
                    names[3].take(),
                    names[4].take(),
                    names[5].take(),
                    names[6].take(),
                ],
                nb_inputs: ints[0],
                nb_outputs: ints[1],
            }
        } else {
            InitCall::Conv2d {
                field,
                names: [names[0].take(), names[1].take()],
                in_channels: ints[0],
                out_channels: ints[1],
                ktime: ints[2],
                kheight: ints[3],
            }
        });
        at = j;
    }
    Ok(calls)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::weights::WeightBlob;

    const SAMPLE: &str = r#"
/* header */
#include "nnet.h"
#ifndef USE_WEIGHTS_FILE
#define WEIGHTS_a_bias_DEFINED
#define WEIGHTS_a_bias_TYPE WEIGHT_TYPE_float
static const float a_bias[3] = {
0.1,-2.5e-3,1
};
#endif /* USE_WEIGHTS_FILE */
#ifdef NOT_DEFINED
#define WEIGHTS_b_weights_int8_DEFINED
#define WEIGHTS_b_weights_int8_TYPE WEIGHT_TYPE_int8
static const opus_int8 b_weights_int8[2] = {1,-2};
#else
#define WEIGHTS_c_idx_DEFINED
#define WEIGHTS_c_idx_TYPE WEIGHT_TYPE_int
static const int c_idx[4] = {1, 0x10, -3};
#endif
#ifndef USE_WEIGHTS_FILE
const WeightArray m_arrays[] = {
#ifdef WEIGHTS_a_bias_DEFINED
{"a_bias", WEIGHTS_a_bias_TYPE,sizeof(a_bias),a_bias},
#endif
#ifdef WEIGHTS_b_weights_int8_DEFINED
{"b_weights_int8", WEIGHTS_b_weights_int8_TYPE,sizeof(b_weights_int8),b_weights_int8},
#endif
#ifdef WEIGHTS_c_idx_DEFINED
{"c_idx", WEIGHTS_c_idx_TYPE,sizeof(c_idx),c_idx},
#endif
  {NULL,0,0,NULL}
};
#endif
int init_m(M *model,const WeightArray *arrays) {
if (linear_init(&model->a,arrays,"a_bias",NULL,NULL,"a_weights_float",NULL,NULL,NULL,4,3)) return 1;
if (conv2d_init(&model->c,arrays,"c_bias","c_weight_float",1,4,3,3)) return 1;
return 0;
}
"#;

    #[test]
    fn parses_sample() {
        let list = parse_table(SAMPLE, "m_arrays").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].name, "a_bias");
        assert_eq!(list[0].type_code, 0);
        let f: Vec<f32> = list[0].data.chunks(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
        assert_eq!(f, [0.1f64 as f32, -2.5e-3f64 as f32, 1.0]);
        assert_eq!(list[1].name, "c_idx");
        assert_eq!(list[1].type_code, 1);
        let i: Vec<i32> = list[1].data.chunks(4).map(|c| i32::from_le_bytes(c.try_into().unwrap())).collect();
        assert_eq!(i, [1, 16, -3, 0]);

        let calls = parse_init_calls(SAMPLE).unwrap();
        assert_eq!(calls.len(), 2);
        let spec = calls[0].linear_spec().unwrap();
        assert_eq!(spec.bias, Some("a_bias"));
        assert_eq!(spec.float_weights, Some("a_weights_float"));
        assert_eq!((spec.nb_inputs, spec.nb_outputs), (4, 3));
        let c = calls[1].conv2d_spec().unwrap();
        assert_eq!((c.in_channels, c.out_channels, c.ktime, c.kheight), (1, 4, 3, 3));
        assert_eq!(calls[1].field(), "c");
    }

    #[test]
    fn builds_blob_records() {
        let list = parse_table(SAMPLE, "m_arrays").unwrap();
        let mut out = Vec::new();
        for a in &list {
            write_record(&mut out, a.name.as_bytes(), a.type_code, &a.data);
        }
        let blob = WeightBlob::parse_strict(&out).unwrap();
        assert_eq!(blob.len(), 2);
        assert_eq!(blob.find("c_idx").unwrap().data().len(), 16);
    }

    #[test]
    fn float_literals_round_like_c() {
        // A decimal whose direct f32 rounding differs from rounding through f64.
        let lit = "1.00000005960464477539062500000000001";
        assert_eq!(parse_float(lit, false), Some(lit.parse::<f64>().unwrap() as f32));
        assert_eq!(parse_float("0.5f", true), Some(-0.5));
        assert_eq!(parse_float("3", false), Some(3.0));
        assert_eq!(parse_float(".25", false), Some(0.25));
    }

    #[test]
    fn rejects_bad_sources() {
        assert!(parse_table("static const float x[1] = {1,2};", "x").is_err());
        assert!(parse_table("#ifdef A\n", "x").is_err());
        assert!(parse_table("const WeightArray t[] = { {\"x\", WEIGHT_TYPE_float, sizeof(x), x}, {NULL,0,0,NULL} };", "t").is_err());
        assert!(parse_table("", "t").is_err());
    }
}

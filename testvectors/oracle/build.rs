//! Builds the second libopus variant the oracle offers: the same libopus 1.6.1 source that
//! opusic-sys vendors, compiled as portable generic C (no SIMD intrinsics, no run-time CPU
//! dispatch, `-ffp-contract=off`, `__SSE__`/`__SSE2__` undefined so `dnn/vec.h` takes its plain C
//! path). Every global symbol of that archive is renamed with a `gen_` prefix so that both builds
//! link into one binary side by side.
//!
//! The source is found in cargo's registry (`$CARGO_HOME/registry/src/*/opusic-sys-0.7.7/opus`),
//! or at `$OPUS_ORACLE_SRC` when set.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const OPUSIC_SYS_DIR: &str = "opusic-sys-0.7.7";

fn find_source() -> PathBuf {
    println!("cargo:rerun-if-env-changed=OPUS_ORACLE_SRC");
    if let Ok(dir) = env::var("OPUS_ORACLE_SRC") {
        return PathBuf::from(dir);
    }
    let cargo_home = env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env::var("HOME").expect("HOME")).join(".cargo"));
    let registry = cargo_home.join("registry").join("src");
    let mut found = Vec::new();
    if let Ok(entries) = fs::read_dir(&registry) {
        for e in entries.flatten() {
            let cand = e.path().join(OPUSIC_SYS_DIR).join("opus");
            if cand.join("celt").is_dir() {
                found.push(cand);
            }
        }
    }
    found.sort();
    found.into_iter().next().unwrap_or_else(|| {
        panic!(
            "libopus source of {OPUSIC_SYS_DIR} not found under {}; run `cargo fetch` or set OPUS_ORACLE_SRC",
            registry.display()
        )
    })
}

/// Reads `NAME = \` lists from libopus's automake fragments.
fn sources(mk: &Path, var: &str) -> Vec<String> {
    let text = fs::read_to_string(mk).unwrap_or_else(|e| panic!("{}: {e}", mk.display()));
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if !inside {
            if let Some(rest) = t.strip_prefix(var) {
                if rest.trim_start().starts_with('=') {
                    inside = true;
                    let after = rest.trim_start()[1..].trim().trim_end_matches('\\').trim();
                    if !after.is_empty() {
                        out.push(after.to_string());
                    }
                    if !t.ends_with('\\') {
                        break;
                    }
                }
            }
            continue;
        }
        let item = t.trim_end_matches('\\').trim();
        if !item.is_empty() {
            out.push(item.to_string());
        }
        if !t.ends_with('\\') {
            break;
        }
    }
    assert!(!out.is_empty(), "no sources for {var} in {}", mk.display());
    out
}

fn main() {
    let src = find_source();
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));

    let mut files = Vec::new();
    files.extend(sources(&src.join("celt_sources.mk"), "CELT_SOURCES"));
    files.extend(sources(&src.join("silk_sources.mk"), "SILK_SOURCES"));
    files.extend(sources(&src.join("silk_sources.mk"), "SILK_SOURCES_FLOAT"));
    files.extend(sources(&src.join("opus_sources.mk"), "OPUS_SOURCES"));
    files.extend(sources(&src.join("opus_sources.mk"), "OPUS_SOURCES_FLOAT"));
    files.extend(sources(&src.join("lpcnet_sources.mk"), "DEEP_PLC_SOURCES"));
    files.extend(sources(&src.join("lpcnet_sources.mk"), "DRED_SOURCES"));

    let mut b = cc::Build::new();
    b.cargo_metadata(false)
        .warnings(false)
        .opt_level(2)
        .debug(false)
        .include(src.join("include"))
        .include(src.join("celt"))
        .include(src.join("silk"))
        .include(src.join("silk").join("float"))
        .include(src.join("dnn"))
        .include(src.join("src"))
        .include(&src)
        .define("OPUS_BUILD", None)
        .define("HAVE_LRINTF", "1")
        .define("HAVE_LRINT", "1")
        .define("VAR_ARRAYS", None)
        .define("ENABLE_HARDENING", None)
        .define("ENABLE_DEEP_PLC", None)
        .define("ENABLE_DRED", None)
        .define("PACKAGE_VERSION", "\"1.6.1-generic\"")
        .flag("-ffp-contract=off")
        .flag("-fno-fast-math")
        .flag("-U__SSE__")
        .flag("-U__SSE2__")
        .flag("-U__SSE3__")
        .flag("-U__SSE4_1__")
        .flag("-U__AVX__")
        .flag("-U__AVX2__")
        .flag("-U__FMA__")
        .flag("-U__ARM_NEON")
        .flag("-U__ARM_NEON__");
    for f in &files {
        b.file(src.join(f));
    }
    b.compile("opus_generic_raw");

    // Rename every global symbol defined in the archive: `x` -> `gen_x`.
    let raw = out.join("libopus_generic_raw.a");
    let lib = out.join("libopus_oracle_generic.a");
    let nm = Command::new("nm")
        .args(["--defined-only", "-g", "-P"])
        .arg(&raw)
        .output()
        .expect("nm (binutils) is needed to build the oracle");
    assert!(nm.status.success(), "nm failed");
    let mut map = String::new();
    let mut seen = std::collections::BTreeSet::new();
    for line in String::from_utf8_lossy(&nm.stdout).lines() {
        let mut it = line.split_whitespace();
        let (Some(name), Some(kind)) = (it.next(), it.next()) else { continue };
        if name.ends_with(':') || kind == "U" || kind == "w" || kind == "v" {
            continue;
        }
        if seen.insert(name.to_string()) {
            map.push_str(&format!("{name} gen_{name}\n"));
        }
    }
    let map_file = out.join("generic_symbols.map");
    fs::write(&map_file, map).expect("write symbol map");
    let st = Command::new("objcopy")
        .arg(format!("--redefine-syms={}", map_file.display()))
        .arg(&raw)
        .arg(&lib)
        .status()
        .expect("objcopy (binutils) is needed to build the oracle");
    assert!(st.success(), "objcopy failed");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=opus_oracle_generic");
    println!("cargo:root={}", src.display());

    // libopus's own opus_demo program, linked against the (un-renamed) generic build, so tests
    // can compare `dred-opus demo` with the real thing byte for byte.
    let cfg_dir = out.join("opus_demo_cfg");
    fs::create_dir_all(&cfg_dir).expect("create config dir");
    fs::write(cfg_dir.join("config.h"), "/* opus_demo built by opus-oracle */\n").expect("write config.h");
    let demo = out.join("opus_demo_generic");
    let compiler = b.get_compiler();
    let mut cmd = compiler.to_command();
    cmd.args(["-O2", "-ffp-contract=off", "-U__SSE__", "-U__SSE2__", "-DHAVE_CONFIG_H", "-DOPUS_BUILD"])
        .args(["-DENABLE_DRED", "-DENABLE_DEEP_PLC", "-DHAVE_LRINTF", "-DVAR_ARRAYS"])
        .arg(format!("-I{}", cfg_dir.display()));
    for inc in ["include", "celt", "silk", "src", "dnn"] {
        cmd.arg(format!("-I{}", src.join(inc).display()));
    }
    cmd.arg(format!("-I{}", src.display()))
        .arg(src.join("src").join("opus_demo.c"))
        .arg(&raw)
        .arg("-lm")
        .arg("-o")
        .arg(&demo);
    let st = cmd.status().expect("running the C compiler for opus_demo");
    assert!(st.success(), "building opus_demo failed");
    println!("cargo:rustc-env=OPUS_ORACLE_OPUS_DEMO={}", demo.display());
}

//! `lpcnet-weights-tool`: builds and inspects DNNw weight blobs.
//!
//! ```text
//! lpcnet-weights-tool build [DNN_DIR] -o OUT.dnnw   # libopus dnn/*_data.c -> blob
//! lpcnet-weights-tool info BLOB                     # list the records
//! lpcnet-weights-tool sha256 FILE
//! ```
//!
//! Without `DNN_DIR`, `build` looks for libopus 1.6.1 as vendored by the opusic-sys 0.7.7
//! crate in cargo's registry (`$CARGO_HOME/registry/src/*/opusic-sys-0.7.7/opus/dnn`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lpcnet::weights::{c_source, sha256, WeightBlob};

fn find_dnn_dir() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(home.join("registry").join("src"))
        .ok()?
        .flatten()
        .map(|e| e.path().join("opusic-sys-0.7.7").join("opus").join("dnn"))
        .filter(|p| p.join("nnet.h").is_file())
        .collect();
    found.sort();
    found.into_iter().next()
}

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("build") => {
            let mut dir = None;
            let mut out = None;
            let mut it = args[1..].iter();
            while let Some(a) = it.next() {
                if a == "-o" {
                    out = it.next().cloned();
                } else {
                    dir = Some(PathBuf::from(a));
                }
            }
            let out = out.ok_or("build: missing -o OUT")?;
            let dir = dir.or_else(find_dnn_dir).ok_or("build: no DNN_DIR given and none found")?;
            let blob = c_source::blob_from_dnn_dir(&dir).map_err(|e| e.to_string())?;
            WeightBlob::parse_strict(&blob).map_err(|e| e.to_string())?;
            std::fs::write(&out, &blob).map_err(|e| format!("{out}: {e}"))?;
            println!("{out}: {} bytes, sha256 {}", blob.len(), sha256::to_hex(&sha256::Sha256::digest(&blob)));
            Ok(())
        }
        Some("info") => {
            let path = args.get(1).ok_or("info: missing BLOB")?;
            let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
            let blob = WeightBlob::parse(&bytes).map_err(|e| e.to_string())?;
            for r in blob.records() {
                println!("{:>2} {:>9} {}", r.type_code(), r.data().len(), String::from_utf8_lossy(r.name()));
            }
            println!("{} records, {} bytes", blob.len(), bytes.len());
            Ok(())
        }
        Some("sha256") => {
            let path = args.get(1).ok_or("sha256: missing FILE")?;
            let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
            println!("{}  {path}", sha256::to_hex(&sha256::Sha256::digest(&bytes)));
            Ok(())
        }
        _ => Err("usage: lpcnet-weights-tool build [DNN_DIR] -o OUT | info BLOB | sha256 FILE".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lpcnet-weights-tool: {e}");
            ExitCode::FAILURE
        }
    }
}

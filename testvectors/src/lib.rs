//! Conformance harness of `dred-opus` against libopus 1.6.1.
//!
//! The harness makes a deterministic matrix of Opus bitstreams with libopus's generic-C
//! encoder ([`generate`]), decodes each one under several decoder configurations exactly as
//! `opus_demo -d` 1.6.1 does ([`demo_decode`]) with both oracle builds, stores everything in a
//! cache directory, and then checks candidate decoders against those references ([`runner`]):
//! final range per packet, bit-exactness against the generic build, and the RFC 6716 §6 /
//! RFC 8251 quality criterion of `opus_compare` ([`compare`]).
//!
//! Modules:
//! - [`bitstream`]: the `opus_demo` bitstream file format;
//! - [`wav`]: a tiny RIFF/WAVE reader for the speech fixtures;
//! - [`signals`]: resampling and the synthetic music-like test signals;
//! - [`compare`]: our own implementation of the `opus_compare` criterion, plus SNR helpers;
//! - [`demo_decode`]: `opus_demo`'s receive logic (loss, LBRR, DRED, PLC) over a decoder trait;
//! - [`matrix`]: the vector matrix;
//! - [`generate`]: encoding and reference decoding into the cache;
//! - [`runner`]: checks and the `docs/CONFORMANCE.md` report.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bench;
pub mod bench_encode;
pub mod bitstream;
pub mod compare;
pub mod ctables;
pub mod demo_decode;
pub mod generate;
pub mod matrix;
pub mod neural;
pub mod runner;
pub mod signals;
pub mod wav;

use std::fmt;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in the harness.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        message: String,
    },
    /// A bitstream file is malformed.
    Bitstream(bitstream::BitstreamError),
    /// A WAV file is malformed or in a format the reader does not take.
    Wav(wav::WavError),
    /// `opus_compare` could not run on the two signals.
    Compare(compare::CompareError),
    /// libopus returned an error code where the harness needs success.
    Opus {
        /// What the harness was doing.
        context: &'static str,
        /// libopus's error code.
        code: i32,
    },
    /// The cache is missing a file or holds one that does not fit the matrix.
    Cache(String),
    /// A command-line usage error.
    Usage(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, message } => write!(f, "{}: {message}", path.display()),
            Error::Bitstream(e) => write!(f, "bitstream: {e}"),
            Error::Wav(e) => write!(f, "wav: {e}"),
            Error::Compare(e) => write!(f, "opus_compare: {e}"),
            Error::Opus { context, code } => {
                write!(f, "libopus error {code} ({}) while {context}", opus_oracle::strerror(*code))
            }
            Error::Cache(m) => write!(f, "cache: {m}"),
            Error::Usage(m) => write!(f, "usage: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<bitstream::BitstreamError> for Error {
    fn from(e: bitstream::BitstreamError) -> Self {
        Error::Bitstream(e)
    }
}

impl From<wav::WavError> for Error {
    fn from(e: wav::WavError) -> Self {
        Error::Wav(e)
    }
}

impl From<compare::CompareError> for Error {
    fn from(e: compare::CompareError) -> Self {
        Error::Compare(e)
    }
}

/// Result alias of the harness.
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn io_error(path: &Path, e: &std::io::Error) -> Error {
    Error::Io { path: path.to_path_buf(), message: e.to_string() }
}

/// `std::fs::read` with the path in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| io_error(path, &e))
}

/// `std::fs::write` with the path in the error; writes to a temporary name and renames, so a
/// killed run never leaves a half-written file under the final name.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| io_error(&tmp, &e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_error(path, &e))
}

/// The fixtures directory of this crate (the CMU ARCTIC clips).
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The default cache directory, `testvectors/cache/`.
pub fn default_cache_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cache")
}

/// 64-bit FNV-1a, used for the matrix hash and file fingerprints (stable across platforms).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Interleaved 16-bit samples as little-endian bytes.
pub fn pcm_to_bytes(pcm: &[i16]) -> Vec<u8> {
    pcm.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// Little-endian bytes as 16-bit samples (a trailing odd byte is dropped).
pub fn pcm_from_bytes(bytes: &[u8]) -> Vec<i16> {
    bytes.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect()
}

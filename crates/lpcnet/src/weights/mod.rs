//! Model weights: the DNNw blob format of libopus, its loader, and the embedded default.
//!
//! libopus ships its neural weights as C arrays; with `USE_WEIGHTS_FILE` it reads them instead
//! from a blob of 64-byte-aligned records (`dnn/parse_lpcnet_weights.c`), the format that
//! `OPUS_SET_DNN_BLOB` takes and `dnn/write_lpcnet_weights.c` writes. This module reads and
//! writes that format ([`blob`]), turns named arrays into layers with the same checks as
//! libopus's `linear_init`/`conv2d_init` ([`init`]), converts libopus's `*_data.c` sources into
//! a blob ([`c_source`]), and embeds the blob made from libopus 1.6.1's tables
//! ([`default_blob`]).
//!
//! Integers in the blob are little-endian: libopus writes host order, and every platform it
//! ships weights for is little-endian.

pub mod blob;
pub mod c_source;
pub mod init;
pub mod sha256;

use core::fmt;
use std::sync::OnceLock;

pub use blob::{write_record, WeightBlob, WeightRecord, WeightType};
pub use init::{validate_sparse_index, Conv2dSpec, LinearSpec};

/// The weights of libopus 1.6.1 (PitchDNN, FARGAN, PLC, RDO-VAE encoder and decoder) as a
/// DNNw blob, byte-identical to what libopus's `write_lpcnet_weights` produces. See
/// `weights/MANIFEST.md` for provenance and licence.
static DEFAULT_BLOB_BYTES: &[u8] = include_bytes!("../../weights/opus-1.6.1.dnnw");

/// SHA-256 of the embedded blob, checked before the blob is first used.
pub const DEFAULT_BLOB_SHA256: &str = "f4aed08a74ad36089194989e17514f0d9cd17ecde4d5c866470ea764387a84c8";

/// The raw bytes of the embedded default blob (not checked; see [`default_blob`]).
pub fn default_blob_bytes() -> &'static [u8] {
    DEFAULT_BLOB_BYTES
}

/// The embedded libopus 1.6.1 weights, parsed.
///
/// The first call hashes the embedded bytes and compares them with [`DEFAULT_BLOB_SHA256`],
/// then parses them; later calls return the cached result.
///
/// # Errors
/// [`WeightsError::ChecksumMismatch`] if the embedded file does not match its recorded hash
/// (a corrupted build), or a parse error if it is not a valid blob.
pub fn default_blob() -> Result<&'static WeightBlob<'static>, WeightsError> {
    static CELL: OnceLock<Result<WeightBlob<'static>, WeightsError>> = OnceLock::new();
    CELL.get_or_init(|| {
        let digest = sha256::Sha256::digest(DEFAULT_BLOB_BYTES);
        if sha256::to_hex(&digest).as_str() != DEFAULT_BLOB_SHA256 {
            return Err(WeightsError::ChecksumMismatch);
        }
        WeightBlob::parse(DEFAULT_BLOB_BYTES)
    })
    .as_ref()
    .map_err(|e| *e)
}

/// The longest array name a record can hold, terminator included (`WeightHead.name`).
pub const NAME_CAPACITY: usize = 44;

/// An array name carried by an error, stored inline so that errors never allocate.
///
/// Names longer than [`NAME_CAPACITY`] bytes are cut.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArrayName {
    bytes: [u8; NAME_CAPACITY],
    len: u8,
}

impl ArrayName {
    /// Copies up to [`NAME_CAPACITY`] bytes of `name`.
    pub fn new(name: &[u8]) -> Self {
        let n = name.len().min(NAME_CAPACITY);
        let mut bytes = [0u8; NAME_CAPACITY];
        bytes[..n].copy_from_slice(&name[..n]);
        ArrayName { bytes, len: n as u8 }
    }

    /// The stored bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl From<&str> for ArrayName {
    fn from(s: &str) -> Self {
        ArrayName::new(s.as_bytes())
    }
}

impl fmt::Display for ArrayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.as_bytes() {
            if b.is_ascii_graphic() {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for ArrayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Why a blob or a layer could not be loaded.
///
/// Record errors carry the byte offset of the record's header in the blob.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightsError {
    /// Fewer than 64 bytes remain where a record header should start.
    TruncatedHeader {
        /// Offset of the incomplete header.
        offset: usize,
    },
    /// The record's block is smaller than the array it claims to hold.
    BlockSmallerThanSize {
        /// Offset of the record.
        offset: usize,
    },
    /// The record's block runs past the end of the blob.
    BlockPastEnd {
        /// Offset of the record.
        offset: usize,
    },
    /// The 44-byte name field does not end with a zero byte.
    UnterminatedName {
        /// Offset of the record.
        offset: usize,
    },
    /// The record declares a negative size.
    NegativeSize {
        /// Offset of the record.
        offset: usize,
    },
    /// The record holds zero bytes, which libopus's parser rejects.
    EmptyArray {
        /// Offset of the record.
        offset: usize,
    },
    /// The blob is longer than libopus can address (`int` length).
    BlobTooLarge,
    /// Strict parsing only: the header does not start with `DNNw`.
    BadMagic {
        /// Offset of the record.
        offset: usize,
    },
    /// Strict parsing only: the header's version is not 0.
    UnsupportedVersion {
        /// Offset of the record.
        offset: usize,
        /// The version found.
        version: i32,
    },
    /// Strict parsing only: the block size is not the size rounded up to 64.
    BlockNotRounded {
        /// Offset of the record.
        offset: usize,
    },
    /// Strict parsing only: the type code is not one of 0 (float), 1 (int), 2 (qweight), 3 (int8).
    UnknownType {
        /// Offset of the record.
        offset: usize,
        /// The type code found.
        code: i32,
    },
    /// A layer needs an array the blob does not have.
    MissingArray {
        /// The array's name.
        name: ArrayName,
    },
    /// An array exists but its byte size is not what the layer's dimensions require.
    WrongSize {
        /// The array's name.
        name: ArrayName,
        /// Bytes required.
        expected: usize,
        /// Bytes found.
        found: usize,
    },
    /// A sparse index list is malformed (see [`validate_sparse_index`]).
    BadSparseIndex {
        /// The array's name.
        name: ArrayName,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The layer description itself is unusable (caller error), e.g. int8 weights whose
    /// dimensions the 8×4 kernels cannot handle.
    InvalidSpec(&'static str),
    /// The embedded default blob does not match its recorded SHA-256.
    ChecksumMismatch,
}

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use WeightsError::*;
        match self {
            TruncatedHeader { offset } => write!(f, "lpcnet weights: truncated record header at byte {offset}"),
            BlockSmallerThanSize { offset } => {
                write!(f, "lpcnet weights: record at byte {offset} has a block smaller than its size")
            }
            BlockPastEnd { offset } => write!(f, "lpcnet weights: record at byte {offset} runs past the end of the blob"),
            UnterminatedName { offset } => write!(f, "lpcnet weights: record at byte {offset} has an unterminated name"),
            NegativeSize { offset } => write!(f, "lpcnet weights: record at byte {offset} has a negative size"),
            EmptyArray { offset } => write!(f, "lpcnet weights: record at byte {offset} is empty"),
            BlobTooLarge => write!(f, "lpcnet weights: blob larger than 2 GiB"),
            BadMagic { offset } => write!(f, "lpcnet weights: record at byte {offset} lacks the DNNw magic"),
            UnsupportedVersion { offset, version } => {
                write!(f, "lpcnet weights: record at byte {offset} has unsupported version {version}")
            }
            BlockNotRounded { offset } => {
                write!(f, "lpcnet weights: record at byte {offset} has a block size not rounded to 64")
            }
            UnknownType { offset, code } => write!(f, "lpcnet weights: record at byte {offset} has unknown type {code}"),
            MissingArray { name } => write!(f, "lpcnet weights: array {name} not found"),
            WrongSize { name, expected, found } => {
                write!(f, "lpcnet weights: array {name} has {found} bytes, expected {expected}")
            }
            BadSparseIndex { name, reason } => write!(f, "lpcnet weights: sparse index {name}: {reason}"),
            InvalidSpec(what) => write!(f, "lpcnet weights: invalid layer description: {what}"),
            ChecksumMismatch => write!(f, "lpcnet weights: embedded blob does not match its SHA-256"),
        }
    }
}

impl std::error::Error for WeightsError {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn embedded_blob_checksum() {
        let digest = sha256::Sha256::digest(default_blob_bytes());
        assert_eq!(sha256::to_hex(&digest).as_str(), DEFAULT_BLOB_SHA256);
        let blob = default_blob().expect("embedded blob");
        assert!(blob.len() > 100);
        assert!(blob.find("dense_if_upsampler_1_weights_int8").is_some());
        assert!(blob.find("dec_output_weights_idx").is_some());
        // Writing the parsed records back reproduces the file.
        assert_eq!(blob.to_bytes(), default_blob_bytes());
    }

    #[test]
    fn array_name_display() {
        let n = ArrayName::new(b"ab\x01");
        assert_eq!(n.to_string(), "ab\\x01");
        assert_eq!(ArrayName::new(&[b'x'; 60]).as_bytes().len(), NAME_CAPACITY);
        let e = WeightsError::MissingArray { name: "foo".into() };
        assert_eq!(e.to_string(), "lpcnet weights: array foo not found");
    }
}

//! The classic Opus codec layer of `dred-opus` (RFC 6716, RFC 8251).
//!
//! This crate holds everything that does not need a neural network:
//!
//! - [`range_coder`]: the entropy coder of RFC 6716 section 4.1, decoder and encoder,
//!   bit-exact with libopus 1.6.1, including the Laplace variants CELT and DRED use.
//! - [`packet`]: the TOC byte, frame packing (codes 0 to 3), self-delimited framing,
//!   the repacketizer and the padding extensions of libopus 1.6.1.
//!
//! Product code in this crate is safe Rust only.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod analysis;
pub mod celt;
pub mod decoder;
pub mod encoder;
pub mod error;
pub mod packet;
pub mod range_coder;
pub mod silk;

pub use error::Error;

//! dred-opus: the Opus codec stack with Deep REDundancy, in safe Rust.
//!
//! This facade gathers the product crates — [`opus_core`] (range coder, packet framing, CELT,
//! SILK), `lpcnet`, `rdovae` and [`dred`] — behind one API: [`Decoder`] decodes Opus packets
//! (see [`decoder`]) and [`Encoder`] codes PCM into them (see [`encoder`]). It also holds
//! the library side of the `dred-opus` command-line tool: [`inspect`] (per-packet JSON of an
//! opus_demo bitstream), [`demo`] (opus_demo's command line) and [`bitstream`] (opus_demo's
//! file format).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bitstream;
pub mod decoder;
pub mod demo;
pub mod encoder;
pub mod inspect;
pub mod receiver;

pub use decoder::{Decoder, Sample};
pub use receiver::{Receiver, ReceiverConfig};
pub use encoder::{EncodeSample, Encoder, EncoderConfig};
pub use dred;
pub use opus_core;

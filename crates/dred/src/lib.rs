//! Deep REDundancy (DRED) for Opus, interoperable with libopus 1.6.1.
//!
//! DRED travels in the padding of an Opus packet as extension 126, whose payload starts with
//! the two bytes `'D'` and the experimental version (12 in libopus 1.6). [`payload`] finds it;
//! [`decoder`] range-decodes its latents ([`Dred::parse`]) and turns them into acoustic
//! features with the RDO-VAE decoder of [`rdovae`] ([`Dred::process`]). The encoder side
//! arrives later.
//!
//! ```
//! use dred::Dred;
//!
//! let mut dred = Dred::with_default_model()?;
//! // A single 20 ms CELT frame without padding carries no DRED.
//! let parsed = dred.parse(&[0xf8, 0xff, 0xfe], 4800, 48000, false).expect("valid packet");
//! assert_eq!(parsed.samples, 0);
//! # Ok::<(), lpcnet::WeightsError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod decoder;
pub mod payload;

pub use decoder::{Dred, DredParse, FecFrame, ProcessStage};
pub use payload::{find_payload, DredPayload};
pub use rdovae::RdovaeDec;

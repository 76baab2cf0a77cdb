//! Deep REDundancy (DRED) for Opus, interoperable with libopus 1.6.1.
//!
//! DRED travels in the padding of an Opus packet as extension 126, whose payload starts with
//! the two bytes `'D'` and the experimental version (12 in libopus 1.6). [`payload`] finds it;
//! decoding its range-coded latents into acoustic features, and the encoder side, arrive with
//! the DRED issues.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod payload;

pub use payload::{find_payload, DredPayload};

//! `rdovae`: the receiving half of libopus 1.6.1's rate-distortion-optimised variational
//! autoencoder, which turns DRED latents back into acoustic features.
//!
//! - [`constants`]: dimensions of the latents, the initial state and the decoder layers;
//! - [`stats_tables`]: the per-level quantiser tables the DRED payload is coded with;
//! - [`quantizer`]: the quantiser level of each latent;
//! - [`decoder`]: the decoder network ([`RdovaeDec`], [`RdovaeDecState`]), bit-exact with
//!   libopus's generic C build.
//!
//! ```
//! use rdovae::{RdovaeDec, constants::{DEC_INPUT_DIM, DEC_OUTPUT_DIM, STATE_DIM}};
//!
//! let model = RdovaeDec::default_model()?;
//! let state = [0.0f32; STATE_DIM];
//! let latents = [0.0f32; 2 * DEC_INPUT_DIM];
//! let mut features = [0.0f32; 2 * DEC_OUTPUT_DIM];
//! model.decode_all(&mut features, &state, &latents, 2);
//! # Ok::<(), lpcnet::WeightsError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod constants;
pub mod decoder;
pub mod quantizer;
pub mod stats_tables;

pub use decoder::{RdovaeDec, RdovaeDecState};
pub use quantizer::compute_quantizer;

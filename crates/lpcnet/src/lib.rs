//! `lpcnet`: the neural-network core of `dred-opus`.
//!
//! A safe-Rust port of the network layer of libopus 1.6.1's `dnn/` directory:
//!
//! - [`nnet`]: activations, affine layers (float, int8, block-sparse), dense, GRU, GLU and
//!   convolution layers, bit-exact with libopus's generic C build;
//! - [`weights`]: the DNNw weight blob (parser, writer, libopus's layer loaders) and the
//!   embedded libopus 1.6.1 weights ([`weights::default_blob`]).
//!
//! ```
//! use lpcnet::weights::{default_blob, LinearSpec};
//! use lpcnet::nnet::{compute_generic_dense, Activation, LinearLayer};
//!
//! let blob = default_blob()?;
//! let spec = LinearSpec {
//!     bias: Some("plc_dense_in_bias"),
//!     float_weights: Some("plc_dense_in_weights_float"),
//!     nb_inputs: 57,
//!     nb_outputs: 128,
//!     ..Default::default()
//! };
//! let layer = LinearLayer::from_blob(blob, &spec)?;
//! let mut out = [0.0f32; 128];
//! compute_generic_dense(&layer, &mut out, &[0.0; 57], Activation::Tanh);
//! # Ok::<(), lpcnet::weights::WeightsError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod nnet;
pub mod weights;

pub use weights::{default_blob, WeightBlob, WeightsError};
pub mod analysis;
pub mod burg;
pub mod freq;
pub mod pitchdnn;
pub mod tables;
pub mod fargan;
pub mod plc_model;
pub mod plc;

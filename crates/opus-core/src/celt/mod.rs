//! The CELT layer of Opus (RFC 6716 section 4.3), float path of libopus 1.6.1.
//!
//! Stages, in decoding order:
//!
//! - [`mode`]: the static 48 kHz mode (band layout, allocation vectors, window, pulse
//!   cache), with its constants in [`tables`];
//! - [`energy`]: coarse, fine and final band energies;
//! - [`alloc`]: the bit allocation, band skipping and stereo parameters;
//! - [`bands`]: band shapes (PVQ with splitting, stereo, TF changes, folding),
//!   anti-collapse and denormalisation, built on [`vq`] and [`cwrs`];
//! - [`mdct`] over [`kiss_fft`], [`postfilter`], [`plc`] (with [`lpc`] and [`pitch`]),
//!   and the frame [`decoder`] that ties them together.
//!
//! [`mathops`] holds the scalar helpers whose rounding every stage relies on for
//! bit-exact output.

pub mod alloc;
pub mod bands;
pub mod cwrs;
pub mod energy;
pub mod mathops;
pub mod mode;
pub mod tables;
pub mod vq;

pub mod decoder;
pub mod encoder;
pub mod encoder_analysis;
pub mod fft_tables;
pub mod kiss_fft;
pub mod lpc;
pub mod mdct;
pub mod pitch;
pub mod plc;
pub mod postfilter;

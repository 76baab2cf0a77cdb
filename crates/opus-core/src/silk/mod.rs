//! The SILK decoder of RFC 6716 §4.2, bit-exact with libopus 1.6.1.
//!
//! SILK is fixed-point integer code in every libopus build, so this port keeps
//! libopus's integer arithmetic, rounding and saturation exactly (see
//! [`fixed`]). Decoding one frame runs three steps with three types
//! ([`structs`]):
//!
//! 1. [`decode_indices`] and [`decode_pulses`] read the side information
//!    ([`SideInfoIndices`]) and the excitation pulses from the range decoder
//!    (§4.2.7.3–§4.2.7.8).
//! 2. [`decode_parameters`] turns the indices into per-frame filters and gains
//!    ([`DecoderControl`]): [`gain_quant`], [`nlsf`] (§4.2.7.5), [`decode_pitch`]
//!    and the LTP codebooks (§4.2.7.6).
//! 3. [`decode_core`] synthesises the excitation through the LTP and LPC
//!    filters into the persistent [`DecoderState`] (§4.2.7.9).
//!
//! [`decode_frame`] drives the three and calls loss concealment and comfort
//! noise. The API layer (`dec_api`) handles the SILK header bits, stereo
//! unmixing and resampling around it.

pub mod fixed;
pub mod structs;

pub mod tables_gain;
pub mod tables_ltp;
pub mod tables_nlsf_cb_nb_mb;
pub mod tables_nlsf_cb_wb;
pub mod tables_other;
pub mod tables_pitch_lag;
pub mod tables_pulses_per_block;

pub mod decode_core;
// pub mod decode_frame;
pub mod decode_indices;
pub mod decode_parameters;
pub mod decode_pitch;
pub mod decode_pulses;
pub mod gain_quant;
pub mod interpolate;
pub mod nlsf;

// Stages written alongside (SILK glue); uncomment as their files land.
// pub mod resampler;
// pub mod resampler_rom;
// pub mod stereo;
// pub mod plc;
// pub mod cng;
// pub mod dec_api;

pub use structs::{
    CondCoding, DecoderControl, DecoderState, LostFlag, NlsfCodebook, SideInfoIndices,
};

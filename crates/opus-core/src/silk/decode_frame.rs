//! Decoding of one SILK frame, RFC 6716 §4.2.7 (libopus `silk/decode_frame.c`).
//!
//! Input: the range decoder at a SILK frame (or nothing, for a lost frame).
//! Output: one frame of 16-bit speech at the internal rate. A frame that is
//! present runs the three steps of SILK: indices ([`decode_indices`],
//! [`decode_pulses`]), parameters ([`decode_parameters`]) into a
//! [`DecoderControl`] on the stack, and synthesis ([`decode_core`]) into the
//! [`DecoderState`]. A missing frame is concealed by `plc`. Comfort noise
//! (`cng`) and the smoothing of concealed-to-good transitions
//! (`plc::plc_glue_frames`) run on every frame.
//!
//! The loss-concealment and comfort-noise stages live in the `plc` and `cng`
//! modules; this file calls
//! `plc::plc(st, ctrl, frame, lost: bool, deep_plc)`,
//! `plc::plc_glue_frames(st, frame)` and `cng::cng(st, ctrl, frame)`.
//! `deep_plc` is the neural-concealment seam (libopus passes its
//! `LPCNetPLCState` here under `ENABLE_DEEP_PLC`); `None` gives the classic
//! concealment of a DRED-enabled libopus build whose model is not loaded.

use super::cng::cng;
use super::decode_core::decode_core;
use super::decode_indices::decode_indices;
use super::decode_parameters::decode_parameters;
use super::decode_pulses::decode_pulses;
use super::plc::{plc, plc_glue_frames, DeepPlc};
use super::structs::{CondCoding, DecoderControl, DecoderState, LostFlag, MAX_FRAME_LENGTH};
use crate::range_coder::RangeDecoder;

/// Reads and synthesises a frame that is present in the packet: the normal
/// path of libopus `silk_decode_frame` up to the PLC update. Leaves the
/// frame's parameters in `ctrl` and the speech in `out[..frame_length]`, and
/// appends the speech to the output history.
pub fn decode_frame_payload(
    st: &mut DecoderState,
    rd: &mut RangeDecoder<'_>,
    ctrl: &mut DecoderControl,
    out: &mut [i16],
    lost_flag: LostFlag,
    cond_coding: CondCoding,
) {
    let mut pulses = [0i16; MAX_FRAME_LENGTH];
    // §4.2.7.3–§4.2.7.7: side information.
    let frame_index = st.n_frames_decoded;
    decode_indices(
        st,
        rd,
        frame_index,
        lost_flag == LostFlag::DecodeLbrr,
        cond_coding,
    );
    // §4.2.7.8: excitation pulses.
    decode_pulses(
        rd,
        &mut pulses,
        st.indices.signal_type as i32,
        st.indices.quant_offset_type as i32,
        st.frame_length,
    );
    // Parameters, then synthesis (the inverse of the encoder's noise-shaping quantiser).
    decode_parameters(st, ctrl, cond_coding);
    decode_core(st, ctrl, out, &pulses);
    update_out_buf(st, out);
}

/// Shifts the output history left by one frame and appends `out`.
fn update_out_buf(st: &mut DecoderState, out: &[i16]) {
    let frame_length = st.frame_length;
    debug_assert!(st.ltp_mem_length >= frame_length);
    let mv_len = st.ltp_mem_length - frame_length;
    st.out_buf
        .copy_within(frame_length..frame_length + mv_len, 0);
    st.out_buf[mv_len..mv_len + frame_length].copy_from_slice(&out[..frame_length]);
}

/// Decodes or conceals one SILK frame into `out` and returns its length in
/// samples (libopus `silk_decode_frame`).
///
/// `lost_flag` says whether to decode the frame, conceal it, or decode its
/// LBRR copy (concealing when the packet has none for this frame).
/// `out` must hold at least `st.frame_length` samples; the state's rate must
/// have been set up. Never fails: damage shows up in the range decoder's
/// error flag, which the caller checks once per packet.
pub fn decode_frame(
    st: &mut DecoderState,
    rd: &mut RangeDecoder<'_>,
    out: &mut [i16],
    lost_flag: LostFlag,
    cond_coding: CondCoding,
    deep_plc: Option<&mut dyn DeepPlc>,
) -> usize {
    let frame_length = st.frame_length;
    debug_assert!(frame_length > 0 && frame_length <= MAX_FRAME_LENGTH);
    let mut ctrl = DecoderControl::default();

    let has_lbrr = st
        .lbrr_flags
        .get(st.n_frames_decoded)
        .copied()
        .unwrap_or(false);
    if lost_flag == LostFlag::DecodeNormal || (lost_flag == LostFlag::DecodeLbrr && has_lbrr) {
        decode_frame_payload(st, rd, &mut ctrl, out, lost_flag, cond_coding);
        // Feed the concealment history with the good frame.
        plc(st, &mut ctrl, out, false, deep_plc);
        st.loss_cnt = 0;
        st.prev_signal_type = st.indices.signal_type as i32;
        st.first_frame_after_reset = false;
    } else {
        // Missing frame: extrapolate.
        plc(st, &mut ctrl, out, true, deep_plc);
        update_out_buf(st, out);
    }

    // Comfort noise estimation / generation.
    cng(st, &mut ctrl, out);
    // Smooth the step from concealed to good audio.
    plc_glue_frames(st, out);

    st.lag_prev = ctrl.pitch_l[st.nb_subfr.clamp(1, ctrl.pitch_l.len()) - 1];
    frame_length
}

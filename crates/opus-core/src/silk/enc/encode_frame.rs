//! Encoding of one SILK frame, float build (libopus
//! `silk/float/encode_frame_FLP.c`: `silk_encode_do_VAD_FLP`,
//! `silk_encode_frame_FLP` with its rate-control loop, and
//! `silk_LBRR_encode_FLP`).
//!
//! Input: one frame at the internal rate in `s_cmn.input_buf`. The analysis
//! stages fill the per-frame control; this module quantises the excitation
//! and writes indices and pulses, repeating with scaled gains until the
//! frame fits its bit budget (a bisection over a gain multiplier).

use super::super::gain_quant::gains_dequant;
use super::super::structs::{
    CondCoding, MAX_FRAME_LENGTH, MAX_NB_SUBFR, N_LEVELS_QGAIN, TYPE_NO_VOICE_ACTIVITY,
    TYPE_UNVOICED,
};
use super::analysis;
use super::encode_indices::encode_indices;
use super::encode_pulses::encode_pulses;
use super::filters::lp_variable_cutoff;
use super::gain_quant::{gains_id, gains_quant};
use super::nsq::{nsq_wrapper_flp, NsqConfig};
use super::structs::{
    EncoderControlFlp, EncoderStateFlp, NsqState, LA_PITCH_MAX, LA_SHAPE_MAX, LA_SHAPE_MS,
    LBRR_SPEECH_ACTIVITY_THRES, MAX_CONSECUTIVE_DTX, NB_SPEECH_FRAMES_BEFORE_DTX,
    SPEECH_ACTIVITY_DTX_THRES, VAD_NO_ACTIVITY,
};
use crate::error::Error;
use crate::range_coder::RangeEncoder;
use super::super::fixed::{fix_const, lshift_sat32, smulwb};

/// Largest packet the rate-control loop saves bytes of (libopus's 1275).
const MAX_PACKET_BYTES: usize = 1275;

/// Runs the VAD on the frame and sets the signal type and DTX counters
/// (libopus `silk_encode_do_VAD_FLP`). `activity` is the Opus-level
/// activity decision (`VAD_NO_ACTIVITY` forces low activity).
pub fn encode_do_vad_flp(enc: &mut EncoderStateFlp, activity: i32) {
    let activity_threshold = fix_const(SPEECH_ACTIVITY_DTX_THRES as f64, 8);
    let st = &mut enc.s_cmn;
    let mut input = [0i16; MAX_FRAME_LENGTH + 1];
    let n = st.frame_length;
    input[..n].copy_from_slice(&st.input_buf[1..n + 1]);
    analysis::vad_get_sa_q8(st, &input[..n]);
    if activity == VAD_NO_ACTIVITY && st.speech_activity_q8 >= activity_threshold {
        st.speech_activity_q8 = activity_threshold - 1;
    }
    let fe = st.n_frames_encoded;
    if st.speech_activity_q8 < activity_threshold {
        st.indices.signal_type = TYPE_NO_VOICE_ACTIVITY as i8;
        st.no_speech_counter += 1;
        if st.no_speech_counter <= NB_SPEECH_FRAMES_BEFORE_DTX {
            st.in_dtx = false;
        } else if st.no_speech_counter > MAX_CONSECUTIVE_DTX + NB_SPEECH_FRAMES_BEFORE_DTX {
            st.no_speech_counter = NB_SPEECH_FRAMES_BEFORE_DTX;
            st.in_dtx = false;
        }
        st.vad_flags[fe] = false;
    } else {
        st.no_speech_counter = 0;
        st.in_dtx = false;
        st.indices.signal_type = TYPE_UNVOICED as i8;
        st.vad_flags[fe] = true;
    }
}

/// Codes the LBRR (low-bitrate redundancy) copy of the current frame with
/// raised gains (libopus `silk_LBRR_encode_FLP`).
fn lbrr_encode_flp(
    enc: &mut EncoderStateFlp,
    ctrl: &mut EncoderControlFlp,
    xfw: &[f32],
    cond_coding: CondCoding,
) {
    let st = &mut enc.s_cmn;
    if !(st.lbrr_enabled && st.speech_activity_q8 > fix_const(LBRR_SPEECH_ACTIVITY_THRES as f64, 8)) {
        return;
    }
    let fe = st.n_frames_encoded;
    st.lbrr_flags[fe] = true;
    let mut nsq_lbrr: NsqState = st.s_nsq.clone();
    st.indices_lbrr[fe] = st.indices;
    let nb_subfr = st.nb_subfr;
    let temp_gains = ctrl.gains;
    if fe == 0 || !st.lbrr_flags[fe - 1] {
        st.lbrr_prev_last_gain_index = enc.s_shape.last_gain_index;
        let g = st.indices_lbrr[fe].gains_indices[0] as i32 + st.lbrr_gain_increases;
        st.indices_lbrr[fe].gains_indices[0] = g.min(N_LEVELS_QGAIN - 1) as i8;
    }
    let mut gains_q16 = [0i32; MAX_NB_SUBFR];
    let gi = st.indices_lbrr[fe].gains_indices;
    gains_dequant(
        &mut gains_q16,
        &gi,
        &mut st.lbrr_prev_last_gain_index,
        cond_coding == CondCoding::Conditionally,
        nb_subfr,
    );
    for k in 0..nb_subfr {
        ctrl.gains[k] = gains_q16[k] as f32 * (1.0f32 / 65536.0);
    }
    let cfg = NsqConfig::from_state(st);
    let mut indices = st.indices_lbrr[fe];
    nsq_wrapper_flp(&cfg, ctrl, &mut indices, &mut nsq_lbrr, &mut st.pulses_lbrr[fe], xfw);
    st.indices_lbrr[fe] = indices;
    ctrl.gains[..nb_subfr].copy_from_slice(&temp_gains[..nb_subfr]);
}

/// Encodes one frame into `enc_rc` (libopus `silk_encode_frame_FLP`).
/// Returns the bytes used so far in the packet (0 when only prefilling).
///
/// # Errors
///
/// Whatever the analysis stages report.
pub fn encode_frame_flp(
    enc: &mut EncoderStateFlp,
    enc_rc: &mut RangeEncoder<'_>,
    cond_coding: CondCoding,
    max_bits: i32,
    use_cbr: bool,
) -> Result<i32, Error> {
    let mut ctrl = EncoderControlFlp::zeroed();
    let bits_margin = if use_cbr { 5 } else { max_bits / 4 };
    let mut last_gain_index_copy2: i8 = 0;
    let (mut n_bits_lower, mut n_bits_upper) = (0i32, 0i32);
    let (mut gain_mult_lower, mut gain_mult_upper) = (0i32, 0i32);

    {
        let st = &mut enc.s_cmn;
        st.indices.seed = (st.frame_counter & 3) as i8;
        st.frame_counter = st.frame_counter.wrapping_add(1);
    }
    let lm = enc.s_cmn.ltp_mem_length;
    let fl = enc.s_cmn.frame_length;
    let fs_khz = enc.s_cmn.fs_khz as usize;
    let x_off = lm;

    // Bandwidth-switch low-pass, then the frame into the analysis buffer.
    {
        let st = &mut enc.s_cmn;
        lp_variable_cutoff(&mut st.s_lp, &mut st.input_buf[1..], fl);
        let base = x_off + LA_SHAPE_MS * fs_khz;
        for i in 0..fl {
            enc.x_buf[base + i] = st.input_buf[1 + i] as f32;
        }
        for i in 0..8 {
            enc.x_buf[base + i * (fl >> 3)] += (1 - (i as i32 & 2)) as f32 * 1e-6f32;
        }
    }

    if !enc.s_cmn.prefill_flag {
        let mut res_pitch = [0f32; 2 * MAX_FRAME_LENGTH + LA_PITCH_MAX];
        let x_buf_copy: [f32; 2 * MAX_FRAME_LENGTH + LA_SHAPE_MAX] = enc.x_buf;

        analysis::find_pitch_lags_flp(enc, &mut ctrl, &mut res_pitch, &x_buf_copy)?;
        analysis::noise_shape_analysis_flp(enc, &mut ctrl, &res_pitch, &x_buf_copy)?;
        analysis::find_pred_coefs_flp(enc, &mut ctrl, &res_pitch, &x_buf_copy, cond_coding)?;
        analysis::process_gains_flp(enc, &mut ctrl, cond_coding)?;

        let x_frame = &x_buf_copy[x_off..];
        lbrr_encode_flp(enc, &mut ctrl, x_frame, cond_coding);

        // Rate control: bisection over a gain multiplier.
        let max_iter = 6;
        let mut gain_mult_q8: i32 = fix_const(1.0, 8);
        let mut found_lower = false;
        let mut found_upper = false;
        let nb_subfr = enc.s_cmn.nb_subfr;
        let sl = enc.s_cmn.subfr_length;
        let mut gains_id_cur = gains_id(&enc.s_cmn.indices.gains_indices, nb_subfr);
        let mut gains_id_lower = -1i32;
        let mut gains_id_upper = -1i32;
        let rc_copy = enc_rc.snapshot();
        let mut rc_copy2 = enc_rc.snapshot();
        let nsq_copy0 = enc.s_cmn.s_nsq.clone();
        let mut nsq_copy1 = enc.s_cmn.s_nsq.clone();
        let seed_copy = enc.s_cmn.indices.seed;
        let ec_prev_lag_index_copy = enc.s_cmn.ec_prev_lag_index;
        let ec_prev_signal_type_copy = enc.s_cmn.ec_prev_signal_type;
        let mut ec_buf_copy = [0u8; MAX_PACKET_BYTES];
        let mut gain_lock = [false; MAX_NB_SUBFR];
        let mut best_gain_mult = [0i32; MAX_NB_SUBFR];
        let mut best_sum = [0i32; MAX_NB_SUBFR];
        let cfg = NsqConfig::from_state(&enc.s_cmn);
        let fe = enc.s_cmn.n_frames_encoded;

        let mut iter = 0;
        loop {
            let n_bits;
            if gains_id_cur == gains_id_lower {
                n_bits = n_bits_lower;
            } else if gains_id_cur == gains_id_upper {
                n_bits = n_bits_upper;
            } else {
                if iter > 0 {
                    enc_rc.restore(&rc_copy);
                    enc.s_cmn.s_nsq.clone_from(&nsq_copy0);
                    enc.s_cmn.indices.seed = seed_copy;
                    enc.s_cmn.ec_prev_lag_index = ec_prev_lag_index_copy;
                    enc.s_cmn.ec_prev_signal_type = ec_prev_signal_type_copy;
                }
                {
                    let st = &mut enc.s_cmn;
                    nsq_wrapper_flp(&cfg, &ctrl, &mut st.indices, &mut st.s_nsq, &mut st.pulses, x_frame);
                }
                if iter == max_iter && !found_lower {
                    rc_copy2 = enc_rc.snapshot();
                }
                encode_indices(&mut enc.s_cmn, enc_rc, fe, false, cond_coding);
                {
                    let st = &mut enc.s_cmn;
                    encode_pulses(
                        enc_rc,
                        st.indices.signal_type as i32,
                        st.indices.quant_offset_type as i32,
                        &mut st.pulses,
                        fl,
                    );
                }
                let mut nb = enc_rc.tell();
                if iter == max_iter && !found_lower && nb > max_bits {
                    // Still too large: code the frame with lowest gains and no pulses.
                    enc_rc.restore(&rc_copy2);
                    enc.s_shape.last_gain_index = ctrl.last_gain_index_prev;
                    let st = &mut enc.s_cmn;
                    for i in 0..nb_subfr {
                        st.indices.gains_indices[i] = 4;
                    }
                    if cond_coding != CondCoding::Conditionally {
                        st.indices.gains_indices[0] = ctrl.last_gain_index_prev;
                    }
                    st.ec_prev_lag_index = ec_prev_lag_index_copy;
                    st.ec_prev_signal_type = ec_prev_signal_type_copy;
                    st.pulses[..fl].fill(0);
                    encode_indices(st, enc_rc, fe, false, cond_coding);
                    encode_pulses(
                        enc_rc,
                        st.indices.signal_type as i32,
                        st.indices.quant_offset_type as i32,
                        &mut st.pulses,
                        fl,
                    );
                    nb = enc_rc.tell();
                }
                n_bits = nb;
                if !use_cbr && iter == 0 && n_bits <= max_bits {
                    break;
                }
            }

            if iter == max_iter {
                if found_lower && (gains_id_cur == gains_id_lower || n_bits > max_bits) {
                    // Restore the last frame that fit.
                    enc_rc.restore(&rc_copy2);
                    let offs = enc_rc.range_bytes() as usize;
                    let n = offs.min(MAX_PACKET_BYTES);
                    enc_rc.buffer_mut()[..n].copy_from_slice(&ec_buf_copy[..n]);
                    enc.s_cmn.s_nsq.clone_from(&nsq_copy1);
                    enc.s_shape.last_gain_index = last_gain_index_copy2;
                }
                break;
            }

            if n_bits > max_bits {
                if !found_lower && iter >= 2 {
                    // Raise lambda and try the lower offset before shrinking gains further.
                    ctrl.lambda = (ctrl.lambda * 1.5f32).max(1.5f32);
                    enc.s_cmn.indices.quant_offset_type = 0;
                    found_upper = false;
                    gains_id_upper = -1;
                } else {
                    found_upper = true;
                    n_bits_upper = n_bits;
                    gain_mult_upper = gain_mult_q8;
                    gains_id_upper = gains_id_cur;
                }
            } else if n_bits < max_bits - bits_margin {
                found_lower = true;
                n_bits_lower = n_bits;
                gain_mult_lower = gain_mult_q8;
                if gains_id_cur != gains_id_lower {
                    gains_id_lower = gains_id_cur;
                    rc_copy2 = enc_rc.snapshot();
                    let offs = (enc_rc.range_bytes() as usize).min(MAX_PACKET_BYTES);
                    ec_buf_copy[..offs].copy_from_slice(&enc_rc.buffer()[..offs]);
                    nsq_copy1.clone_from(&enc.s_cmn.s_nsq);
                    last_gain_index_copy2 = enc.s_shape.last_gain_index;
                }
            } else {
                break;
            }

            if !found_lower && n_bits > max_bits {
                for i in 0..nb_subfr {
                    let mut sum = 0i32;
                    for j in i * sl..(i + 1) * sl {
                        sum += (enc.s_cmn.pulses[j] as i32).abs();
                    }
                    if iter == 0 || (sum < best_sum[i] && !gain_lock[i]) {
                        best_sum[i] = sum;
                        best_gain_mult[i] = gain_mult_q8;
                    } else {
                        gain_lock[i] = true;
                    }
                }
            }

            if !(found_lower && found_upper) {
                if n_bits > max_bits {
                    gain_mult_q8 = 1024.min(gain_mult_q8 * 3 / 2);
                } else {
                    gain_mult_q8 = 64.max(gain_mult_q8 * 4 / 5);
                }
            } else {
                gain_mult_q8 = gain_mult_lower
                    + ((gain_mult_upper - gain_mult_lower) * (max_bits - n_bits_lower))
                        / (n_bits_upper - n_bits_lower);
                let hi = gain_mult_lower + ((gain_mult_upper - gain_mult_lower) >> 2);
                let lo = gain_mult_upper - ((gain_mult_upper - gain_mult_lower) >> 2);
                if gain_mult_q8 > hi {
                    gain_mult_q8 = hi;
                } else if gain_mult_q8 < lo {
                    gain_mult_q8 = lo;
                }
            }
            // The multiplier is a 16-bit value in libopus.
            gain_mult_q8 = gain_mult_q8 as i16 as i32;

            let mut p_gains_q16 = [0i32; MAX_NB_SUBFR];
            for i in 0..nb_subfr {
                let tmp = if gain_lock[i] { best_gain_mult[i] } else { gain_mult_q8 };
                p_gains_q16[i] = lshift_sat32(smulwb(ctrl.gains_unq_q16[i], tmp), 8);
            }
            enc.s_shape.last_gain_index = ctrl.last_gain_index_prev;
            gains_quant(
                &mut enc.s_cmn.indices.gains_indices,
                &mut p_gains_q16,
                &mut enc.s_shape.last_gain_index,
                cond_coding == CondCoding::Conditionally,
                nb_subfr,
            );
            gains_id_cur = gains_id(&enc.s_cmn.indices.gains_indices, nb_subfr);
            for i in 0..nb_subfr {
                ctrl.gains[i] = p_gains_q16[i] as f32 / 65536.0f32;
            }
            iter += 1;
        }
    }

    // Shift the analysis buffer by one frame.
    let keep = lm + LA_SHAPE_MS * fs_khz;
    enc.x_buf.copy_within(fl..fl + keep, 0);

    if enc.s_cmn.prefill_flag {
        return Ok(0);
    }
    let st = &mut enc.s_cmn;
    st.prev_lag = ctrl.pitch_l[st.nb_subfr - 1];
    st.prev_signal_type = st.indices.signal_type;
    st.first_frame_after_reset = false;
    Ok((enc_rc.tell() + 7) >> 3)
}

//! SILK packet-loss concealment (RFC 6716 section 4.4; libopus `silk/PLC.c`).
//!
//! On every good frame [`plc`] records what concealment needs: the pitch lag
//! and LTP taps of the last voiced subframe with a pitch pulse, the LPC
//! filter, the LTP scaling and the last two gains. On a lost frame it builds
//! an excitation from the previous frame's (pitch-repeated for voiced
//! speech, random for the rest), fades it out with every further loss, and
//! runs it through the bandwidth-expanded LPC filter. [`plc_glue_frames`]
//! then smooths the step back to decoded audio.
//!
//! libopus compiled with deep PLC can hand the concealment of 16 kHz audio
//! to a neural model. Here that model sits behind the [`DeepPlc`] trait,
//! which a later crate implements; opus-core does not depend on it. Our
//! reference build has deep PLC compiled in, which also changes the classic
//! path: at 16 kHz the energy fade-in after a loss is skipped even when no
//! model is loaded. [`plc_glue_frames`] does the same.

use super::decode_core::lpc_analysis_filter;
use super::fixed::{
    add_sat32, clz32, div32, fix_const, inverse32_varq, lshift, lshift_sat32, rand, rshift_round,
    sat16, smlawb, smulbb, smulwb, smulww, sqrt_approx, sum_sqr_shift,
};
use super::nlsf::{bwexpander, lpc_inverse_pred_gain};
use super::structs::{
    DecoderControl, DecoderState, LTP_MEM_LENGTH_MS, LTP_ORDER, MAX_FRAME_LENGTH, MAX_FS_KHZ,
    MAX_LPC_ORDER, MAX_NB_SUBFR, MAX_SUB_FRAME_LENGTH, TYPE_VOICED,
};

/// Neural packet-loss concealment, as libopus's `LPCNetPLCState` is used by
/// SILK under `ENABLE_DEEP_PLC`.
///
/// SILK feeds it 10 ms blocks (160 samples at 16 kHz) of good audio and,
/// when a frame is lost and the model is active, asks it for 10 ms blocks of
/// concealment. It is only consulted at a 16 kHz internal rate, and only for
/// the first SILK channel.
pub trait DeepPlc {
    /// Whether a model is loaded (libopus `lpcnet->loaded`). Without one the
    /// classic concealment runs and [`update`](Self::update) still receives
    /// every block.
    fn is_loaded(&self) -> bool;

    /// Whether decoded DRED features wait to be used (libopus
    /// `lpcnet->fec_fill_pos != 0`); the model then conceals even when deep
    /// PLC is disabled by the complexity setting.
    fn has_pending_fec(&self) -> bool;

    /// Records 10 ms of good (or classically concealed) audio (libopus
    /// `lpcnet_plc_update`). `pcm` holds 160 samples.
    fn update(&mut self, pcm: &[i16]);

    /// Replaces 10 ms of audio with neural concealment (libopus
    /// `lpcnet_plc_conceal`). `pcm` holds 160 samples.
    fn conceal(&mut self, pcm: &mut [i16]);
}

/// Bandwidth expansion applied to the last LPC filter on loss (libopus `BWE_COEF`, Q16).
const BWE_COEF_Q16: i32 = fix_const(0.99, 16);
/// Lowest LTP gain at the start of voiced concealment, Q14 (0.7).
const V_PITCH_GAIN_START_MIN_Q14: i32 = 11469;
/// Highest LTP gain at the start of voiced concealment, Q14 (0.95).
const V_PITCH_GAIN_START_MAX_Q14: i32 = 15565;
/// Longest pitch lag the concealment drifts to, ms.
const MAX_PITCH_LAG_MS: i32 = 18;
/// Span of past excitation the noise is drawn from, samples.
const RAND_BUF_SIZE: usize = 128;
/// Mask for indices into that span.
const RAND_BUF_MASK: i32 = RAND_BUF_SIZE as i32 - 1;
/// Upper bound of the LPC gain that reduces the noise of unvoiced concealment, log2 (8 dB).
const LOG2_INV_LPC_GAIN_HIGH_THRES: i32 = 3;
/// Lower bound of the same, log2 (24 dB).
const LOG2_INV_LPC_GAIN_LOW_THRES: i32 = 8;
/// Pitch lag growth per concealed subframe, Q16 (1 %).
const PITCH_DRIFT_FAC_Q16: i32 = 655;

/// Number of attenuation steps (first loss, later losses).
const NB_ATT: usize = 2;
/// Harmonic (LTP) attenuation per subframe, Q15: 0.99, 0.95.
const HARM_ATT_Q15: [i32; NB_ATT] = [32440, 31130];
/// Noise attenuation per subframe after voiced frames, Q15: 0.95, 0.8.
const PLC_RAND_ATTENUATE_V_Q15: [i32; NB_ATT] = [31130, 26214];
/// Noise attenuation per subframe after unvoiced frames, Q15: 0.99, 0.9.
const PLC_RAND_ATTENUATE_UV_Q15: [i32; NB_ATT] = [32440, 29491];

/// Samples per block exchanged with [`DeepPlc`]: 10 ms at 16 kHz.
const DEEP_PLC_BLOCK: usize = 160;
/// Longest LTP memory, samples.
const MAX_LTP_MEM_LENGTH: usize = LTP_MEM_LENGTH_MS * MAX_FS_KHZ;

/// Resets the concealment state for the current frame length (libopus
/// `silk_PLC_Reset`).
pub fn plc_reset(st: &mut DecoderState) {
    st.plc.pitch_l_q8 = lshift(st.frame_length as i32, 8 - 1);
    st.plc.prev_gain_q16 = [1 << 16; 2];
    st.plc.subfr_length = 20;
    st.plc.nb_subfr = 2;
}

/// Updates the concealment state from a good frame (`lost == false`) or
/// conceals a lost one into `frame[..st.frame_length]` (`lost == true`)
/// (libopus `silk_PLC`).
///
/// `ctrl` holds the good frame's parameters; on loss its pitch lags are set
/// to the concealment lag. `deep_plc` is the neural seam (libopus passes its
/// `LPCNetPLCState` for the first channel only); with `None`, or with no
/// model loaded, this is classic SILK concealment.
pub fn plc(
    st: &mut DecoderState,
    ctrl: &mut DecoderControl,
    frame: &mut [i16],
    lost: bool,
    deep_plc: Option<&mut dyn DeepPlc>,
) {
    if st.fs_khz != st.plc.fs_khz {
        plc_reset(st);
        st.plc.fs_khz = st.fs_khz;
    }
    if lost {
        plc_conceal(st, ctrl, frame, deep_plc);
        st.loss_cnt += 1;
    } else {
        plc_update(st, ctrl);
        if let Some(model) = deep_plc {
            if st.plc.fs_khz == 16 {
                feed_deep_plc(model, st, frame);
            }
        }
    }
}

/// Hands a frame to the neural model in 10 ms blocks.
fn feed_deep_plc(model: &mut dyn DeepPlc, st: &DecoderState, frame: &[i16]) {
    let sub = st.subfr_length;
    for k in (0..st.nb_subfr).step_by(2) {
        if let Some(block) = frame.get(k * sub..k * sub + DEEP_PLC_BLOCK) {
            model.update(block);
        }
    }
}

/// Records the parameters of a good frame (libopus `silk_PLC_update`).
fn plc_update(st: &mut DecoderState, ctrl: &DecoderControl) {
    let nb_subfr = st.nb_subfr.clamp(1, MAX_NB_SUBFR);
    let plc = &mut st.plc;
    st.prev_signal_type = st.indices.signal_type as i32;
    let mut ltp_gain_q14: i32 = 0;
    if st.indices.signal_type as i32 == TYPE_VOICED {
        // Walk back from the last subframe while it lies within one pitch
        // period of the frame end, keeping the taps with the largest sum.
        let mut j = 0;
        while j * st.subfr_length < ctrl.pitch_l[nb_subfr - 1].max(0) as usize {
            if j == nb_subfr {
                break;
            }
            let sf = nb_subfr - 1 - j;
            let taps = &ctrl.ltp_coef_q14[sf * LTP_ORDER..(sf + 1) * LTP_ORDER];
            let temp_ltp_gain_q14: i32 = taps.iter().map(|&t| t as i32).sum();
            if temp_ltp_gain_q14 > ltp_gain_q14 {
                ltp_gain_q14 = temp_ltp_gain_q14;
                plc.ltp_coef_q14.copy_from_slice(taps);
                plc.pitch_l_q8 = lshift(ctrl.pitch_l[sf], 8);
            }
            j += 1;
        }
        // Concealment uses a single centre tap carrying the whole gain.
        plc.ltp_coef_q14 = [0; LTP_ORDER];
        plc.ltp_coef_q14[LTP_ORDER / 2] = ltp_gain_q14 as i16;

        // Keep the gain between 0.7 and 0.95.
        if ltp_gain_q14 < V_PITCH_GAIN_START_MIN_Q14 {
            let scale_q10 = div32(V_PITCH_GAIN_START_MIN_Q14 << 10, ltp_gain_q14.max(1));
            for c in plc.ltp_coef_q14.iter_mut() {
                *c = (smulbb(*c as i32, scale_q10) >> 10) as i16;
            }
        } else if ltp_gain_q14 > V_PITCH_GAIN_START_MAX_Q14 {
            let scale_q14 = div32(V_PITCH_GAIN_START_MAX_Q14 << 14, ltp_gain_q14.max(1));
            for c in plc.ltp_coef_q14.iter_mut() {
                *c = (smulbb(*c as i32, scale_q14) >> 14) as i16;
            }
        }
    } else {
        plc.pitch_l_q8 = lshift(smulbb(st.fs_khz, 18), 8);
        plc.ltp_coef_q14 = [0; LTP_ORDER];
    }

    let order = st.lpc_order.min(MAX_LPC_ORDER);
    plc.prev_lpc_q12[..order].copy_from_slice(&ctrl.pred_coef_q12[1][..order]);
    plc.prev_ltp_scale_q14 = ctrl.ltp_scale_q14 as i16;
    plc.prev_gain_q16.copy_from_slice(&ctrl.gains_q16[nb_subfr.max(2) - 2..nb_subfr.max(2)]);
    plc.subfr_length = st.subfr_length;
    plc.nb_subfr = st.nb_subfr;
}

/// Energies of the last two subframes of excitation, scaled by their gains
/// (libopus `silk_PLC_energy`): `(energy1, shift1, energy2, shift2)`.
fn plc_energy(st: &DecoderState, prev_gain_q10: &[i32; 2]) -> (i32, i32, i32, i32) {
    let sub = st.subfr_length.min(MAX_SUB_FRAME_LENGTH);
    let nb_subfr = st.nb_subfr.max(2);
    let mut exc_buf = [0i16; 2 * MAX_SUB_FRAME_LENGTH];
    for k in 0..2 {
        let start = (k + nb_subfr - 2) * sub;
        for i in 0..sub {
            let e = st.exc_q14.get(start + i).copied().unwrap_or(0);
            exc_buf[k * sub + i] = sat16(smulww(e, prev_gain_q10[k]) >> 8);
        }
    }
    let (energy1, shift1) = sum_sqr_shift(&exc_buf[..sub]);
    let (energy2, shift2) = sum_sqr_shift(&exc_buf[sub..2 * sub]);
    (energy1, shift1, energy2, shift2)
}

/// Synthesises one lost frame (libopus `silk_PLC_conceal`).
fn plc_conceal(
    st: &mut DecoderState,
    ctrl: &mut DecoderControl,
    frame: &mut [i16],
    deep_plc: Option<&mut dyn DeepPlc>,
) {
    let ltp_mem_length = st.ltp_mem_length.min(MAX_LTP_MEM_LENGTH);
    let frame_length = st.frame_length.min(MAX_FRAME_LENGTH).min(frame.len());
    let order = st.lpc_order.min(MAX_LPC_ORDER);
    let sub = st.subfr_length;
    // LTP state in Q14: the re-whitened history followed by the new frame.
    let mut s_ltp_q14 = [0i32; MAX_LTP_MEM_LENGTH + MAX_FRAME_LENGTH];
    // The re-whitened history as 16-bit samples.
    let mut s_ltp = [0i16; MAX_LTP_MEM_LENGTH];

    let prev_gain_q10 = [st.plc.prev_gain_q16[0] >> 6, st.plc.prev_gain_q16[1] >> 6];

    if st.first_frame_after_reset {
        st.plc.prev_lpc_q12 = [0; MAX_LPC_ORDER];
    }

    // Draw the noise from whichever of the last two subframes is quieter.
    let (energy1, shift1, energy2, shift2) = plc_energy(st, &prev_gain_q10);
    let rand_offset = if (energy1 >> shift2) < (energy2 >> shift1) {
        ((st.plc.nb_subfr.saturating_sub(1)) * st.plc.subfr_length).saturating_sub(RAND_BUF_SIZE)
    } else {
        (st.plc.nb_subfr * st.plc.subfr_length).saturating_sub(RAND_BUF_SIZE)
    };
    let rand_offset = rand_offset.min(MAX_FRAME_LENGTH - RAND_BUF_SIZE);

    let mut rand_scale_q14 = st.plc.rand_scale_q14;

    // Attenuation for this loss count.
    let att = (st.loss_cnt.max(0) as usize).min(NB_ATT - 1);
    let harm_gain_q15 = HARM_ATT_Q15[att];
    let mut rand_gain_q15 = if st.prev_signal_type == TYPE_VOICED {
        PLC_RAND_ATTENUATE_V_Q15[att]
    } else {
        PLC_RAND_ATTENUATE_UV_Q15[att]
    };

    // Widen the bandwidth of the last good LPC filter.
    if order > 0 {
        bwexpander(&mut st.plc.prev_lpc_q12[..order], BWE_COEF_Q16);
    }
    let mut a_q12 = [0i16; MAX_LPC_ORDER];
    a_q12[..order].copy_from_slice(&st.plc.prev_lpc_q12[..order]);

    // First lost frame: set the noise level.
    if st.loss_cnt == 0 {
        rand_scale_q14 = 1 << 14;
        if st.prev_signal_type == TYPE_VOICED {
            // Less noise where the pitch predictor carries the signal.
            let mut scale = rand_scale_q14 as i32;
            for &b in st.plc.ltp_coef_q14.iter() {
                scale = (scale - b as i32) as i16 as i32;
            }
            let scale = scale.max(3277) as i16;
            rand_scale_q14 = (smulbb(scale as i32, st.plc.prev_ltp_scale_q14 as i32) >> 14) as i16;
        } else {
            // Less noise behind a filter with high prediction gain.
            let inv_gain_q30 = lpc_inverse_pred_gain(&st.plc.prev_lpc_q12[..order]);
            let mut down_scale_q30 = ((1i32 << 30) >> LOG2_INV_LPC_GAIN_HIGH_THRES).min(inv_gain_q30);
            down_scale_q30 = ((1i32 << 30) >> LOG2_INV_LPC_GAIN_LOW_THRES).max(down_scale_q30);
            down_scale_q30 = lshift(down_scale_q30, LOG2_INV_LPC_GAIN_HIGH_THRES);
            rand_gain_q15 = smulwb(down_scale_q30, rand_gain_q15) >> 14;
        }
    }

    let mut rand_seed = st.plc.rand_seed;
    let mut lag = rshift_round(st.plc.pitch_l_q8, 8);
    let mut s_ltp_buf_idx = ltp_mem_length;

    // Re-whiten the output history with the concealment filter.
    let idx = (ltp_mem_length as i32 - lag - order as i32 - (LTP_ORDER / 2) as i32).max(0) as usize;
    if ltp_mem_length > idx + order && order >= 6 {
        lpc_analysis_filter(
            &mut s_ltp[idx..ltp_mem_length],
            &st.out_buf[idx..ltp_mem_length],
            &a_q12[..order],
            ltp_mem_length - idx,
            order,
        );
    }
    // Scale it to the excitation domain of the last gain.
    let mut inv_gain_q30 = inverse32_varq(nonzero(st.plc.prev_gain_q16[1]), 46);
    inv_gain_q30 = inv_gain_q30.min(i32::MAX >> 1);
    for i in (idx + order)..ltp_mem_length {
        s_ltp_q14[i] = smulwb(inv_gain_q30, s_ltp[i] as i32);
    }

    // LTP synthesis: pitch repetition plus noise, fading per subframe.
    let nb_subfr = st.nb_subfr.min(MAX_NB_SUBFR);
    for _ in 0..nb_subfr {
        let b_q14 = st.plc.ltp_coef_q14;
        for _ in 0..sub {
            // Centre of the five taps, two samples ahead of `lag` back.
            let centre = s_ltp_buf_idx as i32 - lag + (LTP_ORDER / 2) as i32;
            let tap = |k: i32| -> i32 {
                usize::try_from(centre - k).ok().and_then(|p| s_ltp_q14.get(p)).copied().unwrap_or(0)
            };
            // Start at 2 to offset the downward bias of smlawb.
            let mut ltp_pred_q12: i32 = 2;
            for (k, &b) in b_q14.iter().enumerate() {
                ltp_pred_q12 = smlawb(ltp_pred_q12, tap(k as i32), b as i32);
            }
            rand_seed = rand(rand_seed);
            let r = ((rand_seed >> 25) & RAND_BUF_MASK) as usize;
            let noise = st.exc_q14[rand_offset + r];
            if let Some(dst) = s_ltp_q14.get_mut(s_ltp_buf_idx) {
                *dst = lshift(smlawb(ltp_pred_q12, noise, rand_scale_q14 as i32), 2);
            }
            s_ltp_buf_idx += 1;
        }
        // Fade the harmonic and the noise parts.
        for b in st.plc.ltp_coef_q14.iter_mut() {
            *b = (smulbb(harm_gain_q15, *b as i32) >> 15) as i16;
        }
        rand_scale_q14 = (smulbb(rand_scale_q14 as i32, rand_gain_q15) >> 15) as i16;
        // Let the pitch drift slowly downward in frequency.
        st.plc.pitch_l_q8 = smlawb(st.plc.pitch_l_q8, st.plc.pitch_l_q8, PITCH_DRIFT_FAC_Q16);
        st.plc.pitch_l_q8 = st.plc.pitch_l_q8.min(lshift(smulbb(MAX_PITCH_LAG_MS, st.fs_khz), 8));
        lag = rshift_round(st.plc.pitch_l_q8, 8);
    }

    // LPC synthesis over the frame, from the saved filter memory.
    let lpc_base = ltp_mem_length.saturating_sub(MAX_LPC_ORDER);
    let s_lpc_q14 = &mut s_ltp_q14[lpc_base..];
    s_lpc_q14[..MAX_LPC_ORDER].copy_from_slice(&st.slpc_q14_buf);
    for i in 0..frame_length {
        // Start at order/2 to offset the downward bias of smlawb.
        let mut lpc_pred_q10 = (order >> 1) as i32;
        for (j, &a) in a_q12[..order].iter().enumerate() {
            lpc_pred_q10 = smlawb(lpc_pred_q10, s_lpc_q14[MAX_LPC_ORDER + i - j - 1], a as i32);
        }
        s_lpc_q14[MAX_LPC_ORDER + i] =
            add_sat32(s_lpc_q14[MAX_LPC_ORDER + i], lshift_sat32(lpc_pred_q10, 4));
        frame[i] = sat16(rshift_round(smulww(s_lpc_q14[MAX_LPC_ORDER + i], prev_gain_q10[1]), 8));
    }

    // Neural concealment at 16 kHz, when a model is loaded.
    if let Some(model) = deep_plc {
        if model.is_loaded() && st.plc.fs_khz == 16 {
            let run_deep_plc = st.plc.enable_deep_plc || model.has_pending_fec();
            if run_deep_plc {
                for k in (0..st.nb_subfr).step_by(2) {
                    if let Some(block) = frame.get_mut(k * sub..k * sub + DEEP_PLC_BLOCK) {
                        model.conceal(block);
                    }
                }
                // Re-derive the filter memory from the neural output, in
                // single precision then rounded in double, as libopus does.
                let gain = prev_gain_q10[1] as f32;
                for i in 0..frame_length {
                    let v = frame[i] as f32 * (1u32 << 24) as f32 / gain;
                    s_lpc_q14[MAX_LPC_ORDER + i] = (0.5f64 + v as f64).floor() as i32;
                }
            } else {
                for k in (0..st.nb_subfr).step_by(2) {
                    if let Some(block) = frame.get(k * sub..k * sub + DEEP_PLC_BLOCK) {
                        model.update(block);
                    }
                }
            }
        }
    }

    st.slpc_q14_buf.copy_from_slice(&s_lpc_q14[frame_length..frame_length + MAX_LPC_ORDER]);

    st.plc.rand_seed = rand_seed;
    st.plc.rand_scale_q14 = rand_scale_q14;
    ctrl.pitch_l = [lag; MAX_NB_SUBFR];
}

/// `b`, or 1 if `b` is 0, so that reciprocals stay defined on states libopus
/// never reaches.
fn nonzero(b: i32) -> i32 {
    if b == 0 {
        1
    } else {
        b
    }
}

/// Smooths the transition from concealed to decoded audio (libopus
/// `silk_PLC_glue_frames`), on `frame[..st.frame_length]`.
///
/// After a loss, a good frame louder than the concealment is faded in from
/// the concealment's level. As in a libopus build with deep PLC, the fade is
/// skipped at a 16 kHz internal rate.
pub fn plc_glue_frames(st: &mut DecoderState, frame: &mut [i16]) {
    let length = st.frame_length.min(frame.len());
    let frame = &mut frame[..length];
    let plc = &mut st.plc;
    if st.loss_cnt != 0 {
        // Remember the energy of the concealed frame.
        let (energy, shift) = sum_sqr_shift(frame);
        plc.conc_energy = energy;
        plc.conc_energy_shift = shift;
        plc.last_frame_lost = true;
    } else {
        if plc.last_frame_lost {
            let (mut energy, energy_shift) = sum_sqr_shift(frame);
            // Bring both energies to the same shift.
            if energy_shift > plc.conc_energy_shift {
                plc.conc_energy >>= (energy_shift - plc.conc_energy_shift).min(31);
            } else if energy_shift < plc.conc_energy_shift {
                energy >>= (plc.conc_energy_shift - energy_shift).min(31);
            }
            if energy > plc.conc_energy {
                let lz = clz32(plc.conc_energy) - 1;
                plc.conc_energy = lshift(plc.conc_energy, lz.clamp(0, 31));
                energy >>= (24 - lz).max(0);
                let frac_q24 = div32(plc.conc_energy, energy.max(1));
                let mut gain_q16 = lshift(sqrt_approx(frac_q24), 4);
                let mut slope_q16 = div32((1 << 16) - gain_q16, length.max(1) as i32);
                // Four times steeper, so onsets after DTX are not lost.
                slope_q16 = lshift(slope_q16, 2);
                if plc.fs_khz != 16 {
                    for x in frame.iter_mut() {
                        *x = smulwb(gain_q16, *x as i32) as i16;
                        gain_q16 += slope_q16;
                        if gain_q16 > 1 << 16 {
                            break;
                        }
                    }
                }
            }
        }
        plc.last_frame_lost = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::silk::structs::TYPE_UNVOICED;

    const RNG_SEED: u32 = 0x5eed_0003;

    fn xorshift(s: &mut u32) -> u32 {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        *s
    }

    fn state(fs_khz: i32, nb_subfr: usize) -> DecoderState {
        let mut st = DecoderState::new();
        st.nb_subfr = nb_subfr;
        st.set_internal_fs(fs_khz);
        st
    }

    fn energy(x: &[i16]) -> f64 {
        x.iter().map(|&v| (v as f64).powi(2)).sum()
    }

    /// A state after one good frame of noise-like excitation with a mild
    /// LPC filter and, if `voiced`, a strong pitch predictor.
    fn primed(fs_khz: i32, voiced: bool) -> (DecoderState, DecoderControl) {
        let mut s = RNG_SEED;
        let mut st = state(fs_khz, 4);
        for e in st.exc_q14.iter_mut() {
            *e = ((xorshift(&mut s) as i32) >> 12) * 8;
        }
        for o in st.out_buf.iter_mut() {
            *o = (xorshift(&mut s) as i16) >> 3;
        }
        let mut ctrl = DecoderControl::default();
        ctrl.gains_q16 = [1 << 16; 4];
        ctrl.pred_coef_q12[1][0] = 2000;
        ctrl.pred_coef_q12[1][1] = -800;
        ctrl.ltp_scale_q14 = 1 << 14;
        ctrl.pitch_l = [5 * fs_khz; 4];
        if voiced {
            for sf in 0..4 {
                ctrl.ltp_coef_q14[sf * LTP_ORDER + 2] = 12000;
            }
            st.indices.signal_type = TYPE_VOICED as i8;
        } else {
            st.indices.signal_type = TYPE_UNVOICED as i8;
        }
        let mut frame = vec![0i16; st.frame_length];
        plc(&mut st, &mut ctrl, &mut frame, false, None);
        st.prev_signal_type = st.indices.signal_type as i32;
        st.first_frame_after_reset = false;
        (st, ctrl)
    }

    #[test]
    fn reset_sets_libopus_defaults() {
        let mut st = state(16, 4);
        plc_reset(&mut st);
        assert_eq!(st.plc.pitch_l_q8, 160 << 8);
        assert_eq!(st.plc.prev_gain_q16, [65536, 65536]);
        assert_eq!((st.plc.nb_subfr, st.plc.subfr_length), (2, 20));
    }

    #[test]
    fn silence_stays_silent() {
        for fs in [8, 12, 16] {
            for nb in [2, 4] {
                let mut st = state(fs, nb);
                let mut ctrl = DecoderControl::default();
                for _ in 0..10 {
                    let mut frame = vec![0i16; st.frame_length];
                    plc(&mut st, &mut ctrl, &mut frame, true, None);
                    plc_glue_frames(&mut st, &mut frame);
                    assert!(frame.iter().all(|&x| x == 0), "fs {fs} nb {nb}");
                }
            }
        }
    }

    #[test]
    fn repeated_losses_decay() {
        for fs in [8, 12, 16] {
            for voiced in [false, true] {
                let (mut st, mut ctrl) = primed(fs, voiced);
                let mut energies = Vec::new();
                for _ in 0..12 {
                    let mut frame = vec![0i16; st.frame_length];
                    plc(&mut st, &mut ctrl, &mut frame, true, None);
                    energies.push(energy(&frame));
                }
                assert!(energies[0] > 0.0, "fs {fs} voiced {voiced}: silent concealment");
                let last = *energies.last().unwrap();
                assert!(last < energies[0] / 50.0, "fs {fs} voiced {voiced}: {energies:?}");
                assert!(energies[1..].windows(2).all(|w| w[1] <= w[0]), "fs {fs} voiced {voiced}: {energies:?}");
                assert_eq!(st.loss_cnt, 12);
                assert_eq!(ctrl.pitch_l[0], ctrl.pitch_l[3]);
            }
        }
    }

    #[test]
    fn concealment_is_deterministic() {
        let (mut a, mut ca) = primed(12, true);
        let (mut b, mut cb) = primed(12, true);
        for _ in 0..4 {
            let (mut fa, mut fb) = (vec![0i16; a.frame_length], vec![0i16; b.frame_length]);
            plc(&mut a, &mut ca, &mut fa, true, None);
            plc(&mut b, &mut cb, &mut fb, true, None);
            assert_eq!(fa, fb);
        }
    }

    /// The fade-in after a loss runs at 8 and 12 kHz and, as in a build with
    /// deep PLC, not at 16 kHz.
    #[test]
    fn glue_fades_in_except_at_16_khz() {
        for fs in [8, 12, 16] {
            let mut st = state(fs, 4);
            st.plc.fs_khz = fs;
            // A quiet concealed frame...
            st.loss_cnt = 1;
            let mut quiet = vec![10i16; st.frame_length];
            plc_glue_frames(&mut st, &mut quiet);
            assert!(st.plc.last_frame_lost);
            // ...followed by a loud good one.
            st.loss_cnt = 0;
            let mut loud = vec![10000i16; st.frame_length];
            plc_glue_frames(&mut st, &mut loud);
            assert!(!st.plc.last_frame_lost);
            if fs == 16 {
                assert!(loud.iter().all(|&x| x == 10000));
            } else {
                assert!(loud[0] < 1000, "fs {fs}: no fade ({})", loud[0]);
                assert_eq!(*loud.last().unwrap(), 10000);
            }
        }
    }

    #[derive(Default)]
    struct MockModel {
        loaded: bool,
        updates: usize,
        conceals: usize,
    }

    impl DeepPlc for MockModel {
        fn is_loaded(&self) -> bool {
            self.loaded
        }
        fn has_pending_fec(&self) -> bool {
            false
        }
        fn update(&mut self, pcm: &[i16]) {
            assert_eq!(pcm.len(), DEEP_PLC_BLOCK);
            self.updates += 1;
        }
        fn conceal(&mut self, pcm: &mut [i16]) {
            assert_eq!(pcm.len(), DEEP_PLC_BLOCK);
            pcm.fill(123);
            self.conceals += 1;
        }
    }

    #[test]
    fn deep_plc_seam() {
        // Good 20 ms frames at 16 kHz feed two 10 ms blocks each.
        let (mut st, mut ctrl) = primed(16, false);
        let mut model = MockModel::default();
        let mut frame = vec![0i16; st.frame_length];
        plc(&mut st, &mut ctrl, &mut frame, false, Some(&mut model));
        assert_eq!(model.updates, 2);
        // No model loaded: classic concealment, nothing fed.
        plc(&mut st, &mut ctrl, &mut frame, true, Some(&mut model));
        assert_eq!((model.updates, model.conceals), (2, 0));
        // Loaded but disabled: classic output is fed back.
        model.loaded = true;
        plc(&mut st, &mut ctrl, &mut frame, true, Some(&mut model));
        assert_eq!((model.updates, model.conceals), (4, 0));
        assert!(frame.iter().any(|&x| x != 123));
        // Loaded and enabled: the model writes the frame.
        st.plc.enable_deep_plc = true;
        plc(&mut st, &mut ctrl, &mut frame, true, Some(&mut model));
        assert_eq!(model.conceals, 2);
        assert!(frame.iter().all(|&x| x == 123));
        // Other rates never reach the model.
        let (mut st8, mut ctrl8) = primed(8, false);
        st8.plc.enable_deep_plc = true;
        let mut model8 = MockModel { loaded: true, ..Default::default() };
        let mut frame8 = vec![0i16; st8.frame_length];
        plc(&mut st8, &mut ctrl8, &mut frame8, false, Some(&mut model8));
        plc(&mut st8, &mut ctrl8, &mut frame8, true, Some(&mut model8));
        assert_eq!((model8.updates, model8.conceals), (0, 0));
    }
}

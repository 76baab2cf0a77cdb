//! Input filters of the encoder: the pitch-adaptive high-pass cut-off
//! (libopus `silk/HP_variable_cutoff.c`), the low-pass that smooths
//! internal bandwidth switches (`silk/LP_variable_cutoff.c`) and the
//! second-order section both use (`silk/biquad_alt.c`).

use super::super::fixed::{
    fix_const, limit, lin2log, rshift_round, sat16, smlawb, smulbb, smulwb,
};
use super::super::structs::TYPE_VOICED;
use super::structs::{
    EncoderState, LpState, TRANSITION_FRAMES, TRANSITION_INT_NUM, TRANSITION_NA, TRANSITION_NB,
    VARIABLE_HP_MAX_CUTOFF_HZ, VARIABLE_HP_MAX_DELTA_FREQ, VARIABLE_HP_MIN_CUTOFF_HZ,
    VARIABLE_HP_SMTH_COEF1,
};

/// Numerators of the transition low-pass at its interpolation points, Q28
/// (libopus `silk_Transition_LP_B_Q28`).
#[rustfmt::skip]
pub const TRANSITION_LP_B_Q28: [[i32; TRANSITION_NB]; TRANSITION_INT_NUM] = [
    [250767114, 501534038, 250767114],
    [209867381, 419732057, 209867381],
    [170987846, 341967853, 170987846],
    [131531482, 263046905, 131531482],
    [ 89306658, 178584282,  89306658],
];

/// Denominators of the transition low-pass, Q28 (libopus `silk_Transition_LP_A_Q28`).
#[rustfmt::skip]
pub const TRANSITION_LP_A_Q28: [[i32; TRANSITION_NA]; TRANSITION_INT_NUM] = [
    [506393414, 239854379],
    [411067935, 169683996],
    [306733530, 116694253],
    [185807084,  77959395],
    [ 35497197,  57401098],
];

/// Second-order IIR section in transposed direct form II with the feedback
/// coefficients split in two 14-bit halves for precision (libopus
/// `silk_biquad_alt_stride1`). Works in place when `input` and `out` are
/// the same samples, so it takes one buffer.
pub fn biquad_alt_stride1(io: &mut [i16], b_q28: &[i32; 3], a_q28: &[i32; 2], s: &mut [i32; 2], len: usize) {
    let a0_l_q28 = (-a_q28[0]) & 0x3FFF;
    let a0_u_q28 = (-a_q28[0]) >> 14;
    let a1_l_q28 = (-a_q28[1]) & 0x3FFF;
    let a1_u_q28 = (-a_q28[1]) >> 14;
    for v in io.iter_mut().take(len) {
        let inval = *v as i32;
        let out32_q14 = smlawb(s[0], b_q28[0], inval) << 2;
        s[0] = s[1] + rshift_round(smulwb(out32_q14, a0_l_q28), 14);
        s[0] = smlawb(s[0], out32_q14, a0_u_q28);
        s[0] = smlawb(s[0], b_q28[1], inval);
        s[1] = rshift_round(smulwb(out32_q14, a1_l_q28), 14);
        s[1] = smlawb(s[1], out32_q14, a1_u_q28);
        s[1] = smlawb(s[1], b_q28[2], inval);
        *v = sat16((out32_q14 + (1 << 14) - 1) >> 14);
    }
}

/// Interpolates the transition filter between two table rows
/// (libopus `silk_LP_interpolate_filter_taps`).
fn lp_interpolate_filter_taps(b_q28: &mut [i32; 3], a_q28: &mut [i32; 2], ind: usize, fac_q16: i32) {
    if ind < TRANSITION_INT_NUM - 1 {
        if fac_q16 > 0 {
            let (lo_b, hi_b) = (&TRANSITION_LP_B_Q28[ind], &TRANSITION_LP_B_Q28[ind + 1]);
            let (lo_a, hi_a) = (&TRANSITION_LP_A_Q28[ind], &TRANSITION_LP_A_Q28[ind + 1]);
            if fac_q16 < 32768 {
                for nb in 0..TRANSITION_NB {
                    b_q28[nb] = smlawb(lo_b[nb], hi_b[nb] - lo_b[nb], fac_q16);
                }
                for na in 0..TRANSITION_NA {
                    a_q28[na] = smlawb(lo_a[na], hi_a[na] - lo_a[na], fac_q16);
                }
            } else {
                for nb in 0..TRANSITION_NB {
                    b_q28[nb] = smlawb(hi_b[nb], hi_b[nb] - lo_b[nb], fac_q16 - (1 << 16));
                }
                for na in 0..TRANSITION_NA {
                    a_q28[na] = smlawb(hi_a[na], hi_a[na] - lo_a[na], fac_q16 - (1 << 16));
                }
            }
        } else {
            *b_q28 = TRANSITION_LP_B_Q28[ind];
            *a_q28 = TRANSITION_LP_A_Q28[ind];
        }
    } else {
        *b_q28 = TRANSITION_LP_B_Q28[TRANSITION_INT_NUM - 1];
        *a_q28 = TRANSITION_LP_A_Q28[TRANSITION_INT_NUM - 1];
    }
}

/// Low-passes a frame with a cut-off that moves during a bandwidth
/// transition (libopus `silk_LP_variable_cutoff`). Does nothing while
/// `lp.mode` is 0.
pub fn lp_variable_cutoff(lp: &mut LpState, frame: &mut [i16], frame_length: usize) {
    if lp.mode != 0 {
        let mut fac_q16 = (TRANSITION_FRAMES - lp.transition_frame_no) << (16 - 6);
        let ind = fac_q16 >> 16;
        fac_q16 -= ind << 16;
        let mut b_q28 = [0i32; TRANSITION_NB];
        let mut a_q28 = [0i32; TRANSITION_NA];
        lp_interpolate_filter_taps(&mut b_q28, &mut a_q28, ind as usize, fac_q16);
        lp.transition_frame_no = limit(lp.transition_frame_no + lp.mode, 0, TRANSITION_FRAMES);
        biquad_alt_stride1(frame, &b_q28, &a_q28, &mut lp.in_lp_state, frame_length);
    }
}

/// Adapts the high-pass cut-off to the pitch of voiced speech (libopus
/// `silk_HP_variable_cutoff`, applied to the first channel's state).
pub fn hp_variable_cutoff(st: &mut EncoderState) {
    if st.prev_signal_type as i32 == TYPE_VOICED {
        let pitch_freq_hz_q16 = ((st.fs_khz * 1000) << 16) / st.prev_lag;
        let mut pitch_freq_log_q7 = lin2log(pitch_freq_hz_q16) - (16 << 7);
        let quality_q15 = st.input_quality_bands_q15[0];
        pitch_freq_log_q7 = smlawb(
            pitch_freq_log_q7,
            smulwb((-quality_q15) << 2, quality_q15),
            pitch_freq_log_q7 - (lin2log(VARIABLE_HP_MIN_CUTOFF_HZ << 16) - (16 << 7)),
        );
        let mut delta_freq_q7 = pitch_freq_log_q7 - (st.variable_hp_smth1_q15 >> 8);
        if delta_freq_q7 < 0 {
            delta_freq_q7 *= 3;
        }
        let max_delta = fix_const(VARIABLE_HP_MAX_DELTA_FREQ as f64, 7);
        delta_freq_q7 = limit(delta_freq_q7, -max_delta, max_delta);
        st.variable_hp_smth1_q15 = smlawb(
            st.variable_hp_smth1_q15,
            smulbb(st.speech_activity_q8, delta_freq_q7),
            fix_const(VARIABLE_HP_SMTH_COEF1 as f64, 16),
        );
        st.variable_hp_smth1_q15 = limit(
            st.variable_hp_smth1_q15,
            lin2log(VARIABLE_HP_MIN_CUTOFF_HZ) << 8,
            lin2log(VARIABLE_HP_MAX_CUTOFF_HZ) << 8,
        );
    }
}

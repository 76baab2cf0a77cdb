//! SILK comfort-noise generation (RFC 6716 section 4.2.7.9 context;
//! libopus `silk/CNG.c`).
//!
//! During frames without voice activity the decoder tracks a smoothed
//! spectral envelope (NLSFs), a smoothed gain and a buffer of recent
//! excitation. When frames are lost it adds noise shaped by that envelope to
//! the concealed output, at the level the smoothed gain calls for minus what
//! the concealment already provides, so that silence does not collapse into
//! digital zero.

use super::fixed::{
    add_sat16, add_sat32, lshift, lshift_sat32, rand, rshift_round, sat16, smlawb, smultt, smulwb,
    smulww, sqrt_approx, sub_lshift32,
};
use super::nlsf::nlsf2a;
use super::structs::{
    DecoderControl, DecoderState, CNG_BUF_MASK_MAX, CNG_GAIN_SMTH_Q16, CNG_GAIN_SMTH_THRESHOLD_Q16,
    CNG_NLSF_SMTH_Q16, CNG_RAND_SEED_INIT, MAX_FRAME_LENGTH, MAX_LPC_ORDER, MAX_NB_SUBFR,
    TYPE_NO_VOICE_ACTIVITY,
};

/// Resets the comfort-noise state for the current LPC order (libopus
/// `silk_CNG_Reset`): NLSFs evenly spread, zero gain, the starting seed.
pub fn cng_reset(st: &mut DecoderState) {
    let order = st.lpc_order.min(MAX_LPC_ORDER);
    let step_q15 = i16::MAX as i32 / (order as i32 + 1);
    let mut acc_q15 = 0;
    for nlsf in st.cng.cng_smth_nlsf_q15[..order].iter_mut() {
        acc_q15 += step_q15;
        *nlsf = acc_q15 as i16;
    }
    st.cng.cng_smth_gain_q16 = 0;
    st.cng.rand_seed = CNG_RAND_SEED_INIT;
}

/// Fills `exc_q14` with excitation samples drawn at random from the start
/// of `exc_buf_q14` (libopus `silk_CNG_exc`).
fn cng_exc(exc_q14: &mut [i32], exc_buf_q14: &[i32; MAX_FRAME_LENGTH], rand_seed: &mut i32) {
    // The largest power-of-two-minus-one mask not above the length.
    let mut exc_mask = CNG_BUF_MASK_MAX;
    while exc_mask > exc_q14.len() as i32 {
        exc_mask >>= 1;
    }
    let mut seed = *rand_seed;
    for e in exc_q14.iter_mut() {
        seed = rand(seed);
        let idx = ((seed >> 24) & exc_mask) as usize;
        *e = exc_buf_q14[idx];
    }
    *rand_seed = seed;
}

/// Updates the comfort-noise estimate from a frame and, while frames are
/// being lost, adds comfort noise to `frame[..st.frame_length]` (libopus
/// `silk_CNG`).
pub fn cng(st: &mut DecoderState, ctrl: &mut DecoderControl, frame: &mut [i16]) {
    let length = st.frame_length.min(MAX_FRAME_LENGTH).min(frame.len());
    let order = st.lpc_order.min(MAX_LPC_ORDER);
    if st.fs_khz != st.cng.fs_khz {
        cng_reset(st);
        st.cng.fs_khz = st.fs_khz;
    }

    if st.loss_cnt == 0 && st.prev_signal_type == TYPE_NO_VOICE_ACTIVITY {
        let nb_subfr = st.nb_subfr.min(MAX_NB_SUBFR);
        let sub = st.subfr_length;
        let cng = &mut st.cng;
        // Smooth the NLSFs toward this frame's.
        for (s, &p) in cng.cng_smth_nlsf_q15[..order].iter_mut().zip(&st.prev_nlsf_q15) {
            *s = (*s as i32 + smulwb(p as i32 - *s as i32, CNG_NLSF_SMTH_Q16)) as i16;
        }
        // The subframe with the largest gain supplies the excitation.
        let mut max_gain_q16 = 0;
        let mut subfr = 0;
        for (i, &g) in ctrl.gains_q16[..nb_subfr].iter().enumerate() {
            if g > max_gain_q16 {
                max_gain_q16 = g;
                subfr = i;
            }
        }
        if nb_subfr > 0 && nb_subfr * sub <= MAX_FRAME_LENGTH {
            cng.cng_exc_buf_q14.copy_within(0..(nb_subfr - 1) * sub, sub);
            cng.cng_exc_buf_q14[..sub].copy_from_slice(&st.exc_q14[subfr * sub..(subfr + 1) * sub]);
        }
        // Smooth the gain, following drops of more than 3 dB at once.
        for &g in ctrl.gains_q16[..nb_subfr].iter() {
            cng.cng_smth_gain_q16 += smulwb(g - cng.cng_smth_gain_q16, CNG_GAIN_SMTH_Q16);
            if smulww(cng.cng_smth_gain_q16, CNG_GAIN_SMTH_THRESHOLD_Q16) > g {
                cng.cng_smth_gain_q16 = g;
            }
        }
    }

    if st.loss_cnt != 0 {
        // Noise in Q14, after MAX_LPC_ORDER samples of filter memory.
        let mut cng_sig_q14 = [0i32; MAX_FRAME_LENGTH + MAX_LPC_ORDER];
        let cng = &mut st.cng;

        // Comfort-noise gain: what the smoothed gain asks for, minus the
        // energy the concealment noise already has.
        let mut gain_q16 = smulww(st.plc.rand_scale_q14 as i32, st.plc.prev_gain_q16[1]);
        if gain_q16 >= (1 << 21) || cng.cng_smth_gain_q16 > (1 << 23) {
            gain_q16 = smultt(gain_q16, gain_q16);
            gain_q16 = sub_lshift32(smultt(cng.cng_smth_gain_q16, cng.cng_smth_gain_q16), gain_q16, 5);
            gain_q16 = lshift(sqrt_approx(gain_q16), 16);
        } else {
            gain_q16 = smulww(gain_q16, gain_q16);
            gain_q16 = sub_lshift32(smulww(cng.cng_smth_gain_q16, cng.cng_smth_gain_q16), gain_q16, 5);
            gain_q16 = lshift(sqrt_approx(gain_q16), 8);
        }
        let gain_q10 = gain_q16 >> 6;

        cng_exc(
            &mut cng_sig_q14[MAX_LPC_ORDER..MAX_LPC_ORDER + length],
            &cng.cng_exc_buf_q14,
            &mut cng.rand_seed,
        );

        let mut a_q12 = [0i16; MAX_LPC_ORDER];
        if order == 10 || order == 16 {
            nlsf2a(&mut a_q12[..order], &cng.cng_smth_nlsf_q15[..order], order);
        }

        // LPC synthesis, then scale and add to the output.
        cng_sig_q14[..MAX_LPC_ORDER].copy_from_slice(&cng.cng_synth_state);
        for i in 0..length {
            let n = MAX_LPC_ORDER + i;
            // Start at order/2 to offset the downward bias of smlawb.
            let mut lpc_pred_q10 = (order >> 1) as i32;
            for (j, &a) in a_q12[..order].iter().enumerate() {
                lpc_pred_q10 = smlawb(lpc_pred_q10, cng_sig_q14[n - 1 - j], a as i32);
            }
            cng_sig_q14[n] = add_sat32(cng_sig_q14[n], lshift_sat32(lpc_pred_q10, 4));
            let noise = sat16(rshift_round(smulww(cng_sig_q14[n], gain_q10), 8));
            frame[i] = add_sat16(frame[i] as i32, noise as i32);
        }
        cng.cng_synth_state.copy_from_slice(&cng_sig_q14[length..length + MAX_LPC_ORDER]);
    } else {
        st.cng.cng_synth_state[..order].fill(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(fs_khz: i32) -> DecoderState {
        let mut st = DecoderState::new();
        st.nb_subfr = 4;
        st.set_internal_fs(fs_khz);
        st
    }

    #[test]
    fn reset_spreads_nlsfs_evenly() {
        for (fs, order) in [(8, 10), (16, 16)] {
            let mut st = state(fs);
            cng_reset(&mut st);
            let step = 32767 / (order as i16 + 1);
            for (i, &v) in st.cng.cng_smth_nlsf_q15[..order].iter().enumerate() {
                assert_eq!(v, step * (i as i16 + 1));
            }
            assert_eq!(st.cng.rand_seed, CNG_RAND_SEED_INIT);
        }
    }

    #[test]
    fn good_frames_pass_through_and_update_the_estimate() {
        let mut st = state(16);
        st.prev_signal_type = TYPE_NO_VOICE_ACTIVITY;
        for (i, e) in st.exc_q14.iter_mut().enumerate() {
            *e = (i as i32 % 7 - 3) << 14;
        }
        let mut ctrl = DecoderControl::default();
        ctrl.gains_q16 = [3 << 16, 5 << 16, 4 << 16, 2 << 16];
        let mut frame = vec![7i16; st.frame_length];
        cng(&mut st, &mut ctrl, &mut frame);
        assert!(frame.iter().all(|&x| x == 7));
        assert_eq!(st.cng.fs_khz, 16);
        assert!(st.cng.cng_smth_gain_q16 > 0);
        // The loudest subframe's excitation went to the front of the buffer.
        assert_eq!(&st.cng.cng_exc_buf_q14[..80], &st.exc_q14[80..160]);
        assert!(st.cng.cng_synth_state.iter().all(|&x| x == 0));
    }

    #[test]
    fn losses_add_bounded_deterministic_noise() {
        let run = || {
            let mut st = state(12);
            st.prev_signal_type = TYPE_NO_VOICE_ACTIVITY;
            for (i, e) in st.exc_q14.iter_mut().enumerate() {
                *e = ((i as i32 * 7919) % 2001 - 1000) << 8;
            }
            let mut ctrl = DecoderControl::default();
            ctrl.gains_q16 = [1 << 22; 4];
            let mut frame = vec![0i16; st.frame_length];
            for _ in 0..20 {
                cng(&mut st, &mut ctrl, &mut frame);
            }
            st.loss_cnt = 1;
            st.plc.rand_scale_q14 = 0;
            let mut out = Vec::new();
            for _ in 0..3 {
                let mut frame = vec![0i16; st.frame_length];
                cng(&mut st, &mut ctrl, &mut frame);
                out.extend_from_slice(&frame);
            }
            out
        };
        let a = run();
        assert!(a.iter().any(|&x| x != 0), "no comfort noise");
        assert_eq!(a, run());
    }

    #[test]
    fn extreme_gains_do_not_panic() {
        let mut st = state(16);
        st.prev_signal_type = TYPE_NO_VOICE_ACTIVITY;
        st.exc_q14.fill(i32::MAX);
        let mut ctrl = DecoderControl::default();
        ctrl.gains_q16 = [i32::MAX; 4];
        let mut frame = vec![i16::MAX; st.frame_length];
        for _ in 0..5 {
            cng(&mut st, &mut ctrl, &mut frame);
        }
        st.loss_cnt = 3;
        st.plc.rand_scale_q14 = i16::MAX;
        st.plc.prev_gain_q16[1] = i32::MAX;
        for _ in 0..5 {
            cng(&mut st, &mut ctrl, &mut frame);
        }
    }
}

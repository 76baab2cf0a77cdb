//! SILK stereo decoding (RFC 6716 section 4.2.7.1 and 4.2.8; libopus
//! `silk/stereo_decode_pred.c`, `silk/stereo_MS_to_LR.c`).
//!
//! Stereo SILK codes a mid channel and a side channel. Each frame carries two
//! predictors that estimate side from mid (and from a low-passed mid); the
//! decoder adds that prediction back to the side residual, interpolating the
//! predictors over the first 8 ms, then forms left = mid + side and
//! right = mid - side. A flag may say the side channel was not coded at all.

use super::fixed::{rshift_round, sat16, smlabb, smlawb, smulbb, smulwb};
use super::tables::{
    STEREO_ONLY_CODE_MID_ICDF, STEREO_PRED_JOINT_ICDF, STEREO_PRED_QUANT_Q13, UNIFORM3_ICDF,
    UNIFORM5_ICDF,
};
use crate::range_coder::RangeDecoder;

/// Milliseconds over which the predictors move from old to new values
/// (libopus `STEREO_INTERP_LEN_MS`).
pub const STEREO_INTERP_LEN_MS: usize = 8;
/// Sub-steps between two quantiser levels (libopus `STEREO_QUANT_SUB_STEPS`).
const STEREO_QUANT_SUB_STEPS: i32 = 5;
/// Half a sub-step as a fraction of a quantiser interval, Q16
/// (`SILK_FIX_CONST(0.5 / STEREO_QUANT_SUB_STEPS, 16)`).
const HALF_SUB_STEP_Q16: i32 = ((0.5 / STEREO_QUANT_SUB_STEPS as f64) * 65536.0 + 0.5) as i32;

/// Stereo state of the decoder (libopus `stereo_dec_state`): the previous
/// predictors and two samples of look-ahead delay per channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StereoDecState {
    /// Predictors of the previous frame, Q13.
    pub pred_prev_q13: [i16; 2],
    /// Last two mid samples of the previous frame.
    pub s_mid: [i16; 2],
    /// Last two side samples of the previous frame.
    pub s_side: [i16; 2],
}

/// Decodes the two mid-to-side predictors, Q13 (libopus `silk_stereo_decode_pred`).
///
/// The first returned value already has the second subtracted, as
/// [`ms_to_lr`] expects.
pub fn stereo_decode_pred(dec: &mut RangeDecoder) -> [i32; 2] {
    let n = dec.icdf(&STEREO_PRED_JOINT_ICDF, 8);
    // ix[k] = [fine step, coarse level, joint index part].
    let mut ix = [[0usize; 3]; 2];
    ix[0][2] = n / 5;
    ix[1][2] = n - 5 * ix[0][2];
    for row in ix.iter_mut() {
        row[0] = dec.icdf(&UNIFORM3_ICDF, 8);
        row[1] = dec.icdf(&UNIFORM5_ICDF, 8);
    }
    let mut pred_q13 = [0i32; 2];
    for (p, row) in pred_q13.iter_mut().zip(ix.iter_mut()) {
        row[0] += 3 * row[2];
        // `row[0]` is at most 2 + 3 * 4 = 14, so `row[0] + 1` is within the
        // 16-entry table.
        let low_q13 = STEREO_PRED_QUANT_Q13[row[0]] as i32;
        let step_q13 = smulwb(STEREO_PRED_QUANT_Q13[row[0] + 1] as i32 - low_q13, HALF_SUB_STEP_Q16);
        *p = smlabb(low_q13, step_q13, 2 * row[1] as i32 + 1);
    }
    pred_q13[0] -= pred_q13[1];
    pred_q13
}

/// Decodes the flag saying only the mid channel was coded
/// (libopus `silk_stereo_decode_mid_only`).
pub fn stereo_decode_mid_only(dec: &mut RangeDecoder) -> bool {
    dec.icdf(&STEREO_ONLY_CODE_MID_ICDF, 8) != 0
}

/// Turns mid/side into left/right in place (libopus `silk_stereo_MS_to_LR`).
///
/// `x1` holds mid and `x2` side, each as two slots for the delayed samples
/// followed by `frame_length` new samples (`frame_length + 2` in all; longer
/// slices are fine). On return `x1[1..=frame_length]` is left and
/// `x2[1..=frame_length]` right, one sample late as in libopus; the caller
/// reads from index 1.
///
/// `fs_khz` is the internal rate (8, 12 or 16). Slices that are too short are
/// processed only as far as they reach.
pub fn ms_to_lr(
    state: &mut StereoDecState,
    x1: &mut [i16],
    x2: &mut [i16],
    pred_q13: &[i32; 2],
    fs_khz: usize,
    frame_length: usize,
) {
    let frame_length = frame_length.min(x1.len().saturating_sub(2)).min(x2.len().saturating_sub(2));
    if fs_khz == 0 {
        return;
    }

    // Prepend the two delayed samples and keep the last two for next time.
    x1[..2].copy_from_slice(&state.s_mid);
    x2[..2].copy_from_slice(&state.s_side);
    state.s_mid.copy_from_slice(&x1[frame_length..frame_length + 2]);
    state.s_side.copy_from_slice(&x2[frame_length..frame_length + 2]);

    // Predict side from mid, interpolating the predictors over 8 ms.
    let interp_len = (STEREO_INTERP_LEN_MS * fs_khz).min(frame_length);
    let mut pred0_q13 = state.pred_prev_q13[0] as i32;
    let mut pred1_q13 = state.pred_prev_q13[1] as i32;
    let denom_q16 = (1i32 << 16) / (STEREO_INTERP_LEN_MS * fs_khz) as i32;
    let delta0_q13 = rshift_round(smulbb(pred_q13[0] - pred0_q13, denom_q16), 16);
    let delta1_q13 = rshift_round(smulbb(pred_q13[1] - pred1_q13, denom_q16), 16);
    for n in 0..frame_length {
        if n < interp_len {
            pred0_q13 += delta0_q13;
            pred1_q13 += delta1_q13;
        } else if n == interp_len {
            pred0_q13 = pred_q13[0];
            pred1_q13 = pred_q13[1];
        }
        // Low-passed mid, Q11: (x[n] + 2 x[n+1] + x[n+2]) << 9.
        let lp_mid_q11 = ((x1[n] as i32 + x1[n + 2] as i32) + ((x1[n + 1] as i32) << 1)) << 9;
        let mut sum_q8 = smlawb((x2[n + 1] as i32) << 8, lp_mid_q11, pred0_q13);
        sum_q8 = smlawb(sum_q8, (x1[n + 1] as i32) << 11, pred1_q13);
        x2[n + 1] = sat16(rshift_round(sum_q8, 8));
    }
    state.pred_prev_q13[0] = pred_q13[0] as i16;
    state.pred_prev_q13[1] = pred_q13[1] as i16;

    // Left = mid + side, right = mid - side.
    for n in 1..=frame_length {
        let mid = x1[n] as i32;
        let side = x2[n] as i32;
        x1[n] = sat16(mid + side);
        x2[n] = sat16(mid - side);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RNG_SEED: u32 = 0x5eed_0002;

    fn xorshift(s: &mut u32) -> u32 {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        *s
    }

    /// Fills `frame_length + 2` slots the way the API layer does: decoded
    /// samples from index 2 on.
    fn frame(s: &mut u32, len: usize, shift: u32) -> Vec<i16> {
        let mut v = vec![0i16; len + 2];
        for x in v[2..].iter_mut() {
            *x = (xorshift(s) as i16) >> shift;
        }
        v
    }

    #[test]
    fn zero_predictors_give_sum_and_difference_one_sample_late() {
        let mut s = RNG_SEED;
        let mut st = StereoDecState::default();
        let mut prev_mid = [0i16; 2];
        let mut prev_side = [0i16; 2];
        for fs_khz in [8usize, 12, 16] {
            let len = 20 * fs_khz;
            for _ in 0..3 {
                let mid = frame(&mut s, len, 1);
                let side = frame(&mut s, len, 1);
                let (mut x1, mut x2) = (mid.clone(), side.clone());
                ms_to_lr(&mut st, &mut x1, &mut x2, &[0, 0], fs_khz, len);
                for n in 1..=len {
                    let (m, d) = if n < 2 {
                        (prev_mid[n], prev_side[n])
                    } else {
                        (mid[n], side[n])
                    };
                    assert_eq!(x1[n], (m as i32 + d as i32).clamp(-32768, 32767) as i16);
                    assert_eq!(x2[n], (m as i32 - d as i32).clamp(-32768, 32767) as i16);
                }
                prev_mid.copy_from_slice(&mid[len..len + 2]);
                prev_side.copy_from_slice(&side[len..len + 2]);
            }
        }
    }

    #[test]
    fn predictor_adds_scaled_mid_after_interpolation() {
        let fs_khz = 16;
        let len = 20 * fs_khz;
        let mut st = StereoDecState::default();
        // Constant mid, no side residual, predictor 0.5 on the mid itself.
        let pred = [0, 4096];
        let mut x1 = vec![1000i16; len + 2];
        let mut x2 = vec![0i16; len + 2];
        ms_to_lr(&mut st, &mut x1, &mut x2, &pred, fs_khz, len);
        assert_eq!(st.pred_prev_q13, [0, 4096]);
        // Past the 8 ms interpolation: side = 500, so L = 1500 and R = 500.
        assert_eq!((x1[len], x2[len]), (1500, 500));
        // Early samples ramp up from the old predictor (0).
        assert!(x1[3] < x1[100] && x1[100] < 1500);
    }

    #[test]
    fn random_inputs_are_deterministic_and_never_panic() {
        let mut s = RNG_SEED;
        let (mut a, mut b) = (StereoDecState::default(), StereoDecState::default());
        for round in 0..200 {
            let fs_khz = [8usize, 12, 16][round % 3];
            let len = [10, 20][round % 2] * fs_khz;
            let pred = [
                (xorshift(&mut s) % 60000) as i32 - 30000,
                (xorshift(&mut s) % 30000) as i32 - 15000,
            ];
            let mid = frame(&mut s, len, 0);
            let side = frame(&mut s, len, 0);
            let (mut x1, mut x2) = (mid.clone(), side.clone());
            let (mut y1, mut y2) = (mid, side);
            ms_to_lr(&mut a, &mut x1, &mut x2, &pred, fs_khz, len);
            ms_to_lr(&mut b, &mut y1, &mut y2, &pred, fs_khz, len);
            assert_eq!((x1, x2), (y1, y2));
        }
        assert_eq!(a, b);
    }

    #[test]
    fn decoded_predictors_stay_in_range() {
        let mut s = RNG_SEED;
        for _ in 0..200 {
            let bytes: Vec<u8> = (0..16).map(|_| xorshift(&mut s) as u8).collect();
            let mut rd = RangeDecoder::new(&bytes);
            let p = stereo_decode_pred(&mut rd);
            assert!(p[1].abs() <= 13732 && p[0].abs() <= 2 * 13732, "{p:?}");
            let _ = stereo_decode_mid_only(&mut rd);
        }
    }
}

//! Voice activity detection of the SILK encoder (libopus `silk/VAD.c` and
//! `silk/ana_filt_bank_1.c`), fixed point and bit-exact.
//!
//! The frame is split by a tree of two-band allpass filter banks into four
//! bands (0–1, 1–2, 2–4 and 4–8 kHz at 16 kHz input); per band, the energy is
//! compared with a slowly tracking noise floor. The band SNRs give the speech
//! activity (Q8), the spectral tilt of the input and a quality estimate per
//! band, which later steps use to steer noise shaping and rate.

use super::structs::{
    EncoderState, VadState, VAD_INTERNAL_SUBFRAMES, VAD_INTERNAL_SUBFRAMES_LOG2,
    VAD_NEGATIVE_OFFSET_Q5, VAD_NOISE_LEVELS_BIAS, VAD_NOISE_LEVEL_SMOOTH_COEF_Q16, VAD_N_BANDS,
    VAD_SNR_FACTOR_Q16, VAD_SNR_SMOOTH_COEF_Q18,
};
use crate::silk::fixed::{
    lin2log, rshift_round, sat16, sigm_q15, smlabb, smlawb, smulwb, smulww, sqrt_approx,
};
use crate::silk::structs::MAX_FRAME_LENGTH;

/// First allpass coefficient of the two-band filter bank, Q15
/// (libopus `A_fb1_20`, `5394 << 1`).
const A_FB1_20: i32 = 5394 << 1;
/// Second allpass coefficient, as the 16-bit value libopus stores
/// (libopus `A_fb1_21`, `20623 << 1` wrapped to `i16`).
const A_FB1_21: i32 = (20623i32 << 1) as i16 as i32;

/// Weights of the band SNRs in the tilt measure (libopus `tiltWeights`).
const TILT_WEIGHTS: [i32; VAD_N_BANDS] = [30000, 6000, -12000, -12000];

/// Scratch for the four decimated bands: `frame_length * 5 / 4` samples.
const VAD_SCRATCH: usize = MAX_FRAME_LENGTH + MAX_FRAME_LENGTH / 4;

/// `silk_ADD_POS_SAT32`: `a + b` for non-negative operands, `i32::MAX` when
/// the sum reaches bit 31.
#[inline]
fn add_pos_sat32(a: i32, b: i32) -> i32 {
    let s = (a as u32).wrapping_add(b as u32);
    if s & 0x8000_0000 != 0 {
        i32::MAX
    } else {
        s as i32
    }
}

/// `a / b`, with 0 for a zero divisor (which the reference never produces).
#[inline]
fn div_or_zero(a: i32, b: i32) -> i32 {
    if b == 0 {
        0
    } else {
        a.wrapping_div(b)
    }
}

/// Splits `input` into a low and a high band at half the rate with two
/// first-order allpass sections (libopus `silk_ana_filt_bank_1`). Writes
/// `input.len() / 2` samples to each of `out_l` and `out_h`; `s` is the
/// two-word state, Q10.
///
/// # Panics
/// If an output is shorter than `input.len() / 2`.
pub fn ana_filt_bank_1(input: &[i16], s: &mut [i32; 2], out_l: &mut [i16], out_h: &mut [i16]) {
    let n2 = input.len() / 2;
    for (k, pair) in input.chunks_exact(2).enumerate().take(n2) {
        let in32 = (pair[0] as i32) << 10;
        let y = in32.wrapping_sub(s[0]);
        let x = smlawb(y, y, A_FB1_21);
        let out_1 = s[0].wrapping_add(x);
        s[0] = in32.wrapping_add(x);

        let in32 = (pair[1] as i32) << 10;
        let y = in32.wrapping_sub(s[1]);
        let x = smulwb(y, A_FB1_20);
        let out_2 = s[1].wrapping_add(x);
        s[1] = in32.wrapping_add(x);

        out_l[k] = sat16(rshift_round(out_2.wrapping_add(out_1), 11));
        out_h[k] = sat16(rshift_round(out_2.wrapping_sub(out_1), 11));
    }
}

/// Resets the detector: pink-noise-like initial noise levels, 20 dB smoothed
/// SNR (libopus `silk_VAD_Init`).
pub fn vad_init(vad: &mut VadState) {
    *vad = VadState::default();
    for b in 0..VAD_N_BANDS {
        vad.noise_level_bias[b] = (VAD_NOISE_LEVELS_BIAS / (b as i32 + 1)).max(1);
    }
    for b in 0..VAD_N_BANDS {
        vad.nl[b] = 100 * vad.noise_level_bias[b];
        vad.inv_nl[b] = i32::MAX / vad.nl[b];
    }
    vad.counter = 15;
    vad.nrg_ratio_smth_q8 = [100 * 256; VAD_N_BANDS];
}

/// Updates the noise level of each band from its energy `px`, fast during the
/// first frames and slowly (and less for loud frames) after
/// (libopus `silk_VAD_GetNoiseLevels`).
#[allow(clippy::needless_range_loop)]
fn get_noise_levels(px: &[i32; VAD_N_BANDS], vad: &mut VadState) {
    let min_coef = if vad.counter < 1000 {
        let c = i16::MAX as i32 / ((vad.counter >> 4) + 1);
        vad.counter += 1;
        c
    } else {
        0
    };

    for k in 0..VAD_N_BANDS {
        let nl = vad.nl[k];
        let nrg = add_pos_sat32(px[k], vad.noise_level_bias[k]);
        let inv_nrg = div_or_zero(i32::MAX, nrg);

        let coef = if nrg > nl << 3 {
            VAD_NOISE_LEVEL_SMOOTH_COEF_Q16 >> 3
        } else if nrg < nl {
            VAD_NOISE_LEVEL_SMOOTH_COEF_Q16
        } else {
            smulwb(smulww(inv_nrg, nl), VAD_NOISE_LEVEL_SMOOTH_COEF_Q16 << 1)
        }
        .max(min_coef);

        vad.inv_nl[k] = smlawb(vad.inv_nl[k], inv_nrg.wrapping_sub(vad.inv_nl[k]), coef);
        let nl = div_or_zero(i32::MAX, vad.inv_nl[k]);
        vad.nl[k] = nl.min(0x00FF_FFFF);
    }
}

/// Runs the detector on one frame `input[..st.frame_length]` and sets
/// `st.speech_activity_q8`, `st.input_tilt_q15` and
/// `st.input_quality_bands_q15` (libopus `silk_VAD_GetSA_Q8_c`).
///
/// `st.frame_length` must be a multiple of 8 and at most `MAX_FRAME_LENGTH`;
/// other values leave the outputs unchanged.
///
/// # Panics
/// If `input` is shorter than `st.frame_length`.
#[allow(clippy::needless_range_loop)]
pub fn vad_get_sa_q8(st: &mut EncoderState, input: &[i16]) {
    let frame_length = st.frame_length;
    if frame_length > MAX_FRAME_LENGTH || frame_length % 8 != 0 || frame_length == 0 {
        return;
    }
    let fs_khz = st.fs_khz;
    let vad = &mut st.s_vad;

    // Split into four bands with the filter-bank tree.
    let dfl1 = frame_length >> 1;
    let dfl2 = frame_length >> 2;
    let dfl = frame_length >> 3;
    let x_offset = [0, dfl + dfl2, dfl + dfl2 + dfl, dfl + dfl2 + dfl + dfl2];
    let mut x = [0i16; VAD_SCRATCH];
    let mut tmp = [0i16; MAX_FRAME_LENGTH / 2];
    {
        let (lo, hi) = x.split_at_mut(x_offset[3]);
        ana_filt_bank_1(&input[..frame_length], &mut vad.ana_state, lo, hi);
    }
    tmp[..dfl1].copy_from_slice(&x[..dfl1]);
    {
        let (lo, hi) = x.split_at_mut(x_offset[2]);
        ana_filt_bank_1(&tmp[..dfl1], &mut vad.ana_state1, lo, hi);
    }
    tmp[..dfl2].copy_from_slice(&x[..dfl2]);
    {
        let (lo, hi) = x.split_at_mut(x_offset[1]);
        ana_filt_bank_1(&tmp[..dfl2], &mut vad.ana_state2, lo, hi);
    }

    // Differentiate the lowest band (a high-pass at DC).
    x[dfl - 1] >>= 1;
    let hp_state_tmp = x[dfl - 1];
    for i in (1..dfl).rev() {
        x[i - 1] >>= 1;
        x[i] = x[i].wrapping_sub(x[i - 1]);
    }
    x[0] = x[0].wrapping_sub(vad.hp_state);
    vad.hp_state = hp_state_tmp;

    // Energy per band, the last (look-ahead) subframe at half weight.
    let mut xnrg = [0i32; VAD_N_BANDS];
    for b in 0..VAD_N_BANDS {
        let band_len = frame_length >> (VAD_N_BANDS - b).min(VAD_N_BANDS - 1);
        let sub_len = band_len >> VAD_INTERNAL_SUBFRAMES_LOG2;
        let mut off = x_offset[b];
        xnrg[b] = vad.xnrg_subfr[b];
        let mut sum_squared = 0;
        for s in 0..VAD_INTERNAL_SUBFRAMES {
            sum_squared = 0;
            for &v in &x[off..off + sub_len] {
                let x_tmp = (v >> 3) as i32;
                sum_squared = smlabb(sum_squared, x_tmp, x_tmp);
            }
            xnrg[b] = if s < VAD_INTERNAL_SUBFRAMES - 1 {
                add_pos_sat32(xnrg[b], sum_squared)
            } else {
                add_pos_sat32(xnrg[b], sum_squared >> 1)
            };
            off += sub_len;
        }
        vad.xnrg_subfr[b] = sum_squared;
    }

    get_noise_levels(&xnrg, vad);

    // Signal-plus-noise to noise ratio per band, and the tilt.
    let mut sum_squared = 0i32;
    let mut input_tilt = 0i32;
    let mut nrg_to_noise_ratio_q8 = [0i32; VAD_N_BANDS];
    for b in 0..VAD_N_BANDS {
        let speech_nrg = xnrg[b].wrapping_sub(vad.nl[b]);
        if speech_nrg > 0 {
            nrg_to_noise_ratio_q8[b] = if (xnrg[b] as u32 & 0xFF80_0000) == 0 {
                div_or_zero(xnrg[b] << 8, vad.nl[b] + 1)
            } else {
                div_or_zero(xnrg[b], (vad.nl[b] >> 8) + 1)
            };
            let mut snr_q7 = lin2log(nrg_to_noise_ratio_q8[b]) - 8 * 128;
            sum_squared = smlabb(sum_squared, snr_q7, snr_q7);
            if speech_nrg < (1 << 20) {
                // Less weight for bands with little speech energy.
                snr_q7 = smulwb(sqrt_approx(speech_nrg) << 6, snr_q7);
            }
            input_tilt = smlawb(input_tilt, TILT_WEIGHTS[b], snr_q7);
        } else {
            nrg_to_noise_ratio_q8[b] = 256;
        }
    }

    // Root mean square of the band SNRs, in dB (Q7).
    sum_squared /= VAD_N_BANDS as i32;
    let p_snr_db_q7 = (3 * sqrt_approx(sum_squared)) as i16 as i32;

    let mut sa_q15 = sigm_q15(smulwb(VAD_SNR_FACTOR_Q16, p_snr_db_q7) - VAD_NEGATIVE_OFFSET_Q5);

    st.input_tilt_q15 = (sigm_q15(input_tilt) - 16384) << 1;

    // Scale the activity down for weak signals.
    let mut speech_nrg = 0i32;
    for b in 0..VAD_N_BANDS {
        speech_nrg = speech_nrg
            .wrapping_add((b as i32 + 1).wrapping_mul(xnrg[b].wrapping_sub(vad.nl[b]) >> 4));
    }
    if frame_length as i32 == 20 * fs_khz {
        speech_nrg >>= 1;
    }
    if speech_nrg <= 0 {
        sa_q15 >>= 1;
    } else if speech_nrg < 16384 {
        let s = sqrt_approx(speech_nrg << 16);
        sa_q15 = smulwb(32768 + s, sa_q15);
    }

    st.speech_activity_q8 = (sa_q15 >> 7).min(u8::MAX as i32);

    // Smoothed SNR and quality per band.
    let mut smooth_coef_q16 = smulwb(VAD_SNR_SMOOTH_COEF_Q18, smulwb(sa_q15, sa_q15));
    if frame_length as i32 == 10 * fs_khz {
        smooth_coef_q16 >>= 1;
    }
    for b in 0..VAD_N_BANDS {
        vad.nrg_ratio_smth_q8[b] = smlawb(
            vad.nrg_ratio_smth_q8[b],
            nrg_to_noise_ratio_q8[b] - vad.nrg_ratio_smth_q8[b],
            smooth_coef_q16,
        );
        let snr_q7 = 3 * (lin2log(vad.nrg_ratio_smth_q8[b]) - 8 * 128);
        st.input_quality_bands_q15[b] = sigm_q15((snr_q7 - 16 * 128) >> 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(fs_khz: i32, ms: usize) -> EncoderState {
        let mut st = EncoderState::zeroed();
        st.fs_khz = fs_khz;
        st.frame_length = ms * fs_khz as usize;
        vad_init(&mut st.s_vad);
        st
    }

    #[test]
    fn init_values() {
        let mut v = VadState::default();
        vad_init(&mut v);
        assert_eq!(v.noise_level_bias, [50, 25, 16, 12]);
        assert_eq!(v.nl, [5000, 2500, 1600, 1200]);
        assert_eq!(v.counter, 15);
    }

    #[test]
    fn silence_is_inactive_and_noise_burst_is_active() {
        let mut st = state(16, 20);
        let zeros = [0i16; 320];
        for _ in 0..10 {
            vad_get_sa_q8(&mut st, &zeros);
        }
        assert!(st.speech_activity_q8 < 30, "{}", st.speech_activity_q8);
        let mut seed = 1u32;
        let loud: Vec<i16> = (0..320)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 18) as i16 - 8192
            })
            .collect();
        vad_get_sa_q8(&mut st, &loud);
        assert!(st.speech_activity_q8 > 200, "{}", st.speech_activity_q8);
    }

    #[test]
    fn extreme_input_does_not_panic() {
        for &(fs, ms) in &[(8, 10), (12, 20), (16, 20), (16, 10)] {
            let mut st = state(fs, ms);
            let n = st.frame_length;
            for pat in 0..6 {
                let x: Vec<i16> = (0..n)
                    .map(|i| match pat {
                        0 => i16::MAX,
                        1 => i16::MIN,
                        2 => {
                            if i % 2 == 0 {
                                i16::MAX
                            } else {
                                i16::MIN
                            }
                        }
                        3 => {
                            if (i / 3) % 2 == 0 {
                                i16::MAX
                            } else {
                                i16::MIN
                            }
                        }
                        _ => 0,
                    })
                    .collect();
                for _ in 0..3 {
                    vad_get_sa_q8(&mut st, &x);
                    assert!((0..=255).contains(&st.speech_activity_q8));
                }
            }
        }
    }
}

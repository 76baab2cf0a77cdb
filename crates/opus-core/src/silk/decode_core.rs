//! Excitation reconstruction and synthesis, RFC 6716 §4.2.7.8.6 and
//! §4.2.7.9 (libopus `silk/decode_core.c`, `silk/LPC_analysis_filter.c`).
//!
//! Input: the pulses and the frame's [`DecoderControl`]. Output: one frame of
//! 16-bit speech. The excitation gets its quantisation offset and
//! pseudo-random signs, then runs through the long-term (pitch) predictor
//! and the short-term (LPC) synthesis filter; the filter memories and output
//! history persist in the [`DecoderState`].

use super::fixed::{
    add32_ovflw, add_lshift32, add_sat32, div32_varq, inverse32_varq, lshift, lshift_sat32, rand,
    rshift_round, sat16, smlabb_ovflw, smlawb, smulbb, smulwb, smulww, sub32_ovflw,
};
use super::structs::{
    DecoderControl, DecoderState, LTP_MEM_LENGTH_MS, LTP_ORDER, MAX_FRAME_LENGTH, MAX_FS_KHZ,
    MAX_LPC_ORDER, MAX_NB_SUBFR, MAX_SUB_FRAME_LENGTH, QUANT_LEVEL_ADJUST_Q10, TYPE_VOICED,
};
use super::tables_other::QUANTIZATION_OFFSETS_Q10;

/// Longest LTP memory, samples.
const MAX_LTP_MEM_LENGTH: usize = LTP_MEM_LENGTH_MS * MAX_FS_KHZ;

/// LPC analysis (whitening) filter: `out[i] = in[i] - sum(b[j] * in[i-1-j])`
/// in Q12, rounded and saturated; the first `d` outputs are 0 (libopus
/// `silk_LPC_analysis_filter`). The accumulation wraps as libopus allows, so
/// overflows on invalid streams can cancel out. `d` is even and at least 6.
// Index loops walk several arrays in step, as libopus does.
#[allow(clippy::needless_range_loop)]
pub fn lpc_analysis_filter(out: &mut [i16], input: &[i16], b: &[i16], len: usize, d: usize) {
    debug_assert!(d >= 6 && d % 2 == 0 && d <= len);
    for ix in d..len {
        let x = |j: usize| input[ix - 1 - j] as i32;
        let mut out32_q12 = smulbb(x(0), b[0] as i32);
        for j in 1..d {
            out32_q12 = smlabb_ovflw(out32_q12, x(j), b[j] as i32);
        }
        out32_q12 = sub32_ovflw(lshift(input[ix] as i32, 12), out32_q12);
        out[ix] = sat16(rshift_round(out32_q12, 12));
    }
    out[..d].fill(0);
}

/// Short-term (LPC) synthesis of one subframe and its gain (the inner loop
/// of libopus `silk_decode_core`): `s_lpc_q14` holds `MAX_LPC_ORDER`
/// samples of history followed by room for `pres_q14.len()` new ones.
#[inline(always)]
fn lpc_synthesis(
    s_lpc_q14: &mut [i32; MAX_SUB_FRAME_LENGTH + MAX_LPC_ORDER],
    a_q12: &[i16; MAX_LPC_ORDER],
    pres_q14: &[i32],
    xq: &mut [i16],
    gain_q10: i32,
    order: usize,
) {
    let order = order.min(MAX_LPC_ORDER);
    for (i, (&pres, out)) in pres_q14.iter().zip(xq.iter_mut()).enumerate() {
        let hist: &[i32; MAX_LPC_ORDER] = match s_lpc_q14[i..i + MAX_LPC_ORDER].try_into() {
            Ok(h) => h,
            Err(_) => return,
        };
        // Start at order/2 to offset SMLAWB's rounding toward minus infinity.
        let mut lpc_pred_q10 = (order >> 1) as i32;
        for j in 0..order {
            lpc_pred_q10 = smlawb(lpc_pred_q10, hist[MAX_LPC_ORDER - 1 - j], a_q12[j] as i32);
        }
        let v = add_sat32(pres, lshift_sat32(lpc_pred_q10, 4));
        s_lpc_q14[MAX_LPC_ORDER + i] = v;
        *out = sat16(rshift_round(smulww(v, gain_q10), 8));
    }
}

/// Synthesises one frame into `xq` (libopus `silk_decode_core`).
///
/// `pulses` holds the decoded excitation. Updates the excitation, LPC
/// memory, previous gain and, for voiced frames after a loss, the pitch
/// lags in `ctrl`. `xq` has at least `st.frame_length` samples.
// Index loops walk several arrays in step, as libopus does.
#[allow(clippy::needless_range_loop)]
pub fn decode_core(
    st: &mut DecoderState,
    ctrl: &mut DecoderControl,
    xq: &mut [i16],
    pulses: &[i16; MAX_FRAME_LENGTH],
) {
    debug_assert!(st.prev_gain_q16 != 0);
    let frame_length = st.frame_length;
    let subfr_length = st.subfr_length;
    let ltp_mem_length = st.ltp_mem_length;
    let order = st.lpc_order;

    let mut s_ltp = [0i16; MAX_LTP_MEM_LENGTH];
    let mut s_ltp_q15 = [0i32; MAX_LTP_MEM_LENGTH + MAX_FRAME_LENGTH];
    let mut res_q14 = [0i32; MAX_SUB_FRAME_LENGTH];
    let mut s_lpc_q14 = [0i32; MAX_SUB_FRAME_LENGTH + MAX_LPC_ORDER];

    let offset_q10 = QUANTIZATION_OFFSETS_Q10[(st.indices.signal_type >> 1) as usize]
        [st.indices.quant_offset_type as usize] as i32;
    let nlsf_interpolation_flag = st.indices.nlsf_interp_coef_q2 < 1 << 2;

    // §4.2.7.8.6: excitation = pulses pulled toward zero, plus the offset,
    // with a pseudo-random sign.
    let mut rand_seed = st.indices.seed as i32;
    for i in 0..frame_length {
        rand_seed = rand(rand_seed);
        let mut e = lshift(pulses[i] as i32, 14);
        if e > 0 {
            e -= QUANT_LEVEL_ADJUST_Q10 << 4;
        } else if e < 0 {
            e += QUANT_LEVEL_ADJUST_Q10 << 4;
        }
        e += offset_q10 << 4;
        if rand_seed < 0 {
            e = -e;
        }
        st.exc_q14[i] = e;
        rand_seed = add32_ovflw(rand_seed, pulses[i] as i32);
    }

    s_lpc_q14[..MAX_LPC_ORDER].copy_from_slice(&st.slpc_q14_buf);
    let mut s_ltp_buf_idx = ltp_mem_length;
    let mut lag: usize = 0;

    for k in 0..st.nb_subfr.min(MAX_NB_SUBFR) {
        let sub = k * subfr_length;
        let a_q12: [i16; MAX_LPC_ORDER] = ctrl.pred_coef_q12[k >> 1];
        let mut signal_type = st.indices.signal_type as i32;
        let gain_q16 = ctrl.gains_q16[k];
        let gain_q10 = gain_q16 >> 6;
        let mut inv_gain_q31 = inverse32_varq(gain_q16, 47);

        // Rescale the filter memory when the gain changes.
        let gain_adj_q16 = if gain_q16 != st.prev_gain_q16 {
            let adj = div32_varq(st.prev_gain_q16, gain_q16, 16);
            for v in s_lpc_q14[..MAX_LPC_ORDER].iter_mut() {
                *v = smulww(adj, *v);
            }
            adj
        } else {
            1 << 16
        };
        st.prev_gain_q16 = gain_q16;

        // After concealing a voiced frame, ease into an unvoiced one by
        // keeping a mild pitch predictor for the first half.
        if st.loss_cnt != 0
            && st.prev_signal_type == TYPE_VOICED
            && signal_type != TYPE_VOICED
            && k < MAX_NB_SUBFR / 2
        {
            let b = &mut ctrl.ltp_coef_q14[k * LTP_ORDER..(k + 1) * LTP_ORDER];
            b.fill(0);
            b[LTP_ORDER / 2] = super::fixed::fix_const(0.25, 14) as i16;
            signal_type = TYPE_VOICED;
            ctrl.pitch_l[k] = st.lag_prev;
        }
        let b_q14: [i16; LTP_ORDER] = ctrl.ltp_coef_q14[k * LTP_ORDER..(k + 1) * LTP_ORDER]
            .try_into()
            .unwrap_or([0; LTP_ORDER]);

        if signal_type == TYPE_VOICED {
            lag = ctrl.pitch_l[k].max(0) as usize;
            // Re-whiten the output history with the current filter at the
            // start of the frame, and again mid-frame when it changes.
            if k == 0 || (k == 2 && nlsf_interpolation_flag) {
                debug_assert!(ltp_mem_length > lag + order + LTP_ORDER / 2);
                let start_idx = ltp_mem_length.saturating_sub(lag + order + LTP_ORDER / 2);
                if k == 2 {
                    st.out_buf[ltp_mem_length..ltp_mem_length + 2 * subfr_length]
                        .copy_from_slice(&xq[..2 * subfr_length]);
                }
                lpc_analysis_filter(
                    &mut s_ltp[start_idx..ltp_mem_length],
                    &st.out_buf[start_idx + sub..ltp_mem_length + sub],
                    &a_q12[..order],
                    ltp_mem_length - start_idx,
                    order,
                );
                // The re-whitened history is unscaled; at the frame start also
                // apply the LTP scaling that limits error propagation.
                if k == 0 {
                    inv_gain_q31 = lshift(smulwb(inv_gain_q31, ctrl.ltp_scale_q14), 2);
                }
                for i in 0..(lag + LTP_ORDER / 2).min(ltp_mem_length) {
                    s_ltp_q15[s_ltp_buf_idx - i - 1] =
                        smulwb(inv_gain_q31, s_ltp[ltp_mem_length - i - 1] as i32);
                }
            } else if gain_adj_q16 != 1 << 16 {
                for i in 0..(lag + LTP_ORDER / 2).min(s_ltp_buf_idx) {
                    let j = s_ltp_buf_idx - i - 1;
                    s_ltp_q15[j] = smulww(gain_adj_q16, s_ltp_q15[j]);
                }
            }
        }

        // §4.2.7.9.1: long-term prediction.
        let pres_q14: &[i32] = if signal_type == TYPE_VOICED {
            for i in 0..subfr_length {
                // Centre tap sits at lag; start at 2 to offset SMLAWB's
                // rounding toward minus infinity.
                let base = s_ltp_buf_idx + i + LTP_ORDER / 2 - lag;
                let mut ltp_pred_q13: i32 = 2;
                for (j, &b) in b_q14.iter().enumerate() {
                    ltp_pred_q13 = smlawb(ltp_pred_q13, s_ltp_q15[base - j], b as i32);
                }
                res_q14[i] = add_lshift32(st.exc_q14[sub + i], ltp_pred_q13, 1);
                s_ltp_q15[s_ltp_buf_idx + i] = lshift(res_q14[i], 1);
            }
            s_ltp_buf_idx += subfr_length;
            &res_q14[..subfr_length]
        } else {
            &st.exc_q14[sub..sub + subfr_length]
        };

        // §4.2.7.9.2: short-term (LPC) synthesis and gain. The order is
        // passed as a constant for the two orders SILK uses, so that the
        // inner loop is unrolled without per-tap checks (as libopus's is).
        let xq_sub = &mut xq[sub..sub + subfr_length];
        match order {
            10 => lpc_synthesis(&mut s_lpc_q14, &a_q12, pres_q14, xq_sub, gain_q10, 10),
            16 => lpc_synthesis(&mut s_lpc_q14, &a_q12, pres_q14, xq_sub, gain_q10, 16),
            _ => lpc_synthesis(&mut s_lpc_q14, &a_q12, pres_q14, xq_sub, gain_q10, order),
        }
        s_lpc_q14.copy_within(subfr_length..subfr_length + MAX_LPC_ORDER, 0);
    }
    st.slpc_q14_buf.copy_from_slice(&s_lpc_q14[..MAX_LPC_ORDER]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analysis_filter_whitens_a_predictable_signal() {
        // x[n] = x[n-1] with b = [4096, 0, ...] (1.0 in Q12): residual 0.
        let input = [1000i16; 40];
        let mut b = [0i16; 10];
        b[0] = 4096;
        let mut out = [7i16; 40];
        lpc_analysis_filter(&mut out, &input, &b, 40, 10);
        assert!(out.iter().all(|&v| v == 0));
        // Saturation on a large residual.
        let mut input = [0i16; 16];
        input[10] = i16::MIN;
        b[0] = 4096;
        b[1] = -4096;
        input[9] = i16::MAX;
        lpc_analysis_filter(&mut out, &input, &b, 16, 6);
        assert_eq!(out[10], i16::MIN);
    }
}

#[cfg(test)]
mod chain_tests {
    //! Random bytes through the whole frame pipeline: indices, pulses,
    //! parameters and synthesis must never panic, in any layout.
    use super::*;
    use crate::range_coder::RangeDecoder;
    use crate::silk::decode_indices::decode_indices;
    use crate::silk::decode_parameters::decode_parameters;
    use crate::silk::decode_pulses::decode_pulses;
    use crate::silk::structs::{CondCoding, LostFlag};

    const RNG_SEED: u32 = 0xdec0_de01;

    fn xorshift(s: &mut u32) -> u32 {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        *s
    }

    fn fnv(x: &[i16]) -> u64 {
        let mut h: u64 = 1_469_598_103_934_665_603;
        for &v in x {
            h ^= v as u16 as u64;
            h = h.wrapping_mul(1_099_511_628_211);
        }
        h
    }

    #[test]
    fn random_packets_never_panic() {
        // Set SILK_CHAIN_TRACE=<file> to write one line per frame for a
        // comparison with the same loop run on libopus's C functions.
        let trace_path = std::env::var("SILK_CHAIN_TRACE").ok();
        let mut trace = String::new();
        let mut s = RNG_SEED;
        let mut buf = [0u8; 1275];
        let rounds = std::env::var("SILK_CHAIN_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(600);
        for round in 0..rounds {
            let fs = [8, 12, 16][round % 3];
            let nb = if (round / 3) % 2 == 0 { 4 } else { 2 };
            let mut st = DecoderState::new();
            st.nb_subfr = nb;
            st.set_internal_fs(fs);
            let len = 1 + (xorshift(&mut s) as usize % buf.len());
            for b in buf[..len].iter_mut() {
                *b = xorshift(&mut s) as u8;
            }
            // Skewed bytes push toward voiced frames and escapes.
            if round % 4 == 1 {
                for b in buf[..len].iter_mut() {
                    *b |= 0xc0;
                }
            }
            let mut rd = RangeDecoder::new(&buf[..len]);
            let mut out = [0i16; MAX_FRAME_LENGTH];
            for frame in 0..6 {
                st.n_frames_decoded = frame % 3;
                st.vad_flags = [xorshift(&mut s) & 1 == 0; 3];
                // Pretend some earlier frames were concealed.
                st.loss_cnt = (xorshift(&mut s) % 3) as i32;
                st.prev_signal_type = (xorshift(&mut s) % 3) as i32;
                let cond = match frame % 3 {
                    0 => CondCoding::Independently,
                    1 => CondCoding::Conditionally,
                    _ => CondCoding::IndependentlyNoLtpScaling,
                };
                let lbrr = frame == 5;
                // A voiced history always leaves a valid lag (an unvoiced
                // frame leaves 0, which the random state above could pair
                // with a voiced previous type; libopus would then read
                // unwritten LTP memory).
                st.lag_prev = st.lag_prev.max(2 * st.fs_khz);
                let fi = st.n_frames_decoded;
                decode_indices(&mut st, &mut rd, fi, lbrr, cond);
                let mut pulses = [0i16; MAX_FRAME_LENGTH];
                decode_pulses(
                    &mut rd,
                    &mut pulses,
                    st.indices.signal_type as i32,
                    st.indices.quant_offset_type as i32,
                    st.frame_length,
                );
                let mut ctrl = DecoderControl::default();
                decode_parameters(&mut st, &mut ctrl, cond);
                decode_core(&mut st, &mut ctrl, &mut out, &pulses);
                st.first_frame_after_reset = false;
                st.lag_prev = ctrl.pitch_l[st.nb_subfr - 1];
                let _ = LostFlag::DecodeNormal;
                // Keep the output history moving as decode_frame does.
                let fl = st.frame_length;
                let mv = st.ltp_mem_length - fl;
                st.out_buf.copy_within(fl..fl + mv, 0);
                st.out_buf[mv..mv + fl].copy_from_slice(&out[..fl]);
                if trace_path.is_some() {
                    trace += &format!(
                        "{round} {frame} {:016x} {} {} {} {}\n",
                        fnv(&out[..fl]),
                        st.indices.signal_type,
                        st.indices.lag_index,
                        st.prev_gain_q16,
                        rd.tell()
                    );
                }
            }
        }
        if let Some(path) = trace_path {
            std::fs::write(path, trace).expect("write trace");
        }
    }
}

//! Normalised line spectral frequencies, RFC 6716 §4.2.7.5 (libopus
//! `silk/NLSF_decode.c`, `NLSF_unpack.c`, `NLSF_stabilize.c`, `NLSF2A.c`,
//! `LPC_fit.c`, `LPC_inv_pred_gain.c`, `bwexpander.c`, `bwexpander_32.c`).
//!
//! Input: the two-stage NLSF indices of a frame. Output: stable NLSFs (Q15)
//! and from them LPC coefficients (Q12) whose synthesis filter is stable.
//! The LPC helpers here are also used by loss concealment.

use super::fixed::{
    abs, add_sat16, clz32, div32, insertion_sort_increasing_all_values_i16, inverse32_varq, lshift,
    rshift_round, rshift_round64, sat16, smlawb, smmul, smulbb, smull, smulww, sub_sat32,
};
use super::structs::{
    NlsfCodebook, MAX_LPC_ORDER, MAX_LPC_STABILIZE_ITERATIONS, NLSF_QUANT_MAX_AMPLITUDE,
};
use super::tables_other::LSF_COS_TAB_FIX_Q12;

/// Amount the residual levels are pulled toward zero, Q10
/// (libopus `SILK_FIX_CONST(NLSF_QUANT_LEVEL_ADJ, 10)` with 0.1).
const NLSF_QUANT_LEVEL_ADJ_Q10: i32 = 102;

/// Unpacks the entropy-table offsets and predictor coefficients for the
/// first-stage vector `cb1_index` (libopus `silk_NLSF_unpack`).
///
/// `ec_ix[i]` is the start of coefficient `i`'s iCDF in `cb.ec_icdf`.
pub fn nlsf_unpack(
    ec_ix: &mut [i16; MAX_LPC_ORDER],
    pred_q8: &mut [u8; MAX_LPC_ORDER],
    cb: &NlsfCodebook,
    cb1_index: usize,
) {
    let order = cb.order as usize;
    let sel = &cb.ec_sel[cb1_index * order / 2..];
    for i in (0..order).step_by(2) {
        let entry = sel[i / 2] as i32;
        let stride = 2 * NLSF_QUANT_MAX_AMPLITUDE + 1;
        ec_ix[i] = smulbb((entry >> 1) & 7, stride) as i16;
        pred_q8[i] = cb.pred_q8[i + (entry & 1) as usize * (order - 1)];
        ec_ix[i + 1] = smulbb((entry >> 5) & 7, stride) as i16;
        pred_q8[i + 1] = cb.pred_q8[i + ((entry >> 4) & 1) as usize * (order - 1) + 1];
    }
}

/// Second-stage residuals with backward prediction, Q10 (libopus
/// `silk_NLSF_residual_dequant`).
fn nlsf_residual_dequant(
    x_q10: &mut [i16; MAX_LPC_ORDER],
    indices: &[i8],
    pred_coef_q8: &[u8; MAX_LPC_ORDER],
    quant_step_size_q16: i32,
    order: usize,
) {
    let mut out_q10: i32 = 0;
    for i in (0..order).rev() {
        let pred_q10 = smulbb(out_q10, pred_coef_q8[i] as i32) >> 8;
        out_q10 = lshift(indices[i] as i32, 10);
        if out_q10 > 0 {
            out_q10 -= NLSF_QUANT_LEVEL_ADJ_Q10;
        } else if out_q10 < 0 {
            out_q10 += NLSF_QUANT_LEVEL_ADJ_Q10;
        }
        out_q10 = smlawb(pred_q10, out_q10, quant_step_size_q16);
        x_q10[i] = out_q10 as i16;
    }
}

/// Decodes the NLSF vector from its indices and stabilises it (libopus
/// `silk_NLSF_decode`). `nlsf_indices[0]` is the first-stage index, the rest
/// the `order` residual indices.
pub fn nlsf_decode(
    nlsf_q15: &mut [i16; MAX_LPC_ORDER],
    nlsf_indices: &[i8; MAX_LPC_ORDER + 1],
    cb: &NlsfCodebook,
) {
    let order = cb.order as usize;
    let cb1 = nlsf_indices[0].max(0) as usize;
    let mut ec_ix = [0i16; MAX_LPC_ORDER];
    let mut pred_q8 = [0u8; MAX_LPC_ORDER];
    nlsf_unpack(&mut ec_ix, &mut pred_q8, cb, cb1);

    let mut res_q10 = [0i16; MAX_LPC_ORDER];
    nlsf_residual_dequant(
        &mut res_q10,
        &nlsf_indices[1..],
        &pred_q8,
        cb.quant_step_size_q16 as i32,
        order,
    );

    // Add the residual, weighted by the inverse-sqrt weights, to the first stage.
    let cb_element = &cb.cb1_nlsf_q8[cb1 * order..];
    let cb_wght_q9 = &cb.cb1_wght_q9[cb1 * order..];
    for i in 0..order {
        let tmp = div32(lshift(res_q10[i] as i32, 14), cb_wght_q9[i] as i32)
            + lshift(cb_element[i] as i32, 7);
        nlsf_q15[i] = tmp.clamp(0, 32767) as i16;
    }
    nlsf_stabilize(&mut nlsf_q15[..order], cb.delta_min_q15);
}

/// Number of center-moving passes before the sort fallback (libopus `MAX_LOOPS`).
const MAX_LOOPS: usize = 20;

/// Pushes NLSFs apart so that neighbours are at least `delta_min_q15` apart
/// and the ends keep their distance from 0 and 1 (libopus
/// `silk_NLSF_stabilize`). `delta_min_q15` has `nlsf_q15.len() + 1` entries,
/// the last at least 1. The output is sorted.
pub fn nlsf_stabilize(nlsf_q15: &mut [i16], delta_min_q15: &[i16]) {
    let l = nlsf_q15.len();
    debug_assert!(l > 0 && delta_min_q15.len() > l && delta_min_q15[l] >= 1);
    let dmin = |i: usize| delta_min_q15[i] as i32;
    let mut loops = 0;
    while loops < MAX_LOOPS {
        // Find the tightest spacing, including both borders.
        let mut min_diff_q15 = nlsf_q15[0] as i32 - dmin(0);
        let mut idx = 0;
        for i in 1..l {
            let diff_q15 = nlsf_q15[i] as i32 - (nlsf_q15[i - 1] as i32 + dmin(i));
            if diff_q15 < min_diff_q15 {
                min_diff_q15 = diff_q15;
                idx = i;
            }
        }
        let diff_q15 = (1 << 15) - (nlsf_q15[l - 1] as i32 + dmin(l));
        if diff_q15 < min_diff_q15 {
            min_diff_q15 = diff_q15;
            idx = l;
        }
        if min_diff_q15 >= 0 {
            return;
        }
        if idx == 0 {
            nlsf_q15[0] = dmin(0) as i16;
        } else if idx == l {
            nlsf_q15[l - 1] = ((1 << 15) - dmin(l)) as i16;
        } else {
            // Range the pair's center may take without crowding the rest.
            let mut min_center_q15: i32 = (0..idx).map(dmin).sum();
            min_center_q15 += dmin(idx) >> 1;
            let mut max_center_q15: i32 = 1 << 15;
            max_center_q15 -= ((idx + 1)..=l).map(dmin).sum::<i32>();
            max_center_q15 -= dmin(idx) >> 1;
            // Move the pair apart around its (clamped) center.
            let center_freq_q15 = super::fixed::limit(
                rshift_round(nlsf_q15[idx - 1] as i32 + nlsf_q15[idx] as i32, 1),
                min_center_q15,
                max_center_q15,
            ) as i16;
            nlsf_q15[idx - 1] = (center_freq_q15 as i32 - (dmin(idx) >> 1)) as i16;
            nlsf_q15[idx] = (nlsf_q15[idx - 1] as i32 + dmin(idx)) as i16;
        }
        loops += 1;
    }
    // Fallback: sort, then enforce the spacing forward and backward.
    insertion_sort_increasing_all_values_i16(nlsf_q15);
    nlsf_q15[0] = (nlsf_q15[0] as i32).max(dmin(0)) as i16;
    for i in 1..l {
        nlsf_q15[i] =
            (nlsf_q15[i] as i32).max(add_sat16(nlsf_q15[i - 1] as i32, dmin(i)) as i32) as i16;
    }
    nlsf_q15[l - 1] = (nlsf_q15[l - 1] as i32).min((1 << 15) - dmin(l)) as i16;
    for i in (0..l - 1).rev() {
        nlsf_q15[i] = (nlsf_q15[i] as i32).min(nlsf_q15[i + 1] as i32 - dmin(i + 1)) as i16;
    }
}

/// Q format of the polynomial arithmetic in [`nlsf2a`] (libopus `QA`).
const QA: i32 = 16;

/// Builds one of the two symmetric polynomials from interleaved
/// `2*cos(LSF)` values, QA (libopus `silk_NLSF2A_find_poly`).
fn nlsf2a_find_poly(out: &mut [i32], c_lsf: &[i32], dd: usize) {
    out[0] = lshift(1, QA);
    out[1] = -c_lsf[0];
    for k in 1..dd {
        let ftmp = c_lsf[2 * k];
        out[k + 1] = lshift(out[k - 1], 1) - rshift_round64(smull(ftmp, out[k]), QA) as i32;
        for n in (2..=k).rev() {
            out[n] += out[n - 2] - rshift_round64(smull(ftmp, out[n - 1]), QA) as i32;
        }
        out[1] -= ftmp;
    }
}

/// Order in which the cosines are placed for the order-16 polynomial
/// product, chosen upstream for numerical accuracy (libopus `ordering16`).
#[rustfmt::skip]
const ORDERING16: [u8; 16] = [0, 15, 8, 7, 4, 11, 12, 3, 2, 13, 10, 5, 6, 9, 14, 1];
/// The same for order 10 (libopus `ordering10`).
#[rustfmt::skip]
const ORDERING10: [u8; 10] = [0, 9, 6, 3, 4, 5, 8, 1, 2, 7];

/// Converts NLSFs (Q15) to LPC coefficients (Q12), with bandwidth expansion
/// until the filter is stable (libopus `silk_NLSF2A`). `d` is 10 or 16.
pub fn nlsf2a(a_q12: &mut [i16], nlsf: &[i16], d: usize) {
    debug_assert!(d == 10 || d == 16);
    let ordering: &[u8] = if d == 16 { &ORDERING16 } else { &ORDERING10 };
    let mut cos_lsf_qa = [0i32; MAX_LPC_ORDER];
    for k in 0..d {
        debug_assert!(nlsf[k] >= 0);
        let n = nlsf[k] as i32;
        // Table segment (0..127) and position inside it (0..255).
        let f_int = (n >> (15 - 7)).clamp(0, 127);
        let f_frac = n - lshift(f_int, 15 - 7);
        let cos_val = LSF_COS_TAB_FIX_Q12[f_int as usize] as i32;
        let delta = LSF_COS_TAB_FIX_Q12[f_int as usize + 1] as i32 - cos_val;
        cos_lsf_qa[ordering[k] as usize] =
            rshift_round(lshift(cos_val, 8) + delta * f_frac, 20 - QA);
    }

    let dd = d >> 1;
    let mut p = [0i32; MAX_LPC_ORDER / 2 + 1];
    let mut q = [0i32; MAX_LPC_ORDER / 2 + 1];
    nlsf2a_find_poly(&mut p, &cos_lsf_qa[0..], dd);
    nlsf2a_find_poly(&mut q, &cos_lsf_qa[1..], dd);

    // Combine the even and odd polynomials into the filter, Q(QA + 1).
    let mut a32_qa1 = [0i32; MAX_LPC_ORDER];
    for k in 0..dd {
        let ptmp = p[k + 1] + p[k];
        let qtmp = q[k + 1] - q[k];
        a32_qa1[k] = -qtmp - ptmp;
        a32_qa1[d - k - 1] = qtmp - ptmp;
    }

    lpc_fit(a_q12, &mut a32_qa1[..d], 12, QA + 1);

    let mut i = 0;
    while lpc_inverse_pred_gain(&a_q12[..d]) == 0 && i < MAX_LPC_STABILIZE_ITERATIONS {
        // Too close to unstable: expand the bandwidth of the unrounded
        // coefficients and round again.
        bwexpander_32(&mut a32_qa1[..d], 65536 - lshift(2, i as i32));
        for k in 0..d {
            a_q12[k] = rshift_round(a32_qa1[k], QA + 1 - 12) as i16;
        }
        i += 1;
    }
}

/// Converts 32-bit coefficients in Q`q_in` to 16-bit in Q`q_out`, shrinking
/// them by bandwidth expansion (at most 10 rounds, then clipping) so they fit
/// (libopus `silk_LPC_fit`). `a_qin` is updated to match the output.
pub fn lpc_fit(a_qout: &mut [i16], a_qin: &mut [i32], q_out: i32, q_in: i32) {
    let d = a_qin.len();
    let mut idx = 0;
    let mut i = 0;
    while i < 10 {
        let mut maxabs = 0;
        for (k, &v) in a_qin.iter().enumerate() {
            let absval = abs(v);
            if absval > maxabs {
                maxabs = absval;
                idx = k;
            }
        }
        maxabs = rshift_round(maxabs, q_in - q_out);
        if maxabs > i16::MAX as i32 {
            // (i32::MAX >> 14) + i16::MAX keeps the next shift in range.
            maxabs = maxabs.min(163_838);
            let chirp_q16 = super::fixed::fix_const(0.999, 16)
                - div32(
                    lshift(maxabs - i16::MAX as i32, 14),
                    (maxabs * (idx as i32 + 1)) >> 2,
                );
            bwexpander_32(a_qin, chirp_q16);
        } else {
            break;
        }
        i += 1;
    }
    if i == 10 {
        for k in 0..d {
            a_qout[k] = sat16(rshift_round(a_qin[k], q_in - q_out));
            a_qin[k] = lshift(a_qout[k] as i32, q_in - q_out);
        }
    } else {
        for k in 0..d {
            a_qout[k] = rshift_round(a_qin[k], q_in - q_out) as i16;
        }
    }
}

/// Bandwidth expansion of a 16-bit AR filter: `ar[i] *= chirp^(i+1)`, with
/// rounded multiplies (libopus `silk_bwexpander`).
pub fn bwexpander(ar: &mut [i16], mut chirp_q16: i32) {
    let d = ar.len();
    let chirp_minus_one_q16 = chirp_q16 - 65536;
    for a in ar[..d - 1].iter_mut() {
        *a = rshift_round(chirp_q16 * *a as i32, 16) as i16;
        chirp_q16 += rshift_round(chirp_q16 * chirp_minus_one_q16, 16);
    }
    ar[d - 1] = rshift_round(chirp_q16 * ar[d - 1] as i32, 16) as i16;
}

/// Bandwidth expansion of a 32-bit AR filter (libopus `silk_bwexpander_32`).
pub fn bwexpander_32(ar: &mut [i32], mut chirp_q16: i32) {
    let d = ar.len();
    let chirp_minus_one_q16 = chirp_q16 - 65536;
    for a in ar[..d - 1].iter_mut() {
        *a = smulww(chirp_q16, *a);
        chirp_q16 += rshift_round(chirp_q16 * chirp_minus_one_q16, 16);
    }
    ar[d - 1] = smulww(chirp_q16, ar[d - 1]);
}

/// Q format of the step-down recursion (libopus `QA` in `LPC_inv_pred_gain.c`).
const QA_INV: i32 = 24;
/// Largest reflection coefficient accepted, Q24 (libopus `A_LIMIT`, 0.99975).
const A_LIMIT: i32 = super::fixed::fix_const(0.99975, QA_INV as u32);
/// Smallest inverse prediction gain accepted, Q30 (1 / `MAX_PREDICTION_POWER_GAIN` = 1e-4).
const MIN_INV_GAIN_Q30: i32 = 107_374;

/// `(a * b) >> q` rounded, in 64 bits (libopus `MUL32_FRAC_Q`).
#[inline]
fn mul32_frac_q(a: i32, b: i32, q: i32) -> i32 {
    rshift_round64(smull(a, b), q) as i32
}

/// Step-down recursion on Q24 coefficients (libopus `LPC_inverse_pred_gain_QA_c`).
fn lpc_inverse_pred_gain_qa(a_qa: &mut [i32; MAX_LPC_ORDER], order: usize) -> i32 {
    let mut inv_gain_q30: i32 = 1 << 30;
    for k in (1..order).rev() {
        if a_qa[k] > A_LIMIT || a_qa[k] < -A_LIMIT {
            return 0;
        }
        let rc_q31 = -lshift(a_qa[k], 31 - QA_INV);
        // In [1, 2^30] thanks to A_LIMIT.
        let rc_mult1_q30 = (1 << 30) - smmul(rc_q31, rc_q31);
        inv_gain_q30 = lshift(smmul(inv_gain_q30, rc_mult1_q30), 2);
        if inv_gain_q30 < MIN_INV_GAIN_Q30 {
            return 0;
        }
        let mult2q = 32 - clz32(abs(rc_mult1_q30));
        let rc_mult2 = inverse32_varq(rc_mult1_q30, mult2q + 30);
        for n in 0..(k + 1) >> 1 {
            let tmp1 = a_qa[n];
            let tmp2 = a_qa[k - n - 1];
            let tmp64 = rshift_round64(
                smull(sub_sat32(tmp1, mul32_frac_q(tmp2, rc_q31, 31)), rc_mult2),
                mult2q,
            );
            if tmp64 > i32::MAX as i64 || tmp64 < i32::MIN as i64 {
                return 0;
            }
            a_qa[n] = tmp64 as i32;
            let tmp64 = rshift_round64(
                smull(sub_sat32(tmp2, mul32_frac_q(tmp1, rc_q31, 31)), rc_mult2),
                mult2q,
            );
            if tmp64 > i32::MAX as i64 || tmp64 < i32::MIN as i64 {
                return 0;
            }
            a_qa[k - n - 1] = tmp64 as i32;
        }
    }
    if a_qa[0] > A_LIMIT || a_qa[0] < -A_LIMIT {
        return 0;
    }
    let rc_q31 = -lshift(a_qa[0], 31 - QA_INV);
    let rc_mult1_q30 = (1 << 30) - smmul(rc_q31, rc_q31);
    inv_gain_q30 = lshift(smmul(inv_gain_q30, rc_mult1_q30), 2);
    if inv_gain_q30 < MIN_INV_GAIN_Q30 {
        return 0;
    }
    inv_gain_q30
}

/// Inverse prediction gain of a Q12 LPC filter, Q30; 0 when the filter is
/// unstable or its gain exceeds 1e4 (libopus `silk_LPC_inverse_pred_gain`).
pub fn lpc_inverse_pred_gain(a_q12: &[i16]) -> i32 {
    let order = a_q12.len();
    debug_assert!(order <= MAX_LPC_ORDER);
    let mut atmp_qa = [0i32; MAX_LPC_ORDER];
    let mut dc_resp: i32 = 0;
    for (k, &a) in a_q12.iter().enumerate() {
        dc_resp += a as i32;
        atmp_qa[k] = lshift(a as i32, QA_INV - 12);
    }
    if dc_resp >= 4096 {
        return 0;
    }
    lpc_inverse_pred_gain_qa(&mut atmp_qa, order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::silk::tables_nlsf_cb_nb_mb::NLSF_CB_NB_MB;
    use crate::silk::tables_nlsf_cb_wb::NLSF_CB_WB;

    const RNG_SEED: u32 = 0x0b5e_55ed;

    fn xorshift(s: &mut u32) -> u32 {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        *s
    }

    #[test]
    fn constants() {
        assert_eq!(A_LIMIT, 16_773_022);
        assert_eq!(
            NLSF_QUANT_LEVEL_ADJ_Q10,
            super::super::fixed::fix_const(0.1, 10)
        );
        assert_eq!(NLSF_CB_NB_MB.quant_step_size_q16, 11796);
        assert_eq!(NLSF_CB_WB.quant_step_size_q16, 9830);
        assert_eq!(NLSF_CB_WB.inv_quant_step_size_q6, 427);
        assert_eq!(NLSF_CB_NB_MB.inv_quant_step_size_q6, 356);
    }

    #[test]
    fn stabilize_random_vectors() {
        let mut s = RNG_SEED;
        for cb in [&NLSF_CB_NB_MB, &NLSF_CB_WB] {
            let d = cb.order as usize;
            for _ in 0..2000 {
                let mut nlsf = [0i16; MAX_LPC_ORDER];
                for v in nlsf[..d].iter_mut() {
                    *v = (xorshift(&mut s) & 0x7fff) as i16;
                }
                nlsf_stabilize(&mut nlsf[..d], cb.delta_min_q15);
                let dm = cb.delta_min_q15;
                assert!(nlsf[0] >= dm[0]);
                for i in 1..d {
                    assert!(
                        nlsf[i] as i32 - nlsf[i - 1] as i32 >= dm[i] as i32,
                        "{:?}",
                        &nlsf[..d]
                    );
                }
                assert!(nlsf[d - 1] as i32 <= 32768 - dm[d] as i32);
            }
        }
    }

    #[test]
    fn nlsf2a_random_inputs_give_stable_filters() {
        let mut s = RNG_SEED ^ 0xffff;
        for cb in [&NLSF_CB_NB_MB, &NLSF_CB_WB] {
            let d = cb.order as usize;
            for _ in 0..2000 {
                let mut nlsf = [0i16; MAX_LPC_ORDER];
                for v in nlsf[..d].iter_mut() {
                    *v = (xorshift(&mut s) & 0x7fff) as i16;
                }
                nlsf_stabilize(&mut nlsf[..d], cb.delta_min_q15);
                let mut a = [0i16; MAX_LPC_ORDER];
                nlsf2a(&mut a[..d], &nlsf[..d], d);
                assert!(
                    lpc_inverse_pred_gain(&a[..d]) > 0,
                    "unstable: {:?}",
                    &a[..d]
                );
            }
        }
    }

    #[test]
    fn nlsf2a_flat_spectrum_is_near_zero_filter() {
        // Evenly spaced NLSFs describe a flat spectrum: coefficients near 0.
        let d = 16;
        let mut nlsf = [0i16; 16];
        for (i, v) in nlsf.iter_mut().enumerate() {
            *v = ((i as i32 + 1) * 32768 / 17) as i16;
        }
        let mut a = [0i16; 16];
        nlsf2a(&mut a, &nlsf, d);
        assert!(a.iter().all(|&c| c.abs() < 64), "{a:?}");
        assert!(lpc_inverse_pred_gain(&a) > 1 << 29);
    }

    #[test]
    fn decode_every_first_stage_vector() {
        let mut s = RNG_SEED;
        for cb in [&NLSF_CB_NB_MB, &NLSF_CB_WB] {
            let d = cb.order as usize;
            for cb1 in 0..cb.n_vectors as i8 {
                let mut idx = [0i8; MAX_LPC_ORDER + 1];
                idx[0] = cb1;
                for v in idx[1..=d].iter_mut() {
                    *v = (xorshift(&mut s) % 21) as i8 - 10;
                }
                let mut nlsf = [0i16; MAX_LPC_ORDER];
                nlsf_decode(&mut nlsf, &idx, cb);
                for i in 1..d {
                    assert!(nlsf[i] > nlsf[i - 1]);
                }
            }
        }
    }

    #[test]
    fn unstable_filters_are_rejected() {
        assert_eq!(lpc_inverse_pred_gain(&[4096, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 0);
        assert_eq!(lpc_inverse_pred_gain(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 4095]), 0);
        assert_eq!(lpc_inverse_pred_gain(&[0; 10]), 1 << 30);
        let mut a = [8000i16, -4000, 3000, 100, 0, 0, 0, 0, 0, 0];
        bwexpander(&mut a, 60000);
        assert_eq!(a[0], rshift_round(60000 * 8000, 16) as i16);
    }
}

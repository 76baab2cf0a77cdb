//! LPC coefficients to normalised line spectral frequencies, fixed point
//! (libopus `silk/A2NLSF.c`), used by the float encoder through
//! [`super::wrappers::a2nlsf_flp`].
//!
//! The NLSFs are the roots of the even and odd polynomials `P` and `Q` of the
//! whitening filter, expressed in `cos(f)`; they are found by scanning the
//! cosine table for sign changes, refining each by three bisections and a
//! linear interpolation. If some roots are missing the filter is bandwidth
//! expanded and the search restarted, up to 16 times, then a flat spectrum
//! is returned.
//!
//! For wildly out-of-range input (which finite float analysis never
//! produces) libopus's 32-bit sums wrap; this port wraps the same way
//! instead of trapping.

use crate::silk::fixed::{abs, smlaww};
use crate::silk::nlsf::bwexpander_32;
use crate::silk::structs::{LSF_COS_TAB_SZ_FIX, MAX_LPC_ORDER};
use crate::silk::tables_other::LSF_COS_TAB_FIX_Q12;

/// Bisection steps per root (libopus `BIN_DIV_STEPS_A2NLSF_FIX`).
const BIN_DIV_STEPS: i32 = 3;
/// Bandwidth expansions before giving up (libopus `MAX_ITERATIONS_A2NLSF_FIX`).
const MAX_ITERATIONS: i32 = 16;

/// Turns `p` from a polynomial in `cos(n f)` into one in `cos(f)^n`.
fn trans_poly(p: &mut [i32], dd: usize) {
    for k in 2..=dd {
        for n in (k + 1..=dd).rev() {
            p[n - 2] = p[n - 2].wrapping_sub(p[n]);
        }
        p[k - 2] = p[k - 2].wrapping_sub(((p[k] as u32) << 1) as i32);
    }
}

/// Evaluates `p` (Q16) at `x` (Q12) by Horner's rule; result Q16.
fn eval_poly(p: &[i32], x: i32, dd: usize) -> i32 {
    let mut y32 = p[dd];
    let x_q16 = ((x as u32) << 4) as i32;
    for n in (0..dd).rev() {
        y32 = smlaww(p[n], y32, x_q16);
    }
    y32
}

/// Builds `P` and `Q` from `a_q16`, divides out their trivial roots at
/// z = -1 and z = 1, and converts both to powers of `cos(f)`.
fn init(a_q16: &[i32], p: &mut [i32], q: &mut [i32], dd: usize) {
    p[dd] = 1 << 16;
    q[dd] = 1 << 16;
    for k in 0..dd {
        p[k] = a_q16[dd - k - 1].wrapping_neg().wrapping_sub(a_q16[dd + k]);
        q[k] = a_q16[dd - k - 1].wrapping_neg().wrapping_add(a_q16[dd + k]);
    }
    for k in (1..=dd).rev() {
        p[k - 1] = p[k - 1].wrapping_sub(p[k]);
        q[k - 1] = q[k - 1].wrapping_add(q[k]);
    }
    trans_poly(p, dd);
    trans_poly(q, dd);
}

/// Computes `d` NLSFs (Q15, increasing) from the monic whitening filter
/// `a_q16[..d]` (libopus `silk_A2NLSF`). `a_q16` is bandwidth expanded in
/// place when roots are missed. `d` is even and at most 16.
///
/// # Panics
/// If `d` is odd, zero or above 16, or a slice is shorter than `d`.
pub fn a2nlsf(nlsf: &mut [i16], a_q16: &mut [i32], d: usize) {
    assert!((2..=MAX_LPC_ORDER).contains(&d) && d % 2 == 0);
    let a_q16 = &mut a_q16[..d];
    let nlsf = &mut nlsf[..d];
    let dd = d >> 1;
    let mut pq = [[0i32; MAX_LPC_ORDER / 2 + 1]; 2];
    {
        let [p, q] = &mut pq;
        init(a_q16, p, q, dd);
    }

    let mut sel = 0usize;
    let mut xlo = LSF_COS_TAB_FIX_Q12[0] as i32;
    let mut ylo = eval_poly(&pq[sel], xlo, dd);
    let mut root_ix;
    if ylo < 0 {
        nlsf[0] = 0;
        sel = 1;
        ylo = eval_poly(&pq[sel], xlo, dd);
        root_ix = 1;
    } else {
        root_ix = 0;
    }
    let mut k = 1usize;
    let mut i = 0i32;
    let mut thr = 0i32;
    loop {
        let mut xhi = LSF_COS_TAB_FIX_Q12[k] as i32;
        let mut yhi = eval_poly(&pq[sel], xhi, dd);

        if (ylo <= 0 && yhi >= thr) || (ylo >= 0 && yhi <= -thr) {
            thr = if yhi == 0 { 1 } else { 0 };
            // Bisection.
            let mut ffrac = -256i32;
            for m in 0..BIN_DIV_STEPS {
                let xmid = ((xlo + xhi) >> 1) + ((xlo + xhi) & 1);
                let ymid = eval_poly(&pq[sel], xmid, dd);
                if (ylo <= 0 && ymid >= 0) || (ylo >= 0 && ymid <= 0) {
                    xhi = xmid;
                    yhi = ymid;
                } else {
                    xlo = xmid;
                    ylo = ymid;
                    ffrac += 128 >> m;
                }
            }
            // Linear interpolation inside the last interval.
            if abs(ylo) < 65536 {
                let den = ylo.wrapping_sub(yhi);
                let nom = (ylo << (8 - BIN_DIV_STEPS)).wrapping_add(den >> 1);
                if den != 0 {
                    ffrac = ffrac.wrapping_add(nom.wrapping_div(den));
                }
            } else {
                let den = ylo.wrapping_sub(yhi) >> (8 - BIN_DIV_STEPS);
                if den != 0 {
                    ffrac = ffrac.wrapping_add(ylo.wrapping_div(den));
                }
            }
            nlsf[root_ix] = (((k as i32) << 8).wrapping_add(ffrac)).min(i16::MAX as i32) as i16;

            root_ix += 1;
            if root_ix >= d {
                break;
            }
            sel = root_ix & 1;
            xlo = LSF_COS_TAB_FIX_Q12[k - 1] as i32;
            ylo = (1 - (root_ix as i32 & 2)) << 12;
        } else {
            k += 1;
            xlo = xhi;
            ylo = yhi;
            thr = 0;

            if k > LSF_COS_TAB_SZ_FIX {
                i += 1;
                if i > MAX_ITERATIONS {
                    // Give up: equally spaced NLSFs (a flat spectrum).
                    nlsf[0] = ((1 << 15) / (d as i32 + 1)) as i16;
                    for k in 1..d {
                        nlsf[k] = nlsf[k - 1].wrapping_add(nlsf[0]);
                    }
                    return;
                }
                bwexpander_32(a_q16, 65536 - (1 << i));
                {
                    let [p, q] = &mut pq;
                    init(a_q16, p, q, dd);
                }
                sel = 0;
                xlo = LSF_COS_TAB_FIX_Q12[0] as i32;
                ylo = eval_poly(&pq[sel], xlo, dd);
                if ylo < 0 {
                    nlsf[0] = 0;
                    sel = 1;
                    ylo = eval_poly(&pq[sel], xlo, dd);
                    root_ix = 1;
                } else {
                    root_ix = 0;
                }
                k = 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::silk::nlsf::nlsf2a;

    #[test]
    fn flat_filter_gives_equal_spacing() {
        let mut a = [0i32; 10];
        let mut nlsf = [0i16; 10];
        a2nlsf(&mut nlsf, &mut a, 10);
        for (k, &v) in nlsf.iter().enumerate() {
            let want = (k as i32 + 1) * 32768 / 11;
            assert!((v as i32 - want).abs() < 40, "{k}: {v} vs {want}");
        }
    }

    #[test]
    fn round_trips_through_nlsf2a() {
        let nlsf_in: [i16; 16] = [
            1000, 3000, 5000, 7000, 9000, 11000, 13000, 15000, 17000, 19000, 21000, 23000, 25000,
            27000, 29000, 31000,
        ];
        let mut a_q12 = [0i16; 16];
        nlsf2a(&mut a_q12, &nlsf_in, 16);
        let mut a_q16: [i32; 16] = core::array::from_fn(|i| (a_q12[i] as i32) << 4);
        let mut nlsf = [0i16; 16];
        a2nlsf(&mut nlsf, &mut a_q16, 16);
        for k in 0..16 {
            assert!(
                (nlsf[k] - nlsf_in[k]).abs() < 64,
                "{k}: {} vs {}",
                nlsf[k],
                nlsf_in[k]
            );
        }
    }

    #[test]
    fn extreme_input_does_not_panic() {
        for v in [i32::MIN, i32::MAX, -1 << 20, 1 << 20] {
            let mut a = [v; 16];
            let mut nlsf = [0i16; 16];
            a2nlsf(&mut nlsf, &mut a, 16);
            let mut a: [i32; 16] = core::array::from_fn(|i| {
                if i % 2 == 0 {
                    v
                } else {
                    v.wrapping_add(1).wrapping_neg()
                }
            });
            a2nlsf(&mut nlsf, &mut a, 16);
        }
    }
}

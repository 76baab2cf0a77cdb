//! Burg's method with a bound on the prediction gain
//! (libopus `silk/float/burg_modified_FLP.c`).

use super::energy::energy_flp;
use super::inner_product::inner_product_flp;
use super::FIND_LPC_COND_FAC;

/// Largest order [`burg_modified_flp`] handles (libopus `SILK_MAX_ORDER_LPC`).
pub const BURG_MAX_ORDER: usize = 24;
/// Largest `subfr_length * nb_subfr` (libopus `MAX_FRAME_SIZE` of this file):
/// four 5 ms subframes at 16 kHz, each with 16 history samples.
pub const BURG_MAX_FRAME_SIZE: usize = 384;

/// Finds order-`d` prediction coefficients `a[..d]` for `nb_subfr` stacked
/// subframes of `subfr_length` samples each (the first `d` of each being
/// history), and returns the residual energy (libopus
/// `silk_burg_modified_FLP`).
///
/// The forward and backward error energies are tracked through correlation
/// updates instead of filtering, all in `f64`, with a small white-noise term
/// (`FIND_LPC_COND_FAC`) for conditioning. When the inverse prediction gain
/// would drop to `min_inv_gain`, the last reflection coefficient is shrunk to
/// meet it exactly and the recursion stops there.
///
/// # Panics
/// If `d > BURG_MAX_ORDER`, `d > subfr_length`, or `x` holds fewer than
/// `subfr_length * nb_subfr` samples.
pub fn burg_modified_flp(
    a: &mut [f32],
    x: &[f32],
    min_inv_gain: f32,
    subfr_length: usize,
    nb_subfr: usize,
    d: usize,
) -> f32 {
    assert!(d <= BURG_MAX_ORDER && d <= subfr_length);
    let x = &x[..subfr_length * nb_subfr];
    let min_inv_gain = min_inv_gain as f64;
    let cond = FIND_LPC_COND_FAC as f64;

    let mut c0 = energy_flp(x);
    let mut c_first_row = [0f64; BURG_MAX_ORDER];
    for sub in x.chunks_exact(subfr_length) {
        for n in 1..d + 1 {
            c_first_row[n - 1] += inner_product_flp(sub, &sub[n..], subfr_length - n);
        }
    }
    let mut c_last_row = c_first_row;

    let mut caf = [0f64; BURG_MAX_ORDER + 1];
    let mut cab = [0f64; BURG_MAX_ORDER + 1];
    let mut af = [0f64; BURG_MAX_ORDER];
    caf[0] = c0 + cond * c0 + 1e-9f32 as f64;
    cab[0] = caf[0];
    let mut inv_gain = 1.0f64;
    let mut reached_max_gain = false;
    let l = subfr_length;

    for n in 0..d {
        // Remove the contribution of the samples that order n + 1 no longer
        // sees from the correlations, and update C * Af and C * Ab.
        for sub in x.chunks_exact(subfr_length) {
            let mut tmp1 = sub[n] as f64;
            let mut tmp2 = sub[l - n - 1] as f64;
            for k in 0..n {
                c_first_row[k] -= (sub[n] * sub[n - k - 1]) as f64;
                c_last_row[k] -= (sub[l - n - 1] * sub[l - n + k]) as f64;
                let atmp = af[k];
                tmp1 += sub[n - k - 1] as f64 * atmp;
                tmp2 += sub[l - n + k] as f64 * atmp;
            }
            for k in 0..=n {
                caf[k] -= tmp1 * sub[n - k] as f64;
                cab[k] -= tmp2 * sub[l - n + k - 1] as f64;
            }
        }
        let mut tmp1 = c_first_row[n];
        let mut tmp2 = c_last_row[n];
        for k in 0..n {
            let atmp = af[k];
            tmp1 += c_last_row[n - k - 1] * atmp;
            tmp2 += c_first_row[n - k - 1] * atmp;
        }
        caf[n + 1] = tmp1;
        cab[n + 1] = tmp2;

        // Numerator and denominator of the next reflection coefficient.
        let mut num = cab[n + 1];
        let mut nrg_b = cab[0];
        let mut nrg_f = caf[0];
        for k in 0..n {
            let atmp = af[k];
            num += cab[n - k] * atmp;
            nrg_b += cab[k + 1] * atmp;
            nrg_f += caf[k + 1] * atmp;
        }

        let mut rc = -2.0 * num / (nrg_f + nrg_b);

        // Track the inverse prediction gain and clamp at its floor.
        let tmp1 = inv_gain * (1.0 - rc * rc);
        if tmp1 <= min_inv_gain {
            rc = (1.0 - min_inv_gain / inv_gain).sqrt();
            if num > 0.0 {
                rc = -rc;
            }
            inv_gain = min_inv_gain;
            reached_max_gain = true;
        } else {
            inv_gain = tmp1;
        }

        // Step up the AR coefficients.
        for k in 0..(n + 1) >> 1 {
            let tmp1 = af[k];
            let tmp2 = af[n - k - 1];
            af[k] = tmp1 + rc * tmp2;
            af[n - k - 1] = tmp2 + rc * tmp1;
        }
        af[n] = rc;

        if reached_max_gain {
            for v in &mut af[n + 1..d] {
                *v = 0.0;
            }
            break;
        }

        for k in 0..=n + 1 {
            let tmp1 = caf[k];
            caf[k] += rc * cab[n + 1 - k];
            cab[n + 1 - k] += rc * tmp1;
        }
    }

    let nrg_f = if reached_max_gain {
        for k in 0..d {
            a[k] = -af[k] as f32;
        }
        // Without the history samples of each subframe.
        for sub in x.chunks_exact(subfr_length) {
            c0 -= energy_flp(&sub[..d]);
        }
        c0 * inv_gain
    } else {
        let mut nrg_f = caf[0];
        let mut tmp1 = 1.0f64;
        for k in 0..d {
            let atmp = af[k];
            nrg_f += caf[k + 1] * atmp;
            tmp1 += atmp * atmp;
            a[k] = -atmp as f32;
        }
        nrg_f - cond * c0 * tmp1
    };
    nrg_f as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u32) -> f32 {
        *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (*seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    }

    #[test]
    fn first_order_ar_process() {
        // x[n] = 0.9 x[n-1] + e[n]: order-1 Burg finds a close to 0.9.
        let mut seed = 1u32;
        let mut x = [0f32; 4 * 96];
        let mut prev = 0f32;
        for v in x.iter_mut() {
            prev = 0.9 * prev + lcg(&mut seed) * 1000.0;
            *v = prev;
        }
        let mut a = [0f32; 1];
        let nrg = burg_modified_flp(&mut a, &x, 1e-4, 96, 4, 1);
        assert!((a[0] - 0.9).abs() < 0.05, "{}", a[0]);
        assert!(nrg > 0.0);
    }

    #[test]
    fn random_and_hostile_inputs_do_not_panic() {
        let mut seed = 7u32;
        let mut x = [0f32; 384];
        for round in 0..50 {
            for v in x.iter_mut() {
                *v = lcg(&mut seed) * 30000.0;
            }
            if round % 5 == 1 {
                x[round] = f32::NAN;
            }
            if round % 5 == 2 {
                x.iter_mut().for_each(|v| *v = 0.0);
            }
            for &(l, nb, d) in &[
                (96usize, 4usize, 16usize),
                (90, 4, 10),
                (48, 2, 16),
                (16, 1, 16),
            ] {
                let mut a = [0f32; 16];
                let e = burg_modified_flp(&mut a, &x, 1e-4, l, nb, d);
                if round % 5 != 1 {
                    assert!(e.is_finite() && a.iter().all(|v| v.is_finite()));
                }
            }
        }
    }
}

//! Burg LPC analysis and the "Burg cepstrum" that feeds the neural PLC (libopus 1.6.1
//! `dnn/burg.c`, and `burg_cepstral_analysis` / `compute_burg_cepstrum` in `dnn/freq.c`).
//!
//! [`silk_burg_analysis`] is the float Burg method SILK uses (a copy of
//! `silk/float/burg_modified_FLP.c` kept in `dnn/`): correlations in double, reflection
//! coefficients limited so the prediction gain stays below `1/min_inv_gain`.
//!
//! [`burg_cepstral_analysis`] runs it at order 16 on each 5 ms half of a 10 ms frame
//! (pre-emphasised), turns each LPC fit into 18 log band energies through the inverse power
//! spectrum of its filter, and returns 36 values: the mean of the two half-frame cepstra,
//! then their difference.
//!
//! Operation order and float/double promotions are libopus's, so results are bit-exact with
//! its generic C build. Nothing allocates. Non-finite input does not panic (libopus would
//! trip its `assert`s there); NaN then propagates to the output.

use opus_core::celt::kiss_fft::Complex;

use crate::freq::{
    compute_band_energy_inverse, dct, forward_transform, max16, max_f64, FRAME_SIZE, FREQ_SIZE,
    LPC_ORDER, NB_BANDS, PREEMPHASIS, WINDOW_SIZE,
};

/// Highest order [`silk_burg_analysis`] supports (libopus `SILK_MAX_ORDER_LPC`).
pub const MAX_BURG_ORDER: usize = 16;
/// Longest input [`silk_burg_analysis`] supports, all subframes together (libopus
/// `MAX_FRAME_SIZE` in `burg.c`).
pub const MAX_BURG_INPUT: usize = 384;
/// Values produced by [`burg_cepstral_analysis`]: mean and difference cepstra.
pub const BURG_CEPSTRUM_SIZE: usize = 2 * NB_BANDS;

/// Conditioning added to the diagonal of the correlation matrix (libopus
/// `FIND_LPC_COND_FAC`, a float constant used in double arithmetic).
const FIND_LPC_COND_FAC: f32 = 1e-5;

/// Sum of squares in double, four products per step (libopus `silk_energy_FLP`).
fn energy_flp(data: &[f32]) -> f64 {
    let mut result = 0.0f64;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        result += f64::from(c[0]) * f64::from(c[0])
            + f64::from(c[1]) * f64::from(c[1])
            + f64::from(c[2]) * f64::from(c[2])
            + f64::from(c[3]) * f64::from(c[3]);
    }
    for &v in chunks.remainder() {
        result += f64::from(v) * f64::from(v);
    }
    result
}

/// Inner product in double, four products per step (libopus `silk_inner_product_FLP`).
fn inner_product_flp(a: &[f32], b: &[f32]) -> f64 {
    let mut result = 0.0f64;
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        result += f64::from(x[0]) * f64::from(y[0])
            + f64::from(x[1]) * f64::from(y[1])
            + f64::from(x[2]) * f64::from(y[2])
            + f64::from(x[3]) * f64::from(y[3]);
    }
    for (&x, &y) in ca.remainder().iter().zip(cb.remainder()) {
        result += f64::from(x) * f64::from(y);
    }
    result
}

/// Burg's method over `nb_subfr` stacked subframes of `subfr_length` samples (libopus
/// `silk_burg_analysis`, the float `dnn/burg.c` copy).
///
/// The order is `a.len()`; `a` receives the prediction coefficients (the predictor is
/// `sum a[k]·x[n-1-k]`). The reflection coefficients are limited so that the inverse
/// prediction gain never drops below `min_inv_gain`. Returns the residual energy, never
/// negative (NaN for non-finite input).
///
/// # Panics
/// If `a.len() > MAX_BURG_ORDER`, `subfr_length < a.len()`,
/// `subfr_length * nb_subfr > MAX_BURG_INPUT`, or `x` holds fewer than
/// `subfr_length * nb_subfr` samples. The feature analysis never does any of this.
pub fn silk_burg_analysis(
    a: &mut [f32],
    x: &[f32],
    min_inv_gain: f32,
    subfr_length: usize,
    nb_subfr: usize,
) -> f32 {
    let d = a.len();
    assert!(d <= MAX_BURG_ORDER, "Burg order above 16");
    assert!(subfr_length >= d, "Burg subframe shorter than the order");
    let total = subfr_length * nb_subfr;
    assert!(
        total <= MAX_BURG_INPUT && x.len() >= total,
        "Burg input too long or too short"
    );
    let min_inv_gain = f64::from(min_inv_gain);
    let cond = f64::from(FIND_LPC_COND_FAC);

    let mut c0 = energy_flp(&x[..total]);
    let mut c_first_row = [0.0f64; MAX_BURG_ORDER];
    for s in 0..nb_subfr {
        let xs = &x[s * subfr_length..(s + 1) * subfr_length];
        for n in 1..=d {
            c_first_row[n - 1] += inner_product_flp(&xs[..subfr_length - n], &xs[n..]);
        }
    }
    let mut c_last_row = c_first_row;
    let mut caf = [0.0f64; MAX_BURG_ORDER + 1];
    let mut cab = [0.0f64; MAX_BURG_ORDER + 1];
    let mut af = [0.0f64; MAX_BURG_ORDER];
    caf[0] = c0 + cond * c0 + f64::from(1e-9f32);
    cab[0] = caf[0];
    let mut inv_gain = 1.0f64;
    let mut reached_max_gain = false;

    for n in 0..d {
        // Remove the samples at the subframe edges from the running correlations, and
        // update the products of the correlation matrix with the current predictor.
        for s in 0..nb_subfr {
            let xs = &x[s * subfr_length..(s + 1) * subfr_length];
            let mut tmp1 = f64::from(xs[n]);
            let mut tmp2 = f64::from(xs[subfr_length - n - 1]);
            for k in 0..n {
                c_first_row[k] -= f64::from(xs[n] * xs[n - k - 1]);
                c_last_row[k] -= f64::from(xs[subfr_length - n - 1] * xs[subfr_length - n + k]);
                let atmp = af[k];
                tmp1 += f64::from(xs[n - k - 1]) * atmp;
                tmp2 += f64::from(xs[subfr_length - n + k]) * atmp;
            }
            for k in 0..=n {
                caf[k] -= tmp1 * f64::from(xs[n - k]);
                cab[k] -= tmp2 * f64::from(xs[subfr_length - n + k - 1]);
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

        // Limit the prediction gain.
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

        // Step-up recursion on the predictor.
        for k in 0..(n + 1) >> 1 {
            let t1 = af[k];
            let t2 = af[n - k - 1];
            af[k] = t1 + rc * t2;
            af[n - k - 1] = t2 + rc * t1;
        }
        af[n] = rc;

        if reached_max_gain {
            for v in af[n + 1..d].iter_mut() {
                *v = 0.0;
            }
            break;
        }

        for k in 0..=n + 1 {
            let t1 = caf[k];
            caf[k] += rc * cab[n + 1 - k];
            cab[n + 1 - k] += rc * t1;
        }
    }

    let nrg_f = if reached_max_gain {
        for (ak, &v) in a.iter_mut().zip(af.iter()) {
            *ak = (-v) as f32;
        }
        for s in 0..nb_subfr {
            c0 -= energy_flp(&x[s * subfr_length..s * subfr_length + d]);
        }
        c0 * inv_gain
    } else {
        let mut nrg_f = caf[0];
        let mut tmp1 = 1.0f64;
        for k in 0..d {
            let atmp = af[k];
            nrg_f += caf[k + 1] * atmp;
            tmp1 += atmp * atmp;
            a[k] = (-atmp) as f32;
        }
        nrg_f - cond * c0 * tmp1
    };
    let nrg_f = nrg_f as f32;
    if 0.0 > nrg_f {
        0.0
    } else {
        nrg_f
    }
}

/// Burg cepstrum of one 5 ms half-frame (libopus `compute_burg_cepstrum`, with its
/// `len = FRAME_SIZE/2` and `order = LPC_ORDER`).
fn compute_burg_cepstrum(pcm: &[f32; FRAME_SIZE / 2], out: &mut [f32; NB_BANDS]) {
    const LEN: usize = FRAME_SIZE / 2;
    const ORDER: usize = LPC_ORDER;
    let mut burg_in = [0.0f32; LEN - 1];
    for (i, b) in burg_in.iter_mut().enumerate() {
        *b = pcm[i + 1] - PREEMPHASIS * pcm[i];
    }
    let mut burg_lpc = [0.0f32; ORDER];
    let mut g = silk_burg_analysis(&mut burg_lpc, &burg_in, 1e-3, LEN - 1, 1);
    g /= (LEN - 2 * (ORDER - 1)) as f32;

    // Spectrum of the bandwidth-expanded analysis filter 1 - sum a_k z^-k.
    let mut x = [0.0f32; WINDOW_SIZE];
    x[0] = 1.0;
    for (i, &a) in burg_lpc.iter().enumerate() {
        x[i + 1] = (-f64::from(a) * 0.995f64.powf((i + 1) as f64)) as f32;
    }
    let mut lpc_spec = [Complex::default(); FREQ_SIZE];
    forward_transform(&mut lpc_spec, &x);
    let mut e_burg = [0.0f32; NB_BANDS];
    compute_band_energy_inverse(&mut e_burg, &lpc_spec);
    let cube = WINDOW_SIZE as f32 * WINDOW_SIZE as f32 * WINDOW_SIZE as f32;
    let gain = 0.45 * f64::from(g) * f64::from(1.0f32 / cube);
    for e in e_burg.iter_mut() {
        *e = (f64::from(*e) * gain) as f32;
    }

    // Log energies with the same spreading floor as the main analysis, but in double.
    let mut ly = [0.0f32; NB_BANDS];
    let mut log_max = -2.0f32;
    let mut follow = -2.0f32;
    for (l, &e) in ly.iter_mut().zip(e_burg.iter()) {
        let v = (1e-2 + f64::from(e)).log10() as f32;
        let v = max_f64(
            f64::from(log_max - 8.0),
            max_f64(f64::from(follow) - 2.5, f64::from(v)),
        ) as f32;
        *l = v;
        log_max = max16(log_max, v);
        follow = max_f64(f64::from(follow) - 2.5, f64::from(v)) as f32;
    }
    dct(out, &ly);
    out[0] += -4.0;
}

/// The 36-value Burg cepstrum of a 10 ms frame (libopus `burg_cepstral_analysis`): entries
/// `0..18` are the mean of the two 5 ms half-frame cepstra, `18..36` their difference.
///
/// `x` is one frame of 16 kHz audio on the int16 scale (±32768), not pre-emphasised.
pub fn burg_cepstral_analysis(ceps: &mut [f32; BURG_CEPSTRUM_SIZE], x: &[f32; FRAME_SIZE]) {
    let (first, second) = x.split_at(FRAME_SIZE / 2);
    let mut c0 = [0.0f32; NB_BANDS];
    let mut c1 = [0.0f32; NB_BANDS];
    let mut half = [0.0f32; FRAME_SIZE / 2];
    half.copy_from_slice(first);
    compute_burg_cepstrum(&half, &mut c0);
    half.copy_from_slice(second);
    compute_burg_cepstrum(&half, &mut c1);
    for i in 0..NB_BANDS {
        ceps[i] = (0.5 * f64::from(c0[i] + c1[i])) as f32;
        ceps[NB_BANDS + i] = c0[i] - c1[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0xb0_5eed;

    #[test]
    fn burg_agrees_with_yule_walker_on_an_ar2_process() {
        // x[n] = 1.2 x[n-1] - 0.5 x[n-2] + e[n]
        let mut rng = rand::rngs::StdRng::seed_from_u64(RNG_SEED);
        let mut x = [0.0f32; 384];
        for n in 2..x.len() {
            x[n] = 1.2 * x[n - 1] - 0.5 * x[n - 2] + rng.gen_range(-1.0..1.0);
        }
        let r = |k: usize| -> f64 {
            (k..x.len())
                .map(|n| f64::from(x[n]) * f64::from(x[n - k]))
                .sum()
        };
        let (r0, r1, r2) = (r(0), r(1), r(2));
        let det = r0 * r0 - r1 * r1;
        let yw = [(r1 * r0 - r2 * r1) / det, (r0 * r2 - r1 * r1) / det];
        let mut a = [0.0f32; 2];
        let e = silk_burg_analysis(&mut a, &x, 1e-4, 384, 1);
        for (b, y) in a.iter().zip(yw.iter()) {
            assert!(
                (f64::from(*b) - y).abs() < 0.02,
                "burg {a:?} vs yule-walker {yw:?}"
            );
        }
        assert!(e > 0.0);
    }

    #[test]
    fn silence_gives_finite_cepstrum() {
        let mut ceps = [0.0f32; BURG_CEPSTRUM_SIZE];
        burg_cepstral_analysis(&mut ceps, &[0.0; FRAME_SIZE]);
        assert!(ceps.iter().all(|c| c.is_finite()));
        // No difference between two silent halves.
        assert!(ceps[NB_BANDS..].iter().all(|&c| c == 0.0));
    }

    #[test]
    fn non_finite_input_does_not_panic() {
        let mut ceps = [0.0f32; BURG_CEPSTRUM_SIZE];
        let mut x = [0.0f32; FRAME_SIZE];
        x[10] = f32::NAN;
        x[100] = f32::INFINITY;
        burg_cepstral_analysis(&mut ceps, &x);
        burg_cepstral_analysis(&mut ceps, &[f32::MAX; FRAME_SIZE]);
        burg_cepstral_analysis(&mut ceps, &[f32::NEG_INFINITY; FRAME_SIZE]);
    }
}

//! Pitch analysis shared by CELT's PLC, its encoder pre-filter, SILK's float
//! pitch search and the neural models.
//!
//! A port of the float paths of libopus `celt/pitch.c` and `celt/pitch.h`:
//! the correlation kernels ([`xcorr_kernel`], [`celt_pitch_xcorr`],
//! [`celt_inner_prod`], [`dual_inner_prod`]), the 2x decimating pre-whitening
//! [`pitch_downsample`], the coarse-to-fine [`pitch_search`] and the octave
//! error check [`remove_doubling`]. Operation order follows libopus's plain C
//! code, so results are bit-exact with its float build (no SIMD).

use super::lpc::{celt_autocorr, celt_lpc};
use super::mathops::max32;

/// Largest `len + max_pitch` [`pitch_search`] accepts.
pub const PITCH_SEARCH_MAX_LAG: usize = 2048;
/// Largest `maxperiod` [`remove_doubling`] accepts.
pub const REMOVE_DOUBLING_MAX_PERIOD: usize = 1024;

/// Four running correlations `sum[k] += sum_j x[j] y[j+k]` for `k` in 0..4
/// over `len` terms (libopus `xcorr_kernel_c`). Reads `y[..len + 3]`.
///
/// # Panics
/// If `len < 3` or a slice is too short.
#[inline]
pub fn xcorr_kernel(x: &[f32], y: &[f32], sum: &mut [f32; 4], len: usize) {
    assert!(len >= 3);
    let x = &x[..len];
    let y = &y[..len + 3];
    let mut yi = 0;
    let mut y0 = y[yi];
    let mut y1 = y[yi + 1];
    let mut y2 = y[yi + 2];
    let mut y3;
    yi += 3;
    let mut j = 0;
    while j + 3 < len {
        let t = x[j];
        y3 = y[yi];
        yi += 1;
        sum[0] += t * y0;
        sum[1] += t * y1;
        sum[2] += t * y2;
        sum[3] += t * y3;
        let t = x[j + 1];
        y0 = y[yi];
        yi += 1;
        sum[0] += t * y1;
        sum[1] += t * y2;
        sum[2] += t * y3;
        sum[3] += t * y0;
        let t = x[j + 2];
        y1 = y[yi];
        yi += 1;
        sum[0] += t * y2;
        sum[1] += t * y3;
        sum[2] += t * y0;
        sum[3] += t * y1;
        let t = x[j + 3];
        y2 = y[yi];
        yi += 1;
        sum[0] += t * y3;
        sum[1] += t * y0;
        sum[2] += t * y1;
        sum[3] += t * y2;
        j += 4;
    }
    if j < len {
        let t = x[j];
        y3 = y[yi];
        yi += 1;
        sum[0] += t * y0;
        sum[1] += t * y1;
        sum[2] += t * y2;
        sum[3] += t * y3;
        j += 1;
        if j < len {
            let t = x[j];
            y0 = y[yi];
            yi += 1;
            sum[0] += t * y1;
            sum[1] += t * y2;
            sum[2] += t * y3;
            sum[3] += t * y0;
            j += 1;
            if j < len {
                let t = x[j];
                y1 = y[yi];
                sum[0] += t * y2;
                sum[1] += t * y3;
                sum[2] += t * y0;
                sum[3] += t * y1;
            }
        }
    }
}

/// The plain inner product, shared with the rest of CELT (libopus `celt_inner_prod`).
pub use super::mathops::celt_inner_prod;

/// The two inner products `(x . y01, x . y02)` over `n` terms
/// (libopus `dual_inner_prod_c`).
///
/// # Panics
/// If a slice is shorter than `n`.
#[inline]
pub fn dual_inner_prod(x: &[f32], y01: &[f32], y02: &[f32], n: usize) -> (f32, f32) {
    let mut xy01: f32 = 0.0;
    let mut xy02: f32 = 0.0;
    for i in 0..n {
        xy01 += x[i] * y01[i];
        xy02 += x[i] * y02[i];
    }
    (xy01, xy02)
}

/// Cross-correlation `xcorr[i] = sum_j x[j] y[i+j]` for `i` in `0..max_pitch`,
/// `j` in `0..len` (libopus `celt_pitch_xcorr_c`, float build).
///
/// # Panics
/// If `max_pitch == 0`, `len < 3` with `max_pitch >= 4`, or a slice is too short.
pub fn celt_pitch_xcorr(x: &[f32], y: &[f32], xcorr: &mut [f32], len: usize, max_pitch: usize) {
    assert!(max_pitch > 0);
    let mut i = 0;
    while i + 3 < max_pitch {
        let mut sum = [0f32; 4];
        xcorr_kernel(x, &y[i..], &mut sum, len);
        xcorr[i..i + 4].copy_from_slice(&sum);
        i += 4;
    }
    while i < max_pitch {
        xcorr[i] = celt_inner_prod(x, &y[i..], len);
        i += 1;
    }
}

/// The two lags with the best normalised correlation (libopus `find_best_pitch`,
/// float build).
fn find_best_pitch(xcorr: &[f32], y: &[f32], len: usize, max_pitch: usize) -> [usize; 2] {
    let mut syy: f32 = 1.0;
    let mut best_num = [-1f32, -1.0];
    let mut best_den = [0f32, 0.0];
    let mut best_pitch = [0usize, 1];
    for &v in &y[..len] {
        syy += v * v;
    }
    for i in 0..max_pitch {
        if xcorr[i] > 0.0 {
            // Scaling keeps the square away from both underflow and overflow.
            let mut xcorr16 = xcorr[i];
            xcorr16 *= 1e-12;
            let num = xcorr16 * xcorr16;
            if num * best_den[1] > best_num[1] * syy {
                if num * best_den[0] > best_num[0] * syy {
                    best_num[1] = best_num[0];
                    best_den[1] = best_den[0];
                    best_pitch[1] = best_pitch[0];
                    best_num[0] = num;
                    best_den[0] = syy;
                    best_pitch[0] = i;
                } else {
                    best_num[1] = num;
                    best_den[1] = syy;
                    best_pitch[1] = i;
                }
            }
        }
        syy += y[i + len] * y[i + len] - y[i] * y[i];
        syy = max32(1.0, syy);
    }
    best_pitch
}

/// Fixed 5-tap FIR, in place (libopus `celt_fir5`).
fn celt_fir5(x: &mut [f32], num: &[f32; 5]) {
    let [num0, num1, num2, num3, num4] = *num;
    let (mut mem0, mut mem1, mut mem2, mut mem3, mut mem4) = (0f32, 0f32, 0f32, 0f32, 0f32);
    for v in x.iter_mut() {
        let mut sum = *v;
        sum += num0 * mem0;
        sum += num1 * mem1;
        sum += num2 * mem2;
        sum += num3 * mem3;
        sum += num4 * mem4;
        mem4 = mem3;
        mem3 = mem2;
        mem2 = mem1;
        mem1 = mem0;
        mem0 = *v;
        *v = sum;
    }
}

/// Low-pass, decimate by `factor` (2 in CELT) and whiten `len` output samples
/// of one or two channels, summed (libopus `pitch_downsample`, float build).
///
/// `x` holds one slice per channel with at least `factor * len` samples.
///
/// # Panics
/// If `x` is empty or has more than two channels, `len == 0`, or a slice is
/// too short.
pub fn pitch_downsample(x: &[&[f32]], x_lp: &mut [f32], len: usize, factor: usize) {
    assert!(!x.is_empty() && x.len() <= 2 && len > 0);
    let x_lp = &mut x_lp[..len];
    let offset = factor / 2;
    let x0 = x[0];
    for i in 1..len {
        x_lp[i] =
            0.25 * x0[factor * i - offset] + 0.25 * x0[factor * i + offset] + 0.5 * x0[factor * i];
    }
    x_lp[0] = 0.25 * x0[offset] + 0.5 * x0[0];
    if let Some(x1) = x.get(1) {
        for i in 1..len {
            x_lp[i] += 0.25 * x1[factor * i - offset]
                + 0.25 * x1[factor * i + offset]
                + 0.5 * x1[factor * i];
        }
        x_lp[0] += 0.25 * x1[offset] + 0.5 * x1[0];
    }
    let mut ac = [0f32; 5];
    celt_autocorr(x_lp, &mut ac, &[], 0, 4, len, &mut []);

    // Noise floor at -40 dB.
    ac[0] *= 1.0001;
    // Lag windowing.
    for (i, a) in ac.iter_mut().enumerate().skip(1) {
        let fi = i as f32;
        *a -= *a * (0.008 * fi) * (0.008 * fi);
    }

    let mut lpc = [0f32; 4];
    celt_lpc(&mut lpc, &ac, 4);
    let mut tmp: f32 = 1.0;
    for l in lpc.iter_mut() {
        tmp *= 0.9;
        *l *= tmp;
    }
    // Add a zero at z = -0.8.
    let c1: f32 = 0.8;
    let lpc2 = [
        lpc[0] + 0.8,
        lpc[1] + c1 * lpc[0],
        lpc[2] + c1 * lpc[1],
        lpc[3] + c1 * lpc[2],
        c1 * lpc[3],
    ];
    celt_fir5(x_lp, &lpc2);
}

/// Finds the pitch lag in `0..max_pitch` that best aligns `y[lag..]` with
/// `x_lp[..len]`, both at the 2x-decimated rate: a 4x-decimated coarse
/// search, a 2x refinement, then a half-sample pseudo-interpolation
/// (libopus `pitch_search`, float build). Returns the lag in 2x-decimated
/// samples times 2 (i.e. at the original rate, up to one sample).
///
/// # Panics
/// If `len == 0`, `max_pitch < 8`, `len + max_pitch > PITCH_SEARCH_MAX_LAG`,
/// or a slice is too short (`x_lp` needs `len / 2`, `y` `(len + max_pitch) / 2`).
pub fn pitch_search(x_lp: &[f32], y: &[f32], len: usize, max_pitch: usize) -> i32 {
    assert!(len > 0 && max_pitch >= 8);
    let lag = len + max_pitch;
    assert!(lag <= PITCH_SEARCH_MAX_LAG);
    let mut x_lp4 = [0f32; PITCH_SEARCH_MAX_LAG / 4];
    let mut y_lp4 = [0f32; PITCH_SEARCH_MAX_LAG / 4];
    let mut xcorr = [0f32; PITCH_SEARCH_MAX_LAG / 2];

    // Decimate by 2 again.
    for j in 0..len >> 2 {
        x_lp4[j] = x_lp[2 * j];
    }
    for j in 0..lag >> 2 {
        y_lp4[j] = y[2 * j];
    }

    // Coarse search at 4x decimation.
    celt_pitch_xcorr(&x_lp4, &y_lp4, &mut xcorr, len >> 2, max_pitch >> 2);
    let best_pitch = find_best_pitch(&xcorr, &y_lp4, len >> 2, max_pitch >> 2);

    // Finer search at 2x decimation, only around the two coarse candidates.
    for i in 0..max_pitch >> 1 {
        xcorr[i] = 0.0;
        let ii = i as isize;
        if (ii - 2 * best_pitch[0] as isize).abs() > 2
            && (ii - 2 * best_pitch[1] as isize).abs() > 2
        {
            continue;
        }
        let sum = celt_inner_prod(x_lp, &y[i..], len >> 1);
        xcorr[i] = max32(-1.0, sum);
    }
    let best_pitch = find_best_pitch(&xcorr, y, len >> 1, max_pitch >> 1);

    // Refine by pseudo-interpolation.
    let offset: i32 = if best_pitch[0] > 0 && best_pitch[0] < (max_pitch >> 1) - 1 {
        let a = xcorr[best_pitch[0] - 1];
        let b = xcorr[best_pitch[0]];
        let c = xcorr[best_pitch[0] + 1];
        if (c - a) > 0.7 * (b - a) {
            1
        } else if (a - c) > 0.7 * (b - c) {
            -1
        } else {
            0
        }
    } else {
        0
    };
    2 * best_pitch[0] as i32 - offset
}

/// Normalised correlation (libopus `compute_pitch_gain`, float build).
#[inline]
fn compute_pitch_gain(xy: f32, xx: f32, yy: f32) -> f32 {
    xy / ((1.0 + xx * yy) as f64).sqrt() as f32
}

/// Second lag checked for each sub-multiple `k` (libopus `second_check`).
#[rustfmt::skip]
const SECOND_CHECK: [i32; 16] = [0, 0, 3, 2, 3, 2, 5, 2, 3, 2, 3, 2, 5, 2, 3, 2];

/// Checks whether the pitch period `*t0` is really a multiple of the true
/// period, and returns the pitch gain (libopus `remove_doubling`, float build).
///
/// `x` holds `maxperiod` samples of history followed by `n` samples of the
/// analysed signal; periods and `n` are at the original rate and are halved
/// internally (`x` is at the 2x-decimated rate, so it holds
/// `maxperiod/2 + n/2` samples). On return `*t0` is the corrected period.
///
/// # Panics
/// If `maxperiod > REMOVE_DOUBLING_MAX_PERIOD` or `x` is too short.
#[allow(clippy::too_many_arguments)]
pub fn remove_doubling(
    x: &[f32],
    maxperiod: i32,
    minperiod: i32,
    n: i32,
    t0_: &mut i32,
    prev_period: i32,
    prev_gain: f32,
) -> f32 {
    assert!(maxperiod as usize <= REMOVE_DOUBLING_MAX_PERIOD && maxperiod >= 2);
    let minperiod0 = minperiod;
    let maxperiod = maxperiod / 2;
    let minperiod = minperiod / 2;
    *t0_ /= 2;
    let prev_period = prev_period / 2;
    let n = (n / 2) as usize;
    let xo = maxperiod as usize;
    if *t0_ >= maxperiod {
        *t0_ = maxperiod - 1;
    }
    let t0 = *t0_;
    let mut t = t0;
    let xs = &x[xo..xo + n];
    let at = |lag: i32| &x[xo - lag as usize..];

    let mut yy_lookup = [0f32; REMOVE_DOUBLING_MAX_PERIOD / 2 + 1];
    let (xx, mut xy) = dual_inner_prod(xs, xs, at(t0), n);
    yy_lookup[0] = xx;
    let mut yy = xx;
    for i in 1..=maxperiod as usize {
        let a = x[xo - i];
        let b = x[xo + n - i];
        yy = yy + a * a - b * b;
        yy_lookup[i] = max32(0.0, yy);
    }
    yy = yy_lookup[t0 as usize];
    let mut best_xy = xy;
    let mut best_yy = yy;
    let g0 = compute_pitch_gain(xy, xx, yy);
    let mut g = g0;
    // Look for a strong correlation at t0/k.
    for k in 2..=15i32 {
        let t1 = ((2 * t0 + k) as u32 / (2 * k) as u32) as i32;
        if t1 < minperiod {
            break;
        }
        // And confirm it at a second multiple.
        let t1b = if k == 2 {
            if t1 + t0 > maxperiod {
                t0
            } else {
                t0 + t1
            }
        } else {
            ((2 * SECOND_CHECK[k as usize] * t0 + k) as u32 / (2 * k) as u32) as i32
        };
        let (xy1, xy2) = dual_inner_prod(xs, at(t1), at(t1b), n);
        xy = 0.5 * (xy1 + xy2);
        yy = 0.5 * (yy_lookup[t1 as usize] + yy_lookup[t1b as usize]);
        let g1 = compute_pitch_gain(xy, xx, yy);
        let cont = if (t1 - prev_period).abs() <= 1 {
            prev_gain
        } else if (t1 - prev_period).abs() <= 2 && 5 * k * k < t0 {
            0.5 * prev_gain
        } else {
            0.0
        };
        let mut thresh = max32(0.3, 0.7 * g0 - cont);
        // Be stricter for very short periods, prone to false positives.
        if t1 < 3 * minperiod {
            thresh = max32(0.4, 0.85 * g0 - cont);
        } else if t1 < 2 * minperiod {
            thresh = max32(0.5, 0.9 * g0 - cont);
        }
        if g1 > thresh {
            best_xy = xy;
            best_yy = yy;
            t = t1;
            g = g1;
        }
    }
    best_xy = max32(0.0, best_xy);
    let mut pg = if best_yy <= best_xy {
        1.0
    } else {
        best_xy / (best_yy + 1.0)
    };

    let mut xcorr = [0f32; 3];
    for (k, xc) in xcorr.iter_mut().enumerate() {
        *xc = celt_inner_prod(xs, at(t + k as i32 - 1), n);
    }
    let offset = if (xcorr[2] - xcorr[0]) > 0.7 * (xcorr[1] - xcorr[0]) {
        1
    } else if (xcorr[0] - xcorr[2]) > 0.7 * (xcorr[1] - xcorr[2]) {
        -1
    } else {
        0
    };
    if pg > g {
        pg = g;
    }
    *t0_ = 2 * t + offset;
    if *t0_ < minperiod0 {
        *t0_ = minperiod0;
    }
    pg
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0x917c_4000;

    #[test]
    fn xcorr_matches_naive() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(RNG_SEED);
        for len in [3usize, 4, 5, 6, 7, 8, 33] {
            let max_pitch = 11;
            let x: Vec<f32> = (0..len).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let y: Vec<f32> = (0..len + max_pitch)
                .map(|_| rng.gen_range(-1.0..1.0))
                .collect();
            let mut xc = vec![0f32; max_pitch];
            celt_pitch_xcorr(&x, &y, &mut xc, len, max_pitch);
            for i in 0..max_pitch {
                let want: f64 = (0..len).map(|j| x[j] as f64 * y[i + j] as f64).sum();
                assert!((xc[i] as f64 - want).abs() < 1e-5, "len {len} i {i}");
            }
        }
        let (a, b) = dual_inner_prod(&[1.0, 2.0], &[3.0, 4.0], &[5.0, 6.0], 2);
        assert_eq!((a, b), (11.0, 17.0));
    }

    fn periodic(period: f64, len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| {
                let ph = 2.0 * std::f64::consts::PI * i as f64 / period;
                (ph.sin() + 0.5 * (2.0 * ph).sin() + 0.25 * (3.0 * ph).sin()) as f32 * 1000.0
            })
            .collect()
    }

    #[test]
    fn pitch_search_finds_period_like_the_plc() {
        // Same geometry as the CELT PLC: 2048 samples, lags 100..720.
        let period = 300.0;
        let sig = periodic(period, 2048);
        let mut lp = vec![0f32; 1024];
        pitch_downsample(&[&sig], &mut lp, 1024, 2);
        let pitch = pitch_search(&lp[720 >> 1..], &lp, 2048 - 720, 720 - 100);
        let lag = 720 - pitch;
        assert!((lag - 300).abs() <= 2, "lag {lag}");
        // Stereo with identical channels finds the same lag.
        let mut lp2 = vec![0f32; 1024];
        pitch_downsample(&[&sig, &sig], &mut lp2, 1024, 2);
        let pitch2 = pitch_search(&lp2[720 >> 1..], &lp2, 2048 - 720, 720 - 100);
        assert!((720 - pitch2 - 300).abs() <= 2);
    }

    #[test]
    fn remove_doubling_halves_a_doubled_period() {
        let sig = periodic(100.0, 2048);
        let mut lp = vec![0f32; 1024];
        pitch_downsample(&[&sig], &mut lp, 1024, 2);
        // Analyse 960 samples after 1024 of history, starting from twice the period.
        let mut t0 = 400;
        let g = remove_doubling(&lp, 1024, 15, 960, &mut t0, 0, 0.0);
        assert!((t0 - 100).abs() <= 2 || (t0 - 200).abs() <= 2, "t0 {t0}");
        assert!(g > 0.5, "gain {g}");
    }
}

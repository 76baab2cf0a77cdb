//! Spectral helpers of the LPCNet feature analysis (libopus 1.6.1 `dnn/freq.c`).
//!
//! Everything runs on one 20 ms window (320 samples at 16 kHz) and its 161-bin spectrum:
//!
//! - [`apply_window`], [`forward_transform`] and [`inverse_transform`]: the power-complementary
//!   window and the 320-point kiss FFT of [`KFFT_320`];
//! - [`compute_band_energy`] / [`compute_band_energy_inverse`]: 18 triangular bands on the
//!   [`EBAND5MS`] grid (the first and last band counted twice), and [`interp_band_gain`], the
//!   reverse mapping from bands to bins;
//! - [`dct`] / [`idct`]: the orthonormal 18-point DCT-II between log band energies and the
//!   cepstrum;
//! - [`lpc_from_cepstrum`] and [`lpc_from_bands`]: order-16 LPC from a cepstrum, through an
//!   autocorrelation obtained by inverse FFT of the interpolated band energies.
//!
//! The arithmetic is libopus's, operation for operation, with `f64` wherever libopus's C
//! promotes to `double` (its `1e-9`, `pow`, `sqrt(2./NB_BANDS)` and lag-window constants), so
//! results are bit-exact with libopus's generic C build. No function here allocates or
//! panics; non-finite inputs propagate as NaN or infinity like in C.

use opus_core::celt::kiss_fft::Complex;

use crate::tables::{COMPENSATION, DCT_TABLE, EBAND5MS, HALF_WINDOW, KFFT_320};
pub use crate::tables::{NB_BANDS, OVERLAP_SIZE, WINDOW_SIZE};

/// Samples per 10 ms frame at 16 kHz (libopus `FRAME_SIZE`).
pub const FRAME_SIZE: usize = 160;
/// Bins of the one-sided spectrum of a window (libopus `FREQ_SIZE`).
pub const FREQ_SIZE: usize = WINDOW_SIZE / 2 + 1;
/// Order of every LPC filter of the analysis (libopus `LPC_ORDER`).
pub const LPC_ORDER: usize = 16;
/// Pre-emphasis coefficient applied to the input before analysis (libopus `PREEMPHASIS`).
pub const PREEMPHASIS: f32 = 0.85;
/// FFT bins per unit of [`EBAND5MS`] (libopus `WINDOW_SIZE_5MS`).
pub const WINDOW_SIZE_5MS: usize = 4;

/// `a > b ? a : b`, libopus's `MAX16` in the float build (returns `b` when either is NaN).
#[inline]
pub(crate) fn max16(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// `a < b ? a : b`, libopus's `MIN16` in the float build (returns `b` when either is NaN).
#[inline]
pub(crate) fn min16(a: f32, b: f32) -> f32 {
    if a < b {
        a
    } else {
        b
    }
}

/// [`max16`] on doubles, for the expressions libopus evaluates in double.
#[inline]
pub(crate) fn max_f64(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

/// First bin and width in bins of band `i` (`i < NB_BANDS - 1`).
#[inline]
fn band_span(i: usize) -> (usize, usize) {
    let start = EBAND5MS[i] as usize * WINDOW_SIZE_5MS;
    let size = (EBAND5MS[i + 1] - EBAND5MS[i]) as usize * WINDOW_SIZE_5MS;
    (start, size)
}

/// Spreads per-bin values over the triangular bands: bin `j` of band `i` adds
/// `(1 - frac)·v` to band `i` and `frac·v` to band `i + 1`; the end bands are doubled.
#[inline]
fn accumulate_bands(band_e: &mut [f32; NB_BANDS], bin_value: impl Fn(usize) -> f32) {
    let mut sum = [0.0f32; NB_BANDS];
    for i in 0..NB_BANDS - 1 {
        let (start, size) = band_span(i);
        for j in 0..size {
            let frac = j as f32 / size as f32;
            let tmp = bin_value(start + j);
            sum[i] += (1.0 - frac) * tmp;
            sum[i + 1] += frac * tmp;
        }
    }
    sum[0] *= 2.0;
    sum[NB_BANDS - 1] *= 2.0;
    *band_e = sum;
}

/// Energy of each triangular band of a spectrum (libopus `lpcn_compute_band_energy`).
pub fn compute_band_energy(band_e: &mut [f32; NB_BANDS], x: &[Complex; FREQ_SIZE]) {
    accumulate_bands(band_e, |k| {
        let mut tmp = x[k].r * x[k].r;
        tmp += x[k].i * x[k].i;
        tmp
    });
}

/// Band sums of the inverse power spectrum `1/(|X|² + 1e-9)` (libopus
/// `compute_band_energy_inverse`); used on an LPC filter's response to get the band
/// energies of its synthesis filter.
pub fn compute_band_energy_inverse(band_e: &mut [f32; NB_BANDS], x: &[Complex; FREQ_SIZE]) {
    accumulate_bands(band_e, |k| {
        let mut tmp = x[k].r * x[k].r;
        tmp += x[k].i * x[k].i;
        // libopus adds a double constant, so the reciprocal is taken in double.
        (1.0f64 / (f64::from(tmp) + 1e-9)) as f32
    });
}

/// Linear interpolation of band values onto the FFT bins (libopus `interp_band_gain`).
///
/// Bins `0..160` are written; the last bin (160) is set to zero.
pub fn interp_band_gain(g: &mut [f32; FREQ_SIZE], band_e: &[f32; NB_BANDS]) {
    g[FREQ_SIZE - 1] = 0.0;
    for i in 0..NB_BANDS - 1 {
        let (start, size) = band_span(i);
        for j in 0..size {
            let frac = j as f32 / size as f32;
            g[start + j] = (1.0 - frac) * band_e[i] + frac * band_e[i + 1];
        }
    }
}

/// `sqrt(2/NB_BANDS)` in double, the orthonormal scale of [`dct`] and [`idct`].
#[inline]
fn dct_scale() -> f64 {
    (2.0f64 / NB_BANDS as f64).sqrt()
}

/// Orthonormal DCT-II of 18 log band energies into a cepstrum (libopus `dct`).
pub fn dct(out: &mut [f32; NB_BANDS], input: &[f32; NB_BANDS]) {
    let scale = dct_scale();
    for (i, o) in out.iter_mut().enumerate() {
        let mut sum = 0.0f32;
        for (j, &v) in input.iter().enumerate() {
            sum += v * DCT_TABLE[j * NB_BANDS + i];
        }
        *o = (f64::from(sum) * scale) as f32;
    }
}

/// Inverse of [`dct`] (libopus `idct`).
pub fn idct(out: &mut [f32; NB_BANDS], input: &[f32; NB_BANDS]) {
    let scale = dct_scale();
    for (i, o) in out.iter_mut().enumerate() {
        let mut sum = 0.0f32;
        for (j, &v) in input.iter().enumerate() {
            sum += v * DCT_TABLE[i * NB_BANDS + j];
        }
        *o = (f64::from(sum) * scale) as f32;
    }
}

/// Scaled forward FFT of a real window; keeps the 161 non-negative-frequency bins
/// (libopus `forward_transform`). The scale is `1/320`.
pub fn forward_transform(out: &mut [Complex; FREQ_SIZE], input: &[f32; WINDOW_SIZE]) {
    let mut x = [Complex::default(); WINDOW_SIZE];
    let mut y = [Complex::default(); WINDOW_SIZE];
    for (xi, &v) in x.iter_mut().zip(input.iter()) {
        *xi = Complex::new(v, 0.0);
    }
    KFFT_320.fft(&x, &mut y);
    out.copy_from_slice(&y[..FREQ_SIZE]);
}

/// Real inverse of [`forward_transform`] from a Hermitian half-spectrum (libopus
/// `inverse_transform`): the spectrum is mirrored, transformed with the forward FFT and
/// read back in reverse order, times 320.
pub fn inverse_transform(out: &mut [f32; WINDOW_SIZE], input: &[Complex; FREQ_SIZE]) {
    let mut x = [Complex::default(); WINDOW_SIZE];
    let mut y = [Complex::default(); WINDOW_SIZE];
    x[..FREQ_SIZE].copy_from_slice(input);
    for i in FREQ_SIZE..WINDOW_SIZE {
        x[i] = Complex::new(x[WINDOW_SIZE - i].r, -x[WINDOW_SIZE - i].i);
    }
    KFFT_320.fft(&x, &mut y);
    out[0] = WINDOW_SIZE as f32 * y[0].r;
    for i in 1..WINDOW_SIZE {
        out[i] = WINDOW_SIZE as f32 * y[WINDOW_SIZE - i].r;
    }
}

/// Levinson-Durbin recursion on an autocorrelation `ac[0..=LPC_ORDER]` (libopus `lpcn_lpc`,
/// float build). Writes the predictor (`lpc`) and reflection coefficients (`rc`), stops
/// early once the error drops 30 dB, and returns the final prediction error. An all-zero
/// `ac[0]` gives zero coefficients.
pub fn lpcn_lpc(
    lpc: &mut [f32; LPC_ORDER],
    rc: &mut [f32; LPC_ORDER],
    ac: &[f32; LPC_ORDER + 1],
) -> f32 {
    let mut error = ac[0];
    *lpc = [0.0; LPC_ORDER];
    *rc = [0.0; LPC_ORDER];
    if ac[0] != 0.0 {
        for i in 0..LPC_ORDER {
            let mut rr = 0.0f32;
            for j in 0..i {
                rr += lpc[j] * ac[i - j];
            }
            rr += ac[i + 1];
            let r = -rr / error;
            rc[i] = r;
            lpc[i] = r;
            for j in 0..(i + 1) >> 1 {
                let tmp1 = lpc[j];
                let tmp2 = lpc[i - 1 - j];
                lpc[j] = tmp1 + r * tmp2;
                lpc[i - 1 - j] = tmp2 + r * tmp1;
            }
            error -= (r * r) * error;
            if error < 0.001 * ac[0] {
                break;
            }
        }
    }
    error
}

/// Order-16 LPC of the spectral envelope given by 18 band energies (libopus
/// `lpc_from_bands`); returns the prediction error.
///
/// The bands are interpolated to bins, inverse-transformed to an autocorrelation, given a
/// −40 dB noise floor and a Gaussian-like lag window, then fed to [`lpcn_lpc`].
pub fn lpc_from_bands(lpc: &mut [f32; LPC_ORDER], ex: &[f32; NB_BANDS]) -> f32 {
    let mut xr = [0.0f32; FREQ_SIZE];
    interp_band_gain(&mut xr, ex);
    xr[FREQ_SIZE - 1] = 0.0;
    let mut x_auto_spec = [Complex::default(); FREQ_SIZE];
    for (c, &v) in x_auto_spec.iter_mut().zip(xr.iter()) {
        c.r = v;
    }
    let mut x_auto = [0.0f32; WINDOW_SIZE];
    inverse_transform(&mut x_auto, &x_auto_spec);
    let mut ac = [0.0f32; LPC_ORDER + 1];
    ac.copy_from_slice(&x_auto[..LPC_ORDER + 1]);
    // Noise floor; libopus's constant is `320/12/38.`, integer division first.
    const FLOOR: f64 = (320 / 12) as f64 / 38.0;
    ac[0] = (f64::from(ac[0]) + (f64::from(ac[0]) * 1e-4 + FLOOR)) as f32;
    for (i, a) in ac.iter_mut().enumerate().skip(1) {
        let i = i as f64;
        *a = (f64::from(*a) * (1.0 - 6e-5 * i * i)) as f32;
    }
    let mut rc = [0.0f32; LPC_ORDER];
    lpcn_lpc(lpc, &mut rc, &ac)
}

/// Bandwidth expansion: scales `lpc[i]` by `gamma^(i+1)` (libopus `lpc_weighting`).
pub fn lpc_weighting(lpc: &mut [f32; LPC_ORDER], gamma: f32) {
    let mut gamma_i = gamma;
    for a in lpc.iter_mut() {
        *a *= gamma_i;
        gamma_i *= gamma;
    }
}

/// Order-16 LPC from the first 18 cepstral coefficients of a feature vector (libopus
/// `lpc_from_cepstrum`); returns the prediction error.
pub fn lpc_from_cepstrum(lpc: &mut [f32; LPC_ORDER], cepstrum: &[f32; NB_BANDS]) -> f32 {
    let mut tmp = *cepstrum;
    tmp[0] += 4.0;
    let mut ex = [0.0f32; NB_BANDS];
    idct(&mut ex, &tmp);
    for (e, &c) in ex.iter_mut().zip(COMPENSATION.iter()) {
        *e = (10.0f64.powf(f64::from(*e)) * f64::from(c)) as f32;
    }
    lpc_from_bands(lpc, &ex)
}

/// Applies the analysis window in place: the rising half-window on the first 160 samples
/// and its mirror on the last 160 (libopus `apply_window`).
pub fn apply_window(x: &mut [f32; WINDOW_SIZE]) {
    for (i, &w) in HALF_WINDOW.iter().enumerate() {
        x[i] *= w;
        x[WINDOW_SIZE - 1 - i] *= w;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0x1f0c_5eed;

    #[test]
    fn fft_round_trip_recovers_a_real_window() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(RNG_SEED);
        let mut x = [0.0f32; WINDOW_SIZE];
        for v in x.iter_mut() {
            *v = rng.gen_range(-1.0..1.0);
        }
        let mut spec = [Complex::default(); FREQ_SIZE];
        forward_transform(&mut spec, &x);
        let mut back = [0.0f32; WINDOW_SIZE];
        inverse_transform(&mut back, &spec);
        for (a, b) in x.iter().zip(back.iter()) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn forward_transform_matches_naive_dft() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(RNG_SEED + 1);
        let mut x = [0.0f32; WINDOW_SIZE];
        for v in x.iter_mut() {
            *v = rng.gen_range(-1.0..1.0);
        }
        let mut spec = [Complex::default(); FREQ_SIZE];
        forward_transform(&mut spec, &x);
        for (k, s) in spec.iter().enumerate() {
            let (mut re, mut im) = (0.0f64, 0.0f64);
            for (t, &v) in x.iter().enumerate() {
                let ph = -2.0 * std::f64::consts::PI * ((k * t) % WINDOW_SIZE) as f64
                    / WINDOW_SIZE as f64;
                re += f64::from(v) * ph.cos();
                im += f64::from(v) * ph.sin();
            }
            assert!((f64::from(s.r) - re / 320.0).abs() < 1e-6);
            assert!((f64::from(s.i) - im / 320.0).abs() < 1e-6);
        }
    }

    #[test]
    fn dct_idct_round_trip() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(RNG_SEED + 2);
        let mut x = [0.0f32; NB_BANDS];
        for v in x.iter_mut() {
            *v = rng.gen_range(-3.0..3.0);
        }
        let mut c = [0.0f32; NB_BANDS];
        let mut back = [0.0f32; NB_BANDS];
        dct(&mut c, &x);
        idct(&mut back, &c);
        for (a, b) in x.iter().zip(back.iter()) {
            assert!((a - b).abs() < 1e-5);
        }
    }

    #[test]
    fn flat_spectrum_has_flat_bands_and_near_zero_lpc() {
        let mut spec = [Complex::new(1.0, 0.0); FREQ_SIZE];
        spec[0] = Complex::new(1.0, 0.0);
        let mut e = [0.0f32; NB_BANDS];
        compute_band_energy(&mut e, &spec);
        // Interior bands collect one unit per bin of both neighbouring half-triangles.
        for i in 1..NB_BANDS - 1 {
            let (_, lo) = band_span(i - 1);
            let (_, hi) = band_span(i);
            assert_eq!(e[i], (lo + hi) as f32 / 2.0);
        }
        let mut lpc = [0.0f32; LPC_ORDER];
        let ones = [1.0f32; NB_BANDS];
        lpc_from_bands(&mut lpc, &ones);
        assert!(lpc.iter().all(|a| a.abs() < 0.2), "{lpc:?}");
    }

    #[test]
    fn window_is_power_complementary() {
        for i in 0..OVERLAP_SIZE {
            let a = HALF_WINDOW[i];
            let b = HALF_WINDOW[OVERLAP_SIZE - 1 - i];
            assert!((a * a + b * b - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn non_finite_input_does_not_panic() {
        let mut x = [f32::NAN; WINDOW_SIZE];
        x[3] = f32::INFINITY;
        apply_window(&mut x);
        let mut spec = [Complex::default(); FREQ_SIZE];
        forward_transform(&mut spec, &x);
        let mut e = [0.0f32; NB_BANDS];
        compute_band_energy(&mut e, &spec);
        compute_band_energy_inverse(&mut e, &spec);
        let mut lpc = [0.0f32; LPC_ORDER];
        lpc_from_cepstrum(&mut lpc, &[f32::NAN; NB_BANDS]);
        lpc_from_bands(&mut lpc, &[f32::INFINITY; NB_BANDS]);
    }
}

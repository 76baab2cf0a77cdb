//! The `opus_compare` quality criterion of RFC 6716 §6 as amended by RFC 8251, in Rust, plus
//! plain signal metrics (SNR, maximum absolute error).
//!
//! The criterion compares a decoded signal with a reference: both are cut into 480-sample
//! Hann-windowed frames every 120 samples (at 48 kHz), a DFT gives the power of the first 240
//! bins, and bins are grouped into the 21 Bark-like CELT bands. The reference's band energies
//! are spread across frequency (+10 dB/Bark upward, +15 dB/Bark downward), time (-3 dB per
//! 2.5 ms) and, in stereo, slightly across channels; a tenth of that masking curve is added to
//! both spectra. Per bin the error is `r - ln r - 1` with `r` the power ratio, weakened near the
//! SILK/CELT crossover (bins 79..=81, and bin 80 twice). The band errors are combined with
//! powers 2, 2 and 4 per frame and a 16th root over the file; the quality is
//! `100 (1 - 0.5 ln(1 + err) / ln 1.13)` and the test passes when it is not negative.
//!
//! As in libopus's program, the reference is always 48 kHz stereo (averaged to mono unless
//! `stereo`), and a decoded signal at a lower `rate` is analysed with windows, steps and bins
//! scaled down by `48000 / rate`, over the bands below its Nyquist frequency, the top 300 Hz
//! left out (except at 12 kHz, whose last band already stops 400 Hz short). Every operation is
//! done in the precision libopus uses (mostly `f32`, the final sums in `f64`), so the numbers
//! agree with `opus_compare` to many digits.

use std::fmt;

const NBANDS: usize = 21;
const NFREQS: usize = 240;
const BANDS: [usize; NBANDS + 1] = [0, 2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 68, 80, 96, 120, 156, 200];
const WIN_SIZE: usize = 480;
const WIN_STEP: usize = 120;
/// The value of pi `opus_compare` uses, as an `f32` (its literal kept as written there).
#[allow(clippy::approx_constant)]
const PI_F32: f32 = 3.14159265;

/// Why a comparison could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompareError {
    /// The rate is not one of 8, 12, 16, 24 or 48 kHz.
    BadRate(u32),
    /// The reference (48 kHz samples per channel) and the decoded signal (scaled to 48 kHz)
    /// have different lengths.
    LengthMismatch {
        /// Reference length in samples per channel.
        reference: usize,
        /// Decoded length in samples per channel, times `48000 / rate`.
        decoded: usize,
    },
    /// Fewer than 480 samples per channel.
    TooShort(usize),
}

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompareError::BadRate(r) => write!(f, "sampling rate {r} is not 8000, 12000, 16000, 24000 or 48000"),
            CompareError::LengthMismatch { reference, decoded } => {
                write!(f, "sample counts do not match ({reference} != {decoded})")
            }
            CompareError::TooShort(n) => write!(f, "insufficient sample data ({n} < {WIN_SIZE})"),
        }
    }
}

impl std::error::Error for CompareError {}

/// The outcome of one comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompareResult {
    /// The internal weighted error (0 for identical signals).
    pub error: f64,
    /// The quality metric in percent (100 for identical signals); negative fails.
    pub quality: f32,
    /// Whether the test vector passes (`quality >= 0`).
    pub pass: bool,
}

/// The analysis of a reference signal, reusable for several comparisons.
#[derive(Clone, Debug)]
pub struct CompareReference {
    channels: usize,
    /// The reference's rate: 48 kHz for `opus_compare` proper, lower in same-rate mode.
    rate: u32,
    /// Bins per frame in `spectrum`.
    xfreqs: usize,
    /// Length in samples per channel, counted at 48 kHz.
    length: usize,
    nframes: usize,
    /// Band energies after frequency, time and channel masking: `[frame][band][channel]`.
    masking: Vec<f32>,
    /// Bin powers: `[frame][bin][channel]`.
    spectrum: Vec<f32>,
}

/// Per-frame DFT powers (and optionally per-band averages) of `input`, as libopus's
/// `band_energy` computes them. `out` receives `[frame][band][channel]`, `ps` receives
/// `[frame][bin][channel]` for `window / 2` bins per frame.
#[allow(clippy::too_many_arguments)]
fn band_energy(
    mut out: Option<&mut [f32]>,
    ps: &mut [f32],
    nbands: usize,
    input: &[f32],
    channels: usize,
    nframes: usize,
    window_sz: usize,
    step: usize,
    downsample: usize,
) {
    let cos_at = |arg: f32| (f64::from(arg)).cos() as f32;
    let sin_at = |arg: f32| (f64::from(arg)).sin() as f32;
    let window: Vec<f32> = (0..window_sz)
        .map(|j| 0.5f32 - 0.5f32 * cos_at((2.0 * PI_F32 / (window_sz - 1) as f32) * j as f32))
        .collect();
    let c: Vec<f32> = (0..window_sz).map(|j| cos_at((2.0 * PI_F32 / window_sz as f32) * j as f32)).collect();
    let s: Vec<f32> = (0..window_sz).map(|j| sin_at((2.0 * PI_F32 / window_sz as f32) * j as f32)).collect();
    let ps_sz = window_sz / 2;
    let nbins = BANDS[nbands];
    // The twiddle factors bin by bin for every window position, laid out so that all bins of
    // one position are contiguous: each bin still accumulates over the window in the
    // reference's order, but the bins advance side by side, which the compiler vectorises.
    let mut ct = vec![0.0f32; window_sz * nbins];
    let mut st = vec![0.0f32; window_sz * nbins];
    for xk in 0..window_sz {
        for xj in 0..nbins {
            let t = (xj * xk) % window_sz;
            ct[xk * nbins + xj] = c[t];
            st[xk * nbins + xj] = s[t];
        }
    }
    let mut x = vec![0.0f32; channels * window_sz];
    let mut re = vec![0.0f32; nbins];
    let mut im = vec![0.0f32; nbins];
    for xi in 0..nframes {
        for ci in 0..channels {
            for xk in 0..window_sz {
                x[ci * window_sz + xk] = window[xk] * input[(xi * step + xk) * channels + ci];
            }
        }
        for ci in 0..channels {
            re.iter_mut().for_each(|v| *v = 0.0);
            im.iter_mut().for_each(|v| *v = 0.0);
            let xs = &x[ci * window_sz..(ci + 1) * window_sz];
            for ((&xv, crow), srow) in xs.iter().zip(ct.chunks_exact(nbins)).zip(st.chunks_exact(nbins)) {
                for (r, &cv) in re.iter_mut().zip(crow) {
                    *r += cv * xv;
                }
                for (i, &sv) in im.iter_mut().zip(srow) {
                    *i -= sv * xv;
                }
            }
            for xj in 0..nbins {
                let r = re[xj] * downsample as f32;
                let i = im[xj] * downsample as f32;
                ps[(xi * ps_sz + xj) * channels + ci] = r * r + i * i + 100000.0;
            }
        }
        if let Some(out) = out.as_deref_mut() {
            for bi in 0..nbands {
                for ci in 0..channels {
                    let mut p = 0.0f32;
                    for xj in BANDS[bi]..BANDS[bi + 1] {
                        p += ps[(xi * ps_sz + xj) * channels + ci];
                    }
                    out[(xi * nbands + bi) * channels + ci] = p / (BANDS[bi + 1] - BANDS[bi]) as f32;
                }
            }
        }
    }
}

impl CompareReference {
    /// Analyses a 48 kHz stereo reference (interleaved); `stereo` selects a two-channel
    /// comparison (`opus_compare -s`), otherwise the reference is averaged to mono.
    ///
    /// # Errors
    ///
    /// [`CompareError::TooShort`] under 480 samples per channel.
    pub fn new(reference: &[i16], stereo: bool) -> Result<Self, CompareError> {
        let length = reference.len() / 2;
        let channels = if stereo { 2 } else { 1 };
        let x: Vec<f32> = if stereo {
            reference[..2 * length].iter().map(|&v| f32::from(v)).collect()
        } else {
            (0..length)
                .map(|i| (0.5 * f64::from(f32::from(reference[2 * i]) + f32::from(reference[2 * i + 1]))) as f32)
                .collect()
        };
        Self::analyse(x, channels, 48000)
    }

    /// Same-rate mode, our extension of `opus_compare` for two signals at the same rate:
    /// `reference` is interleaved with two channels when `stereo`, one otherwise, at `rate`.
    /// Both signals are analysed the way `opus_compare` analyses the decoded one at that rate
    /// (scaled windows, bands below Nyquist); the reference's missing upper bands count as
    /// empty (the analysis' noise floor) in the masking curve. At 48 kHz this is exactly
    /// `opus_compare` (mono without the stereo average).
    ///
    /// # Errors
    ///
    /// [`CompareError::BadRate`] or [`CompareError::TooShort`].
    pub fn new_at_rate(reference: &[i16], stereo: bool, rate: u32) -> Result<Self, CompareError> {
        rate_params(rate)?;
        let channels = if stereo { 2 } else { 1 };
        let frames = reference.len() / channels;
        let x = reference[..frames * channels].iter().map(|&v| f32::from(v)).collect();
        Self::analyse(x, channels, rate)
    }

    fn analyse(x: Vec<f32>, channels: usize, rate: u32) -> Result<Self, CompareError> {
        let (downsample, xbands) = rate_params(rate)?;
        let length = x.len() / channels * downsample;
        if length < WIN_SIZE {
            return Err(CompareError::TooShort(length));
        }
        let nframes = (length - WIN_SIZE + WIN_STEP) / WIN_STEP;
        let xfreqs = NFREQS / downsample;
        let mut own = vec![0.0f32; nframes * xbands * channels];
        let mut spectrum = vec![0.0f32; nframes * xfreqs * channels];
        band_energy(Some(&mut own), &mut spectrum, xbands, &x, channels, nframes, WIN_SIZE / downsample, WIN_STEP / downsample, downsample);
        // Bands above the reference's Nyquist hold the analysis floor.
        let mut xb = vec![100000.0f32; nframes * NBANDS * channels];
        for xi in 0..nframes {
            for bi in 0..xbands {
                for ci in 0..channels {
                    xb[(xi * NBANDS + bi) * channels + ci] = own[(xi * xbands + bi) * channels + ci];
                }
            }
        }
        let at = |xi: usize, bi: usize, ci: usize| (xi * NBANDS + bi) * channels + ci;
        for xi in 0..nframes {
            for bi in 1..NBANDS {
                for ci in 0..channels {
                    xb[at(xi, bi, ci)] += 0.1f32 * xb[at(xi, bi - 1, ci)];
                }
            }
            for bi in (0..NBANDS - 1).rev() {
                for ci in 0..channels {
                    xb[at(xi, bi, ci)] += 0.03f32 * xb[at(xi, bi + 1, ci)];
                }
            }
            if xi > 0 {
                for bi in 0..NBANDS {
                    for ci in 0..channels {
                        xb[at(xi, bi, ci)] += 0.5f32 * xb[at(xi - 1, bi, ci)];
                    }
                }
            }
            if channels == 2 {
                for bi in 0..NBANDS {
                    let l = xb[at(xi, bi, 0)];
                    let r = xb[at(xi, bi, 1)];
                    xb[at(xi, bi, 0)] += 0.01f32 * r;
                    xb[at(xi, bi, 1)] += 0.01f32 * l;
                }
            }
        }
        Ok(CompareReference { channels, rate, xfreqs, length, nframes, masking: xb, spectrum })
    }

    /// Compares a decoded signal at `rate` (interleaved, the reference's channel count) with
    /// this reference, as `opus_compare [-s] -r rate` does. A same-rate reference
    /// ([`CompareReference::new_at_rate`]) only compares with signals at its own rate.
    ///
    /// # Errors
    ///
    /// [`CompareError::BadRate`] or [`CompareError::LengthMismatch`].
    pub fn compare(&self, decoded: &[i16], rate: u32) -> Result<CompareResult, CompareError> {
        let (downsample, ybands) = rate_params(rate)?;
        if self.rate != 48000 && self.rate != rate {
            return Err(CompareError::BadRate(rate));
        }
        let xfreqs = self.xfreqs;
        let channels = self.channels;
        let ylength = decoded.len() / channels;
        if self.length != ylength * downsample {
            return Err(CompareError::LengthMismatch { reference: self.length, decoded: ylength * downsample });
        }
        let yfreqs = NFREQS / downsample;
        let nframes = self.nframes;
        let y: Vec<f32> = decoded[..ylength * channels].iter().map(|&v| f32::from(v)).collect();
        let mut ys = vec![0.0f32; nframes * yfreqs * channels];
        band_energy(None, &mut ys, ybands, &y, channels, nframes, WIN_SIZE / downsample, WIN_STEP / downsample, downsample);
        let mut xs = self.spectrum.clone();
        let xb = &self.masking;
        let xat = |xi: usize, xj: usize, ci: usize| (xi * xfreqs + xj) * channels + ci;
        let yat = |xi: usize, xj: usize, ci: usize| (xi * yfreqs + xj) * channels + ci;
        for xi in 0..nframes {
            for bi in 0..ybands {
                for xj in BANDS[bi]..BANDS[bi + 1] {
                    for ci in 0..channels {
                        let m = 0.1f32 * xb[(xi * NBANDS + bi) * channels + ci];
                        xs[xat(xi, xj, ci)] += m;
                        ys[yat(xi, xj, ci)] += m;
                    }
                }
            }
        }
        // Each frame also counts its predecessor (the unmodified value of the previous frame).
        for xj in 0..BANDS[ybands] {
            for ci in 0..channels {
                let mut xprev = xs[xat(0, xj, ci)];
                let mut yprev = ys[yat(0, xj, ci)];
                for xi in 1..nframes {
                    let xcur = xs[xat(xi, xj, ci)];
                    let ycur = ys[yat(xi, xj, ci)];
                    xs[xat(xi, xj, ci)] += xprev;
                    ys[yat(xi, xj, ci)] += yprev;
                    xprev = xcur;
                    yprev = ycur;
                }
            }
        }
        let max_compare = match rate {
            48000 => BANDS[NBANDS],
            12000 => BANDS[ybands],
            _ => BANDS[ybands] - 3,
        };
        let mut err = 0.0f64;
        for xi in 0..nframes {
            let mut ef = 0.0f64;
            for bi in 0..ybands {
                let mut eb = 0.0f64;
                for xj in BANDS[bi]..BANDS[bi + 1].min(max_compare) {
                    for ci in 0..channels {
                        let re: f32 = ys[yat(xi, xj, ci)] / xs[xat(xi, xj, ci)];
                        let mut im = (f64::from(re) - f64::from(re).ln() - 1.0) as f32;
                        if (79..=81).contains(&xj) {
                            im *= 0.1f32;
                        }
                        if xj == 80 {
                            im *= 0.1f32;
                        }
                        eb += f64::from(im);
                    }
                }
                eb /= ((BANDS[bi + 1] - BANDS[bi]) * channels) as f64;
                ef += eb * eb;
            }
            ef /= NBANDS as f64;
            ef *= ef;
            err += ef * ef;
        }
        let error = (err / nframes as f64).powf(1.0 / 16.0);
        let quality = (100.0 * (1.0 - 0.5 * (1.0 + error).ln() / 1.13f64.ln())) as f32;
        Ok(CompareResult { error, quality, pass: quality >= 0.0 || quality.is_nan() })
    }
}

fn rate_params(rate: u32) -> Result<(usize, usize), CompareError> {
    Ok(match rate {
        8000 => (6, 13),
        12000 => (4, 15),
        16000 => (3, 17),
        24000 => (2, 19),
        48000 => (1, NBANDS),
        _ => return Err(CompareError::BadRate(rate)),
    })
}

/// `opus_compare [-s] -r rate reference decoded`: `reference` is 48 kHz stereo interleaved,
/// `decoded` has two channels when `stereo`, one otherwise, at `rate`.
///
/// # Errors
///
/// See [`CompareReference::new`] and [`CompareReference::compare`].
pub fn opus_compare(reference: &[i16], decoded: &[i16], stereo: bool, rate: u32) -> Result<CompareResult, CompareError> {
    CompareReference::new(reference, stereo)?.compare(decoded, rate)
}

/// A mono signal as stereo with both channels equal (how a mono reference enters
/// [`opus_compare`], whose reference is always stereo).
pub fn mono_to_stereo(mono: &[i16]) -> Vec<i16> {
    mono.iter().flat_map(|&s| [s, s]).collect()
}

/// Signal-to-noise ratio of `test` against `reference` in dB over their common length;
/// `f64::INFINITY` when they are identical there.
pub fn snr_db(reference: &[i16], test: &[i16]) -> f64 {
    let mut signal = 0.0f64;
    let mut noise = 0.0f64;
    for (&r, &t) in reference.iter().zip(test) {
        signal += f64::from(r) * f64::from(r);
        let d = f64::from(r) - f64::from(t);
        noise += d * d;
    }
    if noise == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (signal.max(1e-9) / noise).log10()
    }
}

/// Largest absolute sample difference over the common length.
pub fn max_abs_error(reference: &[i16], test: &[i16]) -> u32 {
    reference.iter().zip(test).map(|(&r, &t)| (i32::from(r) - i32::from(t)).unsigned_abs()).max().unwrap_or(0)
}

/// Number of differing samples over the common length.
pub fn differing_samples(reference: &[i16], test: &[i16]) -> usize {
    reference.iter().zip(test).filter(|(r, t)| r != t).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::{synth, Rng, Synth};

    fn speechlike(n: usize) -> Vec<i16> {
        synth(Synth::Notes, 3, n as f64 / 48000.0, 2)
    }

    #[test]
    fn identical_signals_pass_with_zero_error() {
        let r = speechlike(9600);
        let res = opus_compare(&r, &r, true, 48000).unwrap();
        assert_eq!(res.error, 0.0);
        assert_eq!(res.quality, 100.0);
        assert!(res.pass);
    }

    #[test]
    fn heavy_noise_fails() {
        let r = speechlike(9600);
        let mut rng = Rng::new(1);
        let noisy: Vec<i16> = r.iter().map(|&s| s.saturating_add((rng.bipolar() * 8000.0) as i16)).collect();
        let res = opus_compare(&r, &noisy, true, 48000).unwrap();
        assert!(!res.pass, "{res:?}");
    }

    #[test]
    fn same_rate_mode() {
        use crate::signals::resample;
        let r = speechlike(9600);
        // At 48 kHz it is opus_compare itself.
        let mut rng = Rng::new(5);
        let t: Vec<i16> = r.iter().map(|&s| s.saturating_add((rng.bipolar() * 30.0) as i16)).collect();
        let a = opus_compare(&r, &t, true, 48000).unwrap();
        let b = CompareReference::new_at_rate(&r, true, 48000).unwrap().compare(&t, 48000).unwrap();
        assert_eq!(a, b);
        for rate in [8000, 12000, 16000, 24000] {
            let r16 = resample(&r, 2, 48000, rate);
            let cr = CompareReference::new_at_rate(&r16, true, rate).unwrap();
            assert_eq!(cr.compare(&r16, rate).unwrap().error, 0.0);
            let noisy: Vec<i16> = r16.iter().map(|&s| s.saturating_add((rng.bipolar() * 8000.0) as i16)).collect();
            assert!(!cr.compare(&noisy, rate).unwrap().pass);
            assert_eq!(cr.compare(&r, 48000), Err(CompareError::BadRate(48000)));
        }
    }

    #[test]
    fn errors_are_typed() {
        let r = speechlike(9600);
        assert_eq!(opus_compare(&r, &r, true, 44100), Err(CompareError::BadRate(44100)));
        assert_eq!(
            opus_compare(&r, &r[..100], true, 48000),
            Err(CompareError::LengthMismatch { reference: 9600, decoded: 50 })
        );
        assert_eq!(opus_compare(&r[..400], &r[..400], true, 48000).unwrap_err(), CompareError::TooShort(200));
    }

    /// Values printed by libopus 1.6.1's `opus_compare` (built from the opusic-sys source with
    /// its error printed to 9 decimals) for the same signals, written to files.
    #[test]
    fn matches_libopus_opus_compare() {
        use crate::signals::resample;
        let mut rng = Rng::new(9);
        let r1 = synth(Synth::Chords, 1, 1.0, 2);
        let t1: Vec<i16> = r1.iter().map(|&s| s.saturating_add((rng.bipolar() * 200.0) as i16)).collect();
        let r2 = synth(Synth::Panning, 2, 1.0, 2);
        let m2: Vec<i16> = r2.chunks(2).map(|c| ((i32::from(c[0]) + i32::from(c[1])) / 2) as i16).collect();
        let t2: Vec<i16> = m2.iter().map(|&s| s.saturating_add((rng.bipolar() * 50.0) as i16)).collect();
        let t3 = resample(&m2, 1, 48000, 16000);
        let r4 = synth(Synth::Notes, 4, 1.0, 2);
        let t4 = resample(&r4, 2, 48000, 8000);
        let t5: Vec<i16> = r4.iter().map(|&s| s.saturating_add((rng.bipolar() * 6000.0) as i16)).collect();
        let r6 = synth(Synth::Sweep, 5, 1.0, 2);
        let t6 = resample(&r6, 2, 48000, 24000);
        let t7: Vec<i16> =
            resample(&r2, 2, 48000, 12000).chunks(2).map(|c| ((i32::from(c[0]) + i32::from(c[1])) / 2) as i16).collect();
        // (reference, decoded, -s, -r, libopus error, libopus quality or None when it failed)
        type Case<'a> = (&'a [i16], &'a [i16], bool, u32, f64, Option<f32>);
        let cases: [Case; 7] = [
            (&r1, &t1, true, 48000, 3.593640557, None),
            (&r2, &t2, false, 48000, 0.127436408, Some(50.9292)),
            (&r2, &t3, false, 16000, 0.123751827, Some(52.2684)),
            (&r4, &t4, true, 8000, 0.132906267, Some(48.9492)),
            (&r4, &t5, true, 48000, 93.297033436, None),
            (&r6, &t6, true, 24000, 0.142440145, Some(45.5208)),
            (&r2, &t7, false, 12000, 0.072800489, Some(71.2511)),
        ];
        for (i, (r, t, stereo, rate, err, q)) in cases.into_iter().enumerate() {
            let res = opus_compare(r, t, stereo, rate).unwrap();
            assert!((res.error - err).abs() < 1e-8, "case {i}: {} vs {err}", res.error);
            assert_eq!(res.pass, q.is_some(), "case {i}");
            if let Some(q) = q {
                assert!((res.quality - q).abs() < 1e-3, "case {i}: {} vs {q}", res.quality);
            }
        }
    }
}

//! One analysis window: downmix and resampling to 24 kHz, the 480-point FFT, tonality from
//! phase prediction, band energies, bandwidth and leakage, the features and the classifier
//! (libopus `tonality_analysis`, `downmix_and_resample`, `silk_resampler_down2_hp`).
//!
//! Every expression keeps the C float build's operation order and precision; where the C
//! promotes to `double` (`log`, `sqrt`, a few comparisons and constants) this code uses
//! `f64` at the same points.

// Loops index several arrays in step, as the C does; iterators would hide the pattern.
#![allow(clippy::needless_range_loop)]

use super::mlp::{analysis_mlp, N_INPUTS};
use super::tables::{ANALYSIS_WINDOW, DCT_TABLE, STD_FEATURE_BIAS, TBANDS};
use super::{
    AnalysisPcm, TonalityAnalysisState, ANALYSIS_BUF_SIZE, ANALYSIS_COUNT_MAX, DETECT_SIZE,
    NB_FRAMES, NB_TBANDS,
};
use crate::celt::kiss_fft::{Complex, FFT_48000_960};
use crate::celt::mathops::{max32, min32};
use crate::celt::plc::float2int;

/// FFT size of the analysis.
const N: usize = 480;
/// Bins of one half-spectrum.
const N2: usize = 240;
/// Bands whose tonality enters the frame tonality: the highest nine.
const NB_TONAL_SKIP_BANDS: usize = 9;
/// Log-energy margin of the leakage model, in log2 units (libopus `LEAKAGE_OFFSET`).
const LEAKAGE_OFFSET: f32 = 2.5;
/// Leakage decay per 4 bins, in log2 units (libopus `LEAKAGE_SLOPE`).
const LEAKAGE_SLOPE: f32 = 2.0;
/// Largest downmix block: 20 ms at 48 kHz, and the 3x expansion of 20 ms at 16 kHz.
const MAX_SUBFRAME: usize = 960;
/// `1/32768^2`, the float build's energy scale (`SCALE_ENER`), exactly `2^-30`.
const SCALE_ENER: f32 = 1.0 / 32768.0 / 32768.0;
/// libopus's 1/ln(2) literal, shorter than `LOG2_E` and so a different `f32`.
#[allow(clippy::approx_constant)]
const LOG2_E: f32 = 1.442695;
/// pi to the fourth, rounded once to `f32`.
const PI4: f32 =
    (core::f64::consts::PI * core::f64::consts::PI * core::f64::consts::PI * core::f64::consts::PI)
        as f32;
/// `1/(2 pi)`: turns radians into turns, rounded once to `f32`.
const INV_2PI: f32 = (0.5 / core::f64::consts::PI) as f32;

/// Fast `atan2(y, x)` by a rational approximation; 0 for vectors shorter than 1e-9
/// (libopus `fast_atan2f`).
#[inline]
fn fast_atan2f(y: f32, x: f32) -> f32 {
    const CA: f32 = 0.43157974;
    const CB: f32 = 0.67848403;
    const CC: f32 = 0.08595542;
    const CE: f32 = core::f64::consts::PI as f32 / 2.0;
    let x2 = x * x;
    let y2 = y * y;
    if x2 + y2 < 1e-18 {
        return 0.0;
    }
    let sy = if y < 0.0 { -CE } else { CE };
    if x2 < y2 {
        let den = (y2 + CB * x2) * (y2 + CC * x2);
        -x * y * (y2 + CA * x2) / den + sy
    } else {
        let den = (x2 + CB * y2) * (x2 + CC * y2);
        let sxy = if x * y < 0.0 { -CE } else { CE };
        x * y * (x2 + CA * y2) / den + sy - sxy
    }
}

/// Halves the rate with two all-pass branches and returns the energy of the upper
/// half-band (the float build of libopus's analysis-local `silk_resampler_down2_hp`).
/// Writes `input.len() / 2` samples, or as many as fit in `out`.
fn down2_hp(s: &mut [f32; 3], out: &mut [f32], input: &[f32]) -> f32 {
    let mut hp_ener = 0.0f32;
    for (o, pair) in out.iter_mut().zip(input.chunks_exact(2)) {
        let in0 = pair[0];
        let y = in0 - s[0];
        let x = 0.6074371f32 * y;
        let mut out32 = s[0] + x;
        s[0] = in0 + x;
        let mut out32_hp = out32;

        let in1 = pair[1];
        let y = in1 - s[1];
        let x = 0.15063f32 * y;
        out32 += s[1];
        out32 += x;
        s[1] = in1 + x;

        let y = -in1 - s[2];
        let x = 0.15063f32 * y;
        out32_hp += s[2];
        out32_hp += x;
        s[2] = -in1 + x;

        hp_ener += out32_hp * out32_hp;
        *o = 0.5 * out32;
    }
    hp_ener
}

/// Sample `(j + offset) * channels + ch` of `pcm` as a float at the 32768 scale, or 0 when
/// that index is outside the slice.
#[inline]
fn sample(pcm: AnalysisPcm<'_>, j: i64, offset: i64, channels: i64, ch: i64) -> f32 {
    let idx = (j + offset) * channels + ch;
    let Ok(idx) = usize::try_from(idx) else {
        return 0.0;
    };
    match pcm {
        AnalysisPcm::Float(x) => x.get(idx).map_or(0.0, |&v| v * 32768.0),
        AnalysisPcm::Int16(x) => x.get(idx).map_or(0.0, |&v| f32::from(v)),
        AnalysisPcm::Int24(x) => x.get(idx).map_or(0.0, |&v| v as f32 * (1.0 / 256.0)),
    }
}

/// Mixes channel `c1` with `c2` (one channel), all channels from 1 (`c2 == -2`) or nothing
/// (`c2 == -1`) into `y` (libopus `downmix_float`, `downmix_int`, `downmix_int24`).
fn downmix(pcm: AnalysisPcm<'_>, y: &mut [f32], offset: i32, c1: i32, c2: i32, channels: i32) {
    let (off, ch) = (i64::from(offset), i64::from(channels));
    for (j, v) in y.iter_mut().enumerate() {
        *v = sample(pcm, j as i64, off, ch, i64::from(c1));
    }
    if c2 > -1 {
        for (j, v) in y.iter_mut().enumerate() {
            *v += sample(pcm, j as i64, off, ch, i64::from(c2));
        }
    } else if c2 == -2 {
        for c in 1..i64::from(channels) {
            for (j, v) in y.iter_mut().enumerate() {
                *v += sample(pcm, j as i64, off, ch, c);
            }
        }
    }
    if let AnalysisPcm::Float(_) = pcm {
        // Float input is capped at +6 dBFS and NaN is silenced.
        for v in y.iter_mut() {
            *v = v.clamp(-65536.0, 65536.0);
            if v.is_nan() {
                *v = 0.0;
            }
        }
    }
}

/// Downmixes `subframe` samples (counted at 24 kHz) starting at `offset` and brings them to
/// 24 kHz in `y`; returns the energy above 12 kHz for 48 kHz input, else 0 (libopus
/// `downmix_and_resample`).
#[allow(clippy::too_many_arguments)]
fn downmix_and_resample(
    pcm: AnalysisPcm<'_>,
    y: &mut [f32],
    s: &mut [f32; 3],
    subframe: i32,
    offset: i32,
    c1: i32,
    c2: i32,
    channels: i32,
    fs: i32,
) -> f32 {
    if subframe <= 0 {
        return 0.0;
    }
    let (subframe, offset) = match fs {
        48000 => (subframe * 2, offset * 2),
        16000 => (subframe * 2 / 3, offset * 2 / 3),
        _ => (subframe, offset),
    };
    let n = (subframe.max(0) as usize).min(MAX_SUBFRAME);
    let mut tmp = [0.0f32; MAX_SUBFRAME];
    let tmp = &mut tmp[..n];
    downmix(pcm, tmp, offset, c1, c2, channels);
    if (c2 == -2 && channels == 2) || c2 > -1 {
        for v in tmp.iter_mut() {
            *v *= 0.5;
        }
    }
    let mut ret = 0.0f32;
    match fs {
        48000 => ret = down2_hp(s, y, tmp),
        24000 => {
            let m = n.min(y.len());
            y[..m].copy_from_slice(&tmp[..m]);
        }
        16000 => {
            // Sample-and-hold to 48 kHz, then the half-band filter: crude, but the aliasing
            // it leaves between 8 and 12 kHz does not matter to the analysis.
            let mut tmp3x = [0.0f32; 3 * MAX_SUBFRAME];
            for (t, &v) in tmp3x.chunks_exact_mut(3).zip(tmp.iter()) {
                t.fill(v);
            }
            down2_hp(s, y, &tmp3x[..3 * n]);
        }
        _ => {}
    }
    ret * SCALE_ENER
}

/// `celt_maxabs16` in the float build: the largest magnitude, NaN ignored as the C
/// comparisons ignore it.
fn maxabs(x: &[f32]) -> f32 {
    let mut maxval = 0.0f32;
    let mut minval = 0.0f32;
    for &v in x {
        maxval = max32(maxval, v);
        minval = min32(minval, v);
    }
    max32(maxval, -minval)
}

/// Energy of FFT bins `lo..hi` with both halves of the two packed real spectra, unscaled.
#[inline]
fn bin_energy(out: &[Complex; N], i: usize) -> f32 {
    out[i].r * out[i].r
        + out[N - i].r * out[N - i].r
        + out[i].i * out[i].i
        + out[N - i].i * out[N - i].i
}

/// Analyses `len` input samples (at the input rate) from `offset`; when a 30 ms window is
/// complete, writes the next slot of the result ring (libopus `tonality_analysis`).
#[allow(clippy::too_many_arguments)]
pub(super) fn tonality_analysis(
    tonal: &mut TonalityAnalysisState,
    pcm: AnalysisPcm<'_>,
    len: i32,
    offset: i32,
    c1: i32,
    c2: i32,
    channels: i32,
    lsb_depth: i32,
) {
    const BUF: i32 = ANALYSIS_BUF_SIZE as i32;
    const DS: i32 = DETECT_SIZE as i32;
    let fs = tonal.fs;

    if !tonal.initialized {
        tonal.mem_fill = 240;
        tonal.initialized = true;
    }
    let alpha = 1.0f32 / 10.min(1 + tonal.count) as f32;
    let alpha_e = 1.0f32 / 25.min(1 + tonal.count) as f32;
    let mut alpha_e2 = 1.0f32 / 100.min(1 + tonal.count) as f32;
    if tonal.count <= 1 {
        alpha_e2 = 1.0;
    }

    // From here on, lengths and offsets count 24 kHz samples.
    let (len, offset) = match fs {
        48000 => (len / 2, offset / 2),
        16000 => (3 * len / 2, 3 * offset / 2),
        _ => (len, offset),
    };

    let fill = (tonal.mem_fill.clamp(0, BUF)) as usize;
    tonal.hp_ener_accum += downmix_and_resample(
        pcm,
        &mut tonal.inmem[fill..],
        &mut tonal.downmix_state,
        len.min(BUF - tonal.mem_fill),
        offset,
        c1,
        c2,
        channels,
        fs,
    );
    if tonal.mem_fill + len < BUF {
        tonal.mem_fill += len;
        return;
    }
    let hp_ener = tonal.hp_ener_accum;
    let wp = tonal.write_pos.rem_euclid(DS) as usize;
    tonal.write_pos += 1;
    if tonal.write_pos >= DS {
        tonal.write_pos -= DS;
    }

    let silence_threshold = 1.0f32 / (1i32 << lsb_depth.clamp(0, 30)) as f32;
    let is_silence = maxabs(&tonal.inmem) <= silence_threshold;

    let mut input = [Complex::default(); N];
    for i in 0..N2 {
        let w = ANALYSIS_WINDOW[i];
        input[i].r = w * tonal.inmem[i];
        input[i].i = w * tonal.inmem[N2 + i];
        input[N - i - 1].r = w * tonal.inmem[N - i - 1];
        input[N - i - 1].i = w * tonal.inmem[N + N2 - i - 1];
    }
    tonal.inmem.copy_within(ANALYSIS_BUF_SIZE - 240.., 0);
    let remaining = len - (BUF - tonal.mem_fill);
    tonal.hp_ener_accum = downmix_and_resample(
        pcm,
        &mut tonal.inmem[240..],
        &mut tonal.downmix_state,
        remaining,
        offset + BUF - tonal.mem_fill,
        c1,
        c2,
        channels,
        fs,
    );
    tonal.mem_fill = 240 + remaining;

    if is_silence {
        // Digital silence repeats the previous window's result.
        let mut prev_pos = tonal.write_pos - 2;
        if prev_pos < 0 {
            prev_pos += DS;
        }
        tonal.info[wp] = tonal.info[prev_pos.rem_euclid(DS) as usize];
        return;
    }

    let mut out = [Complex::default(); N];
    FFT_48000_960[0].fft(&input, &mut out);
    // NaN anywhere in the input makes every output NaN, so one check suffices.
    if out[0].r.is_nan() {
        tonal.info[wp].valid = false;
        return;
    }

    // Phase prediction: a stationary sinusoid advances its phase linearly, so the second
    // difference of each bin's phase measures how far it is from a pure tone.
    let mut tonality = [0.0f32; N2];
    let mut noisiness = [0.0f32; N2];
    let mut tonality2 = [0.0f32; N2];
    for i in 1..N2 {
        let x1r = out[i].r + out[N - i].r;
        let x1i = out[i].i - out[N - i].i;
        let x2r = out[i].i + out[N - i].i;
        let x2i = out[N - i].r - out[i].r;

        let angle = INV_2PI * fast_atan2f(x1i, x1r);
        let d_angle = angle - tonal.angle[i];
        let d2_angle = d_angle - tonal.d_angle[i];

        let angle2 = INV_2PI * fast_atan2f(x2i, x2r);
        let d_angle2 = angle2 - angle;
        let d2_angle2 = d_angle2 - d_angle;

        let mut mod1 = d2_angle - float2int(d2_angle) as f32;
        noisiness[i] = mod1.abs();
        mod1 *= mod1;
        mod1 *= mod1;

        let mut mod2 = d2_angle2 - float2int(d2_angle2) as f32;
        noisiness[i] += mod2.abs();
        mod2 *= mod2;
        mod2 *= mod2;

        let avg_mod = 0.25 * (tonal.d2_angle[i] + mod1 + 2.0 * mod2);
        tonality[i] = 1.0 / (1.0 + 40.0 * 16.0 * PI4 * avg_mod) - 0.015;
        tonality2[i] = 1.0 / (1.0 + 40.0 * 16.0 * PI4 * mod2) - 0.015;

        tonal.angle[i] = angle2;
        tonal.d_angle[i] = d_angle2;
        tonal.d2_angle[i] = mod2;
    }
    for i in 2..N2 - 1 {
        let tt = min32(tonality2[i], max32(tonality2[i - 1], tonality2[i + 1]));
        tonality[i] = 0.9 * max32(tonality[i], tt - 0.1);
    }

    let mut info = tonal.info[wp];
    let mut frame_tonality = 0.0f32;
    let mut max_frame_tonality = 0.0f32;
    info.activity = 0.0;
    let mut frame_noisiness = 0.0f32;
    let mut frame_stationarity = 0.0f32;
    if tonal.count == 0 {
        tonal.low_e = [1e10; NB_TBANDS];
        tonal.high_e = [-1e10; NB_TBANDS];
    }
    let mut relative_e = 0.0f32;
    let mut frame_loudness = 0.0f32;
    let mut slope = 0.0f32;
    let mut band_tonality = [0.0f32; NB_TBANDS];
    let mut log_e = [0.0f32; NB_TBANDS];
    let mut band_log2 = [0.0f32; NB_TBANDS + 1];

    // The lowest band (bins 0 to 3, DC included) only feeds the leakage model.
    {
        let x1r = 2.0 * out[0].r;
        let x2r = 2.0 * out[0].i;
        let mut e = x1r * x1r + x2r * x2r;
        for i in 1..4 {
            e += bin_energy(&out, i);
        }
        e *= SCALE_ENER;
        band_log2[0] = 0.5 * LOG2_E * f64::from(e + 1e-10).ln() as f32;
    }
    let ec = tonal.e_count.rem_euclid(NB_FRAMES as i32) as usize;
    for b in 0..NB_TBANDS {
        let mut e = 0.0f32;
        let mut t_e = 0.0f32;
        let mut n_e = 0.0f32;
        for i in TBANDS[b]..TBANDS[b + 1] {
            let bin_e = SCALE_ENER * bin_energy(&out, i);
            e += bin_e;
            t_e += bin_e * max32(0.0, tonality[i]);
            n_e += bin_e * 2.0 * (0.5 - noisiness[i]);
        }
        // Energies this large would overflow later on.
        #[allow(clippy::neg_cmp_op_on_partial_ord)] // also catches NaN, as the C does
        if !(e < 1e9) || e.is_nan() {
            info.valid = false;
            tonal.info[wp] = info;
            return;
        }

        tonal.e[ec][b] = e;
        frame_noisiness += n_e / (1e-15 + e);

        frame_loudness += f64::from(e + 1e-10).sqrt() as f32;
        log_e[b] = f64::from(e + 1e-10).ln() as f32;
        band_log2[b + 1] = 0.5 * LOG2_E * f64::from(e + 1e-10).ln() as f32;
        tonal.log_e[ec][b] = log_e[b];
        if tonal.count == 0 {
            tonal.low_e[b] = log_e[b];
            tonal.high_e[b] = log_e[b];
        }
        if f64::from(tonal.high_e[b]) > f64::from(tonal.low_e[b]) + 7.5 {
            if tonal.high_e[b] - log_e[b] > log_e[b] - tonal.low_e[b] {
                tonal.high_e[b] -= 0.01;
            } else {
                tonal.low_e[b] += 0.01;
            }
        }
        if log_e[b] > tonal.high_e[b] {
            tonal.high_e[b] = log_e[b];
            tonal.low_e[b] = max32(tonal.high_e[b] - 15.0, tonal.low_e[b]);
        } else if log_e[b] < tonal.low_e[b] {
            tonal.low_e[b] = log_e[b];
            tonal.high_e[b] = min32(tonal.low_e[b] + 15.0, tonal.high_e[b]);
        }
        relative_e += (log_e[b] - tonal.low_e[b]) / (1e-5 + (tonal.high_e[b] - tonal.low_e[b]));

        let mut l1 = 0.0f32;
        let mut l2 = 0.0f32;
        for row in tonal.e.iter() {
            l1 += f64::from(row[b]).sqrt() as f32;
            l2 += row[b];
        }
        let denom = (1e-15 + f64::from(NB_FRAMES as f32 * l2)).sqrt() as f32;
        let mut stationarity = min32(0.99, l1 / denom);
        stationarity *= stationarity;
        stationarity *= stationarity;
        frame_stationarity += stationarity;
        band_tonality[b] = max32(
            t_e / (1e-15 + e),
            stationarity * tonal.prev_band_tonality[b],
        );
        frame_tonality += band_tonality[b];
        if b >= NB_TBANDS - NB_TONAL_SKIP_BANDS {
            frame_tonality -= band_tonality[b + NB_TONAL_SKIP_BANDS - NB_TBANDS];
        }
        max_frame_tonality = max32(
            max_frame_tonality,
            (1.0 + 0.03 * (b as i32 - NB_TBANDS as i32) as f32) * frame_tonality,
        );
        slope += band_tonality[b] * (b as i32 - 8) as f32;
        tonal.prev_band_tonality[b] = band_tonality[b];
    }

    // Leakage: how far each band sits below what its louder neighbours leak into it (in
    // analysis), and how far above what it leaks into them (in quantisation).
    let mut leakage_from = [0.0f32; NB_TBANDS + 1];
    let mut leakage_to = [0.0f32; NB_TBANDS + 1];
    leakage_from[0] = band_log2[0];
    leakage_to[0] = band_log2[0] - LEAKAGE_OFFSET;
    for b in 1..NB_TBANDS + 1 {
        let leak_slope = LEAKAGE_SLOPE * (TBANDS[b] - TBANDS[b - 1]) as f32 / 4.0;
        leakage_from[b] = min32(leakage_from[b - 1] + leak_slope, band_log2[b]);
        leakage_to[b] = max32(
            leakage_to[b - 1] - leak_slope,
            band_log2[b] - LEAKAGE_OFFSET,
        );
    }
    for b in (0..NB_TBANDS - 1).rev() {
        let leak_slope = LEAKAGE_SLOPE * (TBANDS[b + 1] - TBANDS[b]) as f32 / 4.0;
        leakage_from[b] = min32(leakage_from[b + 1] + leak_slope, leakage_from[b]);
        leakage_to[b] = max32(leakage_to[b + 1] - leak_slope, leakage_to[b]);
    }
    for b in 0..NB_TBANDS + 1 {
        let boost = max32(0.0, leakage_to[b] - band_log2[b])
            + max32(0.0, band_log2[b] - (leakage_from[b] + LEAKAGE_OFFSET));
        let q = (0.5 + f64::from(64.0 * boost)).floor() as i32;
        info.leak_boost[b] = 255.min(q) as u8;
    }
    for v in info.leak_boost.iter_mut().skip(NB_TBANDS + 1) {
        *v = 0;
    }

    // Spectral variability: distance from each of the last windows to its nearest other.
    let mut spec_variability = 0.0f32;
    for i in 0..NB_FRAMES {
        let mut mindist = 1e15f32;
        for j in 0..NB_FRAMES {
            let mut dist = 0.0f32;
            for k in 0..NB_TBANDS {
                let d = tonal.log_e[i][k] - tonal.log_e[j][k];
                dist += d * d;
            }
            if j != i {
                mindist = min32(mindist, dist);
            }
        }
        spec_variability += mindist;
    }
    spec_variability =
        f64::from(spec_variability / NB_FRAMES as f32 / NB_TBANDS as f32).sqrt() as f32;

    // Bandwidth: the highest band clearly above both the masking of lower bands and the
    // quantisation noise of the input's bit depth.
    let mut bandwidth_mask = 0.0f32;
    let mut bandwidth = 0i32;
    let mut max_e = 0.0f32;
    let mut noise_floor = 5.7e-4f32 / (1i32 << (lsb_depth - 8).clamp(0, 30)) as f32;
    noise_floor *= noise_floor;
    let mut below_max_pitch = 0.0f32;
    let mut above_max_pitch = 0.0f32;
    let mut is_masked = [false; NB_TBANDS + 1];
    for b in 0..NB_TBANDS {
        let band_start = TBANDS[b];
        let band_end = TBANDS[b + 1];
        let mut e = 0.0f32;
        for i in band_start..band_end {
            e += bin_energy(&out, i);
        }
        e *= SCALE_ENER;
        max_e = max32(max_e, e);
        if band_start < 64 {
            below_max_pitch += e;
        } else {
            above_max_pitch += e;
        }
        tonal.mean_e[b] = max32((1.0 - alpha_e2) * tonal.mean_e[b], e);
        let em = max32(e, tonal.mean_e[b]);
        let width = (band_end - band_start) as f32;
        if e * 1e9 > max_e && (em > 3.0 * noise_floor * width || e > noise_floor * width) {
            bandwidth = b as i32 + 1;
        }
        let m = if tonal.prev_bandwidth > b as i32 {
            0.01f32
        } else {
            0.05
        };
        is_masked[b] = e < m * bandwidth_mask;
        bandwidth_mask = max32(0.05 * bandwidth_mask, e);
    }
    // Above 12 kHz only the half-band filter's energy is known, and it leaks some low
    // frequencies, hence the higher thresholds.
    if fs == 48000 {
        let b = NB_TBANDS;
        let e = hp_ener * (1.0f32 / (60 * 60) as f32);
        let noise_ratio = if tonal.prev_bandwidth == 20 {
            10.0f32
        } else {
            30.0
        };
        above_max_pitch += e;
        tonal.mean_e[b] = max32((1.0 - alpha_e2) * tonal.mean_e[b], e);
        let em = max32(e, tonal.mean_e[b]);
        if em > 3.0 * noise_ratio * noise_floor * 160.0 || e > noise_ratio * noise_floor * 160.0 {
            bandwidth = 20;
        }
        let m = if tonal.prev_bandwidth == 20 {
            0.01f32
        } else {
            0.05
        };
        is_masked[b] = e < m * bandwidth_mask;
    }
    info.max_pitch_ratio = if above_max_pitch > below_max_pitch {
        below_max_pitch / above_max_pitch
    } else {
        1.0
    };
    // Resampling aliasing can put a little energy in the first band cut off: drop a masked
    // top band.
    if bandwidth == 20 && is_masked[NB_TBANDS] {
        bandwidth -= 2;
    } else if bandwidth > 0 && bandwidth <= NB_TBANDS as i32 && is_masked[(bandwidth - 1) as usize]
    {
        bandwidth -= 1;
    }
    if tonal.count <= 2 {
        bandwidth = 20;
    }
    frame_loudness = 20.0 * f64::from(frame_loudness).log10() as f32;
    tonal.e_tracker = max32(tonal.e_tracker - 0.003, frame_loudness);
    tonal.low_e_count *= 1.0 - alpha_e;
    if frame_loudness < tonal.e_tracker - 30.0 {
        tonal.low_e_count += alpha_e;
    }

    let mut bfcc = [0.0f32; 8];
    let mut mid_e = [0.0f32; 8];
    for (i, c) in bfcc.iter_mut().enumerate() {
        let mut sum = 0.0f32;
        for b in 0..16 {
            sum += DCT_TABLE[i * 16 + b] * log_e[b];
        }
        *c = sum;
    }
    for (i, c) in mid_e.iter_mut().enumerate() {
        let mut sum = 0.0f32;
        for b in 0..16 {
            sum += DCT_TABLE[i * 16 + b] * 0.5 * (tonal.high_e[b] + tonal.low_e[b]);
        }
        *c = sum;
    }

    frame_stationarity /= NB_TBANDS as f32;
    relative_e /= NB_TBANDS as f32;
    if tonal.count < 10 {
        relative_e = 0.5;
    }
    frame_noisiness /= NB_TBANDS as f32;
    info.activity = frame_noisiness + (1.0 - frame_noisiness) * relative_e;
    frame_tonality = max_frame_tonality / (NB_TBANDS - NB_TONAL_SKIP_BANDS) as f32;
    frame_tonality = max32(frame_tonality, tonal.prev_tonality * 0.8);
    tonal.prev_tonality = frame_tonality;

    slope /= (8 * 8) as f32;
    info.tonality_slope = slope;

    tonal.e_count = (tonal.e_count + 1).rem_euclid(NB_FRAMES as i32);
    tonal.count = (tonal.count + 1).min(ANALYSIS_COUNT_MAX);
    info.tonality = frame_tonality;

    // Features: cepstral derivatives over the last windows, their spreads, and the frame
    // statistics above, each centred on its training mean.
    let mut features = [0.0f32; N_INPUTS];
    let mem = &mut tonal.mem;
    for i in 0..4 {
        features[i] = -0.12299 * (bfcc[i] + mem[i + 24])
            + 0.49195 * (mem[i] + mem[i + 16])
            + 0.69693 * mem[i + 8]
            - 1.4349 * tonal.cmean[i];
    }
    for i in 0..4 {
        tonal.cmean[i] = (1.0 - alpha) * tonal.cmean[i] + alpha * bfcc[i];
    }
    for i in 0..4 {
        features[4 + i] = 0.63246 * (bfcc[i] - mem[i + 24]) + 0.31623 * (mem[i] - mem[i + 16]);
    }
    for i in 0..3 {
        features[8 + i] = 0.53452 * (bfcc[i] + mem[i + 24])
            - 0.26726 * (mem[i] + mem[i + 16])
            - 0.53452 * mem[i + 8];
    }
    if tonal.count > 5 {
        for i in 0..9 {
            tonal.std[i] = (1.0 - alpha) * tonal.std[i] + alpha * features[i] * features[i];
        }
    }
    for i in 0..4 {
        features[i] = bfcc[i] - mid_e[i];
    }
    for i in 0..8 {
        mem[i + 24] = mem[i + 16];
        mem[i + 16] = mem[i + 8];
        mem[i + 8] = mem[i];
        mem[i] = bfcc[i];
    }
    for i in 0..9 {
        features[11 + i] = f64::from(tonal.std[i]).sqrt() as f32 - STD_FEATURE_BIAS[i];
    }
    features[18] = spec_variability - 0.78;
    features[20] = info.tonality - 0.154723;
    features[21] = info.activity - 0.724643;
    features[22] = frame_stationarity - 0.743717;
    features[23] = info.tonality_slope + 0.069216;
    features[24] = tonal.low_e_count - 0.067930;

    let probs = analysis_mlp(&features, &mut tonal.rnn_state);
    info.activity_probability = probs[1];
    info.music_prob = probs[0];

    info.bandwidth = bandwidth;
    tonal.prev_bandwidth = bandwidth;
    info.noisiness = frame_noisiness;
    info.valid = true;
    tonal.info[wp] = info;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atan2_matches_std_roughly() {
        for k in 0..64 {
            let a = k as f32 * 0.1 - 3.1;
            let (y, x) = (a.sin() * 3.0, a.cos() * 3.0);
            assert!((fast_atan2f(y, x) - y.atan2(x)).abs() < 1e-3, "{a}");
        }
        assert_eq!(fast_atan2f(0.0, 0.0), 0.0);
    }

    #[test]
    fn down2_hp_passes_dc_and_rejects_nyquist() {
        let mut s = [0.0f32; 3];
        let dc = [1000.0f32; 400];
        let mut out = [0.0f32; 200];
        let hp = down2_hp(&mut s, &mut out, &dc);
        assert!((out[199] - 1000.0).abs() < 1.0, "{}", out[199]);
        let mut s = [0.0f32; 3];
        let ny: Vec<f32> = (0..400)
            .map(|i| if i % 2 == 0 { 1000.0 } else { -1000.0 })
            .collect();
        let hp2 = down2_hp(&mut s, &mut out, &ny);
        assert!(
            out[199].abs() < 1.0 && hp2 > 100.0 * hp,
            "{} {hp} {hp2}",
            out[199]
        );
    }
}

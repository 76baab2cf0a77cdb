//! Signal analysis of the CELT encoder (libopus `celt/celt_encoder.c`, float build).
//!
//! The decisions the encoder takes before coding a frame, each from the
//! pre-emphasised input, the MDCT or the band energies: transient detection
//! ([`transient_analysis`], [`patch_transient_decision`]), pure-tone detection
//! ([`tone_detect`]), the time-frequency resolution per band ([`tf_analysis`],
//! coded by [`tf_encode`]), the allocation trim ([`alloc_trim_analysis`]), dual
//! stereo ([`stereo_analysis`]), dynamic allocation boosts ([`dynalloc_analysis`])
//! and the VBR target ([`compute_vbr`]).
//!
//! Every function keeps libopus's float operation order, including the places
//! where C promotes to double, so that the decisions, and hence the bitstream,
//! match bit for bit.

use super::bands::haar1;
use super::mathops::{celt_exp2, celt_inner_prod, celt_log2, celt_sqrt, max32, min32, EPSILON};
use super::mode::CeltMode;
use super::tables::{E_MEANS, NB_EBANDS, TF_SELECT_TABLE};
use crate::range_coder::RangeEncoder;

/// Bands that carry a leakage boost in [`AnalysisInfo`] (libopus `LEAK_BANDS`).
pub const LEAK_BANDS: usize = 19;

/// What the Opus layer's tonality analysis tells CELT about a frame (libopus
/// `AnalysisInfo`). `valid == false` (the default) disables every use.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AnalysisInfo {
    /// Whether the other fields hold an analysis.
    pub valid: bool,
    /// Tonality, 0 to 1.
    pub tonality: f32,
    /// Slope of the tonality over frequency.
    pub tonality_slope: f32,
    /// Noisiness.
    pub noisiness: f32,
    /// Activity, 0 to 1.
    pub activity: f32,
    /// Probability of music.
    pub music_prob: f32,
    /// Lower bound of the music probability.
    pub music_prob_min: f32,
    /// Upper bound of the music probability.
    pub music_prob_max: f32,
    /// Highest band with significant energy.
    pub bandwidth: i32,
    /// Probability of voice activity.
    pub activity_probability: f32,
    /// Largest pitch gain to allow in the pre-filter (scales its gain).
    pub max_pitch_ratio: f32,
    /// Per-band allocation boost in 1/64 units.
    pub leak_boost: [u8; LEAK_BANDS],
}

/// What SILK tells CELT about a hybrid frame (libopus `SILKInfo`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SilkInfo {
    /// SILK signal type (2 is voiced).
    pub signal_type: i32,
    /// SILK quantisation offset.
    pub offset: i32,
}

/// 6*64/x, trained to minimise the average error (libopus `inv_table` of
/// `transient_analysis`).
#[rustfmt::skip]
const INV_TABLE: [u8; 128] = [
    255,255,156,110, 86, 70, 59, 51, 45, 40, 37, 33, 31, 28, 26, 25,
     23, 22, 21, 20, 19, 18, 17, 16, 16, 15, 15, 14, 13, 13, 12, 12,
     12, 12, 11, 11, 11, 10, 10, 10,  9,  9,  9,  9,  9,  9,  8,  8,
      8,  8,  8,  7,  7,  7,  7,  7,  7,  6,  6,  6,  6,  6,  6,  6,
      6,  6,  6,  6,  6,  6,  6,  6,  6,  5,  5,  5,  5,  5,  5,  5,
      5,  5,  5,  5,  5,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,
      4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  3,  3,
      3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  2,
];

/// Result of [`transient_analysis`].
#[derive(Debug, Clone, Copy)]
pub struct Transient {
    /// Whether the frame should use short blocks.
    pub is_transient: bool,
    /// A transient too weak for short blocks at low hybrid rates.
    pub weak_transient: bool,
    /// How transient the frame is, for the VBR boost and TF analysis.
    pub tf_estimate: f32,
    /// The channel with the strongest transient.
    pub tf_chan: usize,
}

/// Detects transients from the ratio of the frame energy to the harmonic mean of
/// the masked energy envelope of `c` channels of `len` samples in `input` (libopus
/// `transient_analysis`, float build). `scratch` needs `len` values.
#[allow(clippy::too_many_arguments)]
pub fn transient_analysis(
    input: &[f32],
    len: usize,
    c: usize,
    allow_weak_transients: bool,
    tone_freq: f32,
    toneishness: f32,
    scratch: &mut [f32],
) -> Transient {
    let tmp = &mut scratch[..len];
    let mut mask_metric = 0i32;
    let mut tf_chan = 0usize;
    let mut weak_transient = false;
    // Forward masking of 6.7 dB/ms, or 3.3 dB/ms at low rates.
    let forward_decay: f32 = if allow_weak_transients { 0.03125 } else { 0.0625 };
    let len2 = len / 2;
    for ch in 0..c {
        let x_in = &input[ch * len..(ch + 1) * len];
        let mut mem0 = 0.0f32;
        let mut mem1 = 0.0f32;
        // High-pass (1 - 2z^-1 + z^-2) / (1 - z^-1 + 0.5z^-2).
        for i in 0..len {
            let x = x_in[i];
            let y = mem0 + x;
            let mem00 = mem0;
            mem0 = mem0 - x + 0.5f32 * mem1;
            mem1 = x - mem00;
            tmp[i] = y;
        }
        // The filter memory was not carried over: drop the first samples.
        tmp[..12].fill(0.0);

        let mut mean = 0.0f32;
        mem0 = 0.0;
        // Forward pass over pairs: the post-echo threshold.
        for i in 0..len2 {
            let x2 = tmp[2 * i] * tmp[2 * i] + tmp[2 * i + 1] * tmp[2 * i + 1];
            mean += x2;
            mem0 = x2 + (1.0f32 - forward_decay) * mem0;
            tmp[i] = forward_decay * mem0;
        }
        mem0 = 0.0;
        let mut max_e = 0.0f32;
        // Backward pass: the pre-echo threshold (13.9 dB/ms).
        for i in (0..len2).rev() {
            mem0 = tmp[i] + 0.875f32 * mem0;
            tmp[i] = 0.125f32 * mem0;
            max_e = max32(max_e, 0.125f32 * mem0);
        }
        // Geometric mean of the energy and half the maximum; C computes the
        // product in double from `* .5`.
        let mean = (f64::from(mean * max_e) * 0.5 * len2 as f64).sqrt() as f32;
        let norm = len2 as f32 / (EPSILON + mean);
        let mut unmask = 0i32;
        let mut i = 12;
        while i + 5 < len2 {
            let v = (64.0f32 * norm * (tmp[i] + EPSILON)).floor();
            let id = if v < 127.0 { v } else { 127.0 };
            let id = if 0.0 > id { 0.0 } else { id } as i32;
            unmask += i32::from(INV_TABLE[id as usize]);
            i += 4;
        }
        // Normalise for the quarter of the samples and the factor 6 of the table.
        let unmask = 64 * unmask * 4 / (6 * (len2 as i32 - 17));
        if unmask > mask_metric {
            tf_chan = ch;
            mask_metric = unmask;
        }
    }
    let mut is_transient = mask_metric > 200;
    // A very low tone's partial cycle is no transient.
    if toneishness > 0.98f32 && tone_freq < 0.026f32 {
        is_transient = false;
        mask_metric = 0;
    }
    if allow_weak_transients && is_transient && mask_metric < 600 {
        is_transient = false;
        weak_transient = true;
    }
    let tf_max = max32(0.0, celt_sqrt((27 * mask_metric) as f32) - 42.0);
    let t = (0.0069f32 * if 163.0 < tf_max { 163.0 } else { tf_max }) as f64 - 0.139;
    let tf_estimate = (if 0.0 > t { 0.0 } else { t }).sqrt() as f32;
    Transient {
        is_transient,
        weak_transient,
        tf_estimate,
        tf_chan,
    }
}

/// Looks for a sudden energy rise over the previous frame's spread-out energies,
/// which the time-domain detector may have missed (libopus
/// `patch_transient_decision`).
pub fn patch_transient_decision(
    new_e: &[f32],
    old_e: &[f32],
    nb: usize,
    start: usize,
    end: usize,
    c: usize,
) -> bool {
    let mut spread_old = [0.0f32; 26];
    // Spread the old frame by -6 dB per band against irrelevant bands.
    if c == 1 {
        spread_old[start] = old_e[start];
        for i in start + 1..end {
            spread_old[i] = max32(spread_old[i - 1] - 1.0, old_e[i]);
        }
    } else {
        spread_old[start] = max32(old_e[start], old_e[start + nb]);
        for i in start + 1..end {
            spread_old[i] = max32(spread_old[i - 1] - 1.0, max32(old_e[i], old_e[i + nb]));
        }
    }
    for i in (start..end.saturating_sub(1)).rev() {
        spread_old[i] = max32(spread_old[i], spread_old[i + 1] - 1.0);
    }
    let mut mean_diff = 0.0f32;
    let lo = start.max(2);
    for ch in 0..c {
        for i in lo..end - 1 {
            let x1 = max32(0.0, new_e[i + ch * nb]);
            let x2 = max32(0.0, spread_old[i]);
            mean_diff += max32(0.0, x1 - x2);
        }
    }
    mean_diff /= (c * (end - 1 - lo)) as f32;
    mean_diff > 1.0
}

/// Least-squares fit of a two-tap predictor at lag `delay`, forward and backward
/// (libopus `tone_lpc`). `None` when the system is ill-conditioned.
fn tone_lpc(x: &[f32], len: usize, delay: usize) -> Option<[f32; 2]> {
    let (mut r00, mut r01, mut r02) = (0.0f32, 0.0f32, 0.0f32);
    for i in 0..len - 2 * delay {
        r00 += x[i] * x[i];
        r01 += x[i] * x[i + delay];
        r02 += x[i] * x[i + 2 * delay];
    }
    let mut edges = 0.0f32;
    for i in 0..delay {
        edges += x[len + i - 2 * delay] * x[len + i - 2 * delay] - x[i] * x[i];
    }
    let r11 = r00 + edges;
    edges = 0.0;
    for i in 0..delay {
        edges += x[len + i - delay] * x[len + i - delay] - x[i + delay] * x[i + delay];
    }
    let r22 = r11 + edges;
    edges = 0.0;
    for i in 0..delay {
        edges += x[len + i - 2 * delay] * x[len + i - delay] - x[i] * x[i + delay];
    }
    let r12 = r01 + edges;
    // Add the backward prediction.
    let (r00, r01, r11, r02, r12) = (r00 + r22, r01 + r12, 2.0 * r11, 2.0 * r02, r12 + r01);
    let den = r00 * r11 - r01 * r01;
    if den < 0.001f32 * (r00 * r11) {
        return None;
    }
    let mut lpc = [0.0f32; 2];
    let num1 = r02 * r11 - r01 * r12;
    lpc[1] = if num1 >= den {
        1.0
    } else if num1 <= -den {
        -1.0
    } else {
        num1 / den
    };
    let num0 = r00 * r12 - r02 * r01;
    lpc[0] = if 0.5f32 * num0 >= den {
        1.999999
    } else if 0.5f32 * num0 <= -den {
        -1.999999
    } else {
        num0 / den
    };
    Some(lpc)
}

/// Detects a pure or nearly pure tone in `n` samples of `cc` channels of `input`
/// (libopus `tone_detect`). Returns its frequency in radians per sample (-1 when
/// there is none) and the "toneishness" (squared pole radius). `scratch` needs
/// `n` values.
pub fn tone_detect(input: &[f32], cc: usize, n: usize, fs: i32, scratch: &mut [f32]) -> (f32, f32) {
    let x = &mut scratch[..n];
    if cc == 2 {
        for i in 0..n {
            x[i] = input[i] + input[i + n];
        }
    } else {
        x.copy_from_slice(&input[..n]);
    }
    let mut delay = 1usize;
    let mut lpc = tone_lpc(x, n, delay);
    // Resonance too close to DC: retry on a downsampled view.
    while delay as i32 <= fs / 3000
        && lpc.map_or(true, |l| l[0] > 1.0 && l[1] < 0.0)
    {
        delay *= 2;
        lpc = tone_lpc(x, n, delay);
    }
    match lpc {
        // Complex roots: C evaluates the discriminant in double.
        Some(l) if f64::from(l[0] * l[0]) + 3.999999f64 * f64::from(l[1]) < 0.0 => {
            let freq = (f64::from(0.5f32 * l[0]).acos() / delay as f64) as f32;
            (freq, -l[1])
        }
        _ => (-1.0, 0.0),
    }
}

/// L1 norm of `tmp[..n]`, biased towards frequency resolution by `lm * bias`
/// (libopus `l1_metric`).
fn l1_metric(tmp: &[f32], n: usize, lm: i32, bias: f32) -> f32 {
    let mut l1 = 0.0f32;
    for &v in &tmp[..n] {
        l1 += v.abs();
    }
    l1 + lm as f32 * bias * l1
}

/// Chooses the TF resolution change of each band below `len` by comparing L1 norms
/// after Haar steps, then smooths the choice with a Viterbi search weighted by
/// `importance` (libopus `tf_analysis`). Writes 0/1 flags to `tf_res` and returns
/// `tf_select`.
#[allow(clippy::too_many_arguments)]
pub fn tf_analysis(
    m: &CeltMode,
    len: usize,
    is_transient: bool,
    tf_res: &mut [i32],
    lambda: i32,
    x: &[f32],
    n0: usize,
    lm: usize,
    tf_estimate: f32,
    tf_chan: usize,
    importance: &[i32],
) -> i32 {
    let lmi = lm as i32;
    let it = usize::from(is_transient);
    let bias = 0.04f32 * max32(-0.25, 0.5f32 - tf_estimate);
    let mut metric = [0i32; NB_EBANDS];
    let mut path0 = [0i32; NB_EBANDS];
    let mut path1 = [0i32; NB_EBANDS];
    let mut tmp = [0.0f32; super::mode::MAX_BAND_SIZE];
    let mut tmp1 = [0.0f32; super::mode::MAX_BAND_SIZE];
    for i in 0..len {
        let n = (m.band_width(i) as usize) << lm;
        let narrow = m.band_width(i) == 1;
        let base = tf_chan * n0 + ((m.eband(i) as usize) << lm);
        tmp[..n].copy_from_slice(&x[base..base + n]);
        let mut best_l1 = l1_metric(&tmp, n, if is_transient { lmi } else { 0 }, bias);
        let mut best_level = 0i32;
        // The -1 level for transients.
        if is_transient && !narrow {
            tmp1[..n].copy_from_slice(&tmp[..n]);
            haar1(&mut tmp1, n >> lm, 1 << lm);
            let l1 = l1_metric(&tmp1, n, lmi + 1, bias);
            if l1 < best_l1 {
                best_l1 = l1;
                best_level = -1;
            }
        }
        let kmax = lmi + i32::from(!(is_transient || narrow));
        for k in 0..kmax {
            let b = if is_transient { lmi - k - 1 } else { k + 1 };
            haar1(&mut tmp, n >> k, 1 << k);
            let l1 = l1_metric(&tmp, n, b, bias);
            if l1 < best_l1 {
                best_l1 = l1;
                best_level = k + 1;
            }
        }
        // In Q1, so that narrow bands can sit half-way.
        metric[i] = if is_transient { 2 * best_level } else { -2 * best_level };
        if narrow && (metric[i] == 0 || metric[i] == -2 * lmi) {
            metric[i] -= 1;
        }
    }
    let row = &TF_SELECT_TABLE[lm];
    let sel_val = |sel: usize, bit: usize| 2 * i32::from(row[4 * it + 2 * sel + bit]);
    let mut selcost = [0i32; 2];
    for (sel, cost) in selcost.iter_mut().enumerate() {
        let mut cost0 = importance[0] * (metric[0] - sel_val(sel, 0)).abs();
        let mut cost1 = importance[0] * (metric[0] - sel_val(sel, 1)).abs()
            + if is_transient { 0 } else { lambda };
        for i in 1..len {
            let curr0 = cost0.min(cost1 + lambda);
            let curr1 = (cost0 + lambda).min(cost1);
            cost0 = curr0 + importance[i] * (metric[i] - sel_val(sel, 0)).abs();
            cost1 = curr1 + importance[i] * (metric[i] - sel_val(sel, 1)).abs();
        }
        *cost = cost0.min(cost1);
    }
    // tf_select = 1 only for transients, to be conservative.
    let tf_select = usize::from(selcost[1] < selcost[0] && is_transient);
    let mut cost0 = importance[0] * (metric[0] - sel_val(tf_select, 0)).abs();
    let mut cost1 = importance[0] * (metric[0] - sel_val(tf_select, 1)).abs()
        + if is_transient { 0 } else { lambda };
    for i in 1..len {
        let from0 = cost0;
        let from1 = cost1 + lambda;
        let curr0 = if from0 < from1 {
            path0[i] = 0;
            from0
        } else {
            path0[i] = 1;
            from1
        };
        let from0 = cost0 + lambda;
        let from1 = cost1;
        let curr1 = if from0 < from1 {
            path1[i] = 0;
            from0
        } else {
            path1[i] = 1;
            from1
        };
        cost0 = curr0 + importance[i] * (metric[i] - sel_val(tf_select, 0)).abs();
        cost1 = curr1 + importance[i] * (metric[i] - sel_val(tf_select, 1)).abs();
    }
    tf_res[len - 1] = i32::from(cost0 >= cost1);
    for i in (0..len - 1).rev() {
        tf_res[i] = if tf_res[i + 1] == 1 {
            path1[i + 1]
        } else {
            path0[i + 1]
        };
    }
    tf_select as i32
}

/// Encodes the TF flags of bands `start..end` and `tf_select` as far as the budget
/// allows, then turns `tf_res` into TF changes (libopus `tf_encode`).
pub fn tf_encode(
    start: usize,
    end: usize,
    is_transient: bool,
    tf_res: &mut [i32],
    lm: usize,
    tf_select: i32,
    enc: &mut RangeEncoder<'_>,
) {
    let mut budget = enc.storage() * 8;
    let mut tell = enc.tell() as u32;
    let mut logp: u32 = if is_transient { 2 } else { 4 };
    // Room for tf_select.
    let tf_select_rsv = lm > 0 && tell + logp < budget;
    budget -= u32::from(tf_select_rsv);
    let mut curr = 0i32;
    let mut tf_changed = 0i32;
    for r in tf_res[start..end].iter_mut() {
        if tell + logp <= budget {
            enc.bit_logp((*r ^ curr) != 0, logp);
            tell = enc.tell() as u32;
            curr = *r;
            tf_changed |= curr;
        } else {
            *r = curr;
        }
        logp = if is_transient { 4 } else { 5 };
    }
    let it = 4 * usize::from(is_transient);
    let row = &TF_SELECT_TABLE[lm];
    let mut tf_select = tf_select;
    // tf_select only where it changes something.
    if tf_select_rsv
        && row[it + tf_changed as usize] != row[it + 2 + tf_changed as usize]
    {
        enc.bit_logp(tf_select != 0, 1);
    } else {
        tf_select = 0;
    }
    for r in tf_res[start..end].iter_mut() {
        *r = i32::from(row[it + 2 * tf_select as usize + *r as usize]);
    }
}

/// Chooses the allocation trim (0 to 10) from the spectral tilt, the inter-channel
/// correlation, the transient estimate and the tonality slope; updates the stereo
/// saving estimate (libopus `alloc_trim_analysis`, float build).
#[allow(clippy::too_many_arguments)]
pub fn alloc_trim_analysis(
    m: &CeltMode,
    x: &[f32],
    band_log_e: &[f32],
    end: usize,
    lm: usize,
    c: usize,
    n0: usize,
    analysis: &AnalysisInfo,
    stereo_saving: &mut f32,
    tf_estimate: f32,
    intensity: i32,
    surround_trim: f32,
    equiv_rate: i32,
) -> i32 {
    let mut trim = 5.0f32;
    // Lower trims help at low rates.
    if equiv_rate < 64000 {
        trim = 4.0;
    } else if equiv_rate < 80000 {
        let frac = (equiv_rate - 64000) >> 10;
        trim = 4.0f32 + (1.0f32 / 16.0) * frac as f32;
    }
    if c == 2 {
        let band = |i: usize| {
            let lo = (m.eband(i) as usize) << lm;
            celt_inner_prod(&x[lo..], &x[n0 + lo..], (m.band_width(i) as usize) << lm)
        };
        // Inter-channel correlation of the low bands.
        let mut sum = 0.0f32;
        for i in 0..8 {
            sum += band(i);
        }
        sum *= 1.0f32 / 8.0;
        sum = min32(1.0, sum.abs());
        let mut min_xc = sum;
        for i in 8..intensity.max(8) as usize {
            min_xc = min32(min_xc, band(i).abs());
        }
        min_xc = min32(1.0, min_xc.abs());
        // Mid/side savings from the average and from the minimum correlation.
        let log_xc = celt_log2(1.001f32 - sum * sum);
        let log_xc2 = max32(0.5f32 * log_xc, celt_log2(1.001f32 - min_xc * min_xc));
        trim += max32(-4.0, 0.75f32 * log_xc);
        *stereo_saving = min32(*stereo_saving + 0.25, -(0.5f32 * log_xc2));
    }
    // Spectral tilt.
    let mut diff = 0.0f32;
    for ch in 0..c {
        for i in 0..end - 1 {
            diff += band_log_e[i + ch * m.nb_ebands] * (2 + 2 * i as i32 - end as i32) as f32;
        }
    }
    diff /= (c * (end - 1)) as f32;
    trim -= max32(-2.0, min32(2.0, (diff + 1.0) / 6.0));
    trim -= surround_trim;
    trim -= 2.0 * tf_estimate;
    if analysis.valid {
        trim -= max32(-2.0, min32(2.0, 2.0f32 * (analysis.tonality_slope + 0.05)));
    }
    let trim_index = (0.5f32 + trim).floor() as i32;
    trim_index.clamp(0, 10)
}

/// Whether dual (L/R) stereo would code the low bands more cheaply than mid/side,
/// judged by L1 norms (libopus `stereo_analysis`).
pub fn stereo_analysis(m: &CeltMode, x: &[f32], lm: usize, n0: usize) -> bool {
    let mut sum_lr = EPSILON;
    let mut sum_ms = EPSILON;
    for i in 0..13 {
        for j in (m.eband(i) as usize) << lm..(m.eband(i + 1) as usize) << lm {
            let l = x[j];
            let r = x[n0 + j];
            let mid = l + r;
            let side = l - r;
            sum_lr += l.abs() + r.abs();
            sum_ms += mid.abs() + side.abs();
        }
    }
    // libopus's rounded 1/sqrt(2), not the exact constant.
    #[allow(clippy::approx_constant)]
    let half_sqrt2 = 0.707107f32;
    sum_ms *= half_sqrt2;
    let mut thetas = 13;
    // No thetas for the low bands at LM <= 1.
    if lm <= 1 {
        thetas -= 8;
    }
    let e13 = m.eband(13) << (lm + 1);
    (e13 + thetas) as f32 * sum_ms > e13 as f32 * sum_lr
}

/// Median of five values (libopus `median_of_5`).
fn median_of_5(x: &[f32]) -> f32 {
    let t2 = x[2];
    let (mut t0, mut t1) = if x[0] > x[1] { (x[1], x[0]) } else { (x[0], x[1]) };
    let (mut t3, mut t4) = if x[3] > x[4] { (x[4], x[3]) } else { (x[3], x[4]) };
    if t0 > t3 {
        std::mem::swap(&mut t0, &mut t3);
        std::mem::swap(&mut t1, &mut t4);
    }
    if t2 > t1 {
        if t1 < t3 {
            min32(t2, t3)
        } else {
            min32(t4, t1)
        }
    } else if t2 < t3 {
        min32(t1, t3)
    } else {
        min32(t2, t4)
    }
}

/// Median of three values (libopus `median_of_3`).
fn median_of_3(x: &[f32]) -> f32 {
    let (t0, t1) = if x[0] > x[1] { (x[1], x[0]) } else { (x[0], x[1]) };
    let t2 = x[2];
    if t1 < t2 {
        t1
    } else if t0 < t2 {
        t2
    } else {
        t0
    }
}

/// Inputs of [`dynalloc_analysis`] besides the energies.
#[derive(Debug, Clone, Copy)]
pub struct DynallocParams<'a> {
    /// First coded band.
    pub start: usize,
    /// End of the coded bands.
    pub end: usize,
    /// Stream channels.
    pub c: usize,
    /// Bits per sample of the input.
    pub lsb_depth: i32,
    /// Whether the frame uses short blocks.
    pub is_transient: bool,
    /// VBR on.
    pub vbr: bool,
    /// Constrained VBR.
    pub constrained_vbr: bool,
    /// LM of the frame.
    pub lm: usize,
    /// Bytes available to the frame.
    pub effective_bytes: i32,
    /// LFE channel.
    pub lfe: bool,
    /// Surround masking boosts per band.
    pub surround_dynalloc: &'a [f32],
    /// Tonality analysis.
    pub analysis: &'a AnalysisInfo,
    /// Tone frequency from [`tone_detect`].
    pub tone_freq: f32,
    /// Toneishness from [`tone_detect`].
    pub toneishness: f32,
}

/// Computes the per-band dynamic allocation boosts (`offsets`, in boost quanta),
/// the band importance for TF analysis and the spreading weights; returns the
/// maximum depth above the noise floor and the total boost in 1/8 bits (libopus
/// `dynalloc_analysis`, float build).
#[allow(clippy::too_many_arguments)]
pub fn dynalloc_analysis(
    m: &CeltMode,
    band_log_e: &[f32],
    band_log_e2: &[f32],
    old_band_e: &[f32],
    p: &DynallocParams<'_>,
    offsets: &mut [i32],
    importance: &mut [i32],
    spread_weight: &mut [i32],
) -> (f32, i32) {
    let nb = m.nb_ebands;
    let (start, end, c, lm) = (p.start, p.end, p.c, p.lm);
    let e_bands = m.ebands;
    let mut tot_boost = 0i32;
    let mut follower = [0.0f32; 2 * NB_EBANDS];
    let mut noise_floor = [0.0f32; NB_EBANDS];
    let mut band_log_e3 = [0.0f32; NB_EBANDS];
    offsets[..nb].fill(0);
    let mut max_depth = -31.9f32;
    for i in 0..end {
        // Band width, eMeans, depth and the pre-emphasis tilt.
        noise_floor[i] = 0.0625f32 * f32::from(m.log_n[i]) + 0.5f32 + (9 - p.lsb_depth) as f32
            - E_MEANS[i]
            + 0.0062f32 * (i + 5) as f32 * (i + 5) as f32;
    }
    for ch in 0..c {
        for i in 0..end {
            max_depth = max32(max_depth, band_log_e[ch * nb + i] - noise_floor[i]);
        }
    }
    {
        // A simple masking model so that masked bands do not sway spreading.
        let mut mask = [0.0f32; NB_EBANDS];
        let mut sig = [0.0f32; NB_EBANDS];
        for i in 0..end {
            mask[i] = band_log_e[i] - noise_floor[i];
        }
        if c == 2 {
            for i in 0..end {
                mask[i] = max32(mask[i], band_log_e[nb + i] - noise_floor[i]);
            }
        }
        sig[..end].copy_from_slice(&mask[..end]);
        for i in 1..end {
            mask[i] = max32(mask[i], mask[i - 1] - 2.0);
        }
        for i in (0..end.saturating_sub(1)).rev() {
            mask[i] = max32(mask[i], mask[i + 1] - 3.0);
        }
        for i in 0..end {
            let smr = sig[i] - max32(max32(0.0, max_depth - 12.0), mask[i]);
            let shift = (-((0.5f32 + smr).floor() as i32)).clamp(0, 5);
            spread_weight[i] = 32 >> shift;
        }
    }
    if p.effective_bytes >= 30 + 5 * lm as i32 && !p.lfe {
        let mut last = 0usize;
        for ch in 0..c {
            band_log_e3[..end].copy_from_slice(&band_log_e2[ch * nb..ch * nb + end]);
            if lm == 0 {
                // One-bin bands at 2.5 ms are noisy: take the max with the last frame.
                for i in 0..end.min(8) {
                    band_log_e3[i] = max32(band_log_e2[ch * nb + i], old_band_e[ch * nb + i]);
                }
            }
            let f = &mut follower[ch * nb..ch * nb + nb];
            f[0] = band_log_e3[0];
            for i in 1..end {
                // Stop at the last band 3 dB above its predecessor.
                if band_log_e3[i] > band_log_e3[i - 1] + 0.5 {
                    last = i;
                }
                f[i] = min32(f[i - 1] + 1.5, band_log_e3[i]);
            }
            for i in (0..last).rev() {
                f[i] = min32(f[i], min32(f[i + 1] + 2.0, band_log_e3[i]));
            }
            // A median filter keeps the boost from triggering needlessly.
            let offset = 1.0f32;
            for i in 2..end.saturating_sub(2) {
                f[i] = max32(f[i], median_of_5(&band_log_e3[i - 2..]) - offset);
            }
            let tmp = median_of_3(&band_log_e3[0..]) - offset;
            f[0] = max32(f[0], tmp);
            f[1] = max32(f[1], tmp);
            let tmp = median_of_3(&band_log_e3[end - 3..]) - offset;
            f[end - 2] = max32(f[end - 2], tmp);
            f[end - 1] = max32(f[end - 1], tmp);
            for i in 0..end {
                f[i] = max32(f[i], noise_floor[i]);
            }
        }
        if c == 2 {
            for i in start..end {
                // 24 dB of cross-talk.
                follower[nb + i] = max32(follower[nb + i], follower[i] - 4.0);
                follower[i] = max32(follower[i], follower[nb + i] - 4.0);
                follower[i] = 0.5f32
                    * (max32(0.0, band_log_e[i] - follower[i])
                        + max32(0.0, band_log_e[nb + i] - follower[nb + i]));
            }
        } else {
            for i in start..end {
                follower[i] = max32(0.0, band_log_e[i] - follower[i]);
            }
        }
        for i in start..end {
            follower[i] = max32(follower[i], p.surround_dynalloc[i]);
        }
        for i in start..end {
            importance[i] = (0.5f32 + 13.0 * celt_exp2(min32(follower[i], 4.0))).floor() as i32;
        }
        // Half the boost for non-transient CBR/CVBR frames.
        if (!p.vbr || p.constrained_vbr) && !p.is_transient {
            for v in follower[start..end].iter_mut() {
                *v *= 0.5;
            }
        }
        for i in start..end {
            if i < 8 {
                follower[i] *= 2.0;
            }
            if i >= 12 {
                follower[i] *= 0.5;
            }
        }
        // Opus under-allocates tones.
        if p.toneishness > 0.98f32 {
            let freq_bin =
                (0.5 + f64::from(p.tone_freq * 120.0) / std::f64::consts::PI).floor() as i32;
            for i in start..end {
                let (lo, hi) = (i32::from(e_bands[i]), i32::from(e_bands[i + 1]));
                if freq_bin >= lo && freq_bin <= hi {
                    follower[i] += 2.0;
                }
                if freq_bin >= lo - 1 && freq_bin <= hi + 1 {
                    follower[i] += 1.0;
                }
                if freq_bin >= lo - 2 && freq_bin <= hi + 2 {
                    follower[i] += 1.0;
                }
                if freq_bin >= lo - 3 && freq_bin <= hi + 3 {
                    follower[i] += 0.5;
                }
            }
            if freq_bin >= i32::from(e_bands[end]) {
                follower[end - 1] += 2.0;
                follower[end - 2] += 1.0;
            }
        }
        if p.analysis.valid {
            for i in start..LEAK_BANDS.min(end) {
                follower[i] += (1.0f32 / 64.0) * f32::from(p.analysis.leak_boost[i]);
            }
        }
        for i in start..end {
            follower[i] = min32(follower[i], 4.0);
            let width = (c as i32 * m.band_width(i)) << lm;
            let (boost, boost_bits) = if width < 6 {
                let boost = follower[i] as i32;
                (boost, (boost * width) << 3)
            } else if width > 48 {
                let boost = (follower[i] * 8.0) as i32;
                (boost, ((boost * width) << 3) / 8)
            } else {
                let boost = (follower[i] * width as f32 / 6.0) as i32;
                (boost, (boost * 6) << 3)
            };
            // CBR and non-transient CVBR: at most 2/3 of the bits.
            if (!p.vbr || (p.constrained_vbr && !p.is_transient))
                && (tot_boost + boost_bits) >> 3 >> 3 > 2 * p.effective_bytes / 3
            {
                let cap = (2 * p.effective_bytes / 3) << 3 << 3;
                offsets[i] = cap - tot_boost;
                tot_boost = cap;
                break;
            }
            offsets[i] = boost;
            tot_boost += boost_bits;
        }
    } else {
        for v in importance[start..end].iter_mut() {
            *v = 13;
        }
    }
    (max_depth, tot_boost)
}

/// Inputs of [`compute_vbr`].
#[derive(Debug, Clone, Copy)]
pub struct VbrParams<'a> {
    /// Tonality analysis.
    pub analysis: &'a AnalysisInfo,
    /// Target before adjustments, in 1/8 bits.
    pub base_target: i32,
    /// LM of the frame.
    pub lm: usize,
    /// Equivalent bitrate.
    pub bitrate: i32,
    /// Coded bands of the previous frame (0: none yet).
    pub last_coded_bands: i32,
    /// Stream channels.
    pub c: usize,
    /// Intensity stereo start band.
    pub intensity: i32,
    /// Constrained VBR.
    pub constrained_vbr: bool,
    /// Estimated mid/side saving.
    pub stereo_saving: f32,
    /// Total dynalloc boost, 1/8 bits.
    pub tot_boost: i32,
    /// Transient estimate.
    pub tf_estimate: f32,
    /// Whether the pitch changed.
    pub pitch_change: bool,
    /// Depth of the signal above the noise floor.
    pub max_depth: f32,
    /// LFE channel.
    pub lfe: bool,
    /// Whether a surround energy mask is set.
    pub has_surround_mask: bool,
    /// Surround masking level.
    pub surround_masking: f32,
    /// Temporal VBR offset.
    pub temporal_vbr: f32,
}

/// The VBR target of a frame in 1/8 bits (libopus `compute_vbr`, float build).
pub fn compute_vbr(m: &CeltMode, p: &VbrParams<'_>) -> i32 {
    let nb = m.nb_ebands;
    let lm = p.lm;
    let coded_bands = if p.last_coded_bands != 0 {
        p.last_coded_bands as usize
    } else {
        nb
    };
    let mut coded_bins = m.eband(coded_bands) << lm;
    if p.c == 2 {
        coded_bins += m.eband((p.intensity as usize).min(coded_bands)) << lm;
    }
    let mut target = p.base_target;
    if p.analysis.valid && f64::from(p.analysis.activity) < 0.4 {
        target -= ((coded_bins << 3) as f32 * (0.4f32 - p.analysis.activity)) as i32;
    }
    // Stereo savings.
    if p.c == 2 {
        let coded_stereo_bands = (p.intensity as usize).min(coded_bands);
        let coded_stereo_dof = (m.eband(coded_stereo_bands) << lm) - coded_stereo_bands as i32;
        // Most we can save on a mono signal.
        let max_frac = (0.8f32 * coded_stereo_dof as f32) / coded_bins as f32;
        let stereo_saving = min32(p.stereo_saving, 1.0);
        target -= min32(
            max_frac * target as f32,
            (stereo_saving - 0.1f32) * (coded_stereo_dof << 3) as f32,
        ) as i32;
    }
    // Dynalloc boost, less its average.
    target += p.tot_boost - (19 << lm);
    // Transient boost, less its average.
    let tf_calibration = 0.044f32;
    target += ((p.tf_estimate - tf_calibration) * target as f32) as i32;
    if p.analysis.valid && !p.lfe {
        let tonal = max32(0.0, p.analysis.tonality - 0.15) - 0.12;
        let mut tonal_target = target + ((coded_bins << 3) as f32 * 1.2f32 * tonal) as i32;
        if p.pitch_change {
            tonal_target += ((coded_bins << 3) as f32 * 0.8f32) as i32;
        }
        target = tonal_target;
    }
    if p.has_surround_mask && !p.lfe {
        let surround_target = target + (p.surround_masking * (coded_bins << 3) as f32) as i32;
        target = (target / 4).max(surround_target);
    }
    {
        let bins = m.eband(nb - 2) << lm;
        let floor_depth = (((p.c as i32 * bins) << 3) as f32 * p.max_depth) as i32;
        let floor_depth = floor_depth.max(target >> 2);
        target = target.min(floor_depth);
    }
    // Constrained VBR cannot sustain a higher rate for long.
    if (!p.has_surround_mask || p.lfe) && p.constrained_vbr {
        target = p.base_target + (0.67f32 * (target - p.base_target) as f32) as i32;
    }
    if !p.has_surround_mask && p.tf_estimate < 0.2f32 {
        let amount = 0.0000031f32 * (96000 - p.bitrate).clamp(0, 32000) as f32;
        let tvbr_factor = p.temporal_vbr * amount;
        target += (tvbr_factor * target as f32) as i32;
    }
    // At most double the rate.
    target.min(2 * p.base_target)
}

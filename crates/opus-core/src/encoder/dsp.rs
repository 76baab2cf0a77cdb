//! Signal processing of the Opus encoder layer (libopus `src/opus_encoder.c`,
//! float build): the VoIP high-pass, the DC blocker, gain and stereo-width
//! cross-fades, the stereo width estimator, silence and energy measures.
//!
//! Everything runs on interleaved `f32` samples at ±1.0 full scale and keeps
//! libopus's float operation order, so that the SILK and CELT encoders that
//! follow see the same input bits as libopus's.

use crate::celt::mathops::{celt_inner_prod, celt_sqrt, max32, min32, EPSILON};
use crate::silk::fixed::{fix_const, smulbb, smulww};

/// Added to filter states so they never become denormal (libopus `VERY_SMALL`).
const VERY_SMALL: f32 = 1e-30;

/// Smoothed inter-channel statistics behind [`compute_stereo_width`]
/// (libopus `StereoWidthState`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct StereoWidthState {
    xx: f32,
    xy: f32,
    yy: f32,
    smoothed_width: f32,
    max_follower: f32,
}

/// One channel of the second-order high-pass, direct form II transposed, in
/// float with coefficients from Q28 (libopus `silk_biquad_res`, float build).
fn biquad_res(
    input: &[f32],
    b_q28: &[i32; 3],
    a_q28: &[i32; 2],
    s: &mut [f32],
    out: &mut [f32],
    len: usize,
    stride: usize,
) {
    let scale = 1.0f32 / (1i32 << 28) as f32;
    let a = [a_q28[0] as f32 * scale, a_q28[1] as f32 * scale];
    let b = [b_q28[0] as f32 * scale, b_q28[1] as f32 * scale, b_q28[2] as f32 * scale];
    for k in 0..len {
        let inval = input[k * stride];
        let vout = s[0] + b[0] * inval;
        s[0] = s[1] - vout * a[0] + b[1] * inval;
        s[1] = -vout * a[1] + b[2] * inval + VERY_SMALL;
        out[k * stride] = vout;
    }
}

/// The VoIP input high-pass with a cutoff of `cutoff_hz` (libopus `hp_cutoff`):
/// `len` samples per channel of `input` into `out`; `hp_mem` holds two state
/// values per channel.
// libopus's 3.14159 literal is part of the fixed-point coefficient.
#[allow(clippy::too_many_arguments, clippy::approx_constant)]
pub(crate) fn hp_cutoff(
    input: &[f32],
    cutoff_hz: i32,
    out: &mut [f32],
    hp_mem: &mut [f32; 4],
    len: usize,
    channels: usize,
    fs: i32,
) {
    // Fc in Q19: 1.5 * pi / 1000 * cutoff / (fs / 1000).
    let fc_q19 = smulbb(fix_const(1.5 * 3.14159 / 1000.0, 19), cutoff_hz) / (fs / 1000);
    let r_q28 = fix_const(1.0, 28) - fix_const(0.92, 9) * fc_q19;
    let b_q28 = [r_q28, (-r_q28) << 1, r_q28];
    let r_q22 = r_q28 >> 6;
    let a_q28 = [
        smulww(r_q22, smulww(fc_q19, fc_q19) - fix_const(2.0, 22)),
        smulww(r_q22, r_q22),
    ];
    let (m0, m1) = hp_mem.split_at_mut(2);
    biquad_res(input, &b_q28, &a_q28, m0, out, len, channels);
    if channels == 2 {
        biquad_res(&input[1..], &b_q28, &a_q28, m1, &mut out[1..], len, channels);
    }
}

/// The first-order DC blocker used outside VoIP (libopus `dc_reject`, float
/// build); `hp_mem[0]` and `hp_mem[2]` are the channel states.
pub(crate) fn dc_reject(
    input: &[f32],
    cutoff_hz: i32,
    out: &mut [f32],
    hp_mem: &mut [f32; 4],
    len: usize,
    channels: usize,
    fs: i32,
) {
    let coef = 6.3f32 * cutoff_hz as f32 / fs as f32;
    let coef2 = 1.0 - coef;
    if channels == 2 {
        let mut m0 = hp_mem[0];
        let mut m2 = hp_mem[2];
        for i in 0..len {
            let x0 = input[2 * i];
            let x1 = input[2 * i + 1];
            let out0 = x0 - m0;
            let out1 = x1 - m2;
            m0 = coef * x0 + VERY_SMALL + coef2 * m0;
            m2 = coef * x1 + VERY_SMALL + coef2 * m2;
            out[2 * i] = out0;
            out[2 * i + 1] = out1;
        }
        hp_mem[0] = m0;
        hp_mem[2] = m2;
    } else {
        let mut m0 = hp_mem[0];
        for i in 0..len {
            let x = input[i];
            let y = x - m0;
            m0 = coef * x + VERY_SMALL + coef2 * m0;
            out[i] = y;
        }
        hp_mem[0] = m0;
    }
}

/// Cross-fade weight at overlap position `i`: the squared window blends from
/// `g1` to `g2`.
#[inline]
fn fade_gain(window: &[f32], i: usize, inc: usize, g1: f32, g2: f32) -> f32 {
    let w = window[i * inc];
    let w = w * w;
    w * g2 + (1.0 - w) * g1
}

/// Narrows the stereo image in place from width `g1` to `g2` over the CELT
/// overlap, then holds `g2` (libopus `stereo_fade`, float build).
#[allow(clippy::too_many_arguments)]
pub(crate) fn stereo_fade(
    buf: &mut [f32],
    g1: f32,
    g2: f32,
    overlap48: usize,
    frame_size: usize,
    channels: usize,
    window: &[f32],
    fs: i32,
) {
    let inc = (48000 / fs).max(1) as usize;
    let overlap = overlap48 / inc;
    let g1 = 1.0 - g1;
    let g2 = 1.0 - g2;
    for i in 0..frame_size {
        let g = if i < overlap { fade_gain(window, i, inc, g1, g2) } else { g2 };
        let diff = 0.5 * (buf[i * channels] - buf[i * channels + 1]);
        let diff = g * diff;
        buf[i * channels] -= diff;
        buf[i * channels + 1] += diff;
    }
}

/// Scales `buf` in place from gain `g1` to `g2` over the CELT overlap, then
/// by `g2` (libopus `gain_fade`, float build).
#[allow(clippy::too_many_arguments)]
pub(crate) fn gain_fade(
    buf: &mut [f32],
    g1: f32,
    g2: f32,
    overlap48: usize,
    frame_size: usize,
    channels: usize,
    window: &[f32],
    fs: i32,
) {
    let inc = (48000 / fs).max(1) as usize;
    let overlap = overlap48 / inc;
    for i in 0..overlap.min(frame_size) {
        let g = fade_gain(window, i, inc, g1, g2);
        for c in 0..channels {
            buf[i * channels + c] *= g;
        }
    }
    for c in 0..channels {
        for i in overlap..frame_size {
            buf[i * channels + c] *= g2;
        }
    }
}

/// Estimated perceptual stereo width of an interleaved stereo frame, 0 to 1,
/// smoothed over about a second (libopus `compute_stereo_width`, float build).
pub(crate) fn compute_stereo_width(
    pcm: &[f32],
    frame_size: usize,
    fs: i32,
    mem: &mut StereoWidthState,
) -> f32 {
    let frame_rate = fs / frame_size as i32;
    let short_alpha = 25.0f32 / frame_rate.max(50) as f32;
    let (mut xx, mut xy, mut yy) = (0.0f32, 0.0f32, 0.0f32);
    // Blocks of four; a 2.5 ms frame at 12 kHz loses its last two samples.
    let mut i = 0usize;
    while i + 3 < frame_size {
        let (mut pxx, mut pxy, mut pyy) = (0.0f32, 0.0f32, 0.0f32);
        for k in 0..4 {
            let x = pcm[2 * (i + k)];
            let y = pcm[2 * (i + k) + 1];
            if k == 0 {
                pxx = x * x;
                pxy = x * y;
                pyy = y * y;
            } else {
                pxx += x * x;
                pxy += x * y;
                pyy += y * y;
            }
        }
        xx += pxx;
        xy += pxy;
        yy += pyy;
        i += 4;
    }
    // Written as libopus does, so that NaN energies also reset.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    let bad = !(xx < 1e9) || xx.is_nan() || !(yy < 1e9) || yy.is_nan();
    if bad {
        xx = 0.0;
        xy = 0.0;
        yy = 0.0;
    }
    mem.xx += short_alpha * (xx - mem.xx);
    mem.xy = (1.0 - short_alpha) * mem.xy + short_alpha * xy;
    mem.yy += short_alpha * (yy - mem.yy);
    mem.xx = max32(0.0, mem.xx);
    mem.xy = max32(0.0, mem.xy);
    mem.yy = max32(0.0, mem.yy);
    if max32(mem.xx, mem.yy) > 8e-4 {
        let sqrt_xx = celt_sqrt(mem.xx);
        let sqrt_yy = celt_sqrt(mem.yy);
        let qrrt_xx = celt_sqrt(sqrt_xx);
        let qrrt_yy = celt_sqrt(sqrt_yy);
        mem.xy = min32(mem.xy, sqrt_xx * sqrt_yy);
        let corr = mem.xy / (EPSILON + sqrt_xx * sqrt_yy);
        let ldiff = 1.0 * (qrrt_xx - qrrt_yy).abs() / (EPSILON + qrrt_xx + qrrt_yy);
        let width = min32(1.0, celt_sqrt(1.0 - corr * corr)) * ldiff;
        mem.smoothed_width += (width - mem.smoothed_width) / frame_rate as f32;
        mem.max_follower = max32(mem.max_follower - 0.02 / frame_rate as f32, mem.smoothed_width);
    }
    min32(1.0, 20.0 * mem.max_follower)
}

/// Largest magnitude of `x` with libopus's comparison semantics
/// (`celt_maxabs16`).
fn maxabs(x: &[f32]) -> f32 {
    let mut maxval = 0.0f32;
    let mut minval = 0.0f32;
    for &v in x {
        maxval = max32(maxval, v);
        minval = min32(minval, v);
    }
    max32(maxval, -minval)
}

/// Whether the frame is below the least significant bit of a `lsb_depth`-bit
/// input (libopus `is_digital_silence`, float build).
pub(crate) fn is_digital_silence(pcm: &[f32], lsb_depth: i32) -> bool {
    maxabs(pcm) <= 1.0f32 / (1i32 << lsb_depth) as f32
}

/// Mean energy per sample of the frame (libopus `compute_frame_energy`, float
/// build).
pub(crate) fn compute_frame_energy(pcm: &[f32]) -> f32 {
    let len = pcm.len();
    celt_inner_prod(pcm, pcm, len) / len as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_input_does_not_panic_and_width_stays_finite() {
        let mut mem = StereoWidthState::default();
        let pcm = [f32::NAN; 960 * 2];
        let w = compute_stereo_width(&pcm, 960, 48000, &mut mem);
        assert!(w.is_finite());
        assert!(!is_digital_silence(&pcm, 24));
    }

    #[test]
    fn dc_reject_removes_offset() {
        let input = [0.5f32; 4800];
        let mut out = [0.0f32; 4800];
        let mut mem = [0.0f32; 4];
        dc_reject(&input, 3, &mut out, &mut mem, 4800, 1, 48000);
        assert!(out[4799].abs() < out[0].abs());
    }
}

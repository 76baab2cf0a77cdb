//! Pyramid vector dequantisation and spreading (RFC 6716 sections 4.3.4.2 to 4.3.4.3;
//! libopus `celt/vq.c`).
//!
//! [`alg_unquant`] turns a decoded PVQ codeword into a unit-norm shape scaled by a
//! gain, then undoes the encoder's spreading rotation ([`exp_rotation`]), which
//! smears isolated pulses over neighbouring coefficients at low rates.

use super::cwrs::{decode_pulses, encode_pulses};
use super::mathops::{celt_cos_norm, celt_inner_prod, celt_rsqrt, celt_sqrt, EPSILON};
use super::mode::MAX_BAND_SIZE;
use super::tables::SPREAD_FACTOR;
use crate::range_coder::{RangeDecoder, RangeEncoder};

/// No spreading rotation (libopus `SPREAD_NONE`).
pub const SPREAD_NONE: i32 = 0;
/// Light spreading (libopus `SPREAD_LIGHT`).
pub const SPREAD_LIGHT: i32 = 1;
/// Normal spreading (libopus `SPREAD_NORMAL`).
pub const SPREAD_NORMAL: i32 = 2;
/// Aggressive spreading (libopus `SPREAD_AGGRESSIVE`).
pub const SPREAD_AGGRESSIVE: i32 = 3;

/// One pass of Givens rotations over pairs `stride` apart, forward then backward
/// (libopus `exp_rotation1`).
fn exp_rotation1(x: &mut [f32], len: usize, stride: usize, c: f32, s: f32) {
    let ms = -s;
    let len = len as isize;
    let stride_i = stride as isize;
    let mut i = 0isize;
    while i < len - stride_i {
        let a = i as usize;
        let x1 = x[a];
        let x2 = x[a + stride];
        x[a + stride] = c * x2 + s * x1;
        x[a] = c * x1 + ms * x2;
        i += 1;
    }
    let mut i = len - 2 * stride_i - 1;
    while i >= 0 {
        let a = i as usize;
        let x1 = x[a];
        let x2 = x[a + stride];
        x[a + stride] = c * x2 + s * x1;
        x[a] = c * x1 + ms * x2;
        i -= 1;
    }
}

/// Applies (`dir > 0`) or undoes (`dir < 0`) the spreading rotation of a band of `len`
/// coefficients split into `stride` interleaved blocks holding `k` pulses (libopus
/// `exp_rotation`).
///
/// Nothing happens with [`SPREAD_NONE`] or when `2 * k >= len`.
///
/// # Panics
///
/// If `x` is shorter than `len` or `spread` is above 3.
pub fn exp_rotation(x: &mut [f32], len: usize, dir: i32, stride: usize, k: i32, spread: i32) {
    if 2 * k >= len as i32 || spread == SPREAD_NONE {
        return;
    }
    let factor = SPREAD_FACTOR[(spread - 1) as usize];
    let gain = (1.0f32 * len as f32) / ((len as i32 + factor * k) as f32);
    let theta = 0.5f32 * (gain * gain);
    let c = celt_cos_norm(theta);
    let s = celt_cos_norm(1.0f32 - theta);
    let mut stride2 = 0usize;
    if len >= 8 * stride {
        stride2 = 1;
        // Rounded sqrt(len / stride).
        while (stride2 * stride2 + stride2) * stride + (stride >> 2) < len {
            stride2 += 1;
        }
    }
    let len = len / stride;
    for i in 0..stride {
        let xb = &mut x[i * len..(i + 1) * len];
        if dir < 0 {
            if stride2 != 0 {
                exp_rotation1(xb, len, stride2, s, c);
            }
            exp_rotation1(xb, len, 1, c, s);
        } else {
            exp_rotation1(xb, len, 1, c, -s);
            if stride2 != 0 {
                exp_rotation1(xb, len, stride2, s, -c);
            }
        }
    }
}

/// Scales the integer codeword `iy[..n]` to norm `gain` into `x` (libopus
/// `normalise_residual`). `ryy` is the codeword's squared norm.
fn normalise_residual(iy: &[i32], x: &mut [f32], n: usize, ryy: f32, gain: f32) {
    let g = celt_rsqrt(ryy) * gain;
    for (xv, &yv) in x[..n].iter_mut().zip(&iy[..n]) {
        *xv = yv as f32 * g;
    }
}

/// Bit `i` set when block `i` of the `b` interleaved blocks got a pulse (libopus
/// `extract_collapse_mask`).
fn extract_collapse_mask(iy: &[i32], n: usize, b: usize) -> u32 {
    if b <= 1 {
        return 1;
    }
    let n0 = n / b;
    let mut mask = 0u32;
    for i in 0..b {
        let any = iy[i * n0..(i + 1) * n0]
            .iter()
            .fold(0i32, |acc, &v| acc | v);
        mask |= u32::from(any != 0) << i;
    }
    mask
}

/// Decodes a PVQ codeword of `k` pulses into `x[..n]` with norm `gain`, undoes the
/// spreading, and returns the collapse mask of its `b` blocks (libopus `alg_unquant`).
///
/// `n` must be 2 to 176 and `k` at least 1.
///
/// # Panics
///
/// If `x` is shorter than `n` or `n` is above 176.
pub fn alg_unquant(
    x: &mut [f32],
    n: usize,
    k: i32,
    spread: i32,
    b: usize,
    dec: &mut RangeDecoder<'_>,
    gain: f32,
) -> u32 {
    debug_assert!(k > 0, "alg_unquant needs at least one pulse");
    debug_assert!(n > 1, "alg_unquant needs at least two dimensions");
    let mut iy = [0i32; MAX_BAND_SIZE];
    let ryy = decode_pulses(&mut iy, n, k as usize, dec);
    normalise_residual(&iy, x, n, ryy, gain);
    exp_rotation(x, n, -1, b, k, spread);
    extract_collapse_mask(&iy, n, b)
}

/// Finds the PVQ codeword of `k` pulses closest in angle to `x[..n]` (libopus
/// `op_pvq_search_c`, the generic build): a projection onto the pyramid, then one
/// greedy pulse at a time. Writes the codeword to `iy` and returns its squared norm.
/// `x` is left holding absolute values.
fn op_pvq_search(x: &mut [f32], iy: &mut [i32], k: i32, n: usize) -> f32 {
    let mut y = [0.0f32; MAX_BAND_SIZE];
    let mut signx = [false; MAX_BAND_SIZE];
    let x = &mut x[..n];
    for j in 0..n {
        signx[j] = x[j] < 0.0;
        x[j] = x[j].abs();
        iy[j] = 0;
        y[j] = 0.0;
    }
    let mut xy = 0.0f32;
    let mut yy = 0.0f32;
    let mut pulses_left = k;

    // Pre-search: project onto the pyramid.
    if k > (n as i32 >> 1) {
        let mut sum = 0.0f32;
        for &v in x.iter() {
            sum += v;
        }
        // Too small (or not finite): a single pulse at 0.
        if !(sum > EPSILON && sum < 64.0) {
            x[0] = 1.0;
            for v in x[1..].iter_mut() {
                *v = 0.0;
            }
            sum = 1.0;
        }
        // K + 0.8 keeps the projection from exceeding K pulses.
        let rcp = (k as f32 + 0.8) * (1.0f32 / sum);
        for j in 0..n {
            iy[j] = (rcp * x[j]).floor() as i32;
            y[j] = iy[j] as f32;
            yy += y[j] * y[j];
            xy += x[j] * y[j];
            y[j] *= 2.0;
            pulses_left -= iy[j];
        }
    }

    // Should not happen; dump the excess into the first bin.
    if pulses_left > n as i32 + 3 {
        let tmp = pulses_left as f32;
        yy += tmp * tmp;
        yy += tmp * y[0];
        iy[0] += pulses_left;
        pulses_left = 0;
    }

    for _ in 0..pulses_left {
        let mut best_id = 0usize;
        // The |y|^2 increment is the same for every candidate.
        yy += 1.0;
        let rxy = xy + x[0];
        let ryy = yy + y[0];
        let rxy = rxy * rxy;
        let mut best_den = ryy;
        let mut best_num = rxy;
        for j in 1..n {
            let rxy = xy + x[j];
            let ryy = yy + y[j];
            let rxy = rxy * rxy;
            // rxy/ryy > best_num/best_den without dividing.
            if best_den * rxy > ryy * best_num {
                best_den = ryy;
                best_num = rxy;
                best_id = j;
            }
        }
        xy += x[best_id];
        yy += y[best_id];
        y[best_id] += 2.0;
        iy[best_id] += 1;
    }

    for j in 0..n {
        if signx[j] {
            iy[j] = -iy[j];
        }
    }
    yy
}

/// Quantises the shape `x[..n]` to a PVQ codeword of `k` pulses after the spreading
/// rotation, encodes it, and returns the collapse mask of its `b` blocks (libopus
/// `alg_quant`). With `resynth`, `x` is replaced by the decoded shape scaled to
/// `gain`, as the decoder would see it.
///
/// # Panics
///
/// If `x` is shorter than `n` or `n` is above 176.
#[allow(clippy::too_many_arguments)]
pub fn alg_quant(
    x: &mut [f32],
    n: usize,
    k: i32,
    spread: i32,
    b: usize,
    enc: &mut RangeEncoder<'_>,
    gain: f32,
    resynth: bool,
) -> u32 {
    debug_assert!(k > 0, "alg_quant needs at least one pulse");
    debug_assert!(n > 1, "alg_quant needs at least two dimensions");
    let mut iy = [0i32; MAX_BAND_SIZE];
    exp_rotation(x, n, 1, b, k, spread);
    let yy = op_pvq_search(x, &mut iy, k, n);
    let mask = extract_collapse_mask(&iy, n, b);
    encode_pulses(&iy, n, k as usize, enc);
    if resynth {
        normalise_residual(&iy, x, n, yy, gain);
        exp_rotation(x, n, -1, b, k, spread);
    }
    mask
}

/// 2/pi * atan(x) for `x` in [0, 1], by libopus's odd polynomial (float
/// `celt_atan_norm`).
// libopus's literals, kept digit for digit.
#[allow(clippy::excessive_precision, clippy::approx_constant)]
fn celt_atan_norm(x: f32) -> f32 {
    const TWO_OVER_PI: f32 = 0.636619772367581;
    const A03: f32 = -3.3331659436225891113281250000e-01;
    const A05: f32 = 1.99627041816711425781250000000e-01;
    const A07: f32 = -1.3976582884788513183593750000e-01;
    const A09: f32 = 9.79423448443412780761718750000e-02;
    const A11: f32 = -5.7773590087890625000000000000e-02;
    const A13: f32 = 2.30401363223791122436523437500e-02;
    const A15: f32 = -4.3554059229791164398193359375e-03;
    let x_sq = x * x;
    TWO_OVER_PI
        * (x + x
            * x_sq
            * (A03
                + x_sq * (A05 + x_sq * (A07 + x_sq * (A09 + x_sq * (A11 + x_sq * (A13 + x_sq * A15)))))))
}

/// 2/pi * atan2(y, x) for non-negative arguments (float `celt_atan2p_norm`).
fn celt_atan2p_norm(y: f32, x: f32) -> f32 {
    if (x * x + y * y) < 1e-18 {
        return 0.0;
    }
    if y < x {
        celt_atan_norm(y / x)
    } else {
        1.0 - celt_atan_norm(x / y)
    }
}

/// The angle between the mid and side of a split (`stereo`: of `x + y` and `x - y`;
/// otherwise of the halves `x` and `y`), as 2^30 * 2/pi * atan(side/mid) rounded
/// (libopus `stereo_itheta`, float build; callers keep the top 16 bits).
pub fn stereo_itheta(x: &[f32], y: &[f32], stereo: bool, n: usize) -> i32 {
    let mut emid = 0.0f32;
    let mut eside = 0.0f32;
    if stereo {
        for i in 0..n {
            let m = x[i] + y[i];
            let s = x[i] - y[i];
            emid += m * m;
            eside += s * s;
        }
    } else {
        emid += celt_inner_prod(x, x, n);
        eside += celt_inner_prod(y, y, n);
    }
    let mid = celt_sqrt(emid);
    let side = celt_sqrt(eside);
    (0.5f32 + 65536.0f32 * 16384.0 * celt_atan2p_norm(side, mid)).floor() as i32
}

/// Rescales `x[..n]` to norm `gain` (libopus `renormalise_vector`).
///
/// # Panics
///
/// If `x` is shorter than `n`.
pub fn renormalise_vector(x: &mut [f32], n: usize, gain: f32) {
    let e = EPSILON + celt_inner_prod(x, x, n);
    let g = celt_rsqrt(e) * gain;
    for v in x[..n].iter_mut() {
        *v *= g;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm2(x: &[f32]) -> f64 {
        x.iter().map(|&v| f64::from(v) * f64::from(v)).sum()
    }

    #[test]
    fn rotation_round_trips_and_keeps_norm() {
        let mut seed = 7u32;
        for &(len, stride, k) in &[
            (16usize, 1usize, 2i32),
            (64, 4, 3),
            (176, 8, 5),
            (32, 2, 1),
            (8, 1, 3),
        ] {
            for spread in 1..=3 {
                let mut x = [0.0f32; 176];
                for v in x[..len].iter_mut() {
                    seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                    *v = (seed >> 8) as f32 / 16777216.0 - 0.5;
                }
                let orig = x;
                exp_rotation(&mut x, len, 1, stride, k, spread);
                assert!((norm2(&x[..len]) - norm2(&orig[..len])).abs() < 1e-4);
                exp_rotation(&mut x, len, -1, stride, k, spread);
                for i in 0..len {
                    assert!((x[i] - orig[i]).abs() < 1e-5, "len {len} i {i}");
                }
            }
        }
    }

    #[test]
    fn renormalise_gives_requested_norm() {
        let mut x = [3.0f32, -4.0, 0.0, 12.0];
        renormalise_vector(&mut x, 4, 0.5);
        assert!((norm2(&x) - 0.25).abs() < 1e-6);
    }

    #[test]
    fn collapse_mask_marks_blocks_with_pulses() {
        let iy = [0, 1, 0, 0, 0, 0, -2, 0];
        assert_eq!(extract_collapse_mask(&iy, 8, 4), 0b1001);
        assert_eq!(extract_collapse_mask(&iy, 8, 1), 1);
    }
}

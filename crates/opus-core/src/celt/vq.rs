//! Pyramid vector dequantisation and spreading (RFC 6716 sections 4.3.4.2 to 4.3.4.3;
//! libopus `celt/vq.c`).
//!
//! [`alg_unquant`] turns a decoded PVQ codeword into a unit-norm shape scaled by a
//! gain, then undoes the encoder's spreading rotation ([`exp_rotation`]), which
//! smears isolated pulses over neighbouring coefficients at low rates.

use super::cwrs::decode_pulses;
use super::mathops::{celt_cos_norm, celt_inner_prod, celt_rsqrt, EPSILON};
use super::mode::MAX_BAND_SIZE;
use super::tables::SPREAD_FACTOR;
use crate::range_coder::RangeDecoder;

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

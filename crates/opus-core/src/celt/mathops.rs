//! Scalar helpers of CELT's float build (libopus `celt/mathops.{c,h}`, `celt/arch.h`).
//!
//! These reproduce the exact arithmetic of libopus's float build: where the C macros
//! evaluate in `double` (`log`, `exp`, `sqrt`, `cos` of a promoted `float`), these
//! functions do the same in `f64` and round to `f32` at the same points. The
//! comparison helpers keep the C ternaries' behaviour on NaN, which `f32::max` and
//! `f32::min` do not.

/// Added to energies before a reciprocal square root (libopus `EPSILON`, float build).
pub const EPSILON: f32 = 1e-15;

/// `a > b ? a : b`, as libopus's `MAX16`/`MAX32`/`MAXG` in the float build.
#[inline]
pub fn max32(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// `a < b ? a : b`, as libopus's `MIN16`/`MIN32`/`MING` in the float build.
#[inline]
pub fn min32(a: f32, b: f32) -> f32 {
    if a < b {
        a
    } else {
        b
    }
}

/// Base-2 logarithm: `(float)(1.442695040888963387 * log(x))` in double.
#[inline]
#[allow(clippy::approx_constant)] // libopus's literal, kept digit for digit.
pub fn celt_log2(x: f32) -> f32 {
    (1.442695040888963387_f64 * f64::from(x).ln()) as f32
}

/// Base-2 exponential: `(float)exp(0.6931471805599453094 * x)` in double.
#[inline]
#[allow(clippy::approx_constant)] // libopus's literal, kept digit for digit.
pub fn celt_exp2(x: f32) -> f32 {
    (0.6931471805599453094_f64 * f64::from(x)).exp() as f32
}

/// Square root computed in double and rounded to `f32` (libopus `celt_sqrt`).
#[inline]
pub fn celt_sqrt(x: f32) -> f32 {
    f64::from(x).sqrt() as f32
}

/// `1.f / celt_sqrt(x)` (libopus `celt_rsqrt`, `celt_rsqrt_norm`, `celt_rsqrt_norm32`).
#[inline]
pub fn celt_rsqrt(x: f32) -> f32 {
    1.0 / celt_sqrt(x)
}

/// cos(pi/2 * x) computed in double (libopus `celt_cos_norm`, float build).
#[inline]
pub fn celt_cos_norm(x: f32) -> f32 {
    // `.5f*PI` promotes to double, so the constant is exactly 0.5 * pi in double.
    ((0.5_f64 * std::f64::consts::PI) * f64::from(x)).cos() as f32
}

/// Sum of `x[i] * y[i]` for `i < n`, accumulated in order (libopus `celt_inner_prod_c`).
///
/// # Panics
///
/// If either slice is shorter than `n`.
#[inline]
pub fn celt_inner_prod(x: &[f32], y: &[f32], n: usize) -> f32 {
    let mut xy = 0.0f32;
    for (a, b) in x[..n].iter().zip(&y[..n]) {
        xy += a * b;
    }
    xy
}

/// [`celt_inner_prod`] in the summation order of libopus's SSE build
/// (`celt_inner_prod_sse`, which x86-64 builds of libopus select at compile time):
/// four running sums over lanes `i % 4`, combined as `(s0 + s2) + (s1 + s3)`, then the
/// last `n % 4` products added in order.
///
/// # Panics
///
/// If either slice is shorter than `n`.
pub fn celt_inner_prod_sse_order(x: &[f32], y: &[f32], n: usize) -> f32 {
    let mut s = [0.0f32; 4];
    let mut i = 0;
    while i + 4 <= n {
        for l in 0..4 {
            s[l] += x[i + l] * y[i + l];
        }
        i += 4;
    }
    let mut xy = (s[0] + s[2]) + (s[1] + s[3]);
    while i < n {
        xy += x[i] * y[i];
        i += 1;
    }
    xy
}

/// Number of significant bits of `x`, 0 for 0 (libopus `EC_ILOG`).
#[inline]
pub fn ec_ilog(x: u32) -> i32 {
    crate::range_coder::ilog(x)
}

/// floor(sqrt(val)) computed exactly, for `val > 0` (libopus `isqrt32`).
///
/// Returns 0 for 0.
pub fn isqrt32(mut val: u32) -> u32 {
    if val == 0 {
        return 0;
    }
    // Find the result one bit at a time, from the highest bit that can be set.
    let mut g: u32 = 0;
    let mut bshift = (ec_ilog(val) - 1) >> 1;
    let mut b: u32 = 1 << bshift;
    loop {
        let t = ((g << 1) + b) << bshift;
        if t <= val {
            g += b;
            val -= t;
        }
        b >>= 1;
        bshift -= 1;
        if bshift < 0 {
            break;
        }
    }
    g
}

/// Product of two Q15 values with rounding, both truncated to 16 bits first
/// (libopus `FRAC_MUL16`): `(16384 + (i16)a * (i16)b) >> 15`.
#[inline]
pub fn frac_mul16(a: i32, b: i32) -> i32 {
    (16384 + i32::from(a as i16) * i32::from(b as i16)) >> 15
}

/// Signed division rounding toward zero (libopus `celt_sudiv`); `d` must be positive.
#[inline]
pub fn celt_sudiv(n: i32, d: i32) -> i32 {
    debug_assert!(d > 0);
    n.wrapping_div(d.max(1))
}

/// Unsigned division (libopus `celt_udiv`): the operands are reinterpreted as `u32`,
/// exactly as the C conversion does. `d` must be positive.
#[inline]
pub fn celt_udiv(n: i32, d: i32) -> i32 {
    debug_assert!(d > 0);
    ((n as u32) / (d.max(1) as u32)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isqrt32_is_floor_sqrt() {
        for v in 1u32..100_000 {
            let g = isqrt32(v);
            assert!(u64::from(g) * u64::from(g) <= u64::from(v));
            assert!(u64::from(g + 1) * u64::from(g + 1) > u64::from(v));
        }
        for v in [
            u32::MAX,
            u32::MAX - 1,
            1 << 31,
            (1 << 31) - 1,
            65535 * 65535,
            65536 * 65535,
        ] {
            let g = u64::from(isqrt32(v));
            assert!(
                g * g <= u64::from(v) && (g + 1) * (g + 1) > u64::from(v),
                "{v}"
            );
        }
    }

    #[test]
    fn log_and_exp_are_inverse() {
        for i in -40..40 {
            let x = i as f32 * 0.37;
            let y = celt_log2(celt_exp2(x));
            assert!((y - x).abs() < 1e-5, "{x} {y}");
        }
        assert_eq!(celt_exp2(0.0), 1.0);
        assert_eq!(celt_log2(1.0), 0.0);
        assert_eq!(celt_log2(8.0), 3.0);
    }

    #[test]
    fn nan_keeps_c_semantics() {
        assert!(max32(f32::NAN, 1.0) == 1.0);
        assert!(max32(1.0, f32::NAN).is_nan());
        assert!(min32(f32::NAN, 1.0) == 1.0);
        assert!(min32(1.0, f32::NAN).is_nan());
    }

    #[test]
    fn udiv_reinterprets_negative_numerators() {
        assert_eq!(celt_udiv(7, 2), 3);
        assert_eq!(celt_udiv(-1, 2), (u32::MAX / 2) as i32);
        assert_eq!(celt_sudiv(-7, 2), -3);
        assert_eq!(celt_sudiv(7, 2), 3);
    }

    #[test]
    fn sse_order_sums_lanes_first() {
        // Below four products both orders are plain sequential sums.
        let x = [1.0f32, 2.0, 3.0];
        assert_eq!(
            celt_inner_prod_sse_order(&x, &x, 3),
            celt_inner_prod(&x, &x, 3)
        );
        // Lanes (0, 4), (1, 5), ... are summed before the lanes are combined: the large
        // values cancel inside lane 0 instead of swallowing the small ones.
        let x = [1e8f32, 1.0, 1.0, 1.0, -1e8, 0.0, 0.0, 0.0];
        let ones = [1.0f32; 8];
        assert_eq!(celt_inner_prod_sse_order(&x, &ones, 8), 3.0);
        assert_eq!(celt_inner_prod(&x, &ones, 8), 0.0);
    }

    #[test]
    fn cos_norm_endpoints() {
        assert_eq!(celt_cos_norm(0.0), 1.0);
        assert!(celt_cos_norm(1.0).abs() < 1e-7);
        assert_eq!(frac_mul16(16384, 16384), 8192);
        assert_eq!(frac_mul16(-16384, 16384), -8192);
    }
}

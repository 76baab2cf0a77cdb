//! Activation functions of the neural layers, as libopus's generic C build computes them.
//!
//! libopus does not call `tanhf`/`expf`: it uses a rational approximation of tanh, derives the
//! sigmoid from it, and evaluates exponentials with a cubic polynomial for 2^x. Each helper below
//! performs the same f32 operations in the same order, so results match bit for bit, NaN and
//! overflow cases included.

/// The activations a layer can apply after its affine transform (libopus `ACTIVATION_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    /// Identity (`ACTIVATION_LINEAR`, 0).
    Linear,
    /// Logistic sigmoid, computed from the tanh approximation (`ACTIVATION_SIGMOID`, 1).
    Sigmoid,
    /// Rational tanh approximation, clamped to [-1, 1] (`ACTIVATION_TANH`, 2).
    Tanh,
    /// max(x, 0) (`ACTIVATION_RELU`, 3).
    Relu,
    /// Exponentials ([`lpcnet_exp`]) normalised by their sum (`ACTIVATION_SOFTMAX`, 4).
    ///
    /// libopus's `nnet.c` defines a `SOFTMAX_HACK` that would make this a copy, but the
    /// activation code is compiled in another translation unit (`nnet_default.c`) where the
    /// macro is not defined, so the real softmax runs. No 1.6.1 model uses it.
    Softmax,
    /// x times sigmoid(x) (`ACTIVATION_SWISH`, 5).
    Swish,
    /// The polynomial exponential [`lpcnet_exp`] (`ACTIVATION_EXP`, 6).
    Exp,
}

impl Activation {
    /// Maps libopus's integer code to the activation; `None` for unknown codes.
    pub const fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            0 => Activation::Linear,
            1 => Activation::Sigmoid,
            2 => Activation::Tanh,
            3 => Activation::Relu,
            4 => Activation::Softmax,
            5 => Activation::Swish,
            6 => Activation::Exp,
            _ => return None,
        })
    }

    /// libopus's integer code for this activation.
    pub const fn code(self) -> i32 {
        match self {
            Activation::Linear => 0,
            Activation::Sigmoid => 1,
            Activation::Tanh => 2,
            Activation::Relu => 3,
            Activation::Softmax => 4,
            Activation::Swish => 5,
            Activation::Exp => 6,
        }
    }
}

/// Converts a double to `i32` the way x86-64 `cvttsd2si` does: truncation toward zero, and
/// the "integer indefinite" value `i32::MIN` for NaN and anything outside the `i32` range.
///
/// C leaves those conversions undefined; the reference build runs on x86-64, where this is
/// what the generated code yields. Rust's `as` would saturate instead.
#[inline]
pub(crate) fn cvtt_f64_i32(d: f64) -> i32 {
    if d > -2_147_483_649.0 && d < 2_147_483_648.0 {
        d as i32
    } else {
        i32::MIN
    }
}

/// Clamps like libopus's `MIN32`/`MAX32` macros (`a < b ? a : b`), so a NaN passes through.
#[inline]
fn clamp_unit(x: f32) -> f32 {
    let hi = if 1.0f32 < x { 1.0f32 } else { x };
    if -1.0f32 > hi {
        -1.0f32
    } else {
        hi
    }
}

/// Rational approximation of tanh: `x·(N0 + N1·x² + N2·x⁴) / (D0 + D1·x² + D2·x⁴)` in f32,
/// Horner form, numerator times x before the division, clamped to [-1, 1].
///
/// As in libopus, a NaN input gives NaN, and so does |x| above about 2.3e9, where the
/// numerator and denominator both overflow to infinity.
#[inline]
pub fn tanh_approx(x: f32) -> f32 {
    const N0: f32 = 952.52801514;
    const N1: f32 = 96.39235687;
    const N2: f32 = 0.60863042;
    const D0: f32 = 952.72399902;
    const D1: f32 = 413.36801147;
    const D2: f32 = 11.88600922;
    let x2 = x * x;
    let num = (N2 * x2 + N1) * x2 + N0;
    let den = (D2 * x2 + D1) * x2 + D0;
    clamp_unit(num * x / den)
}

/// Sigmoid as the generic C build computes it: `0.5 + 0.5·tanh_approx(0.5·x)`.
#[inline]
pub fn sigmoid_approx(x: f32) -> f32 {
    0.5f32 + 0.5f32 * tanh_approx(0.5f32 * x)
}

/// 2^x from its integer part (added to the exponent bits) and a cubic polynomial of the
/// fractional part. Returns 0 when floor(x) < -50, and also for NaN and ±inf (the integer
/// conversion yields `i32::MIN` there). Very large inputs wrap the exponent field as the C
/// code does.
#[inline]
pub fn lpcnet_exp2(x: f32) -> f32 {
    let integer = cvtt_f64_i32(f64::from(x).floor());
    if integer < -50 {
        return 0.0;
    }
    let frac = x - integer as f32;
    let poly = 0.99992522f32 + frac * (0.69583354f32 + frac * (0.22606716f32 + 0.078024523f32 * frac));
    let bits = poly.to_bits().wrapping_add((integer as u32).wrapping_shl(23)) & 0x7fff_ffff;
    f32::from_bits(bits)
}

/// e^x as libopus approximates it: [`lpcnet_exp2`] of `x·1.44269504`.
#[inline]
#[allow(clippy::approx_constant)] // libopus's literal, kept as written.
pub fn lpcnet_exp(x: f32) -> f32 {
    lpcnet_exp2(x * 1.44269504f32)
}

/// max(x, 0) written as `x < 0 ? 0 : x`: NaN and -0.0 pass through unchanged.
#[inline]
pub fn relu(x: f32) -> f32 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

/// Applies `activation` to `input`, writing `output` (libopus `compute_activation_c`).
///
/// Both slices are used up to the shorter length.
pub fn compute_activation(output: &mut [f32], input: &[f32], activation: Activation) {
    let n = output.len().min(input.len());
    let (output, input) = (&mut output[..n], &input[..n]);
    match activation {
        Activation::Sigmoid => {
            for (y, &x) in output.iter_mut().zip(input) {
                *y = sigmoid_approx(x);
            }
        }
        Activation::Tanh => {
            for (y, &x) in output.iter_mut().zip(input) {
                *y = tanh_approx(x);
            }
        }
        Activation::Swish => {
            for (y, &x) in output.iter_mut().zip(input) {
                *y = x * sigmoid_approx(x);
            }
        }
        Activation::Relu => {
            for (y, &x) in output.iter_mut().zip(input) {
                *y = relu(x);
            }
        }
        Activation::Exp => {
            for (y, &x) in output.iter_mut().zip(input) {
                *y = lpcnet_exp(x);
            }
        }
        Activation::Softmax => {
            for (y, &x) in output.iter_mut().zip(input) {
                *y = lpcnet_exp(x);
            }
            normalise(output);
        }
        Activation::Linear => output.copy_from_slice(input),
    }
}

/// Divides by the f32 sum as libopus does: the reciprocal `1/(sum + 1e-30)` is taken in
/// double precision (the constant is a double literal) and rounded to f32 once.
fn normalise(buf: &mut [f32]) {
    let mut sum = 0.0f32;
    for &v in buf.iter() {
        sum += v;
    }
    let inv = (1.0f64 / (f64::from(sum) + 1e-30)) as f32;
    for v in buf.iter_mut() {
        *v *= inv;
    }
}

/// Applies `activation` to `buf` in place (libopus calls `compute_activation` with the same
/// pointer for input and output; the result is the same as the out-of-place form).
pub fn compute_activation_inplace(buf: &mut [f32], activation: Activation) {
    match activation {
        Activation::Sigmoid => buf.iter_mut().for_each(|v| *v = sigmoid_approx(*v)),
        Activation::Tanh => buf.iter_mut().for_each(|v| *v = tanh_approx(*v)),
        Activation::Swish => buf.iter_mut().for_each(|v| *v = *v * sigmoid_approx(*v)),
        Activation::Relu => buf.iter_mut().for_each(|v| *v = relu(*v)),
        Activation::Exp => buf.iter_mut().for_each(|v| *v = lpcnet_exp(*v)),
        Activation::Softmax => {
            buf.iter_mut().for_each(|v| *v = lpcnet_exp(*v));
            normalise(buf);
        }
        Activation::Linear => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tanh_edges() {
        assert_eq!(tanh_approx(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(tanh_approx(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(tanh_approx(100.0), 1.0);
        assert_eq!(tanh_approx(-100.0), -1.0);
        assert_eq!(tanh_approx(1e9), 1.0);
        assert_eq!(tanh_approx(-1e9), -1.0);
        assert!(tanh_approx(f32::NAN).is_nan());
        // The denominator overflows: inf/inf is NaN in the reference too.
        assert!(tanh_approx(1e10).is_nan());
        assert!(tanh_approx(-1e20).is_nan());
        assert!(tanh_approx(f32::INFINITY).is_nan());
        assert!((tanh_approx(0.5) - 0.5f32.tanh()).abs() < 1e-4);
        for i in -400..=400 {
            let x = i as f32 / 40.0;
            let y = tanh_approx(x);
            assert!((-1.0..=1.0).contains(&y));
            assert!((y - x.tanh()).abs() < 2e-4, "{x}: {y}");
            assert_eq!(tanh_approx(-x).to_bits(), (-y).to_bits());
        }
    }

    #[test]
    fn sigmoid_edges() {
        assert_eq!(sigmoid_approx(0.0), 0.5);
        assert_eq!(sigmoid_approx(1000.0), 1.0);
        assert_eq!(sigmoid_approx(-1000.0), 0.0);
        assert!(sigmoid_approx(f32::NAN).is_nan());
        assert!(sigmoid_approx(f32::NEG_INFINITY).is_nan());
        for i in -200..=200 {
            let x = i as f32 / 20.0;
            let exact = 1.0 / (1.0 + (-x).exp());
            assert!((sigmoid_approx(x) - exact).abs() < 2e-4);
        }
    }

    #[test]
    fn exp_edges() {
        assert_eq!(lpcnet_exp(f32::NAN), 0.0);
        assert_eq!(lpcnet_exp(f32::INFINITY), 0.0);
        assert_eq!(lpcnet_exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(lpcnet_exp2(-51.0), 0.0);
        assert!(lpcnet_exp2(-50.0) > 0.0);
        assert!((lpcnet_exp(1.0) - 1f32.exp()).abs() < 1e-3);
        for i in -200..=200 {
            let x = i as f32 / 20.0;
            let rel = (lpcnet_exp(x) - x.exp()).abs() / x.exp();
            assert!(rel < 1e-4, "{x}");
        }
        // Results are always non-negative: the sign bit is masked off.
        assert!(lpcnet_exp2(1e9).is_sign_positive());
    }

    #[test]
    fn cvtt_matches_x86() {
        assert_eq!(cvtt_f64_i32(f64::NAN), i32::MIN);
        assert_eq!(cvtt_f64_i32(3e9), i32::MIN);
        assert_eq!(cvtt_f64_i32(-3e9), i32::MIN);
        assert_eq!(cvtt_f64_i32(-2147483648.0), i32::MIN);
        assert_eq!(cvtt_f64_i32(2147483647.0), i32::MAX);
        assert_eq!(cvtt_f64_i32(-1.5), -1);
    }

    #[test]
    fn relu_and_copy() {
        assert_eq!(relu(-1.0), 0.0);
        assert_eq!(relu(-0.0).to_bits(), (-0.0f32).to_bits());
        assert!(relu(f32::NAN).is_nan());
        let x = [-1.0f32, 0.5, 2.0];
        let mut y = [0.0f32; 3];
        compute_activation(&mut y, &x, Activation::Linear);
        assert_eq!(y, x);
        compute_activation(&mut y, &x, Activation::Softmax);
        assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(y[2] > y[1] && y[1] > y[0]);
        let mut z = x;
        compute_activation_inplace(&mut z, Activation::Relu);
        assert_eq!(z, [0.0, 0.5, 2.0]);
        for code in 0..7 {
            let a = Activation::from_code(code).unwrap();
            assert_eq!(a.code(), code);
        }
        assert_eq!(Activation::from_code(7), None);
    }
}

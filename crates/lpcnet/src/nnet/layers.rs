//! Layers built on [`compute_linear`]: dense, GRU, GLU, 1-D convolutions with state, and the
//! 2-D convolution of PitchDNN (libopus `dnn/nnet.c` and `nnet_arch.h`).
//!
//! Temporary buffers live on the stack with libopus's maximum sizes, so no layer allocates.

use super::activations::{compute_activation_inplace, Activation};
use super::linear::{compute_linear, LinearLayer};
use crate::weights::{ArrayName, WeightsError};

/// The largest GRU state any libopus 1.6.1 model uses (the PLC predictor's 192 units).
pub const MAX_RNN_NEURONS: usize = 192;
/// The largest input of a 1-D convolution (libopus `MAX_CONV_INPUTS_ALL`).
pub const MAX_CONV_INPUTS: usize = 1024;
/// The largest input, memory included, of a 2-D convolution (libopus `MAX_CONV2D_INPUTS`).
pub const MAX_CONV2D_INPUTS: usize = 8192;
/// The largest GLU width (libopus `MAX_INPUTS`).
pub const MAX_GLU_WIDTH: usize = super::vec::MAX_INPUTS;

/// A dense layer: linear transform then activation (libopus `compute_generic_dense`).
///
/// # Panics
/// If `input` or `output` is shorter than the layer's dimensions.
pub fn compute_generic_dense(layer: &LinearLayer, output: &mut [f32], input: &[f32], activation: Activation) {
    compute_linear(layer, output, input);
    compute_activation_inplace(&mut output[..layer.nb_outputs()], activation);
}

/// One step of a "reset-after" GRU (libopus `compute_generic_gru`).
///
/// With `N` state units, both layers produce `3N` values in gate order update (z),
/// reset (r), candidate (h). The reset gate scales the recurrent part of the candidate,
/// its bias included: `h = tanh(Wx·x + r ⊙ (Wh·s))`, then `s' = z ⊙ s + (1 − z) ⊙ h`.
///
/// # Panics
/// If `recurrent_weights` is not `N → 3N`, `input_weights` does not produce `3N` outputs,
/// `N` exceeds [`MAX_RNN_NEURONS`], or a slice is too short.
pub fn compute_generic_gru(
    input_weights: &LinearLayer,
    recurrent_weights: &LinearLayer,
    state: &mut [f32],
    input: &[f32],
) {
    let n = recurrent_weights.nb_inputs();
    assert!(3 * n == recurrent_weights.nb_outputs(), "GRU recurrent layer must be N -> 3N");
    assert!(input_weights.nb_outputs() == 3 * n, "GRU input layer must produce 3N outputs");
    assert!(n <= MAX_RNN_NEURONS, "GRU too large");
    let state = &mut state[..n];
    let mut zrh = [0.0f32; 3 * MAX_RNN_NEURONS];
    let mut recur = [0.0f32; 3 * MAX_RNN_NEURONS];
    let zrh = &mut zrh[..3 * n];
    let recur = &mut recur[..3 * n];
    compute_linear(input_weights, zrh, input);
    compute_linear(recurrent_weights, recur, state);
    for (a, &b) in zrh[..2 * n].iter_mut().zip(recur.iter()) {
        *a += b;
    }
    compute_activation_inplace(&mut zrh[..2 * n], Activation::Sigmoid);
    let (zr, h) = zrh.split_at_mut(2 * n);
    let (z, r) = zr.split_at(n);
    for i in 0..n {
        h[i] += recur[2 * n + i] * r[i];
    }
    compute_activation_inplace(h, Activation::Tanh);
    for i in 0..n {
        h[i] = z[i] * state[i] + (1.0 - z[i]) * h[i];
    }
    state.copy_from_slice(h);
}

/// Gated linear unit: `output = input ⊙ σ(W·input + b)` (libopus `compute_glu`).
///
/// # Panics
/// If the layer is not square, wider than [`MAX_GLU_WIDTH`], or a slice is too short.
pub fn compute_glu(layer: &LinearLayer, output: &mut [f32], input: &[f32]) {
    let n = layer.nb_outputs();
    assert!(layer.nb_inputs() == n && n <= MAX_GLU_WIDTH, "GLU layer must be square");
    let mut gate = [0.0f32; MAX_GLU_WIDTH];
    compute_linear(layer, &mut gate[..n], input);
    compute_activation_inplace(&mut gate[..n], Activation::Sigmoid);
    for ((o, &x), &g) in output[..n].iter_mut().zip(&input[..n]).zip(&gate[..n]) {
        *o = x * g;
    }
}

/// [`compute_glu`] with the input and output in the same buffer.
///
/// # Panics
/// As [`compute_glu`].
pub fn compute_glu_inplace(layer: &LinearLayer, buf: &mut [f32]) {
    let n = layer.nb_outputs();
    assert!(layer.nb_inputs() == n && n <= MAX_GLU_WIDTH, "GLU layer must be square");
    let mut gate = [0.0f32; MAX_GLU_WIDTH];
    compute_linear(layer, &mut gate[..n], buf);
    compute_activation_inplace(&mut gate[..n], Activation::Sigmoid);
    for (o, &g) in buf[..n].iter_mut().zip(&gate[..n]) {
        *o *= g;
    }
}

/// A 1-D convolution over time, one frame per call (libopus `compute_generic_conv1d`).
///
/// The layer sees `[mem, input]` (`nb_inputs` values, `input` being the newest
/// `input.len()` of them); afterwards `mem` holds the last `nb_inputs − input.len()` values.
///
/// # Panics
/// If `nb_inputs` exceeds [`MAX_CONV_INPUTS`], `input` is longer than `nb_inputs`, `mem` is
/// shorter than `nb_inputs − input.len()`, or `output` is too short.
pub fn compute_generic_conv1d(
    layer: &LinearLayer,
    output: &mut [f32],
    mem: &mut [f32],
    input: &[f32],
    activation: Activation,
) {
    let total = layer.nb_inputs();
    let input_size = input.len();
    assert!(total <= MAX_CONV_INPUTS && input_size <= total, "conv1d: bad sizes");
    let hist = total - input_size;
    let mut tmp = [0.0f32; MAX_CONV_INPUTS];
    tmp[..hist].copy_from_slice(&mem[..hist]);
    tmp[hist..total].copy_from_slice(input);
    compute_linear(layer, output, &tmp[..total]);
    compute_activation_inplace(&mut output[..layer.nb_outputs()], activation);
    mem[..hist].copy_from_slice(&tmp[input_size..total]);
}

/// A dilated 1-D convolution, one frame per call (libopus
/// `compute_generic_conv1d_dilation`).
///
/// With kernel size `k = nb_inputs / input.len()`, the layer sees the frames from
/// `(k−1)·dilation, …, dilation` calls ago and the current input. `mem` keeps
/// `input.len() · dilation · (k−1)` values, oldest first. With `dilation == 1` this is
/// [`compute_generic_conv1d`].
///
/// # Panics
/// If `nb_inputs` exceeds [`MAX_CONV_INPUTS`], `input` is empty or longer than `nb_inputs`,
/// `dilation` is 0, or `mem` or `output` is too short.
pub fn compute_generic_conv1d_dilation(
    layer: &LinearLayer,
    output: &mut [f32],
    mem: &mut [f32],
    input: &[f32],
    dilation: usize,
    activation: Activation,
) {
    let total = layer.nb_inputs();
    let input_size = input.len();
    assert!(total <= MAX_CONV_INPUTS && input_size <= total && input_size > 0 && dilation > 0, "conv1d: bad sizes");
    let ksize = total / input_size;
    let hist = total - input_size;
    let mut tmp = [0.0f32; MAX_CONV_INPUTS];
    if dilation == 1 {
        tmp[..hist].copy_from_slice(&mem[..hist]);
    } else {
        for i in 0..ksize.saturating_sub(1) {
            let src = i * input_size * dilation;
            tmp[i * input_size..(i + 1) * input_size].copy_from_slice(&mem[src..src + input_size]);
        }
    }
    tmp[hist..total].copy_from_slice(input);
    compute_linear(layer, output, &tmp[..total]);
    compute_activation_inplace(&mut output[..layer.nb_outputs()], activation);
    if dilation == 1 {
        mem[..hist].copy_from_slice(&tmp[input_size..total]);
    } else {
        let len = input_size * dilation * (ksize - 1);
        if len >= input_size {
            mem.copy_within(input_size..len, 0);
            mem[len - input_size..len].copy_from_slice(input);
        }
    }
}

/// The arrays of a 2-D convolution before validation (see [`Conv2dLayer::from_parts`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conv2dParts {
    /// Per-output-channel bias.
    pub bias: Option<Vec<f32>>,
    /// Weights indexed `[out][in][time][height]`.
    pub float_weights: Option<Vec<f32>>,
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Kernel length along time.
    pub ktime: usize,
    /// Kernel length along height.
    pub kheight: usize,
}

/// A validated 2-D convolution, valid (unpadded) along height, causal along time
/// (libopus `Conv2dLayer`).
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2dLayer {
    bias: Option<Vec<f32>>,
    float_weights: Option<Vec<f32>>,
    in_channels: usize,
    out_channels: usize,
    ktime: usize,
    kheight: usize,
}

impl Conv2dLayer {
    /// Checks the array lengths against the shape.
    ///
    /// # Errors
    /// [`WeightsError::WrongSize`] (named `bias` or `float_weights`), or
    /// [`WeightsError::InvalidSpec`] for a zero-sized kernel or an overflowing shape.
    pub fn from_parts(parts: Conv2dParts) -> Result<Self, WeightsError> {
        let Conv2dParts { bias, float_weights, in_channels, out_channels, ktime, kheight } = parts;
        if ktime == 0 || kheight == 0 {
            return Err(WeightsError::InvalidSpec("conv2d kernel of size 0"));
        }
        let count = in_channels
            .checked_mul(out_channels)
            .and_then(|v| v.checked_mul(ktime))
            .and_then(|v| v.checked_mul(kheight))
            .ok_or(WeightsError::InvalidSpec("layer dimensions overflow"))?;
        let wrong = |name: &str, expected: usize, found: usize| WeightsError::WrongSize {
            name: ArrayName::from(name),
            expected: expected.saturating_mul(4),
            found: found.saturating_mul(4),
        };
        if let Some(b) = &bias {
            if b.len() != out_channels {
                return Err(wrong("bias", out_channels, b.len()));
            }
        }
        if let Some(w) = &float_weights {
            if w.len() != count {
                return Err(wrong("float_weights", count, w.len()));
            }
        }
        Ok(Conv2dLayer { bias, float_weights, in_channels, out_channels, ktime, kheight })
    }

    /// The bias, if any.
    pub fn bias(&self) -> Option<&[f32]> {
        self.bias.as_deref()
    }
    /// The weights, if any.
    pub fn float_weights(&self) -> Option<&[f32]> {
        self.float_weights.as_deref()
    }
    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }
    /// Output channels.
    pub fn out_channels(&self) -> usize {
        self.out_channels
    }
    /// Kernel length along time.
    pub fn ktime(&self) -> usize {
        self.ktime
    }
    /// Kernel length along height.
    pub fn kheight(&self) -> usize {
        self.kheight
    }
    /// Values of one time step of input: `in_channels · (height + kheight − 1)`.
    pub fn time_stride(&self, height: usize) -> usize {
        self.in_channels * (height + self.kheight - 1)
    }
    /// Length of the memory [`compute_conv2d`] needs: `(ktime − 1)` time steps.
    pub fn mem_len(&self, height: usize) -> usize {
        (self.ktime - 1) * self.time_stride(height)
    }
}

/// General convolution: per output, contributions added one product at a time, in order of
/// input channel, time tap, height tap.
fn conv2d_float(out: &mut [f32], w: &[f32], conv: &Conv2dLayer, input: &[f32], height: usize, hstride: usize) {
    let (cin, kt, kh) = (conv.in_channels, conv.ktime, conv.kheight);
    let in_stride = height + kh - 1;
    for i in 0..conv.out_channels {
        let o = &mut out[i * hstride..i * hstride + height];
        o.fill(0.0);
        for m in 0..cin {
            for t in 0..kt {
                for h in 0..kh {
                    let wv = w[i * cin * kt * kh + m * kt * kh + t * kh + h];
                    let x = &input[t * cin * in_stride + m * in_stride + h..][..height];
                    for (oj, &xj) in o.iter_mut().zip(x) {
                        *oj += wv * xj;
                    }
                }
            }
        }
    }
}

/// The 3×3 case: per output and input channel, the nine products are summed first (time-major
/// order), then added to the output, as libopus's unrolled kernel does.
fn conv2d_3x3_float(out: &mut [f32], w: &[f32], conv: &Conv2dLayer, input: &[f32], height: usize, hstride: usize) {
    let cin = conv.in_channels;
    let in_stride = height + 2;
    for i in 0..conv.out_channels {
        let o = &mut out[i * hstride..i * hstride + height];
        o.fill(0.0);
        for m in 0..cin {
            let wk = &w[(i * cin + m) * 9..(i * cin + m) * 9 + 9];
            let r0 = &input[m * in_stride..];
            let r1 = &input[cin * in_stride + m * in_stride..];
            let r2 = &input[2 * cin * in_stride + m * in_stride..];
            for (j, oj) in o.iter_mut().enumerate() {
                let s = wk[0] * r0[j] + wk[1] * r0[j + 1] + wk[2] * r0[j + 2]
                    + wk[3] * r1[j] + wk[4] * r1[j + 1] + wk[5] * r1[j + 2]
                    + wk[6] * r2[j] + wk[7] * r2[j + 1] + wk[8] * r2[j + 2];
                *oj += s;
            }
        }
    }
}

/// One time step of a 2-D convolution (libopus `compute_conv2d_c`).
///
/// `input` is one time step, `in_channels × (height + kheight − 1)` values; `mem` holds the
/// previous `ktime − 1` steps ([`Conv2dLayer::mem_len`]) and is updated. Output channel `i`
/// goes to `out[i·hstride .. i·hstride + height]`, then bias and activation are applied. A
/// layer without weights outputs its bias.
///
/// # Panics
/// If the input plus memory exceed [`MAX_CONV2D_INPUTS`] or a slice is too short.
pub fn compute_conv2d(
    conv: &Conv2dLayer,
    out: &mut [f32],
    mem: &mut [f32],
    input: &[f32],
    height: usize,
    hstride: usize,
    activation: Activation,
) {
    let time_stride = conv.time_stride(height);
    let hist = (conv.ktime - 1) * time_stride;
    let total = conv.ktime * time_stride;
    assert!(total <= MAX_CONV2D_INPUTS, "conv2d: input too large");
    let mut buf = [0.0f32; MAX_CONV2D_INPUTS];
    buf[..hist].copy_from_slice(&mem[..hist]);
    buf[hist..total].copy_from_slice(&input[..time_stride]);
    mem[..hist].copy_from_slice(&buf[time_stride..total]);
    match &conv.float_weights {
        Some(w) if conv.ktime == 3 && conv.kheight == 3 => conv2d_3x3_float(out, w, conv, &buf, height, hstride),
        Some(w) => conv2d_float(out, w, conv, &buf, height, hstride),
        None => {
            for i in 0..conv.out_channels {
                out[i * hstride..i * hstride + height].fill(0.0);
            }
        }
    }
    if let Some(bias) = &conv.bias {
        for (i, &b) in bias.iter().enumerate() {
            for o in &mut out[i * hstride..i * hstride + height] {
                *o += b;
            }
        }
    }
    for i in 0..conv.out_channels {
        compute_activation_inplace(&mut out[i * hstride..i * hstride + height], activation);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::nnet::LinearParts;

    fn identity(n: usize) -> LinearLayer {
        let mut w = vec![0.0f32; n * n];
        for i in 0..n {
            w[i * n + i] = 1.0;
        }
        LinearLayer::from_parts(LinearParts {
            float_weights: Some(w),
            nb_inputs: n,
            nb_outputs: n,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn glu_forms_agree() {
        let l = identity(4);
        let x = [0.5f32, -1.0, 2.0, 0.0];
        let mut y = [0.0f32; 4];
        compute_glu(&l, &mut y, &x);
        let mut z = x;
        compute_glu_inplace(&l, &mut z);
        assert_eq!(y, z);
        assert_eq!(y[3], 0.0);
        assert!((y[2] - 2.0 * super::super::activations::sigmoid_approx(2.0)).abs() < 1e-7);
    }

    #[test]
    fn conv1d_memory_shifts() {
        // 3 taps of width 2 -> 6 inputs; pick out the oldest tap.
        let mut w = vec![0.0f32; 6 * 2];
        w[0] = 1.0; // out 0 <- in 0
        w[2 + 1] = 1.0; // out 1 <- in 1
        let l = LinearLayer::from_parts(LinearParts {
            float_weights: Some(w),
            nb_inputs: 6,
            nb_outputs: 2,
            ..Default::default()
        })
        .unwrap();
        let mut mem = [0.0f32; 4];
        let mut out = [0.0f32; 2];
        for t in 0..5 {
            let x = [t as f32, 10.0 + t as f32];
            compute_generic_conv1d(&l, &mut out, &mut mem, &x, Activation::Linear);
            let lag = (t - 2).max(-1);
            if lag >= 0 {
                assert_eq!(out, [lag as f32, 10.0 + lag as f32]);
            }
        }
        // Dilation 2: the oldest tap is 4 calls back.
        let mut mem = [0.0f32; 2 * 2 * 2];
        for t in 0..8 {
            let x = [t as f32, 10.0 + t as f32];
            compute_generic_conv1d_dilation(&l, &mut out, &mut mem, &x, 2, Activation::Linear);
            if t >= 4 {
                assert_eq!(out, [(t - 4) as f32, 10.0 + (t - 4) as f32]);
            }
        }
    }

    #[test]
    fn gru_zero_weights() {
        // With zero weights, z = r = 0.5 and h = tanh(0) = 0: the state halves.
        let zero = |i: usize, o: usize| {
            LinearLayer::from_parts(LinearParts {
                float_weights: Some(vec![0.0; i * o]),
                nb_inputs: i,
                nb_outputs: o,
                ..Default::default()
            })
            .unwrap()
        };
        let (wi, wr) = (zero(3, 6), zero(2, 6));
        let mut s = [1.0f32, -2.0];
        compute_generic_gru(&wi, &wr, &mut s, &[1.0, 1.0, 1.0]);
        assert_eq!(s, [0.5, -1.0]);
    }

    #[test]
    fn conv2d_generic_and_3x3_agree_on_exact_values() {
        let parts = |kt: usize, kh: usize| Conv2dParts {
            bias: Some(vec![1.0, 2.0]),
            float_weights: Some((0..2 * kt * kh).map(|v| (v % 5) as f32).collect()),
            in_channels: 1,
            out_channels: 2,
            ktime: kt,
            kheight: kh,
        };
        let c = Conv2dLayer::from_parts(parts(3, 3)).unwrap();
        let height = 4;
        let mut mem = vec![0.0f32; c.mem_len(height)];
        let mut out = [0.0f32; 2 * 5];
        for step in 0..3 {
            let x: Vec<f32> = (0..c.time_stride(height)).map(|v| (v + step) as f32).collect();
            compute_conv2d(&c, &mut out, &mut mem, &x, height, 5, Activation::Linear);
        }
        // Small integers: both kernels are exact, so compare with a direct sum.
        let mut expect = [0.0f32; 2 * 5];
        let w = c.float_weights().unwrap();
        for i in 0..2 {
            for j in 0..height {
                let mut s = c.bias().unwrap()[i];
                for t in 0..3 {
                    for h in 0..3 {
                        s += w[i * 9 + t * 3 + h] * (j + h + t) as f32;
                    }
                }
                expect[i * 5 + j] = s;
            }
        }
        assert_eq!(out[..4], expect[..4]);
        assert_eq!(out[5..9], expect[5..9]);
        let g = Conv2dLayer::from_parts(parts(2, 3)).unwrap();
        assert_eq!(g.mem_len(height), 6);
        assert!(Conv2dLayer::from_parts(Conv2dParts { bias: Some(vec![0.0]), ..parts(3, 3) }).is_err());
    }
}

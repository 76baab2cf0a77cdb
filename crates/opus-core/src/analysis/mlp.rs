//! The small recurrent network that turns the analysis features into music and activity
//! probabilities (libopus `src/mlp.c`, weights in [`super::mlp_tables`]).
//!
//! Topology: a 25 -> 32 dense layer with a tanh-like activation, a GRU of 24 units, and a
//! 24 -> 2 dense layer with a sigmoid. Weights are 8-bit integers scaled by 1/128. The
//! activations are libopus's rational approximations, evaluated with the same float
//! operations in the same order (no fused multiply-adds), so results match the reference
//! bit for bit. This is not the DNN library of the neural codecs: its layouts differ.

use super::mlp_tables::{
    LAYER0_BIAS, LAYER0_WEIGHTS, LAYER1_BIAS, LAYER1_RECUR_WEIGHTS, LAYER1_WEIGHTS, LAYER2_BIAS,
    LAYER2_WEIGHTS,
};
use crate::celt::mathops::{max32, min32};

/// Number of input features.
pub const N_INPUTS: usize = 25;
/// Neurons of the first dense layer.
pub const N_DENSE: usize = 32;
/// Units of the GRU (the recurrent state size).
pub const N_GRU: usize = 24;
/// Outputs: music probability, then activity probability.
pub const N_OUTPUTS: usize = 2;
/// Room libopus reserves for any layer's neurons (`MAX_NEURONS`); the GRU state is kept at
/// this size.
pub const MAX_NEURONS: usize = 32;

/// Weight scale (libopus `WEIGHTS_SCALE`).
const WEIGHTS_SCALE: f32 = 1.0 / 128.0;

/// A dense layer: `nb_neurons` outputs from `nb_inputs` inputs (libopus `AnalysisDenseLayer`).
#[derive(Debug, Clone, Copy)]
pub struct DenseLayer {
    /// One bias per neuron.
    pub bias: &'static [i8],
    /// Input-major weights, `nb_inputs * nb_neurons`.
    pub input_weights: &'static [i8],
    /// Input count.
    pub nb_inputs: usize,
    /// Output count.
    pub nb_neurons: usize,
    /// Sigmoid activation when set, tanh-like otherwise.
    pub sigmoid: bool,
}

/// A GRU layer (libopus `AnalysisGRULayer`).
#[derive(Debug, Clone, Copy)]
pub struct GruLayer {
    /// Biases: update gate, reset gate, candidate, `nb_neurons` each.
    pub bias: &'static [i8],
    /// Input-major input weights, `nb_inputs * 3 * nb_neurons`.
    pub input_weights: &'static [i8],
    /// State-major recurrent weights, `nb_neurons * 3 * nb_neurons`.
    pub recurrent_weights: &'static [i8],
    /// Input count.
    pub nb_inputs: usize,
    /// Unit count.
    pub nb_neurons: usize,
}

/// The input layer (libopus `layer0`).
pub static LAYER0: DenseLayer = DenseLayer {
    bias: &LAYER0_BIAS,
    input_weights: &LAYER0_WEIGHTS,
    nb_inputs: N_INPUTS,
    nb_neurons: N_DENSE,
    sigmoid: false,
};

/// The recurrent layer (libopus `layer1`).
pub static LAYER1: GruLayer = GruLayer {
    bias: &LAYER1_BIAS,
    input_weights: &LAYER1_WEIGHTS,
    recurrent_weights: &LAYER1_RECUR_WEIGHTS,
    nb_inputs: N_DENSE,
    nb_neurons: N_GRU,
};

/// The output layer (libopus `layer2`).
pub static LAYER2: DenseLayer = DenseLayer {
    bias: &LAYER2_BIAS,
    input_weights: &LAYER2_WEIGHTS,
    nb_inputs: N_GRU,
    nb_neurons: N_OUTPUTS,
    sigmoid: true,
};

/// Rational approximation of `tanh`, clamped to [-1, 1] (libopus `tansig_approx`).
/// NaN stays NaN, and so do inputs whose fourth power overflows (|x| > ~1e9).
#[inline]
pub fn tansig_approx(x: f32) -> f32 {
    const N0: f32 = 952.52801514;
    const N1: f32 = 96.39235687;
    const N2: f32 = 0.60863042;
    const D0: f32 = 952.72399902;
    const D1: f32 = 413.36801147;
    const D2: f32 = 11.88600922;
    let x2 = x * x;
    let num = (N2 * x2 + N1) * x2 + N0;
    let den = (D2 * x2 + D1) * x2 + D0;
    let y = num * x / den;
    max32(-1.0, min32(1.0, y))
}

/// Logistic sigmoid through [`tansig_approx`] (libopus `sigmoid_approx`).
#[inline]
pub fn sigmoid_approx(x: f32) -> f32 {
    0.5 + 0.5 * tansig_approx(0.5 * x)
}

/// `out[i] += sum_j w[j * stride + i] * x[j]` for `i < rows`, `j < cols`, accumulated one
/// product at a time in `j` order (libopus `gemm_accum`). Stops early rather than panicking
/// on short slices.
fn gemm_accum(out: &mut [f32], weights: &[i8], rows: usize, cols: usize, stride: usize, x: &[f32]) {
    for (i, o) in out.iter_mut().take(rows).enumerate() {
        for (j, &xj) in x.iter().take(cols).enumerate() {
            let w = weights.get(j * stride + i).copied().unwrap_or(0);
            *o += f32::from(w) * xj;
        }
    }
}

/// Runs a dense layer: bias, weighted sum, scale, activation (libopus
/// `analysis_compute_dense`). Writes `layer.nb_neurons` outputs, or fewer if `output` is
/// shorter.
pub fn compute_dense(layer: &DenseLayer, output: &mut [f32], input: &[f32]) {
    let n = layer.nb_neurons.min(output.len());
    let out = &mut output[..n];
    for (o, &b) in out.iter_mut().zip(layer.bias) {
        *o = f32::from(b);
    }
    gemm_accum(
        out,
        layer.input_weights,
        n,
        layer.nb_inputs,
        layer.nb_neurons,
        input,
    );
    for o in out.iter_mut() {
        *o *= WEIGHTS_SCALE;
    }
    if layer.sigmoid {
        for o in out.iter_mut() {
            *o = sigmoid_approx(*o);
        }
    } else {
        for o in out.iter_mut() {
            *o = tansig_approx(*o);
        }
    }
}

/// Advances a GRU by one step: `state` (at least `gru.nb_neurons` values) is updated in
/// place from `input` (libopus `analysis_compute_gru`).
pub fn compute_gru(gru: &GruLayer, state: &mut [f32], input: &[f32]) {
    let n = gru.nb_neurons.min(MAX_NEURONS).min(state.len());
    let m = gru.nb_inputs;
    let stride = 3 * gru.nb_neurons;
    let mut tmp = [0.0f32; MAX_NEURONS];
    let mut z = [0.0f32; MAX_NEURONS];
    let mut r = [0.0f32; MAX_NEURONS];
    let mut h = [0.0f32; MAX_NEURONS];
    let bias = |k: usize| f32::from(gru.bias.get(k).copied().unwrap_or(0));
    let iw = gru.input_weights;
    let rw = gru.recurrent_weights;
    let nn = gru.nb_neurons;

    // Update gate.
    for (i, zi) in z[..n].iter_mut().enumerate() {
        *zi = bias(i);
    }
    gemm_accum(&mut z[..n], iw, n, m, stride, input);
    gemm_accum(&mut z[..n], rw, n, n, stride, &state[..n]);
    for zi in z[..n].iter_mut() {
        *zi = sigmoid_approx(WEIGHTS_SCALE * *zi);
    }

    // Reset gate.
    for (i, ri) in r[..n].iter_mut().enumerate() {
        *ri = bias(nn + i);
    }
    gemm_accum(
        &mut r[..n],
        iw.get(nn..).unwrap_or(&[]),
        n,
        m,
        stride,
        input,
    );
    gemm_accum(
        &mut r[..n],
        rw.get(nn..).unwrap_or(&[]),
        n,
        n,
        stride,
        &state[..n],
    );
    for ri in r[..n].iter_mut() {
        *ri = sigmoid_approx(WEIGHTS_SCALE * *ri);
    }

    // Candidate state and output.
    for (i, hi) in h[..n].iter_mut().enumerate() {
        *hi = bias(2 * nn + i);
    }
    for i in 0..n {
        tmp[i] = state[i] * r[i];
    }
    gemm_accum(
        &mut h[..n],
        iw.get(2 * nn..).unwrap_or(&[]),
        n,
        m,
        stride,
        input,
    );
    gemm_accum(
        &mut h[..n],
        rw.get(2 * nn..).unwrap_or(&[]),
        n,
        n,
        stride,
        &tmp[..n],
    );
    for i in 0..n {
        h[i] = z[i] * state[i] + (1.0 - z[i]) * tansig_approx(WEIGHTS_SCALE * h[i]);
    }
    state[..n].copy_from_slice(&h[..n]);
}

/// The whole classifier step: features in, `[music_prob, activity_prob]` out, with the GRU
/// state carried in `rnn_state` (the three layer calls at the end of libopus
/// `tonality_analysis`).
pub fn analysis_mlp(
    features: &[f32; N_INPUTS],
    rnn_state: &mut [f32; MAX_NEURONS],
) -> [f32; N_OUTPUTS] {
    let mut layer_out = [0.0f32; MAX_NEURONS];
    let mut probs = [0.0f32; N_OUTPUTS];
    compute_dense(&LAYER0, &mut layer_out, features);
    compute_gru(&LAYER1, rnn_state, &layer_out);
    compute_dense(&LAYER2, &mut probs, rnn_state);
    probs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activations_are_bounded_and_keep_nan() {
        for &x in &[-1e8f32, -20.0, -1.0, 0.0, 0.3, 5.0, 1e8] {
            let t = tansig_approx(x);
            assert!((-1.0..=1.0).contains(&t), "{x} -> {t}");
            let s = sigmoid_approx(x);
            assert!((0.0..=1.0).contains(&s), "{x} -> {s}");
        }
        // Past about 1e9 the fourth power overflows and inf/inf gives NaN, as in the C.
        assert!(tansig_approx(1e30).is_nan());
        assert_eq!(tansig_approx(0.0), 0.0);
        assert!(tansig_approx(f32::NAN).is_nan());
    }

    #[test]
    fn mlp_outputs_are_probabilities() {
        let mut state = [0.0f32; MAX_NEURONS];
        let mut f = [0.0f32; N_INPUTS];
        for step in 0..50 {
            for (k, v) in f.iter_mut().enumerate() {
                *v = ((step * 7 + k * 13) % 17) as f32 * 0.1 - 0.8;
            }
            let p = analysis_mlp(&f, &mut state);
            assert!(p.iter().all(|v| (0.0..=1.0).contains(v)), "{p:?}");
        }
    }
}

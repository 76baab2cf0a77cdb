//! PitchDNN, the neural pitch estimator of the feature analysis (libopus 1.6.1
//! `dnn/pitchdnn.c`, weights `pitchdnn_data.c`, checkpoint `pitch_vsmallconv1`).
//!
//! Per 10 ms frame it takes two inputs that [`crate::analysis`] prepares:
//!
//! - 88 "instantaneous frequency" values: the clamped log energy of bin 0, then for bins
//!   1..30 the cosine and sine of the phase advance since the previous frame and the clamped
//!   log energy;
//! - 224 normalised cross-correlations of the LPC residual at lags 32..255.
//!
//! The IF branch is two tanh dense layers (88 → 64 → 64). The correlation branch is two 3×3
//! 2-D convolutions over (3 frames × lags), 1 → 4 → 1 channels, with tanh. The 288
//! concatenated values go through a tanh dense layer (→ 64), a 64-unit GRU and a linear
//! layer to 192 logits, of which the first 180 are pitch bins 1/60 octave apart. The output
//! is the softmax-weighted mean bin within ±2 of the arg-max, mapped to
//! `bin/60 − 1.5` (the value DRED, PLC and FARGAN use as feature 18; the period in samples
//! is `256 / 2^(value + 1.5)`).
//!
//! Arithmetic is bit-exact with libopus's generic C build. [`PitchDnnState::compute`]
//! neither allocates nor panics; NaN inputs give a NaN output.

use std::sync::{Arc, OnceLock};

use crate::nnet::{
    compute_conv2d, compute_generic_dense, compute_generic_gru, Activation, Conv2dLayer,
    LinearLayer,
};
use crate::weights::{Conv2dSpec, LinearSpec, WeightBlob, WeightsError};

/// Shortest pitch period searched, in samples at 16 kHz (libopus `PITCH_MIN_PERIOD`).
pub const PITCH_MIN_PERIOD: usize = 32;
/// Longest pitch period searched (libopus `PITCH_MAX_PERIOD`).
pub const PITCH_MAX_PERIOD: usize = 256;
/// Number of correlation lags fed to the network (libopus `NB_XCORR_FEATURES`).
pub const NB_XCORR_FEATURES: usize = PITCH_MAX_PERIOD - PITCH_MIN_PERIOD;
/// FFT bins used for the instantaneous-frequency input (libopus `PITCH_IF_MAX_FREQ`).
pub const PITCH_IF_MAX_FREQ: usize = 30;
/// Length of the instantaneous-frequency input (libopus `PITCH_IF_FEATURES`).
pub const PITCH_IF_FEATURES: usize = 3 * PITCH_IF_MAX_FREQ - 2;
/// GRU state size (libopus `GRU_1_STATE_SIZE`).
pub const GRU_1_STATE_SIZE: usize = 64;

const IF_UPSAMPLER_1_OUT: usize = 64;
const IF_UPSAMPLER_2_OUT: usize = 64;
const DOWNSAMPLER_IN: usize = NB_XCORR_FEATURES + IF_UPSAMPLER_2_OUT;
const DOWNSAMPLER_OUT: usize = 64;
const FINAL_UPSAMPLER_OUT: usize = 192;
/// Logits that are pitch bins; the remaining 12 of the 192 are ignored.
const PITCH_BINS: usize = 180;
/// Channels between the two convolutions.
const CONV_CHANNELS: usize = 4;
/// One padded row of lags: the 224 lags with a zero on each side (the 3-tap height kernel
/// is "valid", so the padding keeps 224 outputs).
const XCORR_ROW: usize = NB_XCORR_FEATURES + 2;
/// Memory of the first convolution: two past frames of one padded row.
const XCORR_MEM1: usize = 2 * XCORR_ROW;
/// Memory of the second convolution: two past frames of four padded rows.
const XCORR_MEM2: usize = 2 * CONV_CHANNELS * XCORR_ROW;

/// The PitchDNN weights (libopus `PitchDNN`). Immutable; share it between states with
/// [`Arc`].
#[derive(Clone, Debug, PartialEq)]
pub struct PitchDnn {
    dense_if_upsampler_1: LinearLayer,
    dense_if_upsampler_2: LinearLayer,
    dense_downsampler: LinearLayer,
    dense_final_upsampler: LinearLayer,
    conv2d_1: Conv2dLayer,
    conv2d_2: Conv2dLayer,
    gru_1_input: LinearLayer,
    gru_1_recurrent: LinearLayer,
}

/// Loads an int8 dense layer whose arrays are named `<prefix>_bias`, `_subias`,
/// `_weights_int8`, `_weights_float` (optional) and `_scale`, as libopus's generated
/// `init_pitchdnn` names them.
fn load_dense(
    blob: &WeightBlob<'_>,
    prefix: &str,
    nb_inputs: usize,
    nb_outputs: usize,
) -> Result<LinearLayer, WeightsError> {
    let bias = format!("{prefix}_bias");
    let subias = format!("{prefix}_subias");
    let weights = format!("{prefix}_weights_int8");
    let float_weights = format!("{prefix}_weights_float");
    let scale = format!("{prefix}_scale");
    let spec = LinearSpec {
        bias: Some(&bias),
        subias: Some(&subias),
        weights: Some(&weights),
        float_weights: Some(&float_weights),
        weights_idx: None,
        diag: None,
        scale: Some(&scale),
        nb_inputs,
        nb_outputs,
    };
    LinearLayer::from_blob(blob, &spec)
}

/// Loads a 3x3 conv2d layer named `<prefix>_bias` / `<prefix>_weight_float`.
fn load_conv(
    blob: &WeightBlob<'_>,
    prefix: &str,
    in_channels: usize,
    out_channels: usize,
) -> Result<Conv2dLayer, WeightsError> {
    let bias = format!("{prefix}_bias");
    let float_weights = format!("{prefix}_weight_float");
    let spec = Conv2dSpec {
        bias: Some(&bias),
        float_weights: Some(&float_weights),
        in_channels,
        out_channels,
        ktime: 3,
        kheight: 3,
    };
    Conv2dLayer::from_blob(blob, &spec)
}

impl PitchDnn {
    /// Loads the model from a weight blob, with the layer names and shapes of libopus's
    /// `init_pitchdnn`.
    ///
    /// # Errors
    /// A [`WeightsError`] naming the first array that is missing or has the wrong size.
    pub fn from_blob(blob: &WeightBlob<'_>) -> Result<Self, WeightsError> {
        Ok(PitchDnn {
            dense_if_upsampler_1: load_dense(
                blob,
                "dense_if_upsampler_1",
                PITCH_IF_FEATURES,
                IF_UPSAMPLER_1_OUT,
            )?,
            dense_if_upsampler_2: load_dense(
                blob,
                "dense_if_upsampler_2",
                IF_UPSAMPLER_1_OUT,
                IF_UPSAMPLER_2_OUT,
            )?,
            dense_downsampler: load_dense(
                blob,
                "dense_downsampler",
                DOWNSAMPLER_IN,
                DOWNSAMPLER_OUT,
            )?,
            dense_final_upsampler: load_dense(
                blob,
                "dense_final_upsampler",
                GRU_1_STATE_SIZE,
                FINAL_UPSAMPLER_OUT,
            )?,
            conv2d_1: load_conv(blob, "conv2d_1", 1, CONV_CHANNELS)?,
            conv2d_2: load_conv(blob, "conv2d_2", CONV_CHANNELS, 1)?,
            gru_1_input: load_dense(blob, "gru_1_input", DOWNSAMPLER_OUT, 3 * GRU_1_STATE_SIZE)?,
            gru_1_recurrent: load_dense(
                blob,
                "gru_1_recurrent",
                GRU_1_STATE_SIZE,
                3 * GRU_1_STATE_SIZE,
            )?,
        })
    }

    /// The model built from libopus 1.6.1's weights ([`crate::weights::default_blob`]),
    /// loaded on first use and shared afterwards.
    ///
    /// # Errors
    /// The error of [`crate::weights::default_blob`] or [`PitchDnn::from_blob`] (only with a
    /// corrupted build).
    pub fn default_model() -> Result<Arc<PitchDnn>, WeightsError> {
        static CELL: OnceLock<Result<Arc<PitchDnn>, WeightsError>> = OnceLock::new();
        CELL.get_or_init(|| {
            let blob = crate::weights::default_blob()?;
            PitchDnn::from_blob(blob).map(Arc::new)
        })
        .clone()
    }
}

/// PitchDNN with its recurrent state (libopus `PitchDNNState`): the GRU state and the two
/// past frames each convolution needs.
#[derive(Clone, Debug)]
pub struct PitchDnnState {
    model: Arc<PitchDnn>,
    gru_state: [f32; GRU_1_STATE_SIZE],
    xcorr_mem1: [f32; XCORR_MEM1],
    xcorr_mem2: [f32; XCORR_MEM2],
}

impl PitchDnnState {
    /// A state with zeroed memories (libopus `pitchdnn_init`).
    pub fn new(model: Arc<PitchDnn>) -> Self {
        PitchDnnState {
            model,
            gru_state: [0.0; GRU_1_STATE_SIZE],
            xcorr_mem1: [0.0; XCORR_MEM1],
            xcorr_mem2: [0.0; XCORR_MEM2],
        }
    }

    /// Clears the memories, keeping the model.
    pub fn reset(&mut self) {
        self.gru_state = [0.0; GRU_1_STATE_SIZE];
        self.xcorr_mem1 = [0.0; XCORR_MEM1];
        self.xcorr_mem2 = [0.0; XCORR_MEM2];
    }

    /// The model this state runs.
    pub fn model(&self) -> &Arc<PitchDnn> {
        &self.model
    }

    /// The GRU state after the last frame.
    pub fn gru_state(&self) -> &[f32; GRU_1_STATE_SIZE] {
        &self.gru_state
    }

    /// Runs one frame (libopus `compute_pitchdnn`) and returns the pitch feature
    /// `bin/60 − 1.5`, in `[-1.5, 1.5)` for finite input.
    pub fn compute(
        &mut self,
        if_features: &[f32; PITCH_IF_FEATURES],
        xcorr_features: &[f32; NB_XCORR_FEATURES],
    ) -> f32 {
        let model = &*self.model;
        let mut if1_out = [0.0f32; IF_UPSAMPLER_1_OUT];
        let mut downsampler_in = [0.0f32; DOWNSAMPLER_IN];
        let mut downsampler_out = [0.0f32; DOWNSAMPLER_OUT];
        let mut output = [0.0f32; FINAL_UPSAMPLER_OUT];

        // Instantaneous-frequency branch, written after the 224 correlation outputs.
        compute_generic_dense(
            &model.dense_if_upsampler_1,
            &mut if1_out,
            if_features,
            Activation::Tanh,
        );
        compute_generic_dense(
            &model.dense_if_upsampler_2,
            &mut downsampler_in[NB_XCORR_FEATURES..],
            &if1_out,
            Activation::Tanh,
        );

        // Correlation branch: zero-padded rows, 1 -> 4 -> 1 channels.
        let mut conv_in = [0.0f32; XCORR_ROW];
        conv_in[1..1 + NB_XCORR_FEATURES].copy_from_slice(xcorr_features);
        let mut conv_mid = [0.0f32; CONV_CHANNELS * XCORR_ROW];
        compute_conv2d(
            &model.conv2d_1,
            &mut conv_mid[1..],
            &mut self.xcorr_mem1,
            &conv_in,
            NB_XCORR_FEATURES,
            XCORR_ROW,
            Activation::Tanh,
        );
        compute_conv2d(
            &model.conv2d_2,
            &mut downsampler_in,
            &mut self.xcorr_mem2,
            &conv_mid,
            NB_XCORR_FEATURES,
            NB_XCORR_FEATURES,
            Activation::Tanh,
        );

        compute_generic_dense(
            &model.dense_downsampler,
            &mut downsampler_out,
            &downsampler_in,
            Activation::Tanh,
        );
        compute_generic_gru(
            &model.gru_1_input,
            &model.gru_1_recurrent,
            &mut self.gru_state,
            &downsampler_out,
        );
        compute_generic_dense(
            &model.dense_final_upsampler,
            &mut output,
            &self.gru_state,
            Activation::Linear,
        );

        pitch_from_logits(&output[..PITCH_BINS])
    }
}

/// Arg-max over the pitch bins, refined by a softmax-weighted mean over ±2 bins, as a
/// feature value `bin/60 − 1.5`.
fn pitch_from_logits(logits: &[f32]) -> f32 {
    let mut pos = 0usize;
    let mut maxval = -1.0f32;
    for (i, &v) in logits.iter().enumerate() {
        if v > maxval {
            pos = i;
            maxval = v;
        }
    }
    let mut sum = 0.0f32;
    let mut count = 0.0f32;
    let lo = pos.saturating_sub(2);
    let hi = (pos + 2).min(logits.len() - 1);
    for (i, &v) in logits.iter().enumerate().take(hi + 1).skip(lo) {
        let p = f64::from(v).exp() as f32;
        sum += p * i as f32;
        count += p;
    }
    (f64::from((1.0f32 / 60.0) * (sum / count)) - 1.5) as f32
}

/// Free-function form of [`PitchDnnState::compute`] (libopus `compute_pitchdnn`).
pub fn compute_pitchdnn(
    st: &mut PitchDnnState,
    if_features: &[f32; PITCH_IF_FEATURES],
    xcorr_features: &[f32; NB_XCORR_FEATURES],
) -> f32 {
    st.compute(if_features, xcorr_features)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_model_loads_and_runs() {
        let model = PitchDnn::default_model().expect("embedded weights");
        let mut st = PitchDnnState::new(model);
        let p = st.compute(&[0.0; PITCH_IF_FEATURES], &[0.0; NB_XCORR_FEATURES]);
        assert!((-1.5..1.5).contains(&p), "{p}");
    }

    #[test]
    fn nan_input_does_not_panic() {
        let model = PitchDnn::default_model().expect("embedded weights");
        let mut st = PitchDnnState::new(model);
        let _ = st.compute(
            &[f32::NAN; PITCH_IF_FEATURES],
            &[f32::INFINITY; NB_XCORR_FEATURES],
        );
        let _ = st.compute(&[0.0; PITCH_IF_FEATURES], &[0.0; NB_XCORR_FEATURES]);
    }

    #[test]
    fn readout_maps_bins_to_octaves() {
        let mut logits = [-10.0f32; PITCH_BINS];
        logits[60] = 10.0;
        let p = pitch_from_logits(&logits);
        assert!((p - (-0.5)).abs() < 1e-4, "{p}");
        // Edge bins clip the window instead of reading outside.
        let mut logits = [-10.0f32; PITCH_BINS];
        logits[0] = 10.0;
        assert!((pitch_from_logits(&logits) + 1.5).abs() < 1e-4);
        let mut logits = [-10.0f32; PITCH_BINS];
        logits[179] = 10.0;
        assert!(pitch_from_logits(&logits) < 1.5);
    }
}

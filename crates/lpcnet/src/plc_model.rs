//! The deep-PLC feature predictor (libopus 1.6.1 `dnn/plc_data.c`, `compute_plc_pred` in
//! `dnn/lpcnet_plc.c`).
//!
//! A small recurrent network run once per 10 ms frame. Its 57 inputs are the 36-value Burg
//! cepstrum of the frame, its 20 features and a flag: `+1` for features analysed from real
//! audio, `−1` for features received as redundancy (Burg part zero), all zero when it must
//! predict on its own. Its output is the predicted feature vector of the next frame.
//!
//! Layers: dense 57 → 128 (tanh), GRU 128 → 192, GRU 192 → 192, dense 192 → 20 (linear).

use std::sync::{Arc, OnceLock};

use crate::analysis::NB_FEATURES;
use crate::burg::BURG_CEPSTRUM_SIZE;
use crate::nnet::{compute_generic_dense, compute_generic_gru, Activation, LinearLayer};
use crate::weights::{LinearSpec, WeightBlob, WeightsError};

/// Inputs of the predictor: Burg cepstrum, features, flag.
pub const PLC_INPUT_SIZE: usize = BURG_CEPSTRUM_SIZE + NB_FEATURES + 1;
/// Index of the flag among the inputs.
pub const PLC_FLAG_INDEX: usize = BURG_CEPSTRUM_SIZE + NB_FEATURES;
/// Output of the input layer (`PLC_DENSE_IN_OUT_SIZE`).
const DENSE_IN_OUT: usize = 128;
/// Units of the first GRU (`PLC_GRU1_STATE_SIZE`).
pub const PLC_GRU1_STATE_SIZE: usize = 192;
/// Units of the second GRU (`PLC_GRU2_STATE_SIZE`).
pub const PLC_GRU2_STATE_SIZE: usize = 192;

/// The predictor's weights (libopus `PLCModel`), immutable; share them through [`Arc`].
#[derive(Clone, Debug, PartialEq)]
pub struct PlcModel {
    dense_in: LinearLayer,
    dense_out: LinearLayer,
    gru1_input: LinearLayer,
    gru1_recurrent: LinearLayer,
    gru2_input: LinearLayer,
    gru2_recurrent: LinearLayer,
}

fn load(blob: &WeightBlob<'_>, prefix: &str, int8: bool, nb_inputs: usize, nb_outputs: usize) -> Result<LinearLayer, WeightsError> {
    let bias = format!("{prefix}_bias");
    let subias = format!("{prefix}_subias");
    let weights = format!("{prefix}_weights_int8");
    let float_weights = format!("{prefix}_weights_float");
    let scale = format!("{prefix}_scale");
    let spec = LinearSpec {
        bias: Some(&bias),
        subias: int8.then_some(subias.as_str()),
        weights: int8.then_some(weights.as_str()),
        float_weights: Some(&float_weights),
        weights_idx: None,
        diag: None,
        scale: int8.then_some(scale.as_str()),
        nb_inputs,
        nb_outputs,
    };
    LinearLayer::from_blob(blob, &spec)
}

impl PlcModel {
    /// Loads the model from a weight blob, with the array names and shapes of libopus's
    /// `init_plcmodel`.
    ///
    /// # Errors
    /// A [`WeightsError`] naming the first array that is missing or has the wrong size.
    pub fn from_blob(blob: &WeightBlob<'_>) -> Result<Self, WeightsError> {
        Ok(PlcModel {
            dense_in: load(blob, "plc_dense_in", false, PLC_INPUT_SIZE, DENSE_IN_OUT)?,
            dense_out: load(blob, "plc_dense_out", false, PLC_GRU2_STATE_SIZE, NB_FEATURES)?,
            gru1_input: load(blob, "plc_gru1_input", true, DENSE_IN_OUT, 3 * PLC_GRU1_STATE_SIZE)?,
            gru1_recurrent: load(blob, "plc_gru1_recurrent", true, PLC_GRU1_STATE_SIZE, 3 * PLC_GRU1_STATE_SIZE)?,
            gru2_input: load(blob, "plc_gru2_input", true, PLC_GRU1_STATE_SIZE, 3 * PLC_GRU2_STATE_SIZE)?,
            gru2_recurrent: load(blob, "plc_gru2_recurrent", true, PLC_GRU2_STATE_SIZE, 3 * PLC_GRU2_STATE_SIZE)?,
        })
    }

    /// The model built from libopus 1.6.1's weights, loaded on first use and shared
    /// afterwards.
    ///
    /// # Errors
    /// Only with a corrupted build (see [`crate::weights::default_blob`]).
    pub fn default_model() -> Result<Arc<PlcModel>, WeightsError> {
        static CELL: OnceLock<Result<Arc<PlcModel>, WeightsError>> = OnceLock::new();
        CELL.get_or_init(|| {
            let blob = crate::weights::default_blob()?;
            PlcModel::from_blob(blob).map(Arc::new)
        })
        .clone()
    }

    /// One step of the predictor (libopus `compute_plc_pred`): updates `net` from `input`
    /// ([`PLC_INPUT_SIZE`] values) and writes the predicted features ([`NB_FEATURES`]).
    ///
    /// # Panics
    /// If `input` or `out` is too short.
    pub fn predict(&self, net: &mut PlcNetState, out: &mut [f32], input: &[f32]) {
        let mut tmp = [0.0f32; DENSE_IN_OUT];
        compute_generic_dense(&self.dense_in, &mut tmp, input, Activation::Tanh);
        compute_generic_gru(&self.gru1_input, &self.gru1_recurrent, &mut net.gru1_state, &tmp);
        compute_generic_gru(&self.gru2_input, &self.gru2_recurrent, &mut net.gru2_state, &net.gru1_state);
        compute_generic_dense(&self.dense_out, out, &net.gru2_state, Activation::Linear);
    }
}

/// The predictor's recurrent state (libopus `PLCNetState`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlcNetState {
    /// First GRU.
    pub gru1_state: [f32; PLC_GRU1_STATE_SIZE],
    /// Second GRU.
    pub gru2_state: [f32; PLC_GRU2_STATE_SIZE],
}

impl Default for PlcNetState {
    fn default() -> Self {
        PlcNetState { gru1_state: [0.0; PLC_GRU1_STATE_SIZE], gru2_state: [0.0; PLC_GRU2_STATE_SIZE] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicts_from_zero_state() {
        let model = PlcModel::default_model().expect("model");
        let mut net = PlcNetState::default();
        let mut out = [0.0f32; NB_FEATURES];
        let mut input = [0.0f32; PLC_INPUT_SIZE];
        input[PLC_FLAG_INDEX] = 1.0;
        model.predict(&mut net, &mut out, &input);
        assert!(out.iter().all(|v| v.is_finite()));
        assert_ne!(net, PlcNetState::default());
    }
}

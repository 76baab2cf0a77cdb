//! The RDO-VAE decoder network (libopus 1.6.1 `dnn/dred_rdovae_dec.c`, layer shapes from
//! `dnn/dred_rdovae_dec_data.c`).
//!
//! Input: the decoder's initial state ([`STATE_DIM`] values) and a sequence of latent vectors
//! ([`DEC_INPUT_DIM`] values each: [`LATENT_DIM`] dequantised latents and the quantiser
//! level), newest first. Output: four 10 ms feature frames per latent, also newest first, so
//! the decoder walks backwards in time.
//!
//! Topology, per latent:
//!
//! 1. `dense1` (26 → 96, tanh) starts a running buffer;
//! 2. five blocks, each: a GRU (64 units) fed with the whole buffer so far, a GLU on its state
//!    (64 values appended), a dense layer on the buffer (→ 32, tanh), and a kernel-2
//!    convolution over time of that dense output (32 values appended);
//! 3. `dec_output` (576 → 80, linear) maps the buffer to the four frames.
//!
//! The GRU states start from the initial state through `dec_hidden_init` (50 → 128, tanh)
//! and `dec_gru_init` (128 → 320, tanh); the convolution memories start at zero.
//!
//! Every float operation goes through [`lpcnet::nnet`], so the output is bit-exact with
//! libopus's generic C build.

use std::sync::{Arc, OnceLock};

use lpcnet::nnet::{
    compute_generic_conv1d, compute_generic_dense, compute_generic_gru, compute_glu, Activation, LinearLayer,
};
use lpcnet::weights::{LinearSpec, WeightBlob, WeightsError};

use crate::constants::{
    DEC_BLOCKS, DEC_BUFFER_SIZE, DEC_CONV_OUT, DEC_CONV_STATE, DEC_DENSE1_OUT, DEC_GRU_INIT_OUT, DEC_GRU_STATE,
    DEC_HIDDEN_INIT_OUT, DEC_INPUT_DIM, DEC_OUTPUT_DIM, STATE_DIM,
};

/// How a layer's weights are stored, which fixes the array names it loads.
#[derive(Clone, Copy)]
enum Storage {
    /// `<name>_bias` and `<name>_weights_float`.
    Float,
    /// Dense int8: bias, subias, int8 weights, optional float weights, scale.
    Int8,
    /// Block-sparse int8: as [`Storage::Int8`] plus `<name>_weights_idx`.
    SparseInt8,
}

fn load(
    blob: &WeightBlob<'_>,
    name: &str,
    storage: Storage,
    nb_inputs: usize,
    nb_outputs: usize,
) -> Result<LinearLayer, WeightsError> {
    let bias = format!("{name}_bias");
    let subias = format!("{name}_subias");
    let weights = format!("{name}_weights_int8");
    let float_weights = format!("{name}_weights_float");
    let weights_idx = format!("{name}_weights_idx");
    let scale = format!("{name}_scale");
    let int8 = !matches!(storage, Storage::Float);
    let spec = LinearSpec {
        bias: Some(&bias),
        subias: int8.then_some(subias.as_str()),
        weights: int8.then_some(weights.as_str()),
        float_weights: Some(&float_weights),
        weights_idx: matches!(storage, Storage::SparseInt8).then_some(weights_idx.as_str()),
        diag: None,
        scale: int8.then_some(scale.as_str()),
        nb_inputs,
        nb_outputs,
    };
    LinearLayer::from_blob(blob, &spec)
}

/// One of the five GRU/GLU/convolution blocks of the decoder.
#[derive(Clone, Debug, PartialEq)]
struct Block {
    gru_input: LinearLayer,
    gru_recurrent: LinearLayer,
    glu: LinearLayer,
    conv_dense: LinearLayer,
    conv: LinearLayer,
}

/// The RDO-VAE decoder's weights (libopus `RDOVAEDec`), immutable; share them through
/// [`Arc`].
#[derive(Clone, Debug, PartialEq)]
pub struct RdovaeDec {
    hidden_init: LinearLayer,
    gru_init: LinearLayer,
    dense1: LinearLayer,
    blocks: [Block; DEC_BLOCKS],
    output: LinearLayer,
}

impl RdovaeDec {
    /// Loads the decoder from a weight blob, with the array names and shapes of libopus's
    /// `init_rdovaedec`.
    ///
    /// # Errors
    /// A [`WeightsError`] naming the first array that is missing or has the wrong size.
    pub fn from_blob(blob: &WeightBlob<'_>) -> Result<Self, WeightsError> {
        let block = |k: usize| -> Result<Block, WeightsError> {
            let n = k + 1;
            // The buffer holds dense1 and k earlier blocks when block k starts.
            let gru_in = DEC_DENSE1_OUT + k * (DEC_GRU_STATE + DEC_CONV_OUT);
            Ok(Block {
                gru_input: load(blob, &format!("dec_gru{n}_input"), Storage::SparseInt8, gru_in, 3 * DEC_GRU_STATE)?,
                gru_recurrent: load(
                    blob,
                    &format!("dec_gru{n}_recurrent"),
                    Storage::Int8,
                    DEC_GRU_STATE,
                    3 * DEC_GRU_STATE,
                )?,
                glu: load(blob, &format!("dec_glu{n}"), Storage::Int8, DEC_GRU_STATE, DEC_GRU_STATE)?,
                conv_dense: load(
                    blob,
                    &format!("dec_conv_dense{n}"),
                    Storage::SparseInt8,
                    gru_in + DEC_GRU_STATE,
                    DEC_CONV_OUT,
                )?,
                conv: load(blob, &format!("dec_conv{n}"), Storage::Int8, DEC_CONV_STATE + DEC_CONV_OUT, DEC_CONV_OUT)?,
            })
        };
        Ok(RdovaeDec {
            dense1: load(blob, "dec_dense1", Storage::Float, DEC_INPUT_DIM, DEC_DENSE1_OUT)?,
            hidden_init: load(blob, "dec_hidden_init", Storage::Float, STATE_DIM, DEC_HIDDEN_INIT_OUT)?,
            gru_init: load(blob, "dec_gru_init", Storage::SparseInt8, DEC_HIDDEN_INIT_OUT, DEC_GRU_INIT_OUT)?,
            blocks: [block(0)?, block(1)?, block(2)?, block(3)?, block(4)?],
            output: load(blob, "dec_output", Storage::SparseInt8, DEC_BUFFER_SIZE, DEC_OUTPUT_DIM)?,
        })
    }

    /// The decoder built from libopus 1.6.1's weights, loaded on first use and shared
    /// afterwards.
    ///
    /// # Errors
    /// Only with a corrupted build (see [`lpcnet::weights::default_blob`]).
    pub fn default_model() -> Result<Arc<RdovaeDec>, WeightsError> {
        static CELL: OnceLock<Result<Arc<RdovaeDec>, WeightsError>> = OnceLock::new();
        CELL.get_or_init(|| {
            let blob = lpcnet::weights::default_blob()?;
            RdovaeDec::from_blob(blob).map(Arc::new)
        })
        .clone()
    }

    /// Decodes one latent into four feature frames (libopus `dred_rdovae_decode_qframe`).
    ///
    /// `input` holds [`DEC_INPUT_DIM`] values; `qframe` receives [`DEC_OUTPUT_DIM`] values,
    /// four frames of [`crate::constants::NUM_FEATURES`], newest first.
    ///
    /// # Panics
    /// If `input` or `qframe` is too short.
    pub fn decode_qframe(&self, state: &mut RdovaeDecState, qframe: &mut [f32], input: &[f32]) {
        let mut buffer = [0.0f32; DEC_BUFFER_SIZE];
        let mut conv_tmp = [0.0f32; DEC_CONV_OUT];
        compute_generic_dense(&self.dense1, &mut buffer[..DEC_DENSE1_OUT], &input[..DEC_INPUT_DIM], Activation::Tanh);
        let mut filled = DEC_DENSE1_OUT;
        for ((block, gru_state), conv_state) in self.blocks.iter().zip(&mut state.gru_state).zip(&mut state.conv_state)
        {
            compute_generic_gru(&block.gru_input, &block.gru_recurrent, gru_state, &buffer[..filled]);
            compute_glu(&block.glu, &mut buffer[filled..filled + DEC_GRU_STATE], gru_state);
            filled += DEC_GRU_STATE;
            compute_generic_dense(&block.conv_dense, &mut conv_tmp, &buffer[..filled], Activation::Tanh);
            compute_generic_conv1d(
                &block.conv,
                &mut buffer[filled..filled + DEC_CONV_OUT],
                conv_state,
                &conv_tmp,
                Activation::Tanh,
            );
            filled += DEC_CONV_OUT;
        }
        debug_assert_eq!(filled, DEC_BUFFER_SIZE);
        compute_generic_dense(&self.output, &mut qframe[..DEC_OUTPUT_DIM], &buffer, Activation::Linear);
    }

    /// Decodes `nb_latents` latents from `initial_state` (libopus `DRED_rdovae_decode_all`).
    ///
    /// `latents` holds [`DEC_INPUT_DIM`] values per latent, newest first; `features`
    /// receives [`DEC_OUTPUT_DIM`] values per latent, newest frame first. Entries of
    /// `features` past `nb_latents · DEC_OUTPUT_DIM` are left untouched.
    ///
    /// # Panics
    /// If `initial_state` is shorter than [`STATE_DIM`], or `latents` or `features` is too
    /// short for `nb_latents`.
    pub fn decode_all(&self, features: &mut [f32], initial_state: &[f32], latents: &[f32], nb_latents: usize) {
        let mut state = RdovaeDecState::new(self, initial_state);
        let latents = latents[..nb_latents * DEC_INPUT_DIM].chunks_exact(DEC_INPUT_DIM);
        let frames = features[..nb_latents * DEC_OUTPUT_DIM].chunks_exact_mut(DEC_OUTPUT_DIM);
        for (qframe, latent) in frames.zip(latents) {
            self.decode_qframe(&mut state, qframe, latent);
        }
    }
}

/// The decoder's recurrent state (libopus `RDOVAEDecState`): five GRU states and five
/// one-frame convolution memories.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RdovaeDecState {
    gru_state: [[f32; DEC_GRU_STATE]; DEC_BLOCKS],
    conv_state: [[f32; DEC_CONV_STATE]; DEC_BLOCKS],
}

impl RdovaeDecState {
    /// A state ready to decode the newest latent, from the transmitted initial state.
    ///
    /// # Panics
    /// If `initial_state` is shorter than [`STATE_DIM`].
    pub fn new(model: &RdovaeDec, initial_state: &[f32]) -> Self {
        let mut state = RdovaeDecState {
            gru_state: [[0.0; DEC_GRU_STATE]; DEC_BLOCKS],
            conv_state: [[0.0; DEC_CONV_STATE]; DEC_BLOCKS],
        };
        state.init_states(model, initial_state);
        state
    }

    /// Re-initialises the state (libopus `dred_rdovae_dec_init_states`): the GRU states come
    /// from `initial_state`, the convolution memories are cleared.
    ///
    /// libopus clears the memories lazily, on the next frame, and only those of the first
    /// block; it only ever uses zeroed states, where both ways agree.
    ///
    /// # Panics
    /// If `initial_state` is shorter than [`STATE_DIM`].
    pub fn init_states(&mut self, model: &RdovaeDec, initial_state: &[f32]) {
        let mut hidden = [0.0f32; DEC_HIDDEN_INIT_OUT];
        let mut state_init = [0.0f32; DEC_GRU_INIT_OUT];
        compute_generic_dense(&model.hidden_init, &mut hidden, &initial_state[..STATE_DIM], Activation::Tanh);
        compute_generic_dense(&model.gru_init, &mut state_init, &hidden, Activation::Tanh);
        for (dst, src) in self.gru_state.iter_mut().zip(state_init.chunks_exact(DEC_GRU_STATE)) {
            dst.copy_from_slice(src);
        }
        self.conv_state = [[0.0; DEC_CONV_STATE]; DEC_BLOCKS];
    }

    /// The GRU states, block by block.
    pub fn gru_states(&self) -> &[[f32; DEC_GRU_STATE]; DEC_BLOCKS] {
        &self.gru_state
    }

    /// The convolution memories, block by block.
    pub fn conv_states(&self) -> &[[f32; DEC_CONV_STATE]; DEC_BLOCKS] {
        &self.conv_state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::LATENT_DIM;

    #[test]
    fn loads_and_decodes() {
        let model = RdovaeDec::default_model().expect("model");
        let state = [0.1f32; STATE_DIM];
        let mut latents = [0.0f32; 3 * DEC_INPUT_DIM];
        for (i, v) in latents.iter_mut().enumerate() {
            *v = if i % DEC_INPUT_DIM == LATENT_DIM { -0.25 } else { ((i * 7) % 11) as f32 / 11.0 - 0.5 };
        }
        let mut features = [f32::NAN; 4 * DEC_OUTPUT_DIM];
        model.decode_all(&mut features, &state, &latents, 3);
        assert!(features[..3 * DEC_OUTPUT_DIM].iter().all(|v| v.is_finite()));
        assert!(features[3 * DEC_OUTPUT_DIM..].iter().all(|v| v.is_nan()));

        // Frame-by-frame decoding matches decode_all.
        let mut st = RdovaeDecState::new(&model, &state);
        let mut q = [0.0f32; DEC_OUTPUT_DIM];
        for k in 0..3 {
            model.decode_qframe(&mut st, &mut q, &latents[k * DEC_INPUT_DIM..]);
            assert_eq!(&q[..], &features[k * DEC_OUTPUT_DIM..(k + 1) * DEC_OUTPUT_DIM]);
        }
        // Re-initialising gives a fresh state.
        st.init_states(&model, &state);
        assert_eq!(st, RdovaeDecState::new(&model, &state));
    }
}

//! FARGAN, the neural vocoder that turns 20-value feature vectors into 16 kHz speech
//! (libopus 1.6.1 `dnn/fargan.c`, weights `dnn/fargan_data.c`).
//!
//! Input: one feature vector (18 cepstral values, pitch, pitch correlation) per 10 ms frame.
//! Output: 160 samples per frame, on the ±1 scale ([`FarganState::synthesize`]) or as int16
//! ([`FarganState::synthesize_int`]).
//!
//! Each frame runs a *conditioning* network once (features plus a learnt embedding of the
//! pitch period, a dense layer, a 3-tap convolution over frames and a second dense layer),
//! giving one 80-value condition per 40-sample subframe. Each subframe then runs the
//! *signal* network: a gain, a long-term prediction read from the past excitation at the
//! pitch period, a 2-tap convolution, three GRUs whose inputs are gated by learnt pitch
//! gains, and a skip layer producing 40 excitation samples, which are de-emphasised.
//!
//! The vocoder must first be primed from real audio with [`FarganState::cont`]; packet-loss
//! concealment does that at the start of each loss.

use std::sync::{Arc, OnceLock};

use crate::analysis::NB_FEATURES;
use crate::nnet::{
    compute_generic_conv1d, compute_generic_dense, compute_generic_gru, compute_glu, compute_glu_inplace,
    Activation, LinearLayer,
};
use crate::pitchdnn::PITCH_MAX_PERIOD;
use crate::tables::NB_BANDS;
use crate::weights::{LinearSpec, WeightBlob, WeightsError};

/// Samples of history [`FarganState::cont`] needs (libopus `FARGAN_CONT_SAMPLES`).
pub const FARGAN_CONT_SAMPLES: usize = 320;
/// Feature vectors [`FarganState::cont`] needs (libopus `CONT_VECTORS`).
pub const FARGAN_CONT_VECTORS: usize = 5;
/// Subframes per frame (libopus `FARGAN_NB_SUBFRAMES`).
pub const FARGAN_NB_SUBFRAMES: usize = 4;
/// Samples per subframe (libopus `FARGAN_SUBFRAME_SIZE`).
pub const FARGAN_SUBFRAME_SIZE: usize = 40;
/// Samples per frame, 10 ms at 16 kHz (libopus `FARGAN_FRAME_SIZE`).
pub const FARGAN_FRAME_SIZE: usize = FARGAN_NB_SUBFRAMES * FARGAN_SUBFRAME_SIZE;
/// De-emphasis coefficient of the output (libopus `FARGAN_DEEMPHASIS`).
pub const FARGAN_DEEMPHASIS: f32 = 0.85;

/// Width of the pitch embedding (`COND_NET_PEMBED_OUT_SIZE`).
const PEMBED_OUT: usize = 12;
/// Rows of the pitch embedding table: periods 32..=255.
const PEMBED_ROWS: usize = 224;
/// Smallest period with its own embedding row.
const PEMBED_MIN_PERIOD: i64 = 32;
/// Output of the first conditioning dense layer (`COND_NET_FDENSE1_OUT_SIZE`).
const FDENSE1_OUT: usize = 64;
/// Taps of the conditioning convolution.
const FCONV1_TAPS: usize = 3;
/// Output of the conditioning convolution (`COND_NET_FCONV1_OUT_SIZE`).
const FCONV1_OUT: usize = 128;
/// Memory of the conditioning convolution (`COND_NET_FCONV1_STATE_SIZE`).
const FCONV1_STATE: usize = FDENSE1_OUT * (FCONV1_TAPS - 1);
/// Output of the conditioning network: four subframe conditions (`COND_NET_FDENSE2_OUT_SIZE`).
const FDENSE2_OUT: usize = 320;
/// One subframe's condition (`FARGAN_COND_SIZE`).
pub const FARGAN_COND_SIZE: usize = FDENSE2_OUT / FARGAN_NB_SUBFRAMES;
/// Samples of long-term prediction per subframe: the subframe plus two on each side.
const PRED_LEN: usize = FARGAN_SUBFRAME_SIZE + 4;
/// Input of the signal network's convolution per subframe (`SIG_NET_INPUT_SIZE`).
const SIG_INPUT: usize = FARGAN_COND_SIZE + 2 * FARGAN_SUBFRAME_SIZE + 4;
/// Output of that convolution and of its GLU (`SIG_NET_FWC0_CONV_OUT_SIZE`).
const FWC0_OUT: usize = 192;
/// GRU sizes (`SIG_NET_GRU{1,2,3}_STATE_SIZE`).
const GRU1: usize = 160;
const GRU2: usize = 128;
const GRU3: usize = 128;
/// Input of the skip layer: the three GLU outputs, the convolution output, gated prediction
/// and previous output.
const SKIP_IN: usize = GRU1 + GRU2 + GRU3 + FWC0_OUT + 2 * FARGAN_SUBFRAME_SIZE;
/// Output of the skip layer (`SIG_NET_SKIP_DENSE_OUT_SIZE`).
const SKIP_OUT: usize = 128;
/// Number of pitch gates (one per GRU input and one for the skip layer).
const PITCH_GATES: usize = 4;

/// The FARGAN weights (libopus `FARGAN`), immutable; share them through [`Arc`].
#[derive(Clone, Debug, PartialEq)]
pub struct Fargan {
    cond_net_pembed: LinearLayer,
    cond_net_fdense1: LinearLayer,
    cond_net_fconv1: LinearLayer,
    cond_net_fdense2: LinearLayer,
    sig_net_cond_gain_dense: LinearLayer,
    sig_net_fwc0_conv: LinearLayer,
    sig_net_fwc0_glu_gate: LinearLayer,
    sig_net_gru1_input: LinearLayer,
    sig_net_gru1_recurrent: LinearLayer,
    sig_net_gru2_input: LinearLayer,
    sig_net_gru2_recurrent: LinearLayer,
    sig_net_gru3_input: LinearLayer,
    sig_net_gru3_recurrent: LinearLayer,
    sig_net_gru1_glu_gate: LinearLayer,
    sig_net_gru2_glu_gate: LinearLayer,
    sig_net_gru3_glu_gate: LinearLayer,
    sig_net_skip_glu_gate: LinearLayer,
    sig_net_skip_dense: LinearLayer,
    sig_net_sig_dense_out: LinearLayer,
    sig_net_gain_dense_out: LinearLayer,
}

/// How a layer's arrays are named in `fargan_data.c`.
#[derive(Clone, Copy)]
enum Kind {
    /// Float weights and a bias.
    Float,
    /// int8 weights with scale, bias, subias and an optional float copy.
    Int8,
    /// As [`Kind::Int8`] without a bias (the GRUs, whose true bias is zero).
    Int8NoBias,
}

fn load(blob: &WeightBlob<'_>, prefix: &str, kind: Kind, nb_inputs: usize, nb_outputs: usize) -> Result<LinearLayer, WeightsError> {
    let bias = format!("{prefix}_bias");
    let subias = format!("{prefix}_subias");
    let weights = format!("{prefix}_weights_int8");
    let float_weights = format!("{prefix}_weights_float");
    let scale = format!("{prefix}_scale");
    let int8 = !matches!(kind, Kind::Float);
    let spec = LinearSpec {
        bias: (!matches!(kind, Kind::Int8NoBias)).then_some(bias.as_str()),
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

impl Fargan {
    /// Loads the model from a weight blob, with the array names and shapes of libopus's
    /// `init_fargan`.
    ///
    /// # Errors
    /// A [`WeightsError`] naming the first array that is missing or has the wrong size.
    pub fn from_blob(blob: &WeightBlob<'_>) -> Result<Self, WeightsError> {
        use Kind::{Float, Int8, Int8NoBias};
        let conv_in = 2 * SIG_INPUT;
        Ok(Fargan {
            cond_net_pembed: load(blob, "cond_net_pembed", Float, PEMBED_ROWS, PEMBED_OUT)?,
            cond_net_fdense1: load(blob, "cond_net_fdense1", Float, NB_FEATURES + PEMBED_OUT, FDENSE1_OUT)?,
            cond_net_fconv1: load(blob, "cond_net_fconv1", Int8, FCONV1_TAPS * FDENSE1_OUT, FCONV1_OUT)?,
            cond_net_fdense2: load(blob, "cond_net_fdense2", Int8, FCONV1_OUT, FDENSE2_OUT)?,
            sig_net_cond_gain_dense: load(blob, "sig_net_cond_gain_dense", Float, FARGAN_COND_SIZE, 1)?,
            sig_net_fwc0_conv: load(blob, "sig_net_fwc0_conv", Int8, conv_in, FWC0_OUT)?,
            sig_net_fwc0_glu_gate: load(blob, "sig_net_fwc0_glu_gate", Int8, FWC0_OUT, FWC0_OUT)?,
            sig_net_gru1_input: load(blob, "sig_net_gru1_input", Int8NoBias, FWC0_OUT + 2 * FARGAN_SUBFRAME_SIZE, 3 * GRU1)?,
            sig_net_gru1_recurrent: load(blob, "sig_net_gru1_recurrent", Int8NoBias, GRU1, 3 * GRU1)?,
            sig_net_gru2_input: load(blob, "sig_net_gru2_input", Int8NoBias, GRU1 + 2 * FARGAN_SUBFRAME_SIZE, 3 * GRU2)?,
            sig_net_gru2_recurrent: load(blob, "sig_net_gru2_recurrent", Int8NoBias, GRU2, 3 * GRU2)?,
            sig_net_gru3_input: load(blob, "sig_net_gru3_input", Int8NoBias, GRU2 + 2 * FARGAN_SUBFRAME_SIZE, 3 * GRU3)?,
            sig_net_gru3_recurrent: load(blob, "sig_net_gru3_recurrent", Int8NoBias, GRU3, 3 * GRU3)?,
            sig_net_gru1_glu_gate: load(blob, "sig_net_gru1_glu_gate", Int8, GRU1, GRU1)?,
            sig_net_gru2_glu_gate: load(blob, "sig_net_gru2_glu_gate", Int8, GRU2, GRU2)?,
            sig_net_gru3_glu_gate: load(blob, "sig_net_gru3_glu_gate", Int8, GRU3, GRU3)?,
            sig_net_skip_glu_gate: load(blob, "sig_net_skip_glu_gate", Int8, SKIP_OUT, SKIP_OUT)?,
            sig_net_skip_dense: load(blob, "sig_net_skip_dense", Int8, SKIP_IN, SKIP_OUT)?,
            sig_net_sig_dense_out: load(blob, "sig_net_sig_dense_out", Int8, SKIP_OUT, FARGAN_SUBFRAME_SIZE)?,
            sig_net_gain_dense_out: load(blob, "sig_net_gain_dense_out", Float, FWC0_OUT, PITCH_GATES)?,
        })
    }

    /// The model built from libopus 1.6.1's weights ([`crate::weights::default_blob`]),
    /// loaded on first use and shared afterwards.
    ///
    /// # Errors
    /// Only with a corrupted build (see [`crate::weights::default_blob`]).
    pub fn default_model() -> Result<Arc<Fargan>, WeightsError> {
        static CELL: OnceLock<Result<Arc<Fargan>, WeightsError>> = OnceLock::new();
        CELL.get_or_init(|| {
            let blob = crate::weights::default_blob()?;
            Fargan::from_blob(blob).map(Arc::new)
        })
        .clone()
    }

    /// The pitch embedding row for `period`, clamped to the table.
    fn pitch_embedding(&self, period: i32) -> &[f32] {
        let row = (i64::from(period) - PEMBED_MIN_PERIOD).clamp(0, PEMBED_ROWS as i64 - 1) as usize;
        match self.cond_net_pembed.float_weights() {
            Some(w) => &w[row * PEMBED_OUT..(row + 1) * PEMBED_OUT],
            // The loader insists on float weights for this layer only through the size
            // check; a blob without them gives a zero embedding rather than a panic.
            None => &[0.0; PEMBED_OUT],
        }
    }
}

/// Pitch period in samples from the pitch feature: `floor(0.5 + 256 / 2^(f + 1.5))`,
/// evaluated in double precision as libopus does.
///
/// Values outside the `i32` range, and NaN, give `i32::MIN`, as the x86 conversion does.
pub fn period_from_feature(pitch_feature: f32) -> i32 {
    let p = (0.5 + 256.0 / 2.0f64.powf((1.0 / 60.0) * ((f64::from(pitch_feature) + 1.5) * 60.0))).floor();
    if (-2147483648.0..2147483648.0).contains(&p) {
        p as i32
    } else {
        i32::MIN
    }
}

/// libopus's `MIN32`/`MAX32` clamp to ±1 in float builds (NaN passes through).
#[inline]
fn clamp_unit(x: f32) -> f32 {
    let x = if -1.0 > x { -1.0 } else { x };
    if 1.0 < x {
        1.0
    } else {
        x
    }
}

/// FARGAN with its recurrent state (libopus `FARGANState`).
///
/// About 4 KiB of state; the weights are shared through an [`Arc`].
#[derive(Clone, Debug)]
pub struct FarganState {
    model: Arc<Fargan>,
    cont_initialized: bool,
    deemph_mem: f32,
    /// Past excitation (pre-emphasised output), newest last.
    pitch_buf: [f32; PITCH_MAX_PERIOD],
    cond_conv1_state: [f32; FCONV1_STATE],
    fwc0_mem: [f32; SIG_INPUT],
    gru1_state: [f32; GRU1],
    gru2_state: [f32; GRU2],
    gru3_state: [f32; GRU3],
    last_period: i32,
}

impl FarganState {
    /// A zeroed state running `model` (libopus `fargan_init`).
    pub fn new(model: Arc<Fargan>) -> Self {
        FarganState {
            model,
            cont_initialized: false,
            deemph_mem: 0.0,
            pitch_buf: [0.0; PITCH_MAX_PERIOD],
            cond_conv1_state: [0.0; FCONV1_STATE],
            fwc0_mem: [0.0; SIG_INPUT],
            gru1_state: [0.0; GRU1],
            gru2_state: [0.0; GRU2],
            gru3_state: [0.0; GRU3],
            last_period: 0,
        }
    }

    /// A zeroed state with libopus 1.6.1's weights.
    ///
    /// # Errors
    /// Only with a corrupted build (see [`crate::weights::default_blob`]).
    pub fn with_default_model() -> Result<Self, WeightsError> {
        Ok(Self::new(Fargan::default_model()?))
    }

    /// Returns to the freshly created state, keeping the model. Does not allocate.
    pub fn reset(&mut self) {
        let model = Arc::clone(&self.model);
        *self = Self::new(model);
    }

    /// Replaces the weights, keeping the state (libopus `fargan_load_model`).
    pub fn set_model(&mut self, model: Arc<Fargan>) {
        self.model = model;
    }

    /// The weights.
    pub fn model(&self) -> &Arc<Fargan> {
        &self.model
    }

    /// Whether [`FarganState::cont`] has run since creation.
    pub fn is_initialized(&self) -> bool {
        self.cont_initialized
    }

    /// The period the next frame's subframes will use.
    pub fn last_period(&self) -> i32 {
        self.last_period
    }

    /// The de-emphasis memory.
    pub fn deemph_mem(&self) -> f32 {
        self.deemph_mem
    }

    /// The excitation history (newest sample last).
    pub fn pitch_buf(&self) -> &[f32; PITCH_MAX_PERIOD] {
        &self.pitch_buf
    }

    /// The three GRU states of the signal network.
    pub fn gru_states(&self) -> (&[f32; GRU1], &[f32; GRU2], &[f32; GRU3]) {
        (&self.gru1_state, &self.gru2_state, &self.gru3_state)
    }

    /// The conditioning network for one frame (libopus `compute_fargan_cond`).
    fn compute_cond(&mut self, cond: &mut [f32; FDENSE2_OUT], features: &[f32], period: i32) {
        let model = &*self.model;
        let mut dense_in = [0.0f32; NB_FEATURES + PEMBED_OUT];
        dense_in[..NB_FEATURES].copy_from_slice(&features[..NB_FEATURES]);
        dense_in[NB_FEATURES..].copy_from_slice(model.pitch_embedding(period));
        let mut conv1_in = [0.0f32; FDENSE1_OUT];
        compute_generic_dense(&model.cond_net_fdense1, &mut conv1_in, &dense_in, Activation::Tanh);
        let mut fdense2_in = [0.0f32; FCONV1_OUT];
        compute_generic_conv1d(
            &model.cond_net_fconv1,
            &mut fdense2_in,
            &mut self.cond_conv1_state,
            &conv1_in,
            Activation::Tanh,
        );
        compute_generic_dense(&model.cond_net_fdense2, cond, &fdense2_in, Activation::Tanh);
    }

    /// Sample `i` of the excitation history. libopus lets the long-term prediction run one
    /// past the end of its buffer when the period is 0, into the next member of its state
    /// (the conditioning convolution's memory); that is reproduced here.
    #[inline]
    fn history(&self, i: usize) -> f32 {
        match self.pitch_buf.get(i) {
            Some(&v) => v,
            None => self.cond_conv1_state.get(i - PITCH_MAX_PERIOD).copied().unwrap_or(0.0),
        }
    }

    /// The signal network for one subframe (libopus `run_fargan_subframe`): writes 40
    /// de-emphasised samples into `pcm`.
    fn run_subframe(&mut self, pcm: &mut [f32], cond: &[f32], period: i32) {
        debug_assert!(self.cont_initialized);
        let model = Arc::clone(&self.model);
        let model = &*model;

        let mut gain = [0.0f32; 1];
        compute_generic_dense(&model.sig_net_cond_gain_dense, &mut gain, cond, Activation::Linear);
        let gain = f64::from(gain[0]).exp() as f32;
        let gain_1 = 1.0f32 / (1e-5f32 + gain);

        // Long-term prediction from the excitation `period` samples back, repeating the last
        // period when it is shorter than the subframe.
        let mut pred = [0.0f32; PRED_LEN];
        let period64 = i64::from(period);
        let mut pos = PITCH_MAX_PERIOD as i64 - period64 - 2;
        for p in pred.iter_mut() {
            *p = clamp_unit(gain_1 * self.history(pos.max(0) as usize));
            pos += 1;
            if pos == PITCH_MAX_PERIOD as i64 {
                pos -= period64;
            }
        }
        let mut prev = [0.0f32; FARGAN_SUBFRAME_SIZE];
        for (i, p) in prev.iter_mut().enumerate() {
            let x = gain_1 * self.pitch_buf[PITCH_MAX_PERIOD - FARGAN_SUBFRAME_SIZE + i];
            let x = if 1.0 < x { 1.0 } else { x };
            *p = if -1.0 > x { -1.0 } else { x };
        }

        let mut fwc0_in = [0.0f32; SIG_INPUT];
        fwc0_in[..FARGAN_COND_SIZE].copy_from_slice(&cond[..FARGAN_COND_SIZE]);
        fwc0_in[FARGAN_COND_SIZE..FARGAN_COND_SIZE + PRED_LEN].copy_from_slice(&pred);
        fwc0_in[FARGAN_COND_SIZE + PRED_LEN..].copy_from_slice(&prev);

        // Convolution over two subframes, GLU, and the four pitch gates.
        let mut gru1_in = [0.0f32; FWC0_OUT + 2 * FARGAN_SUBFRAME_SIZE];
        compute_generic_conv1d(&model.sig_net_fwc0_conv, &mut gru1_in, &mut self.fwc0_mem, &fwc0_in, Activation::Tanh);
        compute_glu_inplace(&model.sig_net_fwc0_glu_gate, &mut gru1_in[..FWC0_OUT]);
        let mut pitch_gate = [0.0f32; PITCH_GATES];
        compute_generic_dense(&model.sig_net_gain_dense_out, &mut pitch_gate, &gru1_in, Activation::Sigmoid);

        let gated = |k: usize, dst: &mut [f32]| {
            for (d, &p) in dst.iter_mut().zip(&pred[2..2 + FARGAN_SUBFRAME_SIZE]) {
                *d = pitch_gate[k] * p;
            }
        };

        // Three GRUs, each fed the previous stage, gated prediction and previous output.
        gated(0, &mut gru1_in[FWC0_OUT..FWC0_OUT + FARGAN_SUBFRAME_SIZE]);
        gru1_in[FWC0_OUT + FARGAN_SUBFRAME_SIZE..].copy_from_slice(&prev);
        compute_generic_gru(&model.sig_net_gru1_input, &model.sig_net_gru1_recurrent, &mut self.gru1_state, &gru1_in);
        let mut gru2_in = [0.0f32; GRU1 + 2 * FARGAN_SUBFRAME_SIZE];
        compute_glu(&model.sig_net_gru1_glu_gate, &mut gru2_in, &self.gru1_state);

        gated(1, &mut gru2_in[GRU1..GRU1 + FARGAN_SUBFRAME_SIZE]);
        gru2_in[GRU1 + FARGAN_SUBFRAME_SIZE..].copy_from_slice(&prev);
        compute_generic_gru(&model.sig_net_gru2_input, &model.sig_net_gru2_recurrent, &mut self.gru2_state, &gru2_in);
        let mut gru3_in = [0.0f32; GRU2 + 2 * FARGAN_SUBFRAME_SIZE];
        compute_glu(&model.sig_net_gru2_glu_gate, &mut gru3_in, &self.gru2_state);

        gated(2, &mut gru3_in[GRU2..GRU2 + FARGAN_SUBFRAME_SIZE]);
        gru3_in[GRU2 + FARGAN_SUBFRAME_SIZE..].copy_from_slice(&prev);
        compute_generic_gru(&model.sig_net_gru3_input, &model.sig_net_gru3_recurrent, &mut self.gru3_state, &gru3_in);

        // Skip connection over every stage.
        let mut skip_cat = [0.0f32; SKIP_IN];
        let (glu1, rest) = skip_cat.split_at_mut(GRU1);
        let (glu2, rest) = rest.split_at_mut(GRU2);
        let (glu3, rest) = rest.split_at_mut(GRU3);
        let (fwc0, rest) = rest.split_at_mut(FWC0_OUT);
        let (gated_pred, prev_out) = rest.split_at_mut(FARGAN_SUBFRAME_SIZE);
        compute_glu(&model.sig_net_gru3_glu_gate, glu3, &self.gru3_state);
        glu1.copy_from_slice(&gru2_in[..GRU1]);
        glu2.copy_from_slice(&gru3_in[..GRU2]);
        fwc0.copy_from_slice(&gru1_in[..FWC0_OUT]);
        gated(3, gated_pred);
        prev_out.copy_from_slice(&prev);

        let mut skip_out = [0.0f32; SKIP_OUT];
        compute_generic_dense(&model.sig_net_skip_dense, &mut skip_out, &skip_cat, Activation::Tanh);
        compute_glu_inplace(&model.sig_net_skip_glu_gate, &mut skip_out);

        let pcm = &mut pcm[..FARGAN_SUBFRAME_SIZE];
        compute_generic_dense(&model.sig_net_sig_dense_out, pcm, &skip_out, Activation::Tanh);
        for v in pcm.iter_mut() {
            *v *= gain;
        }

        self.pitch_buf.copy_within(FARGAN_SUBFRAME_SIZE.., 0);
        self.pitch_buf[PITCH_MAX_PERIOD - FARGAN_SUBFRAME_SIZE..].copy_from_slice(pcm);
        for v in pcm.iter_mut() {
            *v += FARGAN_DEEMPHASIS * self.deemph_mem;
            self.deemph_mem = *v;
        }
    }

    /// Primes the vocoder to continue `pcm0` (libopus `fargan_cont`).
    ///
    /// `pcm0` holds the last [`FARGAN_CONT_SAMPLES`] samples of real audio (±1 scale) and
    /// `features0` the [`FARGAN_CONT_VECTORS`] feature vectors of the frames ending with it,
    /// [`NB_FEATURES`] values each, oldest first. The conditioning memory is filled from the
    /// features and the signal network is run teacher-forced over the last 10 ms; its GRU
    /// states carry over from earlier use.
    ///
    /// # Panics
    /// If `features0` is shorter than `5 × 20` values.
    pub fn cont(&mut self, pcm0: &[f32; FARGAN_CONT_SAMPLES], features0: &[f32]) {
        let mut cond = [0.0f32; FDENSE2_OUT];
        let mut period = 0i32;
        for features in features0[..FARGAN_CONT_VECTORS * NB_FEATURES].chunks_exact(NB_FEATURES) {
            self.last_period = period;
            period = period_from_feature(features[NB_BANDS]);
            self.compute_cond(&mut cond, features, period);
        }

        // Pre-emphasised history; the first sample has no predecessor and is zero.
        let mut x0 = [0.0f32; FARGAN_CONT_SAMPLES];
        for i in 1..FARGAN_CONT_SAMPLES {
            x0[i] = pcm0[i] - FARGAN_DEEMPHASIS * pcm0[i - 1];
        }
        self.pitch_buf[PITCH_MAX_PERIOD - FARGAN_FRAME_SIZE..].copy_from_slice(&x0[..FARGAN_FRAME_SIZE]);
        self.cont_initialized = true;

        let mut dummy = [0.0f32; FARGAN_SUBFRAME_SIZE];
        for i in 0..FARGAN_NB_SUBFRAMES {
            let period = self.last_period;
            self.run_subframe(&mut dummy, &cond[i * FARGAN_COND_SIZE..(i + 1) * FARGAN_COND_SIZE], period);
            let start = FARGAN_FRAME_SIZE + i * FARGAN_SUBFRAME_SIZE;
            self.pitch_buf[PITCH_MAX_PERIOD - FARGAN_SUBFRAME_SIZE..]
                .copy_from_slice(&x0[start..start + FARGAN_SUBFRAME_SIZE]);
        }
        self.deemph_mem = pcm0[FARGAN_CONT_SAMPLES - 1];
    }

    /// Synthesises one frame of [`FARGAN_FRAME_SIZE`] samples on the ±1 scale (libopus
    /// `fargan_synthesize`). Its subframes use the previous frame's pitch period.
    ///
    /// Call [`FarganState::cont`] first; before that the output is meaningless (libopus
    /// asserts).
    ///
    /// # Panics
    /// If `features` holds fewer than [`NB_FEATURES`] values.
    pub fn synthesize(&mut self, pcm: &mut [f32; FARGAN_FRAME_SIZE], features: &[f32]) {
        debug_assert!(self.cont_initialized, "FARGAN used before fargan_cont");
        let period = period_from_feature(features[NB_BANDS]);
        let mut cond = [0.0f32; FDENSE2_OUT];
        self.compute_cond(&mut cond, features, period);
        for (sub, out) in pcm.chunks_exact_mut(FARGAN_SUBFRAME_SIZE).enumerate() {
            let last = self.last_period;
            self.run_subframe(out, &cond[sub * FARGAN_COND_SIZE..(sub + 1) * FARGAN_COND_SIZE], last);
        }
        self.last_period = period;
    }

    /// [`FarganState::synthesize`], converted to int16: `floor(0.5 + clamp(32768·x, ±32767))`
    /// (libopus `fargan_synthesize_int`).
    ///
    /// # Panics
    /// As [`FarganState::synthesize`].
    pub fn synthesize_int(&mut self, pcm: &mut [i16; FARGAN_FRAME_SIZE], features: &[f32]) {
        let mut fpcm = [0.0f32; FARGAN_FRAME_SIZE];
        self.synthesize(&mut fpcm, features);
        for (o, &x) in pcm.iter_mut().zip(&fpcm) {
            let v = 32768.0f32 * x;
            let v = if -32767.0 > v { -32767.0 } else { v };
            let v = if 32767.0 < v { 32767.0 } else { v };
            // NaN converts to 0 here; libopus's conversion gives INT_MIN, which also
            // truncates to 0 in int16.
            *o = (0.5 + f64::from(v)).floor() as i32 as i16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_default_model() {
        let st = FarganState::with_default_model().expect("model");
        assert!(!st.is_initialized());
    }

    #[test]
    fn period_formula() {
        assert_eq!(period_from_feature(-1.5), 256);
        assert_eq!(period_from_feature(0.5), 64);
        assert_eq!(period_from_feature(f32::NAN), i32::MIN);
    }

    #[test]
    fn synthesis_is_deterministic_and_bounded() {
        let mut a = FarganState::with_default_model().expect("model");
        let pcm0: [f32; FARGAN_CONT_SAMPLES] =
            core::array::from_fn(|i| 0.3 * ((i as f32) * 0.07).sin());
        let mut feats = [0.0f32; FARGAN_CONT_VECTORS * NB_FEATURES];
        for f in feats.chunks_exact_mut(NB_FEATURES) {
            f[0] = 3.0;
            f[NB_BANDS] = 0.2;
            f[NB_BANDS + 1] = 0.4;
        }
        a.cont(&pcm0, &feats);
        let mut b = a.clone();
        let mut pa = [0i16; FARGAN_FRAME_SIZE];
        let mut pb = [0i16; FARGAN_FRAME_SIZE];
        for _ in 0..5 {
            a.synthesize_int(&mut pa, &feats[..NB_FEATURES]);
            b.synthesize_int(&mut pb, &feats[..NB_FEATURES]);
            assert_eq!(pa, pb);
        }
        // Period 0 must not panic.
        let mut f = feats;
        f[NB_BANDS] = 20.0;
        a.synthesize_int(&mut pa, &f[..NB_FEATURES]);
        a.synthesize_int(&mut pa, &f[..NB_FEATURES]);
    }
}

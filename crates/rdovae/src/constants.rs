//! Dimensions of the RDO-VAE (libopus 1.6.1 `dnn/dred_rdovae_constants.h` and the sizes in
//! `dnn/dred_rdovae_dec_data.h`).

/// Features per 10 ms frame: 18 cepstral coefficients, pitch and pitch correlation.
pub const NUM_FEATURES: usize = 20;
/// Coded dimensions of one latent vector.
pub const LATENT_DIM: usize = 25;
/// Latent vector as the encoder network produces it (padded to a multiple of 8).
pub const PADDED_LATENT_DIM: usize = 32;
/// Coded dimensions of the decoder's initial state.
pub const STATE_DIM: usize = 50;
/// Initial state as the encoder network produces it (padded).
pub const PADDED_STATE_DIM: usize = 56;
/// Quantiser levels of the latent and state tables.
pub const NUM_QUANTIZATION_LEVELS: usize = 16;
/// Input of the decoder per chunk: a latent vector plus its quantiser level, `q·0.125 − 1`.
pub const DEC_INPUT_DIM: usize = LATENT_DIM + 1;
/// Feature frames the decoder produces per latent (40 ms).
pub const FRAMES_PER_LATENT: usize = 4;
/// Decoder output per latent: [`FRAMES_PER_LATENT`] frames of [`NUM_FEATURES`], newest first.
pub const DEC_OUTPUT_DIM: usize = FRAMES_PER_LATENT * NUM_FEATURES;

/// Width of the decoder's first dense layer (`DEC_DENSE1_OUT_SIZE`).
pub const DEC_DENSE1_OUT: usize = 96;
/// Width of the hidden layer that maps the initial state to the GRU states
/// (`DEC_HIDDEN_INIT_OUT_SIZE`).
pub const DEC_HIDDEN_INIT_OUT: usize = 128;
/// Number of GRU/convolution blocks in the decoder.
pub const DEC_BLOCKS: usize = 5;
/// Units of each decoder GRU (`DEC_GRU1_STATE_SIZE` … `DEC_GRU5_STATE_SIZE`), also the GLU width.
pub const DEC_GRU_STATE: usize = 64;
/// All GRU states together (`DEC_GRU_INIT_OUT_SIZE`).
pub const DEC_GRU_INIT_OUT: usize = DEC_BLOCKS * DEC_GRU_STATE;
/// Output of each decoder convolution (`DEC_CONV1_OUT_SIZE` …), and of the dense layer in
/// front of it (`DEC_CONV_DENSE1_OUT_SIZE` …).
pub const DEC_CONV_OUT: usize = 32;
/// Memory of each decoder convolution: one previous frame (`DEC_CONV1_STATE_SIZE` …).
pub const DEC_CONV_STATE: usize = DEC_CONV_OUT;
/// Values one decoder block appends to the running buffer (GLU then convolution output).
pub const DEC_BLOCK_OUT: usize = DEC_GRU_STATE + DEC_CONV_OUT;
/// The running buffer after all blocks: the input of `dec_output`.
pub const DEC_BUFFER_SIZE: usize = DEC_DENSE1_OUT + DEC_BLOCKS * DEC_BLOCK_OUT;

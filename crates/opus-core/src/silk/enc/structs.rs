//! State and control types of the SILK encoder (float build), after libopus
//! `silk/structs.h` and `silk/float/structs_FLP.h`, plus the encoder-only
//! constants of `silk/define.h` and `silk/tuning_parameters.h`.
//!
//! Field names are libopus's in snake case; Q formats stay in the names.
//! Lengths in samples and filter orders are `usize`, flags are `bool`, every
//! other integer keeps the width libopus's arithmetic relies on.

use super::super::resampler::Resampler;
use super::super::structs::{
    NlsfCodebook, SideInfoIndices, LTP_ORDER, MAX_FRAMES_PER_PACKET, MAX_FRAME_LENGTH,
    MAX_LPC_ORDER, MAX_NB_SUBFR, MAX_SUB_FRAME_LENGTH,
};
use super::super::tables_nlsf_cb_nb_mb::NLSF_CB_NB_MB;
use super::super::tables_other::UNIFORM4_ICDF;
use super::super::tables_pitch_lag::PITCH_CONTOUR_NB_ICDF;

// ---------------------------------------------------------------------------
// Encoder constants of libopus `silk/define.h`.
// ---------------------------------------------------------------------------

/// Channels the encoder can code (libopus `ENCODER_NUM_CHANNELS`).
pub const ENCODER_NUM_CHANNELS: usize = 2;
/// Lowest target rate, bps (libopus `MIN_TARGET_RATE_BPS`).
pub const MIN_TARGET_RATE_BPS: i32 = 5000;
/// Highest target rate, bps (libopus `MAX_TARGET_RATE_BPS`).
pub const MAX_TARGET_RATE_BPS: i32 = 80000;
/// Lowest rate with LBRR at 8 kHz (libopus `LBRR_NB_MIN_RATE_BPS`).
pub const LBRR_NB_MIN_RATE_BPS: i32 = 12000;
/// Lowest rate with LBRR at 12 kHz (libopus `LBRR_MB_MIN_RATE_BPS`).
pub const LBRR_MB_MIN_RATE_BPS: i32 = 14000;
/// Lowest rate with LBRR at 16 kHz (libopus `LBRR_WB_MIN_RATE_BPS`).
pub const LBRR_WB_MIN_RATE_BPS: i32 = 16000;
/// Inactive frames before DTX starts (libopus `NB_SPEECH_FRAMES_BEFORE_DTX`).
pub const NB_SPEECH_FRAMES_BEFORE_DTX: i32 = 10;
/// Longest run of DTX frames (libopus `MAX_CONSECUTIVE_DTX`).
pub const MAX_CONSECUTIVE_DTX: i32 = 20;
/// Activity below which a frame counts as silent for DTX
/// (libopus `DTX_ACTIVITY_THRESHOLD`).
pub const DTX_ACTIVITY_THRESHOLD: f32 = 0.1;
/// VAD result: no decision (libopus `VAD_NO_DECISION`).
pub const VAD_NO_DECISION: i32 = -1;
/// VAD result: inactive (libopus `VAD_NO_ACTIVITY`).
pub const VAD_NO_ACTIVITY: i32 = 0;
/// VAD result: active (libopus `VAD_ACTIVITY`).
pub const VAD_ACTIVITY: i32 = 1;
/// Stereo smoothing coefficient (libopus `STEREO_RATIO_SMOOTH_COEF`).
pub const STEREO_RATIO_SMOOTH_COEF: f64 = 0.01;
/// Pitch analysis look-ahead, ms (libopus `LA_PITCH_MS`).
pub const LA_PITCH_MS: usize = 2;
/// Longest pitch look-ahead, samples (libopus `LA_PITCH_MAX`).
pub const LA_PITCH_MAX: usize = LA_PITCH_MS * super::super::structs::MAX_FS_KHZ;
/// Highest whitening order of the pitch analysis (libopus `MAX_FIND_PITCH_LPC_ORDER`).
pub const MAX_FIND_PITCH_LPC_ORDER: usize = 16;
/// Pitch LPC window, ms, 20 ms frames (libopus `FIND_PITCH_LPC_WIN_MS`).
pub const FIND_PITCH_LPC_WIN_MS: usize = 20 + (LA_PITCH_MS << 1);
/// Pitch LPC window, ms, 10 ms frames (libopus `FIND_PITCH_LPC_WIN_MS_2_SF`).
pub const FIND_PITCH_LPC_WIN_MS_2_SF: usize = 10 + (LA_PITCH_MS << 1);
/// Longest pitch LPC window, samples (libopus `FIND_PITCH_LPC_WIN_MAX`).
pub const FIND_PITCH_LPC_WIN_MAX: usize = FIND_PITCH_LPC_WIN_MS * super::super::structs::MAX_FS_KHZ;
/// Noise-shape analysis look-ahead, ms (libopus `LA_SHAPE_MS`).
pub const LA_SHAPE_MS: usize = 5;
/// Longest noise-shape look-ahead, samples (libopus `LA_SHAPE_MAX`).
pub const LA_SHAPE_MAX: usize = LA_SHAPE_MS * super::super::structs::MAX_FS_KHZ;
/// Longest noise-shape window, samples (libopus `SHAPE_LPC_WIN_MAX`).
pub const SHAPE_LPC_WIN_MAX: usize = 15 * super::super::structs::MAX_FS_KHZ;
/// Quantisation offsets, Q10 (libopus `OFFSET_VL_Q10` .. `OFFSET_UVH_Q10`).
pub const OFFSET_VL_Q10: i32 = 32;
/// See [`OFFSET_VL_Q10`].
pub const OFFSET_VH_Q10: i32 = 100;
/// See [`OFFSET_VL_Q10`].
pub const OFFSET_UVL_Q10: i32 = 100;
/// See [`OFFSET_VL_Q10`].
pub const OFFSET_UVH_Q10: i32 = 240;
/// Prediction gain limit (libopus `MAX_PREDICTION_POWER_GAIN`).
pub const MAX_PREDICTION_POWER_GAIN: f32 = 1e4;
/// Prediction gain limit after a reset (libopus `MAX_PREDICTION_POWER_GAIN_AFTER_RESET`).
pub const MAX_PREDICTION_POWER_GAIN_AFTER_RESET: f32 = 1e2;
/// Whether harmonic shaping is on (libopus `USE_HARM_SHAPING`).
pub const USE_HARM_SHAPING: bool = true;
/// Highest noise-shaping order (libopus `MAX_SHAPE_LPC_ORDER`).
pub const MAX_SHAPE_LPC_ORDER: usize = 24;
/// Taps of the harmonic shaping filter (libopus `HARM_SHAPE_FIR_TAPS`).
pub const HARM_SHAPE_FIR_TAPS: usize = 3;
/// Most delayed-decision states (libopus `MAX_DEL_DEC_STATES`).
pub const MAX_DEL_DEC_STATES: usize = 4;
/// LTP buffer of the delayed-decision quantiser (libopus `LTP_BUF_LENGTH`).
pub const LTP_BUF_LENGTH: usize = 512;
/// Mask into [`LTP_BUF_LENGTH`] (libopus `LTP_MASK`).
pub const LTP_MASK: usize = LTP_BUF_LENGTH - 1;
/// Decision delay of the delayed-decision quantiser (libopus `DECISION_DELAY`).
pub const DECISION_DELAY: usize = 40;
/// Largest matrix the solvers handle (libopus `MAX_MATRIX_SIZE`).
pub const MAX_MATRIX_SIZE: usize = MAX_LPC_ORDER;
/// LPC history of the quantisers (libopus `NSQ_LPC_BUF_LENGTH`).
pub const NSQ_LPC_BUF_LENGTH: usize = MAX_LPC_ORDER;
/// VAD frequency bands (libopus `VAD_N_BANDS`).
pub const VAD_N_BANDS: usize = 4;
/// log2 of the VAD subframes (libopus `VAD_INTERNAL_SUBFRAMES_LOG2`).
pub const VAD_INTERNAL_SUBFRAMES_LOG2: i32 = 2;
/// VAD subframes (libopus `VAD_INTERNAL_SUBFRAMES`).
pub const VAD_INTERNAL_SUBFRAMES: usize = 1 << VAD_INTERNAL_SUBFRAMES_LOG2;
/// VAD noise smoothing, Q16 (libopus `VAD_NOISE_LEVEL_SMOOTH_COEF_Q16`).
pub const VAD_NOISE_LEVEL_SMOOTH_COEF_Q16: i32 = 1024;
/// VAD noise level bias (libopus `VAD_NOISE_LEVELS_BIAS`).
pub const VAD_NOISE_LEVELS_BIAS: i32 = 50;
/// VAD sigmoid offset, Q5 (libopus `VAD_NEGATIVE_OFFSET_Q5`).
pub const VAD_NEGATIVE_OFFSET_Q5: i32 = 128;
/// VAD SNR factor, Q16 (libopus `VAD_SNR_FACTOR_Q16`).
pub const VAD_SNR_FACTOR_Q16: i32 = 45000;
/// VAD SNR smoothing, Q18 (libopus `VAD_SNR_SMOOTH_COEF_Q18`).
pub const VAD_SNR_SMOOTH_COEF_Q18: i32 = 4096;
/// NLSF weights' Q format (libopus `NLSF_W_Q`).
pub const NLSF_W_Q: i32 = 2;
/// Largest first-stage NLSF codebook (libopus `NLSF_VQ_MAX_VECTORS`).
pub const NLSF_VQ_MAX_VECTORS: usize = 32;
/// Largest NLSF residual index with the extension code
/// (libopus `NLSF_QUANT_MAX_AMPLITUDE_EXT`).
pub const NLSF_QUANT_MAX_AMPLITUDE_EXT: i32 = 10;
/// NLSF quantiser level adjustment (libopus `NLSF_QUANT_LEVEL_ADJ`).
pub const NLSF_QUANT_LEVEL_ADJ: f64 = 0.1;
/// log2 of the NLSF delayed-decision states (libopus `NLSF_QUANT_DEL_DEC_STATES_LOG2`).
pub const NLSF_QUANT_DEL_DEC_STATES_LOG2: usize = 2;
/// NLSF delayed-decision states (libopus `NLSF_QUANT_DEL_DEC_STATES`).
pub const NLSF_QUANT_DEL_DEC_STATES: usize = 1 << NLSF_QUANT_DEL_DEC_STATES_LOG2;
/// Bandwidth transition time, ms (libopus `TRANSITION_TIME_MS`).
pub const TRANSITION_TIME_MS: i32 = 5120;
/// Transition filter numerator taps (libopus `TRANSITION_NB`).
pub const TRANSITION_NB: usize = 3;
/// Transition filter denominator taps (libopus `TRANSITION_NA`).
pub const TRANSITION_NA: usize = 2;
/// Transition interpolation points (libopus `TRANSITION_INT_NUM`).
pub const TRANSITION_INT_NUM: usize = 5;
/// Transition length in frames (libopus `TRANSITION_FRAMES`).
pub const TRANSITION_FRAMES: i32 = TRANSITION_TIME_MS / super::super::structs::MAX_FRAME_LENGTH_MS as i32;
/// Frames per interpolation step (libopus `TRANSITION_INT_STEPS`).
pub const TRANSITION_INT_STEPS: i32 = TRANSITION_FRAMES / (TRANSITION_INT_NUM as i32 - 1);

/// Pitch estimator complexity levels (libopus `SILK_PE_MIN_COMPLEX` ..).
pub const SILK_PE_MIN_COMPLEX: i32 = 0;
/// See [`SILK_PE_MIN_COMPLEX`].
pub const SILK_PE_MID_COMPLEX: i32 = 1;
/// See [`SILK_PE_MIN_COMPLEX`].
pub const SILK_PE_MAX_COMPLEX: i32 = 2;

// ---------------------------------------------------------------------------
// libopus `silk/tuning_parameters.h`.
// ---------------------------------------------------------------------------

/// Bit reservoir decay, ms (libopus `BITRESERVOIR_DECAY_TIME_MS`).
pub const BITRESERVOIR_DECAY_TIME_MS: i32 = 500;
/// libopus `FIND_PITCH_WHITE_NOISE_FRACTION`.
pub const FIND_PITCH_WHITE_NOISE_FRACTION: f32 = 1e-3;
/// libopus `FIND_PITCH_BANDWIDTH_EXPANSION`.
pub const FIND_PITCH_BANDWIDTH_EXPANSION: f32 = 0.99;
/// libopus `FIND_LPC_COND_FAC`.
pub const FIND_LPC_COND_FAC: f32 = 1e-5;
/// libopus `MAX_SUM_LOG_GAIN_DB`.
pub const MAX_SUM_LOG_GAIN_DB: f32 = 250.0;
/// libopus `LTP_CORR_INV_MAX`.
pub const LTP_CORR_INV_MAX: f32 = 0.03;
/// libopus `VARIABLE_HP_SMTH_COEF1`.
pub const VARIABLE_HP_SMTH_COEF1: f32 = 0.1;
/// libopus `VARIABLE_HP_SMTH_COEF2`.
pub const VARIABLE_HP_SMTH_COEF2: f32 = 0.015;
/// libopus `VARIABLE_HP_MAX_DELTA_FREQ`.
pub const VARIABLE_HP_MAX_DELTA_FREQ: f32 = 0.4;
/// libopus `VARIABLE_HP_MIN_CUTOFF_HZ`.
pub const VARIABLE_HP_MIN_CUTOFF_HZ: i32 = 60;
/// libopus `VARIABLE_HP_MAX_CUTOFF_HZ`.
pub const VARIABLE_HP_MAX_CUTOFF_HZ: i32 = 100;
/// libopus `SPEECH_ACTIVITY_DTX_THRES`.
pub const SPEECH_ACTIVITY_DTX_THRES: f32 = 0.05;
/// libopus `LBRR_SPEECH_ACTIVITY_THRES`.
pub const LBRR_SPEECH_ACTIVITY_THRES: f32 = 0.3;
/// libopus `BG_SNR_DECR_dB`.
pub const BG_SNR_DECR_DB: f32 = 2.0;
/// libopus `HARM_SNR_INCR_dB`.
pub const HARM_SNR_INCR_DB: f32 = 2.0;
/// libopus `SPARSE_SNR_INCR_dB`.
pub const SPARSE_SNR_INCR_DB: f32 = 2.0;
/// libopus `ENERGY_VARIATION_THRESHOLD_QNT_OFFSET`.
pub const ENERGY_VARIATION_THRESHOLD_QNT_OFFSET: f32 = 0.6;
/// libopus `WARPING_MULTIPLIER`.
pub const WARPING_MULTIPLIER: f32 = 0.015;
/// libopus `SHAPE_WHITE_NOISE_FRACTION`.
pub const SHAPE_WHITE_NOISE_FRACTION: f32 = 3e-5;
/// libopus `BANDWIDTH_EXPANSION`.
pub const BANDWIDTH_EXPANSION: f32 = 0.94;
/// libopus `HARMONIC_SHAPING`.
pub const HARMONIC_SHAPING: f32 = 0.3;
/// libopus `HIGH_RATE_OR_LOW_QUALITY_HARMONIC_SHAPING`.
pub const HIGH_RATE_OR_LOW_QUALITY_HARMONIC_SHAPING: f32 = 0.2;
/// libopus `HP_NOISE_COEF`.
pub const HP_NOISE_COEF: f32 = 0.25;
/// libopus `HARM_HP_NOISE_COEF`.
pub const HARM_HP_NOISE_COEF: f32 = 0.35;
/// libopus `INPUT_TILT`.
pub const INPUT_TILT: f32 = 0.05;
/// libopus `HIGH_RATE_INPUT_TILT`.
pub const HIGH_RATE_INPUT_TILT: f32 = 0.1;
/// libopus `LOW_FREQ_SHAPING`.
pub const LOW_FREQ_SHAPING: f32 = 4.0;
/// libopus `LOW_QUALITY_LOW_FREQ_SHAPING_DECR`.
pub const LOW_QUALITY_LOW_FREQ_SHAPING_DECR: f32 = 0.5;
/// libopus `SUBFR_SMTH_COEF`.
pub const SUBFR_SMTH_COEF: f32 = 0.4;
/// libopus `LAMBDA_OFFSET`.
pub const LAMBDA_OFFSET: f32 = 1.2;
/// libopus `LAMBDA_SPEECH_ACT`.
pub const LAMBDA_SPEECH_ACT: f32 = -0.2;
/// libopus `LAMBDA_DELAYED_DECISIONS`.
pub const LAMBDA_DELAYED_DECISIONS: f32 = -0.05;
/// libopus `LAMBDA_INPUT_QUALITY`.
pub const LAMBDA_INPUT_QUALITY: f32 = -0.1;
/// libopus `LAMBDA_CODING_QUALITY`.
pub const LAMBDA_CODING_QUALITY: f32 = -0.2;
/// libopus `LAMBDA_QUANT_OFFSET`.
pub const LAMBDA_QUANT_OFFSET: f32 = 0.8;
/// libopus `REDUCE_BITRATE_10_MS_BPS`.
pub const REDUCE_BITRATE_10_MS_BPS: i32 = 2200;
/// libopus `MAX_BANDWIDTH_SWITCH_DELAY_MS`.
pub const MAX_BANDWIDTH_SWITCH_DELAY_MS: i32 = 5000;

// ---------------------------------------------------------------------------
// Sub-states.
// ---------------------------------------------------------------------------

/// State of the noise-shaping quantiser (libopus `silk_nsq_state`).
#[derive(Debug, Clone)]
pub struct NsqState {
    /// Quantised output of this and the previous frame.
    pub xq: [i16; 2 * MAX_FRAME_LENGTH],
    /// LTP shaping history, Q14.
    pub s_ltp_shp_q14: [i32; 2 * MAX_FRAME_LENGTH],
    /// LPC synthesis history, Q14.
    pub s_lpc_q14: [i32; MAX_SUB_FRAME_LENGTH + NSQ_LPC_BUF_LENGTH],
    /// Noise-shaping AR filter state, Q14.
    pub s_ar2_q14: [i32; MAX_SHAPE_LPC_ORDER],
    /// Low-frequency shaping state, Q14.
    pub s_lf_ar_shp_q14: i32,
    /// Tilt state, Q14.
    pub s_diff_shp_q14: i32,
    /// Pitch lag of the previous subframe.
    pub lag_prev: i32,
    /// Write position in the LTP history.
    pub s_ltp_buf_idx: i32,
    /// Write position in the LTP shaping history.
    pub s_ltp_shp_buf_idx: i32,
    /// Dither seed.
    pub rand_seed: i32,
    /// Gain of the previous subframe, Q16.
    pub prev_gain_q16: i32,
    /// Whether the LTP history must be re-whitened.
    pub rewhite_flag: bool,
}

/// State of the voice activity detector (libopus `silk_VAD_state`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VadState {
    /// Analysis filter bank state, 0–8 kHz.
    pub ana_state: [i32; 2],
    /// Analysis filter bank state, 0–4 kHz.
    pub ana_state1: [i32; 2],
    /// Analysis filter bank state, 0–2 kHz.
    pub ana_state2: [i32; 2],
    /// Subframe energies.
    pub xnrg_subfr: [i32; VAD_N_BANDS],
    /// Smoothed energy ratios per band, Q8.
    pub nrg_ratio_smth_q8: [i32; VAD_N_BANDS],
    /// Differentiator state of the lowest band.
    pub hp_state: i16,
    /// Noise levels per band.
    pub nl: [i32; VAD_N_BANDS],
    /// Inverse noise levels per band.
    pub inv_nl: [i32; VAD_N_BANDS],
    /// Noise level bias per band.
    pub noise_level_bias: [i32; VAD_N_BANDS],
    /// Frame counter for the start-up phase.
    pub counter: i32,
}

/// Variable cut-off low-pass filter state (libopus `silk_LP_state`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LpState {
    /// Filter state.
    pub in_lp_state: [i32; 2],
    /// Position in the transition.
    pub transition_frame_no: i32,
    /// Below 0: switching down; above 0: switching up; 0: idle.
    pub mode: i32,
    /// Rate before a bandwidth switch reset, or 0.
    pub saved_fs_khz: i32,
}

/// Stereo state of the encoder (libopus `stereo_enc_state`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StereoEncState {
    /// Predictors of the previous frame, Q13.
    pub pred_prev_q13: [i16; 2],
    /// Two samples of mid history.
    pub s_mid: [i16; 2],
    /// Two samples of side history.
    pub s_side: [i16; 2],
    /// Smoothed mid and side amplitudes.
    pub mid_side_amp_q0: [i32; 4],
    /// Smoothed stereo width, Q14.
    pub smth_width_q14: i16,
    /// Width of the previous frame, Q14.
    pub width_prev_q14: i16,
    /// Samples of silent side so far.
    pub silent_side_len: i16,
    /// Predictor indices per frame.
    pub pred_ix: [[[i8; 3]; 2]; MAX_FRAMES_PER_PACKET],
    /// Mid-only flags per frame.
    pub mid_only_flags: [i8; MAX_FRAMES_PER_PACKET],
}

/// Smoothed noise-shaping state (libopus `silk_shape_state_FLP`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ShapeStateFlp {
    /// Last gain index.
    pub last_gain_index: i8,
    /// Smoothed harmonic shaping gain.
    pub harm_shape_gain_smth: f32,
    /// Smoothed tilt.
    pub tilt_smth: f32,
}

/// The common, fixed-point part of one channel's encoder state
/// (libopus `silk_encoder_state`).
#[derive(Debug, Clone)]
pub struct EncoderState {
    /// High-pass filter state.
    pub in_hp_state: [i32; 2],
    /// First smoother of the variable high-pass, Q15.
    pub variable_hp_smth1_q15: i32,
    /// Second smoother of the variable high-pass, Q15.
    pub variable_hp_smth2_q15: i32,
    /// Low-pass filter state for bandwidth switching.
    pub s_lp: LpState,
    /// Voice activity detector state.
    pub s_vad: VadState,
    /// Noise-shaping quantiser state.
    pub s_nsq: NsqState,
    /// NLSFs of the previous frame, Q15.
    pub prev_nlsfq_q15: [i16; MAX_LPC_ORDER],
    /// Speech activity, Q8.
    pub speech_activity_q8: i32,
    /// Whether a switch of internal bandwidth is allowed.
    pub allow_bandwidth_switch: bool,
    /// Last gain index of the previous LBRR frame.
    pub lbrr_prev_last_gain_index: i8,
    /// Signal type of the previous frame.
    pub prev_signal_type: i8,
    /// Pitch lag of the previous frame.
    pub prev_lag: i32,
    /// Pitch LPC analysis window, samples.
    pub pitch_lpc_win_length: usize,
    /// Highest pitch lag, samples.
    pub max_pitch_lag: i32,
    /// API sampling rate, Hz.
    pub api_fs_hz: i32,
    /// API sampling rate of the previous call, Hz.
    pub prev_api_fs_hz: i32,
    /// Highest internal rate allowed, Hz.
    pub max_internal_fs_hz: i32,
    /// Lowest internal rate allowed, Hz.
    pub min_internal_fs_hz: i32,
    /// Preferred internal rate, Hz.
    pub desired_internal_fs_hz: i32,
    /// Internal sampling rate, kHz.
    pub fs_khz: i32,
    /// 5 ms subframes per frame.
    pub nb_subfr: usize,
    /// Frame length, samples.
    pub frame_length: usize,
    /// Subframe length, samples.
    pub subfr_length: usize,
    /// LTP memory, samples.
    pub ltp_mem_length: usize,
    /// Pitch analysis look-ahead, samples.
    pub la_pitch: usize,
    /// Noise-shape analysis look-ahead, samples.
    pub la_shape: usize,
    /// Noise-shape analysis window, samples.
    pub shape_win_length: usize,
    /// Target bitrate, bps.
    pub target_rate_bps: i32,
    /// Milliseconds per packet.
    pub packet_size_ms: i32,
    /// Expected packet loss, percent.
    pub packet_loss_perc: i32,
    /// Frame counter.
    pub frame_counter: i32,
    /// Complexity setting, 0–10.
    pub complexity: i32,
    /// Delayed-decision states of the quantiser (1: plain NSQ).
    pub n_states_delayed_decision: i32,
    /// Whether NLSF interpolation is tried.
    pub use_interpolated_nlsfs: bool,
    /// Order of the noise-shaping filters.
    pub shaping_lpc_order: usize,
    /// Order of the prediction filters.
    pub predict_lpc_order: usize,
    /// Pitch estimator complexity (SILK_PE_*).
    pub pitch_estimation_complexity: i32,
    /// Whitening order of the pitch estimator.
    pub pitch_estimation_lpc_order: usize,
    /// Pitch estimator threshold, Q16.
    pub pitch_estimation_threshold_q16: i32,
    /// Cumulative prediction gain, Q7.
    pub sum_log_gain_q7: i32,
    /// Survivors of the NLSF vector quantiser.
    pub nlsf_msvq_survivors: i32,
    /// Set after a reset: no NLSF interpolation or pitch prediction.
    pub first_frame_after_reset: bool,
    /// Whether `control_encoder` already ran for this packet.
    pub controlled_since_last_payload: bool,
    /// Warping of the noise shaping, Q16.
    pub warping_q16: i32,
    /// Constant bitrate.
    pub use_cbr: bool,
    /// Only fill buffers, code nothing.
    pub prefill_flag: bool,
    /// iCDF of the pitch lag's low bits.
    pub pitch_lag_low_bits_icdf: &'static [u8],
    /// iCDF of the pitch contour.
    pub pitch_contour_icdf: &'static [u8],
    /// NLSF codebook of the current bandwidth.
    pub ps_nlsf_cb: &'static NlsfCodebook,
    /// Input quality per VAD band, Q15.
    pub input_quality_bands_q15: [i32; VAD_N_BANDS],
    /// Input spectral tilt, Q15.
    pub input_tilt_q15: i32,
    /// Quality setting, Q7 dB.
    pub snr_db_q7: i32,
    /// VAD flag per frame of the packet.
    pub vad_flags: [bool; MAX_FRAMES_PER_PACKET],
    /// Whether this packet carries LBRR frames.
    pub lbrr_flag: bool,
    /// LBRR flag per frame of the packet.
    pub lbrr_flags: [bool; MAX_FRAMES_PER_PACKET],
    /// Indices of the current frame.
    pub indices: SideInfoIndices,
    /// Pulses of the current frame.
    pub pulses: [i8; MAX_FRAME_LENGTH],
    /// Input buffer (two extra samples for the stereo delay).
    pub input_buf: [i16; MAX_FRAME_LENGTH + 2],
    /// Fill level of `input_buf`.
    pub input_buf_ix: usize,
    /// Frames per packet.
    pub n_frames_per_packet: usize,
    /// Frames already coded in the current packet.
    pub n_frames_encoded: usize,
    /// API channels.
    pub n_channels_api: usize,
    /// Coded channels.
    pub n_channels_internal: usize,
    /// This channel's number (0 or 1).
    pub channel_nb: usize,
    /// Frames since the last onset, for LTP scaling.
    pub frames_since_onset: i32,
    /// Signal type of the previous frame, for entropy coding.
    pub ec_prev_signal_type: i32,
    /// Lag index of the previous frame, for entropy coding.
    pub ec_prev_lag_index: i16,
    /// Resampler from the API rate to the internal rate.
    pub resampler_state: Resampler,
    /// Discontinuous transmission allowed.
    pub use_dtx: bool,
    /// In a DTX period.
    pub in_dtx: bool,
    /// Consecutive inactive frames.
    pub no_speech_counter: i32,
    /// The API's in-band FEC setting.
    pub use_in_band_fec: bool,
    /// Whether LBRR is coded now.
    pub lbrr_enabled: bool,
    /// Gain increase of LBRR frames.
    pub lbrr_gain_increases: i32,
    /// Indices of the LBRR frames.
    pub indices_lbrr: [SideInfoIndices; MAX_FRAMES_PER_PACKET],
    /// Pulses of the LBRR frames.
    pub pulses_lbrr: [[i8; MAX_FRAME_LENGTH]; MAX_FRAMES_PER_PACKET],
}

/// One channel's float encoder state (libopus `silk_encoder_state_FLP`).
#[derive(Debug, Clone)]
pub struct EncoderStateFlp {
    /// The common state.
    pub s_cmn: EncoderState,
    /// Noise-shaping smoothing state.
    pub s_shape: ShapeStateFlp,
    /// Analysis buffer for pitch and noise-shape analysis.
    pub x_buf: [f32; 2 * MAX_FRAME_LENGTH + LA_SHAPE_MAX],
    /// Normalised correlation of the pitch estimator.
    pub ltp_corr: f32,
}

/// Per-frame parameters of the float encoder (libopus `silk_encoder_control_FLP`).
#[derive(Debug, Clone, Copy)]
pub struct EncoderControlFlp {
    /// Gains per subframe.
    pub gains: [f32; MAX_NB_SUBFR],
    /// Interpolated (first half) and final prediction coefficients.
    pub pred_coef: [[f32; MAX_LPC_ORDER]; 2],
    /// LTP coefficients.
    pub ltp_coef: [f32; LTP_ORDER * MAX_NB_SUBFR],
    /// LTP state scaling.
    pub ltp_scale: f32,
    /// Pitch lags per subframe.
    pub pitch_l: [i32; MAX_NB_SUBFR],
    /// Noise-shaping AR coefficients per subframe.
    pub ar: [f32; MAX_NB_SUBFR * MAX_SHAPE_LPC_ORDER],
    /// Low-frequency MA shaping per subframe.
    pub lf_ma_shp: [f32; MAX_NB_SUBFR],
    /// Low-frequency AR shaping per subframe.
    pub lf_ar_shp: [f32; MAX_NB_SUBFR],
    /// Spectral tilt per subframe.
    pub tilt: [f32; MAX_NB_SUBFR],
    /// Harmonic shaping gain per subframe.
    pub harm_shape_gain: [f32; MAX_NB_SUBFR],
    /// Rate-distortion trade-off.
    pub lambda: f32,
    /// Input quality.
    pub input_quality: f32,
    /// Coding quality.
    pub coding_quality: f32,
    /// Prediction gain.
    pub pred_gain: f32,
    /// LTP coding gain.
    pub lt_pred_cod_gain: f32,
    /// Residual energy per subframe.
    pub res_nrg: [f32; MAX_NB_SUBFR],
    /// Unquantised gains, Q16 (for the rate-control loop).
    pub gains_unq_q16: [i32; MAX_NB_SUBFR],
    /// Last gain index before this frame's quantisation.
    pub last_gain_index_prev: i8,
}

/// The encoder super struct (libopus `silk_encoder`).
#[derive(Debug, Clone)]
pub struct SilkEncoderState {
    /// Stereo state.
    pub s_stereo: StereoEncState,
    /// Bits spent on LBRR in this packet.
    pub n_bits_used_lbrr: i32,
    /// Bits spent above the target so far.
    pub n_bits_exceeded: i32,
    /// API channels.
    pub n_channels_api: usize,
    /// Coded channels.
    pub n_channels_internal: usize,
    /// Coded channels of the previous call.
    pub n_prev_channels_internal: usize,
    /// Time since a bandwidth switch was allowed, ms.
    pub time_since_switch_allowed_ms: i32,
    /// Whether bandwidth switching is allowed.
    pub allow_bandwidth_switch: bool,
    /// Whether the previous frame coded only the mid channel.
    pub prev_decode_only_middle: bool,
    /// Per-channel states.
    pub state_fxx: [EncoderStateFlp; ENCODER_NUM_CHANNELS],
}

/// Settings passed into `silk_Encode` and values it reports back
/// (libopus `silk_EncControlStruct`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EncControl {
    /// Channels of the API signal (1 or 2).
    pub n_channels_api: i32,
    /// Channels to code (1 or 2).
    pub n_channels_internal: i32,
    /// API sampling rate, Hz.
    pub api_sample_rate: i32,
    /// Highest internal rate, Hz.
    pub max_internal_sample_rate: i32,
    /// Lowest internal rate, Hz.
    pub min_internal_sample_rate: i32,
    /// Preferred internal rate, Hz.
    pub desired_internal_sample_rate: i32,
    /// Packet duration, ms (10, 20, 40 or 60).
    pub payload_size_ms: i32,
    /// Target bitrate, bps.
    pub bit_rate: i32,
    /// Expected packet loss, percent.
    pub packet_loss_percentage: i32,
    /// Complexity, 0–10.
    pub complexity: i32,
    /// In-band FEC on.
    pub use_in_band_fec: i32,
    /// DRED on (makes LBRR follow the loss estimate differently).
    pub use_dred: i32,
    /// Out: whether LBRR was coded.
    pub lbrr_coded: i32,
    /// DTX on.
    pub use_dtx: i32,
    /// Constant bitrate.
    pub use_cbr: i32,
    /// Most bits for the packet.
    pub max_bits: i32,
    /// Downmix stereo to mono smoothly.
    pub to_mono: i32,
    /// Opus may switch away from SILK now.
    pub opus_can_switch: i32,
    /// Make packets decodable more independently.
    pub reduced_dependency: i32,
    /// Out: internal rate, Hz.
    pub internal_sample_rate: i32,
    /// Out: whether a bandwidth switch is allowed.
    pub allow_bandwidth_switch: i32,
    /// Out: WB coded without the variable low-pass.
    pub in_wb_mode_without_variable_lp: i32,
    /// Out: stereo width, Q14.
    pub stereo_width_q14: i32,
    /// Out: ready for a switch.
    pub switch_ready: i32,
    /// Out: signal type of the last frame.
    pub signal_type: i32,
    /// Out: quantisation offset of the last frame.
    pub offset: i32,
}

// ---------------------------------------------------------------------------
// Zeroed constructors (libopus clears these structs with memset).
// ---------------------------------------------------------------------------

const ZERO_INDICES: SideInfoIndices = SideInfoIndices {
    gains_indices: [0; MAX_NB_SUBFR],
    ltp_index: [0; MAX_NB_SUBFR],
    nlsf_indices: [0; MAX_LPC_ORDER + 1],
    lag_index: 0,
    contour_index: 0,
    signal_type: 0,
    quant_offset_type: 0,
    nlsf_interp_coef_q2: 0,
    per_index: 0,
    ltp_scale_index: 0,
    seed: 0,
};

impl NsqState {
    /// An all-zero state.
    pub const fn zeroed() -> Self {
        NsqState {
            xq: [0; 2 * MAX_FRAME_LENGTH],
            s_ltp_shp_q14: [0; 2 * MAX_FRAME_LENGTH],
            s_lpc_q14: [0; MAX_SUB_FRAME_LENGTH + NSQ_LPC_BUF_LENGTH],
            s_ar2_q14: [0; MAX_SHAPE_LPC_ORDER],
            s_lf_ar_shp_q14: 0,
            s_diff_shp_q14: 0,
            lag_prev: 0,
            s_ltp_buf_idx: 0,
            s_ltp_shp_buf_idx: 0,
            rand_seed: 0,
            prev_gain_q16: 0,
            rewhite_flag: false,
        }
    }
}

impl Default for NsqState {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl EncoderState {
    /// An all-zero state, as libopus's `memset` leaves it. Table references
    /// point at valid (narrowband) tables until `setup_fs` sets them.
    pub fn zeroed() -> Self {
        EncoderState {
            in_hp_state: [0; 2],
            variable_hp_smth1_q15: 0,
            variable_hp_smth2_q15: 0,
            s_lp: LpState::default(),
            s_vad: VadState::default(),
            s_nsq: NsqState::zeroed(),
            prev_nlsfq_q15: [0; MAX_LPC_ORDER],
            speech_activity_q8: 0,
            allow_bandwidth_switch: false,
            lbrr_prev_last_gain_index: 0,
            prev_signal_type: 0,
            prev_lag: 0,
            pitch_lpc_win_length: 0,
            max_pitch_lag: 0,
            api_fs_hz: 0,
            prev_api_fs_hz: 0,
            max_internal_fs_hz: 0,
            min_internal_fs_hz: 0,
            desired_internal_fs_hz: 0,
            fs_khz: 0,
            nb_subfr: 0,
            frame_length: 0,
            subfr_length: 0,
            ltp_mem_length: 0,
            la_pitch: 0,
            la_shape: 0,
            shape_win_length: 0,
            target_rate_bps: 0,
            packet_size_ms: 0,
            packet_loss_perc: 0,
            frame_counter: 0,
            complexity: 0,
            n_states_delayed_decision: 0,
            use_interpolated_nlsfs: false,
            shaping_lpc_order: 0,
            predict_lpc_order: 0,
            pitch_estimation_complexity: 0,
            pitch_estimation_lpc_order: 0,
            pitch_estimation_threshold_q16: 0,
            sum_log_gain_q7: 0,
            nlsf_msvq_survivors: 0,
            first_frame_after_reset: false,
            controlled_since_last_payload: false,
            warping_q16: 0,
            use_cbr: false,
            prefill_flag: false,
            pitch_lag_low_bits_icdf: &UNIFORM4_ICDF,
            pitch_contour_icdf: &PITCH_CONTOUR_NB_ICDF,
            ps_nlsf_cb: &NLSF_CB_NB_MB,
            input_quality_bands_q15: [0; VAD_N_BANDS],
            input_tilt_q15: 0,
            snr_db_q7: 0,
            vad_flags: [false; MAX_FRAMES_PER_PACKET],
            lbrr_flag: false,
            lbrr_flags: [false; MAX_FRAMES_PER_PACKET],
            indices: ZERO_INDICES,
            pulses: [0; MAX_FRAME_LENGTH],
            input_buf: [0; MAX_FRAME_LENGTH + 2],
            input_buf_ix: 0,
            n_frames_per_packet: 0,
            n_frames_encoded: 0,
            n_channels_api: 0,
            n_channels_internal: 0,
            channel_nb: 0,
            frames_since_onset: 0,
            ec_prev_signal_type: 0,
            ec_prev_lag_index: 0,
            resampler_state: Resampler::default(),
            use_dtx: false,
            in_dtx: false,
            no_speech_counter: 0,
            use_in_band_fec: false,
            lbrr_enabled: false,
            lbrr_gain_increases: 0,
            indices_lbrr: [ZERO_INDICES; MAX_FRAMES_PER_PACKET],
            pulses_lbrr: [[0; MAX_FRAME_LENGTH]; MAX_FRAMES_PER_PACKET],
        }
    }
}

impl EncoderStateFlp {
    /// An all-zero state.
    pub fn zeroed() -> Self {
        EncoderStateFlp {
            s_cmn: EncoderState::zeroed(),
            s_shape: ShapeStateFlp::default(),
            x_buf: [0.0; 2 * MAX_FRAME_LENGTH + LA_SHAPE_MAX],
            ltp_corr: 0.0,
        }
    }
}

impl EncoderControlFlp {
    /// An all-zero control struct.
    pub const fn zeroed() -> Self {
        EncoderControlFlp {
            gains: [0.0; MAX_NB_SUBFR],
            pred_coef: [[0.0; MAX_LPC_ORDER]; 2],
            ltp_coef: [0.0; LTP_ORDER * MAX_NB_SUBFR],
            ltp_scale: 0.0,
            pitch_l: [0; MAX_NB_SUBFR],
            ar: [0.0; MAX_NB_SUBFR * MAX_SHAPE_LPC_ORDER],
            lf_ma_shp: [0.0; MAX_NB_SUBFR],
            lf_ar_shp: [0.0; MAX_NB_SUBFR],
            tilt: [0.0; MAX_NB_SUBFR],
            harm_shape_gain: [0.0; MAX_NB_SUBFR],
            lambda: 0.0,
            input_quality: 0.0,
            coding_quality: 0.0,
            pred_gain: 0.0,
            lt_pred_cod_gain: 0.0,
            res_nrg: [0.0; MAX_NB_SUBFR],
            gains_unq_q16: [0; MAX_NB_SUBFR],
            last_gain_index_prev: 0,
        }
    }
}

impl Default for EncoderControlFlp {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl SilkEncoderState {
    /// An all-zero super struct.
    pub fn zeroed() -> Self {
        SilkEncoderState {
            s_stereo: StereoEncState::default(),
            n_bits_used_lbrr: 0,
            n_bits_exceeded: 0,
            n_channels_api: 0,
            n_channels_internal: 0,
            n_prev_channels_internal: 0,
            time_since_switch_allowed_ms: 0,
            allow_bandwidth_switch: false,
            prev_decode_only_middle: false,
            state_fxx: [EncoderStateFlp::zeroed(), EncoderStateFlp::zeroed()],
        }
    }
}

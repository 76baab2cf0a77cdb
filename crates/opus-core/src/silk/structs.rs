//! SILK decoder constants and the three per-channel types of RFC 6716 §4.2.7.
//!
//! The decoder works in three steps, each with its own type, as libopus
//! splits them in `silk/structs.h`:
//!
//! 1. [`SideInfoIndices`]: the quantisation indices read from the range coder
//!    (`decode_indices`), libopus `SideInfoIndices`.
//! 2. [`DecoderControl`]: the per-frame parameters rebuilt from those indices
//!    (gains, LPC and LTP filters, pitch lags), kept on the stack for one
//!    frame, libopus `silk_decoder_control`.
//! 3. [`DecoderState`]: everything that persists between frames (synthesis
//!    filter memories, output history, entropy-coding context, loss
//!    concealment and comfort noise), libopus `silk_decoder_state`.
//!
//! The resampler state, which libopus also keeps in `silk_decoder_state`,
//! lives beside this struct in the API layer (`dec_api`), so this module does
//! not depend on the resampler.

use super::tables_nlsf_cb_nb_mb::NLSF_CB_NB_MB;
use super::tables_nlsf_cb_wb::NLSF_CB_WB;
use super::tables_other::{UNIFORM4_ICDF, UNIFORM6_ICDF, UNIFORM8_ICDF};
use super::tables_pitch_lag::{
    PITCH_CONTOUR_10_MS_ICDF, PITCH_CONTOUR_10_MS_NB_ICDF, PITCH_CONTOUR_ICDF,
    PITCH_CONTOUR_NB_ICDF,
};

// ---------------------------------------------------------------------------
// Constants of libopus `silk/define.h` and `silk/pitch_est_defines.h`.
// ---------------------------------------------------------------------------

/// Most SILK frames in one Opus frame (libopus `MAX_FRAMES_PER_PACKET`).
pub const MAX_FRAMES_PER_PACKET: usize = 3;
/// Highest internal sampling rate, kHz (libopus `MAX_FS_KHZ`).
pub const MAX_FS_KHZ: usize = 16;
/// Highest API sampling rate, kHz (libopus `MAX_API_FS_KHZ`).
pub const MAX_API_FS_KHZ: usize = 48;
/// Signal type: no voice activity (libopus `TYPE_NO_VOICE_ACTIVITY`).
pub const TYPE_NO_VOICE_ACTIVITY: i32 = 0;
/// Signal type: unvoiced (libopus `TYPE_UNVOICED`).
pub const TYPE_UNVOICED: i32 = 1;
/// Signal type: voiced (libopus `TYPE_VOICED`).
pub const TYPE_VOICED: i32 = 2;
/// Most subframes per frame (libopus `MAX_NB_SUBFR`).
pub const MAX_NB_SUBFR: usize = 4;
/// LTP memory, ms (libopus `LTP_MEM_LENGTH_MS`).
pub const LTP_MEM_LENGTH_MS: usize = 20;
/// Subframe duration, ms (libopus `SUB_FRAME_LENGTH_MS`).
pub const SUB_FRAME_LENGTH_MS: usize = 5;
/// Longest subframe, samples (libopus `MAX_SUB_FRAME_LENGTH`).
pub const MAX_SUB_FRAME_LENGTH: usize = SUB_FRAME_LENGTH_MS * MAX_FS_KHZ;
/// Longest frame, ms (libopus `MAX_FRAME_LENGTH_MS`).
pub const MAX_FRAME_LENGTH_MS: usize = SUB_FRAME_LENGTH_MS * MAX_NB_SUBFR;
/// Longest frame, samples (libopus `MAX_FRAME_LENGTH`).
pub const MAX_FRAME_LENGTH: usize = MAX_FRAME_LENGTH_MS * MAX_FS_KHZ;
/// Lowest gain quantisation level, dB (libopus `MIN_QGAIN_DB`).
pub const MIN_QGAIN_DB: i32 = 2;
/// Highest gain quantisation level, dB (libopus `MAX_QGAIN_DB`).
pub const MAX_QGAIN_DB: i32 = 88;
/// Number of gain quantisation levels (libopus `N_LEVELS_QGAIN`).
pub const N_LEVELS_QGAIN: i32 = 64;
/// Largest gain index increase (libopus `MAX_DELTA_GAIN_QUANT`).
pub const MAX_DELTA_GAIN_QUANT: i32 = 36;
/// Largest gain index decrease, negative (libopus `MIN_DELTA_GAIN_QUANT`).
pub const MIN_DELTA_GAIN_QUANT: i32 = -4;
/// Amount quantised excitation levels are pulled toward zero, Q10
/// (libopus `QUANT_LEVEL_ADJUST_Q10`).
pub const QUANT_LEVEL_ADJUST_Q10: i32 = 80;
/// Most bandwidth-expansion rounds to stabilise an LPC filter
/// (libopus `MAX_LPC_STABILIZE_ITERATIONS`).
pub const MAX_LPC_STABILIZE_ITERATIONS: usize = 16;
/// Highest LPC order (libopus `MAX_LPC_ORDER`, `SILK_MAX_ORDER_LPC`).
pub const MAX_LPC_ORDER: usize = 16;
/// Lowest LPC order (libopus `MIN_LPC_ORDER`).
pub const MIN_LPC_ORDER: usize = 10;
/// LTP filter taps (libopus `LTP_ORDER`).
pub const LTP_ORDER: usize = 5;
/// Number of LTP codebooks (libopus `NB_LTP_CBKS`).
pub const NB_LTP_CBKS: usize = 3;
/// Pulses per shell-coding block (libopus `SHELL_CODEC_FRAME_LENGTH`).
pub const SHELL_CODEC_FRAME_LENGTH: usize = 16;
/// log2 of [`SHELL_CODEC_FRAME_LENGTH`] (libopus `LOG2_SHELL_CODEC_FRAME_LENGTH`).
pub const LOG2_SHELL_CODEC_FRAME_LENGTH: usize = 4;
/// Most shell blocks in a frame (libopus `MAX_NB_SHELL_BLOCKS`).
pub const MAX_NB_SHELL_BLOCKS: usize = MAX_FRAME_LENGTH / SHELL_CODEC_FRAME_LENGTH;
/// Number of rate levels for the excitation (libopus `N_RATE_LEVELS`).
pub const N_RATE_LEVELS: usize = 10;
/// Most pulses in one shell block before LSB escapes (libopus `SILK_MAX_PULSES`).
pub const SILK_MAX_PULSES: usize = 16;
/// Size of the piecewise-linear cosine table (libopus `LSF_COS_TAB_SZ_FIX`).
pub const LSF_COS_TAB_SZ_FIX: usize = 128;
/// Largest first-stage NLSF residual index before the escape code
/// (libopus `NLSF_QUANT_MAX_AMPLITUDE`).
pub const NLSF_QUANT_MAX_AMPLITUDE: i32 = 4;
/// Bandwidth expansion applied to LPC filters after a loss, Q16
/// (libopus `BWE_AFTER_LOSS_Q16`).
pub const BWE_AFTER_LOSS_Q16: i32 = 63570;
/// Mask of the comfort-noise excitation buffer (libopus `CNG_BUF_MASK_MAX`).
pub const CNG_BUF_MASK_MAX: i32 = 255;
/// Comfort-noise gain smoothing, Q16 (libopus `CNG_GAIN_SMTH_Q16`).
pub const CNG_GAIN_SMTH_Q16: i32 = 4634;
/// Comfort-noise gain smoothing threshold, Q16 (libopus `CNG_GAIN_SMTH_THRESHOLD_Q16`).
pub const CNG_GAIN_SMTH_THRESHOLD_Q16: i32 = 46396;
/// Comfort-noise NLSF smoothing, Q16 (libopus `CNG_NLSF_SMTH_Q16`).
pub const CNG_NLSF_SMTH_Q16: i32 = 16348;
/// Number of stereo predictor quantisation steps (libopus `STEREO_QUANT_TAB_SIZE`).
pub const STEREO_QUANT_TAB_SIZE: usize = 16;
/// Sub-steps between stereo predictor levels (libopus `STEREO_QUANT_SUB_STEPS`).
pub const STEREO_QUANT_SUB_STEPS: i32 = 5;
/// Stereo predictor interpolation, ms (libopus `STEREO_INTERP_LEN_MS`).
pub const STEREO_INTERP_LEN_MS: i32 = 8;
/// Shortest pitch lag, ms (libopus `PE_MIN_LAG_MS`).
pub const PE_MIN_LAG_MS: i32 = 2;
/// Longest pitch lag, ms (libopus `PE_MAX_LAG_MS`).
pub const PE_MAX_LAG_MS: i32 = 18;
/// Subframes of the pitch estimator (libopus `PE_MAX_NB_SUBFR`).
pub const PE_MAX_NB_SUBFR: usize = 4;
/// Stage-2 contour codebook size, 20 ms at 8 kHz (libopus `PE_NB_CBKS_STAGE2_EXT`).
pub const PE_NB_CBKS_STAGE2_EXT: usize = 11;
/// Stage-2 contour codebook size, 10 ms at 8 kHz (libopus `PE_NB_CBKS_STAGE2_10MS`).
pub const PE_NB_CBKS_STAGE2_10MS: usize = 3;
/// Stage-3 contour codebook size, 20 ms (libopus `PE_NB_CBKS_STAGE3_MAX`).
pub const PE_NB_CBKS_STAGE3_MAX: usize = 34;
/// Stage-3 contour codebook size, 10 ms (libopus `PE_NB_CBKS_STAGE3_10MS`).
pub const PE_NB_CBKS_STAGE3_10MS: usize = 12;
/// Length of [`DecoderState::out_buf`]: one frame plus two subframes of history.
pub const OUT_BUF_LENGTH: usize = MAX_FRAME_LENGTH + 2 * MAX_SUB_FRAME_LENGTH;

/// How a frame's parameters are coded relative to the previous frame
/// (libopus `CODE_INDEPENDENTLY`, `CODE_INDEPENDENTLY_NO_LTP_SCALING`,
/// `CODE_CONDITIONALLY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CondCoding {
    /// First frame of a packet: absolute gain, LTP scaling coded.
    Independently,
    /// Absolute first gain, no LTP scaling (an LBRR frame after a gap).
    IndependentlyNoLtpScaling,
    /// Gains and pitch lag coded as deltas from the previous frame.
    Conditionally,
}

/// What `decode_frame` does with the current frame (libopus
/// `FLAG_DECODE_NORMAL`, `FLAG_PACKET_LOST`, `FLAG_DECODE_LBRR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostFlag {
    /// Decode the regular frame.
    DecodeNormal = 0,
    /// The frame is missing: conceal it.
    PacketLost = 1,
    /// Decode the in-band redundancy (LBRR) copy, or conceal if absent.
    DecodeLbrr = 2,
}

/// A SILK NLSF codebook (libopus `silk_NLSF_CB_struct`): the first-stage
/// vectors and weights plus the second-stage entropy and prediction tables.
#[derive(Debug)]
pub struct NlsfCodebook {
    /// Number of first-stage vectors.
    pub n_vectors: i16,
    /// LPC order (10 or 16).
    pub order: i16,
    /// Second-stage quantisation step, Q16.
    pub quant_step_size_q16: i16,
    /// Inverse of the step, Q6 (encoder only).
    pub inv_quant_step_size_q6: i16,
    /// First-stage vectors, `n_vectors * order`, Q8.
    pub cb1_nlsf_q8: &'static [u8],
    /// First-stage inverse-sqrt weights, `n_vectors * order`, Q9.
    pub cb1_wght_q9: &'static [i16],
    /// iCDFs of the first-stage index, unvoiced then voiced.
    pub cb1_icdf: &'static [u8],
    /// Backward prediction coefficients, two sets of `order - 1`, Q8.
    pub pred_q8: &'static [u8],
    /// Packed selectors of the entropy table and predictor, `n_vectors * order / 2`.
    pub ec_sel: &'static [u8],
    /// Second-stage iCDFs, 9 entries per table.
    pub ec_icdf: &'static [u8],
    /// Second-stage rates, Q5 (encoder only).
    pub ec_rates_q5: &'static [u8],
    /// Minimum spacing of the stabilised NLSFs, `order + 1` entries, Q15.
    pub delta_min_q15: &'static [i16],
}

/// Quantisation indices of one SILK frame (libopus `SideInfoIndices`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SideInfoIndices {
    /// Gain indices: absolute or delta for subframe 0, deltas after.
    pub gains_indices: [i8; MAX_NB_SUBFR],
    /// LTP codebook index per subframe.
    pub ltp_index: [i8; MAX_NB_SUBFR],
    /// First-stage NLSF index, then `order` second-stage residual indices.
    pub nlsf_indices: [i8; MAX_LPC_ORDER + 1],
    /// Pitch lag index (absolute, relative to the shortest lag).
    pub lag_index: i16,
    /// Pitch contour index.
    pub contour_index: i8,
    /// Signal type: [`TYPE_NO_VOICE_ACTIVITY`], [`TYPE_UNVOICED`] or [`TYPE_VOICED`].
    pub signal_type: i8,
    /// Quantisation offset type (0 or 1).
    pub quant_offset_type: i8,
    /// NLSF interpolation factor for the first half of a 20 ms frame, Q2 (4 = none).
    pub nlsf_interp_coef_q2: i8,
    /// LTP periodicity index: which LTP codebook.
    pub per_index: i8,
    /// LTP scaling index.
    pub ltp_scale_index: i8,
    /// Seed of the excitation sign randomiser (0..3).
    pub seed: i8,
}

/// Per-frame parameters rebuilt from the indices (libopus `silk_decoder_control`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecoderControl {
    /// Pitch lag per subframe, samples.
    pub pitch_l: [i32; MAX_NB_SUBFR],
    /// Gain per subframe, Q16.
    pub gains_q16: [i32; MAX_NB_SUBFR],
    /// LPC coefficients for the first and second half of the frame, Q12.
    pub pred_coef_q12: [[i16; MAX_LPC_ORDER]; 2],
    /// LTP taps, [`LTP_ORDER`] per subframe, Q14.
    pub ltp_coef_q14: [i16; LTP_ORDER * MAX_NB_SUBFR],
    /// LTP state scaling for the first subframe, Q14.
    pub ltp_scale_q14: i32,
}

/// Packet-loss concealment state (libopus `silk_PLC_struct`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlcState {
    /// Pitch lag used for voiced concealment, Q8.
    pub pitch_l_q8: i32,
    /// LTP taps used for voiced concealment, Q14.
    pub ltp_coef_q14: [i16; LTP_ORDER],
    /// Last good LPC filter, Q12.
    pub prev_lpc_q12: [i16; MAX_LPC_ORDER],
    /// Whether the previous frame was concealed.
    pub last_frame_lost: bool,
    /// Seed of the unvoiced concealment noise.
    pub rand_seed: i32,
    /// Scale of the concealment noise, Q14.
    pub rand_scale_q14: i16,
    /// Energy of the concealed signal, for the fade-in on recovery.
    pub conc_energy: i32,
    /// Shift that goes with [`conc_energy`](Self::conc_energy).
    pub conc_energy_shift: i32,
    /// LTP scaling of the last good frame, Q14.
    pub prev_ltp_scale_q14: i16,
    /// Gains of the last two subframes of the last good frame, Q16.
    pub prev_gain_q16: [i32; 2],
    /// Internal rate the PLC state was built at, kHz.
    pub fs_khz: i32,
    /// Subframes per frame at that time.
    pub nb_subfr: usize,
    /// Subframe length at that time.
    pub subfr_length: usize,
    /// Whether neural concealment may run (decoder complexity >= 5).
    pub enable_deep_plc: bool,
}

/// Comfort-noise generation state (libopus `silk_CNG_struct`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CngState {
    /// Buffer of past excitation, Q14.
    pub cng_exc_buf_q14: [i32; MAX_FRAME_LENGTH],
    /// Smoothed NLSFs, Q15.
    pub cng_smth_nlsf_q15: [i16; MAX_LPC_ORDER],
    /// Synthesis filter memory.
    pub cng_synth_state: [i32; MAX_LPC_ORDER],
    /// Smoothed gain, Q16.
    pub cng_smth_gain_q16: i32,
    /// Noise generator seed.
    pub rand_seed: i32,
    /// Internal rate the state was built at, kHz.
    pub fs_khz: i32,
}

/// Persistent state of one SILK decoder channel (libopus `silk_decoder_state`).
///
/// Field names follow libopus in snake case. Lengths that index arrays are
/// `usize`; everything arithmetic keeps the libopus width.
#[derive(Debug, Clone)]
pub struct DecoderState {
    /// Gain of the last subframe synthesised, Q16.
    pub prev_gain_q16: i32,
    /// Excitation of the last frame, Q14.
    pub exc_q14: [i32; MAX_FRAME_LENGTH],
    /// Short-term synthesis filter memory, Q14.
    pub slpc_q14_buf: [i32; MAX_LPC_ORDER],
    /// Output history for LTP re-whitening; the last `ltp_mem_length` samples count.
    pub out_buf: [i16; OUT_BUF_LENGTH],
    /// Pitch lag of the last subframe.
    pub lag_prev: i32,
    /// Last gain index, for delta coding across frames.
    pub last_gain_index: i8,
    /// Internal sampling rate, kHz (8, 12 or 16; 0 before the first setup).
    pub fs_khz: i32,
    /// API sampling rate, Hz.
    pub fs_api_hz: i32,
    /// Subframes per frame (2 or 4).
    pub nb_subfr: usize,
    /// Frame length, samples.
    pub frame_length: usize,
    /// Subframe length, samples.
    pub subfr_length: usize,
    /// LTP memory length, samples.
    pub ltp_mem_length: usize,
    /// LPC order (10 or 16).
    pub lpc_order: usize,
    /// NLSFs of the previous frame, for interpolation, Q15.
    pub prev_nlsf_q15: [i16; MAX_LPC_ORDER],
    /// Set after a reset or rate change: disables NLSF interpolation.
    pub first_frame_after_reset: bool,
    /// iCDF of the low bits of the pitch lag (depends on the rate).
    pub pitch_lag_low_bits_icdf: &'static [u8],
    /// iCDF of the pitch contour (depends on rate and frame length).
    pub pitch_contour_icdf: &'static [u8],
    /// Frames of the current packet already decoded.
    pub n_frames_decoded: usize,
    /// Frames in the current packet.
    pub n_frames_per_packet: usize,
    /// Signal type of the previous frame, for entropy-coding context.
    pub ec_prev_signal_type: i32,
    /// Lag index of the previous frame, for delta lag coding.
    pub ec_prev_lag_index: i16,
    /// Voice-activity flag per frame of the packet.
    pub vad_flags: [bool; MAX_FRAMES_PER_PACKET],
    /// Whether the packet carries any LBRR frames.
    pub lbrr_flag: bool,
    /// LBRR presence per frame of the packet.
    pub lbrr_flags: [bool; MAX_FRAMES_PER_PACKET],
    /// NLSF codebook for the current bandwidth.
    pub nlsf_cb: &'static NlsfCodebook,
    /// Indices of the current frame.
    pub indices: SideInfoIndices,
    /// Comfort-noise state.
    pub cng: CngState,
    /// Consecutive concealed frames (0 after a good frame).
    pub loss_cnt: i32,
    /// Signal type of the last good frame.
    pub prev_signal_type: i32,
    /// Loss-concealment state.
    pub plc: PlcState,
}

/// Seed the comfort-noise generator starts from (libopus `silk_CNG_Reset`).
pub const CNG_RAND_SEED_INIT: i32 = 3_176_576;

impl PlcState {
    /// A zeroed concealment state, as after libopus's `memset`.
    pub const fn zeroed() -> Self {
        PlcState {
            pitch_l_q8: 0,
            ltp_coef_q14: [0; LTP_ORDER],
            prev_lpc_q12: [0; MAX_LPC_ORDER],
            last_frame_lost: false,
            rand_seed: 0,
            rand_scale_q14: 0,
            conc_energy: 0,
            conc_energy_shift: 0,
            prev_ltp_scale_q14: 0,
            prev_gain_q16: [0; 2],
            fs_khz: 0,
            nb_subfr: 0,
            subfr_length: 0,
            enable_deep_plc: false,
        }
    }
}

impl CngState {
    /// A zeroed comfort-noise state, as after libopus's `memset`.
    pub const fn zeroed() -> Self {
        CngState {
            cng_exc_buf_q14: [0; MAX_FRAME_LENGTH],
            cng_smth_nlsf_q15: [0; MAX_LPC_ORDER],
            cng_synth_state: [0; MAX_LPC_ORDER],
            cng_smth_gain_q16: 0,
            rand_seed: 0,
            fs_khz: 0,
        }
    }
}

impl DecoderState {
    /// A freshly initialised decoder (libopus `silk_init_decoder`, which
    /// clears the state and runs `silk_reset_decoder`).
    ///
    /// Rate-dependent fields stay zero until the API layer calls its
    /// `decoder_set_fs`; the codebook and iCDF references hold placeholders
    /// (the NB/MB codebook, a uniform iCDF) that are never read before that.
    pub fn new() -> Self {
        let mut st = DecoderState {
            prev_gain_q16: 0,
            exc_q14: [0; MAX_FRAME_LENGTH],
            slpc_q14_buf: [0; MAX_LPC_ORDER],
            out_buf: [0; OUT_BUF_LENGTH],
            lag_prev: 0,
            last_gain_index: 0,
            fs_khz: 0,
            fs_api_hz: 0,
            nb_subfr: 0,
            frame_length: 0,
            subfr_length: 0,
            ltp_mem_length: 0,
            lpc_order: 0,
            prev_nlsf_q15: [0; MAX_LPC_ORDER],
            first_frame_after_reset: false,
            pitch_lag_low_bits_icdf: &UNIFORM4_ICDF,
            pitch_contour_icdf: &UNIFORM4_ICDF,
            n_frames_decoded: 0,
            n_frames_per_packet: 0,
            ec_prev_signal_type: 0,
            ec_prev_lag_index: 0,
            vad_flags: [false; MAX_FRAMES_PER_PACKET],
            lbrr_flag: false,
            lbrr_flags: [false; MAX_FRAMES_PER_PACKET],
            nlsf_cb: &NLSF_CB_NB_MB,
            indices: SideInfoIndices::default(),
            cng: CngState::zeroed(),
            loss_cnt: 0,
            prev_signal_type: 0,
            plc: PlcState::zeroed(),
        };
        st.reset();
        st
    }

    /// Clears the state and restores its non-zero starting values (libopus
    /// `silk_reset_decoder`, which clears every field from `prev_gain_Q16`
    /// on, then resets CNG and PLC). libopus clears the rate fields too, so
    /// the API layer must set the rate again before decoding.
    pub fn reset(&mut self) {
        let cb = self.nlsf_cb;
        let (lag_icdf, contour_icdf) = (self.pitch_lag_low_bits_icdf, self.pitch_contour_icdf);
        *self = DecoderState {
            prev_gain_q16: 65536,
            exc_q14: [0; MAX_FRAME_LENGTH],
            slpc_q14_buf: [0; MAX_LPC_ORDER],
            out_buf: [0; OUT_BUF_LENGTH],
            lag_prev: 0,
            last_gain_index: 0,
            fs_khz: 0,
            fs_api_hz: 0,
            nb_subfr: 0,
            frame_length: 0,
            subfr_length: 0,
            ltp_mem_length: 0,
            lpc_order: 0,
            prev_nlsf_q15: [0; MAX_LPC_ORDER],
            first_frame_after_reset: true,
            pitch_lag_low_bits_icdf: lag_icdf,
            pitch_contour_icdf: contour_icdf,
            n_frames_decoded: 0,
            n_frames_per_packet: 0,
            ec_prev_signal_type: 0,
            ec_prev_lag_index: 0,
            vad_flags: [false; MAX_FRAMES_PER_PACKET],
            lbrr_flag: false,
            lbrr_flags: [false; MAX_FRAMES_PER_PACKET],
            nlsf_cb: cb,
            indices: SideInfoIndices::default(),
            cng: CngState::zeroed(),
            loss_cnt: 0,
            prev_signal_type: 0,
            plc: PlcState::zeroed(),
        };
        // CNG reset with the order cleared to 0: only gain and seed are set.
        self.cng.cng_smth_gain_q16 = 0;
        self.cng.rand_seed = CNG_RAND_SEED_INIT;
        // PLC reset with the frame length cleared to 0.
        self.plc.pitch_l_q8 = 0;
        self.plc.prev_gain_q16 = [1 << 16; 2];
        self.plc.subfr_length = 20;
        self.plc.nb_subfr = 2;
    }
}

impl DecoderState {
    /// Sets the internal rate and frame layout: the part of libopus
    /// `silk_decoder_set_fs` that does not touch the resampler (the API
    /// layer initialises its resampler itself when `fs_khz` or the API rate
    /// changes, before calling this).
    ///
    /// `fs_khz` is 8, 12 or 16 and `self.nb_subfr` must already be 2 or 4.
    /// A rate change selects the codebook, order and pitch tables and clears
    /// the synthesis history, as libopus does.
    pub fn set_internal_fs(&mut self, fs_khz: i32) {
        debug_assert!(matches!(fs_khz, 8 | 12 | 16));
        debug_assert!(self.nb_subfr == MAX_NB_SUBFR || self.nb_subfr == MAX_NB_SUBFR / 2);
        self.subfr_length = SUB_FRAME_LENGTH_MS * fs_khz as usize;
        let frame_length = self.nb_subfr * self.subfr_length;
        if self.fs_khz != fs_khz || frame_length != self.frame_length {
            let twenty_ms = self.nb_subfr == MAX_NB_SUBFR;
            self.pitch_contour_icdf = match (fs_khz == 8, twenty_ms) {
                (true, true) => &PITCH_CONTOUR_NB_ICDF,
                (true, false) => &PITCH_CONTOUR_10_MS_NB_ICDF,
                (false, true) => &PITCH_CONTOUR_ICDF,
                (false, false) => &PITCH_CONTOUR_10_MS_ICDF,
            };
            if self.fs_khz != fs_khz {
                self.ltp_mem_length = LTP_MEM_LENGTH_MS * fs_khz as usize;
                if fs_khz == 16 {
                    self.lpc_order = MAX_LPC_ORDER;
                    self.nlsf_cb = &NLSF_CB_WB;
                    self.pitch_lag_low_bits_icdf = &UNIFORM8_ICDF;
                } else {
                    self.lpc_order = MIN_LPC_ORDER;
                    self.nlsf_cb = &NLSF_CB_NB_MB;
                    self.pitch_lag_low_bits_icdf = if fs_khz == 12 {
                        &UNIFORM6_ICDF
                    } else {
                        &UNIFORM4_ICDF
                    };
                }
                self.first_frame_after_reset = true;
                self.lag_prev = 100;
                self.last_gain_index = 10;
                self.prev_signal_type = TYPE_NO_VOICE_ACTIVITY;
                self.out_buf = [0; OUT_BUF_LENGTH];
                self.slpc_q14_buf = [0; MAX_LPC_ORDER];
            }
            self.fs_khz = fs_khz;
            self.frame_length = frame_length;
        }
    }
}

impl Default for DecoderState {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_define_h() {
        assert_eq!(MAX_FRAME_LENGTH, 320);
        assert_eq!(MAX_SUB_FRAME_LENGTH, 80);
        assert_eq!(MAX_NB_SHELL_BLOCKS, 20);
        assert_eq!(OUT_BUF_LENGTH, 480);
        assert_eq!(1 << LOG2_SHELL_CODEC_FRAME_LENGTH, SHELL_CODEC_FRAME_LENGTH);
    }

    #[test]
    fn reset_restores_starting_values() {
        let mut st = DecoderState::new();
        assert_eq!(st.prev_gain_q16, 65536);
        assert!(st.first_frame_after_reset);
        assert_eq!(st.cng.rand_seed, CNG_RAND_SEED_INIT);
        assert_eq!(st.plc.prev_gain_q16, [65536, 65536]);
        st.loss_cnt = 3;
        st.exc_q14[7] = 99;
        st.reset();
        assert_eq!(st.loss_cnt, 0);
        assert_eq!(st.exc_q14[7], 0);
        assert_eq!(st.plc.nb_subfr, 2);
    }

    #[test]
    fn set_internal_fs_layouts() {
        let mut st = DecoderState::new();
        for (fs, nb, frame, order, mem) in [
            (8, 4, 160, 10, 160),
            (12, 2, 120, 10, 240),
            (16, 4, 320, 16, 320),
        ] {
            st.nb_subfr = nb;
            st.set_internal_fs(fs);
            assert_eq!(
                (st.frame_length, st.lpc_order, st.ltp_mem_length),
                (frame, order, mem)
            );
            assert_eq!(st.nlsf_cb.order as usize, order);
            assert_eq!(st.lag_prev, 100);
        }
    }
}

//! The SILK encoder API, float build (libopus `silk/enc_API.c`,
//! `silk/control_codec.c`, `silk/init_encoder.c`,
//! `silk/control_audio_bandwidth.c`, `silk/control_SNR.c`,
//! `silk/check_control_input.c`).
//!
//! Input: API-rate float samples (`opus_res`, ±1.0 full scale), interleaved
//! when stereo, and the per-call settings ([`EncControl`]). Output: the SILK
//! part of an Opus packet, written to a [`RangeEncoder`]: VAD and LBRR
//! flags, the previous packet's LBRR frames, then every frame of the
//! packet (10–60 ms), with stereo prediction when two channels are coded.

use super::super::fixed::{fix_const, limit, lin2log, rshift_round, smlawb, smulwb};
use super::super::resampler::Resampler;
use super::super::structs::{
    CondCoding, LTP_MEM_LENGTH_MS, MAX_FRAME_LENGTH_MS, MAX_LPC_ORDER,
    MAX_NB_SUBFR, MIN_LPC_ORDER, SUB_FRAME_LENGTH_MS, TYPE_NO_VOICE_ACTIVITY,
};
use super::super::tables_nlsf_cb_nb_mb::NLSF_CB_NB_MB;
use super::super::tables_nlsf_cb_wb::NLSF_CB_WB;
use super::super::tables_other::{
    LBRR_FLAGS_ICDF_PTR, QUANTIZATION_OFFSETS_Q10, UNIFORM4_ICDF, UNIFORM6_ICDF, UNIFORM8_ICDF,
};
use super::super::tables_pitch_lag::{
    PITCH_CONTOUR_10_MS_ICDF, PITCH_CONTOUR_10_MS_NB_ICDF, PITCH_CONTOUR_ICDF,
    PITCH_CONTOUR_NB_ICDF,
};
use super::encode_frame::{encode_do_vad_flp, encode_frame_flp};
use super::encode_indices::encode_indices;
use super::encode_pulses::encode_pulses;
use super::filters::hp_variable_cutoff;
use super::float2int;
use super::stereo_enc::{stereo_encode_mid_only, stereo_encode_pred, stereo_lr_to_ms};
use super::structs::{
    EncControl, EncoderState, EncoderStateFlp, NsqState, ShapeStateFlp, SilkEncoderState,
    BITRESERVOIR_DECAY_TIME_MS, ENCODER_NUM_CHANNELS, FIND_PITCH_LPC_WIN_MS,
    FIND_PITCH_LPC_WIN_MS_2_SF, LA_PITCH_MS, LA_SHAPE_MS, MAX_BANDWIDTH_SWITCH_DELAY_MS,
    MAX_DEL_DEC_STATES, SILK_PE_MAX_COMPLEX, SILK_PE_MID_COMPLEX, SILK_PE_MIN_COMPLEX,
    SPEECH_ACTIVITY_DTX_THRES, TRANSITION_FRAMES, VARIABLE_HP_MIN_CUTOFF_HZ, WARPING_MULTIPLIER,
};
use crate::error::Error;
use crate::range_coder::RangeEncoder;

/// Most API samples per channel in one call: 60 ms at 48 kHz.
const MAX_API_SAMPLES: usize = 60 * 48;
/// Longest analysis buffer, ms, re-sampled on an internal rate change.
const MAX_BUF_LENGTH_MS: usize = 2 * MAX_NB_SUBFR * 5 + LA_SHAPE_MS;

/// libopus `FLOAT2INT16`: scales a ±1.0 float to 16 bits, rounding to
/// nearest even and saturating.
#[inline]
pub fn float2int16(x: f32) -> i16 {
    let mut v = x * 32768.0f32;
    v = v.max(-32768.0);
    v = v.min(32767.0);
    float2int(v) as i16
}

// ---------------------------------------------------------------------------
// Initialisation and control.
// ---------------------------------------------------------------------------

/// Clears one channel's state and sets its starting values (libopus
/// `silk_init_encoder`).
pub fn init_encoder(enc: &mut EncoderStateFlp) {
    *enc = EncoderStateFlp::zeroed();
    let st = &mut enc.s_cmn;
    st.variable_hp_smth1_q15 = (lin2log(VARIABLE_HP_MIN_CUTOFF_HZ << 16) - (16 << 7)) << 8;
    st.variable_hp_smth2_q15 = st.variable_hp_smth1_q15;
    st.first_frame_after_reset = true;
    super::vad::vad_init(&mut st.s_vad);
}

/// Validates the settings (libopus `check_control_input`).
///
/// # Errors
///
/// [`Error::BadArg`] naming the first invalid setting.
pub fn check_control_input(c: &EncControl) -> Result<(), Error> {
    let internal_ok = |r: i32| r == 8000 || r == 12000 || r == 16000;
    let api_ok = matches!(c.api_sample_rate, 8000 | 12000 | 16000 | 24000 | 32000 | 44100 | 48000);
    if !api_ok
        || !internal_ok(c.desired_internal_sample_rate)
        || !internal_ok(c.max_internal_sample_rate)
        || !internal_ok(c.min_internal_sample_rate)
        || c.min_internal_sample_rate > c.desired_internal_sample_rate
        || c.max_internal_sample_rate < c.desired_internal_sample_rate
        || c.min_internal_sample_rate > c.max_internal_sample_rate
    {
        return Err(Error::BadArg("silk encoder: sampling rate not supported"));
    }
    if !matches!(c.payload_size_ms, 10 | 20 | 40 | 60) {
        return Err(Error::BadArg("silk encoder: packet size not supported"));
    }
    if !(0..=100).contains(&c.packet_loss_percentage) {
        return Err(Error::BadArg("silk encoder: invalid loss rate"));
    }
    if !(0..=1).contains(&c.use_dtx) {
        return Err(Error::BadArg("silk encoder: invalid DTX setting"));
    }
    if !(0..=1).contains(&c.use_cbr) {
        return Err(Error::BadArg("silk encoder: invalid CBR setting"));
    }
    if !(0..=1).contains(&c.use_in_band_fec) {
        return Err(Error::BadArg("silk encoder: invalid in-band FEC setting"));
    }
    if c.n_channels_api < 1 || c.n_channels_api > ENCODER_NUM_CHANNELS as i32 {
        return Err(Error::BadArg("silk encoder: invalid number of channels"));
    }
    if c.n_channels_internal < 1 || c.n_channels_internal > ENCODER_NUM_CHANNELS as i32 {
        return Err(Error::BadArg("silk encoder: invalid number of channels"));
    }
    if c.n_channels_internal > c.n_channels_api {
        return Err(Error::BadArg("silk encoder: invalid number of channels"));
    }
    if !(0..=10).contains(&c.complexity) {
        return Err(Error::BadArg("silk encoder: invalid complexity"));
    }
    Ok(())
}

/// Chooses the internal rate, steering bandwidth transitions (libopus
/// `silk_control_audio_bandwidth`). Returns the rate in kHz.
pub fn control_audio_bandwidth(st: &mut EncoderState, c: &mut EncControl) -> i32 {
    let mut orig_khz = st.fs_khz;
    if orig_khz == 0 {
        orig_khz = st.s_lp.saved_fs_khz;
    }
    let mut fs_khz = orig_khz;
    let mut fs_hz = fs_khz * 1000;
    if fs_hz == 0 {
        fs_hz = st.desired_internal_fs_hz.min(st.api_fs_hz);
        fs_khz = fs_hz / 1000;
    } else if fs_hz > st.api_fs_hz || fs_hz > st.max_internal_fs_hz || fs_hz < st.min_internal_fs_hz {
        fs_hz = st.api_fs_hz;
        fs_hz = fs_hz.min(st.max_internal_fs_hz);
        fs_hz = fs_hz.max(st.min_internal_fs_hz);
        fs_khz = fs_hz / 1000;
    } else {
        if st.s_lp.transition_frame_no >= TRANSITION_FRAMES {
            st.s_lp.mode = 0;
        }
        if st.allow_bandwidth_switch || c.opus_can_switch != 0 {
            if orig_khz * 1000 > st.desired_internal_fs_hz {
                // Switch down.
                if st.s_lp.mode == 0 {
                    st.s_lp.transition_frame_no = TRANSITION_FRAMES;
                    st.s_lp.in_lp_state = [0; 2];
                }
                if c.opus_can_switch != 0 {
                    st.s_lp.mode = 0;
                    fs_khz = if orig_khz == 16 { 12 } else { 8 };
                } else if st.s_lp.transition_frame_no <= 0 {
                    c.switch_ready = 1;
                    c.max_bits -= c.max_bits * 5 / (c.payload_size_ms + 5);
                } else {
                    st.s_lp.mode = -2;
                }
            } else if orig_khz * 1000 < st.desired_internal_fs_hz {
                // Switch up.
                if c.opus_can_switch != 0 {
                    fs_khz = if orig_khz == 8 { 12 } else { 16 };
                    st.s_lp.transition_frame_no = 0;
                    st.s_lp.in_lp_state = [0; 2];
                    st.s_lp.mode = 1;
                } else if st.s_lp.mode == 0 {
                    c.switch_ready = 1;
                    c.max_bits -= c.max_bits * 5 / (c.payload_size_ms + 5);
                } else {
                    st.s_lp.mode = 1;
                }
            } else if st.s_lp.mode < 0 {
                st.s_lp.mode = 1;
            }
        }
    }
    fs_khz
}

#[rustfmt::skip]
const TARGET_RATE_NB_21: [u8; 117 - 10] = [
                                              0, 15, 39, 52, 61, 68,
     74, 79, 84, 88, 92, 95, 99,102,105,108,111,114,117,119,122,124,
    126,129,131,133,135,137,139,142,143,145,147,149,151,153,155,157,
    158,160,162,163,165,167,168,170,171,173,174,176,177,179,180,182,
    183,185,186,187,189,190,192,193,194,196,197,199,200,201,203,204,
    205,207,208,209,211,212,213,215,216,217,219,220,221,223,224,225,
    227,228,230,231,232,234,235,236,238,239,241,242,243,245,246,248,
    249,250,252,253,255,
];
#[rustfmt::skip]
const TARGET_RATE_MB_21: [u8; 165 - 10] = [
                                              0,  0, 28, 43, 52, 59,
     65, 70, 74, 78, 81, 85, 87, 90, 93, 95, 98,100,102,105,107,109,
    111,113,115,116,118,120,122,123,125,127,128,130,131,133,134,136,
    137,138,140,141,143,144,145,147,148,149,151,152,153,154,156,157,
    158,159,160,162,163,164,165,166,167,168,169,171,172,173,174,175,
    176,177,178,179,180,181,182,183,184,185,186,187,188,188,189,190,
    191,192,193,194,195,196,197,198,199,200,201,202,203,203,204,205,
    206,207,208,209,210,211,212,213,214,214,215,216,217,218,219,220,
    221,222,223,224,224,225,226,227,228,229,230,231,232,233,234,235,
    236,236,237,238,239,240,241,242,243,244,245,246,247,248,249,250,
    251,252,253,254,255,
];
#[rustfmt::skip]
const TARGET_RATE_WB_21: [u8; 201 - 10] = [
                                              0,  0,  0,  8, 29, 41,
     49, 56, 62, 66, 70, 74, 77, 80, 83, 86, 88, 91, 93, 95, 97, 99,
    101,103,105,107,108,110,112,113,115,116,118,119,121,122,123,125,
    126,127,129,130,131,132,134,135,136,137,138,140,141,142,143,144,
    145,146,147,148,149,150,151,152,153,154,156,157,158,159,159,160,
    161,162,163,164,165,166,167,168,169,170,171,171,172,173,174,175,
    176,177,177,178,179,180,181,181,182,183,184,185,185,186,187,188,
    189,189,190,191,192,192,193,194,195,195,196,197,198,198,199,200,
    200,201,202,203,203,204,205,206,206,207,208,209,209,210,211,211,
    212,213,214,214,215,216,216,217,218,219,219,220,221,221,222,223,
    224,224,225,226,226,227,228,229,229,230,231,232,232,233,234,234,
    235,236,237,237,238,239,240,240,241,242,243,243,244,245,246,246,
    247,248,249,249,250,251,252,253,255,
];

/// Sets the quality (SNR) target from the bitrate (libopus `silk_control_SNR`).
pub fn control_snr(st: &mut EncoderState, mut target_rate_bps: i32) {
    st.target_rate_bps = target_rate_bps;
    if st.nb_subfr == 2 {
        target_rate_bps -= 2000 + st.fs_khz / 16;
    }
    let table: &[u8] = match st.fs_khz {
        8 => &TARGET_RATE_NB_21,
        12 => &TARGET_RATE_MB_21,
        _ => &TARGET_RATE_WB_21,
    };
    let bound = table.len() as i32;
    let mut id = (target_rate_bps + 200) / 400;
    id = (id - 10).min(bound - 1);
    st.snr_db_q7 = if id <= 0 { 0 } else { table[id as usize] as i32 * 21 };
}

/// Re-initialises the input resampler on a rate change, re-sampling the
/// analysis buffer to the new internal rate (libopus `silk_setup_resamplers`).
fn setup_resamplers(enc: &mut EncoderStateFlp, fs_khz: i32) -> Result<(), Error> {
    let st_fs_khz = enc.s_cmn.fs_khz;
    let api_fs_hz = enc.s_cmn.api_fs_hz;
    if st_fs_khz != fs_khz || enc.s_cmn.prev_api_fs_hz != api_fs_hz {
        if st_fs_khz == 0 {
            enc.s_cmn.resampler_state.init(api_fs_hz, fs_khz * 1000, true)?;
        } else {
            let buf_length_ms = ((enc.s_cmn.nb_subfr * 5) << 1) + LA_SHAPE_MS;
            let old_buf_samples = buf_length_ms * st_fs_khz as usize;
            let new_buf_samples = buf_length_ms * fs_khz as usize;
            let mut x_buf_fix = [0i16; MAX_BUF_LENGTH_MS * 16];
            for k in 0..old_buf_samples {
                x_buf_fix[k] = float2int(enc.x_buf[k]).clamp(-32768, 32767) as i16;
            }
            let mut temp = Resampler::new(st_fs_khz * 1000, api_fs_hz, false)?;
            let api_buf_samples = buf_length_ms * (api_fs_hz / 1000) as usize;
            let mut x_buf_api = [0i16; MAX_BUF_LENGTH_MS * 48];
            temp.process(&mut x_buf_api[..api_buf_samples], &x_buf_fix[..old_buf_samples])?;
            enc.s_cmn.resampler_state.init(api_fs_hz, fs_khz * 1000, true)?;
            enc.s_cmn
                .resampler_state
                .process(&mut x_buf_fix[..new_buf_samples], &x_buf_api[..api_buf_samples])?;
            for k in 0..new_buf_samples {
                enc.x_buf[k] = x_buf_fix[k] as f32;
            }
        }
    }
    enc.s_cmn.prev_api_fs_hz = api_fs_hz;
    Ok(())
}

/// Sets frame sizes and rate-dependent tables (libopus `silk_setup_fs`).
fn setup_fs(enc: &mut EncoderStateFlp, fs_khz: i32, packet_size_ms: i32) -> Result<(), Error> {
    let mut ret = Ok(());
    let st = &mut enc.s_cmn;
    if packet_size_ms != st.packet_size_ms {
        if !matches!(packet_size_ms, 10 | 20 | 40 | 60) {
            ret = Err(Error::BadArg("silk encoder: packet size not supported"));
        }
        if packet_size_ms <= 10 {
            st.n_frames_per_packet = 1;
            st.nb_subfr = if packet_size_ms == 10 { 2 } else { 1 };
            st.frame_length = (packet_size_ms * fs_khz) as usize;
            st.pitch_lpc_win_length = FIND_PITCH_LPC_WIN_MS_2_SF * fs_khz as usize;
            st.pitch_contour_icdf = if st.fs_khz == 8 {
                &PITCH_CONTOUR_10_MS_NB_ICDF
            } else {
                &PITCH_CONTOUR_10_MS_ICDF
            };
        } else {
            st.n_frames_per_packet = (packet_size_ms / MAX_FRAME_LENGTH_MS as i32) as usize;
            st.nb_subfr = MAX_NB_SUBFR;
            st.frame_length = 20 * fs_khz as usize;
            st.pitch_lpc_win_length = FIND_PITCH_LPC_WIN_MS * fs_khz as usize;
            st.pitch_contour_icdf = if st.fs_khz == 8 {
                &PITCH_CONTOUR_NB_ICDF
            } else {
                &PITCH_CONTOUR_ICDF
            };
        }
        st.packet_size_ms = packet_size_ms;
        st.target_rate_bps = 0;
    }

    if st.fs_khz != fs_khz {
        enc.s_shape = ShapeStateFlp::default();
        st.s_nsq = NsqState::zeroed();
        st.prev_nlsfq_q15 = [0; MAX_LPC_ORDER];
        st.s_lp.in_lp_state = [0; 2];
        st.input_buf_ix = 0;
        st.n_frames_encoded = 0;
        st.target_rate_bps = 0;
        st.prev_lag = 100;
        st.first_frame_after_reset = true;
        enc.s_shape.last_gain_index = 10;
        st.s_nsq.lag_prev = 100;
        st.s_nsq.prev_gain_q16 = 65536;
        st.prev_signal_type = TYPE_NO_VOICE_ACTIVITY as i8;
        st.fs_khz = fs_khz;
        st.pitch_contour_icdf = match (fs_khz == 8, st.nb_subfr == MAX_NB_SUBFR) {
            (true, true) => &PITCH_CONTOUR_NB_ICDF,
            (true, false) => &PITCH_CONTOUR_10_MS_NB_ICDF,
            (false, true) => &PITCH_CONTOUR_ICDF,
            (false, false) => &PITCH_CONTOUR_10_MS_ICDF,
        };
        if fs_khz == 8 || fs_khz == 12 {
            st.predict_lpc_order = MIN_LPC_ORDER;
            st.ps_nlsf_cb = &NLSF_CB_NB_MB;
        } else {
            st.predict_lpc_order = MAX_LPC_ORDER;
            st.ps_nlsf_cb = &NLSF_CB_WB;
        }
        st.subfr_length = SUB_FRAME_LENGTH_MS * fs_khz as usize;
        st.frame_length = st.subfr_length * st.nb_subfr;
        st.ltp_mem_length = LTP_MEM_LENGTH_MS * fs_khz as usize;
        st.la_pitch = LA_PITCH_MS * fs_khz as usize;
        st.max_pitch_lag = 18 * fs_khz;
        st.pitch_lpc_win_length = if st.nb_subfr == MAX_NB_SUBFR {
            FIND_PITCH_LPC_WIN_MS * fs_khz as usize
        } else {
            FIND_PITCH_LPC_WIN_MS_2_SF * fs_khz as usize
        };
        st.pitch_lag_low_bits_icdf = match fs_khz {
            16 => &UNIFORM8_ICDF,
            12 => &UNIFORM6_ICDF,
            _ => &UNIFORM4_ICDF,
        };
    }
    ret
}

/// Sets every complexity-dependent parameter (libopus `silk_setup_complexity`).
pub fn setup_complexity(st: &mut EncoderState, complexity: i32) {
    let fs = st.fs_khz;
    let warping = fs * fix_const(WARPING_MULTIPLIER as f64, 16);
    // (pitch complexity, threshold, pitch LPC order, shaping order, la_shape ms,
    //  delayed-decision states, interpolated NLSFs, NLSF survivors, warping)
    let (pe, thr, pe_order, shp_order, la_ms, n_dd, interp, surv, warp) = if complexity < 1 {
        (SILK_PE_MIN_COMPLEX, 0.8, 6, 12, 3, 1, false, 2, 0)
    } else if complexity < 2 {
        (SILK_PE_MID_COMPLEX, 0.76, 8, 14, 5, 1, false, 3, 0)
    } else if complexity < 3 {
        (SILK_PE_MIN_COMPLEX, 0.8, 6, 12, 3, 2, false, 2, 0)
    } else if complexity < 4 {
        (SILK_PE_MID_COMPLEX, 0.76, 8, 14, 5, 2, false, 4, 0)
    } else if complexity < 6 {
        (SILK_PE_MID_COMPLEX, 0.74, 10, 16, 5, 2, true, 6, warping)
    } else if complexity < 8 {
        (SILK_PE_MID_COMPLEX, 0.72, 12, 20, 5, 3, true, 8, warping)
    } else {
        (SILK_PE_MAX_COMPLEX, 0.7, 16, 24, 5, MAX_DEL_DEC_STATES as i32, true, 16, warping)
    };
    st.pitch_estimation_complexity = pe;
    st.pitch_estimation_threshold_q16 = fix_const(thr, 16);
    st.pitch_estimation_lpc_order = pe_order;
    st.shaping_lpc_order = shp_order;
    st.la_shape = (la_ms * fs) as usize;
    st.n_states_delayed_decision = n_dd;
    st.use_interpolated_nlsfs = interp;
    st.nlsf_msvq_survivors = surv;
    st.warping_q16 = warp;
    st.pitch_estimation_lpc_order = st.pitch_estimation_lpc_order.min(st.predict_lpc_order);
    st.shape_win_length = SUB_FRAME_LENGTH_MS * fs as usize + 2 * st.la_shape;
    st.complexity = complexity;
}

/// Turns LBRR on or off and sets its gain increase (libopus `silk_setup_LBRR`).
pub fn setup_lbrr(st: &mut EncoderState, c: &EncControl) {
    let lbrr_in_previous_packet = st.lbrr_enabled;
    st.lbrr_enabled = c.lbrr_coded != 0;
    if st.lbrr_enabled {
        st.lbrr_gain_increases = if !lbrr_in_previous_packet {
            7
        } else {
            (7 - smulwb(st.packet_loss_perc, fix_const(0.2, 16))).max(3)
        };
    }
}

/// Applies the settings to one channel (libopus `silk_control_encoder`).
///
/// # Errors
///
/// Invalid packet size or rates.
pub fn control_encoder(
    enc: &mut EncoderStateFlp,
    c: &mut EncControl,
    allow_bw_switch: bool,
    channel_nb: usize,
    force_fs_khz: i32,
) -> Result<(), Error> {
    {
        let st = &mut enc.s_cmn;
        st.use_dtx = c.use_dtx != 0;
        st.use_cbr = c.use_cbr != 0;
        st.api_fs_hz = c.api_sample_rate;
        st.max_internal_fs_hz = c.max_internal_sample_rate;
        st.min_internal_fs_hz = c.min_internal_sample_rate;
        st.desired_internal_fs_hz = c.desired_internal_sample_rate;
        st.use_in_band_fec = c.use_in_band_fec != 0;
        st.n_channels_api = c.n_channels_api as usize;
        st.n_channels_internal = c.n_channels_internal as usize;
        st.allow_bandwidth_switch = allow_bw_switch;
        st.channel_nb = channel_nb;
    }
    if enc.s_cmn.controlled_since_last_payload && !enc.s_cmn.prefill_flag {
        if enc.s_cmn.api_fs_hz != enc.s_cmn.prev_api_fs_hz && enc.s_cmn.fs_khz > 0 {
            let fs = enc.s_cmn.fs_khz;
            setup_resamplers(enc, fs)?;
        }
        return Ok(());
    }
    let mut fs_khz = control_audio_bandwidth(&mut enc.s_cmn, c);
    if force_fs_khz != 0 {
        fs_khz = force_fs_khz;
    }
    setup_resamplers(enc, fs_khz)?;
    setup_fs(enc, fs_khz, c.payload_size_ms)?;
    setup_complexity(&mut enc.s_cmn, c.complexity);
    enc.s_cmn.packet_loss_perc = c.packet_loss_percentage;
    setup_lbrr(&mut enc.s_cmn, c);
    enc.s_cmn.controlled_since_last_payload = true;
    Ok(())
}

// ---------------------------------------------------------------------------
// The encoder.
// ---------------------------------------------------------------------------

/// A SILK encoder for one or two channels (libopus `silk_encoder` with
/// `silk_InitEncoder`, `silk_QueryEncoder` and `silk_Encode`).
#[derive(Debug, Clone)]
pub struct SilkEncoder {
    st: Box<SilkEncoderState>,
    channels: usize,
}

impl SilkEncoder {
    /// A cleared encoder for `channels` (1 or 2) API channels (libopus
    /// `silk_InitEncoder`).
    ///
    /// # Errors
    ///
    /// [`Error::BadArg`] for a channel count other than 1 or 2.
    pub fn new(channels: usize) -> Result<Self, Error> {
        if !(1..=ENCODER_NUM_CHANNELS).contains(&channels) {
            return Err(Error::BadArg("silk encoder: invalid number of channels"));
        }
        let mut e = SilkEncoder {
            st: Box::new(SilkEncoderState::zeroed()),
            channels,
        };
        e.reset();
        Ok(e)
    }

    /// Back to the state [`new`](Self::new) gives, without allocating.
    pub fn reset(&mut self) {
        let s = &mut *self.st;
        s.s_stereo = Default::default();
        s.n_bits_used_lbrr = 0;
        s.n_bits_exceeded = 0;
        s.n_prev_channels_internal = 0;
        s.time_since_switch_allowed_ms = 0;
        s.allow_bandwidth_switch = false;
        s.prev_decode_only_middle = false;
        for n in 0..self.channels {
            init_encoder(&mut s.state_fxx[n]);
        }
        s.n_channels_api = 1;
        s.n_channels_internal = 1;
    }

    /// The encoder's state, for inspection (and for the Opus layer, which
    /// reads the high-pass smoother and the speech activity).
    pub fn state(&self) -> &SilkEncoderState {
        &self.st
    }

    /// The current settings and status (libopus `silk_QueryEncoder`).
    pub fn query(&self) -> EncControl {
        let s = &*self.st;
        let c0 = &s.state_fxx[0].s_cmn;
        EncControl {
            n_channels_api: s.n_channels_api as i32,
            n_channels_internal: s.n_channels_internal as i32,
            api_sample_rate: c0.api_fs_hz,
            max_internal_sample_rate: c0.max_internal_fs_hz,
            min_internal_sample_rate: c0.min_internal_fs_hz,
            desired_internal_sample_rate: c0.desired_internal_fs_hz,
            payload_size_ms: c0.packet_size_ms,
            bit_rate: c0.target_rate_bps,
            packet_loss_percentage: c0.packet_loss_perc,
            complexity: c0.complexity,
            use_in_band_fec: c0.use_in_band_fec as i32,
            use_dtx: c0.use_dtx as i32,
            use_cbr: c0.use_cbr as i32,
            internal_sample_rate: c0.fs_khz * 1000,
            allow_bandwidth_switch: c0.allow_bandwidth_switch as i32,
            in_wb_mode_without_variable_lp: (c0.fs_khz == 16 && c0.s_lp.mode == 0) as i32,
            ..Default::default()
        }
    }

    /// Encodes `n_samples_in` API samples per channel (10 to 60 ms; one
    /// 10 ms block when prefilling) into `rc` (libopus `silk_Encode`).
    /// Returns the payload size in bytes, 0 while a multi-frame packet is
    /// still being filled, when prefilling, or in DTX.
    ///
    /// `samples` holds `n_samples_in * n_channels_api` interleaved values,
    /// ±1.0 full scale. `prefill_flag` is 0, 1 (prefill) or 2 (prefill
    /// keeping the bandwidth low-pass state); `activity` is the Opus-level
    /// VAD decision (1 active, 0 inactive, -1 none).
    ///
    /// # Errors
    ///
    /// [`Error::BadArg`] for invalid settings or sample counts, and errors
    /// of the analysis stages.
    pub fn encode(
        &mut self,
        c: &mut EncControl,
        samples: &[f32],
        mut n_samples_in: usize,
        rc: &mut RangeEncoder<'_>,
        prefill_flag: i32,
        activity: i32,
    ) -> Result<i32, Error> {
        let ps = &mut *self.st;
        let mut n_bytes_out = 0i32;
        if c.n_channels_api < c.n_channels_internal
            || c.n_channels_api < ps.n_channels_internal as i32
            || c.n_channels_api as usize > self.channels
        {
            return Err(Error::BadArg("silk encoder: invalid number of channels"));
        }
        if samples.len() < n_samples_in * c.n_channels_api as usize {
            return Err(Error::BufferTooSmall {
                needed: n_samples_in * c.n_channels_api as usize,
                got: samples.len(),
            });
        }
        if c.reduced_dependency != 0 {
            for n in 0..c.n_channels_api as usize {
                ps.state_fxx[n].s_cmn.first_frame_after_reset = true;
            }
        }
        for n in 0..c.n_channels_api as usize {
            ps.state_fxx[n].s_cmn.n_frames_encoded = 0;
        }
        check_control_input(c)?;
        c.switch_ready = 0;

        let n_int = c.n_channels_internal as usize;
        if n_int > ps.n_channels_internal {
            // Second channel starts: fresh state, stereo predictor reset.
            init_encoder(&mut ps.state_fxx[1]);
            ps.s_stereo.pred_prev_q13 = [0; 2];
            ps.s_stereo.s_side = [0; 2];
            ps.s_stereo.mid_side_amp_q0 = [0, 1, 0, 1];
            ps.s_stereo.width_prev_q14 = 0;
            ps.s_stereo.smth_width_q14 = fix_const(1.0, 14) as i16;
            if ps.n_channels_api == 2 {
                let (a, b) = ps.state_fxx.split_at_mut(1);
                b[0].s_cmn.resampler_state = a[0].s_cmn.resampler_state.clone();
                b[0].s_cmn.in_hp_state = a[0].s_cmn.in_hp_state;
            }
        }

        let transition = c.payload_size_ms != ps.state_fxx[0].s_cmn.packet_size_ms
            || ps.n_channels_internal != n_int;
        ps.n_channels_api = c.n_channels_api as usize;
        ps.n_channels_internal = n_int;

        let n_blocks_of_10ms = (100 * n_samples_in as i32) / c.api_sample_rate;
        let tot_blocks = if n_blocks_of_10ms > 1 { n_blocks_of_10ms >> 1 } else { 1 };
        let mut curr_block = 0;
        let mut tmp_payload_size_ms = 0;
        let mut tmp_complexity = 0;
        if prefill_flag != 0 {
            if n_blocks_of_10ms != 1 {
                return Err(Error::BadArg("silk encoder: prefill needs 10 ms of input"));
            }
            let mut save_lp = ps.state_fxx[0].s_cmn.s_lp;
            save_lp.saved_fs_khz = ps.state_fxx[0].s_cmn.fs_khz;
            for n in 0..n_int {
                init_encoder(&mut ps.state_fxx[n]);
                if prefill_flag == 2 {
                    ps.state_fxx[n].s_cmn.s_lp = save_lp;
                }
            }
            tmp_payload_size_ms = c.payload_size_ms;
            c.payload_size_ms = 10;
            tmp_complexity = c.complexity;
            c.complexity = 0;
            for n in 0..n_int {
                ps.state_fxx[n].s_cmn.controlled_since_last_payload = false;
                ps.state_fxx[n].s_cmn.prefill_flag = true;
            }
        } else if n_blocks_of_10ms * c.api_sample_rate != 100 * n_samples_in as i32
            || 1000 * n_samples_in as i32 > c.payload_size_ms * c.api_sample_rate
        {
            return Err(Error::BadArg("silk encoder: invalid number of samples"));
        }

        for n in 0..n_int {
            let force_fs_khz = if n == 1 { ps.state_fxx[0].s_cmn.fs_khz } else { 0 };
            control_encoder(&mut ps.state_fxx[n], c, ps.allow_bandwidth_switch, n, force_fs_khz)?;
            if ps.state_fxx[n].s_cmn.first_frame_after_reset || transition {
                let nfp = ps.state_fxx[0].s_cmn.n_frames_per_packet;
                for i in 0..nfp {
                    ps.state_fxx[n].s_cmn.lbrr_flags[i] = false;
                }
            }
            ps.state_fxx[n].s_cmn.in_dtx = ps.state_fxx[n].s_cmn.use_dtx;
        }

        let n_samples_to_buffer_max = 10 * n_blocks_of_10ms as usize * ps.state_fxx[0].s_cmn.fs_khz as usize;
        let mut buf = [0i16; MAX_API_SAMPLES];
        let mut in_pos = 0usize;
        let n_ch_api = c.n_channels_api as usize;

        loop {
            let mut curr_n_bits_used_lbrr = 0i32;
            let api_fs = ps.state_fxx[0].s_cmn.api_fs_hz;
            let fs0 = ps.state_fxx[0].s_cmn.fs_khz;
            let mut n_to_buffer = ps.state_fxx[0].s_cmn.frame_length - ps.state_fxx[0].s_cmn.input_buf_ix;
            n_to_buffer = n_to_buffer.min(n_samples_to_buffer_max);
            let n_from_input = (n_to_buffer as i32 * api_fs / (fs0 * 1000)) as usize;
            let input = &samples[in_pos * n_ch_api..];

            if n_ch_api == 2 && n_int == 2 {
                let id = ps.state_fxx[0].s_cmn.n_frames_encoded;
                for n in 0..n_from_input {
                    buf[n] = float2int16(input[2 * n]);
                }
                if ps.n_prev_channels_internal == 1 && id == 0 {
                    let (a, b) = ps.state_fxx.split_at_mut(1);
                    b[0].s_cmn.resampler_state = a[0].s_cmn.resampler_state.clone();
                }
                {
                    let st = &mut ps.state_fxx[0].s_cmn;
                    let ix = st.input_buf_ix + 2;
                    st.resampler_state.process(&mut st.input_buf[ix..], &buf[..n_from_input])?;
                    st.input_buf_ix += n_to_buffer;
                }
                let st1 = &mut ps.state_fxx[1].s_cmn;
                let mut n_to_buffer1 = st1.frame_length - st1.input_buf_ix;
                n_to_buffer1 = n_to_buffer1.min(10 * n_blocks_of_10ms as usize * st1.fs_khz as usize);
                for n in 0..n_from_input {
                    buf[n] = float2int16(input[2 * n + 1]);
                }
                let ix = st1.input_buf_ix + 2;
                st1.resampler_state.process(&mut st1.input_buf[ix..], &buf[..n_from_input])?;
                st1.input_buf_ix += n_to_buffer1;
            } else if n_ch_api == 2 && n_int == 1 {
                for n in 0..n_from_input {
                    let sum = float2int16(input[2 * n] + input[2 * n + 1]) as i32;
                    buf[n] = rshift_round(sum, 1) as i16;
                }
                {
                    let st = &mut ps.state_fxx[0].s_cmn;
                    let ix = st.input_buf_ix + 2;
                    st.resampler_state.process(&mut st.input_buf[ix..], &buf[..n_from_input])?;
                }
                if ps.n_prev_channels_internal == 2 && ps.state_fxx[0].s_cmn.n_frames_encoded == 0 {
                    let (a, b) = ps.state_fxx.split_at_mut(1);
                    let st0 = &mut a[0].s_cmn;
                    let st1 = &mut b[0].s_cmn;
                    let ix1 = st1.input_buf_ix + 2;
                    st1.resampler_state.process(&mut st1.input_buf[ix1..], &buf[..n_from_input])?;
                    for n in 0..st0.frame_length {
                        let i0 = st0.input_buf_ix + n + 2;
                        let i1 = st1.input_buf_ix + n + 2;
                        st0.input_buf[i0] =
                            ((st0.input_buf[i0] as i32 + st1.input_buf[i1] as i32) >> 1) as i16;
                    }
                }
                ps.state_fxx[0].s_cmn.input_buf_ix += n_to_buffer;
            } else {
                for n in 0..n_from_input {
                    buf[n] = float2int16(input[n]);
                }
                let st = &mut ps.state_fxx[0].s_cmn;
                let ix = st.input_buf_ix + 2;
                st.resampler_state.process(&mut st.input_buf[ix..], &buf[..n_from_input])?;
                st.input_buf_ix += n_to_buffer;
            }

            in_pos += n_from_input;
            n_samples_in -= n_from_input;

            ps.allow_bandwidth_switch = false;

            if ps.state_fxx[0].s_cmn.input_buf_ix < ps.state_fxx[0].s_cmn.frame_length {
                break;
            }

            // A full frame is buffered: encode it.
            let nfp = ps.state_fxx[0].s_cmn.n_frames_per_packet;
            if ps.state_fxx[0].s_cmn.n_frames_encoded == 0 && prefill_flag == 0 {
                // Space for the VAD and LBRR flags, patched at the end.
                let icdf = [(256 - (256 >> ((nfp + 1) * n_int))) as u8, 0u8];
                rc.icdf(0, &icdf, 8);
                curr_n_bits_used_lbrr = rc.tell();

                for n in 0..n_int {
                    let st = &mut ps.state_fxx[n].s_cmn;
                    let mut lbrr_symbol = 0usize;
                    for i in 0..st.n_frames_per_packet {
                        lbrr_symbol |= (st.lbrr_flags[i] as usize) << i;
                    }
                    st.lbrr_flag = lbrr_symbol > 0;
                    if lbrr_symbol != 0 && st.n_frames_per_packet > 1 {
                        rc.icdf(lbrr_symbol - 1, LBRR_FLAGS_ICDF_PTR[st.n_frames_per_packet - 2], 8);
                    }
                }

                // LBRR frames of the previous packet.
                for i in 0..nfp {
                    for n in 0..n_int {
                        if ps.state_fxx[n].s_cmn.lbrr_flags[i] {
                            if n_int == 2 && n == 0 {
                                stereo_encode_pred(rc, &ps.s_stereo.pred_ix[i]);
                                if !ps.state_fxx[1].s_cmn.lbrr_flags[i] {
                                    stereo_encode_mid_only(rc, ps.s_stereo.mid_only_flags[i]);
                                }
                            }
                            let st = &mut ps.state_fxx[n].s_cmn;
                            let cond_coding = if i > 0 && st.lbrr_flags[i - 1] {
                                CondCoding::Conditionally
                            } else {
                                CondCoding::Independently
                            };
                            encode_indices(st, rc, i, true, cond_coding);
                            let fl = st.frame_length;
                            let (sig, off) = (
                                st.indices_lbrr[i].signal_type as i32,
                                st.indices_lbrr[i].quant_offset_type as i32,
                            );
                            encode_pulses(rc, sig, off, &mut st.pulses_lbrr[i], fl);
                        }
                    }
                }
                for n in 0..n_int {
                    ps.state_fxx[n].s_cmn.lbrr_flags = [false; super::super::structs::MAX_FRAMES_PER_PACKET];
                }
                curr_n_bits_used_lbrr = rc.tell() - curr_n_bits_used_lbrr;
            }

            hp_variable_cutoff(&mut ps.state_fxx[0].s_cmn);

            // Bitrate for this frame.
            let mut n_bits = c.bit_rate * c.payload_size_ms / 1000;
            if prefill_flag == 0 {
                if curr_n_bits_used_lbrr < 10 {
                    ps.n_bits_used_lbrr = 0;
                } else if ps.n_bits_used_lbrr < 10 {
                    ps.n_bits_used_lbrr = curr_n_bits_used_lbrr;
                } else {
                    ps.n_bits_used_lbrr = (ps.n_bits_used_lbrr + curr_n_bits_used_lbrr) / 2;
                }
                n_bits -= ps.n_bits_used_lbrr;
            }
            n_bits /= nfp as i32;
            let mut target_rate_bps = if c.payload_size_ms == 10 { n_bits * 100 } else { n_bits * 50 };
            target_rate_bps -= ps.n_bits_exceeded * 1000 / BITRESERVOIR_DECAY_TIME_MS;
            let fe0 = ps.state_fxx[0].s_cmn.n_frames_encoded;
            if prefill_flag == 0 && fe0 > 0 {
                let bits_balance = rc.tell() - ps.n_bits_used_lbrr - n_bits * fe0 as i32;
                target_rate_bps -= bits_balance * 1000 / BITRESERVOIR_DECAY_TIME_MS;
            }
            target_rate_bps = limit(target_rate_bps, c.bit_rate, 5000);

            let mut ms_target_rates_bps = [0i32; 2];
            if n_int == 2 {
                let fl = ps.state_fxx[0].s_cmn.frame_length;
                let fs = ps.state_fxx[0].s_cmn.fs_khz;
                let sa = ps.state_fxx[0].s_cmn.speech_activity_q8;
                {
                    let (a, b) = ps.state_fxx.split_at_mut(1);
                    let mut mid_only = ps.s_stereo.mid_only_flags[fe0];
                    let mut ix = ps.s_stereo.pred_ix[fe0];
                    stereo_lr_to_ms(
                        &mut ps.s_stereo,
                        &mut a[0].s_cmn.input_buf,
                        &mut b[0].s_cmn.input_buf,
                        &mut ix,
                        &mut mid_only,
                        &mut ms_target_rates_bps,
                        target_rate_bps,
                        sa,
                        c.to_mono != 0,
                        fs,
                        fl,
                    );
                    ps.s_stereo.pred_ix[fe0] = ix;
                    ps.s_stereo.mid_only_flags[fe0] = mid_only;
                }
                if ps.s_stereo.mid_only_flags[fe0] == 0 {
                    if ps.prev_decode_only_middle {
                        // Side channel restarts after mid-only frames.
                        let e1 = &mut ps.state_fxx[1];
                        e1.s_shape = ShapeStateFlp::default();
                        e1.s_cmn.s_nsq = NsqState::zeroed();
                        e1.s_cmn.prev_nlsfq_q15 = [0; MAX_LPC_ORDER];
                        e1.s_cmn.s_lp.in_lp_state = [0; 2];
                        e1.s_cmn.prev_lag = 100;
                        e1.s_cmn.s_nsq.lag_prev = 100;
                        e1.s_shape.last_gain_index = 10;
                        e1.s_cmn.prev_signal_type = TYPE_NO_VOICE_ACTIVITY as i8;
                        e1.s_cmn.s_nsq.prev_gain_q16 = 65536;
                        e1.s_cmn.first_frame_after_reset = true;
                    }
                    encode_do_vad_flp(&mut ps.state_fxx[1], activity);
                } else {
                    ps.state_fxx[1].s_cmn.vad_flags[fe0] = false;
                }
                if prefill_flag == 0 {
                    stereo_encode_pred(rc, &ps.s_stereo.pred_ix[fe0]);
                    if !ps.state_fxx[1].s_cmn.vad_flags[fe0] {
                        stereo_encode_mid_only(rc, ps.s_stereo.mid_only_flags[fe0]);
                    }
                }
            } else {
                let st = &mut ps.state_fxx[0].s_cmn;
                st.input_buf[..2].copy_from_slice(&ps.s_stereo.s_mid);
                let fl = st.frame_length;
                ps.s_stereo.s_mid.copy_from_slice(&st.input_buf[fl..fl + 2]);
            }
            encode_do_vad_flp(&mut ps.state_fxx[0], activity);

            for n in 0..n_int {
                let mut max_bits = c.max_bits;
                if tot_blocks == 2 && curr_block == 0 {
                    max_bits = max_bits * 3 / 5;
                } else if tot_blocks == 3 {
                    if curr_block == 0 {
                        max_bits = max_bits * 2 / 5;
                    } else if curr_block == 1 {
                        max_bits = max_bits * 3 / 4;
                    }
                }
                let mut use_cbr = c.use_cbr != 0 && curr_block == tot_blocks - 1;
                let channel_rate_bps;
                if n_int == 1 {
                    channel_rate_bps = target_rate_bps;
                } else {
                    channel_rate_bps = ms_target_rates_bps[n];
                    if n == 0 && ms_target_rates_bps[1] > 0 {
                        use_cbr = false;
                        max_bits -= c.max_bits / (tot_blocks * 2);
                    }
                }
                if channel_rate_bps > 0 {
                    control_snr(&mut ps.state_fxx[n].s_cmn, channel_rate_bps);
                    let fe = ps.state_fxx[0].s_cmn.n_frames_encoded as i32;
                    let cond_coding = if fe - n as i32 <= 0 {
                        CondCoding::Independently
                    } else if n > 0 && ps.prev_decode_only_middle {
                        CondCoding::IndependentlyNoLtpScaling
                    } else {
                        CondCoding::Conditionally
                    };
                    n_bytes_out = encode_frame_flp(&mut ps.state_fxx[n], rc, cond_coding, max_bits, use_cbr)?;
                }
                let st = &mut ps.state_fxx[n].s_cmn;
                st.controlled_since_last_payload = false;
                st.input_buf_ix = 0;
                st.n_frames_encoded += 1;
            }
            let fe0 = ps.state_fxx[0].s_cmn.n_frames_encoded;
            ps.prev_decode_only_middle = ps.s_stereo.mid_only_flags[fe0 - 1] != 0;

            if n_bytes_out > 0 && fe0 == nfp {
                let mut flags = 0u32;
                for n in 0..n_int {
                    let st = &ps.state_fxx[n].s_cmn;
                    for i in 0..st.n_frames_per_packet {
                        flags <<= 1;
                        flags |= st.vad_flags[i] as u32;
                    }
                    flags <<= 1;
                    flags |= st.lbrr_flag as u32;
                }
                if prefill_flag == 0 {
                    rc.patch_initial_bits(flags, ((nfp + 1) * n_int) as u32);
                }
                if ps.state_fxx[0].s_cmn.in_dtx && (n_int == 1 || ps.state_fxx[1].s_cmn.in_dtx) {
                    n_bytes_out = 0;
                }
                ps.n_bits_exceeded += n_bytes_out * 8;
                ps.n_bits_exceeded -= c.bit_rate * c.payload_size_ms / 1000;
                ps.n_bits_exceeded = limit(ps.n_bits_exceeded, 0, 10000);

                let speech_act_thr_for_switch_q8 = smlawb(
                    fix_const(SPEECH_ACTIVITY_DTX_THRES as f64, 8),
                    fix_const(
                        (1.0 - SPEECH_ACTIVITY_DTX_THRES as f64) / MAX_BANDWIDTH_SWITCH_DELAY_MS as f64,
                        16 + 8,
                    ),
                    ps.time_since_switch_allowed_ms,
                );
                if ps.state_fxx[0].s_cmn.speech_activity_q8 < speech_act_thr_for_switch_q8 {
                    ps.allow_bandwidth_switch = true;
                    ps.time_since_switch_allowed_ms = 0;
                } else {
                    ps.allow_bandwidth_switch = false;
                    ps.time_since_switch_allowed_ms += c.payload_size_ms;
                }
            }
            if n_samples_in == 0 {
                break;
            }
            curr_block += 1;
        }

        ps.n_prev_channels_internal = n_int;
        c.allow_bandwidth_switch = ps.allow_bandwidth_switch as i32;
        let c0 = &ps.state_fxx[0].s_cmn;
        c.in_wb_mode_without_variable_lp = (c0.fs_khz == 16 && c0.s_lp.mode == 0) as i32;
        c.internal_sample_rate = c0.fs_khz * 1000;
        c.stereo_width_q14 = if c.to_mono != 0 { 0 } else { ps.s_stereo.smth_width_q14 as i32 };
        if prefill_flag != 0 {
            c.payload_size_ms = tmp_payload_size_ms;
            c.complexity = tmp_complexity;
            for n in 0..n_int {
                ps.state_fxx[n].s_cmn.controlled_since_last_payload = false;
                ps.state_fxx[n].s_cmn.prefill_flag = false;
            }
        }
        let c0 = &ps.state_fxx[0].s_cmn;
        c.signal_type = c0.indices.signal_type as i32;
        c.offset = QUANTIZATION_OFFSETS_Q10[(c0.indices.signal_type >> 1) as usize]
            [c0.indices.quant_offset_type as usize] as i32;
        Ok(n_bytes_out)
    }
}

//! The SILK float encoder's analysis functions of the generic libopus build
//! (`silk/float/*_FLP.c`, `silk/VAD.c`), for bit-exact comparisons.
//!
//! These are internal libopus functions; the generic archive exports them
//! with the `gen_` prefix. Pure functions get slice-based wrappers that check
//! lengths before calling. Functions that take whole encoder states
//! (`silk_encoder_state_FLP`, `silk_encoder_control_FLP`) are driven through
//! [`CEncoderFlp`] and [`CControlFlp`]: zeroed, correctly aligned blocks of
//! the C struct sizes whose fields are read and written at the byte offsets
//! in [`offsets`].
//!
//! The offsets were printed by a C program that includes `silk/float/main_FLP.h`
//! with this crate's generic-build defines (`OPUS_BUILD`, `VAR_ARRAYS`,
//! `ENABLE_HARDENING`, `ENABLE_DEEP_PLC`, `ENABLE_DRED`, x86-64) and prints
//! `offsetof` for each field; they hold for libopus 1.6.1 only (opusic-sys
//! is pinned to `=0.7.7`).

#![allow(clippy::too_many_arguments)]

use core::ffi::{c_int, c_void};

/// Byte offsets and sizes of the libopus 1.6.1 encoder structs (x86-64).
#[allow(missing_docs)]
pub mod offsets {
    pub const ENC_FLP_SIZE: usize = 10184;
    pub const CTRL_FLP_SIZE: usize = 748;
    pub const VAD_STATE_SIZE: usize = 112;
    pub const ENC_S_SHAPE: usize = 7288;
    pub const ENC_X_BUF: usize = 7300;
    pub const ENC_LTP_CORR: usize = 10180;
    pub const SHAPE_LAST_GAIN_INDEX: usize = 0;
    pub const SHAPE_HARM_SMTH: usize = 4;
    pub const SHAPE_TILT_SMTH: usize = 8;
    pub const CMN_S_VAD: usize = 36;
    pub const CMN_PREV_NLSFQ_Q15: usize = 4500;
    pub const CMN_SPEECH_ACTIVITY_Q8: usize = 4532;
    pub const CMN_PREV_SIGNAL_TYPE: usize = 4541;
    pub const CMN_PREV_LAG: usize = 4544;
    pub const CMN_PITCH_LPC_WIN_LENGTH: usize = 4548;
    pub const CMN_FS_KHZ: usize = 4576;
    pub const CMN_NB_SUBFR: usize = 4580;
    pub const CMN_FRAME_LENGTH: usize = 4584;
    pub const CMN_SUBFR_LENGTH: usize = 4588;
    pub const CMN_LTP_MEM_LENGTH: usize = 4592;
    pub const CMN_LA_PITCH: usize = 4596;
    pub const CMN_LA_SHAPE: usize = 4600;
    pub const CMN_SHAPE_WIN_LENGTH: usize = 4604;
    pub const CMN_PACKET_LOSS_PERC: usize = 4616;
    pub const CMN_N_STATES_DELAYED_DECISION: usize = 4628;
    pub const CMN_USE_INTERPOLATED_NLSFS: usize = 4632;
    pub const CMN_SHAPING_LPC_ORDER: usize = 4636;
    pub const CMN_PREDICT_LPC_ORDER: usize = 4640;
    pub const CMN_PITCH_ESTIMATION_COMPLEXITY: usize = 4644;
    pub const CMN_PITCH_ESTIMATION_LPC_ORDER: usize = 4648;
    pub const CMN_PITCH_ESTIMATION_THRESHOLD_Q16: usize = 4652;
    pub const CMN_SUM_LOG_GAIN_Q7: usize = 4656;
    pub const CMN_NLSF_MSVQ_SURVIVORS: usize = 4660;
    pub const CMN_FIRST_FRAME_AFTER_RESET: usize = 4664;
    pub const CMN_WARPING_Q16: usize = 4672;
    pub const CMN_USE_CBR: usize = 4676;
    pub const CMN_PS_NLSF_CB: usize = 4704;
    pub const CMN_INPUT_QUALITY_BANDS_Q15: usize = 4712;
    pub const CMN_INPUT_TILT_Q15: usize = 4728;
    pub const CMN_SNR_DB_Q7: usize = 4732;
    pub const CMN_LBRR_FLAG: usize = 4739;
    pub const CMN_INDICES: usize = 4752;
    pub const CMN_N_FRAMES_PER_PACKET: usize = 5760;
    pub const CMN_ARCH: usize = 5108;
    pub const IND_GAINS_INDICES: usize = 0;
    pub const IND_LTP_INDEX: usize = 4;
    pub const IND_NLSF_INDICES: usize = 8;
    pub const IND_LAG_INDEX: usize = 26;
    pub const IND_CONTOUR_INDEX: usize = 28;
    pub const IND_SIGNAL_TYPE: usize = 29;
    pub const IND_QUANT_OFFSET_TYPE: usize = 30;
    pub const IND_NLSF_INTERP_COEF_Q2: usize = 31;
    pub const IND_PER_INDEX: usize = 32;
    pub const IND_LTP_SCALE_INDEX: usize = 33;
    pub const CTRL_GAINS: usize = 0;
    pub const CTRL_PRED_COEF: usize = 16;
    pub const CTRL_LTP_COEF: usize = 144;
    pub const CTRL_LTP_SCALE: usize = 224;
    pub const CTRL_PITCH_L: usize = 228;
    pub const CTRL_AR: usize = 244;
    pub const CTRL_LF_MA_SHP: usize = 628;
    pub const CTRL_LF_AR_SHP: usize = 644;
    pub const CTRL_TILT: usize = 660;
    pub const CTRL_HARM_SHAPE_GAIN: usize = 676;
    pub const CTRL_LAMBDA: usize = 692;
    pub const CTRL_INPUT_QUALITY: usize = 696;
    pub const CTRL_CODING_QUALITY: usize = 700;
    pub const CTRL_PRED_GAIN: usize = 704;
    pub const CTRL_LT_PRED_COD_GAIN: usize = 708;
    pub const CTRL_RES_NRG: usize = 712;
    pub const CTRL_GAINS_UNQ_Q16: usize = 728;
    pub const CTRL_LAST_GAIN_INDEX_PREV: usize = 744;
}

use offsets::*;

/// `silk_NLSF_CB_struct`, opaque here: only its address is stored.
#[repr(C)]
pub struct NlsfCb {
    _p: [u8; 0],
}

mod sys {
    use super::NlsfCb;
    use core::ffi::{c_int, c_void};
    extern "C" {
        #[link_name = "gen_silk_inner_product_FLP_c"]
        pub fn inner_product(a: *const f32, b: *const f32, n: c_int) -> f64;
        #[link_name = "gen_silk_energy_FLP"]
        pub fn energy(x: *const f32, n: c_int) -> f64;
        #[link_name = "gen_silk_autocorrelation_FLP"]
        pub fn autocorrelation(r: *mut f32, x: *const f32, n: c_int, count: c_int, arch: c_int);
        #[link_name = "gen_silk_schur_FLP"]
        pub fn schur(rc: *mut f32, ac: *const f32, order: c_int) -> f32;
        #[link_name = "gen_silk_k2a_FLP"]
        pub fn k2a(a: *mut f32, rc: *const f32, order: i32);
        #[link_name = "gen_silk_bwexpander_FLP"]
        pub fn bwexpander(ar: *mut f32, d: c_int, chirp: f32);
        #[link_name = "gen_silk_burg_modified_FLP"]
        pub fn burg_modified(
            a: *mut f32,
            x: *const f32,
            min_inv_gain: f32,
            subfr_length: c_int,
            nb_subfr: c_int,
            d: c_int,
            arch: c_int,
        ) -> f32;
        #[link_name = "gen_silk_apply_sine_window_FLP"]
        pub fn apply_sine_window(out: *mut f32, x: *const f32, win_type: c_int, length: c_int);
        #[link_name = "gen_silk_corrVector_FLP"]
        pub fn corr_vector(
            x: *const f32,
            t: *const f32,
            l: c_int,
            order: c_int,
            xt: *mut f32,
            arch: c_int,
        );
        #[link_name = "gen_silk_corrMatrix_FLP"]
        pub fn corr_matrix(x: *const f32, l: c_int, order: c_int, xx: *mut f32, arch: c_int);
        #[link_name = "gen_silk_LPC_analysis_filter_FLP"]
        pub fn lpc_analysis_filter(
            r: *mut f32,
            coef: *const f32,
            s: *const f32,
            length: c_int,
            order: c_int,
        );
        #[link_name = "gen_silk_LPC_inverse_pred_gain_FLP"]
        pub fn lpc_inverse_pred_gain(a: *const f32, order: i32) -> f32;
        #[link_name = "gen_silk_LTP_analysis_filter_FLP"]
        pub fn ltp_analysis_filter(
            res: *mut f32,
            x: *const f32,
            b: *const f32,
            pitch_l: *const c_int,
            inv_gains: *const f32,
            subfr_length: c_int,
            nb_subfr: c_int,
            pre_length: c_int,
        );
        #[link_name = "gen_silk_warped_autocorrelation_FLP"]
        pub fn warped_autocorrelation(
            corr: *mut f32,
            input: *const f32,
            warping: f32,
            length: c_int,
            order: c_int,
        );
        #[link_name = "gen_silk_residual_energy_covar_FLP"]
        pub fn residual_energy_covar(
            c: *const f32,
            wxx_m: *mut f32,
            wxx_v: *const f32,
            wxx: f32,
            d: c_int,
        ) -> f32;
        #[link_name = "gen_silk_residual_energy_FLP"]
        pub fn residual_energy(
            nrgs: *mut f32,
            x: *const f32,
            a: *const [f32; 16],
            gains: *const f32,
            subfr_length: c_int,
            nb_subfr: c_int,
            lpc_order: c_int,
        );
        #[link_name = "gen_silk_scale_vector_FLP"]
        pub fn scale_vector(data: *mut f32, gain: f32, n: c_int);
        #[link_name = "gen_silk_scale_copy_vector_FLP"]
        pub fn scale_copy_vector(out: *mut f32, input: *const f32, gain: f32, n: c_int);
        #[link_name = "gen_silk_insertion_sort_decreasing_FLP"]
        pub fn insertion_sort_decreasing(a: *mut f32, idx: *mut c_int, l: c_int, k: c_int);
        #[link_name = "gen_silk_A2NLSF_FLP"]
        pub fn a2nlsf_flp(nlsf: *mut i16, ar: *const f32, order: c_int);
        #[link_name = "gen_silk_NLSF2A_FLP"]
        pub fn nlsf2a_flp(ar: *mut f32, nlsf: *const i16, order: c_int, arch: c_int);
        #[link_name = "gen_silk_pitch_analysis_core_FLP"]
        pub fn pitch_analysis_core(
            frame: *const f32,
            pitch_out: *mut c_int,
            lag_index: *mut i16,
            contour_index: *mut i8,
            ltp_corr: *mut f32,
            prev_lag: c_int,
            thres1: f32,
            thres2: f32,
            fs_khz: c_int,
            complexity: c_int,
            nb_subfr: c_int,
            arch: c_int,
        ) -> c_int;
        #[link_name = "gen_silk_ana_filt_bank_1"]
        pub fn ana_filt_bank_1(
            input: *const i16,
            s: *mut i32,
            out_l: *mut i16,
            out_h: *mut i16,
            n: i32,
        );
        #[link_name = "gen_silk_VAD_Init"]
        pub fn vad_init(vad: *mut c_void) -> c_int;
        #[link_name = "gen_silk_VAD_GetSA_Q8_c"]
        pub fn vad_get_sa_q8(enc: *mut c_void, input: *const i16) -> c_int;
        #[link_name = "gen_silk_find_pitch_lags_FLP"]
        pub fn find_pitch_lags(
            enc: *mut c_void,
            ctrl: *mut c_void,
            res: *mut f32,
            x: *const f32,
            arch: c_int,
        );
        #[link_name = "gen_silk_noise_shape_analysis_FLP"]
        pub fn noise_shape_analysis(
            enc: *mut c_void,
            ctrl: *mut c_void,
            pitch_res: *const f32,
            x: *const f32,
        );
        #[link_name = "gen_silk_find_pred_coefs_FLP"]
        pub fn find_pred_coefs(
            enc: *mut c_void,
            ctrl: *mut c_void,
            res_pitch: *const f32,
            x: *const f32,
            cond_coding: c_int,
        );
        #[link_name = "gen_silk_process_gains_FLP"]
        pub fn process_gains(enc: *mut c_void, ctrl: *mut c_void, cond_coding: c_int);
        #[link_name = "gen_silk_NLSF_CB_WB"]
        pub static NLSF_CB_WB: NlsfCb;
        #[link_name = "gen_silk_NLSF_CB_NB_MB"]
        pub static NLSF_CB_NB_MB: NlsfCb;
    }
}

fn ci(n: usize) -> c_int {
    c_int::try_from(n).expect("length fits in a C int")
}

/// `silk_inner_product_FLP_c` over `n` samples.
pub fn inner_product_flp(a: &[f32], b: &[f32], n: usize) -> f64 {
    assert!(a.len() >= n && b.len() >= n);
    // SAFETY: both slices hold at least n samples.
    unsafe { sys::inner_product(a.as_ptr(), b.as_ptr(), ci(n)) }
}

/// `silk_energy_FLP`.
pub fn energy_flp(x: &[f32]) -> f64 {
    // SAFETY: reads x.len() samples.
    unsafe { sys::energy(x.as_ptr(), ci(x.len())) }
}

/// `silk_autocorrelation_FLP` of all of `x`, `count` lags.
pub fn autocorrelation_flp(results: &mut [f32], x: &[f32], count: usize) {
    assert!(results.len() >= count.min(x.len()));
    // SAFETY: writes min(count, x.len()) results, reads x.
    unsafe { sys::autocorrelation(results.as_mut_ptr(), x.as_ptr(), ci(x.len()), ci(count), 0) }
}

/// `silk_schur_FLP`.
pub fn schur_flp(refl_coef: &mut [f32], auto_corr: &[f32], order: usize) -> f32 {
    assert!(order <= 24 && refl_coef.len() >= order && auto_corr.len() > order);
    // SAFETY: lengths checked above.
    unsafe { sys::schur(refl_coef.as_mut_ptr(), auto_corr.as_ptr(), ci(order)) }
}

/// `silk_k2a_FLP`.
pub fn k2a_flp(a: &mut [f32], rc: &[f32], order: usize) {
    assert!(a.len() >= order && rc.len() >= order);
    // SAFETY: lengths checked above.
    unsafe { sys::k2a(a.as_mut_ptr(), rc.as_ptr(), ci(order)) }
}

/// `silk_bwexpander_FLP` on all of `ar` (non-empty).
pub fn bwexpander_flp(ar: &mut [f32], chirp: f32) {
    assert!(!ar.is_empty());
    // SAFETY: d = ar.len().
    unsafe { sys::bwexpander(ar.as_mut_ptr(), ci(ar.len()), chirp) }
}

/// `silk_burg_modified_FLP`.
pub fn burg_modified_flp(
    a: &mut [f32],
    x: &[f32],
    min_inv_gain: f32,
    subfr_length: usize,
    nb_subfr: usize,
    d: usize,
) -> f32 {
    assert!(d <= 24 && d <= subfr_length && a.len() >= d && x.len() >= subfr_length * nb_subfr);
    assert!(subfr_length * nb_subfr <= 384);
    // SAFETY: lengths checked above.
    unsafe {
        sys::burg_modified(
            a.as_mut_ptr(),
            x.as_ptr(),
            min_inv_gain,
            ci(subfr_length),
            ci(nb_subfr),
            ci(d),
            0,
        )
    }
}

/// `silk_apply_sine_window_FLP` (`length` a multiple of 4).
pub fn apply_sine_window_flp(out: &mut [f32], x: &[f32], win_type: i32, length: usize) {
    assert!(length % 4 == 0 && out.len() >= length && x.len() >= length);
    assert!(win_type == 1 || win_type == 2);
    // SAFETY: lengths checked above.
    unsafe { sys::apply_sine_window(out.as_mut_ptr(), x.as_ptr(), win_type, ci(length)) }
}

/// `silk_corrVector_FLP`.
pub fn corr_vector_flp(x: &[f32], t: &[f32], l: usize, order: usize, xt: &mut [f32]) {
    assert!(order >= 1 && x.len() >= l + order - 1 && t.len() >= l && xt.len() >= order);
    // SAFETY: lengths checked above.
    unsafe { sys::corr_vector(x.as_ptr(), t.as_ptr(), ci(l), ci(order), xt.as_mut_ptr(), 0) }
}

/// `silk_corrMatrix_FLP`.
pub fn corr_matrix_flp(x: &[f32], l: usize, order: usize, xx: &mut [f32]) {
    assert!(order >= 1 && x.len() >= l + order - 1 && xx.len() >= order * order);
    // SAFETY: lengths checked above.
    unsafe { sys::corr_matrix(x.as_ptr(), ci(l), ci(order), xx.as_mut_ptr(), 0) }
}

/// `silk_LPC_analysis_filter_FLP` (order 6, 8, 10, 12 or 16).
pub fn lpc_analysis_filter_flp(
    r: &mut [f32],
    coef: &[f32],
    s: &[f32],
    length: usize,
    order: usize,
) {
    assert!([6, 8, 10, 12, 16].contains(&order) && order <= length);
    assert!(r.len() >= length && s.len() >= length && coef.len() >= order);
    // SAFETY: lengths checked above.
    unsafe {
        sys::lpc_analysis_filter(
            r.as_mut_ptr(),
            coef.as_ptr(),
            s.as_ptr(),
            ci(length),
            ci(order),
        )
    }
}

/// `silk_LPC_inverse_pred_gain_FLP`.
pub fn lpc_inverse_pred_gain_flp(a: &[f32], order: usize) -> f32 {
    assert!((1..=16).contains(&order) && a.len() >= order);
    // SAFETY: lengths checked above.
    unsafe { sys::lpc_inverse_pred_gain(a.as_ptr(), ci(order)) }
}

/// `silk_LTP_analysis_filter_FLP` with `x` starting at `x[x_start]`.
pub fn ltp_analysis_filter_flp(
    res: &mut [f32],
    x: &[f32],
    x_start: usize,
    b: &[f32],
    pitch_l: &[i32; 4],
    inv_gains: &[f32; 4],
    subfr_length: usize,
    nb_subfr: usize,
    pre_length: usize,
) {
    assert!(
        nb_subfr <= 4
            && b.len() >= 5 * nb_subfr
            && res.len() >= nb_subfr * (subfr_length + pre_length)
    );
    for k in 0..nb_subfr {
        let start = x_start + k * subfr_length;
        assert!(pitch_l[k] >= 0 && start >= pitch_l[k] as usize + 2);
        assert!(start + subfr_length + pre_length <= x.len());
    }
    // SAFETY: every read and write is inside the slices, checked above.
    unsafe {
        sys::ltp_analysis_filter(
            res.as_mut_ptr(),
            x.as_ptr().add(x_start),
            b.as_ptr(),
            pitch_l.as_ptr(),
            inv_gains.as_ptr(),
            ci(subfr_length),
            ci(nb_subfr),
            ci(pre_length),
        )
    }
}

/// `silk_warped_autocorrelation_FLP` of all of `input` (even `order`).
pub fn warped_autocorrelation_flp(corr: &mut [f32], input: &[f32], warping: f32, order: usize) {
    assert!(order % 2 == 0 && order <= 24 && corr.len() > order);
    // SAFETY: lengths checked above.
    unsafe {
        sys::warped_autocorrelation(
            corr.as_mut_ptr(),
            input.as_ptr(),
            warping,
            ci(input.len()),
            ci(order),
        )
    }
}

/// `silk_residual_energy_covar_FLP`.
pub fn residual_energy_covar_flp(
    c: &[f32],
    wxx_m: &mut [f32],
    wxx_v: &[f32],
    wxx: f32,
    d: usize,
) -> f32 {
    assert!(d >= 1 && c.len() >= d && wxx_m.len() >= d * d && wxx_v.len() >= d);
    // SAFETY: lengths checked above.
    unsafe {
        sys::residual_energy_covar(c.as_ptr(), wxx_m.as_mut_ptr(), wxx_v.as_ptr(), wxx, ci(d))
    }
}

/// `silk_residual_energy_FLP`.
pub fn residual_energy_flp(
    nrgs: &mut [f32; 4],
    x: &[f32],
    a: &[[f32; 16]; 2],
    gains: &[f32; 4],
    subfr_length: usize,
    nb_subfr: usize,
    lpc_order: usize,
) {
    assert!(nb_subfr == 2 || nb_subfr == 4);
    assert!([10, 16].contains(&lpc_order) && 2 * (lpc_order + subfr_length) <= 192);
    assert!(x.len() >= nb_subfr * (lpc_order + subfr_length));
    // SAFETY: lengths checked above.
    unsafe {
        sys::residual_energy(
            nrgs.as_mut_ptr(),
            x.as_ptr(),
            a.as_ptr(),
            gains.as_ptr(),
            ci(subfr_length),
            ci(nb_subfr),
            ci(lpc_order),
        )
    }
}

/// `silk_scale_vector_FLP`.
pub fn scale_vector_flp(data: &mut [f32], gain: f32) {
    // SAFETY: n = data.len().
    unsafe { sys::scale_vector(data.as_mut_ptr(), gain, ci(data.len())) }
}

/// `silk_scale_copy_vector_FLP` of `out.len()` samples.
pub fn scale_copy_vector_flp(out: &mut [f32], input: &[f32], gain: f32) {
    assert!(input.len() >= out.len());
    // SAFETY: n = out.len() <= input.len().
    unsafe { sys::scale_copy_vector(out.as_mut_ptr(), input.as_ptr(), gain, ci(out.len())) }
}

/// `silk_insertion_sort_decreasing_FLP`.
pub fn insertion_sort_decreasing_flp(a: &mut [f32], idx: &mut [i32], l: usize, k: usize) {
    assert!(k > 0 && k <= l && a.len() >= l && idx.len() >= k);
    // SAFETY: lengths checked above.
    unsafe { sys::insertion_sort_decreasing(a.as_mut_ptr(), idx.as_mut_ptr(), ci(l), ci(k)) }
}

/// `silk_A2NLSF_FLP` (even order up to 16).
pub fn a2nlsf_flp(nlsf: &mut [i16], ar: &[f32], order: usize) {
    assert!(
        order % 2 == 0 && (2..=16).contains(&order) && nlsf.len() >= order && ar.len() >= order
    );
    // SAFETY: lengths checked above.
    unsafe { sys::a2nlsf_flp(nlsf.as_mut_ptr(), ar.as_ptr(), ci(order)) }
}

/// `silk_NLSF2A_FLP` (order 10 or 16).
pub fn nlsf2a_flp(ar: &mut [f32], nlsf: &[i16], order: usize) {
    assert!((order == 10 || order == 16) && nlsf.len() >= order && ar.len() >= order);
    // SAFETY: lengths checked above.
    unsafe { sys::nlsf2a_flp(ar.as_mut_ptr(), nlsf.as_ptr(), ci(order), 0) }
}

/// Outputs of [`pitch_analysis_core_flp`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PitchOut {
    /// 0: voiced, 1: unvoiced.
    pub ret: i32,
    /// Lags per subframe.
    pub pitch_l: [i32; 4],
    /// Lag index.
    pub lag_index: i16,
    /// Contour index.
    pub contour_index: i8,
    /// Normalised correlation.
    pub ltp_corr: f32,
}

/// `silk_pitch_analysis_core_FLP`; `out` carries the previous values in
/// (`ltp_corr` is read, the lags are left where libopus leaves them).
pub fn pitch_analysis_core_flp(
    frame: &[f32],
    out: &mut PitchOut,
    prev_lag: i32,
    thres1: f32,
    thres2: f32,
    fs_khz: i32,
    complexity: i32,
    nb_subfr: usize,
) {
    assert!(
        [8, 12, 16].contains(&fs_khz)
            && (nb_subfr == 2 || nb_subfr == 4)
            && (0..=2).contains(&complexity)
    );
    assert!(frame.len() >= (20 + 5 * nb_subfr) * fs_khz as usize);
    // SAFETY: the frame is long enough, the outputs are valid.
    out.ret = unsafe {
        sys::pitch_analysis_core(
            frame.as_ptr(),
            out.pitch_l.as_mut_ptr(),
            &mut out.lag_index,
            &mut out.contour_index,
            &mut out.ltp_corr,
            prev_lag,
            thres1,
            thres2,
            fs_khz,
            complexity,
            ci(nb_subfr),
            0,
        )
    };
}

/// `silk_ana_filt_bank_1` over all of `input`.
pub fn ana_filt_bank_1(input: &[i16], s: &mut [i32; 2], out_l: &mut [i16], out_h: &mut [i16]) {
    assert!(out_l.len() >= input.len() / 2 && out_h.len() >= input.len() / 2);
    // SAFETY: lengths checked above.
    unsafe {
        sys::ana_filt_bank_1(
            input.as_ptr(),
            s.as_mut_ptr(),
            out_l.as_mut_ptr(),
            out_h.as_mut_ptr(),
            input.len() as i32,
        )
    }
}

/// A zeroed, 8-byte aligned block of `bytes` bytes with typed field access.
#[derive(Clone)]
struct Block(Box<[u64]>);

impl Block {
    fn new(bytes: usize) -> Self {
        Block(vec![0u64; bytes.div_ceil(8)].into_boxed_slice())
    }
    fn ptr(&mut self) -> *mut c_void {
        self.0.as_mut_ptr().cast()
    }
    fn bytes(&self) -> &[u8] {
        // SAFETY: u64 storage viewed as bytes.
        unsafe { core::slice::from_raw_parts(self.0.as_ptr().cast(), self.0.len() * 8) }
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: u64 storage viewed as bytes.
        unsafe { core::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast(), self.0.len() * 8) }
    }
    fn get<const N: usize>(&self, off: usize) -> [u8; N] {
        self.bytes()[off..off + N].try_into().expect("N bytes")
    }
    fn set(&mut self, off: usize, v: &[u8]) {
        self.bytes_mut()[off..off + v.len()].copy_from_slice(v);
    }
}

macro_rules! accessors {
    ($($get:ident, $set:ident, $t:ty, $n:literal;)*) => {
        $(
            /// Reads the field at byte offset `off`.
            pub fn $get(&self, off: usize) -> $t { <$t>::from_ne_bytes(self.0.get::<$n>(off)) }
            /// Writes the field at byte offset `off`.
            pub fn $set(&mut self, off: usize, v: $t) { self.0.set(off, &v.to_ne_bytes()) }
        )*
    };
}

/// A `silk_encoder_state_FLP` of the generic build, zeroed.
#[derive(Clone)]
pub struct CEncoderFlp(Block);

/// A `silk_encoder_control_FLP` of the generic build, zeroed.
#[derive(Clone)]
pub struct CControlFlp(Block);

impl CControlFlp {
    /// A zeroed control struct.
    pub fn new() -> Self {
        CControlFlp(Block::new(CTRL_FLP_SIZE))
    }
    accessors! {
        i8_at, set_i8, i8, 1;
        i32_at, set_i32, i32, 4;
        f32_at, set_f32, f32, 4;
    }
}

impl Default for CControlFlp {
    fn default() -> Self {
        Self::new()
    }
}

impl CEncoderFlp {
    /// A zeroed state, with `psNLSF_CB` pointing at libopus's wideband
    /// (`wideband == true`) or NB/MB codebook.
    pub fn new(wideband: bool) -> Self {
        let mut s = CEncoderFlp(Block::new(ENC_FLP_SIZE));
        // Taking the address of an extern static needs no `unsafe`.
        let cb: *const NlsfCb = if wideband {
            core::ptr::addr_of!(sys::NLSF_CB_WB)
        } else {
            core::ptr::addr_of!(sys::NLSF_CB_NB_MB)
        };
        s.0.set(CMN_PS_NLSF_CB, &(cb as usize).to_ne_bytes());
        s
    }
    accessors! {
        i8_at, set_i8, i8, 1;
        i16_at, set_i16, i16, 2;
        i32_at, set_i32, i32, 4;
        f32_at, set_f32, f32, 4;
    }

    /// `silk_VAD_Init` on this state's `sVAD`.
    pub fn vad_init(&mut self) {
        // SAFETY: the VAD state lies inside the block.
        unsafe { sys::vad_init(self.0.ptr().cast::<u8>().add(CMN_S_VAD).cast()) };
    }

    /// `silk_VAD_GetSA_Q8_c` on `input[..frame_length]` (set `fs_kHz` and
    /// `frame_length` first).
    pub fn vad_get_sa_q8(&mut self, input: &[i16]) {
        let n = self.i32_at(CMN_FRAME_LENGTH);
        assert!(n > 0 && n <= 320 && n % 8 == 0 && input.len() >= n as usize);
        // SAFETY: frame length checked against the input.
        unsafe { sys::vad_get_sa_q8(self.0.ptr(), input.as_ptr()) };
    }

    fn frame_extent(&self) -> (usize, usize) {
        let ltp_mem = self.i32_at(CMN_LTP_MEM_LENGTH) as usize;
        let frame = self.i32_at(CMN_FRAME_LENGTH) as usize;
        let la = self.i32_at(CMN_LA_PITCH).max(self.i32_at(CMN_LA_SHAPE)) as usize;
        assert!(ltp_mem + frame + la <= 2 * 320 + 80, "x_buf too short");
        (ltp_mem, frame)
    }

    /// `silk_find_pitch_lags_FLP` with `x` = this state's `x_buf` at
    /// `ltp_mem_length`; writes `res[..ltp_mem + frame + la_pitch]`.
    pub fn find_pitch_lags(&mut self, ctrl: &mut CControlFlp, res: &mut [f32]) {
        let (ltp_mem, frame) = self.frame_extent();
        assert!(res.len() >= ltp_mem + frame + self.i32_at(CMN_LA_PITCH) as usize);
        // SAFETY: buffers sized for the configuration; x points into x_buf.
        unsafe {
            let x = self
                .0
                .ptr()
                .cast::<u8>()
                .add(ENC_X_BUF + 4 * ltp_mem)
                .cast::<f32>();
            sys::find_pitch_lags(self.0.ptr(), ctrl.0.ptr(), res.as_mut_ptr(), x, 0);
        }
    }

    /// `silk_noise_shape_analysis_FLP` with `pitch_res = res_pitch + ltp_mem`
    /// and `x` = `x_buf + ltp_mem`.
    pub fn noise_shape_analysis(&mut self, ctrl: &mut CControlFlp, res_pitch: &[f32]) {
        let (ltp_mem, frame) = self.frame_extent();
        assert!(res_pitch.len() >= ltp_mem + frame);
        // SAFETY: as above.
        unsafe {
            let x = self
                .0
                .ptr()
                .cast::<u8>()
                .add(ENC_X_BUF + 4 * ltp_mem)
                .cast::<f32>();
            sys::noise_shape_analysis(
                self.0.ptr(),
                ctrl.0.ptr(),
                res_pitch.as_ptr().add(ltp_mem),
                x,
            );
        }
    }

    /// `silk_find_pred_coefs_FLP` with the same pointers (0, 1, 2 =
    /// `CODE_INDEPENDENTLY`, `..._NO_LTP_SCALING`, `CODE_CONDITIONALLY`).
    pub fn find_pred_coefs(&mut self, ctrl: &mut CControlFlp, res_pitch: &[f32], cond_coding: i32) {
        let (ltp_mem, frame) = self.frame_extent();
        assert!(res_pitch.len() >= ltp_mem + frame);
        // SAFETY: as above; the lags of a voiced frame stay within ltp_mem.
        unsafe {
            let x = self
                .0
                .ptr()
                .cast::<u8>()
                .add(ENC_X_BUF + 4 * ltp_mem)
                .cast::<f32>();
            sys::find_pred_coefs(
                self.0.ptr(),
                ctrl.0.ptr(),
                res_pitch.as_ptr().add(ltp_mem),
                x,
                cond_coding,
            );
        }
    }

    /// `silk_process_gains_FLP`.
    pub fn process_gains(&mut self, ctrl: &mut CControlFlp, cond_coding: i32) {
        // SAFETY: both structs are complete.
        unsafe { sys::process_gains(self.0.ptr(), ctrl.0.ptr(), cond_coding) };
    }
}

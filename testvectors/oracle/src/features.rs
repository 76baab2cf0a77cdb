//! The LPCNet feature analysis of the generic-C libopus build (`dnn/lpcnet_enc.c`,
//! `freq.c`, `burg.c`, `pitchdnn.c`), wrapped for differential tests.
//!
//! Only [`crate::Build::Generic`] is exposed: its arithmetic is the bit-exact target of the
//! Rust port. The C states are allocated by libopus's own constructors
//! (`lpcnet_encoder_create`, or `pitchdnn_init` on zeroed memory) and read through `repr(C)`
//! mirrors of the 1.6.1 headers; the mirrors' sizes are checked against
//! `lpcnet_encoder_get_size` and against the sizes computed from the headers.

#![allow(non_camel_case_types, non_snake_case)]

use core::ffi::c_int;
use core::ptr::NonNull;
use std::alloc::{alloc_zeroed, dealloc, Layout};

/// Samples per frame (`FRAME_SIZE`).
pub const FRAME_SIZE: usize = 160;
/// Analysis window (`WINDOW_SIZE`).
pub const WINDOW_SIZE: usize = 320;
/// One-sided spectrum length (`FREQ_SIZE`).
pub const FREQ_SIZE: usize = 161;
/// Bands (`NB_BANDS`).
pub const NB_BANDS: usize = 18;
/// LPC order (`LPC_ORDER`).
pub const LPC_ORDER: usize = 16;
/// Features per frame with LPC (`NB_TOTAL_FEATURES`).
pub const NB_TOTAL_FEATURES: usize = 36;
/// `PITCH_MAX_PERIOD`.
pub const PITCH_MAX_PERIOD: usize = 256;
/// `NB_XCORR_FEATURES`.
pub const NB_XCORR_FEATURES: usize = 224;
/// `PITCH_IF_MAX_FREQ`.
pub const PITCH_IF_MAX_FREQ: usize = 30;
/// `PITCH_IF_FEATURES`.
pub const PITCH_IF_FEATURES: usize = 88;
/// `PITCH_BUF_SIZE`.
pub const PITCH_BUF_SIZE: usize = 576;
/// `GRU_1_STATE_SIZE` of pitchdnn_data.h.
pub const GRU_1_STATE_SIZE: usize = 64;

/// `kiss_fft_cpx` (float build).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct kiss_fft_cpx {
    /// Real part.
    pub r: f32,
    /// Imaginary part.
    pub i: f32,
}

/// `LinearLayer` of dnn/nnet.h (layout only; the pointers refer to static weight tables).
#[repr(C)]
pub struct LinearLayer {
    pub bias: *const f32,
    pub subias: *const f32,
    pub weights: *const i8,
    pub float_weights: *const f32,
    pub weights_idx: *const c_int,
    pub diag: *const f32,
    pub scale: *const f32,
    pub nb_inputs: c_int,
    pub nb_outputs: c_int,
}

/// `Conv2dLayer` of dnn/nnet.h (layout only).
#[repr(C)]
pub struct Conv2dLayer {
    pub bias: *const f32,
    pub float_weights: *const f32,
    pub in_channels: c_int,
    pub out_channels: c_int,
    pub ktime: c_int,
    pub kheight: c_int,
}

/// `struct PitchDNN` of pitchdnn_data.h.
#[repr(C)]
pub struct PitchDNN {
    pub dense_if_upsampler_1: LinearLayer,
    pub dense_if_upsampler_2: LinearLayer,
    pub dense_downsampler: LinearLayer,
    pub dense_final_upsampler: LinearLayer,
    pub conv2d_1: Conv2dLayer,
    pub conv2d_2: Conv2dLayer,
    pub gru_1_input: LinearLayer,
    pub gru_1_recurrent: LinearLayer,
}

/// `PitchDNNState` of pitchdnn.h.
#[repr(C)]
pub struct PitchDNNState {
    pub model: PitchDNN,
    pub gru_state: [f32; GRU_1_STATE_SIZE],
    pub xcorr_mem1: [f32; (NB_XCORR_FEATURES + 2) * 2],
    pub xcorr_mem2: [f32; (NB_XCORR_FEATURES + 2) * 2 * 8],
    pub xcorr_mem3: [f32; (NB_XCORR_FEATURES + 2) * 2 * 8],
}

/// `struct LPCNetEncState` of lpcnet_private.h.
#[repr(C)]
pub struct LPCNetEncState {
    pub pitchdnn: PitchDNNState,
    pub analysis_mem: [f32; 160],
    pub mem_preemph: f32,
    pub prev_if: [kiss_fft_cpx; PITCH_IF_MAX_FREQ],
    pub if_features: [f32; PITCH_IF_FEATURES],
    pub xcorr_features: [f32; NB_XCORR_FEATURES],
    pub dnn_pitch: f32,
    pub pitch_mem: [f32; LPC_ORDER],
    pub pitch_filt: f32,
    pub exc_buf: [f32; PITCH_BUF_SIZE],
    pub lp_buf: [f32; PITCH_BUF_SIZE],
    pub lp_mem: [f32; 4],
    pub lpc: [f32; LPC_ORDER],
    pub features: [f32; NB_TOTAL_FEATURES],
    pub sig_mem: [f32; LPC_ORDER],
    pub burg_cepstrum: [f32; 2 * NB_BANDS],
}

// Sizes from the headers on LP64: LinearLayer = 7 pointers + 2 ints = 64 bytes, Conv2dLayer =
// 2 pointers + 4 ints = 32 bytes; PitchDNN = 6·64 + 2·32 = 448; PitchDNNState = 448 +
// 4·(64 + 452 + 3616 + 3616) = 31440; LPCNetEncState = 31440 + 4·1811 = 38684, padded to 8.
const _: () = assert!(core::mem::size_of::<LinearLayer>() == 64);
const _: () = assert!(core::mem::size_of::<Conv2dLayer>() == 32);
const _: () = assert!(core::mem::size_of::<PitchDNN>() == 448);
const _: () = assert!(core::mem::size_of::<PitchDNNState>() == 31440);
const _: () = assert!(core::mem::size_of::<LPCNetEncState>() == 38688);

mod sys {
    use super::*;
    extern "C" {
        #[link_name = "gen_lpcnet_encoder_get_size"]
        pub fn lpcnet_encoder_get_size() -> c_int;
        #[link_name = "gen_lpcnet_encoder_create"]
        pub fn lpcnet_encoder_create() -> *mut LPCNetEncState;
        #[link_name = "gen_lpcnet_encoder_destroy"]
        pub fn lpcnet_encoder_destroy(st: *mut LPCNetEncState);
        #[link_name = "gen_lpcnet_compute_single_frame_features"]
        pub fn lpcnet_compute_single_frame_features(
            st: *mut LPCNetEncState,
            pcm: *const i16,
            features: *mut f32,
            arch: c_int,
        ) -> c_int;
        #[link_name = "gen_lpcnet_compute_single_frame_features_float"]
        pub fn lpcnet_compute_single_frame_features_float(
            st: *mut LPCNetEncState,
            pcm: *const f32,
            features: *mut f32,
            arch: c_int,
        ) -> c_int;
        #[link_name = "gen_compute_frame_features"]
        pub fn compute_frame_features(st: *mut LPCNetEncState, input: *const f32, arch: c_int);
        #[link_name = "gen_preemphasis"]
        pub fn preemphasis(y: *mut f32, mem: *mut f32, x: *const f32, coef: f32, n: c_int);
        #[link_name = "gen_lpcn_compute_band_energy"]
        pub fn lpcn_compute_band_energy(band_e: *mut f32, x: *const kiss_fft_cpx);
        #[link_name = "gen_burg_cepstral_analysis"]
        pub fn burg_cepstral_analysis(ceps: *mut f32, x: *const f32);
        #[link_name = "gen_silk_burg_analysis"]
        pub fn silk_burg_analysis(
            a: *mut f32,
            x: *const f32,
            min_inv_gain: f32,
            subfr_length: c_int,
            nb_subfr: c_int,
            d: c_int,
        ) -> f32;
        #[link_name = "gen_apply_window"]
        pub fn apply_window(x: *mut f32);
        #[link_name = "gen_dct"]
        pub fn dct(out: *mut f32, input: *const f32);
        #[link_name = "gen_forward_transform"]
        pub fn forward_transform(out: *mut kiss_fft_cpx, input: *const f32);
        #[link_name = "gen_lpc_from_cepstrum"]
        pub fn lpc_from_cepstrum(lpc: *mut f32, cepstrum: *const f32) -> f32;
        #[link_name = "gen_lpc_weighting"]
        pub fn lpc_weighting(lpc: *mut f32, gamma: f32);
        #[link_name = "gen_pitchdnn_init"]
        pub fn pitchdnn_init(st: *mut PitchDNNState);
        #[link_name = "gen_compute_pitchdnn"]
        pub fn compute_pitchdnn(
            st: *mut PitchDNNState,
            if_features: *const f32,
            xcorr_features: *const f32,
            arch: c_int,
        ) -> f32;
    }
}

/// libopus's `LPCNetEncState` with the compiled-in PitchDNN weights.
pub struct Encoder {
    st: NonNull<LPCNetEncState>,
}

// SAFETY: the state is plain data owned by this handle; its model pointers refer to
// immutable static tables.
unsafe impl Send for Encoder {}

impl Encoder {
    /// `lpcnet_encoder_create` (which runs `lpcnet_encoder_init`).
    ///
    /// # Panics
    /// If the C struct size differs from the mirror, or allocation fails.
    pub fn new() -> Self {
        // SAFETY: plain FFI calls without arguments.
        let size = unsafe { sys::lpcnet_encoder_get_size() };
        assert_eq!(
            size as usize,
            core::mem::size_of::<LPCNetEncState>(),
            "LPCNetEncState mirror is stale"
        );
        // SAFETY: as above; the result is checked for NULL.
        let st = NonNull::new(unsafe { sys::lpcnet_encoder_create() })
            .expect("lpcnet_encoder_create failed");
        Encoder { st }
    }

    /// `lpcnet_compute_single_frame_features` (int16 input).
    pub fn compute_single_frame_features(
        &mut self,
        pcm: &[i16; FRAME_SIZE],
    ) -> [f32; NB_TOTAL_FEATURES] {
        let mut f = [0.0f32; NB_TOTAL_FEATURES];
        // SAFETY: the state is valid and exclusively borrowed; buffers have the C sizes.
        unsafe {
            sys::lpcnet_compute_single_frame_features(
                self.st.as_ptr(),
                pcm.as_ptr(),
                f.as_mut_ptr(),
                0,
            )
        };
        f
    }

    /// `lpcnet_compute_single_frame_features_float` (float input on the int16 scale).
    pub fn compute_single_frame_features_float(
        &mut self,
        pcm: &[f32; FRAME_SIZE],
    ) -> [f32; NB_TOTAL_FEATURES] {
        let mut f = [0.0f32; NB_TOTAL_FEATURES];
        // SAFETY: as above.
        unsafe {
            sys::lpcnet_compute_single_frame_features_float(
                self.st.as_ptr(),
                pcm.as_ptr(),
                f.as_mut_ptr(),
                0,
            )
        };
        f
    }

    /// `compute_frame_features` on an already pre-emphasised frame.
    pub fn compute_frame_features(&mut self, input: &[f32; FRAME_SIZE]) {
        // SAFETY: as above.
        unsafe { sys::compute_frame_features(self.st.as_ptr(), input.as_ptr(), 0) };
    }

    /// The C state, for reading its fields.
    pub fn state(&self) -> &LPCNetEncState {
        // SAFETY: valid for the life of `self`; no C call runs while it is borrowed.
        unsafe { self.st.as_ref() }
    }
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        // SAFETY: created by lpcnet_encoder_create, destroyed once.
        unsafe { sys::lpcnet_encoder_destroy(self.st.as_ptr()) };
    }
}

/// libopus's `PitchDNNState` with the compiled-in weights, on its own.
pub struct PitchDnn {
    st: NonNull<PitchDNNState>,
}

// SAFETY: as for `Encoder`.
unsafe impl Send for PitchDnn {}

impl PitchDnn {
    /// Zeroed memory, then `pitchdnn_init`.
    ///
    /// # Panics
    /// If allocation fails.
    pub fn new() -> Self {
        let layout = Layout::new::<PitchDNNState>();
        // SAFETY: non-zero-sized layout.
        let p = unsafe { alloc_zeroed(layout) } as *mut PitchDNNState;
        let st = NonNull::new(p).expect("allocation failed");
        // SAFETY: `p` points to writable memory of the right size and alignment.
        unsafe { sys::pitchdnn_init(st.as_ptr()) };
        PitchDnn { st }
    }

    /// `compute_pitchdnn`.
    pub fn compute(
        &mut self,
        if_features: &[f32; PITCH_IF_FEATURES],
        xcorr: &[f32; NB_XCORR_FEATURES],
    ) -> f32 {
        // SAFETY: valid state, exclusively borrowed; inputs have the C sizes.
        unsafe { sys::compute_pitchdnn(self.st.as_ptr(), if_features.as_ptr(), xcorr.as_ptr(), 0) }
    }

    /// The C state.
    pub fn state(&self) -> &PitchDNNState {
        // SAFETY: valid for the life of `self`.
        unsafe { self.st.as_ref() }
    }
}

impl Default for PitchDnn {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for PitchDnn {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.st.as_ptr() as *mut u8, Layout::new::<PitchDNNState>()) };
    }
}

/// `preemphasis` (out of place).
pub fn preemphasis(x: &[f32], mem: &mut f32, coef: f32) -> Vec<f32> {
    let mut y = vec![0.0f32; x.len()];
    // SAFETY: both buffers hold `x.len()` values.
    unsafe { sys::preemphasis(y.as_mut_ptr(), mem, x.as_ptr(), coef, x.len() as c_int) };
    y
}

/// `lpcn_compute_band_energy`.
pub fn compute_band_energy(x: &[kiss_fft_cpx; FREQ_SIZE]) -> [f32; NB_BANDS] {
    let mut e = [0.0f32; NB_BANDS];
    // SAFETY: C sizes.
    unsafe { sys::lpcn_compute_band_energy(e.as_mut_ptr(), x.as_ptr()) };
    e
}

/// `burg_cepstral_analysis`.
pub fn burg_cepstral_analysis(x: &[f32; FRAME_SIZE]) -> [f32; 2 * NB_BANDS] {
    let mut c = [0.0f32; 2 * NB_BANDS];
    // SAFETY: C sizes.
    unsafe { sys::burg_cepstral_analysis(c.as_mut_ptr(), x.as_ptr()) };
    c
}

/// `silk_burg_analysis` (the `dnn/burg.c` copy); returns `(A, residual energy)`.
///
/// # Panics
/// If the sizes break the C function's limits (order ≤ 16, ≤ 384 samples).
pub fn silk_burg_analysis(
    x: &[f32],
    min_inv_gain: f32,
    subfr_length: usize,
    nb_subfr: usize,
    order: usize,
) -> (Vec<f32>, f32) {
    assert!(order <= 16 && subfr_length * nb_subfr <= 384 && x.len() >= subfr_length * nb_subfr);
    let mut a = vec![0.0f32; order];
    // SAFETY: sizes checked above.
    let e = unsafe {
        sys::silk_burg_analysis(
            a.as_mut_ptr(),
            x.as_ptr(),
            min_inv_gain,
            subfr_length as c_int,
            nb_subfr as c_int,
            order as c_int,
        )
    };
    (a, e)
}

/// `apply_window`, in place.
pub fn apply_window(x: &mut [f32; WINDOW_SIZE]) {
    // SAFETY: C size.
    unsafe { sys::apply_window(x.as_mut_ptr()) };
}

/// `dct`.
pub fn dct(input: &[f32; NB_BANDS]) -> [f32; NB_BANDS] {
    let mut out = [0.0f32; NB_BANDS];
    // SAFETY: C sizes.
    unsafe { sys::dct(out.as_mut_ptr(), input.as_ptr()) };
    out
}

/// `forward_transform`.
pub fn forward_transform(input: &[f32; WINDOW_SIZE]) -> [kiss_fft_cpx; FREQ_SIZE] {
    let mut out = [kiss_fft_cpx::default(); FREQ_SIZE];
    // SAFETY: C sizes.
    unsafe { sys::forward_transform(out.as_mut_ptr(), input.as_ptr()) };
    out
}

/// `lpc_from_cepstrum`; returns `(lpc, prediction error)`.
pub fn lpc_from_cepstrum(cepstrum: &[f32; NB_BANDS]) -> ([f32; LPC_ORDER], f32) {
    let mut lpc = [0.0f32; LPC_ORDER];
    // SAFETY: C sizes.
    let e = unsafe { sys::lpc_from_cepstrum(lpc.as_mut_ptr(), cepstrum.as_ptr()) };
    (lpc, e)
}

/// `lpc_weighting`, in place.
pub fn lpc_weighting(lpc: &mut [f32; LPC_ORDER], gamma: f32) {
    // SAFETY: C size.
    unsafe { sys::lpc_weighting(lpc.as_mut_ptr(), gamma) };
}

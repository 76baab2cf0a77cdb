//! The encoder's tonality / speech-music analysis of the generic libopus build
//! (`src/analysis.c`, `src/mlp.c`), for bit-exact comparisons.
//!
//! [`CAnalysis`] owns a `TonalityAnalysisState` laid out as [`CTonalityAnalysisState`]
//! (x86-64, libopus 1.6.1 float build: 14,004 bytes). The layout was checked with a C
//! program that includes `src/analysis.h` with this crate's generic-build defines and prints
//! `sizeof` and `offsetof` for every field; the size is asserted at compile time below.
//! Internal libopus symbols carry the `gen_` prefix of the generic archive.

#![allow(non_snake_case)]

use core::ffi::{c_int, c_void};
use core::ptr::addr_of;

/// `LEAK_BANDS` of celt/celt.h.
pub const LEAK_BANDS: usize = 19;
/// `DETECT_SIZE` of src/analysis.h.
pub const DETECT_SIZE: usize = 100;

/// `AnalysisInfo` of celt/celt.h (64 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CAnalysisInfo {
    pub valid: c_int,
    pub tonality: f32,
    pub tonality_slope: f32,
    pub noisiness: f32,
    pub activity: f32,
    pub music_prob: f32,
    pub music_prob_min: f32,
    pub music_prob_max: f32,
    pub bandwidth: c_int,
    pub activity_probability: f32,
    pub max_pitch_ratio: f32,
    pub leak_boost: [u8; LEAK_BANDS],
}

/// `TonalityAnalysisState` of src/analysis.h, float build.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CTonalityAnalysisState {
    pub arch: c_int,
    pub application: c_int,
    pub Fs: i32,
    pub angle: [f32; 240],
    pub d_angle: [f32; 240],
    pub d2_angle: [f32; 240],
    pub inmem: [f32; 720],
    pub mem_fill: c_int,
    pub prev_band_tonality: [f32; 18],
    pub prev_tonality: f32,
    pub prev_bandwidth: c_int,
    pub E: [[f32; 18]; 8],
    pub logE: [[f32; 18]; 8],
    pub lowE: [f32; 18],
    pub highE: [f32; 18],
    pub meanE: [f32; 19],
    pub mem: [f32; 32],
    pub cmean: [f32; 8],
    pub std: [f32; 9],
    pub Etracker: f32,
    pub lowECount: f32,
    pub E_count: c_int,
    pub count: c_int,
    pub analysis_offset: c_int,
    pub write_pos: c_int,
    pub read_pos: c_int,
    pub read_subframe: c_int,
    pub hp_ener_accum: f32,
    pub initialized: c_int,
    pub rnn_state: [f32; 32],
    pub downmix_state: [f32; 3],
    pub info: [CAnalysisInfo; DETECT_SIZE],
}

const _: () = assert!(core::mem::size_of::<CAnalysisInfo>() == 64);
const _: () = assert!(core::mem::size_of::<CTonalityAnalysisState>() == 14004);
const _: () = assert!(core::mem::offset_of!(CTonalityAnalysisState, mem_fill) == 5772);
const _: () = assert!(core::mem::offset_of!(CTonalityAnalysisState, Etracker) == 7424);
const _: () = assert!(core::mem::offset_of!(CTonalityAnalysisState, rnn_state) == 7464);
const _: () = assert!(core::mem::offset_of!(CTonalityAnalysisState, info) == 7604);

type DownmixFn = unsafe extern "C" fn(*const c_void, *mut f32, c_int, c_int, c_int, c_int, c_int);

mod sys {
    use super::*;
    extern "C" {
        #[link_name = "gen_tonality_analysis_init"]
        pub fn tonality_analysis_init(st: *mut CTonalityAnalysisState, fs: i32);
        #[link_name = "gen_tonality_analysis_reset"]
        pub fn tonality_analysis_reset(st: *mut CTonalityAnalysisState);
        #[link_name = "gen_tonality_get_info"]
        pub fn tonality_get_info(
            st: *mut CTonalityAnalysisState,
            out: *mut CAnalysisInfo,
            len: c_int,
        );
        #[link_name = "gen_run_analysis"]
        pub fn run_analysis(
            st: *mut CTonalityAnalysisState,
            mode: *const c_void,
            pcm: *const c_void,
            analysis_frame_size: c_int,
            frame_size: c_int,
            c1: c_int,
            c2: c_int,
            channels: c_int,
            fs: i32,
            lsb_depth: c_int,
            downmix: Option<DownmixFn>,
            out: *mut CAnalysisInfo,
        );
        #[link_name = "gen_opus_custom_mode_create"]
        pub fn opus_custom_mode_create(
            fs: i32,
            frame_size: c_int,
            err: *mut c_int,
        ) -> *const c_void;
        #[link_name = "gen_downmix_float"]
        pub fn downmix_float(
            x: *const c_void,
            y: *mut f32,
            n: c_int,
            off: c_int,
            c1: c_int,
            c2: c_int,
            c: c_int,
        );
        #[link_name = "gen_downmix_int"]
        pub fn downmix_int(
            x: *const c_void,
            y: *mut f32,
            n: c_int,
            off: c_int,
            c1: c_int,
            c2: c_int,
            c: c_int,
        );
        #[link_name = "gen_downmix_int24"]
        pub fn downmix_int24(
            x: *const c_void,
            y: *mut f32,
            n: c_int,
            off: c_int,
            c1: c_int,
            c2: c_int,
            c: c_int,
        );
        #[link_name = "gen_analysis_compute_dense"]
        pub fn analysis_compute_dense(layer: *const c_void, out: *mut f32, input: *const f32);
        #[link_name = "gen_analysis_compute_gru"]
        pub fn analysis_compute_gru(layer: *const c_void, state: *mut f32, input: *const f32);
        #[link_name = "gen_layer0"]
        pub static LAYER0: u8;
        #[link_name = "gen_layer1"]
        pub static LAYER1: u8;
        #[link_name = "gen_layer2"]
        pub static LAYER2: u8;
    }
}

/// Input PCM for [`CAnalysis::run_analysis`], selecting libopus's downmix function.
#[derive(Clone, Copy, Debug)]
pub enum CPcm<'a> {
    /// `downmix_float`.
    Float(&'a [f32]),
    /// `downmix_int`.
    Int16(&'a [i16]),
    /// `downmix_int24`.
    Int24(&'a [i32]),
}

impl CPcm<'_> {
    fn len(&self) -> usize {
        match self {
            CPcm::Float(x) => x.len(),
            CPcm::Int16(x) => x.len(),
            CPcm::Int24(x) => x.len(),
        }
    }
    fn parts(&self) -> (*const c_void, DownmixFn) {
        match self {
            CPcm::Float(x) => (x.as_ptr().cast(), sys::downmix_float as DownmixFn),
            CPcm::Int16(x) => (x.as_ptr().cast(), sys::downmix_int as DownmixFn),
            CPcm::Int24(x) => (x.as_ptr().cast(), sys::downmix_int24 as DownmixFn),
        }
    }
}

/// A libopus `TonalityAnalysisState` (generic build).
pub struct CAnalysis {
    st: Box<CTonalityAnalysisState>,
    mode: *const c_void,
}

// SAFETY: the state is owned; the mode is libopus's immutable static 48 kHz mode.
unsafe impl Send for CAnalysis {}

impl CAnalysis {
    /// `tonality_analysis_init(fs)` on a zeroed state; `None` if libopus has no 48 kHz mode.
    pub fn new(fs: i32) -> Option<Self> {
        // SAFETY: the struct is plain old data, so all-zero bytes are a valid value.
        let mut st: Box<CTonalityAnalysisState> = Box::new(unsafe { core::mem::zeroed() });
        let mut err = 0;
        // SAFETY: value arguments and an out-pointer; returns the static mode or NULL.
        let mode = unsafe { sys::opus_custom_mode_create(48000, 960, &mut err) };
        if mode.is_null() || err != 0 {
            return None;
        }
        // SAFETY: st points to a state of the C layout.
        unsafe { sys::tonality_analysis_init(&mut *st, fs) };
        Some(CAnalysis { st, mode })
    }

    /// The C state, for field comparisons.
    pub fn state(&self) -> &CTonalityAnalysisState {
        &self.st
    }

    /// `tonality_analysis_reset`.
    pub fn reset(&mut self) {
        // SAFETY: valid state.
        unsafe { sys::tonality_analysis_reset(&mut *self.st) }
    }

    /// `tonality_get_info(len)`.
    pub fn get_info(&mut self, len: i32) -> CAnalysisInfo {
        let mut out = CAnalysisInfo::default();
        // The C indexes its ring with read_pos unchecked.
        assert!(
            (0..DETECT_SIZE as i32).contains(&self.st.read_pos),
            "read_pos out of range"
        );
        // SAFETY: valid state and output, read_pos checked above.
        unsafe { sys::tonality_get_info(&mut *self.st, &mut out, len) };
        out
    }

    /// `run_analysis` with the state's rate, the static 48 kHz CELT mode and the downmix
    /// matching `pcm`. Returns `None` (without calling) unless the C stays inside its buffers:
    /// `pcm` must hold `analysis_frame_size * channels` samples, `c1` and `c2` must name
    /// channels (or be -1/-2 for `c2`), and `frame_size` must be at most 120 ms.
    #[allow(clippy::too_many_arguments)]
    pub fn run_analysis(
        &mut self,
        pcm: Option<CPcm<'_>>,
        analysis_frame_size: i32,
        frame_size: i32,
        c1: i32,
        c2: i32,
        channels: i32,
        lsb_depth: i32,
    ) -> Option<CAnalysisInfo> {
        let fs = self.st.Fs;
        if !matches!(fs, 16000 | 24000 | 48000)
            || channels < 1
            || !(0..=6 * fs / 50).contains(&frame_size)
            || self.st.analysis_offset < 0
            || !(0..DETECT_SIZE as i32).contains(&self.st.read_pos)
        {
            return None;
        }
        if !(0..channels).contains(&c1) || c2 >= channels || c2 < -2 {
            return None;
        }
        let (ptr, dm) = match pcm {
            Some(p) => {
                if analysis_frame_size < 0
                    || p.len() < analysis_frame_size as usize * channels as usize
                {
                    return None;
                }
                let (ptr, dm) = p.parts();
                (ptr, Some(dm))
            }
            None => (core::ptr::null(), None),
        };
        let mut out = CAnalysisInfo::default();
        // SAFETY: valid state and mode; pcm (when given) holds analysis_frame_size frames of
        // `channels` channels, and the downmix matches its sample type.
        unsafe {
            sys::run_analysis(
                &mut *self.st,
                self.mode,
                ptr,
                analysis_frame_size,
                frame_size,
                c1,
                c2,
                channels,
                fs,
                lsb_depth,
                dm,
                &mut out,
            )
        };
        Some(out)
    }
}

/// `analysis_compute_dense(&layer0, out, input)`: 25 inputs, 32 outputs.
pub fn mlp_layer0(input: &[f32; 25]) -> [f32; 32] {
    let mut out = [0.0f32; 32];
    // SAFETY: layer0 reads 25 inputs and writes 32 outputs.
    unsafe {
        sys::analysis_compute_dense(
            addr_of!(sys::LAYER0).cast(),
            out.as_mut_ptr(),
            input.as_ptr(),
        )
    };
    out
}

/// `analysis_compute_gru(&layer1, state, input)`: 32 inputs, 24 state values.
pub fn mlp_layer1(state: &mut [f32; 32], input: &[f32; 32]) {
    // SAFETY: layer1 reads 32 inputs and updates 24 state values.
    unsafe {
        sys::analysis_compute_gru(
            addr_of!(sys::LAYER1).cast(),
            state.as_mut_ptr(),
            input.as_ptr(),
        )
    };
}

/// `analysis_compute_dense(&layer2, out, input)`: 24 inputs, 2 outputs.
pub fn mlp_layer2(input: &[f32; 32]) -> [f32; 2] {
    let mut out = [0.0f32; 2];
    // SAFETY: layer2 reads 24 inputs and writes 2 outputs.
    unsafe {
        sys::analysis_compute_dense(
            addr_of!(sys::LAYER2).cast(),
            out.as_mut_ptr(),
            input.as_ptr(),
        )
    };
    out
}

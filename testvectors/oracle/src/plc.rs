//! Deep PLC of the generic-C libopus build (`dnn/fargan.c`, `dnn/lpcnet_plc.c`), wrapped for
//! differential tests: FARGAN on its own, the PLC state machine, and its feature predictor.
//!
//! States are allocated zeroed with [`GUARD`] extra bytes after the `repr(C)` mirror of the
//! 1.6.1 headers and set up by libopus's own `fargan_init` / `lpcnet_plc_init`. The mirrors
//! are checked against the sizes computed from the headers, against what the init functions
//! write (layer shapes, start positions), and after every call the guard bytes must still be
//! zero, so a stale mirror shows up as a failed assertion rather than memory corruption.
//!
//! `compute_plc_pred` is `static` in `lpcnet_plc.c`; [`Plc::compute_plc_pred`] rebuilds it
//! from the exported layer functions and the C state's own model.

#![allow(non_camel_case_types)]

use core::ffi::c_int;
use core::ptr::NonNull;
use std::alloc::{alloc_zeroed, dealloc, Layout};

use crate::features::LPCNetEncState;
use crate::nnet::LinearLayer;

/// Feature values per frame (`NB_FEATURES`).
pub const NB_FEATURES: usize = 20;
/// Features with LPC (`NB_TOTAL_FEATURES`).
pub const NB_TOTAL_FEATURES: usize = 36;
/// Samples per frame.
pub const FRAME_SIZE: usize = 160;
/// `FARGAN_CONT_SAMPLES`.
pub const FARGAN_CONT_SAMPLES: usize = 320;
/// `CONT_VECTORS`.
pub const CONT_VECTORS: usize = 5;
/// `PLC_MAX_FEC`.
pub const PLC_MAX_FEC: usize = 104;
/// `PLC_BUF_SIZE`.
pub const PLC_BUF_SIZE: usize = (CONT_VECTORS + 10) * FRAME_SIZE;
/// Predictor input size (`2*NB_BANDS+NB_FEATURES+1`).
pub const PLC_INPUT_SIZE: usize = 57;
/// Zero bytes kept after each C state and checked after every call.
pub const GUARD: usize = 4096;

/// `FARGAN` of fargan_data.h: 20 layers, in the header's order (cond_net_pembed, fdense1,
/// fconv1, fdense2, sig_net_cond_gain_dense, fwc0_conv, fwc0_glu_gate, gru1/2/3 input and
/// recurrent, gru1/2/3 glu gates, skip_glu_gate, skip_dense, sig_dense_out, gain_dense_out).
#[repr(C)]
pub struct FARGAN {
    pub layers: [LinearLayer; 20],
}

/// `FARGANState` of fargan.h.
#[repr(C)]
pub struct FARGANState {
    pub model: FARGAN,
    pub arch: c_int,
    pub cont_initialized: c_int,
    pub deemph_mem: f32,
    pub pitch_buf: [f32; 256],
    pub cond_conv1_state: [f32; 128],
    pub fwc0_mem: [f32; 328],
    pub gru1_state: [f32; 160],
    pub gru2_state: [f32; 128],
    pub gru3_state: [f32; 128],
    pub last_period: c_int,
}

/// `PLCModel` of plc_data.h: dense_in, dense_out, gru1_input, gru1_recurrent, gru2_input,
/// gru2_recurrent.
#[repr(C)]
pub struct PLCModel {
    pub layers: [LinearLayer; 6],
}

/// `PLCNetState` of lpcnet_private.h.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PLCNetState {
    pub gru1_state: [f32; 192],
    pub gru2_state: [f32; 192],
}

/// `struct LPCNetPLCState` of lpcnet_private.h.
#[repr(C)]
pub struct LPCNetPLCState {
    pub model: PLCModel,
    pub fargan: FARGANState,
    pub enc: LPCNetEncState,
    pub loaded: c_int,
    pub arch: c_int,
    pub fec: [[f32; NB_FEATURES]; PLC_MAX_FEC],
    pub analysis_gap: c_int,
    pub fec_read_pos: c_int,
    pub fec_fill_pos: c_int,
    pub fec_skip: c_int,
    pub analysis_pos: c_int,
    pub predict_pos: c_int,
    pub pcm: [f32; PLC_BUF_SIZE],
    pub blend: c_int,
    pub features: [f32; NB_TOTAL_FEATURES],
    pub cont_features: [f32; CONT_VECTORS * NB_FEATURES],
    pub loss_count: c_int,
    pub plc_net: PLCNetState,
    pub plc_bak: [PLCNetState; 2],
}

// Sizes from the headers on LP64: FARGAN = 20·64 = 1280; FARGANState = 1280 + 3·4 +
// 4·(256 + 128 + 328 + 160 + 128 + 128) + 4 = 5808; PLCModel = 6·64 = 384;
// LPCNetPLCState = 384 + 5808 + 38688 + 8 + 8320 + 24 + 9600 + 4 + 144 + 400 + 4 + 1536 +
// 3072 = 67992 (a multiple of 8, so no tail padding).
const _: () = assert!(core::mem::size_of::<FARGAN>() == 1280);
const _: () = assert!(core::mem::size_of::<FARGANState>() == 5808);
const _: () = assert!(core::mem::size_of::<PLCModel>() == 384);
const _: () = assert!(core::mem::size_of::<PLCNetState>() == 1536);
const _: () = assert!(core::mem::size_of::<LPCNetPLCState>() == 67992);

mod sys {
    use super::*;
    extern "C" {
        #[link_name = "gen_fargan_init"]
        pub fn fargan_init(st: *mut FARGANState);
        #[link_name = "gen_fargan_cont"]
        pub fn fargan_cont(st: *mut FARGANState, pcm0: *const f32, features0: *const f32);
        #[link_name = "gen_fargan_synthesize"]
        pub fn fargan_synthesize(st: *mut FARGANState, pcm: *mut f32, features: *const f32);
        #[link_name = "gen_fargan_synthesize_int"]
        pub fn fargan_synthesize_int(st: *mut FARGANState, pcm: *mut i16, features: *const f32);
        #[link_name = "gen_lpcnet_plc_init"]
        pub fn lpcnet_plc_init(st: *mut LPCNetPLCState) -> c_int;
        #[link_name = "gen_lpcnet_plc_reset"]
        pub fn lpcnet_plc_reset(st: *mut LPCNetPLCState);
        #[link_name = "gen_lpcnet_plc_update"]
        pub fn lpcnet_plc_update(st: *mut LPCNetPLCState, pcm: *mut i16) -> c_int;
        #[link_name = "gen_lpcnet_plc_conceal"]
        pub fn lpcnet_plc_conceal(st: *mut LPCNetPLCState, pcm: *mut i16) -> c_int;
        #[link_name = "gen_lpcnet_plc_fec_add"]
        pub fn lpcnet_plc_fec_add(st: *mut LPCNetPLCState, features: *const f32);
        #[link_name = "gen_lpcnet_plc_fec_clear"]
        pub fn lpcnet_plc_fec_clear(st: *mut LPCNetPLCState);
        #[link_name = "gen_compute_generic_dense"]
        pub fn compute_generic_dense(
            layer: *const LinearLayer,
            output: *mut f32,
            input: *const f32,
            activation: c_int,
            arch: c_int,
        );
        #[link_name = "gen_compute_generic_gru"]
        pub fn compute_generic_gru(
            input_weights: *const LinearLayer,
            recurrent_weights: *const LinearLayer,
            state: *mut f32,
            input: *const f32,
            arch: c_int,
        );
    }
}

/// A zeroed C allocation of `T` plus [`GUARD`] bytes.
struct Guarded<T> {
    p: NonNull<T>,
}

impl<T> Guarded<T> {
    fn layout() -> Layout {
        Layout::from_size_align(core::mem::size_of::<T>() + GUARD, 16).expect("layout")
    }

    fn new() -> Self {
        // SAFETY: non-zero-sized layout.
        let p = unsafe { alloc_zeroed(Self::layout()) } as *mut T;
        Guarded { p: NonNull::new(p).expect("allocation failed") }
    }

    fn check(&self) {
        // SAFETY: the allocation holds size_of::<T>() + GUARD bytes.
        let tail = unsafe {
            core::slice::from_raw_parts((self.p.as_ptr() as *const u8).add(core::mem::size_of::<T>()), GUARD)
        };
        assert!(tail.iter().all(|&b| b == 0), "C wrote past the mirrored struct: stale mirror");
    }

    fn get(&self) -> &T {
        // SAFETY: initialised by the C init function before any read; valid for `self`.
        unsafe { self.p.as_ref() }
    }

    fn ptr(&mut self) -> *mut T {
        self.p.as_ptr()
    }
}

impl<T> Drop for Guarded<T> {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.p.as_ptr() as *mut u8, Self::layout()) };
    }
}

/// libopus's `FARGANState` with the compiled-in weights.
pub struct Fargan {
    st: Guarded<FARGANState>,
}

// SAFETY: plain data owned by this handle; model pointers refer to immutable static tables.
unsafe impl Send for Fargan {}

impl Fargan {
    /// Zeroed memory, then `fargan_init`.
    ///
    /// # Panics
    /// If the layer shapes written by `fargan_init` do not match the mirror.
    pub fn new() -> Self {
        let mut st = Guarded::<FARGANState>::new();
        // SAFETY: zeroed memory of the mirrored size (plus guard).
        unsafe { sys::fargan_init(st.ptr()) };
        st.check();
        let l = &st.get().model.layers;
        let shape = |i: usize| (l[i].nb_inputs, l[i].nb_outputs);
        assert_eq!((shape(0), shape(5), shape(17), shape(19)), ((224, 12), (328, 192), (688, 128), (192, 4)));
        Fargan { st }
    }

    /// `fargan_cont`.
    pub fn cont(&mut self, pcm0: &[f32; FARGAN_CONT_SAMPLES], features0: &[f32; CONT_VECTORS * NB_FEATURES]) {
        // SAFETY: valid state; C sizes.
        unsafe { sys::fargan_cont(self.st.ptr(), pcm0.as_ptr(), features0.as_ptr()) };
        self.st.check();
    }

    /// `fargan_synthesize`.
    pub fn synthesize(&mut self, features: &[f32; NB_FEATURES]) -> [f32; FRAME_SIZE] {
        let mut pcm = [0.0f32; FRAME_SIZE];
        // SAFETY: as above.
        unsafe { sys::fargan_synthesize(self.st.ptr(), pcm.as_mut_ptr(), features.as_ptr()) };
        self.st.check();
        pcm
    }

    /// `fargan_synthesize_int`.
    pub fn synthesize_int(&mut self, features: &[f32; NB_FEATURES]) -> [i16; FRAME_SIZE] {
        let mut pcm = [0i16; FRAME_SIZE];
        // SAFETY: as above.
        unsafe { sys::fargan_synthesize_int(self.st.ptr(), pcm.as_mut_ptr(), features.as_ptr()) };
        self.st.check();
        pcm
    }

    /// The C state.
    pub fn state(&self) -> &FARGANState {
        self.st.get()
    }
}

impl Default for Fargan {
    fn default() -> Self {
        Self::new()
    }
}

/// libopus's `LPCNetPLCState` with the compiled-in weights.
pub struct Plc {
    st: Guarded<LPCNetPLCState>,
}

// SAFETY: as for `Fargan`.
unsafe impl Send for Plc {}

impl Plc {
    /// Zeroed memory, then `lpcnet_plc_init`.
    ///
    /// # Panics
    /// If init fails or what it writes does not match the mirror.
    pub fn new() -> Self {
        let mut st = Guarded::<LPCNetPLCState>::new();
        // SAFETY: zeroed memory of the mirrored size (plus guard).
        let ret = unsafe { sys::lpcnet_plc_init(st.ptr()) };
        assert_eq!(ret, 0);
        st.check();
        let s = st.get();
        assert_eq!((s.loaded, s.analysis_gap, s.analysis_pos, s.predict_pos, s.blend), (1, 1, 2400, 2400, 0));
        let m = &s.model.layers;
        assert_eq!((m[0].nb_inputs, m[0].nb_outputs, m[1].nb_inputs, m[1].nb_outputs), (57, 128, 192, 20));
        assert_eq!((s.fargan.model.layers[19].nb_inputs, s.fargan.model.layers[19].nb_outputs), (192, 4));
        Plc { st }
    }

    /// `lpcnet_plc_reset`.
    pub fn reset(&mut self) {
        // SAFETY: valid state.
        unsafe { sys::lpcnet_plc_reset(self.st.ptr()) };
        self.st.check();
    }

    /// `lpcnet_plc_update`.
    pub fn update(&mut self, pcm: &[i16; FRAME_SIZE]) {
        let mut buf = *pcm;
        // SAFETY: valid state; the C function only reads the 160 samples.
        unsafe { sys::lpcnet_plc_update(self.st.ptr(), buf.as_mut_ptr()) };
        self.st.check();
    }

    /// `lpcnet_plc_conceal`.
    pub fn conceal(&mut self) -> [i16; FRAME_SIZE] {
        let mut pcm = [0i16; FRAME_SIZE];
        // SAFETY: valid state; 160 samples.
        unsafe { sys::lpcnet_plc_conceal(self.st.ptr(), pcm.as_mut_ptr()) };
        self.st.check();
        pcm
    }

    /// `lpcnet_plc_fec_add` (`None` passes NULL).
    ///
    /// # Panics
    /// If the queue is full (libopus would write out of bounds).
    pub fn fec_add(&mut self, features: Option<&[f32; NB_FEATURES]>) {
        if features.is_some() {
            assert!((self.st.get().fec_fill_pos as usize) < PLC_MAX_FEC, "FEC queue full");
        }
        let p = features.map_or(core::ptr::null(), |f| f.as_ptr());
        // SAFETY: valid state; NULL or 20 floats.
        unsafe { sys::lpcnet_plc_fec_add(self.st.ptr(), p) };
        self.st.check();
    }

    /// `lpcnet_plc_fec_clear`.
    pub fn fec_clear(&mut self) {
        // SAFETY: valid state.
        unsafe { sys::lpcnet_plc_fec_clear(self.st.ptr()) };
    }

    /// Sets `blend` to 0, as the CELT decoder does on a good packet.
    pub fn clear_blend(&mut self) {
        // SAFETY: valid state, exclusively borrowed; plain int field.
        unsafe { (*self.st.ptr()).blend = 0 };
    }

    /// libopus's `update_plc_state` bookkeeping around four updates: `fec_read_pos` and
    /// `fec_skip` are restored afterwards.
    pub fn update_history(&mut self, pcm: &[i16; 4 * FRAME_SIZE]) {
        let (read, skip) = (self.st.get().fec_read_pos, self.st.get().fec_skip);
        for block in pcm.chunks_exact(FRAME_SIZE) {
            self.update(block.try_into().expect("160"));
        }
        // SAFETY: valid state, exclusively borrowed; plain int fields.
        unsafe {
            (*self.st.ptr()).fec_read_pos = read;
            (*self.st.ptr()).fec_skip = skip;
        }
    }

    /// libopus's static `compute_plc_pred`, rebuilt from the exported layer functions and
    /// this state's model: updates `plc_net` from `input` and returns the prediction.
    pub fn compute_plc_pred(&mut self, input: &[f32; PLC_INPUT_SIZE]) -> [f32; NB_FEATURES] {
        let mut tmp = [0.0f32; 128];
        let mut out = [0.0f32; NB_FEATURES];
        let st = self.st.ptr();
        // SAFETY: valid state, exclusively borrowed; buffer sizes are the layers' sizes; the
        // layer pointers and GRU states live in the state and do not overlap `tmp`/`out`.
        unsafe {
            let m = core::ptr::addr_of!((*st).model.layers);
            let net = core::ptr::addr_of_mut!((*st).plc_net);
            sys::compute_generic_dense(&(*m)[0], tmp.as_mut_ptr(), input.as_ptr(), 2, 0);
            sys::compute_generic_gru(&(*m)[2], &(*m)[3], (*net).gru1_state.as_mut_ptr(), tmp.as_ptr(), 0);
            sys::compute_generic_gru(&(*m)[4], &(*m)[5], (*net).gru2_state.as_mut_ptr(), (*net).gru1_state.as_ptr(), 0);
            sys::compute_generic_dense(&(*m)[1], out.as_mut_ptr(), (*net).gru2_state.as_ptr(), 0, 0);
        }
        self.st.check();
        out
    }

    /// The C state.
    pub fn state(&self) -> &LPCNetPLCState {
        self.st.get()
    }
}

impl Default for Plc {
    fn default() -> Self {
        Self::new()
    }
}

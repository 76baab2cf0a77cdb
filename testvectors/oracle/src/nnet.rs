//! The neural-network internals of the generic-C libopus build (`dnn/nnet.c`,
//! `nnet_arch.h`, `parse_lpcnet_weights.c`) and its compiled-in weight tables, wrapped for
//! differential tests.
//!
//! Only [`crate::Build::Generic`] is exposed here: its kernels are the deterministic reference
//! the Rust port must match bit for bit. Symbols carry the `gen_` prefix of that archive.

#![allow(non_camel_case_types, clippy::result_unit_err)]

use core::ffi::{c_char, c_int, c_void, CStr};
use core::marker::PhantomData;
use core::ptr;
use std::path::PathBuf;

/// `WeightArray` of dnn/nnet.h.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct WeightArray {
    /// Zero-terminated name; NULL ends a table.
    pub name: *const c_char,
    /// `WEIGHT_TYPE_*`.
    pub type_: c_int,
    /// Size in bytes.
    pub size: c_int,
    /// The array.
    pub data: *const c_void,
}

/// `WeightHead` of dnn/nnet.h: the 64-byte record header of a weight blob.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct WeightHead {
    /// `"DNNw"`.
    pub head: [u8; 4],
    /// `WEIGHT_BLOB_VERSION`.
    pub version: c_int,
    /// `WEIGHT_TYPE_*`.
    pub type_: c_int,
    /// Array size in bytes.
    pub size: c_int,
    /// Size rounded up to 64.
    pub block_size: c_int,
    /// Zero-terminated name.
    pub name: [u8; 44],
}

/// `LinearLayer` of dnn/nnet.h.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
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

/// `Conv2dLayer` of dnn/nnet.h.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Conv2dLayer {
    pub bias: *const f32,
    pub float_weights: *const f32,
    pub in_channels: c_int,
    pub out_channels: c_int,
    pub ktime: c_int,
    pub kheight: c_int,
}

mod sys {
    use super::*;
    extern "C" {
        #[link_name = "gen_compute_linear_c"]
        pub fn compute_linear_c(linear: *const LinearLayer, out: *mut f32, input: *const f32);
        #[link_name = "gen_compute_activation_c"]
        pub fn compute_activation_c(output: *mut f32, input: *const f32, n: c_int, activation: c_int);
        #[link_name = "gen_compute_generic_dense"]
        pub fn compute_generic_dense(layer: *const LinearLayer, output: *mut f32, input: *const f32, activation: c_int, arch: c_int);
        #[link_name = "gen_compute_generic_gru"]
        pub fn compute_generic_gru(input_weights: *const LinearLayer, recurrent_weights: *const LinearLayer, state: *mut f32, input: *const f32, arch: c_int);
        #[link_name = "gen_compute_glu"]
        pub fn compute_glu(layer: *const LinearLayer, output: *mut f32, input: *const f32, arch: c_int);
        #[link_name = "gen_compute_generic_conv1d"]
        pub fn compute_generic_conv1d(layer: *const LinearLayer, output: *mut f32, mem: *mut f32, input: *const f32, input_size: c_int, activation: c_int, arch: c_int);
        #[link_name = "gen_compute_generic_conv1d_dilation"]
        pub fn compute_generic_conv1d_dilation(layer: *const LinearLayer, output: *mut f32, mem: *mut f32, input: *const f32, input_size: c_int, dilation: c_int, activation: c_int, arch: c_int);
        #[link_name = "gen_compute_conv2d_c"]
        pub fn compute_conv2d_c(conv: *const Conv2dLayer, out: *mut f32, mem: *mut f32, input: *const f32, height: c_int, hstride: c_int, activation: c_int);
        #[link_name = "gen_parse_weights"]
        pub fn parse_weights(list: *mut *mut WeightArray, data: *const c_void, len: c_int) -> c_int;
        #[link_name = "gen_linear_init"]
        pub fn linear_init(layer: *mut LinearLayer, arrays: *const WeightArray, bias: *const c_char, subias: *const c_char, weights: *const c_char, float_weights: *const c_char, weights_idx: *const c_char, diag: *const c_char, scale: *const c_char, nb_inputs: c_int, nb_outputs: c_int) -> c_int;
        #[link_name = "gen_conv2d_init"]
        pub fn conv2d_init(layer: *mut Conv2dLayer, arrays: *const WeightArray, bias: *const c_char, float_weights: *const c_char, in_channels: c_int, out_channels: c_int, ktime: c_int, kheight: c_int) -> c_int;

        #[link_name = "gen_pitchdnn_arrays"]
        pub static pitchdnn_arrays: [WeightArray; 0];
        #[link_name = "gen_fargan_arrays"]
        pub static fargan_arrays: [WeightArray; 0];
        #[link_name = "gen_plcmodel_arrays"]
        pub static plcmodel_arrays: [WeightArray; 0];
        #[link_name = "gen_rdovaeenc_arrays"]
        pub static rdovaeenc_arrays: [WeightArray; 0];
        #[link_name = "gen_rdovaedec_arrays"]
        pub static rdovaedec_arrays: [WeightArray; 0];

        pub fn free(p: *mut c_void);
    }
}

/// The models whose weights libopus compiles in (DRED build, no OSCE).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// `pitchdnn_arrays`.
    PitchDnn,
    /// `fargan_arrays`.
    Fargan,
    /// `plcmodel_arrays`.
    Plc,
    /// `rdovaeenc_arrays`.
    RdovaeEnc,
    /// `rdovaedec_arrays`.
    RdovaeDec,
}

impl Model {
    /// All models, in the order `write_lpcnet_weights.c` writes them.
    pub const BLOB_ORDER: [Model; 5] = [Model::PitchDnn, Model::Fargan, Model::Plc, Model::RdovaeEnc, Model::RdovaeDec];

    /// The table's C name.
    pub fn table_name(self) -> &'static str {
        match self {
            Model::PitchDnn => "pitchdnn_arrays",
            Model::Fargan => "fargan_arrays",
            Model::Plc => "plcmodel_arrays",
            Model::RdovaeEnc => "rdovaeenc_arrays",
            Model::RdovaeDec => "rdovaedec_arrays",
        }
    }

    /// The libopus source file defining the table.
    pub fn source_file(self) -> &'static str {
        match self {
            Model::PitchDnn => "pitchdnn_data.c",
            Model::Fargan => "fargan_data.c",
            Model::Plc => "plc_data.c",
            Model::RdovaeEnc => "dred_rdovae_enc_data.c",
            Model::RdovaeDec => "dred_rdovae_dec_data.c",
        }
    }

    fn table(self) -> *const WeightArray {
        // Only the address of the extern tables is taken.
        match self {
            Model::PitchDnn => ptr::addr_of!(sys::pitchdnn_arrays).cast(),
            Model::Fargan => ptr::addr_of!(sys::fargan_arrays).cast(),
            Model::Plc => ptr::addr_of!(sys::plcmodel_arrays).cast(),
            Model::RdovaeEnc => ptr::addr_of!(sys::rdovaeenc_arrays).cast(),
            Model::RdovaeDec => ptr::addr_of!(sys::rdovaedec_arrays).cast(),
        }
    }

    /// The compiled-in arrays of the model, in table order.
    pub fn arrays(self) -> Vec<ArrayRef> {
        let mut out = Vec::new();
        let mut p = self.table();
        // SAFETY: the tables are NULL-terminated arrays of valid entries pointing at static data.
        unsafe {
            while !(*p).name.is_null() {
                let a = *p;
                out.push(ArrayRef {
                    name: CStr::from_ptr(a.name).to_bytes().to_vec(),
                    type_code: a.type_,
                    data: core::slice::from_raw_parts(a.data.cast::<u8>(), a.size as usize),
                });
                p = p.add(1);
            }
        }
        out
    }
}

/// One compiled-in array.
#[derive(Clone, Debug)]
pub struct ArrayRef {
    /// Its name.
    pub name: Vec<u8>,
    /// `WEIGHT_TYPE_*`.
    pub type_code: i32,
    /// Its bytes.
    pub data: &'static [u8],
}

/// Serialises the compiled-in tables of `models` exactly as `write_lpcnet_weights.c`'s
/// `write_weights` does (header struct, data, zero padding to 64 bytes).
pub fn write_weights(models: &[Model]) -> Vec<u8> {
    let mut out = Vec::new();
    for &m in models {
        for a in m.arrays() {
            let mut h = WeightHead { head: *b"DNNw", version: 0, type_: a.type_code, size: a.data.len() as c_int, block_size: 0, name: [0; 44] };
            h.block_size = (h.size + 64 - 1) / 64 * 64;
            // strncpy into the zeroed field, then force the terminator.
            let n = a.name.len().min(44);
            h.name[..n].copy_from_slice(&a.name[..n]);
            h.name[43] = 0;
            assert_eq!(core::mem::size_of::<WeightHead>(), 64);
            // SAFETY: WeightHead is repr(C), 64 bytes without padding.
            let bytes = unsafe { core::slice::from_raw_parts(ptr::addr_of!(h).cast::<u8>(), 64) };
            out.extend_from_slice(bytes);
            out.extend_from_slice(a.data);
            out.resize(out.len() + (h.block_size - h.size) as usize, 0);
        }
    }
    out
}

/// One record as libopus's `parse_weights` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRecord {
    /// Name up to its terminator.
    pub name: Vec<u8>,
    /// Type code.
    pub type_code: i32,
    /// Offset of the data in the blob.
    pub offset: usize,
    /// Size in bytes.
    pub size: usize,
}

/// Runs libopus's `parse_weights` on `blob`; `Err(())` when it returns -1.
pub fn parse_weights(blob: &[u8]) -> Result<Vec<ParsedRecord>, ()> {
    assert!(blob.len() <= c_int::MAX as usize);
    let mut list: *mut WeightArray = ptr::null_mut();
    // SAFETY: parse_weights reads at most `len` bytes (it checks every header against the
    // remaining length) and allocates the list with malloc.
    let n = unsafe { sys::parse_weights(&mut list, blob.as_ptr().cast(), blob.len() as c_int) };
    if n < 0 {
        return Err(());
    }
    let mut out = Vec::with_capacity(n as usize);
    // SAFETY: `n` valid entries pointing into `blob`; the list is freed once.
    unsafe {
        for i in 0..n as usize {
            let a = *list.add(i);
            out.push(ParsedRecord {
                name: CStr::from_ptr(a.name).to_bytes().to_vec(),
                type_code: a.type_,
                offset: a.data.cast::<u8>().offset_from(blob.as_ptr()) as usize,
                size: a.size as usize,
            });
        }
        sys::free(list.cast());
    }
    Ok(out)
}

/// A C `LinearLayer` borrowing its arrays.
#[derive(Clone, Copy, Debug)]
pub struct CLinear<'a> {
    raw: LinearLayer,
    _data: PhantomData<&'a [u8]>,
}

fn opt_ptr<T>(s: Option<&[T]>) -> *const T {
    s.map_or(ptr::null(), <[T]>::as_ptr)
}

fn cname(s: Option<&str>) -> Option<std::ffi::CString> {
    s.map(|s| std::ffi::CString::new(s).expect("name without NUL"))
}

fn cptr(s: &Option<std::ffi::CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

/// The arrays of a linear layer, for [`CLinear::new`].
#[derive(Clone, Copy, Debug, Default)]
pub struct LinearArrays<'a> {
    pub bias: Option<&'a [f32]>,
    pub subias: Option<&'a [f32]>,
    pub weights: Option<&'a [i8]>,
    pub float_weights: Option<&'a [f32]>,
    pub weights_idx: Option<&'a [i32]>,
    pub diag: Option<&'a [f32]>,
    pub scale: Option<&'a [f32]>,
}

impl<'a> CLinear<'a> {
    /// A layer over caller arrays. The arrays must fit the dimensions as libopus's
    /// `linear_init` would require (dense sizes, or the sizes a valid index list implies);
    /// this checks the simple lengths and that a sparse index list stays inside its arrays.
    pub fn new(a: LinearArrays<'a>, nb_inputs: usize, nb_outputs: usize) -> Self {
        let n = nb_outputs;
        for v in [a.bias, a.subias, a.diag, a.scale].into_iter().flatten() {
            assert!(v.len() >= n, "per-output array too short");
        }
        let wlen = match a.weights_idx {
            Some(idx) => {
                let (mut at, mut blocks, mut groups) = (0usize, 0usize, 0usize);
                while at < idx.len() {
                    let c = idx[at] as usize;
                    for &p in &idx[at + 1..at + 1 + c] {
                        assert!(p >= 0 && (p as usize) + 3 < nb_inputs && p % 4 == 0);
                    }
                    at += 1 + c;
                    blocks += c;
                    groups += 1;
                }
                assert_eq!(groups * 8, n);
                blocks * 32
            }
            None => nb_inputs * nb_outputs,
        };
        if let Some(w) = a.weights {
            assert!(w.len() >= wlen && a.scale.is_some());
            if a.weights_idx.is_none() {
                assert!(n & 7 == 0 && nb_inputs & 3 == 0);
            }
        }
        if let Some(w) = a.float_weights {
            assert!(w.len() >= wlen);
        }
        if a.diag.is_some() {
            assert_eq!(3 * nb_inputs, n);
        }
        CLinear {
            raw: LinearLayer {
                bias: opt_ptr(a.bias),
                subias: opt_ptr(a.subias),
                weights: opt_ptr(a.weights),
                float_weights: opt_ptr(a.float_weights),
                weights_idx: opt_ptr(a.weights_idx),
                diag: opt_ptr(a.diag),
                scale: opt_ptr(a.scale),
                nb_inputs: nb_inputs as c_int,
                nb_outputs: nb_outputs as c_int,
            },
            _data: PhantomData,
        }
    }

    /// The raw struct.
    pub fn raw(&self) -> &LinearLayer {
        &self.raw
    }
    /// Inputs.
    pub fn nb_inputs(&self) -> usize {
        self.raw.nb_inputs as usize
    }
    /// Outputs.
    pub fn nb_outputs(&self) -> usize {
        self.raw.nb_outputs as usize
    }
}

/// Names of a linear layer's arrays, in `linear_init`'s argument order: bias, subias,
/// weights, float_weights, weights_idx, diag, scale.
pub type LinearNames<'n> = [Option<&'n str>; 7];

impl CLinear<'static> {
    /// libopus's `linear_init` on a model's compiled-in table; `Err(())` when it returns 1.
    ///
    /// Index lists in the compiled tables are valid, so `linear_init` terminates.
    pub fn init(model: Model, names: LinearNames<'_>, nb_inputs: usize, nb_outputs: usize) -> Result<Self, ()> {
        if names[2].is_some() && names[6].is_none() {
            return Err(()); // libopus would pass NULL to strcmp.
        }
        let c: Vec<_> = names.iter().map(|n| cname(*n)).collect();
        let mut raw = LinearLayer {
            bias: ptr::null(),
            subias: ptr::null(),
            weights: ptr::null(),
            float_weights: ptr::null(),
            weights_idx: ptr::null(),
            diag: ptr::null(),
            scale: ptr::null(),
            nb_inputs: 0,
            nb_outputs: 0,
        };
        // SAFETY: the table is NULL-terminated and static; the names are valid C strings.
        let r = unsafe {
            sys::linear_init(
                &mut raw,
                model.table(),
                cptr(&c[0]),
                cptr(&c[1]),
                cptr(&c[2]),
                cptr(&c[3]),
                cptr(&c[4]),
                cptr(&c[5]),
                cptr(&c[6]),
                nb_inputs as c_int,
                nb_outputs as c_int,
            )
        };
        if r != 0 {
            return Err(());
        }
        Ok(CLinear { raw, _data: PhantomData })
    }
}

/// A C `Conv2dLayer` borrowing its arrays.
#[derive(Clone, Copy, Debug)]
pub struct CConv2d<'a> {
    raw: Conv2dLayer,
    _data: PhantomData<&'a [f32]>,
}

impl<'a> CConv2d<'a> {
    /// A convolution over caller arrays (weights are required by the C kernel).
    pub fn new(bias: Option<&'a [f32]>, weights: &'a [f32], in_channels: usize, out_channels: usize, ktime: usize, kheight: usize) -> Self {
        assert!(weights.len() >= in_channels * out_channels * ktime * kheight);
        if let Some(b) = bias {
            assert!(b.len() >= out_channels);
        }
        CConv2d {
            raw: Conv2dLayer {
                bias: opt_ptr(bias),
                float_weights: weights.as_ptr(),
                in_channels: in_channels as c_int,
                out_channels: out_channels as c_int,
                ktime: ktime as c_int,
                kheight: kheight as c_int,
            },
            _data: PhantomData,
        }
    }
}

impl CConv2d<'static> {
    /// libopus's `conv2d_init` on a model's compiled-in table; `Err(())` when it fails or the
    /// weights are absent.
    pub fn init(model: Model, bias: Option<&str>, weights: Option<&str>, in_channels: usize, out_channels: usize, ktime: usize, kheight: usize) -> Result<Self, ()> {
        let (b, w) = (cname(bias), cname(weights));
        let mut raw = Conv2dLayer { bias: ptr::null(), float_weights: ptr::null(), in_channels: 0, out_channels: 0, ktime: 0, kheight: 0 };
        // SAFETY: static NULL-terminated table, valid C strings.
        let r = unsafe {
            sys::conv2d_init(&mut raw, model.table(), cptr(&b), cptr(&w), in_channels as c_int, out_channels as c_int, ktime as c_int, kheight as c_int)
        };
        if r != 0 || raw.float_weights.is_null() {
            return Err(());
        }
        Ok(CConv2d { raw, _data: PhantomData })
    }
}

/// `compute_linear_c`.
pub fn compute_linear(l: &CLinear<'_>, out: &mut [f32], input: &[f32]) {
    assert!(out.len() >= l.nb_outputs() && input.len() >= l.nb_inputs());
    assert!(l.nb_inputs() <= 2048 || l.raw.weights.is_null() || !l.raw.float_weights.is_null());
    // SAFETY: sizes checked above; the layer's arrays are valid for its dimensions.
    unsafe { sys::compute_linear_c(&l.raw, out.as_mut_ptr(), input.as_ptr()) }
}

/// `compute_activation_c` with libopus's activation code.
pub fn compute_activation(out: &mut [f32], input: &[f32], activation: i32) {
    assert!(out.len() >= input.len() && (0..=6).contains(&activation));
    assert!(input.len() <= 4096, "vec_swish's buffer");
    // SAFETY: N = input.len() values read and written.
    unsafe { sys::compute_activation_c(out.as_mut_ptr(), input.as_ptr(), input.len() as c_int, activation) }
}

/// `compute_generic_dense`.
pub fn compute_dense(l: &CLinear<'_>, out: &mut [f32], input: &[f32], activation: i32) {
    assert!(out.len() >= l.nb_outputs() && input.len() >= l.nb_inputs() && (0..=6).contains(&activation));
    // SAFETY: as compute_linear.
    unsafe { sys::compute_generic_dense(&l.raw, out.as_mut_ptr(), input.as_ptr(), activation, 0) }
}

/// `compute_generic_gru`.
pub fn compute_gru(input_weights: &CLinear<'_>, recurrent_weights: &CLinear<'_>, state: &mut [f32], input: &[f32]) {
    let n = recurrent_weights.nb_inputs();
    assert!(recurrent_weights.nb_outputs() == 3 * n && input_weights.nb_outputs() == 3 * n && n <= 192);
    assert!(state.len() >= n && input.len() >= input_weights.nb_inputs());
    // SAFETY: sizes checked; state and input are distinct borrows.
    unsafe { sys::compute_generic_gru(&input_weights.raw, &recurrent_weights.raw, state.as_mut_ptr(), input.as_ptr(), 0) }
}

/// `compute_glu`.
pub fn compute_glu(l: &CLinear<'_>, out: &mut [f32], input: &[f32]) {
    assert!(l.nb_inputs() == l.nb_outputs() && l.nb_outputs() <= 2048);
    assert!(out.len() >= l.nb_outputs() && input.len() >= l.nb_inputs());
    // SAFETY: sizes checked.
    unsafe { sys::compute_glu(&l.raw, out.as_mut_ptr(), input.as_ptr(), 0) }
}

/// `compute_generic_conv1d`; `input.len()` is the frame size.
pub fn compute_conv1d(l: &CLinear<'_>, out: &mut [f32], mem: &mut [f32], input: &[f32], activation: i32) {
    let total = l.nb_inputs();
    assert!(total <= 1024 && input.len() <= total && mem.len() >= total - input.len() && out.len() >= l.nb_outputs());
    // SAFETY: sizes checked.
    unsafe { sys::compute_generic_conv1d(&l.raw, out.as_mut_ptr(), mem.as_mut_ptr(), input.as_ptr(), input.len() as c_int, activation, 0) }
}

/// `compute_generic_conv1d_dilation`; `input.len()` is the frame size.
pub fn compute_conv1d_dilation(l: &CLinear<'_>, out: &mut [f32], mem: &mut [f32], input: &[f32], dilation: usize, activation: i32) {
    let total = l.nb_inputs();
    let ksize = total / input.len();
    assert!(total <= 1024 && input.len() <= total && dilation >= 1 && ksize >= 2 && out.len() >= l.nb_outputs());
    assert!(mem.len() >= input.len() * dilation * (ksize - 1));
    // SAFETY: sizes checked.
    unsafe {
        sys::compute_generic_conv1d_dilation(&l.raw, out.as_mut_ptr(), mem.as_mut_ptr(), input.as_ptr(), input.len() as c_int, dilation as c_int, activation, 0)
    }
}

/// `compute_conv2d_c`.
pub fn compute_conv2d(conv: &CConv2d<'_>, out: &mut [f32], mem: &mut [f32], input: &[f32], height: usize, hstride: usize, activation: i32) {
    let c = &conv.raw;
    let time_stride = c.in_channels as usize * (height + c.kheight as usize - 1);
    assert!(c.ktime as usize * time_stride <= 8192);
    assert!(mem.len() >= (c.ktime as usize - 1) * time_stride && input.len() >= time_stride);
    assert!(hstride >= height && out.len() >= (c.out_channels as usize - 1) * hstride + height);
    // SAFETY: sizes checked.
    unsafe { sys::compute_conv2d_c(c, out.as_mut_ptr(), mem.as_mut_ptr(), input.as_ptr(), height as c_int, hstride as c_int, activation) }
}

/// The libopus 1.6.1 source tree the oracle is built from (`$OPUS_ORACLE_SRC`, or
/// opusic-sys 0.7.7's copy in cargo's registry), if found.
pub fn libopus_source_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("OPUS_ORACLE_SRC") {
        return Some(PathBuf::from(d));
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(home.join("registry").join("src"))
        .ok()?
        .flatten()
        .map(|e| e.path().join("opusic-sys-0.7.7").join("opus"))
        .filter(|p| p.join("dnn").join("nnet.h").is_file())
        .collect();
    found.sort();
    found.into_iter().next()
}

/// A NULL-terminated `WeightArray` table over owned copies of caller arrays (8-byte
/// aligned), for running `linear_init`/`conv2d_init` on hand-made weights.
pub struct CTable {
    _names: Vec<std::ffi::CString>,
    _data: Vec<Vec<u64>>,
    entries: Vec<WeightArray>,
}

impl CTable {
    /// A table of `(name, type, bytes)` entries.
    pub fn new(arrays: &[(&str, i32, &[u8])]) -> Self {
        let mut names = Vec::new();
        let mut data = Vec::new();
        let mut entries = Vec::new();
        for &(name, ty, bytes) in arrays {
            let c = std::ffi::CString::new(name).expect("name without NUL");
            let mut words = vec![0u64; bytes.len().div_ceil(8).max(1)];
            // SAFETY: `words` holds at least `bytes.len()` bytes.
            unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), words.as_mut_ptr().cast::<u8>(), bytes.len()) };
            entries.push(WeightArray { name: c.as_ptr(), type_: ty, size: bytes.len() as c_int, data: words.as_ptr().cast() });
            names.push(c);
            data.push(words);
        }
        entries.push(WeightArray { name: ptr::null(), type_: 0, size: 0, data: ptr::null() });
        CTable { _names: names, _data: data, entries }
    }

    /// libopus's `linear_init` on this table: whether it succeeds.
    ///
    /// Sparse index arrays must not contain negative counts or positions (libopus 1.6.1 does
    /// not terminate or reads out of bounds on those).
    pub fn linear_init_ok(&self, names: LinearNames<'_>, nb_inputs: usize, nb_outputs: usize) -> bool {
        if names[2].is_some() && names[6].is_none() {
            return false;
        }
        if let Some(idx_name) = names[4] {
            if let Some(e) = self.entries.iter().find(|e| !e.name.is_null() && unsafe { CStr::from_ptr(e.name) }.to_bytes() == idx_name.as_bytes()) {
                // SAFETY: the entry points at `size` bytes of an aligned buffer.
                let ints = unsafe { core::slice::from_raw_parts(e.data.cast::<i32>(), e.size as usize / 4) };
                assert!(ints.iter().all(|&v| v >= 0), "negative index data would hang libopus");
            }
        }
        let c: Vec<_> = names.iter().map(|n| cname(*n)).collect();
        let mut raw = LinearLayer {
            bias: ptr::null(),
            subias: ptr::null(),
            weights: ptr::null(),
            float_weights: ptr::null(),
            weights_idx: ptr::null(),
            diag: ptr::null(),
            scale: ptr::null(),
            nb_inputs: 0,
            nb_outputs: 0,
        };
        // SAFETY: NULL-terminated table with valid entries; valid C strings.
        let r = unsafe {
            sys::linear_init(
                &mut raw,
                self.entries.as_ptr(),
                cptr(&c[0]),
                cptr(&c[1]),
                cptr(&c[2]),
                cptr(&c[3]),
                cptr(&c[4]),
                cptr(&c[5]),
                cptr(&c[6]),
                nb_inputs as c_int,
                nb_outputs as c_int,
            )
        };
        r == 0
    }
}

//! The libopus 1.6.1 oracle: safe wrappers over two builds of the reference.
//!
//! - [`Build::Simd`]: libopus as opusic-sys 0.7.7 (feature `dred`) builds it with CMake: SIMD
//!   kernels chosen at run time by CPU. This is what users of libopus run; neural outputs vary
//!   by CPU, so neural comparisons against it use tolerances.
//! - [`Build::Generic`]: the same source compiled by this crate's `build.rs` as portable C with
//!   no intrinsics and `-ffp-contract=off`. Its neural outputs are deterministic and are the
//!   bit-exact target of the Rust port.
//!
//! This crate is dev-only (`publish = false`) and is the only crate of the project that uses
//! `unsafe`: every FFI call is wrapped so that callers pass slices and get `Result`s. Errors
//! are libopus's integer codes.

pub mod analysis;
pub mod features;
pub mod ffi;
pub mod nnet;
pub mod plc;
pub mod silk_enc;

use core::ffi::{c_int, CStr};
use core::ptr::{self, NonNull};

use ffi::Api;

// Make sure opusic-sys's static libopus is linked: our declarations resolve against it.
use opusic_sys as _;

/// Path of libopus 1.6.1's own `opus_demo` program, built by this crate's build script from the
/// vendored source and linked against the generic-C build (the build `dred-opus demo` is
/// byte-exact with).
pub const OPUS_DEMO: &str = env!("OPUS_ORACLE_OPUS_DEMO");

/// Which libopus build to call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Build {
    /// opusic-sys's CMake build with run-time SIMD dispatch (the default libopus).
    Simd,
    /// Generic C, no intrinsics, `-ffp-contract=off` (deterministic neural paths).
    Generic,
}

impl Build {
    /// Both builds, SIMD first.
    pub const ALL: [Build; 2] = [Build::Simd, Build::Generic];

    fn api(self) -> &'static Api {
        match self {
            Build::Simd => &ffi::SIMD,
            Build::Generic => &ffi::GENERIC,
        }
    }

    /// libopus's version string for this build.
    pub fn version(self) -> String {
        // SAFETY: libopus returns a static NUL-terminated string.
        unsafe { CStr::from_ptr((self.api().opus_get_version_string)()) }
            .to_string_lossy()
            .into_owned()
    }
}

/// A libopus error code (negative), as `OPUS_BAD_ARG` = -1 etc.
pub type Code = i32;

/// libopus's text for an error code.
pub fn strerror(code: Code) -> String {
    // SAFETY: static string.
    unsafe { CStr::from_ptr((ffi::SIMD.opus_strerror)(code)) }
        .to_string_lossy()
        .into_owned()
}

/// CTL request numbers and constants of libopus 1.6.1 (include/opus_defines.h, src/opus_private.h).
#[allow(missing_docs)]
pub mod ctl {
    pub const SET_APPLICATION: i32 = 4000;
    pub const SET_BITRATE: i32 = 4002;
    pub const GET_BITRATE: i32 = 4003;
    pub const SET_MAX_BANDWIDTH: i32 = 4004;
    pub const SET_VBR: i32 = 4006;
    pub const SET_BANDWIDTH: i32 = 4008;
    pub const GET_BANDWIDTH: i32 = 4009;
    pub const SET_COMPLEXITY: i32 = 4010;
    pub const SET_INBAND_FEC: i32 = 4012;
    pub const SET_PACKET_LOSS_PERC: i32 = 4014;
    pub const SET_DTX: i32 = 4016;
    pub const SET_VBR_CONSTRAINT: i32 = 4020;
    pub const SET_FORCE_CHANNELS: i32 = 4022;
    pub const SET_SIGNAL: i32 = 4024;
    pub const GET_LOOKAHEAD: i32 = 4027;
    pub const RESET_STATE: i32 = 4028;
    pub const GET_FINAL_RANGE: i32 = 4031;
    pub const GET_PITCH: i32 = 4033;
    pub const SET_GAIN: i32 = 4034;
    pub const SET_LSB_DEPTH: i32 = 4036;
    pub const GET_LAST_PACKET_DURATION: i32 = 4039;
    pub const SET_EXPERT_FRAME_DURATION: i32 = 4040;
    pub const SET_PREDICTION_DISABLED: i32 = 4042;
    pub const SET_PHASE_INVERSION_DISABLED: i32 = 4046;
    pub const GET_IN_DTX: i32 = 4049;
    pub const SET_DRED_DURATION: i32 = 4050;
    pub const SET_IGNORE_EXTENSIONS: i32 = 4058;
    pub const SET_FORCE_MODE: i32 = 11002;

    pub const AUTO: i32 = -1000;
    pub const BITRATE_MAX: i32 = -1;
    pub const APPLICATION_VOIP: i32 = 2048;
    pub const APPLICATION_AUDIO: i32 = 2049;
    pub const APPLICATION_RESTRICTED_LOWDELAY: i32 = 2051;
    pub const SIGNAL_VOICE: i32 = 3001;
    pub const SIGNAL_MUSIC: i32 = 3002;
    pub const BANDWIDTH_NARROWBAND: i32 = 1101;
    pub const BANDWIDTH_MEDIUMBAND: i32 = 1102;
    pub const BANDWIDTH_WIDEBAND: i32 = 1103;
    pub const BANDWIDTH_SUPERWIDEBAND: i32 = 1104;
    pub const BANDWIDTH_FULLBAND: i32 = 1105;
    pub const FRAMESIZE_ARG: i32 = 5000;
    pub const FRAMESIZE_2_5_MS: i32 = 5001;
    pub const FRAMESIZE_5_MS: i32 = 5002;
    pub const FRAMESIZE_10_MS: i32 = 5003;
    pub const FRAMESIZE_20_MS: i32 = 5004;
    pub const FRAMESIZE_40_MS: i32 = 5005;
    pub const FRAMESIZE_60_MS: i32 = 5006;
    pub const FRAMESIZE_80_MS: i32 = 5007;
    pub const FRAMESIZE_100_MS: i32 = 5008;
    pub const FRAMESIZE_120_MS: i32 = 5009;
    pub const MODE_SILK_ONLY: i32 = 1000;
    pub const MODE_HYBRID: i32 = 1001;
    pub const MODE_CELT_ONLY: i32 = 1002;
}

fn check(code: c_int) -> Result<i32, Code> {
    if code < 0 {
        Err(code)
    } else {
        Ok(code)
    }
}

fn len_i32(len: usize) -> Result<i32, Code> {
    i32::try_from(len).map_err(|_| -1)
}

// ---------------------------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------------------------

/// A libopus encoder.
pub struct Encoder {
    api: &'static Api,
    st: NonNull<ffi::OpusEncoder>,
    channels: usize,
}

// SAFETY: the libopus state is owned exclusively by this value and has no thread affinity.
unsafe impl Send for Encoder {}

impl Encoder {
    /// `opus_encoder_create`.
    pub fn new(build: Build, fs: i32, channels: usize, application: i32) -> Result<Self, Code> {
        let api = build.api();
        let mut err = 0;
        // SAFETY: plain value arguments and an out-pointer to a local.
        let st = unsafe { (api.opus_encoder_create)(fs, channels as c_int, application, &mut err) };
        match NonNull::new(st) {
            Some(st) if err == 0 => Ok(Encoder { api, st, channels }),
            _ => Err(if err < 0 { err } else { -7 }),
        }
    }

    /// A set-style CTL taking one `opus_int32`.
    pub fn set(&mut self, request: i32, value: i32) -> Result<(), Code> {
        // SAFETY: set CTLs read one int vararg.
        check(unsafe { (self.api.opus_encoder_ctl)(self.st.as_ptr(), request, value) }).map(|_| ())
    }

    /// A get-style CTL writing one `opus_int32` (or `opus_uint32`).
    pub fn get(&mut self, request: i32) -> Result<i32, Code> {
        let mut v: i32 = 0;
        // SAFETY: get CTLs write one int through the pointer vararg.
        check(unsafe { (self.api.opus_encoder_ctl)(self.st.as_ptr(), request, &mut v as *mut i32) })?;
        Ok(v)
    }

    /// `OPUS_RESET_STATE`.
    pub fn reset(&mut self) -> Result<(), Code> {
        // SAFETY: takes no argument.
        check(unsafe { (self.api.opus_encoder_ctl)(self.st.as_ptr(), ctl::RESET_STATE) }).map(|_| ())
    }

    /// `OPUS_GET_FINAL_RANGE`.
    pub fn final_range(&mut self) -> u32 {
        self.get(ctl::GET_FINAL_RANGE).unwrap_or(0) as u32
    }

    /// `opus_encode`: `pcm` holds `frame_size * channels` interleaved samples.
    pub fn encode(&mut self, pcm: &[i16], frame_size: usize, out: &mut [u8]) -> Result<usize, Code> {
        if pcm.len() < frame_size * self.channels {
            return Err(-1);
        }
        // SAFETY: pcm holds at least frame_size*channels samples; out is writable for its length.
        let n = unsafe {
            (self.api.opus_encode)(self.st.as_ptr(), pcm.as_ptr(), frame_size as c_int, out.as_mut_ptr(), len_i32(out.len())?)
        };
        check(n).map(|n| n as usize)
    }

    /// `opus_encode_float`.
    pub fn encode_float(&mut self, pcm: &[f32], frame_size: usize, out: &mut [u8]) -> Result<usize, Code> {
        if pcm.len() < frame_size * self.channels {
            return Err(-1);
        }
        // SAFETY: as in `encode`.
        let n = unsafe {
            (self.api.opus_encode_float)(self.st.as_ptr(), pcm.as_ptr(), frame_size as c_int, out.as_mut_ptr(), len_i32(out.len())?)
        };
        check(n).map(|n| n as usize)
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        // SAFETY: created by opus_encoder_create and destroyed once.
        unsafe { (self.api.opus_encoder_destroy)(self.st.as_ptr()) }
    }
}

// ---------------------------------------------------------------------------------------------
// Decoder
// ---------------------------------------------------------------------------------------------

/// A libopus decoder.
pub struct Decoder {
    api: &'static Api,
    st: NonNull<ffi::OpusDecoder>,
    channels: usize,
}

// SAFETY: exclusively owned libopus state.
unsafe impl Send for Decoder {}

fn data_ptr(data: Option<&[u8]>) -> Result<(*const u8, i32), Code> {
    match data {
        Some(d) if !d.is_empty() => Ok((d.as_ptr(), len_i32(d.len())?)),
        _ => Ok((ptr::null(), 0)),
    }
}

impl Decoder {
    /// `opus_decoder_create`.
    pub fn new(build: Build, fs: i32, channels: usize) -> Result<Self, Code> {
        let api = build.api();
        let mut err = 0;
        // SAFETY: value arguments and an out-pointer to a local.
        let st = unsafe { (api.opus_decoder_create)(fs, channels as c_int, &mut err) };
        match NonNull::new(st) {
            Some(st) if err == 0 => Ok(Decoder { api, st, channels }),
            _ => Err(if err < 0 { err } else { -7 }),
        }
    }

    /// Output channel count.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// A set-style CTL.
    pub fn set(&mut self, request: i32, value: i32) -> Result<(), Code> {
        // SAFETY: set CTLs read one int vararg.
        check(unsafe { (self.api.opus_decoder_ctl)(self.st.as_ptr(), request, value) }).map(|_| ())
    }

    /// A get-style CTL.
    pub fn get(&mut self, request: i32) -> Result<i32, Code> {
        let mut v: i32 = 0;
        // SAFETY: get CTLs write one int through the pointer vararg.
        check(unsafe { (self.api.opus_decoder_ctl)(self.st.as_ptr(), request, &mut v as *mut i32) })?;
        Ok(v)
    }

    /// `OPUS_RESET_STATE`.
    pub fn reset(&mut self) -> Result<(), Code> {
        // SAFETY: takes no argument.
        check(unsafe { (self.api.opus_decoder_ctl)(self.st.as_ptr(), ctl::RESET_STATE) }).map(|_| ())
    }

    /// `OPUS_GET_FINAL_RANGE`.
    pub fn final_range(&mut self) -> u32 {
        self.get(ctl::GET_FINAL_RANGE).unwrap_or(0) as u32
    }

    /// `OPUS_GET_LAST_PACKET_DURATION`.
    pub fn last_packet_duration(&mut self) -> i32 {
        self.get(ctl::GET_LAST_PACKET_DURATION).unwrap_or(0)
    }

    /// `opus_decode`; `data = None` (or empty) is a lost packet. Returns samples per channel.
    pub fn decode(&mut self, data: Option<&[u8]>, pcm: &mut [i16], frame_size: usize, fec: bool) -> Result<usize, Code> {
        if pcm.len() < frame_size * self.channels {
            return Err(-1);
        }
        let (p, l) = data_ptr(data)?;
        // SAFETY: data is readable for l bytes (or null), pcm writable for frame_size*channels.
        let n = unsafe {
            (self.api.opus_decode)(self.st.as_ptr(), p, l, pcm.as_mut_ptr(), frame_size as c_int, fec as c_int)
        };
        check(n).map(|n| n as usize)
    }

    /// `opus_decode_float`.
    pub fn decode_float(&mut self, data: Option<&[u8]>, pcm: &mut [f32], frame_size: usize, fec: bool) -> Result<usize, Code> {
        if pcm.len() < frame_size * self.channels {
            return Err(-1);
        }
        let (p, l) = data_ptr(data)?;
        // SAFETY: as in `decode`.
        let n = unsafe {
            (self.api.opus_decode_float)(self.st.as_ptr(), p, l, pcm.as_mut_ptr(), frame_size as c_int, fec as c_int)
        };
        check(n).map(|n| n as usize)
    }

    /// `opus_decoder_dred_decode`: conceal `frame_size` samples from `dred` at `dred_offset`.
    pub fn dred_decode(&mut self, dred: &Dred, dred_offset: i32, pcm: &mut [i16], frame_size: usize) -> Result<usize, Code> {
        if pcm.len() < frame_size * self.channels || dred.api as *const Api != self.api as *const Api {
            return Err(-1);
        }
        // SAFETY: dred is a valid OpusDRED of the same build; pcm is large enough.
        let n = unsafe {
            (self.api.opus_decoder_dred_decode)(self.st.as_ptr(), dred.ptr.as_ptr(), dred_offset, pcm.as_mut_ptr(), frame_size as i32)
        };
        check(n).map(|n| n as usize)
    }

    /// `opus_decoder_dred_decode_float`.
    pub fn dred_decode_float(&mut self, dred: &Dred, dred_offset: i32, pcm: &mut [f32], frame_size: usize) -> Result<usize, Code> {
        if pcm.len() < frame_size * self.channels || dred.api as *const Api != self.api as *const Api {
            return Err(-1);
        }
        // SAFETY: as in `dred_decode`.
        let n = unsafe {
            (self.api.opus_decoder_dred_decode_float)(self.st.as_ptr(), dred.ptr.as_ptr(), dred_offset, pcm.as_mut_ptr(), frame_size as i32)
        };
        check(n).map(|n| n as usize)
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: created by opus_decoder_create and destroyed once.
        unsafe { (self.api.opus_decoder_destroy)(self.st.as_ptr()) }
    }
}

// ---------------------------------------------------------------------------------------------
// DRED
// ---------------------------------------------------------------------------------------------

/// libopus's DRED decoder (holds the RDO-VAE decoder weights).
pub struct DredDecoder {
    api: &'static Api,
    ptr: NonNull<ffi::OpusDREDDecoder>,
}

// SAFETY: exclusively owned.
unsafe impl Send for DredDecoder {}

impl DredDecoder {
    /// `opus_dred_decoder_create`.
    pub fn new(build: Build) -> Result<Self, Code> {
        let api = build.api();
        let mut err = 0;
        // SAFETY: out-pointer to a local.
        let p = unsafe { (api.opus_dred_decoder_create)(&mut err) };
        match NonNull::new(p) {
            Some(ptr) if err == 0 => Ok(DredDecoder { api, ptr }),
            _ => Err(if err < 0 { err } else { -7 }),
        }
    }

    /// `opus_dred_parse`: returns (samples of audio covered, `dred_end`); 0 samples when the
    /// packet has no DRED.
    pub fn parse(&mut self, dred: &mut Dred, packet: &[u8], max_dred_samples: i32, fs: i32, defer: bool) -> Result<(i32, i32), Code> {
        if dred.api as *const Api != self.api as *const Api {
            return Err(-1);
        }
        let mut end: c_int = 0;
        // SAFETY: packet readable for its length; dred and decoder valid and of the same build.
        let n = unsafe {
            (self.api.opus_dred_parse)(self.ptr.as_ptr(), dred.ptr.as_ptr(), packet.as_ptr(), len_i32(packet.len())?, max_dred_samples, fs, &mut end, defer as c_int)
        };
        check(n).map(|n| (n, end))
    }

    /// `opus_dred_process` in place.
    pub fn process(&mut self, dred: &mut Dred) -> Result<(), Code> {
        if dred.api as *const Api != self.api as *const Api {
            return Err(-1);
        }
        // SAFETY: src == dst is allowed by libopus (it copies only when they differ).
        check(unsafe { (self.api.opus_dred_process)(self.ptr.as_ptr(), dred.ptr.as_ptr(), dred.ptr.as_ptr()) }).map(|_| ())
    }
}

impl Drop for DredDecoder {
    fn drop(&mut self) {
        // SAFETY: created by opus_dred_decoder_create.
        unsafe { (self.api.opus_dred_decoder_destroy)(self.ptr.as_ptr()) }
    }
}

/// libopus's `OpusDRED`: parsed DRED data; its fields are readable.
pub struct Dred {
    api: &'static Api,
    ptr: NonNull<ffi::OpusDRED>,
}

// SAFETY: exclusively owned plain data.
unsafe impl Send for Dred {}

impl Dred {
    /// `opus_dred_alloc`.
    pub fn new(build: Build) -> Result<Self, Code> {
        let api = build.api();
        let mut err = 0;
        // SAFETY: out-pointer to a local.
        let p = unsafe { (api.opus_dred_alloc)(&mut err) };
        match NonNull::new(p) {
            Some(ptr) if err == 0 => Ok(Dred { api, ptr }),
            _ => Err(if err < 0 { err } else { -7 }),
        }
    }

    /// The raw `OpusDRED` fields (latents, state, features, counts, offset).
    pub fn fields(&self) -> &ffi::OpusDRED {
        // SAFETY: the allocation is an OpusDRED with the layout declared in ffi.
        unsafe { self.ptr.as_ref() }
    }
}

impl Drop for Dred {
    fn drop(&mut self) {
        // SAFETY: created by opus_dred_alloc.
        unsafe { (self.api.opus_dred_free)(self.ptr.as_ptr()) }
    }
}

// ---------------------------------------------------------------------------------------------
// Packets
// ---------------------------------------------------------------------------------------------

/// The result of `opus_packet_parse_impl`, with pointers turned into offsets into the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedPacket {
    /// The TOC byte.
    pub toc: u8,
    /// (offset, length) of each frame.
    pub frames: Vec<(usize, usize)>,
    /// Offset of the first frame's data.
    pub payload_offset: usize,
    /// Bytes the packet occupies (differs from the input length for self-delimited packets).
    pub packet_offset: usize,
    /// (offset, length) of the padding, when the packet has any.
    pub padding: Option<(usize, usize)>,
}

/// `opus_packet_parse_impl`.
pub fn packet_parse(build: Build, data: &[u8], self_delimited: bool) -> Result<ParsedPacket, Code> {
    let api = build.api();
    let mut toc = 0u8;
    let mut frames = [ptr::null::<u8>(); 48];
    let mut sizes = [0i16; 48];
    let mut payload_offset: c_int = 0;
    let mut packet_offset: i32 = 0;
    let mut padding: *const u8 = ptr::null();
    let mut padding_len: i32 = 0;
    // libopus reads data[0] before checking len when len > 0 only; never pass a dangling pointer.
    let base = if data.is_empty() { [0u8; 1].as_ptr() } else { data.as_ptr() };
    // SAFETY: data readable for its length; every out-pointer points at a local of the right size.
    let n = unsafe {
        (api.opus_packet_parse_impl)(
            base,
            len_i32(data.len())?,
            self_delimited as c_int,
            &mut toc,
            frames.as_mut_ptr(),
            sizes.as_mut_ptr(),
            &mut payload_offset,
            &mut packet_offset,
            &mut padding,
            &mut padding_len,
        )
    };
    let count = check(n)? as usize;
    let off = |p: *const u8| (p as usize).wrapping_sub(data.as_ptr() as usize);
    Ok(ParsedPacket {
        toc,
        frames: (0..count).map(|i| (off(frames[i]), sizes[i] as usize)).collect(),
        payload_offset: payload_offset as usize,
        packet_offset: packet_offset as usize,
        padding: if padding.is_null() { None } else { Some((off(padding), padding_len as usize)) },
    })
}

/// `opus_packet_has_lbrr`.
pub fn packet_has_lbrr(build: Build, data: &[u8]) -> Result<bool, Code> {
    if data.is_empty() {
        return Err(-1);
    }
    // SAFETY: data readable for its length.
    check(unsafe { (build.api().opus_packet_has_lbrr)(data.as_ptr(), len_i32(data.len())?) }).map(|v| v != 0)
}

/// `opus_packet_get_nb_frames`.
pub fn packet_nb_frames(build: Build, data: &[u8]) -> Result<i32, Code> {
    if data.is_empty() {
        return Err(-1);
    }
    // SAFETY: data readable for its length.
    check(unsafe { (build.api().opus_packet_get_nb_frames)(data.as_ptr(), len_i32(data.len())?) })
}

/// `opus_packet_get_nb_samples`.
pub fn packet_nb_samples(build: Build, data: &[u8], fs: i32) -> Result<i32, Code> {
    if data.is_empty() {
        return Err(-1);
    }
    // SAFETY: data readable for its length.
    check(unsafe { (build.api().opus_packet_get_nb_samples)(data.as_ptr(), len_i32(data.len())?, fs) })
}

/// `opus_packet_get_samples_per_frame`, `opus_packet_get_bandwidth`, `opus_packet_get_nb_channels`
/// of a TOC byte.
pub fn toc_info(build: Build, toc: u8, fs: i32) -> (i32, i32, i32) {
    let b = [toc];
    let api = build.api();
    // SAFETY: each reads data[0] only.
    unsafe {
        (
            (api.opus_packet_get_samples_per_frame)(b.as_ptr(), fs),
            (api.opus_packet_get_bandwidth)(b.as_ptr()),
            (api.opus_packet_get_nb_channels)(b.as_ptr()),
        )
    }
}

/// `opus_packet_pad`: pads `buf[..len]` in place to `new_len` bytes.
pub fn packet_pad(build: Build, buf: &mut [u8], len: usize, new_len: usize) -> Result<(), Code> {
    if new_len > buf.len() || len > buf.len() || len == 0 {
        return Err(-1);
    }
    // SAFETY: buf writable for new_len bytes.
    check(unsafe { (build.api().opus_packet_pad)(buf.as_mut_ptr(), len_i32(len)?, len_i32(new_len)?) }).map(|_| ())
}

/// `opus_packet_unpad`: returns the new length.
pub fn packet_unpad(build: Build, buf: &mut [u8]) -> Result<usize, Code> {
    if buf.is_empty() {
        return Err(-1);
    }
    // SAFETY: buf writable for its length.
    check(unsafe { (build.api().opus_packet_unpad)(buf.as_mut_ptr(), len_i32(buf.len())?) }).map(|n| n as usize)
}

/// One padding extension: id, frame index and its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    /// Extension ID (0..=127).
    pub id: i32,
    /// Frame the extension belongs to.
    pub frame: i32,
    /// The extension's payload bytes.
    pub data: Vec<u8>,
}

/// `opus_packet_extensions_count` on a padding area.
pub fn extensions_count(build: Build, padding: &[u8], nb_frames: i32) -> Result<i32, Code> {
    let base = if padding.is_empty() { [0u8; 1].as_ptr() } else { padding.as_ptr() };
    // SAFETY: padding readable for its length.
    check(unsafe { (build.api().opus_packet_extensions_count)(base, len_i32(padding.len())?, nb_frames) })
}

/// `opus_packet_extensions_parse` on a padding area (frame order, as libopus returns them).
pub fn extensions_parse(build: Build, padding: &[u8], nb_frames: i32) -> Result<Vec<Extension>, Code> {
    let count = extensions_count(build, padding, nb_frames)?;
    let mut exts = vec![ffi::opus_extension_data { id: 0, frame: 0, data: ptr::null(), len: 0 }; count.max(1) as usize];
    let mut nb = count;
    let base = if padding.is_empty() { [0u8; 1].as_ptr() } else { padding.as_ptr() };
    // SAFETY: exts has room for `nb` entries; padding readable for its length.
    check(unsafe {
        (build.api().opus_packet_extensions_parse)(base, len_i32(padding.len())?, exts.as_mut_ptr(), &mut nb, nb_frames)
    })?;
    Ok(exts[..nb.max(0) as usize]
        .iter()
        .map(|e| Extension {
            id: e.id,
            frame: e.frame,
            data: if e.len > 0 && !e.data.is_null() {
                // SAFETY: points into `padding` for e.len bytes.
                unsafe { core::slice::from_raw_parts(e.data, e.len as usize) }.to_vec()
            } else {
                Vec::new()
            },
        })
        .collect())
}

/// `opus_packet_extensions_generate`: writes extensions into `out`, padded to its full length
/// when `pad`. Returns the number of bytes written.
pub fn extensions_generate(build: Build, out: &mut [u8], exts: &[Extension], nb_frames: i32, pad: bool) -> Result<usize, Code> {
    let raw: Vec<ffi::opus_extension_data> = exts
        .iter()
        .map(|e| ffi::opus_extension_data { id: e.id, frame: e.frame, data: e.data.as_ptr(), len: e.data.len() as i32 })
        .collect();
    let base = if out.is_empty() { ptr::null_mut() } else { out.as_mut_ptr() };
    // SAFETY: out writable for its length (null asks for the size only); raw points at live data.
    check(unsafe {
        (build.api().opus_packet_extensions_generate)(base, len_i32(out.len())?, raw.as_ptr(), raw.len() as i32, nb_frames, pad as c_int)
    })
    .map(|n| n as usize)
}

/// libopus's repacketizer over owned copies of the packets given to it.
pub struct Repacketizer {
    api: &'static Api,
    rp: NonNull<ffi::OpusRepacketizer>,
    // libopus keeps pointers into the packets; keep them alive and unmoved.
    held: Vec<Box<[u8]>>,
}

impl Repacketizer {
    /// `opus_repacketizer_create`.
    pub fn new(build: Build) -> Self {
        let api = build.api();
        // SAFETY: no arguments; allocation failure aborts below.
        let rp = NonNull::new(unsafe { (api.opus_repacketizer_create)() }).expect("opus_repacketizer_create");
        Repacketizer { api, rp, held: Vec::new() }
    }

    /// `opus_repacketizer_init`.
    pub fn reset(&mut self) {
        // SAFETY: valid state.
        unsafe { (self.api.opus_repacketizer_init)(self.rp.as_ptr()) };
        self.held.clear();
    }

    /// `opus_repacketizer_cat`.
    pub fn cat(&mut self, packet: &[u8]) -> Result<(), Code> {
        let b: Box<[u8]> = packet.into();
        let base = if b.is_empty() { [0u8; 1].as_ptr() } else { b.as_ptr() };
        // SAFETY: the copy lives in `held` as long as the repacketizer may point into it.
        let r = unsafe { (self.api.opus_repacketizer_cat)(self.rp.as_ptr(), base, len_i32(b.len())?) };
        self.held.push(b);
        check(r).map(|_| ())
    }

    /// `opus_repacketizer_get_nb_frames`.
    pub fn nb_frames(&self) -> i32 {
        // SAFETY: valid state.
        unsafe { (self.api.opus_repacketizer_get_nb_frames)(self.rp.as_ptr()) }
    }

    /// `opus_repacketizer_out_range`.
    pub fn out_range(&mut self, begin: i32, end: i32, out: &mut [u8]) -> Result<usize, Code> {
        // SAFETY: out writable for its length.
        check(unsafe { (self.api.opus_repacketizer_out_range)(self.rp.as_ptr(), begin, end, out.as_mut_ptr(), len_i32(out.len())?) })
            .map(|n| n as usize)
    }

    /// `opus_repacketizer_out`.
    pub fn out(&mut self, out: &mut [u8]) -> Result<usize, Code> {
        // SAFETY: out writable for its length.
        check(unsafe { (self.api.opus_repacketizer_out)(self.rp.as_ptr(), out.as_mut_ptr(), len_i32(out.len())?) })
            .map(|n| n as usize)
    }
}

impl Drop for Repacketizer {
    fn drop(&mut self) {
        // SAFETY: created by opus_repacketizer_create.
        unsafe { (self.api.opus_repacketizer_destroy)(self.rp.as_ptr()) }
    }
}

/// `opus_pcm_soft_clip` on interleaved float PCM.
pub fn soft_clip(build: Build, pcm: &mut [f32], channels: usize, mem: &mut [f32]) {
    if channels == 0 || mem.len() < channels {
        return;
    }
    let frame = pcm.len() / channels;
    // SAFETY: pcm holds frame*channels samples, mem holds channels values.
    unsafe { (build.api().opus_pcm_soft_clip)(pcm.as_mut_ptr(), frame as c_int, channels as c_int, mem.as_mut_ptr()) }
}

// ---------------------------------------------------------------------------------------------
// Range coder (libopus internals, for bit-exact tests of ours)
// ---------------------------------------------------------------------------------------------

/// libopus's range encoder over an owned buffer.
pub struct EcEncoder {
    api: &'static Api,
    ctx: Box<ffi::ec_ctx>,
    buf: Box<[u8]>,
}

impl EcEncoder {
    /// `ec_enc_init` on a buffer of `size` bytes.
    pub fn new(build: Build, size: usize) -> Self {
        let api = build.api();
        let mut buf: Box<[u8]> = vec![0u8; size.max(1)].into();
        let mut ctx = Box::new(zero_ctx());
        // SAFETY: buf outlives ctx's use of it (both owned by self; the box does not move its heap data).
        unsafe { (api.ec_enc_init)(&mut *ctx, buf.as_mut_ptr(), size as u32) };
        EcEncoder { api, ctx, buf }
    }
    /// `ec_encode`.
    pub fn encode(&mut self, fl: u32, fh: u32, ft: u32) {
        // SAFETY: valid context; preconditions of the C function are the caller's (fl < fh <= ft).
        unsafe { (self.api.ec_encode)(&mut *self.ctx, fl, fh, ft) }
    }
    /// `ec_encode_bin`.
    pub fn encode_bin(&mut self, fl: u32, fh: u32, bits: u32) {
        // SAFETY: valid context.
        unsafe { (self.api.ec_encode_bin)(&mut *self.ctx, fl, fh, bits) }
    }
    /// `ec_enc_bit_logp`.
    pub fn bit_logp(&mut self, val: bool, logp: u32) {
        // SAFETY: valid context.
        unsafe { (self.api.ec_enc_bit_logp)(&mut *self.ctx, val as c_int, logp) }
    }
    /// `ec_enc_icdf`.
    pub fn icdf(&mut self, s: usize, icdf: &[u8], ftb: u32) {
        assert!(s < icdf.len());
        // SAFETY: icdf has more than s entries.
        unsafe { (self.api.ec_enc_icdf)(&mut *self.ctx, s as c_int, icdf.as_ptr(), ftb) }
    }
    /// `ec_enc_icdf16`.
    pub fn icdf16(&mut self, s: usize, icdf: &[u16], ftb: u32) {
        assert!(s < icdf.len());
        // SAFETY: icdf has more than s entries.
        unsafe { (self.api.ec_enc_icdf16)(&mut *self.ctx, s as c_int, icdf.as_ptr(), ftb) }
    }
    /// `ec_enc_uint`.
    pub fn uint(&mut self, fl: u32, ft: u32) {
        // SAFETY: valid context.
        unsafe { (self.api.ec_enc_uint)(&mut *self.ctx, fl, ft) }
    }
    /// `ec_enc_bits`.
    pub fn bits(&mut self, fl: u32, nbits: u32) {
        // SAFETY: valid context.
        unsafe { (self.api.ec_enc_bits)(&mut *self.ctx, fl, nbits) }
    }
    /// `ec_enc_patch_initial_bits`.
    pub fn patch_initial_bits(&mut self, val: u32, nbits: u32) {
        // SAFETY: valid context.
        unsafe { (self.api.ec_enc_patch_initial_bits)(&mut *self.ctx, val, nbits) }
    }
    /// `ec_enc_shrink`.
    pub fn shrink(&mut self, size: u32) {
        // SAFETY: valid context.
        unsafe { (self.api.ec_enc_shrink)(&mut *self.ctx, size) }
    }
    /// `ec_laplace_encode`; returns the (possibly clamped) value.
    pub fn laplace(&mut self, value: i32, fs: u32, decay: i32) -> i32 {
        let mut v = value;
        // SAFETY: valid context and a local out-value.
        unsafe { (self.api.ec_laplace_encode)(&mut *self.ctx, &mut v, fs, decay) };
        v
    }
    /// `ec_laplace_encode_p0`.
    pub fn laplace_p0(&mut self, value: i32, p0: u16, decay: u16) {
        // SAFETY: valid context.
        unsafe { (self.api.ec_laplace_encode_p0)(&mut *self.ctx, value, p0, decay) }
    }
    /// `ec_enc_done`.
    pub fn done(&mut self) {
        // SAFETY: valid context.
        unsafe { (self.api.ec_enc_done)(&mut *self.ctx) }
    }
    /// `ec_tell`.
    pub fn tell(&self) -> i32 {
        tell(&self.ctx)
    }
    /// `ec_tell_frac`.
    pub fn tell_frac(&mut self) -> u32 {
        // SAFETY: valid context; reads only.
        unsafe { (self.api.ec_tell_frac)(&mut *self.ctx) }
    }
    /// The raw context (rng, val, offsets, error).
    pub fn ctx(&self) -> ffi::ec_ctx {
        *self.ctx
    }
    /// The whole storage buffer.
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }
}

/// libopus's range decoder over an owned copy of the input.
pub struct EcDecoder {
    api: &'static Api,
    ctx: Box<ffi::ec_ctx>,
    _buf: Box<[u8]>,
}

impl EcDecoder {
    /// `ec_dec_init` on a copy of `data`.
    pub fn new(build: Build, data: &[u8]) -> Self {
        let api = build.api();
        let mut buf: Box<[u8]> = if data.is_empty() { vec![0u8; 1].into() } else { data.into() };
        let mut ctx = Box::new(zero_ctx());
        // SAFETY: buf is owned by self and outlives the context's use.
        unsafe { (api.ec_dec_init)(&mut *ctx, buf.as_mut_ptr(), data.len() as u32) };
        EcDecoder { api, ctx, _buf: buf }
    }
    /// `ec_decode`.
    pub fn decode(&mut self, ft: u32) -> u32 {
        // SAFETY: valid context.
        unsafe { (self.api.ec_decode)(&mut *self.ctx, ft) }
    }
    /// `ec_decode_bin`.
    pub fn decode_bin(&mut self, bits: u32) -> u32 {
        // SAFETY: valid context.
        unsafe { (self.api.ec_decode_bin)(&mut *self.ctx, bits) }
    }
    /// `ec_dec_update`.
    pub fn update(&mut self, fl: u32, fh: u32, ft: u32) {
        // SAFETY: valid context.
        unsafe { (self.api.ec_dec_update)(&mut *self.ctx, fl, fh, ft) }
    }
    /// `ec_dec_bit_logp`.
    pub fn bit_logp(&mut self, logp: u32) -> bool {
        // SAFETY: valid context.
        unsafe { (self.api.ec_dec_bit_logp)(&mut *self.ctx, logp) != 0 }
    }
    /// `ec_dec_icdf` (the table must end with 0, as libopus requires).
    pub fn icdf(&mut self, icdf: &[u8], ftb: u32) -> usize {
        assert_eq!(icdf.last(), Some(&0));
        // SAFETY: a 0-terminated table stops the C loop inside the slice.
        unsafe { (self.api.ec_dec_icdf)(&mut *self.ctx, icdf.as_ptr(), ftb) as usize }
    }
    /// `ec_dec_icdf16` (the table must end with 0).
    pub fn icdf16(&mut self, icdf: &[u16], ftb: u32) -> usize {
        assert_eq!(icdf.last(), Some(&0));
        // SAFETY: as for `icdf`.
        unsafe { (self.api.ec_dec_icdf16)(&mut *self.ctx, icdf.as_ptr(), ftb) as usize }
    }
    /// `ec_dec_uint`.
    pub fn uint(&mut self, ft: u32) -> u32 {
        // SAFETY: valid context.
        unsafe { (self.api.ec_dec_uint)(&mut *self.ctx, ft) }
    }
    /// `ec_dec_bits`.
    pub fn bits(&mut self, nbits: u32) -> u32 {
        // SAFETY: valid context.
        unsafe { (self.api.ec_dec_bits)(&mut *self.ctx, nbits) }
    }
    /// `ec_laplace_decode`.
    pub fn laplace(&mut self, fs: u32, decay: i32) -> i32 {
        // SAFETY: valid context.
        unsafe { (self.api.ec_laplace_decode)(&mut *self.ctx, fs, decay) }
    }
    /// `ec_laplace_decode_p0`.
    pub fn laplace_p0(&mut self, p0: u16, decay: u16) -> i32 {
        // SAFETY: valid context.
        unsafe { (self.api.ec_laplace_decode_p0)(&mut *self.ctx, p0, decay) }
    }
    /// `ec_tell`.
    pub fn tell(&self) -> i32 {
        tell(&self.ctx)
    }
    /// `ec_tell_frac`.
    pub fn tell_frac(&mut self) -> u32 {
        // SAFETY: valid context; reads only.
        unsafe { (self.api.ec_tell_frac)(&mut *self.ctx) }
    }
    /// The raw context.
    pub fn ctx(&self) -> ffi::ec_ctx {
        *self.ctx
    }
}

fn zero_ctx() -> ffi::ec_ctx {
    ffi::ec_ctx {
        buf: ptr::null_mut(),
        storage: 0,
        end_offs: 0,
        end_window: 0,
        nend_bits: 0,
        nbits_total: 0,
        offs: 0,
        rng: 0,
        val: 0,
        ext: 0,
        rem: 0,
        error: 0,
    }
}

/// `ec_tell` (a static inline function in libopus): whole bits used so far.
fn tell(c: &ffi::ec_ctx) -> i32 {
    c.nbits_total - (32 - c.rng.leading_zeros() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_builds_link_and_report_1_6_1() {
        for b in Build::ALL {
            let v = b.version();
            assert!(v.contains("1.6.1"), "{b:?}: {v}");
        }
    }

    #[test]
    fn both_builds_round_trip_a_frame() {
        for b in Build::ALL {
            let mut enc = Encoder::new(b, 48000, 1, ctl::APPLICATION_AUDIO).unwrap();
            enc.set(ctl::SET_BITRATE, 64000).unwrap();
            let pcm: Vec<i16> = (0..960).map(|i| ((i as f32 * 0.05).sin() * 8000.0) as i16).collect();
            let mut pkt = [0u8; 1500];
            let n = enc.encode(&pcm, 960, &mut pkt).unwrap();
            let mut dec = Decoder::new(b, 48000, 1).unwrap();
            let mut out = vec![0i16; 960];
            assert_eq!(dec.decode(Some(&pkt[..n]), &mut out, 960, false).unwrap(), 960);
            assert_eq!(dec.final_range(), enc.final_range());
        }
    }
}

//! Raw declarations of the libopus functions the oracle uses, for both builds.
//!
//! [`SIMD`] points at the libopus that opusic-sys builds (CMake, run-time CPU dispatch);
//! [`GENERIC`] points at the same source compiled as generic C by this crate's build script,
//! whose symbols carry a `gen_` prefix. Internal (non-API) functions such as the range coder
//! and the extension parser are declared too: the static archives export them.

#![allow(non_camel_case_types, missing_docs)]

use core::ffi::{c_char, c_int};

/// Opaque libopus encoder.
#[repr(C)]
pub struct OpusEncoder {
    _p: [u8; 0],
}
/// Opaque libopus decoder.
#[repr(C)]
pub struct OpusDecoder {
    _p: [u8; 0],
}
/// Opaque DRED decoder (the RDO-VAE decoder state).
#[repr(C)]
pub struct OpusDREDDecoder {
    _p: [u8; 0],
}
/// Opaque repacketizer.
#[repr(C)]
pub struct OpusRepacketizer {
    _p: [u8; 0],
}

/// `DRED_NUM_REDUNDANCY_FRAMES` of libopus 1.6.1.
pub const DRED_NUM_REDUNDANCY_FRAMES: usize = 52;
/// `DRED_NUM_FEATURES`.
pub const DRED_NUM_FEATURES: usize = 20;
/// `DRED_STATE_DIM`.
pub const DRED_STATE_DIM: usize = 50;
/// `DRED_LATENT_DIM`.
pub const DRED_LATENT_DIM: usize = 25;

/// `struct OpusDRED` of libopus 1.6.1 (dnn/dred_decoder.h); its layout is read directly.
#[repr(C)]
pub struct OpusDRED {
    pub fec_features: [f32; 2 * DRED_NUM_REDUNDANCY_FRAMES * DRED_NUM_FEATURES],
    pub state: [f32; DRED_STATE_DIM],
    pub latents: [f32; (DRED_NUM_REDUNDANCY_FRAMES / 2) * (DRED_LATENT_DIM + 1)],
    pub nb_latents: c_int,
    pub process_stage: c_int,
    pub dred_offset: c_int,
}

/// `struct ec_ctx` of celt/entcode.h (shared by `ec_enc` and `ec_dec`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ec_ctx {
    pub buf: *mut u8,
    pub storage: u32,
    pub end_offs: u32,
    pub end_window: u32,
    pub nend_bits: c_int,
    pub nbits_total: c_int,
    pub offs: u32,
    pub rng: u32,
    pub val: u32,
    pub ext: u32,
    pub rem: c_int,
    pub error: c_int,
}

/// `opus_extension_data` of src/opus_private.h.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct opus_extension_data {
    pub id: c_int,
    pub frame: c_int,
    pub data: *const u8,
    pub len: i32,
}

macro_rules! api {
    ($( fn $name:ident ( $($arg:ident : $ty:ty),* ) $(-> $ret:ty)?; )*) => {
        /// One libopus build's entry points.
        pub struct Api {
            $( pub $name: unsafe extern "C" fn($($ty),*) $(-> $ret)?, )*
            pub opus_encoder_ctl: unsafe extern "C" fn(*mut OpusEncoder, c_int, ...) -> c_int,
            pub opus_decoder_ctl: unsafe extern "C" fn(*mut OpusDecoder, c_int, ...) -> c_int,
        }
        mod simd_sys {
            #[allow(unused_imports)]
            use super::*;
            extern "C" {
                $( pub fn $name($($arg: $ty),*) $(-> $ret)?; )*
                pub fn opus_encoder_ctl(st: *mut OpusEncoder, request: c_int, ...) -> c_int;
                pub fn opus_decoder_ctl(st: *mut OpusDecoder, request: c_int, ...) -> c_int;
            }
        }
        mod generic_sys {
            #[allow(unused_imports)]
            use super::*;
            extern "C" {
                $(
                    #[link_name = concat!("gen_", stringify!($name))]
                    pub fn $name($($arg: $ty),*) $(-> $ret)?;
                )*
                #[link_name = "gen_opus_encoder_ctl"]
                pub fn opus_encoder_ctl(st: *mut OpusEncoder, request: c_int, ...) -> c_int;
                #[link_name = "gen_opus_decoder_ctl"]
                pub fn opus_decoder_ctl(st: *mut OpusDecoder, request: c_int, ...) -> c_int;
            }
        }
        /// The default libopus of opusic-sys: CMake build with SIMD kernels picked at run time.
        pub static SIMD: Api = Api {
            $( $name: simd_sys::$name, )*
            opus_encoder_ctl: simd_sys::opus_encoder_ctl,
            opus_decoder_ctl: simd_sys::opus_decoder_ctl,
        };
        /// The generic-C libopus built by this crate: deterministic neural outputs.
        pub static GENERIC: Api = Api {
            $( $name: generic_sys::$name, )*
            opus_encoder_ctl: generic_sys::opus_encoder_ctl,
            opus_decoder_ctl: generic_sys::opus_decoder_ctl,
        };
    };
}

api! {
    fn opus_get_version_string() -> *const c_char;
    fn opus_strerror(error: c_int) -> *const c_char;
    fn opus_encoder_create(fs: i32, channels: c_int, application: c_int, error: *mut c_int) -> *mut OpusEncoder;
    fn opus_encoder_destroy(st: *mut OpusEncoder);
    fn opus_encode(st: *mut OpusEncoder, pcm: *const i16, frame_size: c_int, data: *mut u8, max_data_bytes: i32) -> i32;
    fn opus_encode_float(st: *mut OpusEncoder, pcm: *const f32, frame_size: c_int, data: *mut u8, max_data_bytes: i32) -> i32;
    fn opus_decoder_create(fs: i32, channels: c_int, error: *mut c_int) -> *mut OpusDecoder;
    fn opus_decoder_destroy(st: *mut OpusDecoder);
    fn opus_decode(st: *mut OpusDecoder, data: *const u8, len: i32, pcm: *mut i16, frame_size: c_int, decode_fec: c_int) -> c_int;
    fn opus_decode_float(st: *mut OpusDecoder, data: *const u8, len: i32, pcm: *mut f32, frame_size: c_int, decode_fec: c_int) -> c_int;
    fn opus_decoder_dred_decode(st: *mut OpusDecoder, dred: *const OpusDRED, dred_offset: i32, pcm: *mut i16, frame_size: i32) -> c_int;
    fn opus_decoder_dred_decode_float(st: *mut OpusDecoder, dred: *const OpusDRED, dred_offset: i32, pcm: *mut f32, frame_size: i32) -> c_int;
    fn opus_dred_decoder_create(error: *mut c_int) -> *mut OpusDREDDecoder;
    fn opus_dred_decoder_destroy(dec: *mut OpusDREDDecoder);
    fn opus_dred_alloc(error: *mut c_int) -> *mut OpusDRED;
    fn opus_dred_free(dec: *mut OpusDRED);
    fn opus_dred_parse(dred_dec: *mut OpusDREDDecoder, dred: *mut OpusDRED, data: *const u8, len: i32, max_dred_samples: i32, sampling_rate: i32, dred_end: *mut c_int, defer_processing: c_int) -> c_int;
    fn opus_dred_process(dred_dec: *mut OpusDREDDecoder, src: *const OpusDRED, dst: *mut OpusDRED) -> c_int;
    fn opus_packet_parse_impl(data: *const u8, len: i32, self_delimited: c_int, out_toc: *mut u8, frames: *mut *const u8, size: *mut i16, payload_offset: *mut c_int, packet_offset: *mut i32, padding: *mut *const u8, padding_len: *mut i32) -> c_int;
    fn opus_packet_has_lbrr(packet: *const u8, len: i32) -> c_int;
    fn opus_packet_get_nb_frames(packet: *const u8, len: i32) -> c_int;
    fn opus_packet_get_nb_samples(packet: *const u8, len: i32, fs: i32) -> c_int;
    fn opus_packet_get_samples_per_frame(data: *const u8, fs: i32) -> c_int;
    fn opus_packet_get_bandwidth(data: *const u8) -> c_int;
    fn opus_packet_get_nb_channels(data: *const u8) -> c_int;
    fn opus_packet_pad(data: *mut u8, len: i32, new_len: i32) -> c_int;
    fn opus_packet_unpad(data: *mut u8, len: i32) -> i32;
    fn opus_repacketizer_create() -> *mut OpusRepacketizer;
    fn opus_repacketizer_destroy(rp: *mut OpusRepacketizer);
    fn opus_repacketizer_init(rp: *mut OpusRepacketizer) -> *mut OpusRepacketizer;
    fn opus_repacketizer_cat(rp: *mut OpusRepacketizer, data: *const u8, len: i32) -> c_int;
    fn opus_repacketizer_out_range(rp: *mut OpusRepacketizer, begin: c_int, end: c_int, data: *mut u8, maxlen: i32) -> i32;
    fn opus_repacketizer_get_nb_frames(rp: *mut OpusRepacketizer) -> c_int;
    fn opus_repacketizer_out(rp: *mut OpusRepacketizer, data: *mut u8, maxlen: i32) -> i32;
    fn opus_packet_extensions_parse(data: *const u8, len: i32, extensions: *mut opus_extension_data, nb_extensions: *mut i32, nb_frames: c_int) -> i32;
    fn opus_packet_extensions_count(data: *const u8, len: i32, nb_frames: c_int) -> i32;
    fn opus_packet_extensions_generate(data: *mut u8, len: i32, extensions: *const opus_extension_data, nb_extensions: i32, nb_frames: c_int, pad: c_int) -> i32;
    fn opus_pcm_soft_clip(pcm: *mut f32, frame_size: c_int, channels: c_int, softclip_mem: *mut f32);
    fn ec_enc_init(this: *mut ec_ctx, buf: *mut u8, size: u32);
    fn ec_encode(this: *mut ec_ctx, fl: u32, fh: u32, ft: u32);
    fn ec_encode_bin(this: *mut ec_ctx, fl: u32, fh: u32, bits: u32);
    fn ec_enc_bit_logp(this: *mut ec_ctx, val: c_int, logp: u32);
    fn ec_enc_icdf(this: *mut ec_ctx, s: c_int, icdf: *const u8, ftb: u32);
    fn ec_enc_icdf16(this: *mut ec_ctx, s: c_int, icdf: *const u16, ftb: u32);
    fn ec_enc_uint(this: *mut ec_ctx, fl: u32, ft: u32);
    fn ec_enc_bits(this: *mut ec_ctx, fl: u32, ftb: u32);
    fn ec_enc_patch_initial_bits(this: *mut ec_ctx, val: u32, nbits: u32);
    fn ec_enc_shrink(this: *mut ec_ctx, size: u32);
    fn ec_enc_done(this: *mut ec_ctx);
    fn ec_dec_init(this: *mut ec_ctx, buf: *mut u8, storage: u32);
    fn ec_decode(this: *mut ec_ctx, ft: u32) -> u32;
    fn ec_decode_bin(this: *mut ec_ctx, bits: u32) -> u32;
    fn ec_dec_update(this: *mut ec_ctx, fl: u32, fh: u32, ft: u32);
    fn ec_dec_bit_logp(this: *mut ec_ctx, logp: u32) -> c_int;
    fn ec_dec_icdf(this: *mut ec_ctx, icdf: *const u8, ftb: u32) -> c_int;
    fn ec_dec_icdf16(this: *mut ec_ctx, icdf: *const u16, ftb: u32) -> c_int;
    fn ec_dec_uint(this: *mut ec_ctx, ft: u32) -> u32;
    fn ec_dec_bits(this: *mut ec_ctx, ftb: u32) -> u32;
    fn ec_tell_frac(this: *mut ec_ctx) -> u32;
    fn ec_laplace_encode(enc: *mut ec_ctx, value: *mut c_int, fs: u32, decay: c_int);
    fn ec_laplace_decode(dec: *mut ec_ctx, fs: u32, decay: c_int) -> c_int;
    fn ec_laplace_encode_p0(enc: *mut ec_ctx, value: c_int, p0: u16, decay: u16);
    fn ec_laplace_decode_p0(dec: *mut ec_ctx, p0: u16, decay: u16) -> c_int;
}

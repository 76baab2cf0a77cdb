// Values checked against libopus 1.6.1 by testvectors/tests/tables_match_libopus.rs; regenerate with: cargo run -p dred-opus-testvectors --bin gen_tables -- silk-other
//! Small SILK tables (libopus `silk/tables_other.c`, `silk/table_LSF_cos.c`).

use super::structs::{LSF_COS_TAB_SZ_FIX, STEREO_QUANT_TAB_SIZE};

/// Stereo predictor levels, Q13 (libopus `silk_stereo_pred_quant_Q13`).
#[rustfmt::skip]
pub const STEREO_PRED_QUANT_Q13: [i16; STEREO_QUANT_TAB_SIZE] = [
    -13732, -10050, -8266, -7526, -6500, -5000, -2950, -820, 820, 2950, 5000, 6500, 7526, 8266, 10050, 13732,
];

/// iCDF of the joint stereo predictor index (libopus `silk_stereo_pred_joint_iCDF`).
#[rustfmt::skip]
pub const STEREO_PRED_JOINT_ICDF: [u8; 25] = [
    249, 247, 246, 245, 244, 234, 210, 202, 201, 200, 197, 174, 82, 59, 56, 55,
    54, 46, 22, 12, 11, 10, 9, 7, 0,
];

/// iCDF of the mid-only flag (libopus `silk_stereo_only_code_mid_iCDF`).
#[rustfmt::skip]
pub const STEREO_ONLY_CODE_MID_ICDF: [u8; 2] = [
    64, 0,
];

/// iCDF of the LBRR flags of a 40 ms packet (libopus `silk_LBRR_flags_2_iCDF`).
#[rustfmt::skip]
pub const LBRR_FLAGS_2_ICDF: [u8; 3] = [
    203, 150, 0,
];

/// iCDF of the LBRR flags of a 60 ms packet (libopus `silk_LBRR_flags_3_iCDF`).
#[rustfmt::skip]
pub const LBRR_FLAGS_3_ICDF: [u8; 7] = [
    215, 195, 166, 125, 110, 82, 0,
];

/// iCDF of an excitation LSB (libopus `silk_lsb_iCDF`).
#[rustfmt::skip]
pub const LSB_ICDF: [u8; 2] = [
    120, 0,
];

/// iCDF of the LTP scaling index (libopus `silk_LTPscale_iCDF`).
#[rustfmt::skip]
pub const LTP_SCALE_ICDF: [u8; 3] = [
    128, 64, 0,
];

/// iCDF of signal type and offset, active frames (libopus `silk_type_offset_VAD_iCDF`).
#[rustfmt::skip]
pub const TYPE_OFFSET_VAD_ICDF: [u8; 4] = [
    232, 158, 10, 0,
];

/// iCDF of signal type and offset, inactive frames (libopus `silk_type_offset_no_VAD_iCDF`).
#[rustfmt::skip]
pub const TYPE_OFFSET_NO_VAD_ICDF: [u8; 2] = [
    230, 0,
];

/// iCDF of the NLSF interpolation factor (libopus `silk_NLSF_interpolation_factor_iCDF`).
#[rustfmt::skip]
pub const NLSF_INTERPOLATION_FACTOR_ICDF: [u8; 5] = [
    243, 221, 192, 181, 0,
];

/// LTP scaling factors, Q14 (libopus `silk_LTPScales_table_Q14`).
#[rustfmt::skip]
pub const LTP_SCALES_TABLE_Q14: [i16; 3] = [
    15565, 12288, 8192,
];

/// Uniform iCDF over 3 symbols (libopus `silk_uniform3_iCDF`).
#[rustfmt::skip]
pub const UNIFORM3_ICDF: [u8; 3] = [
    171, 85, 0,
];

/// Uniform iCDF over 4 symbols (libopus `silk_uniform4_iCDF`).
#[rustfmt::skip]
pub const UNIFORM4_ICDF: [u8; 4] = [
    192, 128, 64, 0,
];

/// Uniform iCDF over 5 symbols (libopus `silk_uniform5_iCDF`).
#[rustfmt::skip]
pub const UNIFORM5_ICDF: [u8; 5] = [
    205, 154, 102, 51, 0,
];

/// Uniform iCDF over 6 symbols (libopus `silk_uniform6_iCDF`).
#[rustfmt::skip]
pub const UNIFORM6_ICDF: [u8; 6] = [
    213, 171, 128, 85, 43, 0,
];

/// Uniform iCDF over 8 symbols (libopus `silk_uniform8_iCDF`).
#[rustfmt::skip]
pub const UNIFORM8_ICDF: [u8; 8] = [
    224, 192, 160, 128, 96, 64, 32, 0,
];

/// iCDF of the NLSF residual escape extension (libopus `silk_NLSF_EXT_iCDF`).
#[rustfmt::skip]
pub const NLSF_EXT_ICDF: [u8; 7] = [
    100, 40, 16, 7, 3, 1, 0,
];

/// Piecewise-linear table of 2*cos(pi*x), Q12 (libopus `silk_LSFCosTab_FIX_Q12`).
#[rustfmt::skip]
pub const LSF_COS_TAB_FIX_Q12: [i16; LSF_COS_TAB_SZ_FIX + 1] = [
    8192, 8190, 8182, 8170, 8152, 8130, 8104, 8072, 8034, 7994, 7946, 7896, 7840, 7778, 7714, 7644,
    7568, 7490, 7406, 7318, 7226, 7128, 7026, 6922, 6812, 6698, 6580, 6458, 6332, 6204, 6070, 5934,
    5792, 5648, 5502, 5352, 5198, 5040, 4880, 4718, 4552, 4382, 4212, 4038, 3862, 3684, 3502, 3320,
    3136, 2948, 2760, 2570, 2378, 2186, 1990, 1794, 1598, 1400, 1202, 1002, 802, 602, 402, 202,
    0, -202, -402, -602, -802, -1002, -1202, -1400, -1598, -1794, -1990, -2186, -2378, -2570, -2760, -2948,
    -3136, -3320, -3502, -3684, -3862, -4038, -4212, -4382, -4552, -4718, -4880, -5040, -5198, -5352, -5502, -5648,
    -5792, -5934, -6070, -6204, -6332, -6458, -6580, -6698, -6812, -6922, -7026, -7128, -7226, -7318, -7406, -7490,
    -7568, -7644, -7714, -7778, -7840, -7896, -7946, -7994, -8034, -8072, -8104, -8130, -8152, -8170, -8182, -8190,
    -8192,
];

/// iCDFs of the LBRR flags of 40 and 60 ms packets (libopus `silk_LBRR_flags_iCDF_ptr`).
pub const LBRR_FLAGS_ICDF_PTR: [&[u8]; 2] = [&LBRR_FLAGS_2_ICDF, &LBRR_FLAGS_3_ICDF];

/// Excitation quantisation offsets by signal-type class (unvoiced, voiced)
/// and offset type, Q10 (libopus `silk_Quantization_Offsets_Q10`, built from
/// `OFFSET_UVL_Q10`, `OFFSET_UVH_Q10`, `OFFSET_VL_Q10`, `OFFSET_VH_Q10`).
#[rustfmt::skip]
pub const QUANTIZATION_OFFSETS_Q10: [[i16; 2]; 2] = [[100, 240], [32, 100]];

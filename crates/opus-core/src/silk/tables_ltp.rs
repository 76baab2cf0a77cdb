// Values checked against libopus 1.6.1 by testvectors/tests/tables_match_libopus.rs; regenerate with: cargo run -p dred-opus-testvectors --bin gen_tables -- silk-ltp
//! LTP tables of RFC 6716 §4.2.7.6.2 (libopus `silk/tables_LTP.c`).

use super::structs::{LTP_ORDER, NB_LTP_CBKS};

/// iCDF of the LTP periodicity index (libopus `silk_LTP_per_index_iCDF`).
#[rustfmt::skip]
pub const LTP_PER_INDEX_ICDF: [u8; 3] = [
    179, 99, 0,
];

/// iCDF of the LTP filter index, codebook 0 (libopus `silk_LTP_gain_iCDF_0`).
#[rustfmt::skip]
pub const LTP_GAIN_ICDF_0: [u8; 8] = [
    71, 56, 43, 30, 21, 12, 6, 0,
];

/// iCDF of the LTP filter index, codebook 1 (libopus `silk_LTP_gain_iCDF_1`).
#[rustfmt::skip]
pub const LTP_GAIN_ICDF_1: [u8; 16] = [
    199, 165, 144, 124, 109, 96, 84, 71, 61, 51, 42, 32, 23, 15, 8, 0,
];

/// iCDF of the LTP filter index, codebook 2 (libopus `silk_LTP_gain_iCDF_2`).
#[rustfmt::skip]
pub const LTP_GAIN_ICDF_2: [u8; 32] = [
    241, 225, 211, 199, 187, 175, 164, 153, 142, 132, 123, 114, 105, 96, 88, 80,
    72, 64, 57, 50, 44, 38, 33, 29, 24, 20, 16, 12, 9, 5, 2, 0,
];

/// Rates of the LTP filter index, codebook 0, Q5 (encoder) (libopus `silk_LTP_gain_BITS_Q5_0`).
#[rustfmt::skip]
pub const LTP_GAIN_BITS_Q5_0: [u8; 8] = [
    15, 131, 138, 138, 155, 155, 173, 173,
];

/// Rates of the LTP filter index, codebook 1, Q5 (encoder) (libopus `silk_LTP_gain_BITS_Q5_1`).
#[rustfmt::skip]
pub const LTP_GAIN_BITS_Q5_1: [u8; 16] = [
    69, 93, 115, 118, 131, 138, 141, 138, 150, 150, 155, 150, 155, 160, 166, 160,
];

/// Rates of the LTP filter index, codebook 2, Q5 (encoder) (libopus `silk_LTP_gain_BITS_Q5_2`).
#[rustfmt::skip]
pub const LTP_GAIN_BITS_Q5_2: [u8; 32] = [
    131, 128, 134, 141, 141, 141, 145, 145, 145, 150, 155, 155, 155, 155, 160, 160,
    160, 160, 166, 166, 173, 173, 182, 192, 182, 192, 192, 192, 205, 192, 205, 224,
];

/// LTP filter codebook 0, Q7 (libopus `silk_LTP_gain_vq_0`).
#[rustfmt::skip]
pub const LTP_GAIN_VQ_0: [[i8; LTP_ORDER]; 8] = [
    [4, 6, 24, 7, 5],
    [0, 0, 2, 0, 0],
    [12, 28, 41, 13, -4],
    [-9, 15, 42, 25, 14],
    [1, -2, 62, 41, -9],
    [-10, 37, 65, -4, 3],
    [-6, 4, 66, 7, -8],
    [16, 14, 38, -3, 33],
];

/// LTP filter codebook 1, Q7 (libopus `silk_LTP_gain_vq_1`).
#[rustfmt::skip]
pub const LTP_GAIN_VQ_1: [[i8; LTP_ORDER]; 16] = [
    [13, 22, 39, 23, 12],
    [-1, 36, 64, 27, -6],
    [-7, 10, 55, 43, 17],
    [1, 1, 8, 1, 1],
    [6, -11, 74, 53, -9],
    [-12, 55, 76, -12, 8],
    [-3, 3, 93, 27, -4],
    [26, 39, 59, 3, -8],
    [2, 0, 77, 11, 9],
    [-8, 22, 44, -6, 7],
    [40, 9, 26, 3, 9],
    [-7, 20, 101, -7, 4],
    [3, -8, 42, 26, 0],
    [-15, 33, 68, 2, 23],
    [-2, 55, 46, -2, 15],
    [3, -1, 21, 16, 41],
];

/// LTP filter codebook 2, Q7 (libopus `silk_LTP_gain_vq_2`).
#[rustfmt::skip]
pub const LTP_GAIN_VQ_2: [[i8; LTP_ORDER]; 32] = [
    [-6, 27, 61, 39, 5],
    [-11, 42, 88, 4, 1],
    [-2, 60, 65, 6, -4],
    [-1, -5, 73, 56, 1],
    [-9, 19, 94, 29, -9],
    [0, 12, 99, 6, 4],
    [8, -19, 102, 46, -13],
    [3, 2, 13, 3, 2],
    [9, -21, 84, 72, -18],
    [-11, 46, 104, -22, 8],
    [18, 38, 48, 23, 0],
    [-16, 70, 83, -21, 11],
    [5, -11, 117, 22, -8],
    [-6, 23, 117, -12, 3],
    [3, -8, 95, 28, 4],
    [-10, 15, 77, 60, -15],
    [-1, 4, 124, 2, -4],
    [3, 38, 84, 24, -25],
    [2, 13, 42, 13, 31],
    [21, -4, 56, 46, -1],
    [-1, 35, 79, -13, 19],
    [-7, 65, 88, -9, -14],
    [20, 4, 81, 49, -29],
    [20, 0, 75, 3, -17],
    [5, -9, 44, 92, -8],
    [1, -3, 22, 69, 31],
    [-6, 95, 41, -12, 5],
    [39, 67, 16, -4, 1],
    [0, -6, 120, 55, -36],
    [-13, 44, 122, 4, -24],
    [81, 5, 11, 3, 7],
    [2, 0, 9, 10, 88],
];

/// Peak gain of each codebook-0 filter, Q7 (encoder) (libopus `silk_LTP_gain_vq_0_gain`).
#[rustfmt::skip]
pub const LTP_GAIN_VQ_0_GAIN: [u8; 8] = [
    46, 2, 90, 87, 93, 91, 82, 98,
];

/// Peak gain of each codebook-1 filter, Q7 (encoder) (libopus `silk_LTP_gain_vq_1_gain`).
#[rustfmt::skip]
pub const LTP_GAIN_VQ_1_GAIN: [u8; 16] = [
    109, 120, 118, 12, 113, 115, 117, 119, 99, 59, 87, 111, 63, 111, 112, 80,
];

/// Peak gain of each codebook-2 filter, Q7 (encoder) (libopus `silk_LTP_gain_vq_2_gain`).
#[rustfmt::skip]
pub const LTP_GAIN_VQ_2_GAIN: [u8; 32] = [
    126, 124, 125, 124, 129, 121, 126, 23, 132, 127, 127, 127, 126, 127, 122, 133,
    130, 134, 101, 118, 119, 145, 126, 86, 124, 120, 123, 119, 170, 173, 107, 109,
];

/// Sizes of the three LTP codebooks (libopus `silk_LTP_vq_sizes`).
#[rustfmt::skip]
pub const LTP_VQ_SIZES: [i8; NB_LTP_CBKS] = [
    8, 16, 32,
];

/// iCDFs of the LTP filter index, by periodicity index (libopus `silk_LTP_gain_iCDF_ptrs`).
pub const LTP_GAIN_ICDF_PTRS: [&[u8]; NB_LTP_CBKS] =
    [&LTP_GAIN_ICDF_0, &LTP_GAIN_ICDF_1, &LTP_GAIN_ICDF_2];

/// Rates of the LTP filter index, Q5, by periodicity index (libopus `silk_LTP_gain_BITS_Q5_ptrs`).
pub const LTP_GAIN_BITS_Q5_PTRS: [&[u8]; NB_LTP_CBKS] = [
    &LTP_GAIN_BITS_Q5_0,
    &LTP_GAIN_BITS_Q5_1,
    &LTP_GAIN_BITS_Q5_2,
];

/// LTP filter codebooks, Q7, by periodicity index (libopus `silk_LTP_vq_ptrs_Q7`).
pub const LTP_VQ_PTRS_Q7: [&[[i8; LTP_ORDER]]; NB_LTP_CBKS] =
    [&LTP_GAIN_VQ_0, &LTP_GAIN_VQ_1, &LTP_GAIN_VQ_2];

/// Peak filter gains, Q7, by periodicity index (libopus `silk_LTP_vq_gain_ptrs_Q7`).
pub const LTP_VQ_GAIN_PTRS_Q7: [&[u8]; NB_LTP_CBKS] = [
    &LTP_GAIN_VQ_0_GAIN,
    &LTP_GAIN_VQ_1_GAIN,
    &LTP_GAIN_VQ_2_GAIN,
];

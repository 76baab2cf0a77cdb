// Values checked against libopus 1.6.1 by testvectors/tests/tables_match_libopus.rs; regenerate with: cargo run -p dred-opus-testvectors --bin gen_tables -- silk-pitch-lag
//! Pitch lag and contour tables of RFC 6716 §4.2.7.6.1 (libopus `silk/tables_pitch_lag.c`,
//! `silk/pitch_est_tables.c`).

use super::structs::{
    PE_MAX_NB_SUBFR, PE_NB_CBKS_STAGE2_10MS, PE_NB_CBKS_STAGE2_EXT, PE_NB_CBKS_STAGE3_10MS,
    PE_NB_CBKS_STAGE3_MAX,
};

/// iCDF of the pitch lag high part (libopus `silk_pitch_lag_iCDF`).
#[rustfmt::skip]
pub const PITCH_LAG_ICDF: [u8; 32] = [
    253, 250, 244, 233, 212, 182, 150, 131, 120, 110, 98, 85, 72, 60, 49, 40,
    32, 25, 19, 15, 13, 11, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
];

/// iCDF of the delta pitch lag (libopus `silk_pitch_delta_iCDF`).
#[rustfmt::skip]
pub const PITCH_DELTA_ICDF: [u8; 21] = [
    210, 208, 206, 203, 199, 193, 183, 168, 142, 104, 74, 52, 37, 27, 20, 14,
    10, 6, 4, 2, 0,
];

/// iCDF of the pitch contour, 20 ms, MB/WB (libopus `silk_pitch_contour_iCDF`).
#[rustfmt::skip]
pub const PITCH_CONTOUR_ICDF: [u8; 34] = [
    223, 201, 183, 167, 152, 138, 124, 111, 98, 88, 79, 70, 62, 56, 50, 44,
    39, 35, 31, 27, 24, 21, 18, 16, 14, 12, 10, 8, 6, 4, 3, 2,
    1, 0,
];

/// iCDF of the pitch contour, 20 ms, NB (libopus `silk_pitch_contour_NB_iCDF`).
#[rustfmt::skip]
pub const PITCH_CONTOUR_NB_ICDF: [u8; 11] = [
    188, 176, 155, 138, 119, 97, 67, 43, 26, 10, 0,
];

/// iCDF of the pitch contour, 10 ms, MB/WB (libopus `silk_pitch_contour_10_ms_iCDF`).
#[rustfmt::skip]
pub const PITCH_CONTOUR_10_MS_ICDF: [u8; 12] = [
    165, 119, 80, 61, 47, 35, 27, 20, 14, 9, 4, 0,
];

/// iCDF of the pitch contour, 10 ms, NB (libopus `silk_pitch_contour_10_ms_NB_iCDF`).
#[rustfmt::skip]
pub const PITCH_CONTOUR_10_MS_NB_ICDF: [u8; 3] = [
    113, 63, 0,
];

/// Pitch contour offsets, 20 ms at 8 kHz (libopus `silk_CB_lags_stage2`).
#[rustfmt::skip]
pub const CB_LAGS_STAGE2: [[i8; PE_NB_CBKS_STAGE2_EXT]; PE_MAX_NB_SUBFR] = [
    [0, 2, -1, -1, -1, 0, 0, 1, 1, 0, 1],
    [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0],
    [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0],
    [0, -1, 2, 1, 0, 1, 1, 0, 0, -1, -1],
];

/// Pitch contour offsets, 10 ms at 8 kHz (libopus `silk_CB_lags_stage2_10_ms`).
#[rustfmt::skip]
pub const CB_LAGS_STAGE2_10_MS: [[i8; PE_NB_CBKS_STAGE2_10MS]; PE_MAX_NB_SUBFR / 2] = [
    [0, 1, 0],
    [0, 0, 1],
];

/// Pitch contour offsets, 20 ms at 12 and 16 kHz (libopus `silk_CB_lags_stage3`).
#[rustfmt::skip]
pub const CB_LAGS_STAGE3: [[i8; PE_NB_CBKS_STAGE3_MAX]; PE_MAX_NB_SUBFR] = [
    [0, 0, 1, -1, 0, 1, -1, 0, -1, 1, -2, 2, -2, -2, 2, -3, 2, 3, -3, -4, 3, -4, 4, 4, -5, 5, -6, -5, 6, -7, 6, 5, 8, -9],
    [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, -1, 1, 0, 0, 1, -1, 0, 1, -1, -1, 1, -1, 2, 1, -1, 2, -2, -2, 2, -2, 2, 2, 3, -3],
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, -1, 1, 0, 0, 2, 1, -1, 2, -1, -1, 2, -1, 2, 2, -1, 3, -2, -2, -2, 3],
    [0, 1, 0, 0, 1, 0, 1, -1, 2, -1, 2, -1, 2, 3, -2, 3, -2, -2, 4, 4, -3, 5, -3, -4, 6, -4, 6, 5, -5, 8, -6, -5, -7, 9],
];

/// Pitch contour offsets, 10 ms at 12 and 16 kHz (libopus `silk_CB_lags_stage3_10_ms`).
#[rustfmt::skip]
pub const CB_LAGS_STAGE3_10_MS: [[i8; PE_NB_CBKS_STAGE3_10MS]; PE_MAX_NB_SUBFR / 2] = [
    [0, 0, 1, -1, 1, -1, 2, -2, 2, -2, 3, -3],
    [0, 1, 0, 1, -1, 2, -1, 2, -2, 3, -2, 3],
];

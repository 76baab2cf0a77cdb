// Values checked against libopus 1.6.1 by testvectors/tests/tables_match_libopus.rs; regenerate with: cargo run -p dred-opus-testvectors --bin gen_tables -- silk-gain
//! Gain tables of RFC 6716 §4.2.7.4 (libopus `silk/tables_gain.c`).

/// iCDFs of the independent gain MSBs, per signal type (libopus `silk_gain_iCDF`).
#[rustfmt::skip]
pub const GAIN_ICDF: [[u8; 8]; 3] = [
    [224, 112, 44, 15, 3, 2, 1, 0],
    [254, 237, 192, 132, 70, 23, 4, 0],
    [255, 252, 226, 155, 61, 11, 2, 0],
];

/// iCDF of the delta gain index (libopus `silk_delta_gain_iCDF`).
#[rustfmt::skip]
pub const DELTA_GAIN_ICDF: [u8; 41] = [
    250, 245, 234, 203, 71, 50, 42, 38, 35, 33, 31, 29, 28, 27, 26, 25,
    24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9,
    8, 7, 6, 5, 4, 3, 2, 1, 0,
];

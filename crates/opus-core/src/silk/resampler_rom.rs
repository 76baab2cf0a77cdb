// Values checked against libopus 1.6.1 by testvectors/tests/tables_match_libopus.rs; regenerate with: cargo run -p dred-opus-testvectors --bin gen_tables -- silk-resampler-rom
//! Filter coefficients of the SILK resampler (libopus `silk/resampler_rom.c`,
//! `silk/resampler_rom.h`).
//!
//! Each fractional downsampler table starts with the two AR2 coefficients
//! (Q14) and continues with the FIR taps (Q15-ish, applied through `smulwb`)
//! for each interpolation phase, half of a symmetric filter per phase.

/// FIR order of the 3/4 and 2/3 downsamplers (libopus `RESAMPLER_DOWN_ORDER_FIR0`).
pub const DOWN_ORDER_FIR0: usize = 18;
/// FIR order of the 1/2 downsampler (libopus `RESAMPLER_DOWN_ORDER_FIR1`).
pub const DOWN_ORDER_FIR1: usize = 24;
/// FIR order of the 1/3, 1/4 and 1/6 downsamplers (libopus `RESAMPLER_DOWN_ORDER_FIR2`).
pub const DOWN_ORDER_FIR2: usize = 36;
/// FIR order of the fractional interpolator after 2x upsampling
/// (libopus `RESAMPLER_ORDER_FIR_12`).
pub const ORDER_FIR_12: usize = 8;

/// Allpass coefficient of the even branch of the 2x downsampler (libopus `silk_resampler_down2_0`).
pub const DOWN2_0: i16 = 9872;
/// Allpass coefficient of the odd branch of the 2x downsampler (libopus `silk_resampler_down2_1`).
pub const DOWN2_1: i16 = (39809 - 65536) as i16;

/// Allpass chain of the even output phase of the 2x HQ upsampler (libopus `silk_resampler_up2_hq_0`).
pub const UP2_HQ_0: [i16; 3] = [1746, 14986, (39083 - 65536) as i16];
/// Allpass chain of the odd output phase of the 2x HQ upsampler (libopus `silk_resampler_up2_hq_1`).
pub const UP2_HQ_1: [i16; 3] = [6854, 25769, (55542 - 65536) as i16];

/// Length of [`RESAMPLER_3_4_COEFS`].
pub const RESAMPLER_3_4_COEFS_LEN: usize = 2 + 3 * DOWN_ORDER_FIR0 / 2;
/// Length of [`RESAMPLER_2_3_COEFS`].
pub const RESAMPLER_2_3_COEFS_LEN: usize = 2 + 2 * DOWN_ORDER_FIR0 / 2;
/// Length of [`RESAMPLER_1_2_COEFS`].
pub const RESAMPLER_1_2_COEFS_LEN: usize = 2 + DOWN_ORDER_FIR1 / 2;
/// Length of the 1/3, 1/4 and 1/6 tables.
pub const RESAMPLER_1_N_COEFS_LEN: usize = 2 + DOWN_ORDER_FIR2 / 2;

/// AR2 and FIR coefficients for 3/4 downsampling (libopus `silk_Resampler_3_4_COEFS`).
#[rustfmt::skip]
pub const RESAMPLER_3_4_COEFS: [i16; RESAMPLER_3_4_COEFS_LEN] = [
    -20694, -13867,
       -49,     64,     17,   -157,    353,   -496,    163,  11047,  22205,
       -39,      6,     91,   -170,    186,     23,   -896,   6336,  19928,
       -19,    -36,    102,    -89,    -24,    328,   -951,   2568,  15909,
];

/// AR2 and FIR coefficients for 2/3 downsampling (libopus `silk_Resampler_2_3_COEFS`).
#[rustfmt::skip]
pub const RESAMPLER_2_3_COEFS: [i16; RESAMPLER_2_3_COEFS_LEN] = [
    -14457, -14019,
        64,    128,   -122,     36,    310,   -768,    584,   9267,  17733,
        12,    128,     18,   -142,    288,   -117,   -865,   4123,  14459,
];

/// AR2 and FIR coefficients for 1/2 downsampling (libopus `silk_Resampler_1_2_COEFS`).
#[rustfmt::skip]
pub const RESAMPLER_1_2_COEFS: [i16; RESAMPLER_1_2_COEFS_LEN] = [
       616, -14323,
       -10,     39,     58,    -46,    -84,    120,    184,   -315,   -541,   1284,   5380,   9024,
];

/// AR2 and FIR coefficients for 1/3 downsampling (libopus `silk_Resampler_1_3_COEFS`).
#[rustfmt::skip]
pub const RESAMPLER_1_3_COEFS: [i16; RESAMPLER_1_N_COEFS_LEN] = [
     16102, -15162,
       -13,      0,     20,     26,      5,    -31,    -43,     -4,     65,     90,      7,   -157,   -248,    -44,    593,   1583,   2612,   3271,
];

/// AR2 and FIR coefficients for 1/4 downsampling (libopus `silk_Resampler_1_4_COEFS`).
#[rustfmt::skip]
pub const RESAMPLER_1_4_COEFS: [i16; RESAMPLER_1_N_COEFS_LEN] = [
     22500, -15099,
         3,    -14,    -20,    -15,      2,     25,     37,     25,    -16,    -71,   -107,    -79,     50,    292,    623,    982,   1288,   1464,
];

/// AR2 and FIR coefficients for 1/6 downsampling (libopus `silk_Resampler_1_6_COEFS`).
#[rustfmt::skip]
pub const RESAMPLER_1_6_COEFS: [i16; RESAMPLER_1_N_COEFS_LEN] = [
     27540, -15257,
        17,     12,      8,      1,    -10,    -22,    -30,    -32,    -22,      3,     44,    100,    168,    243,    317,    381,    429,    455,
];

/// AR2 and FIR coefficients of the low-quality 2/3 downsampler used by the
/// encoder (libopus `silk_Resampler_2_3_COEFS_LQ`).
#[rustfmt::skip]
pub const RESAMPLER_2_3_COEFS_LQ: [i16; 2 + 2 * 2] = [
     -2797,  -6507,
      4697,  10739,
      1567,   8276,
];

/// Number of interpolation phases in [`RESAMPLER_FRAC_FIR_12`].
pub const FRAC_FIR_12_PHASES: usize = 12;

/// Half-filters for interpolating at fractions 1/24, 3/24, ..., 23/24 after
/// 2x upsampling (libopus `silk_resampler_frac_FIR_12`).
#[rustfmt::skip]
pub const RESAMPLER_FRAC_FIR_12: [[i16; ORDER_FIR_12 / 2]; FRAC_FIR_12_PHASES] = [
    [  189,  -600,   617, 30567 ],
    [  117,  -159, -1070, 29704 ],
    [   52,   221, -2392, 28276 ],
    [   -4,   529, -3350, 26341 ],
    [  -48,   758, -3956, 23973 ],
    [  -80,   905, -4235, 21254 ],
    [  -99,   972, -4222, 18278 ],
    [ -107,   967, -3957, 15143 ],
    [ -103,   896, -3487, 11950 ],
    [  -91,   773, -2865,  8798 ],
    [  -71,   611, -2143,  5784 ],
    [  -46,   425, -1375,  2996 ],
];

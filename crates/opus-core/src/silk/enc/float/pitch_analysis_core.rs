//! Three-stage open-loop pitch estimator
//! (libopus `silk/float/pitch_analysis_core_FLP.c`, tables of `silk/pitch_est_tables.c`).
//!
//! 1. The frame is decimated to 4 kHz (through the fixed-point resamplers)
//!    and normalised correlations over the whole lag range pick a few
//!    candidate lags.
//! 2. At 8 kHz, the candidates and their neighbours are scored per subframe
//!    and combined over a small codebook of lag contours, with biases towards
//!    short lags and towards the previous frame's lag.
//! 3. At the coding rate (12 or 16 kHz) the best lag ±2 is refined over the
//!    full contour codebook.

use super::energy::energy_flp;
use super::inner_product::inner_product_flp;
use super::silk_log2;
use super::sort::insertion_sort_decreasing_flp;
use crate::celt::pitch::celt_pitch_xcorr;
use crate::celt::plc::float2int;
use crate::silk::fixed::{rshift_round, sat16, smulbb};
use crate::silk::resampler::{down2, down2_3, DOWN2_3_STATE_LEN};
use crate::silk::structs::{
    PE_MAX_LAG_MS, PE_MAX_NB_SUBFR, PE_MIN_LAG_MS, PE_NB_CBKS_STAGE2_10MS, PE_NB_CBKS_STAGE2_EXT,
    PE_NB_CBKS_STAGE3_10MS, PE_NB_CBKS_STAGE3_MAX,
};
use crate::silk::tables_pitch_lag::{
    CB_LAGS_STAGE2, CB_LAGS_STAGE2_10_MS, CB_LAGS_STAGE3, CB_LAGS_STAGE3_10_MS,
};

/// Highest internal rate, kHz (libopus `PE_MAX_FS_KHZ`).
pub const PE_MAX_FS_KHZ: usize = 16;
/// Subframe length, ms (libopus `PE_SUBFR_LENGTH_MS`).
pub const PE_SUBFR_LENGTH_MS: usize = 5;
/// History ahead of the analysed subframes, ms (libopus `PE_LTP_MEM_LENGTH_MS`).
pub const PE_LTP_MEM_LENGTH_MS: usize = 4 * PE_SUBFR_LENGTH_MS;
/// Longest input, ms (libopus `PE_MAX_FRAME_LENGTH_MS`).
pub const PE_MAX_FRAME_LENGTH_MS: usize =
    PE_LTP_MEM_LENGTH_MS + PE_MAX_NB_SUBFR * PE_SUBFR_LENGTH_MS;
/// Longest lag at the highest rate (libopus `PE_MAX_LAG`).
pub const PE_MAX_LAG: usize = PE_MAX_LAG_MS as usize * PE_MAX_FS_KHZ;
/// Room for lag candidates (libopus `PE_D_SRCH_LENGTH`).
pub const PE_D_SRCH_LENGTH: usize = 24;
/// Lags per contour in stage 3 (libopus `PE_NB_STAGE3_LAGS`).
pub const PE_NB_STAGE3_LAGS: usize = 5;
/// Stage-2 contours searched normally (libopus `PE_NB_CBKS_STAGE2`).
pub const PE_NB_CBKS_STAGE2: usize = 3;
/// Stage-3 contours at middle complexity (libopus `PE_NB_CBKS_STAGE3_MID`).
pub const PE_NB_CBKS_STAGE3_MID: usize = 24;
/// Stage-3 contours at low complexity (libopus `PE_NB_CBKS_STAGE3_MIN`).
pub const PE_NB_CBKS_STAGE3_MIN: usize = 16;
/// Bias towards short lags (libopus `PE_SHORTLAG_BIAS`).
pub const PE_SHORTLAG_BIAS: f32 = 0.2;
/// Bias towards the previous lag (libopus `PE_PREVLAG_BIAS`).
pub const PE_PREVLAG_BIAS: f32 = 0.2;
/// Bias towards flat contours (libopus `PE_FLATCONTOUR_BIAS`).
pub const PE_FLATCONTOUR_BIAS: f32 = 0.05;
/// Highest complexity setting (libopus `SILK_PE_MAX_COMPLEX`).
const PE_MAX_COMPLEX: usize = 2;
/// Correlations kept per subframe in stage 3 (libopus `SCRATCH_SIZE`).
const SCRATCH_SIZE: usize = 22;
/// Columns of the stage-1/2 correlation table (libopus `(PE_MAX_LAG >> 1) + 5`).
const C_COLS: usize = (PE_MAX_LAG >> 1) + 5;

/// Lag ranges searched per subframe in stage 3, by complexity
/// (libopus `silk_Lag_range_stage3`).
#[rustfmt::skip]
pub const LAG_RANGE_STAGE3: [[[i8; 2]; PE_MAX_NB_SUBFR]; PE_MAX_COMPLEX + 1] = [
    [[-5, 8], [-1, 6], [-1, 6], [-4, 10]],
    [[-6, 10], [-2, 6], [-1, 6], [-5, 10]],
    [[-9, 12], [-3, 7], [-2, 7], [-7, 13]],
];

/// Lag ranges of stage 3 for 10 ms frames (libopus `silk_Lag_range_stage3_10_ms`).
#[rustfmt::skip]
pub const LAG_RANGE_STAGE3_10_MS: [[i8; 2]; PE_MAX_NB_SUBFR / 2] = [[-3, 7], [-2, 7]];

/// Stage-3 contours searched, by complexity (libopus `silk_nb_cbk_searchs_stage3`).
#[rustfmt::skip]
pub const NB_CBK_SEARCHS_STAGE3: [u8; PE_MAX_COMPLEX + 1] = [
    PE_NB_CBKS_STAGE3_MIN as u8, PE_NB_CBKS_STAGE3_MID as u8, PE_NB_CBKS_STAGE3_MAX as u8,
];

/// Result of [`pitch_analysis_core_flp`] besides the voicing decision.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PitchEstimate {
    /// Pitch lag per subframe, samples at the input rate (zero if unvoiced).
    pub pitch_l: [i32; PE_MAX_NB_SUBFR],
    /// Lag index relative to the shortest lag.
    pub lag_index: i16,
    /// Contour codebook index.
    pub contour_index: i8,
}

/// Correlation (or energy) per subframe, contour and lag offset for stage 3.
type Stage3 = [[[f32; PE_NB_STAGE3_LAGS]; PE_NB_CBKS_STAGE3_MAX]; PE_MAX_NB_SUBFR];

/// Stage-3 search set: lag range per subframe, contours searched, and the
/// contour offset of subframe `k`, contour `i`.
type Stage3Tables = (&'static [[i8; 2]], usize, fn(usize, usize) -> i32);

/// Stage-3 lag ranges and contour codebook for the frame size and complexity.
fn stage3_tables(nb_subfr: usize, complexity: usize) -> Stage3Tables {
    if nb_subfr == PE_MAX_NB_SUBFR {
        (
            &LAG_RANGE_STAGE3[complexity][..],
            NB_CBK_SEARCHS_STAGE3[complexity] as usize,
            |k, i| CB_LAGS_STAGE3[k][i] as i32,
        )
    } else {
        (
            &LAG_RANGE_STAGE3_10_MS[..],
            PE_NB_CBKS_STAGE3_10MS,
            |k, i| CB_LAGS_STAGE3_10_MS[k][i] as i32,
        )
    }
}

/// Fills `cross_corr_st3` with the correlations of each subframe of `frame`
/// with its past, for every contour and lag offset around `start_lag`
/// (libopus `silk_P_Ana_calc_corr_st3`).
#[allow(clippy::needless_range_loop)]
fn calc_corr_st3(
    cross_corr_st3: &mut Stage3,
    frame: &[f32],
    start_lag: usize,
    sf_length: usize,
    nb_subfr: usize,
    complexity: usize,
) {
    let (lag_range, nb_cbk_search, cb) = stage3_tables(nb_subfr, complexity);
    let mut scratch = [0f32; SCRATCH_SIZE];
    let mut xcorr = [0f32; SCRATCH_SIZE];
    let mut target = sf_length << 2;
    for k in 0..nb_subfr {
        let lag_low = lag_range[k][0] as i32;
        let lag_high = lag_range[k][1] as i32;
        let n = (lag_high - lag_low + 1) as usize;
        let basis = (target as i32 - start_lag as i32 - lag_high) as usize;
        celt_pitch_xcorr(&frame[target..], &frame[basis..], &mut xcorr, sf_length, n);
        for (c, j) in (lag_low..=lag_high).enumerate() {
            scratch[c] = xcorr[(lag_high - j) as usize];
        }
        for i in 0..nb_cbk_search {
            let idx = (cb(k, i) - lag_low) as usize;
            cross_corr_st3[k][i].copy_from_slice(&scratch[idx..idx + PE_NB_STAGE3_LAGS]);
        }
        target += sf_length;
    }
}

/// Fills `energies_st3` with the energies of the past segments that
/// [`calc_corr_st3`] correlates with, updated recursively per lag
/// (libopus `silk_P_Ana_calc_energy_st3`).
#[allow(clippy::needless_range_loop)]
fn calc_energy_st3(
    energies_st3: &mut Stage3,
    frame: &[f32],
    start_lag: usize,
    sf_length: usize,
    nb_subfr: usize,
    complexity: usize,
) {
    let (lag_range, nb_cbk_search, cb) = stage3_tables(nb_subfr, complexity);
    let mut scratch = [0f32; SCRATCH_SIZE];
    let mut target = sf_length << 2;
    for k in 0..nb_subfr {
        let lag_low = lag_range[k][0] as i32;
        let lag_high = lag_range[k][1] as i32;
        let basis = (target as i32 - (start_lag as i32 + lag_low)) as usize;
        let mut energy = energy_flp(&frame[basis..basis + sf_length]) + 1e-3;
        scratch[0] = energy as f32;
        let lag_diff = (lag_high - lag_low + 1) as usize;
        for i in 1..lag_diff {
            let out = frame[basis + sf_length - i] as f64;
            energy -= out * out;
            let inc = frame[basis - i] as f64;
            energy += inc * inc;
            scratch[i] = energy as f32;
        }
        for i in 0..nb_cbk_search {
            let idx = (cb(k, i) - lag_low) as usize;
            energies_st3[k][i].copy_from_slice(&scratch[idx..idx + PE_NB_STAGE3_LAGS]);
        }
        target += sf_length;
    }
}

/// Estimates the pitch of `frame`: 20 ms of history followed by `nb_subfr`
/// (2 or 4) subframes of 5 ms, at `fs_khz` (8, 12 or 16) (libopus
/// `silk_pitch_analysis_core_FLP`).
///
/// Returns `true` for voiced, with the per-subframe lags, lag index and
/// contour index in `est` (lags past `nb_subfr` untouched); `false` for
/// unvoiced, with `est` zeroed (when the stage-1 correlation is already low,
/// only the first `nb_subfr` lags, as libopus does).
/// `ltp_corr` carries the normalised correlation from the previous frame in
/// (it weights the bias towards `prev_lag`, the previous frame's lag or 0)
/// and this frame's out. `search_thres1` gates stage-1 candidates relative to
/// the best, `search_thres2` is the voicing threshold. `complexity` (0–2,
/// clamped) sets the number of candidates and contours searched.
///
/// # Panics
/// If `fs_khz` is not 8, 12 or 16, `nb_subfr` not 2 or 4, or `frame` is
/// shorter than `(20 + 5 * nb_subfr) * fs_khz`.
#[allow(clippy::too_many_arguments)]
pub fn pitch_analysis_core_flp(
    frame: &[f32],
    est: &mut PitchEstimate,
    ltp_corr: &mut f32,
    prev_lag: i32,
    search_thres1: f32,
    search_thres2: f32,
    fs_khz: i32,
    complexity: i32,
    nb_subfr: usize,
) -> bool {
    assert!(fs_khz == 8 || fs_khz == 12 || fs_khz == 16);
    assert!(nb_subfr == PE_MAX_NB_SUBFR || nb_subfr == PE_MAX_NB_SUBFR / 2);
    let complexity = complexity.clamp(0, PE_MAX_COMPLEX as i32) as usize;
    let fs = fs_khz as usize;

    let frame_ms = PE_LTP_MEM_LENGTH_MS + nb_subfr * PE_SUBFR_LENGTH_MS;
    let frame_length = frame_ms * fs;
    let frame_length_4khz = frame_ms * 4;
    let frame_length_8khz = frame_ms * 8;
    let frame = &frame[..frame_length];
    let sf_length = PE_SUBFR_LENGTH_MS * fs;
    let sf_length_4khz = PE_SUBFR_LENGTH_MS * 4;
    let sf_length_8khz = PE_SUBFR_LENGTH_MS * 8;
    let min_lag = PE_MIN_LAG_MS * fs_khz;
    let min_lag_4khz = PE_MIN_LAG_MS as usize * 4;
    let min_lag_8khz = PE_MIN_LAG_MS as usize * 8;
    let max_lag = PE_MAX_LAG_MS * fs_khz - 1;
    let max_lag_4khz = PE_MAX_LAG_MS as usize * 4;
    let max_lag_8khz = PE_MAX_LAG_MS as usize * 8 - 1;

    // Downsample to 8 kHz and 4 kHz with the fixed-point resamplers.
    let mut frame_8khz = [0f32; PE_MAX_FRAME_LENGTH_MS * 8];
    let mut frame_4khz = [0f32; PE_MAX_FRAME_LENGTH_MS * 4];
    let mut frame_8_fix = [0i16; PE_MAX_FRAME_LENGTH_MS * 8];
    let mut frame_4_fix = [0i16; PE_MAX_FRAME_LENGTH_MS * 4];
    let to_i16 = |v: f32| sat16(float2int(v));
    if fs_khz == 16 || fs_khz == 12 {
        let mut frame_fix = [0i16; PE_MAX_FS_KHZ * PE_MAX_FRAME_LENGTH_MS];
        for (o, &v) in frame_fix.iter_mut().zip(frame) {
            *o = to_i16(v);
        }
        if fs_khz == 16 {
            let mut st = [0i32; 2];
            down2(
                &mut st,
                &mut frame_8_fix[..frame_length_8khz],
                &frame_fix[..frame_length],
            );
        } else {
            let mut st = [0i32; DOWN2_3_STATE_LEN];
            down2_3(
                &mut st,
                &mut frame_8_fix[..frame_length_8khz],
                &frame_fix[..frame_length],
            );
        }
        for (o, &v) in frame_8khz.iter_mut().zip(&frame_8_fix[..frame_length_8khz]) {
            *o = v as f32;
        }
    } else {
        for (o, &v) in frame_8_fix.iter_mut().zip(&frame[..frame_length_8khz]) {
            *o = to_i16(v);
        }
    }
    let mut st = [0i32; 2];
    down2(
        &mut st,
        &mut frame_4_fix[..frame_length_4khz],
        &frame_8_fix[..frame_length_8khz],
    );
    for (o, &v) in frame_4khz.iter_mut().zip(&frame_4_fix[..frame_length_4khz]) {
        *o = v as f32;
    }

    // Low-pass the 4 kHz signal by adding neighbours, saturating to 16 bits.
    for i in (1..frame_length_4khz).rev() {
        let sum = frame_4khz[i] as i32 + frame_4khz[i - 1] as i32;
        frame_4khz[i] = sat16(sum) as f32;
    }

    // Stage 1, at 4 kHz: normalised correlation over all lags.
    let mut c = [[0f32; C_COLS]; PE_MAX_NB_SUBFR];
    let mut xcorr = [0f32; PE_MAX_LAG_MS as usize * 4 - PE_MIN_LAG_MS as usize * 4 + 1];
    let n_lags_4khz = max_lag_4khz - min_lag_4khz + 1;
    let mut target = sf_length_4khz << 2;
    for _ in 0..nb_subfr >> 1 {
        let mut basis = target - min_lag_4khz;
        celt_pitch_xcorr(
            &frame_4khz[target..],
            &frame_4khz[target - max_lag_4khz..],
            &mut xcorr,
            sf_length_8khz,
            n_lags_4khz,
        );
        let cross_corr = xcorr[max_lag_4khz - min_lag_4khz] as f64;
        let mut normalizer = energy_flp(&frame_4khz[target..target + sf_length_8khz])
            + energy_flp(&frame_4khz[basis..basis + sf_length_8khz])
            + (sf_length_8khz as f32 * 4000.0f32) as f64;
        c[0][min_lag_4khz] += (2.0 * cross_corr / normalizer) as f32;
        for d in min_lag_4khz + 1..=max_lag_4khz {
            basis -= 1;
            let cross_corr = xcorr[max_lag_4khz - d] as f64;
            let b_in = frame_4khz[basis] as f64;
            let b_out = frame_4khz[basis + sf_length_8khz] as f64;
            normalizer += b_in * b_in - b_out * b_out;
            c[0][d] += (2.0 * cross_corr / normalizer) as f32;
        }
        target += sf_length_8khz;
    }

    // Favour short lags.
    for i in (min_lag_4khz..=max_lag_4khz).rev() {
        c[0][i] -= c[0][i] * i as f32 / 4096.0f32;
    }

    let mut length_d_srch = 4 + 2 * complexity;
    let mut d_srch = [0i32; PE_D_SRCH_LENGTH];
    insertion_sort_decreasing_flp(
        &mut c[0][min_lag_4khz..],
        &mut d_srch,
        n_lags_4khz,
        length_d_srch,
    );

    let cmax = c[0][min_lag_4khz];
    if cmax < 0.2f32 {
        // libopus clears only the used subframes here, all four below.
        est.pitch_l[..nb_subfr].fill(0);
        est.lag_index = 0;
        est.contour_index = 0;
        *ltp_corr = 0.0;
        return false;
    }

    let threshold = search_thres1 * cmax;
    for i in 0..length_d_srch {
        if c[0][min_lag_4khz + i] > threshold {
            d_srch[i] = (d_srch[i] + min_lag_4khz as i32) << 1;
        } else {
            length_d_srch = i;
            break;
        }
    }

    // Widen each candidate to its neighbours at 8 kHz.
    let mut d_comp = [0i16; C_COLS];
    for v in &mut d_comp[min_lag_8khz - 5..max_lag_8khz + 5] {
        *v = 0;
    }
    for &d in &d_srch[..length_d_srch] {
        d_comp[d as usize] = 1;
    }
    for i in (min_lag_8khz..=max_lag_8khz + 3).rev() {
        d_comp[i] += d_comp[i - 1] + d_comp[i - 2];
    }
    length_d_srch = 0;
    for i in min_lag_8khz..max_lag_8khz + 1 {
        if d_comp[i + 1] > 0 && length_d_srch < PE_D_SRCH_LENGTH {
            d_srch[length_d_srch] = i as i32;
            length_d_srch += 1;
        }
    }
    for i in (min_lag_8khz..=max_lag_8khz + 3).rev() {
        d_comp[i] += d_comp[i - 1] + d_comp[i - 2] + d_comp[i - 3];
    }
    let mut length_d_comp = 0;
    for i in min_lag_8khz..max_lag_8khz + 4 {
        if d_comp[i] > 0 {
            d_comp[length_d_comp] = (i - 2) as i16;
            length_d_comp += 1;
        }
    }

    // Stage 2, at 8 kHz: per-subframe correlations at the candidate lags.
    c = [[0f32; C_COLS]; PE_MAX_NB_SUBFR];
    let sig8: &[f32] = if fs_khz == 8 {
        frame
    } else {
        &frame_8khz[..frame_length_8khz]
    };
    let mut target = PE_LTP_MEM_LENGTH_MS * 8;
    for ck in c.iter_mut().take(nb_subfr) {
        let tgt = &sig8[target..target + sf_length_8khz];
        let energy_tmp = energy_flp(tgt) + 1.0;
        for &d in &d_comp[..length_d_comp] {
            let d = d as usize;
            let basis = &sig8[target - d..target - d + sf_length_8khz];
            let cross_corr = inner_product_flp(basis, tgt, sf_length_8khz);
            ck[d] = if cross_corr > 0.0 {
                let energy = energy_flp(basis);
                (2.0 * cross_corr / (energy + energy_tmp)) as f32
            } else {
                0.0
            };
        }
        target += sf_length_8khz;
    }

    let mut ccmax = 0.0f32;
    let mut ccmax_b = -1000.0f32;
    let mut cbimax = 0usize;
    let mut lag: i32 = -1;

    let mut prev_lag = prev_lag;
    let prev_lag_log2 = if prev_lag > 0 {
        if fs_khz == 12 {
            prev_lag = (prev_lag << 1) / 3;
        } else if fs_khz == 16 {
            prev_lag >>= 1;
        }
        silk_log2(prev_lag as f32 as f64)
    } else {
        0.0
    };

    let (nb_cbk_search, cb2): (usize, fn(usize, usize) -> i32) = if nb_subfr == PE_MAX_NB_SUBFR {
        let n = if fs_khz == 8 && complexity > 0 {
            PE_NB_CBKS_STAGE2_EXT
        } else {
            PE_NB_CBKS_STAGE2
        };
        (n, |i, j| CB_LAGS_STAGE2[i][j] as i32)
    } else {
        (PE_NB_CBKS_STAGE2_10MS, |i, j| {
            CB_LAGS_STAGE2_10_MS[i][j] as i32
        })
    };

    let mut cc = [0f32; PE_NB_CBKS_STAGE2_EXT];
    for &d in &d_srch[..length_d_srch] {
        for (j, ccj) in cc.iter_mut().enumerate().take(nb_cbk_search) {
            *ccj = 0.0;
            for (i, ci) in c.iter().enumerate().take(nb_subfr) {
                *ccj += ci[(d + cb2(i, j)) as usize];
            }
        }
        let mut ccmax_new = -1000.0f32;
        let mut cbimax_new = 0;
        for (i, &v) in cc.iter().enumerate().take(nb_cbk_search) {
            if v > ccmax_new {
                ccmax_new = v;
                cbimax_new = i;
            }
        }

        let lag_log2 = silk_log2(d as f32 as f64);
        let mut ccmax_new_b = ccmax_new - PE_SHORTLAG_BIAS * nb_subfr as f32 * lag_log2;
        if prev_lag > 0 {
            let mut delta_lag_log2_sqr = lag_log2 - prev_lag_log2;
            delta_lag_log2_sqr *= delta_lag_log2_sqr;
            ccmax_new_b -= PE_PREVLAG_BIAS * nb_subfr as f32 * *ltp_corr * delta_lag_log2_sqr
                / (delta_lag_log2_sqr + 0.5f32);
        }

        if ccmax_new_b > ccmax_b && ccmax_new > nb_subfr as f32 * search_thres2 {
            ccmax_b = ccmax_new_b;
            ccmax = ccmax_new;
            lag = d;
            cbimax = cbimax_new;
        }
    }

    if lag == -1 {
        *est = PitchEstimate::default();
        *ltp_corr = 0.0;
        return false;
    }

    *ltp_corr = ccmax / nb_subfr as f32;

    if fs_khz > 8 {
        // Stage 3, at the coding rate.
        lag = if fs_khz == 12 {
            rshift_round(smulbb(lag, 3), 1)
        } else {
            lag << 1
        };
        lag = lag.clamp(min_lag, max_lag);
        let start_lag = (lag - 2).max(min_lag);
        let end_lag = (lag + 2).min(max_lag);
        let mut lag_new = lag;
        cbimax = 0;
        let mut ccmax = -1000.0f32;

        let mut cross_corr_st3: Stage3 =
            [[[0.0; PE_NB_STAGE3_LAGS]; PE_NB_CBKS_STAGE3_MAX]; PE_MAX_NB_SUBFR];
        let mut energies_st3: Stage3 =
            [[[0.0; PE_NB_STAGE3_LAGS]; PE_NB_CBKS_STAGE3_MAX]; PE_MAX_NB_SUBFR];
        calc_corr_st3(
            &mut cross_corr_st3,
            frame,
            start_lag as usize,
            sf_length,
            nb_subfr,
            complexity,
        );
        calc_energy_st3(
            &mut energies_st3,
            frame,
            start_lag as usize,
            sf_length,
            nb_subfr,
            complexity,
        );

        let contour_bias = PE_FLATCONTOUR_BIAS / lag as f32;
        let (_, nb_cbk_search, cb3) = stage3_tables(nb_subfr, complexity);

        let target = PE_LTP_MEM_LENGTH_MS * fs;
        let energy_tmp = energy_flp(&frame[target..target + nb_subfr * sf_length]) + 1.0;
        for (lag_counter, d) in (start_lag..=end_lag).enumerate() {
            for j in 0..nb_cbk_search {
                let mut cross_corr = 0.0f64;
                let mut energy = energy_tmp;
                for k in 0..nb_subfr {
                    cross_corr += cross_corr_st3[k][j][lag_counter] as f64;
                    energy += energies_st3[k][j][lag_counter] as f64;
                }
                let ccmax_new = if cross_corr > 0.0 {
                    let v = (2.0 * cross_corr / energy) as f32;
                    v * (1.0f32 - contour_bias * j as f32)
                } else {
                    0.0
                };
                // libopus checks the range with the 20 ms contour table in
                // both frame sizes.
                if ccmax_new > ccmax && d + CB_LAGS_STAGE3[0][j] as i32 <= max_lag {
                    ccmax = ccmax_new;
                    lag_new = d;
                    cbimax = j;
                }
            }
        }

        for k in 0..nb_subfr {
            est.pitch_l[k] = (lag_new + cb3(k, cbimax)).clamp(min_lag, PE_MAX_LAG_MS * fs_khz);
        }
        est.lag_index = (lag_new - min_lag) as i16;
        est.contour_index = cbimax as i8;
    } else {
        for k in 0..nb_subfr {
            est.pitch_l[k] = (lag + cb2(k, cbimax)).clamp(min_lag_8khz as i32, PE_MAX_LAG_MS * 8);
        }
        est.lag_index = (lag - min_lag_8khz as i32) as i16;
        est.contour_index = cbimax as i8;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pulse_train(period: f32, fs: usize, nb_subfr: usize, noise: u32) -> Vec<f32> {
        let n = (PE_LTP_MEM_LENGTH_MS + nb_subfr * PE_SUBFR_LENGTH_MS) * fs;
        let mut seed = noise;
        (0..n)
            .map(|i| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let ph = (i as f32 / period).fract();
                let v = 8000.0 * (-ph * 6.0).exp() * (2.0 * std::f32::consts::PI * ph * 3.0).cos();
                v + ((seed >> 16) as f32 / 65536.0 - 0.5) * 200.0
            })
            .collect()
    }

    #[test]
    fn finds_the_period_of_a_pulse_train() {
        for &fs in &[8usize, 12, 16] {
            for &nb in &[2usize, 4] {
                let period = 5.5 * fs as f32; // 5.5 ms, about 182 Hz
                let x = pulse_train(period, fs, nb, 3);
                let mut est = PitchEstimate::default();
                let mut corr = 0.0;
                let voiced =
                    pitch_analysis_core_flp(&x, &mut est, &mut corr, 0, 0.7, 0.3, fs as i32, 2, nb);
                assert!(voiced, "fs {fs} nb {nb}");
                for k in 0..nb {
                    assert!(
                        (est.pitch_l[k] as f32 - period).abs() <= 2.0,
                        "fs {fs} nb {nb}: {:?}",
                        est
                    );
                }
                assert!(corr > 0.5);
            }
        }
    }

    #[test]
    fn silence_and_hostile_input_are_unvoiced_without_panic() {
        let mut est = PitchEstimate::default();
        let mut corr = 0.5;
        let x = vec![0f32; 40 * 16];
        assert!(!pitch_analysis_core_flp(
            &x, &mut est, &mut corr, 100, 0.7, 0.3, 16, 2, 4
        ));
        assert_eq!(corr, 0.0);
        let mut seed = 9u32;
        for round in 0..40 {
            let mut x: Vec<f32> = (0..40 * 16)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    ((seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 80000.0
                })
                .collect();
            if round % 4 == 1 {
                x[round * 7] = f32::NAN;
            }
            if round % 4 == 2 {
                x.iter_mut().for_each(|v| *v = f32::INFINITY);
            }
            for &fs in &[8, 12, 16] {
                for &nb in &[2, 4] {
                    for cx in -1..4 {
                        let mut corr = 0.3;
                        let _ = pitch_analysis_core_flp(
                            &x, &mut est, &mut corr, 77, 0.5, 0.2, fs, cx, nb,
                        );
                    }
                }
            }
        }
    }
}

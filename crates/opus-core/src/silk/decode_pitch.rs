//! Pitch lag reconstruction, RFC 6716 §4.2.7.6.1 (libopus `silk/decode_pitch.c`).
//!
//! Input: the primary lag index and contour index of a voiced frame. Output:
//! one pitch lag per subframe, in samples, clamped to 2..18 ms.

use super::fixed::{limit, smulbb};
use super::structs::{PE_MAX_LAG_MS, PE_MAX_NB_SUBFR, PE_MIN_LAG_MS};
use super::tables_pitch_lag::{
    CB_LAGS_STAGE2, CB_LAGS_STAGE2_10_MS, CB_LAGS_STAGE3, CB_LAGS_STAGE3_10_MS,
};

/// Rebuilds the per-subframe pitch lags (libopus `silk_decode_pitch`).
///
/// `fs_khz` is 8, 12 or 16 and `nb_subfr` 2 or 4; `contour_index` must be
/// below the contour codebook size, which the contour iCDF guarantees.
pub fn decode_pitch(
    lag_index: i16,
    contour_index: i8,
    pitch_lags: &mut [i32],
    fs_khz: i32,
    nb_subfr: usize,
) {
    let min_lag = smulbb(PE_MIN_LAG_MS, fs_khz);
    let max_lag = smulbb(PE_MAX_LAG_MS, fs_khz);
    let lag = min_lag + lag_index as i32;
    let c = contour_index.max(0) as usize;
    for (k, out) in pitch_lags.iter_mut().enumerate().take(nb_subfr) {
        let offset = if fs_khz == 8 {
            if nb_subfr == PE_MAX_NB_SUBFR {
                CB_LAGS_STAGE2[k][c]
            } else {
                CB_LAGS_STAGE2_10_MS[k][c]
            }
        } else if nb_subfr == PE_MAX_NB_SUBFR {
            CB_LAGS_STAGE3[k][c]
        } else {
            CB_LAGS_STAGE3_10_MS[k][c]
        };
        *out = limit(lag + offset as i32, min_lag, max_lag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lags_stay_in_range() {
        for &(fs, nb, n_contours) in &[(8, 4, 11), (8, 2, 3), (12, 4, 34), (16, 2, 12)] {
            for lag_index in [-50i16, 0, 100, 300, i16::MAX] {
                for c in 0..n_contours {
                    let mut lags = [0; 4];
                    decode_pitch(lag_index, c as i8, &mut lags, fs, nb);
                    for &l in &lags[..nb] {
                        assert!((2 * fs..=18 * fs).contains(&l));
                    }
                }
            }
        }
        let mut lags = [0; 4];
        decode_pitch(10, 0, &mut lags, 16, 4);
        assert_eq!(lags, [42; 4]);
    }
}

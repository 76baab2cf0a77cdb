//! Subframe gain dequantisation, RFC 6716 §4.2.7.4 (libopus `silk/gain_quant.c`).
//!
//! Input: the gain indices of a frame (absolute or delta for the first
//! subframe, deltas after). Output: linear gains in Q16. The last index is
//! carried across frames for delta coding.

use super::fixed::{log2lin, smulwb};
use super::structs::{
    MAX_DELTA_GAIN_QUANT, MAX_NB_SUBFR, MAX_QGAIN_DB, MIN_DELTA_GAIN_QUANT, MIN_QGAIN_DB,
    N_LEVELS_QGAIN,
};

/// Log-domain offset of gain level 0, Q7 (libopus `OFFSET`).
const OFFSET: i32 = (MIN_QGAIN_DB * 128) / 6 + 16 * 128;
/// Log-domain step between gain levels, Q16 (libopus `INV_SCALE_Q16`).
const INV_SCALE_Q16: i32 =
    (65536 * (((MAX_QGAIN_DB - MIN_QGAIN_DB) * 128) / 6)) / (N_LEVELS_QGAIN - 1);
/// 31 in Q7: the largest log gain passed to `log2lin`.
const MAX_LOG_GAIN_Q7: i32 = 3967;

/// Turns gain indices into Q16 gains (libopus `silk_gains_dequant`).
///
/// `prev_ind` is the running index, updated in place. `conditional` says the
/// first subframe is delta coded too.
pub fn gains_dequant(
    gain_q16: &mut [i32; MAX_NB_SUBFR],
    ind: &[i8; MAX_NB_SUBFR],
    prev_ind: &mut i8,
    conditional: bool,
    nb_subfr: usize,
) {
    let mut prev = *prev_ind as i32;
    for k in 0..nb_subfr {
        if k == 0 && !conditional {
            // An absolute index may drop at most 16 levels below the last one.
            prev = (ind[k] as i32).max(prev - 16);
        } else {
            let ind_tmp = ind[k] as i32 + MIN_DELTA_GAIN_QUANT;
            // Above this threshold each delta step counts double.
            let double_step_size_threshold = 2 * MAX_DELTA_GAIN_QUANT - N_LEVELS_QGAIN + prev;
            if ind_tmp > double_step_size_threshold {
                prev += (ind_tmp << 1) - double_step_size_threshold;
            } else {
                prev += ind_tmp;
            }
        }
        // libopus stores the running index as an `opus_int8` before clamping.
        prev = (prev as i8 as i32).clamp(0, N_LEVELS_QGAIN - 1);
        gain_q16[k] = log2lin((smulwb(INV_SCALE_Q16, prev) + OFFSET).min(MAX_LOG_GAIN_Q7));
    }
    *prev_ind = prev as i8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_constants() {
        assert_eq!(OFFSET, 2090);
        assert_eq!(INV_SCALE_Q16, 1_907_825);
    }

    #[test]
    fn gains_are_monotonic_in_index_and_bounded() {
        let mut last = 0;
        for i in 0..64i8 {
            let mut g = [0; 4];
            let mut prev = 0i8;
            gains_dequant(&mut g, &[i, 4, 4, 4], &mut prev, false, 4);
            assert_eq!(prev, i);
            assert!(g[0] > last);
            assert_eq!(g, [g[0]; 4]);
            last = g[0];
        }
        // Largest deltas from the top saturate at level 63.
        let mut g = [0; 4];
        let mut prev = 63i8;
        gains_dequant(&mut g, &[40; 4], &mut prev, true, 4);
        assert_eq!(prev, 63);
        // Large drop of an absolute index is limited to 16 levels.
        let mut prev = 40i8;
        gains_dequant(&mut g, &[0, 4, 4, 4], &mut prev, false, 2);
        assert_eq!(prev, 24);
    }
}

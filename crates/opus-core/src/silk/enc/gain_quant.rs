//! Subframe gain quantisation (libopus `silk_gains_quant` and
//! `silk_gains_ID` in `silk/gain_quant.c`); the inverse of
//! [`gains_dequant`](super::super::gain_quant::gains_dequant).

use super::super::fixed::{limit, lin2log, log2lin, smulwb};
use super::super::structs::{
    MAX_DELTA_GAIN_QUANT, MAX_NB_SUBFR, MAX_QGAIN_DB, MIN_DELTA_GAIN_QUANT, MIN_QGAIN_DB,
    N_LEVELS_QGAIN,
};

/// Log-domain offset of gain level 0, Q7 (libopus `OFFSET`).
const OFFSET: i32 = (MIN_QGAIN_DB * 128) / 6 + 16 * 128;
/// Levels per log-domain unit, Q16 (libopus `SCALE_Q16`).
const SCALE_Q16: i32 = (65536 * (N_LEVELS_QGAIN - 1)) / (((MAX_QGAIN_DB - MIN_QGAIN_DB) * 128) / 6);
/// Log-domain step between gain levels, Q16 (libopus `INV_SCALE_Q16`).
const INV_SCALE_Q16: i32 =
    (65536 * (((MAX_QGAIN_DB - MIN_QGAIN_DB) * 128) / 6)) / (N_LEVELS_QGAIN - 1);
/// 31 in Q7: the largest log gain passed to `log2lin`.
const MAX_LOG_GAIN_Q7: i32 = 3967;

/// Quantises Q16 gains to indices and replaces them with the quantised gains
/// (libopus `silk_gains_quant`).
///
/// `prev_ind` is the running index; `conditional` delta-codes the first
/// subframe too.
pub fn gains_quant(
    ind: &mut [i8; MAX_NB_SUBFR],
    gain_q16: &mut [i32; MAX_NB_SUBFR],
    prev_ind: &mut i8,
    conditional: bool,
    nb_subfr: usize,
) {
    for k in 0..nb_subfr {
        // The product is stored in an 8-bit index, as in libopus.
        let mut ik = smulwb(SCALE_Q16, lin2log(gain_q16[k]) - OFFSET) as i8 as i32;
        if ik < *prev_ind as i32 {
            ik += 1;
        }
        ik = limit(ik, 0, N_LEVELS_QGAIN - 1);
        let mut prev = *prev_ind as i32;
        if k == 0 && !conditional {
            ik = limit(ik, prev + MIN_DELTA_GAIN_QUANT, N_LEVELS_QGAIN - 1);
            prev = ik;
        } else {
            ik -= prev;
            let thr = 2 * MAX_DELTA_GAIN_QUANT - N_LEVELS_QGAIN + prev;
            if ik > thr {
                ik = thr + ((ik - thr + 1) >> 1);
            }
            ik = limit(ik, MIN_DELTA_GAIN_QUANT, MAX_DELTA_GAIN_QUANT);
            if ik > thr {
                prev += (ik << 1) - thr;
                prev = prev.min(N_LEVELS_QGAIN - 1);
            } else {
                prev += ik;
            }
            ik -= MIN_DELTA_GAIN_QUANT;
        }
        *prev_ind = prev as i8;
        ind[k] = ik as i8;
        gain_q16[k] = log2lin((smulwb(INV_SCALE_Q16, prev) + OFFSET).min(MAX_LOG_GAIN_Q7));
    }
}

/// A single number identifying a set of gain indices (libopus `silk_gains_ID`).
pub fn gains_id(ind: &[i8; MAX_NB_SUBFR], nb_subfr: usize) -> i32 {
    let mut id = 0i32;
    for &i in ind.iter().take(nb_subfr) {
        id = (i as i32).wrapping_add(id.wrapping_shl(8));
    }
    id
}

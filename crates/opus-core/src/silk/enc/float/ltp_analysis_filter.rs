//! Long-term (pitch) analysis filter (libopus `silk/float/LTP_analysis_filter_FLP.c`).

use crate::silk::structs::LTP_ORDER;

/// Filters each of `nb_subfr` subframes by its 5-tap LTP filter
/// `b[k * LTP_ORDER..][..LTP_ORDER]` around lag `pitch_l[k]` and scales the
/// residual by `inv_gains[k]` (libopus `silk_LTP_analysis_filter_FLP`).
///
/// `x` is the whole signal buffer and `x_start` the index of the first
/// sample to filter; subframe `k` covers `pre_length + subfr_length` samples
/// from `x_start + k * subfr_length` and writes them to
/// `ltp_res[k * (pre_length + subfr_length)..]`. The filter reads
/// `x[x_start + k * subfr_length - pitch_l[k] - LTP_ORDER / 2..]`, so `x_start`
/// must leave room for the largest lag. Each tap is subtracted in `f32` in
/// order, then the sum is scaled.
///
/// # Panics
/// If a lag is negative or reaches before the start of `x`, or a slice is
/// too short.
#[allow(clippy::too_many_arguments)]
pub fn ltp_analysis_filter_flp(
    ltp_res: &mut [f32],
    x: &[f32],
    x_start: usize,
    b: &[f32],
    pitch_l: &[i32],
    inv_gains: &[f32],
    subfr_length: usize,
    nb_subfr: usize,
    pre_length: usize,
) {
    let len = subfr_length + pre_length;
    for k in 0..nb_subfr {
        let x0 = x_start + k * subfr_length;
        let lag = usize::try_from(pitch_l[k]).unwrap_or(0);
        // x_lag[i + LTP_ORDER / 2 - j] in libopus terms starts here for j = 4.
        let lag_base = x0 - lag - LTP_ORDER / 2;
        let btmp = &b[k * LTP_ORDER..(k + 1) * LTP_ORDER];
        let inv_gain = inv_gains[k];
        let out = &mut ltp_res[k * len..(k + 1) * len];
        for (i, o) in out.iter_mut().enumerate() {
            let mut r = x[x0 + i];
            for j in 0..LTP_ORDER {
                r -= btmp[j] * x[lag_base + i + LTP_ORDER - 1 - j];
            }
            *o = r * inv_gain;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_a_periodic_component() {
        // x[n] = x[n - 10]: centre tap 1 at lag 10 leaves zero residual.
        let x: Vec<f32> = (0..60).map(|n| ((n % 10) as f32) - 4.0).collect();
        let mut b = [0f32; 2 * LTP_ORDER];
        b[2] = 1.0;
        b[LTP_ORDER + 2] = 1.0;
        let mut res = [1f32; 2 * 12];
        ltp_analysis_filter_flp(&mut res, &x, 20, &b, &[10, 10], &[2.0, 0.5], 10, 2, 2);
        assert!(res.iter().all(|&v| v == 0.0));
        b[2] = 0.0;
        ltp_analysis_filter_flp(&mut res, &x, 20, &b, &[10, 10], &[2.0, 0.5], 10, 2, 2);
        assert_eq!(res[0], x[20] * 2.0);
    }
}

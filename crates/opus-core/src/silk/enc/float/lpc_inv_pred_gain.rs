//! Inverse prediction gain and stability test of a float LPC filter
//! (libopus `silk/float/LPC_inv_pred_gain_FLP.c`).

use super::MAX_PREDICTION_POWER_GAIN;
use crate::silk::structs::MAX_LPC_ORDER;

/// Returns the inverse of the prediction gain of `a[..order]` (energy
/// domain), or 0 when the filter is unstable or its gain exceeds
/// `MAX_PREDICTION_POWER_GAIN` (libopus `silk_LPC_inverse_pred_gain_FLP`).
/// Runs the step-down recursion in `f64`, storing the coefficients of each
/// order back in `f32`.
///
/// # Panics
/// If `order` is 0 or above `MAX_LPC_ORDER`, or `a` is shorter than `order`.
pub fn lpc_inverse_pred_gain_flp(a: &[f32], order: usize) -> f32 {
    assert!((1..=MAX_LPC_ORDER).contains(&order));
    let mut atmp = [0f32; MAX_LPC_ORDER];
    atmp[..order].copy_from_slice(&a[..order]);
    let max_gain = MAX_PREDICTION_POWER_GAIN as f64;

    let mut inv_gain = 1.0f64;
    for k in (1..order).rev() {
        let rc = -atmp[k] as f64;
        let rc_mult1 = 1.0 - rc * rc;
        inv_gain *= rc_mult1;
        if inv_gain * max_gain < 1.0 {
            return 0.0;
        }
        let rc_mult2 = 1.0 / rc_mult1;
        for n in 0..(k + 1) >> 1 {
            let tmp1 = atmp[n] as f64;
            let tmp2 = atmp[k - n - 1] as f64;
            atmp[n] = ((tmp1 - tmp2 * rc) * rc_mult2) as f32;
            atmp[k - n - 1] = ((tmp2 - tmp1 * rc) * rc_mult2) as f32;
        }
    }
    let rc = -atmp[0] as f64;
    let rc_mult1 = 1.0 - rc * rc;
    inv_gain *= rc_mult1;
    if inv_gain * max_gain < 1.0 {
        return 0.0;
    }
    inv_gain as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_gains() {
        assert_eq!(lpc_inverse_pred_gain_flp(&[0.5], 1), 0.75);
        assert_eq!(lpc_inverse_pred_gain_flp(&[0.0, 0.0], 2), 1.0);
        // Unstable: |k| >= 1.
        assert_eq!(lpc_inverse_pred_gain_flp(&[1.5], 1), 0.0);
        assert_eq!(lpc_inverse_pred_gain_flp(&[0.0, -1.0], 2), 0.0);
        let _ = lpc_inverse_pred_gain_flp(&[f32::NAN, 1.0], 2);
    }
}

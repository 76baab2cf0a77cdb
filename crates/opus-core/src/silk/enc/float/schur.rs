//! Schur recursion on float autocorrelations (libopus `silk/float/schur_FLP.c`).

/// Largest order [`schur_flp`] handles (libopus `SILK_MAX_ORDER_LPC`).
pub const SCHUR_MAX_ORDER: usize = 24;

/// Computes `order` reflection coefficients from `auto_corr[..=order]` and
/// returns the residual energy (libopus `silk_schur_FLP`). The recursion runs
/// in `f64`; the zero-lag term is floored at `1e-9` in each division, so an
/// all-zero input gives zero coefficients.
///
/// # Panics
/// If `order > SCHUR_MAX_ORDER`, or a slice is too short.
pub fn schur_flp(refl_coef: &mut [f32], auto_corr: &[f32], order: usize) -> f32 {
    assert!(order <= SCHUR_MAX_ORDER);
    let mut c = [[0f64; 2]; SCHUR_MAX_ORDER + 1];
    for (ck, &a) in c.iter_mut().zip(&auto_corr[..=order]) {
        *ck = [a as f64, a as f64];
    }
    for k in 0..order {
        let den = if c[0][1] > 1e-9f32 as f64 {
            c[0][1]
        } else {
            1e-9f32 as f64
        };
        let rc_tmp = -c[k + 1][0] / den;
        refl_coef[k] = rc_tmp as f32;
        for n in 0..order - k {
            let ctmp1 = c[n + k + 1][0];
            let ctmp2 = c[n][1];
            c[n + k + 1][0] = ctmp1 + ctmp2 * rc_tmp;
            c[n][1] = ctmp2 + ctmp1 * rc_tmp;
        }
    }
    c[0][1] as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_order_process() {
        // x[n] = 0.5 x[n-1] + e: r = [1, 0.5, 0.25] gives k = [-0.5, 0].
        let mut k = [0f32; 2];
        let e = schur_flp(&mut k, &[1.0, 0.5, 0.25], 2);
        assert_eq!(k, [-0.5, 0.0]);
        assert_eq!(e, 0.75);
        // Zero input.
        let e = schur_flp(&mut k, &[0.0, 0.0, 0.0], 2);
        assert_eq!((k, e), ([0.0, 0.0], 0.0));
        // NaN does not panic.
        let _ = schur_flp(&mut k, &[f32::NAN, 1.0, 0.0], 2);
    }
}

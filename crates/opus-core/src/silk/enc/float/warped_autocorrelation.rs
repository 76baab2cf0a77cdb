//! Autocorrelation on a warped frequency axis
//! (libopus `silk/float/warped_autocorrelation_FLP.c`).

/// Largest order [`warped_autocorrelation_flp`] handles (libopus `MAX_SHAPE_LPC_ORDER`).
pub const WARPED_MAX_ORDER: usize = 24;

/// Correlations `corr[..=order]` of `input` with its outputs through a chain
/// of `order` first-order allpass sections of coefficient `warping` (libopus
/// `silk_warped_autocorrelation_FLP`), in `f64`. `order` must be even; an
/// odd order is rounded down.
///
/// # Panics
/// If `order > WARPED_MAX_ORDER` or `corr` is shorter than `order + 1`.
pub fn warped_autocorrelation_flp(corr: &mut [f32], input: &[f32], warping: f32, order: usize) {
    assert!(order <= WARPED_MAX_ORDER);
    let order = order & !1;
    let w = warping as f64;
    let mut state = [0f64; WARPED_MAX_ORDER + 1];
    let mut c = [0f64; WARPED_MAX_ORDER + 1];
    for &x in input {
        let mut tmp1 = x as f64;
        let mut i = 0;
        while i < order {
            // Two products instead of one factored one, as the reference.
            let tmp2 = state[i] + w * state[i + 1] - w * tmp1;
            state[i] = tmp1;
            c[i] += state[0] * tmp1;
            tmp1 = state[i + 1] + w * state[i + 2] - w * tmp2;
            state[i + 1] = tmp2;
            c[i + 1] += state[0] * tmp2;
            i += 2;
        }
        state[order] = tmp1;
        c[order] += state[0] * tmp1;
    }
    for (o, &v) in corr[..=order].iter_mut().zip(&c) {
        *o = v as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_warping_is_plain_autocorrelation() {
        let x = [1.0f32, 2.0, 3.0, -1.0];
        let mut c = [0f32; 3];
        warped_autocorrelation_flp(&mut c, &x, 0.0, 2);
        assert_eq!(c, [15.0, 5.0, 1.0]);
    }
}

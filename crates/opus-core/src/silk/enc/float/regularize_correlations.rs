//! Diagonal loading of a correlation matrix
//! (libopus `silk/float/regularize_correlations_FLP.c`).

/// Adds `noise` to the diagonal of the `d x d` matrix `xx` and to `xx0[0]`
/// (libopus `silk_regularize_correlations_FLP`).
///
/// # Panics
/// If `xx` is shorter than `d * d` or `xx0` is empty.
pub fn regularize_correlations_flp(xx: &mut [f32], xx0: &mut [f32], noise: f32, d: usize) {
    for i in 0..d {
        xx[i * d + i] += noise;
    }
    xx0[0] += noise;
}

#[cfg(test)]
mod tests {
    #[test]
    fn loads_diagonal() {
        let mut m = [1f32; 4];
        let mut v = [2f32];
        super::regularize_correlations_flp(&mut m, &mut v, 0.5, 2);
        assert_eq!((m, v), ([1.5, 1.0, 1.0, 1.5], [2.5]));
    }
}

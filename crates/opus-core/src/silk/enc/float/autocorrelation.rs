//! Autocorrelation of a float vector (libopus `silk/float/autocorrelation_FLP.c`).

use super::inner_product::inner_product_flp;

/// `results[i] = sum_j x[j] x[j + i]` for `i < min(count, x.len())`, each
/// lag computed by [`inner_product_flp`] and rounded to `f32` (libopus
/// `silk_autocorrelation_FLP`). Entries past that are left untouched.
///
/// # Panics
/// If `results` is shorter than `min(count, x.len())`.
pub fn autocorrelation_flp(results: &mut [f32], x: &[f32], count: usize) {
    let n = x.len();
    let count = count.min(n);
    for (i, r) in results[..count].iter_mut().enumerate() {
        *r = inner_product_flp(x, &x[i..], n - i) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_case() {
        let mut r = [0f32; 4];
        autocorrelation_flp(&mut r, &[1.0, 2.0, 3.0], 4);
        assert_eq!(r, [14.0, 8.0, 3.0, 0.0]);
    }
}

//! Energy of a float vector with a double-precision accumulator
//! (libopus `silk/float/energy_FLP.c`).

/// `sum(x[i]^2)` accumulated in `f64` (libopus `silk_energy_FLP`), with the
/// same grouping as [`super::inner_product::inner_product_flp`]: sums of four
/// squares are added to the total, then the tail one square at a time.
#[inline]
pub fn energy_flp(x: &[f32]) -> f64 {
    let n = x.len();
    let mut result = 0.0f64;
    let mut i = 0;
    while i + 3 < n {
        result += x[i] as f64 * x[i] as f64
            + x[i + 1] as f64 * x[i + 1] as f64
            + x[i + 2] as f64 * x[i + 2] as f64
            + x[i + 3] as f64 * x[i + 3] as f64;
        i += 4;
    }
    while i < n {
        result += x[i] as f64 * x[i] as f64;
        i += 1;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cases() {
        assert_eq!(energy_flp(&[]), 0.0);
        assert_eq!(energy_flp(&[3.0]), 9.0);
        assert_eq!(energy_flp(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), 91.0);
        assert!(energy_flp(&[f32::NAN, 1.0]).is_nan());
    }

    #[test]
    fn matches_inner_product_with_itself() {
        let x: Vec<f32> = (0..37).map(|i| (i as f32 * 0.77).sin() * 1000.0).collect();
        assert_eq!(
            energy_flp(&x),
            super::super::inner_product::inner_product_flp(&x, &x, x.len())
        );
    }
}

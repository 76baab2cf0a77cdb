//! Dot product of two float vectors with a double-precision accumulator
//! (libopus `silk/float/inner_product_FLP.c`, the plain C version).

/// `sum(a[i] * b[i])` for `i < n`, accumulated in `f64` (libopus
/// `silk_inner_product_FLP_c`).
///
/// Four products are added together first and their sum is then added to the
/// running total, as the reference's 4-way unrolled loop does; the tail is
/// added one product at a time. Each product is formed in `f64` from the
/// widened inputs.
///
/// # Panics
/// If `a` or `b` is shorter than `n`.
#[inline]
pub fn inner_product_flp(a: &[f32], b: &[f32], n: usize) -> f64 {
    let a = &a[..n];
    let b = &b[..n];
    let mut result = 0.0f64;
    let mut i = 0;
    while i + 3 < n {
        result += a[i] as f64 * b[i] as f64
            + a[i + 1] as f64 * b[i + 1] as f64
            + a[i + 2] as f64 * b[i + 2] as f64
            + a[i + 3] as f64 * b[i + 3] as f64;
        i += 4;
    }
    while i < n {
        result += a[i] as f64 * b[i] as f64;
        i += 1;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cases() {
        assert_eq!(inner_product_flp(&[], &[], 0), 0.0);
        assert_eq!(
            inner_product_flp(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], 3),
            32.0
        );
        let a = [1.0f32; 9];
        let b = [2.0f32; 9];
        assert_eq!(inner_product_flp(&a, &b, 9), 18.0);
        assert_eq!(inner_product_flp(&a, &b, 5), 10.0);
    }

    #[test]
    fn grouping_of_four() {
        // 1e20 + 1 - 1e20 + 1 grouped as ((1e20 + 1) - 1e20) + 1 = 1, and the
        // group is then added to 0: the first four terms give 1, not 2.
        let a = [1e10f32, 1.0, -1e10, 1.0, 3.0];
        let b = [1e10f32, 1.0, 1e10, 1.0, 1.0];
        let r = inner_product_flp(&a, &b, 5);
        let e = (((1e10f32 as f64 * 1e10f32 as f64) + 1.0) - 1e10f32 as f64 * 1e10f32 as f64) + 1.0;
        assert_eq!(r, e + 3.0);
    }
}

//! Reflection to prediction coefficients (libopus `silk/float/k2a_FLP.c`).

/// Step-up recursion: turns reflection coefficients `rc[..order]` into
/// direct-form prediction coefficients `a[..order]` (libopus `silk_k2a_FLP`),
/// in `f32`.
///
/// # Panics
/// If `a` or `rc` is shorter than `order`.
pub fn k2a_flp(a: &mut [f32], rc: &[f32], order: usize) {
    for k in 0..order {
        let rck = rc[k];
        for n in 0..(k + 1) >> 1 {
            let tmp1 = a[n];
            let tmp2 = a[k - n - 1];
            a[n] = tmp1 + tmp2 * rck;
            a[k - n - 1] = tmp2 + tmp1 * rck;
        }
        a[k] = -rck;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_orders() {
        let mut a = [0f32; 2];
        k2a_flp(&mut a, &[0.5, 0.25], 2);
        // Order 1: a = [-0.5]; order 2: a0 = -0.5 + (-0.5)(0.25), a1 = -0.25.
        assert_eq!(a, [-0.625, -0.25]);
    }
}

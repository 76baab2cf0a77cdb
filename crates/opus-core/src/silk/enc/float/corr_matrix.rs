//! Correlation matrix and vector for least-squares estimation
//! (libopus `silk/float/corrMatrix_FLP.c`).
//!
//! `X` is the `l x order` matrix whose column `j` is `x[order - 1 - j..][..l]`
//! (the signal delayed by `j`).

use super::energy::energy_flp;
use super::inner_product::inner_product_flp;

/// `xt[lag] = X[:, lag]' t` for `lag < order` (libopus `silk_corrVector_FLP`).
///
/// # Panics
/// If `x` is shorter than `l + order - 1`, `t` shorter than `l`, or `xt`
/// shorter than `order`.
pub fn corr_vector_flp(x: &[f32], t: &[f32], l: usize, order: usize, xt: &mut [f32]) {
    for lag in 0..order {
        xt[lag] = inner_product_flp(&x[order - 1 - lag..], t, l) as f32;
    }
}

/// `xx = X' X`, an `order x order` row-major symmetric matrix (libopus
/// `silk_corrMatrix_FLP`). The diagonal and each off-diagonal are computed
/// recursively from their first element, in `f64`, with the single-precision
/// update terms the reference uses.
///
/// # Panics
/// If `order == 0`, `x` is shorter than `l + order - 1`, or `xx` shorter
/// than `order * order`.
pub fn corr_matrix_flp(x: &[f32], l: usize, order: usize, xx: &mut [f32]) {
    let p1 = order - 1;
    let x = &x[..l + order - 1];
    let mut energy = energy_flp(&x[p1..p1 + l]);
    xx[0] = energy as f32;
    for j in 1..order {
        energy += (x[p1 - j] * x[p1 - j] - x[p1 + l - j] * x[p1 + l - j]) as f64;
        xx[j * order + j] = energy as f32;
    }

    for lag in 1..order {
        let p2 = p1 - lag;
        let mut energy = inner_product_flp(&x[p1..], &x[p2..], l);
        xx[lag * order] = energy as f32;
        xx[lag] = energy as f32;
        for j in 1..order - lag {
            energy += (x[p1 - j] * x[p2 - j] - x[p1 + l - j] * x[p2 + l - j]) as f64;
            xx[(lag + j) * order + j] = energy as f32;
            xx[j * order + lag + j] = energy as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_direct_sums() {
        let x: Vec<f32> = (0..24).map(|i| ((i * 7 % 11) as f32) - 5.0).collect();
        let (l, order) = (20usize, 5usize);
        let mut xx = [0f32; 25];
        corr_matrix_flp(&x, l, order, &mut xx);
        for r in 0..order {
            for c in 0..order {
                let s: f32 = (0..l)
                    .map(|i| x[order - 1 - r + i] * x[order - 1 - c + i])
                    .sum();
                assert_eq!(xx[r * order + c], s, "{r} {c}");
            }
        }
        let t: Vec<f32> = (0..l).map(|i| i as f32).collect();
        let mut xt = [0f32; 5];
        corr_vector_flp(&x, &t, l, order, &mut xt);
        for lag in 0..order {
            let s: f32 = (0..l).map(|i| x[order - 1 - lag + i] * t[i]).sum();
            assert_eq!(xt[lag], s);
        }
    }
}

//! Residual energies of the LPC analysis (libopus `silk/float/residual_energy_FLP.c`).

use super::energy::energy_flp;
use super::lpc_analysis_filter::lpc_analysis_filter_flp;
use crate::silk::structs::{MAX_FRAME_LENGTH, MAX_LPC_ORDER, MAX_NB_SUBFR};

/// Attempts of [`residual_energy_covar_flp`] to make the energy positive
/// (libopus `MAX_ITERATIONS_RESIDUAL_NRG`).
const MAX_ITERATIONS_RESIDUAL_NRG: usize = 10;
/// Initial diagonal loading relative to the matrix corners
/// (libopus `REGULARIZATION_FACTOR`).
const REGULARIZATION_FACTOR: f32 = 1e-8;

/// Weighted residual energy `wxx - 2 c' wXx + c' wXX c` of filter `c[..d]`
/// (libopus `silk_residual_energy_covar_FLP`). `w_xx_mat` is `d x d`,
/// symmetric, read column-major; while the energy is not positive, white
/// noise is added to its diagonal (doubling each time, up to ten times) and
/// the energy recomputed; after that it returns 1.
///
/// # Panics
/// If a slice is shorter than the dimension needs.
pub fn residual_energy_covar_flp(
    c: &[f32],
    w_xx_mat: &mut [f32],
    w_xx_vec: &[f32],
    wxx: f32,
    d: usize,
) -> f32 {
    if d == 0 {
        return wxx;
    }
    let mut nrg = 0.0f32;
    let mut regularization = REGULARIZATION_FACTOR * (w_xx_mat[0] + w_xx_mat[d * d - 1]);
    let mut k = 0;
    while k < MAX_ITERATIONS_RESIDUAL_NRG {
        nrg = wxx;
        let mut tmp = 0.0f32;
        for i in 0..d {
            tmp += w_xx_vec[i] * c[i];
        }
        nrg -= 2.0f32 * tmp;
        for i in 0..d {
            let mut tmp = 0.0f32;
            for j in i + 1..d {
                tmp += w_xx_mat[i + d * j] * c[j];
            }
            nrg += c[i] * (2.0f32 * tmp + w_xx_mat[i + d * i] * c[i]);
        }
        if nrg > 0.0 {
            break;
        }
        for i in 0..d {
            w_xx_mat[i + d * i] += regularization;
        }
        regularization *= 2.0f32;
        k += 1;
    }
    if k == MAX_ITERATIONS_RESIDUAL_NRG {
        nrg = 1.0;
    }
    nrg
}

/// Residual energy of each subframe, filtered by the LPC filter of its frame
/// half and scaled by the squared gain (libopus `silk_residual_energy_FLP`).
///
/// `x` holds `nb_subfr` subframes of `lpc_order + subfr_length` samples, each
/// led by `lpc_order` history samples; `a[0]` filters the first two, `a[1]`
/// the last two (20 ms frames only). `nb_subfr` is 2 or 4.
///
/// # Panics
/// If `lpc_order + subfr_length` exceeds the 10 ms frame half plus history,
/// or a slice is too short.
pub fn residual_energy_flp(
    nrgs: &mut [f32; MAX_NB_SUBFR],
    x: &[f32],
    a: &[[f32; MAX_LPC_ORDER]; 2],
    gains: &[f32],
    subfr_length: usize,
    nb_subfr: usize,
    lpc_order: usize,
) {
    let mut lpc_res = [0f32; (MAX_FRAME_LENGTH + MAX_NB_SUBFR * MAX_LPC_ORDER) / 2];
    let shift = lpc_order + subfr_length;
    let halves = if nb_subfr == MAX_NB_SUBFR { 2 } else { 1 };
    for h in 0..halves {
        lpc_analysis_filter_flp(
            &mut lpc_res,
            &a[h],
            &x[2 * h * shift..],
            2 * shift,
            lpc_order,
        );
        for s in 0..2 {
            let k = 2 * h + s;
            let res = &lpc_res[lpc_order + s * shift..][..subfr_length];
            nrgs[k] = ((gains[k] * gains[k]) as f64 * energy_flp(res)) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covar_energy_of_known_system() {
        // Identity correlation: nrg = wxx - 2 c.v + |c|^2.
        let mut m = [1.0f32, 0.0, 0.0, 1.0];
        let e = residual_energy_covar_flp(&[0.5, 0.25], &mut m, &[1.0, 0.0], 4.0, 2);
        assert_eq!(e, 4.0 - 1.0 + 0.3125);
        // Never positive: falls back to 1.
        let mut m = [0.0f32; 4];
        assert_eq!(
            residual_energy_covar_flp(&[0.0, 0.0], &mut m, &[0.0, 0.0], 0.0, 2),
            1.0
        );
    }

    #[test]
    fn energies_of_white_input() {
        let x: Vec<f32> = (0..4 * 90).map(|i| ((i * 37 % 17) as f32) - 8.0).collect();
        let a = [[0f32; MAX_LPC_ORDER]; 2];
        let mut nrgs = [0f32; 4];
        residual_energy_flp(&mut nrgs, &x, &a, &[1.0, 2.0, 1.0, 0.5], 80, 4, 10);
        for k in 0..4 {
            let g = [1.0f32, 2.0, 1.0, 0.5][k];
            let e: f64 = x[k * 90 + 10..k * 90 + 90]
                .iter()
                .map(|&v| (v * v) as f64)
                .sum();
            assert_eq!(nrgs[k], ((g * g) as f64 * e) as f32);
        }
    }
}

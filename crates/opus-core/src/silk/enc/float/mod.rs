//! Float signal-processing kernels of the SILK encoder's analysis
//! (libopus `silk/float/*_FLP.c` and `silk/float/SigProc_FLP.h`).
//!
//! One module per libopus file. These follow libopus's generic C build
//! (no SIMD, no fused multiply-add) operation for operation: accumulations
//! the reference does in `double` are done in `f64`, unrolled sums keep
//! their grouping, so results are bit-exact with it.

pub mod a2nlsf;
pub mod apply_sine_window;
pub mod autocorrelation;
pub mod burg_modified;
pub mod bwexpander;
pub mod corr_matrix;
pub mod energy;
pub mod inner_product;
pub mod k2a;
pub mod lpc_analysis_filter;
pub mod lpc_inv_pred_gain;
pub mod ltp_analysis_filter;
pub mod pitch_analysis_core;
pub mod regularize_correlations;
pub mod residual_energy;
pub mod scale_copy_vector;
pub mod scale_vector;
pub mod schur;
pub mod sort;
pub mod warped_autocorrelation;
pub mod wrappers;

pub use a2nlsf::a2nlsf;
pub use apply_sine_window::apply_sine_window_flp;
pub use autocorrelation::autocorrelation_flp;
pub use burg_modified::burg_modified_flp;
pub use bwexpander::bwexpander_flp;
pub use corr_matrix::{corr_matrix_flp, corr_vector_flp};
pub use energy::energy_flp;
pub use inner_product::inner_product_flp;
pub use k2a::k2a_flp;
pub use lpc_analysis_filter::lpc_analysis_filter_flp;
pub use lpc_inv_pred_gain::lpc_inverse_pred_gain_flp;
pub use ltp_analysis_filter::ltp_analysis_filter_flp;
pub use pitch_analysis_core::{pitch_analysis_core_flp, PitchEstimate};
pub use regularize_correlations::regularize_correlations_flp;
pub use residual_energy::{residual_energy_covar_flp, residual_energy_flp};
pub use scale_copy_vector::scale_copy_vector_flp;
pub use scale_vector::scale_vector_flp;
pub use schur::schur_flp;
pub use sort::insertion_sort_decreasing_flp;
pub use warped_autocorrelation::warped_autocorrelation_flp;
pub use wrappers::{a2nlsf_flp, nlsf2a_flp};

pub(crate) use super::structs::{FIND_LPC_COND_FAC, MAX_PREDICTION_POWER_GAIN};

/// pi as libopus's float code has it (`PI` of `SigProc_FLP.h`, `3.1415926536f`,
/// which rounds to the same `f32`).
pub const PI: f32 = core::f32::consts::PI;

/// `1 / (1 + e^-x)` evaluated in `f64` and rounded to `f32`
/// (libopus `silk_sigmoid`).
#[inline]
pub fn silk_sigmoid(x: f32) -> f32 {
    (1.0 / (1.0 + (-x as f64).exp())) as f32
}

/// `log2(x)` as libopus computes it, `3.32192809488736 * log10(x)` in `f64`
/// rounded to `f32` (libopus `silk_log2`).
#[inline]
// libopus's literal is a few ulps off `LOG2_10`; the exact constant would
// change results.
#[allow(clippy::approx_constant)]
pub fn silk_log2(x: f64) -> f32 {
    (3.32192809488736 * x.log10()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(silk_sigmoid(0.0), 0.5);
        assert!((silk_log2(8.0) - 3.0).abs() < 1e-6);
        assert!(silk_sigmoid(f32::NAN).is_nan());
    }
}

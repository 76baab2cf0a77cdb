//! Float front ends of the fixed-point NLSF conversions
//! (the analysis part of libopus `silk/float/wrappers_FLP.c`).

use super::a2nlsf::a2nlsf;
use crate::celt::plc::float2int;
use crate::silk::nlsf::nlsf2a;
use crate::silk::structs::MAX_LPC_ORDER;

/// Converts float LPC coefficients `p_ar[..lpc_order]` to NLSFs in Q15
/// (libopus `silk_A2NLSF_FLP`): rounds them to Q16 (`lrintf`), then runs the
/// fixed-point [`a2nlsf`].
///
/// # Panics
/// If `lpc_order` is odd, zero or above `MAX_LPC_ORDER`, or a slice is too short.
pub fn a2nlsf_flp(nlsf_q15: &mut [i16], p_ar: &[f32], lpc_order: usize) {
    assert!(lpc_order <= MAX_LPC_ORDER);
    let mut a_fix_q16 = [0i32; MAX_LPC_ORDER];
    for (a, &p) in a_fix_q16.iter_mut().zip(&p_ar[..lpc_order]) {
        *a = float2int(p * 65536.0f32);
    }
    a2nlsf(nlsf_q15, &mut a_fix_q16, lpc_order);
}

/// Converts NLSFs in Q15 to float LPC coefficients `p_ar[..lpc_order]`
/// (libopus `silk_NLSF2A_FLP`): the fixed-point [`nlsf2a`] in Q12, scaled by
/// 1/4096. `lpc_order` is 10 or 16.
///
/// # Panics
/// If `lpc_order` is above `MAX_LPC_ORDER`, or a slice is too short.
pub fn nlsf2a_flp(p_ar: &mut [f32], nlsf_q15: &[i16], lpc_order: usize) {
    assert!(lpc_order <= MAX_LPC_ORDER);
    let mut a_fix_q12 = [0i16; MAX_LPC_ORDER];
    nlsf2a(&mut a_fix_q12, nlsf_q15, lpc_order);
    for (p, &a) in p_ar[..lpc_order].iter_mut().zip(&a_fix_q12) {
        *p = a as f32 * (1.0f32 / 4096.0f32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let nlsf: [i16; 10] = [
            2000, 5000, 8000, 11000, 14000, 17000, 20000, 23000, 26000, 29000,
        ];
        let mut a = [0f32; 10];
        nlsf2a_flp(&mut a, &nlsf, 10);
        let mut back = [0i16; 10];
        a2nlsf_flp(&mut back, &a, 10);
        for k in 0..10 {
            assert!((back[k] - nlsf[k]).abs() < 64, "{k}");
        }
        // NaN input does not panic.
        a2nlsf_flp(&mut back, &[f32::NAN; 10], 10);
    }
}

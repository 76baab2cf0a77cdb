//! Linear interpolation of two parameter vectors (libopus `silk/interpolate.c`),
//! as used for the NLSFs of the first half of a 20 ms frame (RFC 6716 §4.2.7.5.5).

use super::fixed::smulbb;

/// `xi = x0 + ((x1 - x0) * ifact_q2) >> 2` for the first `d` entries
/// (libopus `silk_interpolate`). `ifact_q2` is in 0..=4.
pub fn interpolate(xi: &mut [i16], x0: &[i16], x1: &[i16], ifact_q2: i32, d: usize) {
    debug_assert!((0..=4).contains(&ifact_q2));
    for i in 0..d {
        xi[i] = (x0[i] as i32 + (smulbb(x1[i] as i32 - x0[i] as i32, ifact_q2) >> 2)) as i16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_midpoint() {
        let x0 = [0i16, 100, -100, 32767];
        let x1 = [400i16, 0, 100, 0];
        let mut xi = [0i16; 4];
        interpolate(&mut xi, &x0, &x1, 0, 4);
        assert_eq!(xi, x0);
        interpolate(&mut xi, &x0, &x1, 4, 4);
        assert_eq!(xi, x1);
        interpolate(&mut xi, &x0, &x1, 2, 4);
        assert_eq!(xi, [200, 50, 0, 16383]);
    }
}

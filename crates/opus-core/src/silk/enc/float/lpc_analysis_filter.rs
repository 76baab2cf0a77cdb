//! LPC analysis (whitening) filter (libopus `silk/float/LPC_analysis_filter_FLP.c`).

/// Filters `s[..length]` by `1 - sum_j pred_coef[j] z^-(j+1)` into
/// `r_lpc[..length]` (libopus `silk_LPC_analysis_filter_FLP`). The filter
/// starts from zero state: the first `order` outputs are set to zero instead
/// of being computed. The prediction sums its `order` products left to right
/// in `f32` starting from the most recent sample, as libopus's unrolled
/// versions for orders 6, 8, 10, 12 and 16 do (other orders use the same
/// formula; libopus accepts only those five).
///
/// # Panics
/// If `order > length`, or a slice is too short.
pub fn lpc_analysis_filter_flp(
    r_lpc: &mut [f32],
    pred_coef: &[f32],
    s: &[f32],
    length: usize,
    order: usize,
) {
    assert!(order <= length);
    let coef = &pred_coef[..order];
    let s = &s[..length];
    let r_lpc = &mut r_lpc[..length];
    if order > 0 {
        for ix in order..length {
            let hist = &s[ix - order..ix];
            let mut pred = hist[order - 1] * coef[0];
            for j in 1..order {
                pred += hist[order - 1 - j] * coef[j];
            }
            r_lpc[ix] = s[ix] - pred;
        }
    } else {
        r_lpc.copy_from_slice(s);
    }
    for v in &mut r_lpc[..order] {
        *v = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitens_a_first_order_process() {
        let mut s = [0f32; 32];
        s[0] = 1.0;
        for i in 1..32 {
            s[i] = 0.5 * s[i - 1] + if i % 7 == 0 { 1.0 } else { 0.0 };
        }
        let mut coef = [0f32; 6];
        coef[0] = 0.5;
        let mut r = [9f32; 32];
        lpc_analysis_filter_flp(&mut r, &coef, &s, 32, 6);
        for (i, &v) in r.iter().enumerate() {
            let want = if i < 6 {
                0.0
            } else if i % 7 == 0 {
                1.0
            } else {
                0.0
            };
            assert_eq!(v, want, "{i}");
        }
    }
}

//! Linear prediction helpers of CELT's packet-loss concealment.
//!
//! A port of the float paths of libopus `celt/celt_lpc.c`: the Levinson-Durbin
//! recursion ([`celt_lpc`]), the FIR analysis filter ([`celt_fir`]), the IIR
//! synthesis filter ([`celt_iir`]) and the windowed autocorrelation
//! ([`celt_autocorr`]). The classic PLC uses them to turn the last decoded
//! audio into an excitation and back (RFC 6716 section 4.4). Operation order
//! follows libopus so results are bit-exact with its float build.

use super::pitch::{celt_pitch_xcorr, xcorr_kernel};

/// LPC order of the CELT PLC (libopus `CELT_LPC_ORDER`).
pub const CELT_LPC_ORDER: usize = 24;

/// Largest filter order [`celt_fir`] and [`celt_iir`] accept.
pub const MAX_FILTER_ORDER: usize = 32;

/// Levinson-Durbin recursion: `p` LPC coefficients from `p + 1`
/// autocorrelation values (libopus `_celt_lpc`, float build).
///
/// Stops early once the prediction gain reaches 30 dB; coefficients not
/// reached stay zero. The predictor convention is
/// `x[n] ~ -sum_k lpc[k] x[n-1-k]`.
///
/// # Panics
/// If `lpc` is shorter than `p` or `ac` shorter than `p + 1`.
pub fn celt_lpc(lpc: &mut [f32], ac: &[f32], p: usize) {
    let lpc = &mut lpc[..p];
    lpc.fill(0.0);
    let mut error = ac[0];
    if ac[0] > 1e-10 {
        for i in 0..p {
            // Reflection coefficient of this order.
            let mut rr: f32 = 0.0;
            for j in 0..i {
                rr += lpc[j] * ac[i - j];
            }
            rr += ac[i + 1];
            let r = -(rr / error);
            lpc[i] = r;
            for j in 0..(i + 1) >> 1 {
                let tmp1 = lpc[j];
                let tmp2 = lpc[i - 1 - j];
                lpc[j] = tmp1 + r * tmp2;
                lpc[i - 1 - j] = tmp2 + r * tmp1;
            }
            error = error - (r * r) * error;
            if error <= 0.001 * ac[0] {
                break;
            }
        }
    }
}

/// FIR filter `y[i] = x[i] + sum_j num[j] x[i-1-j]` for `i` in `0..n`
/// (libopus `celt_fir_c`, float build).
///
/// `x[x_off + i]` is sample `i`; the `ord` samples before `x_off` are history.
///
/// # Panics
/// If `x_off < ord`, `ord > MAX_FILTER_ORDER`, or a slice is too short.
pub fn celt_fir(x: &[f32], x_off: usize, num: &[f32], y: &mut [f32], n: usize, ord: usize) {
    assert!(ord <= MAX_FILTER_ORDER && x_off >= ord);
    let mut rnum_buf = [0f32; MAX_FILTER_ORDER];
    let rnum = &mut rnum_buf[..ord];
    for (i, r) in rnum.iter_mut().enumerate() {
        *r = num[ord - i - 1];
    }
    let mut i = 0;
    while i + 3 < n {
        let mut sum = [
            x[x_off + i],
            x[x_off + i + 1],
            x[x_off + i + 2],
            x[x_off + i + 3],
        ];
        xcorr_kernel(rnum, &x[x_off + i - ord..], &mut sum, ord);
        y[i..i + 4].copy_from_slice(&sum);
        i += 4;
    }
    while i < n {
        let mut sum = x[x_off + i];
        for j in 0..ord {
            sum += rnum[j] * x[x_off + i + j - ord];
        }
        y[i] = sum;
        i += 1;
    }
}

/// IIR synthesis filter `y[i] = x[i] - sum_j den[j] y[i-1-j]`, in place on
/// `buf[..n]` (libopus `celt_iir`, float build, with `x == y`).
///
/// `mem` holds the last `ord` outputs, newest first, and is updated.
/// `scratch` needs `n + ord` values.
///
/// Like libopus, the samples past the last multiple of 4 are filtered with
/// the history sign flipped, so only a length that is a multiple of 4 gives
/// the textbook filter; CELT only uses such lengths.
///
/// # Panics
/// If `ord` is not a multiple of 4, exceeds [`MAX_FILTER_ORDER`], or a slice
/// is too short.
pub fn celt_iir(
    buf: &mut [f32],
    den: &[f32],
    n: usize,
    ord: usize,
    mem: &mut [f32],
    scratch: &mut [f32],
) {
    assert!(ord % 4 == 0 && ord <= MAX_FILTER_ORDER);
    let mut rden_buf = [0f32; MAX_FILTER_ORDER];
    let rden = &mut rden_buf[..ord];
    for (i, r) in rden.iter_mut().enumerate() {
        *r = den[ord - i - 1];
    }
    let y = &mut scratch[..n + ord];
    for i in 0..ord {
        y[i] = -mem[ord - i - 1];
    }
    y[ord..].fill(0.0);
    let mut i = 0;
    while i + 3 < n {
        // Run four outputs as an FIR on the known history, then add the
        // recursive terms among the four.
        let mut sum = [buf[i], buf[i + 1], buf[i + 2], buf[i + 3]];
        xcorr_kernel(rden, &y[i..], &mut sum, ord);

        y[i + ord] = -sum[0];
        buf[i] = sum[0];
        sum[1] += y[i + ord] * den[0];
        y[i + ord + 1] = -sum[1];
        buf[i + 1] = sum[1];
        sum[2] += y[i + ord + 1] * den[0];
        sum[2] += y[i + ord] * den[1];
        y[i + ord + 2] = -sum[2];
        buf[i + 2] = sum[2];

        sum[3] += y[i + ord + 2] * den[0];
        sum[3] += y[i + ord + 1] * den[1];
        sum[3] += y[i + ord] * den[2];
        y[i + ord + 3] = -sum[3];
        buf[i + 3] = sum[3];
        i += 4;
    }
    while i < n {
        let mut sum = buf[i];
        for j in 0..ord {
            sum -= rden[j] * y[i + j];
        }
        y[i + ord] = sum;
        buf[i] = sum;
        i += 1;
    }
    for i in 0..ord {
        mem[i] = buf[n - i - 1];
    }
}

/// Autocorrelation `ac[k] = sum_i x[i] x[i-k]` for `k` in `0..=lag` of `n`
/// samples, after tapering both ends with `window[..overlap]` (libopus
/// `_celt_autocorr`, float build). Returns the scaling shift, always 0 in float.
///
/// `scratch` needs `n` values when `overlap > 0`.
///
/// # Panics
/// If `n <= lag`, or a slice is too short.
pub fn celt_autocorr(
    x: &[f32],
    ac: &mut [f32],
    window: &[f32],
    overlap: usize,
    lag: usize,
    n: usize,
    scratch: &mut [f32],
) -> i32 {
    assert!(n > 0);
    let fast_n = n - lag;
    let xptr: &[f32] = if overlap == 0 {
        &x[..n]
    } else {
        let xx = &mut scratch[..n];
        xx.copy_from_slice(&x[..n]);
        for i in 0..overlap {
            let w = window[i];
            xx[i] = x[i] * w;
            xx[n - i - 1] = x[n - i - 1] * w;
        }
        xx
    };
    celt_pitch_xcorr(xptr, xptr, ac, fast_n, lag + 1);
    for k in 0..=lag {
        let mut d: f32 = 0.0;
        for i in k + fast_n..n {
            d += xptr[i] * xptr[i - k];
        }
        ac[k] += d;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0x1bc_0024;

    #[test]
    fn autocorr_small_known_case() {
        let x = [1.0f32, 2.0, 3.0, 4.0];
        let mut ac = [0f32; 3];
        celt_autocorr(&x, &mut ac, &[], 0, 2, 4, &mut []);
        assert_eq!(ac, [30.0, 20.0, 11.0]);
        // Windowed: ends tapered by 0.5.
        let mut scratch = [0f32; 4];
        celt_autocorr(&x, &mut ac, &[0.5], 1, 2, 4, &mut scratch);
        // x becomes [0.5, 2, 3, 2]
        assert_eq!(ac, [0.25 + 4.0 + 9.0 + 4.0, 1.0 + 6.0 + 6.0, 1.5 + 4.0]);
    }

    #[test]
    fn lpc_of_first_order_process() {
        // ac of x[n] = a x[n-1] + e: ac[k] = a^k, prediction lpc[0] = -a.
        let a = 0.5f32;
        let ac = [1.0f32, a, a * a];
        let mut lpc = [9f32; 2];
        celt_lpc(&mut lpc, &ac, 2);
        assert!((lpc[0] + a).abs() < 1e-6);
        assert!(lpc[1].abs() < 1e-6);
        // Silence gives all-zero coefficients.
        celt_lpc(&mut lpc, &[0.0, 0.0, 0.0], 2);
        assert_eq!(lpc, [0.0, 0.0]);
    }

    #[test]
    fn fir_then_iir_is_identity() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(RNG_SEED);
        let ord = CELT_LPC_ORDER;
        let n = 204;
        let sig: Vec<f32> = (0..n + ord).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let mut ac = [0f32; CELT_LPC_ORDER + 1];
        celt_autocorr(&sig, &mut ac, &[], 0, ord, n + ord, &mut []);
        ac[0] *= 1.0001;
        let mut lpc = [0f32; CELT_LPC_ORDER];
        celt_lpc(&mut lpc, &ac, ord);
        let mut exc = vec![0f32; n];
        celt_fir(&sig, ord, &lpc, &mut exc, n, ord);
        // Direct FIR check.
        for i in 0..n {
            let mut want = sig[ord + i];
            for j in 0..ord {
                want += lpc[j] * sig[ord + i - 1 - j];
            }
            assert!((exc[i] - want).abs() < 1e-5);
        }
        let mut mem: Vec<f32> = (0..ord).map(|j| sig[ord - 1 - j]).collect();
        let mut scratch = vec![0f32; n + ord];
        celt_iir(&mut exc, &lpc, n, ord, &mut mem, &mut scratch);
        for i in 0..n {
            assert!((exc[i] - sig[ord + i]).abs() < 1e-4, "i={i}");
        }
        for j in 0..ord {
            assert_eq!(mem[j], exc[n - 1 - j]);
        }
    }
}

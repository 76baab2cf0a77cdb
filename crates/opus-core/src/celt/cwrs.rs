//! PVQ codeword indexing (RFC 6716 section 4.3.4.2; libopus `celt/cwrs.c`).
//!
//! A PVQ codeword of a band of `n` coefficients with `k` pulses is an integer vector
//! whose absolute values sum to `k`. There are V(n,k) of them, and the bitstream codes
//! one as a uniform integer below V(n,k). This module turns that index back into the
//! vector, in the codebook order of libopus's table-driven (not `SMALL_FOOTPRINT`)
//! build.
//!
//! The enumeration rests on U(n,k), the number of codewords of size `n` and `k` pulses
//! whose first coefficient is strictly positive, extended with U(0,0) = 1 and
//! U(0,k) = 0. U is symmetric, obeys U(n,k) = U(n-1,k) + U(n,k-1) + U(n-1,k-1), and
//! V(n,k) = U(n,k) + U(n,k+1). The codebook lists, for the first coefficient, the
//! values `k, k-1, ..., 1`, then 0, then `-k, ..., -1`, each followed by the codewords
//! of the remaining `n-1` coefficients in the same order.

use super::tables::{PVQ_U_DATA, PVQ_U_ROW};
use crate::range_coder::{RangeDecoder, RangeEncoder};

/// U(n,k) from the table (libopus `CELT_PVQ_U`).
///
/// Only the pairs the standard mode can reach are stored: `min(n,k) <= 14`, and the
/// larger argument within the row's range.
#[inline]
pub fn pvq_u(n: usize, k: usize) -> u32 {
    let (lo, hi) = if n < k { (n, k) } else { (k, n) };
    PVQ_U_DATA[PVQ_U_ROW[lo] + hi]
}

/// V(n,k), the number of PVQ codewords of size `n` with `k` pulses (libopus
/// `CELT_PVQ_V`).
#[inline]
pub fn pvq_v(n: usize, k: usize) -> u32 {
    pvq_u(n, k).wrapping_add(pvq_u(n, k + 1))
}

/// Writes into `y[..n]` the codeword of index `i` with `k` pulses and returns its
/// squared norm (libopus `cwrsi`).
///
/// `n >= 2`, `k >= 1` and `i < V(n,k)` must hold.
pub fn cwrsi(n: usize, k: usize, i: u32, y: &mut [i32]) -> f32 {
    debug_assert!(k > 0 && n > 1);
    let mut n = n;
    let mut k = k;
    let mut i = i;
    let mut yy = 0.0f32;
    let mut pos = 0;
    // Emits one coefficient: `k0 - k` pulses, negated when `neg`.
    let mut push = |val: i32, y: &mut [i32], yy: &mut f32| {
        y[pos] = val;
        pos += 1;
        let v = val as i16 as f32;
        *yy += v * v;
    };
    while n > 2 {
        if k >= n {
            // At least as many pulses as dimensions: walk down row `n`.
            let row = PVQ_U_ROW[n];
            let mut p = PVQ_U_DATA[row + k + 1];
            let neg = i >= p;
            if neg {
                i -= p;
            }
            let k0 = k;
            let q = PVQ_U_DATA[row + n];
            if q > i {
                debug_assert!(p > q);
                k = n;
                loop {
                    k -= 1;
                    p = PVQ_U_DATA[PVQ_U_ROW[k] + n];
                    if p <= i {
                        break;
                    }
                }
            } else {
                p = PVQ_U_DATA[row + k];
                while p > i {
                    k -= 1;
                    p = PVQ_U_DATA[row + k];
                }
            }
            i -= p;
            let mag = (k0 - k) as i32;
            push(if neg { -mag } else { mag }, y, &mut yy);
        } else {
            // More dimensions than pulses: walk down column `n`.
            let mut p = PVQ_U_DATA[PVQ_U_ROW[k] + n];
            let q = PVQ_U_DATA[PVQ_U_ROW[k + 1] + n];
            if p <= i && i < q {
                i -= p;
                push(0, y, &mut yy);
            } else {
                let neg = i >= q;
                if neg {
                    i -= q;
                }
                let k0 = k;
                loop {
                    k -= 1;
                    p = PVQ_U_DATA[PVQ_U_ROW[k] + n];
                    if p <= i {
                        break;
                    }
                }
                i -= p;
                let mag = (k0 - k) as i32;
                push(if neg { -mag } else { mag }, y, &mut yy);
            }
        }
        n -= 1;
    }
    // n == 2: U(2,k) = 2k - 1 in closed form.
    let p = 2 * k as u32 + 1;
    let neg = i >= p;
    if neg {
        i -= p;
    }
    let k0 = k;
    k = ((i + 1) >> 1) as usize;
    if k != 0 {
        i -= 2 * k as u32 - 1;
    }
    let mag = (k0 - k) as i32;
    push(if neg { -mag } else { mag }, y, &mut yy);
    // n == 1: the remaining pulses, with the sign left in `i`.
    let mag = k as i32;
    push(if i != 0 { -mag } else { mag }, y, &mut yy);
    yy
}

/// Decodes a PVQ codeword of size `n` with `k` pulses into `y[..n]` and returns its
/// squared norm (libopus `decode_pulses`).
///
/// `n >= 2` and `k >= 1`, with V(n,k) representable (as the allocation guarantees).
pub fn decode_pulses(y: &mut [i32], n: usize, k: usize, dec: &mut RangeDecoder<'_>) -> f32 {
    let i = dec.uint(pvq_v(n, k));
    cwrsi(n, k, i, y)
}

/// Index of the codeword `y[..n]` (libopus `icwrs`), the inverse of [`cwrsi`].
pub fn icwrs(n: usize, y: &[i32]) -> u32 {
    debug_assert!(n >= 2);
    let mut j = n - 1;
    let mut i = u32::from(y[j] < 0);
    let mut k = y[j].unsigned_abs() as usize;
    loop {
        j -= 1;
        i = i.wrapping_add(pvq_u(n - j, k));
        k += y[j].unsigned_abs() as usize;
        if y[j] < 0 {
            i = i.wrapping_add(pvq_u(n - j, k + 1));
        }
        if j == 0 {
            break;
        }
    }
    i
}

/// Encodes the codeword `y[..n]` of `k` pulses as a uniform integer below V(n,k)
/// (libopus `encode_pulses`).
///
/// `n >= 2` and `k >= 1`, with V(n,k) representable (as the allocation guarantees).
pub fn encode_pulses(y: &[i32], n: usize, k: usize, enc: &mut RangeEncoder<'_>) {
    debug_assert!(k > 0);
    enc.uint(icwrs(n, y), pvq_v(n, k));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// U(n,k) from the recurrence, in 64 bits.
    fn u_table(nmax: usize, kmax: usize) -> Vec<Vec<u64>> {
        let mut u = vec![vec![0u64; kmax + 1]; nmax + 1];
        u[0][0] = 1;
        for n in 1..=nmax {
            for k in 1..=kmax {
                // Saturates far beyond the 32-bit entries the table holds.
                u[n][k] = u[n - 1][k]
                    .saturating_add(u[n][k - 1])
                    .saturating_add(u[n - 1][k - 1]);
            }
        }
        u
    }

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn table_matches_recurrence() {
        let u = u_table(14, 177);
        let row_end = |n: usize| {
            if n + 1 < PVQ_U_ROW.len() {
                PVQ_U_ROW[n + 1] + n + 1
            } else {
                PVQ_U_DATA.len()
            }
        };
        let mut count = 0;
        for n in 0..PVQ_U_ROW.len() {
            for idx in PVQ_U_ROW[n] + n..row_end(n) {
                let k = idx - PVQ_U_ROW[n];
                assert_eq!(u64::from(PVQ_U_DATA[idx]), u[n][k], "U({n},{k})");
                count += 1;
            }
        }
        assert_eq!(count, PVQ_U_DATA.len());
    }

    #[test]
    fn v_counts() {
        // V(n,k) from its closed forms for small n.
        for k in 1..40u64 {
            assert_eq!(u64::from(pvq_v(2, k as usize)), 4 * k);
            assert_eq!(u64::from(pvq_v(3, k as usize)), 4 * k * k + 2);
            assert_eq!(u64::from(pvq_v(4, k as usize)), 8 * (k * k + 2) * k / 3);
            assert_eq!(
                u64::from(pvq_v(5, k as usize)),
                ((4 * k * k + 20) * k * k + 6) / 3
            );
        }
        assert_eq!(pvq_v(9, 9), 864146);
        assert_eq!(pvq_v(6, 8), 20256);
    }

    /// All codewords of size `n` with `k` pulses, in codebook order.
    fn enumerate(n: usize, k: i32, prefix: &mut Vec<i32>, out: &mut Vec<Vec<i32>>) {
        if n == 1 {
            let mut a = prefix.clone();
            a.push(k);
            out.push(a);
            if k != 0 {
                let mut b = prefix.clone();
                b.push(-k);
                out.push(b);
            }
            return;
        }
        let mut order: Vec<i32> = (1..=k).rev().collect();
        order.push(0);
        order.extend((1..=k).rev().map(|v| -v));
        for v in order {
            prefix.push(v);
            enumerate(n - 1, k - v.abs(), prefix, out);
            prefix.pop();
        }
    }

    #[test]
    fn decode_matches_enumeration() {
        let mut y = [0i32; 16];
        for n in 2..=7 {
            for k in 1..=7 {
                let mut all = Vec::new();
                enumerate(n, k as i32, &mut Vec::new(), &mut all);
                assert_eq!(all.len() as u32, pvq_v(n, k), "V({n},{k})");
                for (idx, cw) in all.iter().enumerate() {
                    let yy = cwrsi(n, k, idx as u32, &mut y);
                    assert_eq!(&y[..n], &cw[..], "n={n} k={k} i={idx}");
                    let norm: i32 = cw.iter().map(|v| v * v).sum();
                    assert_eq!(yy, norm as f32);
                    assert_eq!(icwrs(n, cw), idx as u32);
                }
            }
        }
    }

    #[test]
    fn every_cached_size_round_trips() {
        // Every (N, K) the pulse cache can ask for: V fits in 32 bits, the table covers
        // it, and decoding then re-indexing pseudo-random indices is the identity.
        let m = crate::celt::mode::mode48000_960();
        let u = u_table(14, 200);
        let mut y = [0i32; 176];
        let mut seed = 1u32;
        for lm in 0..=m.max_lm + 1 {
            for band in 0..m.nb_ebands {
                let ix = m.cache.index[lm * m.nb_ebands + band];
                let n = (m.band_width(band) << lm >> 1) as usize;
                if ix < 0 || n < 2 {
                    continue;
                }
                let max_q = usize::from(m.cache.bits[ix as usize]);
                for q in 1..=max_q {
                    let k = crate::celt::alloc::get_pulses(q as i32) as usize;
                    // V(n,k) = U(n,k) + U(n,k+1), with U symmetric.
                    let big = |a: usize, b: usize| if a < b { u[a][b] } else { u[b][a] };
                    if n.min(k + 1) <= 14 {
                        let v64 = big(n, k) + big(n, k + 1);
                        assert!(v64 < 1 << 32, "V({n},{k})");
                        assert_eq!(u64::from(pvq_v(n, k)), v64, "V({n},{k})");
                    }
                    let v = pvq_v(n, k);
                    for _ in 0..20 {
                        seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                        let i = seed % v;
                        cwrsi(n, k, i, &mut y);
                        let total: i32 = y[..n].iter().map(|v| v.abs()).sum();
                        assert_eq!(total as usize, k);
                        assert_eq!(icwrs(n, &y[..n]), i);
                    }
                    cwrsi(n, k, v - 1, &mut y);
                    assert_eq!(icwrs(n, &y[..n]), v - 1);
                }
            }
        }
    }
}

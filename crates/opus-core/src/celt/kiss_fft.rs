//! The mixed-radix complex FFT that CELT's MDCT runs on (RFC 6716 section 4.3.7).
//!
//! This is a port of the float path of libopus's modified KISS FFT
//! (`celt/kiss_fft.c`): the same radix-2/3/4/5 butterflies, applied in the same
//! factor order, with the same float operations in the same order, so the
//! output is bit-exact with the libopus float build. A general-purpose FFT
//! (such as rustfft) would round differently.
//!
//! Only the four plans of the static 48 kHz mode exist ([`FFT_48000_960`]:
//! 480, 240, 120 and 60 points). They share one twiddle table and are
//! immutable, so they can be shared freely between decoders.

use super::fft_tables::{
    FFT_BITREV120, FFT_BITREV240, FFT_BITREV480, FFT_BITREV60, FFT_TWIDDLES_48000_960,
};

/// Most radix stages a plan can have (libopus `MAXFACTORS`).
pub const MAX_FACTORS: usize = 8;

/// A complex float sample, laid out as libopus `kiss_fft_cpx`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Complex {
    /// Real part.
    pub r: f32,
    /// Imaginary part.
    pub i: f32,
}

impl Complex {
    /// A complex number from its real and imaginary parts.
    #[inline]
    pub const fn new(r: f32, i: f32) -> Self {
        Complex { r, i }
    }

    /// `a * b` with libopus's `C_MUL` operation order.
    #[inline]
    fn mul(a: Complex, b: Complex) -> Complex {
        Complex {
            r: a.r * b.r - a.i * b.i,
            i: a.r * b.i + a.i * b.r,
        }
    }

    #[inline]
    fn add(a: Complex, b: Complex) -> Complex {
        Complex {
            r: a.r + b.r,
            i: a.i + b.i,
        }
    }

    #[inline]
    fn sub(a: Complex, b: Complex) -> Complex {
        Complex {
            r: a.r - b.r,
            i: a.i - b.i,
        }
    }
}

/// An FFT plan (libopus `kiss_fft_state`), float build.
#[derive(Debug)]
pub struct KissFft {
    /// Transform length.
    pub nfft: usize,
    /// `1/nfft`, as libopus stores it.
    pub scale: f32,
    /// Twiddle stride is `1 << shift` relative to the shared table.
    pub shift: usize,
    /// Radix/remaining-length pairs, first stage first, zero-terminated.
    pub factors: [u16; 2 * MAX_FACTORS],
    /// Input permutation of length `nfft`.
    pub bitrev: &'static [u16],
    /// Twiddles of the largest FFT sharing this table, `[re, im]`.
    pub twiddles: &'static [[f32; 2]],
}

/// The four FFT plans of the 48 kHz / 960 mode (libopus `fft_state48000_960_0..3`):
/// 480, 240, 120 and 60 points, indexed by MDCT `shift`.
pub static FFT_48000_960: [KissFft; 4] = [
    KissFft {
        nfft: 480,
        scale: 0.0020833334,
        shift: 0,
        factors: [5, 96, 3, 32, 4, 8, 2, 4, 4, 1, 0, 0, 0, 0, 0, 0],
        bitrev: &FFT_BITREV480,
        twiddles: &FFT_TWIDDLES_48000_960,
    },
    KissFft {
        nfft: 240,
        scale: 0.0041666669,
        shift: 1,
        factors: [5, 48, 3, 16, 4, 4, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        bitrev: &FFT_BITREV240,
        twiddles: &FFT_TWIDDLES_48000_960,
    },
    KissFft {
        nfft: 120,
        scale: 0.0083333338,
        shift: 2,
        factors: [5, 24, 3, 8, 2, 4, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        bitrev: &FFT_BITREV120,
        twiddles: &FFT_TWIDDLES_48000_960,
    },
    KissFft {
        nfft: 60,
        scale: 0.016666668,
        shift: 3,
        factors: [5, 12, 3, 4, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        bitrev: &FFT_BITREV60,
        twiddles: &FFT_TWIDDLES_48000_960,
    },
];

impl KissFft {
    #[inline]
    fn tw(&self, k: usize) -> Complex {
        let t = self.twiddles[k];
        Complex { r: t[0], i: t[1] }
    }

    /// Forward FFT, scaled by `1/nfft` (libopus `opus_fft_c`).
    ///
    /// # Panics
    /// If `fin` or `fout` is shorter than `nfft`.
    pub fn fft(&self, fin: &[Complex], fout: &mut [Complex]) {
        let scale = self.scale;
        for (x, &rev) in fin[..self.nfft].iter().zip(self.bitrev) {
            fout[rev as usize] = Complex {
                r: x.r * scale,
                i: x.i * scale,
            };
        }
        self.fft_impl(fout);
    }

    /// Inverse FFT, unscaled (libopus `opus_ifft_c`).
    ///
    /// # Panics
    /// If `fin` or `fout` is shorter than `nfft`.
    pub fn ifft(&self, fin: &[Complex], fout: &mut [Complex]) {
        for (x, &rev) in fin[..self.nfft].iter().zip(self.bitrev) {
            fout[rev as usize] = *x;
        }
        for y in fout[..self.nfft].iter_mut() {
            y.i = -y.i;
        }
        self.fft_impl(fout);
        for y in fout[..self.nfft].iter_mut() {
            y.i = -y.i;
        }
    }

    /// The butterfly passes on data already in bit-reversed order, unscaled
    /// (libopus `opus_fft_impl`).
    ///
    /// # Panics
    /// If `fout` is shorter than `nfft`.
    pub fn fft_impl(&self, fout: &mut [Complex]) {
        let fout = &mut fout[..self.nfft];
        let mut fstride = [0usize; MAX_FACTORS + 1];
        fstride[0] = 1;
        let mut stages = 0;
        loop {
            let p = self.factors[2 * stages] as usize;
            let m = self.factors[2 * stages + 1] as usize;
            fstride[stages + 1] = fstride[stages] * p;
            stages += 1;
            if m == 1 {
                break;
            }
        }
        let mut m = self.factors[2 * stages - 1] as usize;
        for i in (0..stages).rev() {
            let m2 = if i != 0 {
                self.factors[2 * i - 1] as usize
            } else {
                1
            };
            let stride = fstride[i] << self.shift;
            match self.factors[2 * i] {
                2 => bfly2(fout, m, fstride[i]),
                4 => self.bfly4(fout, stride, m, fstride[i], m2),
                3 => self.bfly3(fout, stride, m, fstride[i], m2),
                5 => self.bfly5(fout, stride, m, fstride[i], m2),
                _ => unreachable!("plans only hold radices 2, 3, 4 and 5"),
            }
            m = m2;
        }
    }

    fn bfly4(&self, fout: &mut [Complex], fstride: usize, m: usize, n: usize, mm: usize) {
        if m == 1 {
            // All twiddles are one in the last stage.
            for blk in fout.chunks_exact_mut(4).take(n) {
                let s0 = Complex::sub(blk[0], blk[2]);
                blk[0] = Complex::add(blk[0], blk[2]);
                let mut s1 = Complex::add(blk[1], blk[3]);
                blk[2] = Complex::sub(blk[0], s1);
                blk[0] = Complex::add(blk[0], s1);
                s1 = Complex::sub(blk[1], blk[3]);
                blk[1] = Complex {
                    r: s0.r + s1.i,
                    i: s0.i - s1.r,
                };
                blk[3] = Complex {
                    r: s0.r - s1.i,
                    i: s0.i + s1.r,
                };
            }
        } else {
            let (m2, m3) = (2 * m, 3 * m);
            for i in 0..n {
                let base = i * mm;
                for j in 0..m {
                    let k = base + j;
                    let s0 = Complex::mul(fout[k + m], self.tw(j * fstride));
                    let s1 = Complex::mul(fout[k + m2], self.tw(2 * j * fstride));
                    let s2 = Complex::mul(fout[k + m3], self.tw(3 * j * fstride));
                    let s5 = Complex::sub(fout[k], s1);
                    fout[k] = Complex::add(fout[k], s1);
                    let s3 = Complex::add(s0, s2);
                    let s4 = Complex::sub(s0, s2);
                    fout[k + m2] = Complex::sub(fout[k], s3);
                    fout[k] = Complex::add(fout[k], s3);
                    fout[k + m] = Complex {
                        r: s5.r + s4.i,
                        i: s5.i - s4.r,
                    };
                    fout[k + m3] = Complex {
                        r: s5.r - s4.i,
                        i: s5.i + s4.r,
                    };
                }
            }
        }
    }

    fn bfly3(&self, fout: &mut [Complex], fstride: usize, m: usize, n: usize, mm: usize) {
        let m2 = 2 * m;
        let epi3 = self.tw(fstride * m);
        for i in 0..n {
            let base = i * mm;
            for j in 0..m {
                let k = base + j;
                let s1 = Complex::mul(fout[k + m], self.tw(j * fstride));
                let s2 = Complex::mul(fout[k + m2], self.tw(2 * j * fstride));
                let s3 = Complex::add(s1, s2);
                let mut s0 = Complex::sub(s1, s2);
                fout[k + m] = Complex {
                    r: fout[k].r - s3.r * 0.5,
                    i: fout[k].i - s3.i * 0.5,
                };
                s0.r *= epi3.i;
                s0.i *= epi3.i;
                fout[k] = Complex::add(fout[k], s3);
                let fm = fout[k + m];
                fout[k + m2] = Complex {
                    r: fm.r + s0.i,
                    i: fm.i - s0.r,
                };
                fout[k + m] = Complex {
                    r: fm.r - s0.i,
                    i: fm.i + s0.r,
                };
            }
        }
    }

    fn bfly5(&self, fout: &mut [Complex], fstride: usize, m: usize, n: usize, mm: usize) {
        let ya = self.tw(fstride * m);
        let yb = self.tw(fstride * 2 * m);
        for i in 0..n {
            let base = i * mm;
            for u in 0..m {
                let (k0, k1, k2, k3, k4) = (
                    base + u,
                    base + u + m,
                    base + u + 2 * m,
                    base + u + 3 * m,
                    base + u + 4 * m,
                );
                let s0 = fout[k0];
                let s1 = Complex::mul(fout[k1], self.tw(u * fstride));
                let s2 = Complex::mul(fout[k2], self.tw(2 * u * fstride));
                let s3 = Complex::mul(fout[k3], self.tw(3 * u * fstride));
                let s4 = Complex::mul(fout[k4], self.tw(4 * u * fstride));

                let s7 = Complex::add(s1, s4);
                let s10 = Complex::sub(s1, s4);
                let s8 = Complex::add(s2, s3);
                let s9 = Complex::sub(s2, s3);

                fout[k0].r += s7.r + s8.r;
                fout[k0].i += s7.i + s8.i;

                let s5 = Complex {
                    r: s0.r + (s7.r * ya.r + s8.r * yb.r),
                    i: s0.i + (s7.i * ya.r + s8.i * yb.r),
                };
                let s6 = Complex {
                    r: s10.i * ya.i + s9.i * yb.i,
                    i: -(s10.r * ya.i + s9.r * yb.i),
                };
                fout[k1] = Complex::sub(s5, s6);
                fout[k4] = Complex::add(s5, s6);

                let s11 = Complex {
                    r: s0.r + (s7.r * yb.r + s8.r * ya.r),
                    i: s0.i + (s7.i * yb.r + s8.i * ya.r),
                };
                let s12 = Complex {
                    r: s9.i * ya.i - s10.i * yb.i,
                    i: s10.r * yb.i - s9.r * ya.i,
                };
                fout[k2] = Complex::add(s11, s12);
                fout[k3] = Complex::sub(s11, s12);
            }
        }
    }
}

/// Radix-2 stage; in the static modes it always follows a radix-4 stage, so
/// `m` is 4 and the twiddles are the eighth roots of unity.
fn bfly2(fout: &mut [Complex], m: usize, n: usize) {
    debug_assert_eq!(m, 4);
    // libopus's literal, not FRAC_1_SQRT_2, to keep its exact spelling.
    #[allow(clippy::approx_constant)]
    let tw: f32 = 0.7071067812;
    for blk in fout.chunks_exact_mut(8).take(n) {
        let mut t = blk[4];
        blk[4] = Complex::sub(blk[0], t);
        blk[0] = Complex::add(blk[0], t);

        t = Complex {
            r: (blk[5].r + blk[5].i) * tw,
            i: (blk[5].i - blk[5].r) * tw,
        };
        blk[5] = Complex::sub(blk[1], t);
        blk[1] = Complex::add(blk[1], t);

        t = Complex {
            r: blk[6].i,
            i: -blk[6].r,
        };
        blk[6] = Complex::sub(blk[2], t);
        blk[2] = Complex::add(blk[2], t);

        t = Complex {
            r: (blk[7].i - blk[7].r) * tw,
            i: (-(blk[7].i + blk[7].r)) * tw,
        };
        blk[7] = Complex::sub(blk[3], t);
        blk[3] = Complex::add(blk[3], t);
    }
}

/// Factor `n` the way libopus's `kf_factor` does: radix 4 first, then 2, then
/// odd primes up to 5, with the stage order reversed so radix 4 comes last.
/// Returns `None` when `n` has a prime factor above 5.
///
/// Only used to check the shipped plans; the static modes never call it.
pub fn kf_factor(mut n: usize) -> Option<[u16; 2 * MAX_FACTORS]> {
    let mut fac = [0u16; 2 * MAX_FACTORS];
    let mut p = 4usize;
    let mut stages = 0usize;
    let nbak = n;
    loop {
        while n % p != 0 {
            p = match p {
                4 => 2,
                2 => 3,
                _ => p + 2,
            };
            if p > 32000 || p * p > n {
                p = n;
            }
        }
        n /= p;
        if p > 5 || stages >= MAX_FACTORS {
            return None;
        }
        fac[2 * stages] = p as u16;
        if p == 2 && stages > 1 {
            fac[2 * stages] = 4;
            fac[2] = 2;
        }
        stages += 1;
        if n <= 1 {
            break;
        }
    }
    n = nbak;
    for i in 0..stages / 2 {
        fac.swap(2 * i, 2 * (stages - i - 1));
    }
    for i in 0..stages {
        n /= fac[2 * i] as usize;
        fac[2 * i + 1] = n as u16;
    }
    Some(fac)
}

/// The input permutation for a factorisation (libopus `compute_bitrev_table`).
///
/// Only used to check the shipped tables.
pub fn compute_bitrev_table(nfft: usize, factors: &[u16], out: &mut [u16]) {
    fn rec(fout: usize, f: &mut [u16], off: usize, fstride: usize, factors: &[u16]) {
        let p = factors[0] as usize;
        let m = factors[1] as usize;
        let mut fout = fout;
        let mut off = off;
        if m == 1 {
            for j in 0..p {
                f[off] = (fout + j) as u16;
                off += fstride;
            }
        } else {
            for _ in 0..p {
                rec(fout, f, off, fstride * p, &factors[2..]);
                off += fstride;
                fout += m;
            }
        }
    }
    rec(0, &mut out[..nfft], 0, 1, factors);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0x5eed_f0f7;

    fn naive_dft(x: &[Complex], inverse: bool) -> Vec<(f64, f64)> {
        let n = x.len();
        let sign = if inverse { 1.0 } else { -1.0 };
        (0..n)
            .map(|k| {
                let mut acc = (0.0f64, 0.0f64);
                for (t, v) in x.iter().enumerate() {
                    let ph = sign * 2.0 * std::f64::consts::PI * ((k * t) % n) as f64 / n as f64;
                    let (s, c) = ph.sin_cos();
                    acc.0 += v.r as f64 * c - v.i as f64 * s;
                    acc.1 += v.r as f64 * s + v.i as f64 * c;
                }
                acc
            })
            .collect()
    }

    #[test]
    fn forward_and_inverse_match_naive_dft() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(RNG_SEED);
        for plan in FFT_48000_960.iter() {
            let n = plan.nfft;
            let x: Vec<Complex> = (0..n)
                .map(|_| Complex::new(rng.gen_range(-1.0..1.0), rng.gen_range(-1.0..1.0)))
                .collect();
            let mut y = vec![Complex::default(); n];
            plan.fft(&x, &mut y);
            let want = naive_dft(&x, false);
            for (a, b) in y.iter().zip(&want) {
                assert!((a.r as f64 - b.0 / n as f64).abs() < 1e-5, "n={n}");
                assert!((a.i as f64 - b.1 / n as f64).abs() < 1e-5, "n={n}");
            }
            plan.ifft(&x, &mut y);
            let want = naive_dft(&x, true);
            for (a, b) in y.iter().zip(&want) {
                assert!((a.r as f64 - b.0).abs() < 2e-3, "n={n}");
                assert!((a.i as f64 - b.1).abs() < 2e-3, "n={n}");
            }
        }
    }

    #[test]
    fn shipped_plans_match_factorisation() {
        for plan in FFT_48000_960.iter() {
            let fac = kf_factor(plan.nfft).expect("factorable");
            assert_eq!(fac, plan.factors, "n={}", plan.nfft);
            let mut rev = vec![0u16; plan.nfft];
            compute_bitrev_table(plan.nfft, &fac, &mut rev);
            assert_eq!(&rev[..], plan.bitrev, "n={}", plan.nfft);
            assert_eq!(plan.scale, 1.0f32 / plan.nfft as f32);
        }
        assert!(kf_factor(7 * 4).is_none());
    }

    #[test]
    fn shipped_twiddles_are_close_to_cos_sin() {
        for (k, t) in FFT_TWIDDLES_48000_960.iter().enumerate() {
            let ph = -2.0 * std::f64::consts::PI * k as f64 / 480.0;
            assert!((t[0] as f64 - ph.cos()).abs() < 1e-7);
            assert!((t[1] as f64 - ph.sin()).abs() < 1e-7);
        }
    }
}

//! CELT's MDCT and inverse MDCT with windowed overlap (RFC 6716 section 4.3.7).
//!
//! A port of the float path of libopus `celt/mdct.c`: an N-point MDCT computed
//! through an N/4-point complex FFT with pre- and post-rotation. The inverse
//! transform also applies the low-overlap window and mirrors the result for
//! time-domain aliasing cancellation (TDAC), so that overlap-adding two
//! consecutive blocks reconstructs the signal.
//!
//! The plan [`MDCT_48000_960`] covers the sizes 1920, 960, 480 and 240
//! (`shift` 0 to 3) of the static 48 kHz mode. The operation order follows
//! libopus exactly, so results are bit-exact with the libopus float build.

use super::fft_tables::MDCT_TWIDDLES_960;
use super::kiss_fft::{Complex, KissFft, FFT_48000_960};

/// An MDCT plan (libopus `mdct_lookup`).
#[derive(Debug)]
pub struct MdctLookup {
    /// Largest transform size (input length, twice the number of coefficients).
    pub n: usize,
    /// Largest `shift`; each shift halves the size.
    pub maxshift: usize,
    /// One FFT of size `n/4 >> shift` per shift.
    pub kfft: &'static [KissFft; 4],
    /// Rotation cosines for all sizes, back to back.
    pub trig: &'static [f32],
}

/// The MDCT plan of the 48 kHz / 960 mode (libopus `mode48000_960_120.mdct`).
pub static MDCT_48000_960: MdctLookup = MdctLookup {
    n: 1920,
    maxshift: 3,
    kfft: &FFT_48000_960,
    trig: &MDCT_TWIDDLES_960,
};

impl MdctLookup {
    /// Transform size and rotation table for a shift.
    fn size_and_trig(&self, shift: usize) -> (usize, &'static [f32]) {
        let mut n = self.n;
        let mut off = 0;
        for _ in 0..shift {
            n >>= 1;
            off += n;
        }
        (n, &self.trig[off..])
    }

    /// Scratch length (in complex values) [`forward`](Self::forward) and
    /// [`backward`](Self::backward) need at `shift` 0.
    pub fn scratch_len(&self) -> usize {
        self.n / 2
    }

    /// Forward MDCT of `n >> shift` windowed input samples into `(n >> shift)/2`
    /// coefficients written at `out[0], out[stride], ...`, scaled by `4/N`
    /// (libopus `clt_mdct_forward_c`).
    ///
    /// `input` holds the whole block including both overlaps; `window` holds
    /// `overlap` rising window values.
    ///
    /// # Panics
    /// If a slice is too short for the chosen size, or `scratch` is shorter
    /// than `(n >> shift)/2`.
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        input: &[f32],
        out: &mut [f32],
        window: &[f32],
        overlap: usize,
        shift: usize,
        stride: usize,
        scratch: &mut [Complex],
    ) {
        let st = &self.kfft[shift];
        let scale = st.scale;
        let (n, trig) = self.size_and_trig(shift);
        let n2 = n >> 1;
        let n4 = n >> 2;
        let (f, rest) = scratch.split_at_mut(n4);
        let f2 = &mut rest[..n4];

        // Window, shuffle and fold the four quarter blocks into N/4 complex values.
        {
            let mut xp1 = overlap >> 1;
            let mut xp2 = n2 - 1 + (overlap >> 1);
            let mut wp1 = overlap >> 1;
            let mut wp2 = (overlap >> 1).wrapping_sub(1);
            let mut i = 0;
            let head = (overlap + 3) >> 2;
            while i < head {
                f[i] = Complex {
                    r: input[xp1 + n2] * window[wp2] + input[xp2] * window[wp1],
                    i: input[xp1] * window[wp1] - input[xp2 - n2] * window[wp2],
                };
                xp1 += 2;
                xp2 -= 2;
                wp1 += 2;
                wp2 = wp2.wrapping_sub(2);
                i += 1;
            }
            wp1 = 0;
            wp2 = overlap.wrapping_sub(1);
            while i < n4 - head {
                f[i] = Complex {
                    r: input[xp2],
                    i: input[xp1],
                };
                xp1 += 2;
                xp2 -= 2;
                i += 1;
            }
            while i < n4 {
                f[i] = Complex {
                    r: -(input[xp1 - n2] * window[wp1]) + input[xp2] * window[wp2],
                    i: input[xp1] * window[wp2] + input[xp2 + n2] * window[wp1],
                };
                xp1 += 2;
                xp2 = xp2.wrapping_sub(2);
                wp1 += 2;
                wp2 = wp2.wrapping_sub(2);
                i += 1;
            }
        }
        // Pre-rotation, scaling, and bit-reversal.
        for i in 0..n4 {
            let t0 = trig[i];
            let t1 = trig[n4 + i];
            let re = f[i].r;
            let im = f[i].i;
            let yr = re * t0 - im * t1;
            let yi = im * t0 + re * t1;
            f2[st.bitrev[i] as usize] = Complex {
                r: yr * scale,
                i: yi * scale,
            };
        }

        st.fft_impl(f2);

        // Post-rotation, writing from both ends of the output.
        for i in 0..n4 {
            let t0 = trig[i];
            let t1 = trig[n4 + i];
            let fp = f2[i];
            let yr = fp.i * t1 - fp.r * t0;
            let yi = fp.r * t1 + fp.i * t0;
            out[2 * stride * i] = yr;
            out[stride * (n2 - 1) - 2 * stride * i] = yi;
        }
    }

    /// Inverse MDCT of `(n >> shift)/2` coefficients read at `input[0],
    /// input[stride], ...`, windowed and mirrored for TDAC (libopus
    /// `clt_mdct_backward_c`).
    ///
    /// Writes `out[overlap/2 .. overlap/2 + N/2]` and combines
    /// `out[0..overlap]`, whose first half must hold the previous block's tail.
    ///
    /// # Panics
    /// If a slice is too short for the chosen size, or `scratch` is shorter
    /// than `(n >> shift)/4`.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        input: &[f32],
        out: &mut [f32],
        window: &[f32],
        overlap: usize,
        shift: usize,
        stride: usize,
        scratch: &mut [Complex],
    ) {
        let st = &self.kfft[shift];
        let (n, trig) = self.size_and_trig(shift);
        let n2 = n >> 1;
        let n4 = n >> 2;
        let buf = &mut scratch[..n4];

        // Pre-rotation, stored in bit-reversed order with re/im swapped
        // (a forward FFT then acts as an inverse one).
        for i in 0..n4 {
            let rev = st.bitrev[i] as usize;
            let x1 = input[2 * stride * i];
            let x2 = input[stride * (n2 - 1) - 2 * stride * i];
            let yr = x2 * trig[i] + x1 * trig[n4 + i];
            let yi = x1 * trig[i] - x2 * trig[n4 + i];
            buf[rev] = Complex { r: yi, i: yr };
        }

        st.fft_impl(buf);

        // Post-rotation, de-shuffling from both ends.
        let h = overlap >> 1;
        for i in 0..(n4 + 1) >> 1 {
            let a = buf[i];
            let b = buf[n4 - 1 - i];

            let (re, im) = (a.i, a.r);
            let t0 = trig[i];
            let t1 = trig[n4 + i];
            let yr = re * t0 + im * t1;
            let yi = re * t1 - im * t0;
            out[h + 2 * i] = yr;
            out[h + n2 - 1 - 2 * i] = yi;

            let (re, im) = (b.i, b.r);
            let t0 = trig[n4 - i - 1];
            let t1 = trig[n2 - i - 1];
            let yr = re * t0 + im * t1;
            let yi = re * t1 - im * t0;
            out[h + n2 - 2 - 2 * i] = yr;
            out[h + 2 * i + 1] = yi;
        }

        // Mirror both sides of the overlap for TDAC.
        for i in 0..overlap / 2 {
            let x1 = out[overlap - 1 - i];
            let x2 = out[i];
            let w1 = window[i];
            let w2 = window[overlap - 1 - i];
            out[i] = x2 * w2 - x1 * w1;
            out[overlap - 1 - i] = x2 * w1 + x1 * w2;
        }
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0x3dc7_0001;

    /// A power-complementary (Princen-Bradley) window of `overlap` samples.
    fn test_window(overlap: usize) -> Vec<f32> {
        (0..overlap)
            .map(|i| {
                let x = (std::f64::consts::PI / 2.0) * (i as f64 + 0.5) / overlap as f64;
                let s = x.sin();
                ((std::f64::consts::PI / 2.0) * s * s).sin() as f32
            })
            .collect()
    }

    #[test]
    fn forward_matches_direct_mdct() {
        // Compare the coefficients with a direct f64 MDCT of the block placed
        // in its full-length window.
        let mut rng = rand::rngs::StdRng::seed_from_u64(RNG_SEED);
        let overlap = 120;
        let window = test_window(overlap);
        for shift in 0..4 {
            let n = 1920 >> shift;
            let n2 = n / 2;
            let x: Vec<f32> = (0..n2 + overlap)
                .map(|_| rng.gen_range(-1.0..1.0))
                .collect();
            // Full length-n window: zeros, rise, ones, fall, zeros.
            let pad = (n2 - overlap) / 2;
            let mut input = vec![0f32; n];
            input[pad..pad + n2 + overlap].copy_from_slice(&x);
            let mut w = vec![0f64; n];
            for i in 0..n {
                let j = i as isize - pad as isize;
                w[i] = if j < 0 || j >= (n2 + overlap) as isize {
                    0.0
                } else if (j as usize) < overlap {
                    window[j as usize] as f64
                } else if (j as usize) >= n2 {
                    window[n2 + overlap - 1 - j as usize] as f64
                } else {
                    1.0
                };
            }
            let mut out = vec![0f32; n2];
            let mut scratch = vec![Complex::default(); MDCT_48000_960.scratch_len()];
            MDCT_48000_960.forward(
                &input[pad..],
                &mut out,
                &window,
                overlap,
                shift,
                1,
                &mut scratch,
            );
            // Reference: X[k] = sum x[i] w[i] cos(2pi/N (i + 1/2 + N/4)(k + 1/2)), scaled.
            let mut max_err = 0f64;
            let mut max_ref = 0f64;
            for k in 0..n2 {
                let mut acc = 0f64;
                for i in 0..n {
                    let ph = 2.0 * std::f64::consts::PI / n as f64
                        * (i as f64 + 0.5 + n as f64 / 4.0)
                        * (k as f64 + 0.5);
                    acc += input[i] as f64 * w[i] * ph.cos();
                }
                max_ref = max_ref.max(acc.abs());
                // libopus scales the forward transform by 4/N.
                let got = out[k] as f64;
                max_err = max_err.max((got - acc * 4.0 / n as f64).abs());
            }
            assert!(max_ref > 0.0);
            assert!(max_err < 1e-4, "shift {shift}: max_err {max_err}");
        }
    }

    #[test]
    fn shipped_twiddles_are_close_to_cos() {
        let mut off = 0;
        for shift in 0..4 {
            let n = 1920 >> shift;
            for i in 0..n / 2 {
                let want = (2.0 * std::f64::consts::PI * (i as f64 + 0.125) / n as f64).cos();
                assert!((MDCT_TWIDDLES_960[off + i] as f64 - want).abs() < 1e-7);
            }
            off += n / 2;
        }
        assert_eq!(off, MDCT_TWIDDLES_960.len());
    }

    #[test]
    fn tdac_round_trip_reconstructs() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(RNG_SEED + 1);
        let overlap = 120;
        let window = test_window(overlap);
        for shift in 0..4 {
            let n2 = 960 >> shift;
            let frames = 6;
            let total = n2 * (frames + 1) + overlap;
            let signal: Vec<f32> = (0..total).map(|_| rng.gen_range(-1.0..1.0)).collect();
            // Synthesis buffer: block b writes at b*n2.
            let mut syn = vec![0f32; total + n2];
            let mut coefs = vec![0f32; n2];
            let mut scratch = vec![Complex::default(); MDCT_48000_960.scratch_len()];
            for b in 0..frames {
                let start = b * n2;
                let block = &signal[start..start + n2 + overlap];
                // Forward MDCT reads an input of n (= 2 n2) samples centred on
                // the block: offset the block by (n2 - overlap)/2 of padding.
                let pad = (n2 - overlap) / 2;
                let mut input = vec![0f32; 2 * n2];
                input[pad..pad + n2 + overlap].copy_from_slice(block);
                MDCT_48000_960.forward(
                    &input[pad..],
                    &mut coefs,
                    &window,
                    overlap,
                    shift,
                    1,
                    &mut scratch,
                );
                MDCT_48000_960.backward(
                    &coefs,
                    &mut syn[start..],
                    &window,
                    overlap,
                    shift,
                    1,
                    &mut scratch,
                );
            }
            // Fully reconstructed region: after the first block's overlap up to
            // the last block's overlap start; the 4/N forward scaling makes the
            // round trip unit gain.
            let mut max_err = 0f32;
            for i in overlap..frames * n2 {
                max_err = max_err.max((syn[i] - signal[i]).abs());
            }
            assert!(max_err < 1e-4, "shift {shift}: max_err {max_err}");
        }
    }
}

//! The CELT pitch pre/post-filter: a 5-tap comb filter (RFC 6716 section 4.3.7.1).
//!
//! A port of the float `comb_filter` of libopus `celt/celt.c`. The filter
//! computes `y[n] = x[n] + g * sum_k tap_k * x[n - T + k]` for `k` in -2..=2,
//! with three symmetric tap sets. Between two parameter sets it cross-fades
//! over the overlap with the squared MDCT window.
//!
//! Run in place ([`comb_filter_inplace`]) the taps read already-filtered output
//! and the filter is recursive: that is the decoder's post-filter. Run from one
//! buffer into another ([`comb_filter`]) it is the FIR pre-filter (with negated
//! gains the decoder uses it to undo the post-filter in its PLC fold).

/// Largest comb-filter period in samples (libopus `COMBFILTER_MAXPERIOD`).
pub const COMBFILTER_MAXPERIOD: usize = 1024;
/// Smallest comb-filter period in samples (libopus `COMBFILTER_MINPERIOD`).
pub const COMBFILTER_MINPERIOD: usize = 15;

/// Tap gains of the three tap sets, centre tap first (libopus `gains` in
/// `comb_filter`, float build).
#[rustfmt::skip]
pub const COMB_FILTER_TAPSETS: [[f32; 3]; 3] = [
    [0.3066406250, 0.2170410156, 0.1296386719],
    [0.4638671875, 0.2680664062, 0.0],
    [0.7998046875, 0.1000976562, 0.0],
];

/// Parameters of one comb-filter call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CombParams {
    /// Period before the cross-fade.
    pub t0: usize,
    /// Period after the cross-fade.
    pub t1: usize,
    /// Gain before the cross-fade.
    pub g0: f32,
    /// Gain after the cross-fade.
    pub g1: f32,
    /// Tap set before the cross-fade (0..=2).
    pub tapset0: usize,
    /// Tap set after the cross-fade (0..=2).
    pub tapset1: usize,
}

/// Signal access for the two calling conventions.
trait CombIo {
    /// Input sample at `i` relative to the start of the filtered block (may be negative).
    fn x(&self, i: isize) -> f32;
    /// Store output sample `i` of the block.
    fn set_y(&mut self, i: usize, v: f32);
    /// Copy input to output for `i` in `from..to` (a no-op in place).
    fn copy(&mut self, from: usize, to: usize);
}

struct InPlace<'a> {
    buf: &'a mut [f32],
    off: usize,
}

impl CombIo for InPlace<'_> {
    #[inline]
    fn x(&self, i: isize) -> f32 {
        self.buf[(self.off as isize + i) as usize]
    }
    #[inline]
    fn set_y(&mut self, i: usize, v: f32) {
        self.buf[self.off + i] = v;
    }
    fn copy(&mut self, _from: usize, _to: usize) {}
}

struct OutOfPlace<'a, 'b> {
    y: &'a mut [f32],
    x: &'b [f32],
    off: usize,
}

impl CombIo for OutOfPlace<'_, '_> {
    #[inline]
    fn x(&self, i: isize) -> f32 {
        self.x[(self.off as isize + i) as usize]
    }
    #[inline]
    fn set_y(&mut self, i: usize, v: f32) {
        self.y[i] = v;
    }
    fn copy(&mut self, from: usize, to: usize) {
        self.y[from..to].copy_from_slice(&self.x[self.off + from..self.off + to]);
    }
}

/// Filters `n` samples in place, starting at `buf[off]`; the `max(T)+2`
/// samples before `off` are the filter history.
///
/// `window` holds the first `overlap` values of the MDCT window, used for the
/// cross-fade from `(t0, g0, tapset0)` to `(t1, g1, tapset1)`.
///
/// # Panics
/// If `off` is smaller than the largest period plus 2, or `buf` is too short.
pub fn comb_filter_inplace(
    buf: &mut [f32],
    off: usize,
    n: usize,
    p: CombParams,
    window: &[f32],
    overlap: usize,
) {
    comb_filter_core(&mut InPlace { buf, off }, n, p, window, overlap);
}

/// Filters `n` samples from `x[off..]` into `y[..n]`; the `max(T)+2` samples
/// of `x` before `off` are the filter history (libopus `comb_filter` with
/// `x != y`).
///
/// # Panics
/// If `off` is smaller than the largest period plus 2, or a slice is too short.
pub fn comb_filter(
    y: &mut [f32],
    x: &[f32],
    off: usize,
    n: usize,
    p: CombParams,
    window: &[f32],
    overlap: usize,
) {
    comb_filter_core(&mut OutOfPlace { y, x, off }, n, p, window, overlap);
}

#[allow(clippy::needless_range_loop)]
fn comb_filter_core<IO: CombIo>(
    io: &mut IO,
    n: usize,
    p: CombParams,
    window: &[f32],
    mut overlap: usize,
) {
    if p.g0 == 0.0 && p.g1 == 0.0 {
        io.copy(0, n);
        return;
    }
    // A zero gain comes with a zero period; clamp so the taps stay in range.
    let t0 = p.t0.max(COMBFILTER_MINPERIOD) as isize;
    let t1 = p.t1.max(COMBFILTER_MINPERIOD) as isize;
    let gains0 = &COMB_FILTER_TAPSETS[p.tapset0];
    let gains1 = &COMB_FILTER_TAPSETS[p.tapset1];
    let g00 = p.g0 * gains0[0];
    let g01 = p.g0 * gains0[1];
    let g02 = p.g0 * gains0[2];
    let g10 = p.g1 * gains1[0];
    let g11 = p.g1 * gains1[1];
    let g12 = p.g1 * gains1[2];
    let mut x1 = io.x(-t1 + 1);
    let mut x2 = io.x(-t1);
    let mut x3 = io.x(-t1 - 1);
    let mut x4 = io.x(-t1 - 2);
    // Unchanged parameters need no cross-fade.
    if p.g0 == p.g1 && t0 == t1 && p.tapset0 == p.tapset1 {
        overlap = 0;
    }
    let overlap = overlap.min(n);
    for i in 0..overlap {
        let ii = i as isize;
        let x0 = io.x(ii - t1 + 2);
        let f = window[i] * window[i];
        let v = io.x(ii)
            + ((1.0 - f) * g00) * io.x(ii - t0)
            + ((1.0 - f) * g01) * (io.x(ii - t0 + 1) + io.x(ii - t0 - 1))
            + ((1.0 - f) * g02) * (io.x(ii - t0 + 2) + io.x(ii - t0 - 2))
            + (f * g10) * x2
            + (f * g11) * (x1 + x3)
            + (f * g12) * (x0 + x4);
        io.set_y(i, v);
        x4 = x3;
        x3 = x2;
        x2 = x1;
        x1 = x0;
    }
    if p.g1 == 0.0 {
        io.copy(overlap, n);
        return;
    }
    // Constant filter for the rest (libopus `comb_filter_const_c`).
    let base = overlap as isize;
    let mut x4 = io.x(base - t1 - 2);
    let mut x3 = io.x(base - t1 - 1);
    let mut x2 = io.x(base - t1);
    let mut x1 = io.x(base - t1 + 1);
    for i in overlap..n {
        let ii = i as isize;
        let x0 = io.x(ii - t1 + 2);
        let v = io.x(ii) + g10 * x2 + g11 * (x1 + x3) + g12 * (x0 + x4);
        io.set_y(i, v);
        x4 = x3;
        x3 = x2;
        x2 = x1;
        x1 = x0;
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0xc0b_f117;

    fn window120() -> Vec<f32> {
        (0..120)
            .map(|i| {
                let x = (std::f64::consts::PI / 2.0) * (i as f64 + 0.5) / 120.0;
                let s = x.sin();
                ((std::f64::consts::PI / 2.0) * s * s).sin() as f32
            })
            .collect()
    }

    fn zero_gain() -> CombParams {
        CombParams {
            t0: 0,
            t1: 0,
            g0: 0.0,
            g1: 0.0,
            tapset0: 0,
            tapset1: 0,
        }
    }

    #[test]
    fn zero_gain_is_identity() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(RNG_SEED);
        let x: Vec<f32> = (0..COMBFILTER_MAXPERIOD + 960)
            .map(|_| rng.gen_range(-1.0..1.0))
            .collect();
        let mut y = vec![7.0f32; 960];
        comb_filter(
            &mut y,
            &x,
            COMBFILTER_MAXPERIOD,
            960,
            zero_gain(),
            &window120(),
            120,
        );
        assert_eq!(&y[..], &x[COMBFILTER_MAXPERIOD..]);
        let mut b = x.clone();
        comb_filter_inplace(
            &mut b,
            COMBFILTER_MAXPERIOD,
            960,
            zero_gain(),
            &window120(),
            120,
        );
        assert_eq!(b, x);
        // Fading out from a non-zero gain to zero keeps the tail untouched.
        let p = CombParams {
            t0: 100,
            t1: 0,
            g0: 0.5,
            g1: 0.0,
            tapset0: 1,
            tapset1: 0,
        };
        comb_filter(&mut y, &x, COMBFILTER_MAXPERIOD, 960, p, &window120(), 120);
        assert_eq!(&y[120..], &x[COMBFILTER_MAXPERIOD + 120..]);
    }

    #[test]
    fn constant_filter_matches_direct_formula() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(RNG_SEED + 1);
        let x: Vec<f32> = (0..COMBFILTER_MAXPERIOD + 480)
            .map(|_| rng.gen_range(-1.0..1.0))
            .collect();
        let p = CombParams {
            t0: 200,
            t1: 200,
            g0: 0.375,
            g1: 0.375,
            tapset0: 0,
            tapset1: 0,
        };
        let mut y = vec![0f32; 480];
        let off = COMBFILTER_MAXPERIOD;
        comb_filter(&mut y, &x, off, 480, p, &window120(), 120);
        let g = COMB_FILTER_TAPSETS[0];
        for i in 0..480 {
            let j = off + i;
            let t = 200;
            let want = x[j]
                + 0.375 * g[0] * x[j - t]
                + 0.375 * g[1] * (x[j - t + 1] + x[j - t - 1])
                + 0.375 * g[2] * (x[j - t + 2] + x[j - t - 2]);
            assert!((y[i] - want).abs() < 1e-5);
        }
        // In place the same filter is recursive: its output feeds the taps.
        let mut b = x.clone();
        comb_filter_inplace(&mut b, off, 480, p, &window120(), 120);
        assert_eq!(&b[off..off + 198], &y[..198]);
        assert_ne!(&b[off + 200..off + 480], &y[200..480]);
    }
}

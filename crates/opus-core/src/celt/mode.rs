//! The static CELT mode: 48 kHz, 20 ms frames, 2.5 ms short blocks (RFC 6716 section 4.3).
//!
//! Opus uses a single CELT mode, `mode48000_960_120` of libopus's
//! `celt/static_modes_float.h`. [`CeltMode`] holds its band layout, allocation
//! vectors, window and pulse cache; every other CELT stage reads its parameters from
//! here. The MDCT plan lives with the transform (`celt::mdct`).

use super::tables::{
    BAND_ALLOCATION, CACHE_BITS_50, CACHE_CAPS_50, CACHE_INDEX_50, EBANDS_5MS, LOGN_400,
    NB_ALLOC_VECTORS, NB_EBANDS, OVERLAP, WINDOW_120,
};

/// Largest LM (log2 of the number of short MDCTs in a frame) of the static mode.
pub const MAX_LM: usize = 3;
/// Size of one short MDCT (2.5 ms at 48 kHz), in coefficients.
pub const SHORT_MDCT_SIZE: usize = 120;
/// Coefficients per channel in the longest frame (20 ms).
pub const MAX_FRAME_SIZE: usize = SHORT_MDCT_SIZE << MAX_LM;
/// Widest band of the static mode at the largest LM, in coefficients.
pub const MAX_BAND_SIZE: usize =
    ((EBANDS_5MS[NB_EBANDS] - EBANDS_5MS[NB_EBANDS - 1]) as usize) << MAX_LM;

/// Pre-computed PVQ bit costs (libopus `PulseCache`).
#[derive(Debug)]
pub struct PulseCache {
    /// Length of `bits`.
    pub size: usize,
    /// Offset into `bits` for each (LM + 1, band), -1 for bands without PVQ.
    pub index: &'static [i16],
    /// Per band size: the count of cached pulse numbers, then the cost in 1/8 bit
    /// (minus one) of each.
    pub bits: &'static [u8],
    /// Most bits worth giving each band, per LM and channel count.
    pub caps: &'static [u8],
}

/// A CELT mode (libopus `OpusCustomMode`), without its MDCT plan.
#[derive(Debug)]
pub struct CeltMode {
    /// Sampling rate in Hz.
    pub fs: i32,
    /// Length of the MDCT overlap.
    pub overlap: usize,
    /// Number of energy bands.
    pub nb_ebands: usize,
    /// Number of bands that carry coded data (equal to `nb_ebands` here).
    pub eff_ebands: usize,
    /// Pre-emphasis filter coefficients.
    pub preemph: [f32; 4],
    /// Band edges in short-MDCT bins, `nb_ebands + 1` entries.
    pub ebands: &'static [i16],
    /// Largest LM.
    pub max_lm: usize,
    /// Number of short MDCTs in the longest frame.
    pub nb_short_mdcts: usize,
    /// Size of one short MDCT.
    pub short_mdct_size: usize,
    /// Number of allocation vectors.
    pub nb_alloc_vectors: usize,
    /// Allocation vectors, `nb_alloc_vectors` rows of `nb_ebands`, in 1/32 bit per bin.
    pub alloc_vectors: &'static [u8],
    /// log2 of each band width at LM=0, in 1/8 bit.
    pub log_n: &'static [i16],
    /// MDCT overlap window, `overlap` entries.
    pub window: &'static [f32],
    /// PVQ bit-cost cache.
    pub cache: PulseCache,
}

/// The 48 kHz / 960-sample mode that Opus uses (libopus `mode48000_960_120`).
pub static MODE_48000_960: CeltMode = CeltMode {
    fs: 48000,
    overlap: OVERLAP,
    nb_ebands: NB_EBANDS,
    eff_ebands: NB_EBANDS,
    preemph: [0.85000610, 0.0000000, 1.0000000, 1.0000000],
    ebands: &EBANDS_5MS,
    max_lm: MAX_LM,
    nb_short_mdcts: 1 << MAX_LM,
    short_mdct_size: SHORT_MDCT_SIZE,
    nb_alloc_vectors: NB_ALLOC_VECTORS,
    alloc_vectors: &BAND_ALLOCATION,
    log_n: &LOGN_400,
    window: &WINDOW_120,
    cache: PulseCache {
        size: CACHE_BITS_50.len(),
        index: &CACHE_INDEX_50,
        bits: &CACHE_BITS_50,
        caps: &CACHE_CAPS_50,
    },
};

/// The 48 kHz / 960-sample mode ([`MODE_48000_960`]).
pub fn mode48000_960() -> &'static CeltMode {
    &MODE_48000_960
}

impl CeltMode {
    /// Start of band `i` in short-MDCT bins.
    #[inline]
    pub fn eband(&self, i: usize) -> i32 {
        i32::from(self.ebands[i])
    }

    /// Width of band `i` in short-MDCT bins.
    #[inline]
    pub fn band_width(&self, i: usize) -> i32 {
        self.eband(i + 1) - self.eband(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_consistent() {
        let m = mode48000_960();
        assert_eq!(m.ebands.len(), m.nb_ebands + 1);
        assert_eq!(m.log_n.len(), m.nb_ebands);
        assert_eq!(m.alloc_vectors.len(), m.nb_alloc_vectors * m.nb_ebands);
        assert_eq!(m.window.len(), m.overlap);
        assert_eq!(m.cache.index.len(), m.nb_ebands * (m.max_lm + 2));
        assert_eq!(m.cache.caps.len(), m.nb_ebands * (m.max_lm + 1) * 2);
        assert_eq!(m.cache.size, 392);
        assert_eq!(m.eband(m.nb_ebands) as usize * m.nb_short_mdcts, 800);
        assert_eq!(MAX_BAND_SIZE, 176);
        assert_eq!(MAX_FRAME_SIZE, 960);
        // Every cache row starts with its entry count and stays inside the table.
        for &ix in m.cache.index {
            if ix >= 0 {
                let row = &m.cache.bits[ix as usize..];
                assert!(usize::from(row[0]) < row.len());
            }
        }
    }

    #[test]
    fn window_is_power_complementary() {
        let w = mode48000_960().window;
        for i in 0..w.len() {
            let a = f64::from(w[i]);
            let b = f64::from(w[w.len() - 1 - i]);
            assert!((a * a + b * b - 1.0).abs() < 1e-6, "sample {i}");
        }
    }
}

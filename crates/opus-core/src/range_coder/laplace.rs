//! Laplace-distributed integers over the range coder, bit-exact with libopus
//! `celt/laplace.c`.
//!
//! [`laplace_encode`] and [`laplace_decode`] code the coarse energy residuals of
//! CELT (RFC 6716 section 4.3.2.1): a symmetric, geometrically decaying
//! distribution out of 2^15, where 0 has frequency `fs` and each further step
//! away from 0 is `decay / 2^15` times as likely as the one before, with at
//! least [`LAPLACE_MINP`] for every value that can be coded.
//!
//! [`laplace_encode_p0`] and [`laplace_decode_p0`] are the DRED variant: a
//! three-way symbol for zero, positive or negative, then the magnitude in
//! chunks of up to 7 with a 16-bit inverse CDF built from `decay`.

use super::{RangeDecoder, RangeEncoder};

/// Total frequency of the CELT Laplace model, as a power of two.
const FT_BITS: u32 = 15;
/// Total frequency of the CELT Laplace model.
const FT: u32 = 1 << FT_BITS;
/// log2 of [`LAPLACE_MINP`].
const LAPLACE_LOG_MINP: u32 = 0;
/// Smallest frequency any codable value gets, out of [`FT`].
const LAPLACE_MINP: u32 = 1 << LAPLACE_LOG_MINP;
/// Number of values on each side of 0 that are always codable: the model keeps
/// `LAPLACE_MINP` of frequency in reserve for each.
const LAPLACE_NMIN: u32 = 16;

/// Largest `fs` for which the decaying part of the model is not empty.
const MAX_FS: u32 = FT - LAPLACE_MINP * (2 * LAPLACE_NMIN);

/// Frequency of +1 (and of -1), before the minimum is added: the mass left after
/// `fs0` and the reserve, times `(1 - 2 * decay / 2^15) / 2`, so that the two
/// geometric tails together sum to at most that mass.
///
/// Requires `fs0 <= MAX_FS` and `decay < 2^14`.
fn freq_of_one(fs0: u32, decay: u32) -> u32 {
    let ft = MAX_FS - fs0;
    (ft * (16384 - decay)) >> 15
}

fn check_model(fs: u32, decay: i32) {
    debug_assert!((1..=MAX_FS).contains(&fs), "laplace: fs = {fs}");
    debug_assert!((0..16384).contains(&decay), "laplace: decay = {decay}");
}

/// Encodes `*value` with the Laplace model `(fs, decay)` (libopus
/// `ec_laplace_encode`).
///
/// Values too far from 0 for the model are clamped to the farthest codable one,
/// and `*value` is updated to what was actually coded.
///
/// `fs` (the frequency of 0, out of 2^15) must be in `1..=32736` and `decay`
/// in `0..16384`; CELT uses `decay <= 11456`.
pub fn laplace_encode(enc: &mut RangeEncoder, value: &mut i32, fs: u32, decay: i32) {
    check_model(fs, decay);
    // A negative decay breaks the contract; C would convert it to unsigned, and
    // so does this cast.
    let decay = decay as u32;
    let mut fl = 0;
    let mut fs = fs;
    let val = *value;
    if val != 0 {
        let neg = val < 0;
        // -1 for negative values, 0 otherwise; used as in two's complement
        // `(x + s) ^ s` negation.
        let s = -i32::from(neg);
        // |val|; i32::MIN (far outside any model) is clamped below anyway.
        let mag = val.saturating_abs();
        fl = fs;
        fs = freq_of_one(fs, decay);
        // Walk the decaying part: each step passes both +i and -i.
        let mut i = 1;
        while fs > 0 && i < mag {
            fs *= 2;
            fl += fs + 2 * LAPLACE_MINP;
            fs = (fs * decay) >> 15;
            i += 1;
        }
        if fs == 0 {
            // Past the decaying part every value has frequency LAPLACE_MINP;
            // clamp to the last one that fits below FT.
            // fl is at most about 2^16 here, so the i32 arithmetic is exact.
            let ndi_max = (FT as i32 - fl as i32 + LAPLACE_MINP as i32 - 1) >> LAPLACE_LOG_MINP;
            let ndi_max = (ndi_max - s) >> 1;
            let di = (mag - i).min(ndi_max - 1);
            // di can be -1 when the decaying part used up the whole range; the
            // signed step then moves fl down, as in the C code's conversion.
            fl = fl.wrapping_add_signed((2 * di + 1 + s) * LAPLACE_MINP as i32);
            fs = LAPLACE_MINP.min(FT - fl);
            *value = (i + di + s) ^ s;
        } else {
            // Negative values sit below positive ones with the same magnitude.
            fs += LAPLACE_MINP;
            if !neg {
                fl += fs;
            }
        }
        debug_assert!(fl + fs <= FT && fs > 0);
    }
    enc.encode_bin(fl, fl + fs, FT_BITS);
}

/// Decodes a value coded with [`laplace_encode`] and the same `(fs, decay)`
/// (libopus `ec_laplace_decode`). Any input decodes to some value.
pub fn laplace_decode(dec: &mut RangeDecoder, fs: u32, decay: i32) -> i32 {
    check_model(fs, decay);
    let decay = decay as u32;
    let mut val = 0i32;
    let fm = dec.decode_bin(FT_BITS);
    let mut fl = 0;
    let mut fs = fs;
    if fm >= fs {
        val += 1;
        fl = fs;
        fs = freq_of_one(fs, decay) + LAPLACE_MINP;
        // fl stays at or below fm throughout: each step only advances past
        // the pair (+val, -val) when fm lies beyond both.
        while fs > LAPLACE_MINP && fm >= fl + 2 * fs {
            fs *= 2;
            fl += fs;
            fs = ((fs - 2 * LAPLACE_MINP) * decay) >> 15;
            fs += LAPLACE_MINP;
            val += 1;
        }
        if fs <= LAPLACE_MINP {
            // Flat tail: jump straight to the pair that holds fm.
            let di = (fm - fl) >> (LAPLACE_LOG_MINP + 1);
            val += di as i32;
            fl += 2 * di * LAPLACE_MINP;
        }
        if fm < fl + fs {
            val = -val;
        } else {
            fl += fs;
        }
    }
    dec.update(fl, (fl + fs).min(FT), FT);
    val
}

/// The zero / positive / negative symbol of the DRED model: 0 has frequency
/// `p0` out of 2^15 and the two signs split the rest.
fn sign_icdf(p0: u16) -> [u16; 3] {
    // Same conversions as the C code: int arithmetic stored into 16 bits.
    let first = (FT as i32 - i32::from(p0)) as u16;
    [first, first / 2, 0]
}

/// The magnitude chunk model of the DRED variant: eight symbols, each step
/// `decay / 2^15` as likely as the last, with every entry kept at least
/// `7 - i` so that all eight symbols stay codable.
fn magnitude_icdf(decay: u16) -> [u16; 8] {
    let mut icdf = [0u16; 8];
    icdf[0] = decay.max(7);
    for i in 1..7 {
        // 16 x 16 bits fits in u32; with a valid decay (< 2^15) the result fits
        // in 15 bits, and the cast only matters for invalid ones, as in C.
        let scaled = ((u32::from(icdf[i - 1]) * u32::from(decay)) >> 15) as u16;
        icdf[i] = scaled.max(7 - i as u16);
    }
    icdf
}

/// Encodes `value` with the DRED Laplace model (libopus `ec_laplace_encode_p0`).
///
/// `p0` is the frequency of 0 and `decay` the ratio between successive
/// magnitudes, both out of 2^15; both must be below 2^15 (DRED passes 8-bit
/// table values shifted left by 7).
pub fn laplace_encode_p0(enc: &mut RangeEncoder, value: i32, p0: u16, decay: u16) {
    debug_assert!(
        p0 < 1 << 15 && decay < 1 << 15,
        "laplace_p0: p0 {p0}, decay {decay}"
    );
    let sign = match value {
        0 => 0,
        v if v > 0 => 1,
        _ => 2,
    };
    enc.icdf16(sign, &sign_icdf(p0), FT_BITS);
    if value != 0 {
        let icdf = magnitude_icdf(decay);
        // |value| - 1 in chunks of 7: a chunk of 7 means "at least 7 more".
        let mut rest = value.unsigned_abs() - 1;
        loop {
            enc.icdf16(rest.min(7) as usize, &icdf, FT_BITS);
            if rest < 7 {
                break;
            }
            rest -= 7;
        }
    }
}

/// Decodes a value coded with [`laplace_encode_p0`] and the same `p0` and
/// `decay` (libopus `ec_laplace_decode_p0`). Any input decodes to some value.
pub fn laplace_decode_p0(dec: &mut RangeDecoder, p0: u16, decay: u16) -> i32 {
    debug_assert!(
        p0 < 1 << 15 && decay < 1 << 15,
        "laplace_p0: p0 {p0}, decay {decay}"
    );
    let sign = match dec.icdf16(&sign_icdf(p0), FT_BITS) {
        0 => return 0,
        1 => 1,
        _ => -1,
    };
    let icdf = magnitude_icdf(decay);
    let mut value = 1i32;
    loop {
        let v = dec.icdf16(&icdf, FT_BITS);
        // Saturation can only matter past hundreds of millions of chunks, where
        // libopus would overflow an int.
        value = value.saturating_add(v as i32);
        if v != 7 {
            break;
        }
    }
    sign * value
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0x1A91_ACE5;

    /// The start frequency test_unit_laplace.c derives from the decay: the
    /// share of 0 in a two-sided geometric distribution with that decay.
    fn start_freq(decay: i32) -> u32 {
        let ft = (FT - LAPLACE_MINP * (2 * LAPLACE_NMIN + 1)) as i32;
        let fs = ft * (16384 - decay) / (16384 + decay);
        fs as u32 + LAPLACE_MINP
    }

    #[test]
    fn round_trip_like_test_unit_laplace() {
        let mut rng = StdRng::seed_from_u64(RNG_SEED);
        let n = 10_000;
        let mut vals = vec![0i32; n];
        let mut decays = vec![0i32; n];
        vals[..3].copy_from_slice(&[3, 0, -1]);
        decays[..3].copy_from_slice(&[6000, 5800, 5600]);
        for i in 3..n {
            vals[i] = rng.gen_range(-7..=7);
            decays[i] = rng.gen_range(5000..16000);
        }
        let mut buf = vec![0u8; 40_000];
        let mut enc = RangeEncoder::new(&mut buf);
        for (v, &d) in vals.iter_mut().zip(&decays) {
            let before = *v;
            laplace_encode(&mut enc, v, start_freq(d), d);
            // Values this small are always codable.
            assert_eq!(*v, before);
        }
        enc.done();
        assert!(!enc.error());
        let len = enc.range_bytes() as usize;
        let final_range = enc.final_range();
        let mut dec = RangeDecoder::new(&buf[..len]);
        for (&v, &d) in vals.iter().zip(&decays) {
            assert_eq!(laplace_decode(&mut dec, start_freq(d), d), v);
        }
        assert_eq!(dec.final_range(), final_range);
        assert!(!dec.error());
    }

    /// Large values are clamped to the farthest codable one, and the clamped
    /// value is what decodes; every value up to the clamp point round-trips.
    #[test]
    fn large_values_are_clamped() {
        for &(fs, decay) in &[
            (72u32 << 7, 127 << 6),
            (24 << 7, 179 << 6),
            (192 << 7, 6 << 6),
            (1, 0),
            (32736, 16383),
            (100, 16383),
            (16000, 100),
        ] {
            let mut last_mag = 0;
            for target in [
                1,
                2,
                5,
                17,
                40,
                100,
                1000,
                40_000,
                i32::MAX,
                i32::MIN,
                -1,
                -40_000,
            ] {
                let mut buf = [0u8; 64];
                let mut enc = RangeEncoder::new(&mut buf);
                let mut v = target;
                laplace_encode(&mut enc, &mut v, fs, decay);
                enc.done();
                assert!(!enc.error());
                assert_eq!(v.signum(), target.signum());
                assert!(v.unsigned_abs() <= target.unsigned_abs());
                if target > 0 {
                    assert!(v >= last_mag);
                    last_mag = v;
                }
                let mut dec = RangeDecoder::new(&buf);
                assert_eq!(
                    laplace_decode(&mut dec, fs, decay),
                    v,
                    "fs {fs} decay {decay} target {target}"
                );
            }
        }
    }

    /// Every codable value of a model, in order, owns a contiguous, disjoint part
    /// of the 2^15 frequency range: decode each frequency directly.
    #[test]
    fn decoder_covers_the_whole_range() {
        for &(fs, decay) in &[
            (9216u32, 8128i32),
            (3072, 11456),
            (24576, 384),
            (1, 0),
            (32736, 16383),
        ] {
            let mut count = [0u32; 2 * 40_000];
            for fm in 0..FT {
                // Code exactly the frequency fm with one encode_bin and decode it.
                let mut buf = [0u8; 8];
                let mut enc = RangeEncoder::new(&mut buf);
                enc.encode_bin(fm, fm + 1, FT_BITS);
                enc.done();
                let mut dec = RangeDecoder::new(&buf);
                let v = laplace_decode(&mut dec, fs, decay);
                assert!(!dec.error());
                count[(v + 40_000) as usize] += 1;
                // Re-encoding v must give a value whose interval contains fm.
                let mut buf2 = [0u8; 8];
                let mut enc2 = RangeEncoder::new(&mut buf2);
                let mut v2 = v;
                laplace_encode(&mut enc2, &mut v2, fs, decay);
                assert_eq!(v2, v, "decoded values are codable");
            }
            let total: u32 = count.iter().sum();
            assert_eq!(total, FT);
            assert_eq!(count[40_000], fs, "0 has frequency fs");
        }
    }

    #[test]
    fn p0_round_trip() {
        let mut rng = StdRng::seed_from_u64(RNG_SEED + 1);
        let n = 20_000;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            let p0 = rng.gen_range(0..=255u16) << 7;
            let decay = rng.gen_range(0..=255u16) << 7;
            let mag: i32 = match rng.gen_range(0..4) {
                0 => 0,
                1 => rng.gen_range(1..8),
                2 => rng.gen_range(1..40),
                _ => rng.gen_range(1..300),
            };
            let v = if rng.gen() { mag } else { -mag };
            // With p0 = 0, zero has no probability and cannot be coded.
            let v = if p0 == 0 && v == 0 { 1 } else { v };
            items.push((v, p0, decay));
        }
        let mut buf = vec![0u8; 200_000];
        let mut enc = RangeEncoder::new(&mut buf);
        for &(v, p0, decay) in &items {
            laplace_encode_p0(&mut enc, v, p0, decay);
        }
        enc.done();
        assert!(!enc.error());
        let len = enc.range_bytes() as usize;
        let mut dec = RangeDecoder::new(&buf[..len]);
        for &(v, p0, decay) in &items {
            assert_eq!(laplace_decode_p0(&mut dec, p0, decay), v);
        }
        assert_eq!(dec.final_range(), enc_final_range(&items));
    }

    fn enc_final_range(items: &[(i32, u16, u16)]) -> u32 {
        let mut buf = vec![0u8; 200_000];
        let mut enc = RangeEncoder::new(&mut buf);
        for &(v, p0, decay) in items {
            laplace_encode_p0(&mut enc, v, p0, decay);
        }
        enc.done();
        enc.final_range()
    }

    #[test]
    fn p0_tables() {
        assert_eq!(sign_icdf(16000), [16768, 8384, 0]);
        assert_eq!(sign_icdf(0), [32768, 16384, 0]);
        // decay 16000: 16000, 16000*16000>>15 = 7812, 3814, 1862, 909, 443, 216, 0
        assert_eq!(
            magnitude_icdf(16000),
            [16000, 7812, 3814, 1862, 909, 443, 216, 0]
        );
        // A tiny decay keeps every symbol codable.
        assert_eq!(magnitude_icdf(0), [7, 6, 5, 4, 3, 2, 1, 0]);
    }

    #[test]
    fn p0_random_input_never_panics() {
        let mut rng = StdRng::seed_from_u64(RNG_SEED + 2);
        for _ in 0..3000 {
            let len = rng.gen_range(0..24);
            let mut data = [0u8; 24];
            rng.fill(&mut data[..len]);
            let mut dec = RangeDecoder::new(&data[..len]);
            let p0 = rng.gen_range(0..=255u16) << 7;
            let decay = rng.gen_range(0..=255u16) << 7;
            for _ in 0..50 {
                let v = laplace_decode_p0(&mut dec, p0, decay);
                assert!(v.unsigned_abs() < 1_000_000);
                let d = rng.gen_range(0..=179) << 6;
                let fs = rng.gen_range(1..=255) << 7;
                laplace_decode(&mut dec, fs, d);
            }
            assert!(!dec.error());
        }
    }
}

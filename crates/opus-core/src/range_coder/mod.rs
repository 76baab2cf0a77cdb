//! The range coder of RFC 6716: decoder (section 4.1) and encoder (section 5.1).
//!
//! Every other stage of Opus (SILK, CELT, the Opus framing of redundancy, DRED)
//! reads its symbols through [`RangeDecoder`] and writes them through
//! [`RangeEncoder`]. Both are bit-exact with libopus 1.6.1 (`celt/entdec.c`,
//! `celt/entenc.c`, `celt/entcode.c`): they evolve the same state, write the same
//! bytes, and report the same `tell`, `tell_frac` and final range.
//!
//! A packet holds two streams that share one buffer. Range-coded symbols grow
//! from the front, one byte at a time, and raw bits ([`RangeDecoder::bits`],
//! [`RangeEncoder::bits`]) grow from the back.
//!
//! Following RFC 6716 section 4.1, decoding never fails on a single symbol:
//! past the end of the buffer the decoder reads zero bytes, and problems raise a
//! sticky error flag that callers check once per frame (`error()`).
//!
//! [`laplace_encode`] and [`laplace_decode`] code Laplace-distributed integers for
//! CELT's coarse energy (RFC 6716 section 4.3.2.1); [`laplace_encode_p0`] and
//! [`laplace_decode_p0`] are the variant DRED uses for its latents.

mod decoder;
mod encoder;
mod laplace;

pub use decoder::RangeDecoder;
pub use encoder::{RangeEncoder, RangeEncoderState};
pub use laplace::{laplace_decode, laplace_decode_p0, laplace_encode, laplace_encode_p0};

/// Bits in one output symbol: the coder moves whole bytes.
pub(crate) const SYM_BITS: u32 = 8;
/// Width of the `val` and `rng` registers.
pub(crate) const CODE_BITS: u32 = 32;
/// Largest symbol (byte) value.
pub(crate) const SYM_MAX: u32 = (1 << SYM_BITS) - 1;
/// Shift that brings the top symbol of `val` (plus its carry bit) down to bit 0.
pub(crate) const CODE_SHIFT: u32 = CODE_BITS - SYM_BITS - 1;
/// The carry bit, one above the highest symbol held in `val`.
pub(crate) const CODE_TOP: u32 = 1 << (CODE_BITS - 1);
/// Lowest bit of the top symbol; `rng` is renormalised whenever it falls to this.
pub(crate) const CODE_BOT: u32 = CODE_TOP >> SYM_BITS;
/// Bits of the last, partial symbol that the code register holds.
pub(crate) const CODE_EXTRA: u32 = (CODE_BITS - 2) % SYM_BITS + 1;
/// Width of the raw-bit window at the end of the buffer.
pub(crate) const WINDOW_SIZE: u32 = 32;
/// Most raw bits one call may read or write: the window less one byte, plus one.
pub(crate) const MAX_RAW_BITS: u32 = WINDOW_SIZE - SYM_BITS + 1;

/// Bits of an integer coded with `uint` that go through the range coder; the
/// rest are sent as raw bits.
pub const UINT_BITS: u32 = 8;

/// Fractional resolution of [`RangeDecoder::tell_frac`]: results are in units of
/// 1/2^`BITRES` bit (eighth bits).
pub const BITRES: u32 = 3;

/// Number of significant bits in `x`: `floor(log2(x)) + 1`, and 0 for `x == 0`.
///
/// This is libopus's `EC_ILOG`, which other stages use as well.
#[inline]
pub fn ilog(x: u32) -> i32 {
    // leading_zeros is at most 32, so this fits and cannot go negative.
    (u32::BITS - x.leading_zeros()) as i32
}

/// Upper thresholds for the eighth-bit step of `tell_frac`.
///
/// For a range normalised to 16 bits, `r` in `[2^15, 2^16)`, entry `b` is the
/// largest `r` whose first three bits of `log2(r / 2^15)` are `b` when computed
/// by three truncating squarings of `r` (one bit each). That is about
/// `2^(15 + (b + 1) / 8)`; the last entry never matches. A test recomputes them.
const TELL_FRAC_THRESHOLDS: [u32; 8] = [35733, 38967, 42495, 46340, 50535, 55109, 60097, 65535];

/// Whole bits used so far, rounded up (libopus `ec_tell`).
#[inline]
fn tell(nbits_total: i32, rng: u32) -> i32 {
    nbits_total - ilog(rng)
}

/// Bits used so far in eighth bits, rounded up (libopus `ec_tell_frac`).
///
/// The partial bits still held in `rng` are charged as the worst case,
/// `-log2(rng)` rounded down to an eighth: take the top 16 bits of `rng`, read
/// the first three fraction bits off a linear guess, and correct the guess by
/// one against a threshold table.
fn tell_frac(nbits_total: i32, rng: u32) -> u32 {
    // nbits_total is positive: it starts at 33 and only grows.
    let nbits = (nbits_total as u32) << BITRES;
    // After every renormalisation rng > CODE_BOT, so l >= 24 and the shift below
    // leaves r in [2^15, 2^16).
    let l = ilog(rng) as u32;
    let r = rng >> (l - 16);
    let mut b = (r >> 12) - 8;
    if r > TELL_FRAC_THRESHOLDS[b as usize] {
        b += 1;
    }
    nbits - ((l << BITRES) + b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_reference_layout() {
        assert_eq!(SYM_MAX, 255);
        assert_eq!(CODE_SHIFT, 23);
        assert_eq!(CODE_TOP, 0x8000_0000);
        assert_eq!(CODE_BOT, 0x0080_0000);
        assert_eq!(CODE_EXTRA, 7);
        assert_eq!(MAX_RAW_BITS, 25);
    }

    #[test]
    fn ilog_values() {
        assert_eq!(ilog(0), 0);
        assert_eq!(ilog(1), 1);
        assert_eq!(ilog(2), 2);
        assert_eq!(ilog(3), 2);
        assert_eq!(ilog(255), 8);
        assert_eq!(ilog(256), 9);
        assert_eq!(ilog(0x8000_0000), 32);
        assert_eq!(ilog(u32::MAX), 32);
        for k in 0..32u32 {
            assert_eq!(ilog(1 << k), k as i32 + 1);
            assert_eq!(ilog((1u32 << k) | ((1u32 << k) - 1)), k as i32 + 1);
        }
    }

    /// The exact eighth-bit count, found by squaring the normalised range three
    /// times (one fraction bit per squaring).
    fn tell_frac_by_squaring(nbits_total: i32, rng: u32) -> u32 {
        let nbits = (nbits_total as u32) << BITRES;
        let mut l = ilog(rng) as u32;
        let mut r = rng >> (l - 16);
        for _ in 0..BITRES {
            r = (r * r) >> 15;
            let b = r >> 16;
            l = l << 1 | b;
            r >>= b;
        }
        nbits - l
    }

    /// The three fraction bits of `log2(r / 2^15)` by squaring, for `r` in
    /// `[2^15, 2^16)`: tell_frac of a 16-bit range is `(nbits - 16) * 8 - frac`.
    fn fraction_by_squaring(r: u32) -> u32 {
        (100 - 16) * 8 - tell_frac_by_squaring(100, r)
    }

    #[test]
    fn tell_frac_thresholds_follow_squaring() {
        for (b, &t) in TELL_FRAC_THRESHOLDS.iter().enumerate() {
            let largest = (0x8000u32..=0xFFFF)
                .filter(|&r| fraction_by_squaring(r) <= b as u32)
                .max();
            assert_eq!(Some(t), largest, "entry {b}");
            // Close to the real logarithm.
            let exact = (2f64).powf(15.0 + (b as f64 + 1.0) / 8.0);
            assert!((f64::from(t) - exact).abs() < 2.0, "entry {b}");
        }
    }

    #[test]
    fn tell_frac_matches_squaring_method() {
        // Every 16-bit mantissa, at a few exponents: only the top 16 bits matter.
        for top in 0x8000u32..=0xFFFF {
            for shift in [8, 11, 15, 16] {
                let rng = top << shift | ((1 << shift) - 1);
                if rng <= CODE_BOT {
                    continue;
                }
                assert_eq!(
                    tell_frac(100, rng),
                    tell_frac_by_squaring(100, rng),
                    "rng {rng:#x}"
                );
                assert_eq!(
                    tell_frac(100, top << shift),
                    tell_frac_by_squaring(100, top << shift)
                );
            }
        }
    }

    #[test]
    fn tell_at_start_is_one_bit() {
        assert_eq!(tell(CODE_BITS as i32 + 1, CODE_TOP), 1);
        assert_eq!(tell_frac(CODE_BITS as i32 + 1, CODE_TOP), 8);
    }
}

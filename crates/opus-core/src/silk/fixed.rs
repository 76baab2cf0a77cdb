//! Fixed-point primitives of the SILK decoder.
//!
//! One small function per libopus macro or inline from `silk/macros.h`,
//! `silk/SigProc_FIX.h` and `silk/Inlines.h`, named after it in lower case.
//! Each doc comment gives the formula. Arguments and results are `i32` the
//! way the C macros see them after integer promotion; a "B" operand means the
//! low 16 bits taken as a signed `i16`, a "T" operand the high 16 bits.
//!
//! The multiply-accumulate macros follow libopus's 64-bit build
//! (`OPUS_FAST_INT64`): the product is formed in `i64`, shifted, and the sum is
//! truncated to 32 bits. `silk_LSHIFT*` shift as `u32` in C, so left shifts
//! here never trap either. Plain additions stay plain: libopus never lets
//! them overflow, and debug builds check that. Only the `_ovflw` primitives
//! wrap on purpose.
//!
//! The few vector helpers of `SigProc_FIX.h` that several stages share
//! (energy with shift, log/linear conversion, sigmoid, insertion sort) close
//! the module.

/// `i16::MAX` as `i32` (libopus `silk_int16_MAX`).
pub const INT16_MAX: i32 = i16::MAX as i32;
/// `i16::MIN` as `i32` (libopus `silk_int16_MIN`).
pub const INT16_MIN: i32 = i16::MIN as i32;

/// Multiplier of the SILK linear congruential generator (libopus `RAND_MULTIPLIER`).
pub const RAND_MULTIPLIER: i32 = 196_314_165;
/// Increment of the SILK linear congruential generator (libopus `RAND_INCREMENT`).
pub const RAND_INCREMENT: i32 = 907_633_515;

/// `silk_SMULWB`: `(a * (i16)b) >> 16`, truncated to 32 bits.
#[inline]
pub fn smulwb(a: i32, b: i32) -> i32 {
    ((a as i64 * (b as i16) as i64) >> 16) as i32
}

/// `silk_SMLAWB`: `a + ((b * (i16)c) >> 16)`, truncated to 32 bits.
#[inline]
pub fn smlawb(a: i32, b: i32, c: i32) -> i32 {
    (a as i64 + ((b as i64 * (c as i16) as i64) >> 16)) as i32
}

/// `silk_SMULWT`: `(a * (b >> 16)) >> 16`, truncated to 32 bits.
#[inline]
pub fn smulwt(a: i32, b: i32) -> i32 {
    ((a as i64 * (b >> 16) as i64) >> 16) as i32
}

/// `silk_SMLAWT`: `a + ((b * (c >> 16)) >> 16)`, truncated to 32 bits.
#[inline]
pub fn smlawt(a: i32, b: i32, c: i32) -> i32 {
    (a as i64 + ((b as i64 * (c >> 16) as i64) >> 16)) as i32
}

/// `silk_SMULBB`: `(i16)a * (i16)b`.
#[inline]
pub fn smulbb(a: i32, b: i32) -> i32 {
    (a as i16 as i32) * (b as i16 as i32)
}

/// `silk_SMLABB`: `a + (i16)b * (i16)c`.
#[inline]
pub fn smlabb(a: i32, b: i32, c: i32) -> i32 {
    a + smulbb(b, c)
}

/// `silk_SMLABB_ovflw`: `a + (i16)b * (i16)c`, wrapping on overflow.
#[inline]
pub fn smlabb_ovflw(a: i32, b: i32, c: i32) -> i32 {
    a.wrapping_add(smulbb(b, c))
}

/// `silk_SMULBT`: `(i16)a * (b >> 16)`.
#[inline]
pub fn smulbt(a: i32, b: i32) -> i32 {
    (a as i16 as i32) * (b >> 16)
}

/// `silk_SMLABT`: `a + (i16)b * (c >> 16)`.
#[inline]
pub fn smlabt(a: i32, b: i32, c: i32) -> i32 {
    a + smulbt(b, c)
}

/// `silk_SMULTT`: `(a >> 16) * (b >> 16)`.
#[inline]
pub fn smultt(a: i32, b: i32) -> i32 {
    (a >> 16) * (b >> 16)
}

/// `silk_SMULWW`: `(a * b) >> 16`, product in 64 bits, truncated to 32 bits.
#[inline]
pub fn smulww(a: i32, b: i32) -> i32 {
    ((a as i64 * b as i64) >> 16) as i32
}

/// `silk_SMLAWW`: `a + ((b * c) >> 16)`, product in 64 bits, truncated to 32 bits.
#[inline]
pub fn smlaww(a: i32, b: i32, c: i32) -> i32 {
    (a as i64 + ((b as i64 * c as i64) >> 16)) as i32
}

/// `silk_SMULL`: the full 64-bit product `a * b`.
#[inline]
pub fn smull(a: i32, b: i32) -> i64 {
    a as i64 * b as i64
}

/// `silk_SMLAL`: `a + b * c` in 64 bits.
#[inline]
pub fn smlal(a: i64, b: i32, c: i32) -> i64 {
    a + smull(b, c)
}

/// `silk_SMMUL`: the high word of the 64-bit product, `(a * b) >> 32`.
#[inline]
pub fn smmul(a: i32, b: i32) -> i32 {
    ((a as i64 * b as i64) >> 32) as i32
}

/// `silk_MUL`: `a * b`.
#[inline]
pub fn mul(a: i32, b: i32) -> i32 {
    a * b
}

/// `silk_MLA`: `a + b * c`.
#[inline]
pub fn mla(a: i32, b: i32, c: i32) -> i32 {
    a + b * c
}

/// `silk_MLA_ovflw`: `a + b * c` in unsigned 32-bit arithmetic, wrapping.
#[inline]
pub fn mla_ovflw(a: i32, b: i32, c: i32) -> i32 {
    a.wrapping_add(b.wrapping_mul(c))
}

/// `silk_ADD32_ovflw`: `a + b`, wrapping.
#[inline]
pub fn add32_ovflw(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

/// `silk_SUB32_ovflw`: `a - b`, wrapping.
#[inline]
pub fn sub32_ovflw(a: i32, b: i32) -> i32 {
    a.wrapping_sub(b)
}

/// `silk_ADD_SAT32`: `a + b` saturated to `[i32::MIN, i32::MAX]`.
#[inline]
pub fn add_sat32(a: i32, b: i32) -> i32 {
    a.saturating_add(b)
}

/// `silk_SUB_SAT32`: `a - b` saturated to `[i32::MIN, i32::MAX]`.
#[inline]
pub fn sub_sat32(a: i32, b: i32) -> i32 {
    a.saturating_sub(b)
}

/// `silk_ADD_SAT16`: `sat16(a + b)`.
#[inline]
pub fn add_sat16(a: i32, b: i32) -> i16 {
    sat16(a + b)
}

/// `silk_SAT16`: `a` clamped to `[-32768, 32767]`.
#[inline]
pub fn sat16(a: i32) -> i16 {
    a.clamp(INT16_MIN, INT16_MAX) as i16
}

/// `silk_SAT32` applied to a 64-bit value: clamped to the `i32` range.
#[inline]
pub fn sat32(a: i64) -> i32 {
    a.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

/// `silk_LSHIFT32` (also `silk_LSHIFT`, `silk_LSHIFT_ovflw`): `a << shift`,
/// computed on the bits as `u32` (so it cannot trap), for `0 <= shift < 32`.
#[inline]
pub fn lshift(a: i32, shift: i32) -> i32 {
    debug_assert!((0..32).contains(&shift));
    ((a as u32) << shift) as i32
}

/// `silk_RSHIFT32` (also `silk_RSHIFT`): arithmetic `a >> shift`, for `0 <= shift < 32`.
#[inline]
pub fn rshift(a: i32, shift: i32) -> i32 {
    debug_assert!((0..32).contains(&shift));
    a >> shift
}

/// `silk_LSHIFT_SAT32`: `a` limited to `[i32::MIN >> shift, i32::MAX >> shift]`,
/// then shifted left, so the result saturates instead of wrapping.
#[inline]
pub fn lshift_sat32(a: i32, shift: i32) -> i32 {
    lshift(limit(a, i32::MIN >> shift, i32::MAX >> shift), shift)
}

/// `silk_ADD_LSHIFT32`: `a + (b << shift)`.
#[inline]
pub fn add_lshift32(a: i32, b: i32, shift: i32) -> i32 {
    a + lshift(b, shift)
}

/// `silk_ADD_RSHIFT32`: `a + (b >> shift)`.
#[inline]
pub fn add_rshift32(a: i32, b: i32, shift: i32) -> i32 {
    a + (b >> shift)
}

/// `silk_SUB_LSHIFT32`: `a - (b << shift)`.
#[inline]
pub fn sub_lshift32(a: i32, b: i32, shift: i32) -> i32 {
    a - lshift(b, shift)
}

/// `silk_SUB_RSHIFT32`: `a - (b >> shift)`.
#[inline]
pub fn sub_rshift32(a: i32, b: i32, shift: i32) -> i32 {
    a - (b >> shift)
}

/// `silk_RSHIFT_ROUND`: `a >> shift` rounded half up, i.e.
/// `((a >> (shift - 1)) + 1) >> 1`, and `(a >> 1) + (a & 1)` for `shift == 1`.
/// `shift` must be at least 1.
#[inline]
pub fn rshift_round(a: i32, shift: i32) -> i32 {
    debug_assert!((1..32).contains(&shift));
    if shift == 1 {
        (a >> 1) + (a & 1)
    } else {
        ((a >> (shift - 1)) + 1) >> 1
    }
}

/// `silk_RSHIFT_ROUND64`: [`rshift_round`] on 64-bit values.
#[inline]
pub fn rshift_round64(a: i64, shift: i32) -> i64 {
    debug_assert!((1..64).contains(&shift));
    if shift == 1 {
        (a >> 1) + (a & 1)
    } else {
        ((a >> (shift - 1)) + 1) >> 1
    }
}

/// `silk_LIMIT`: `a` clamped between `limit1` and `limit2`, whichever order
/// they come in. When `limit1 > limit2` the bounds are tested as the C macro
/// tests them (upper first).
#[inline]
pub fn limit(a: i32, limit1: i32, limit2: i32) -> i32 {
    if limit1 > limit2 {
        if a > limit1 {
            limit1
        } else if a < limit2 {
            limit2
        } else {
            a
        }
    } else if a > limit2 {
        limit2
    } else if a < limit1 {
        limit1
    } else {
        a
    }
}

/// `silk_abs`: `|a|`. `i32::MIN` maps to itself, as two's-complement
/// negation does in the compiled reference.
#[inline]
pub fn abs(a: i32) -> i32 {
    a.wrapping_abs()
}

/// `silk_DIV32_16` and `silk_DIV32`: `a / b`, truncating toward zero. `b` must not be 0.
#[inline]
pub fn div32(a: i32, b: i32) -> i32 {
    debug_assert!(b != 0);
    a.wrapping_div(b)
}

/// `silk_CLZ32`: the number of leading zero bits of `a` as a `u32`; 32 for 0.
#[inline]
pub fn clz32(a: i32) -> i32 {
    (a as u32).leading_zeros() as i32
}

/// `silk_CLZ16`: leading zeros of the 16-bit value `a`; 16 for 0.
#[inline]
pub fn clz16(a: i16) -> i32 {
    (a as u16).leading_zeros() as i32
}

/// `silk_CLZ64`: leading zeros of a 64-bit value; 64 for 0.
#[inline]
pub fn clz64(a: i64) -> i32 {
    (a as u64).leading_zeros() as i32
}

/// `silk_ROR32`: rotate the 32 bits of `a` right by `rot` (left when `rot < 0`).
#[inline]
pub fn ror32(a: i32, rot: i32) -> i32 {
    let x = a as u32;
    if rot >= 0 {
        x.rotate_right(rot as u32 & 31) as i32
    } else {
        x.rotate_left(rot.unsigned_abs() & 31) as i32
    }
}

/// `silk_CLZ_FRAC`: `(clz32(a), the 7 bits below the leading one)`, the
/// fraction being `ror32(a, 24 - lz) & 0x7f`.
#[inline]
pub fn clz_frac(a: i32) -> (i32, i32) {
    let lz = clz32(a);
    (lz, ror32(a, 24 - lz) & 0x7f)
}

/// `silk_SQRT_APPROX`: square root within about 10 % (2.5 % above 120);
/// 0 for `x <= 0`. `y = 2^(15 - lz/2)` (times sqrt(2) for even `lz`), then
/// `y += y * (213 * frac_Q7) >> 16`.
#[inline]
pub fn sqrt_approx(x: i32) -> i32 {
    if x <= 0 {
        return 0;
    }
    let (lz, frac_q7) = clz_frac(x);
    let mut y: i32 = if lz & 1 != 0 { 32768 } else { 46214 };
    y >>= lz >> 1;
    smlawb(y, y, smulbb(213, frac_q7))
}

/// `silk_DIV32_varQ`: about `(a << q_res) / b` with 29-bit-ish precision,
/// from a 14-bit reciprocal of the normalised denominator plus one Newton
/// refinement. Saturates when the result does not fit. `b` must not be 0
/// and `q_res >= 0`.
#[inline]
pub fn div32_varq(a: i32, b: i32, q_res: i32) -> i32 {
    debug_assert!(b != 0 && q_res >= 0);
    // Normalise both operands to use their headroom.
    let a_headrm = clz32(abs(a)) - 1;
    let mut a_nrm = lshift(a, a_headrm);
    let b_headrm = clz32(abs(b)) - 1;
    let b_nrm = lshift(b, b_headrm);
    // 1/b with about 14 bits of precision, Q(29 + 16 - b_headrm).
    let b_inv = div32(i32::MAX >> 2, b_nrm >> 16);
    // First estimate, Q(29 + a_headrm - b_headrm).
    let mut result = smulwb(a_nrm, b_inv);
    // Residual a - b * result; it is small, so the wrap libopus allows is harmless.
    a_nrm = sub32_ovflw(a_nrm, lshift(smmul(b_nrm, result), 3));
    result = smlawb(result, a_nrm, b_inv);
    let lshift_n = 29 + a_headrm - b_headrm - q_res;
    if lshift_n < 0 {
        lshift_sat32(result, -lshift_n)
    } else if lshift_n < 32 {
        result >> lshift_n
    } else {
        0
    }
}

/// `silk_INVERSE32_varQ`: about `(1 << q_res) / b`, from a 14-bit reciprocal
/// and one refinement step. `b` must not be 0 and `q_res > 0`.
#[inline]
pub fn inverse32_varq(b: i32, q_res: i32) -> i32 {
    debug_assert!(b != 0 && q_res > 0);
    let b_headrm = clz32(abs(b)) - 1;
    let b_nrm = lshift(b, b_headrm);
    // 1/b with about 14 bits of precision, Q(29 + 16 - b_headrm).
    let b_inv = div32(i32::MAX >> 2, b_nrm >> 16);
    // First estimate, Q(61 - b_headrm).
    let mut result = lshift(b_inv, 16);
    // 1 - b * estimate, Q32.
    let err_q32 = lshift((1 << 29) - smulwb(b_nrm, b_inv), 3);
    result = smlaww(result, err_q32, b_inv);
    let lshift_n = 61 - b_headrm - q_res;
    if lshift_n <= 0 {
        lshift_sat32(result, -lshift_n)
    } else if lshift_n < 32 {
        result >> lshift_n
    } else {
        0
    }
}

/// `silk_RAND`: the next state of SILK's generator,
/// `RAND_INCREMENT + seed * RAND_MULTIPLIER`, wrapping.
#[inline]
pub fn rand(seed: i32) -> i32 {
    mla_ovflw(RAND_INCREMENT, seed, RAND_MULTIPLIER)
}

/// `SILK_FIX_CONST(c, q)`: `c * 2^q` rounded half up, evaluated at compile time.
pub const fn fix_const(c: f64, q: u32) -> i32 {
    let v = c * (1u64 << q) as f64 + 0.5;
    v as i32
}

/// `silk_lin2log`: about `128 * log2(x)` for `x > 0`, from the leading-zero
/// count plus a parabolic correction `frac + ((frac * (128 - frac)) * 179 >> 16)`.
pub fn lin2log(in_lin: i32) -> i32 {
    let (lz, frac_q7) = clz_frac(in_lin);
    add_lshift32(
        smlawb(frac_q7, mul(frac_q7, 128 - frac_q7), 179),
        31 - lz,
        7,
    )
}

/// `silk_log2lin`: about `2^(x / 128)`; 0 for negative input and `i32::MAX`
/// from 3967 (31 in Q7) up.
pub fn log2lin(in_log_q7: i32) -> i32 {
    if in_log_q7 < 0 {
        return 0;
    } else if in_log_q7 >= 3967 {
        return i32::MAX;
    }
    let mut out = lshift(1, in_log_q7 >> 7);
    let frac_q7 = in_log_q7 & 0x7f;
    let corr = smlawb(frac_q7, smulbb(frac_q7, 128 - frac_q7), -174);
    if in_log_q7 < 2048 {
        out = add_rshift32(out, mul(out, corr), 7);
    } else {
        out = mla(out, out >> 7, corr);
    }
    out
}

/// Slopes of the sigmoid table, Q10 (local table of libopus `silk_sigm_Q15`).
#[rustfmt::skip]
const SIGM_LUT_SLOPE_Q10: [i32; 6] = [237, 153, 73, 30, 12, 7];
/// Sigmoid at 0..5, Q15 (local table of libopus `silk_sigm_Q15`).
#[rustfmt::skip]
const SIGM_LUT_POS_Q15: [i32; 6] = [16384, 23955, 28861, 31213, 32178, 32548];
/// Sigmoid at 0..-5, Q15 (local table of libopus `silk_sigm_Q15`).
#[rustfmt::skip]
const SIGM_LUT_NEG_Q15: [i32; 6] = [16384, 8812, 3906, 1554, 589, 219];

/// `silk_sigm_Q15`: the logistic function of a Q5 input, Q15 output, by
/// linear interpolation in a 6-entry table; clipped beyond ±6.
pub fn sigm_q15(in_q5: i32) -> i32 {
    if in_q5 < 0 {
        let x = in_q5.saturating_neg();
        if x >= 6 * 32 {
            0
        } else {
            let ind = (x >> 5) as usize;
            SIGM_LUT_NEG_Q15[ind] - smulbb(SIGM_LUT_SLOPE_Q10[ind], x & 0x1f)
        }
    } else if in_q5 >= 6 * 32 {
        32767
    } else {
        let ind = (in_q5 >> 5) as usize;
        SIGM_LUT_POS_Q15[ind] + smulbb(SIGM_LUT_SLOPE_Q10[ind], in_q5 & 0x1f)
    }
}

/// `silk_sum_sqr_shift`: returns `(energy, shift)` with
/// `energy = sum(x[i]^2) >> shift` and `shift` the smallest that leaves two
/// bits of headroom in an `i32`. Pairs of squares are summed in 32 bits
/// (wrapping, as libopus allows) and shifted as unsigned before accumulating.
pub fn sum_sqr_shift(x: &[i16]) -> (i32, i32) {
    let len = x.len() as i32;
    let pass = |shft: i32, start: i32| -> i32 {
        let mut nrg = start;
        let mut pairs = x.chunks_exact(2);
        for p in &mut pairs {
            let a = p[0] as i32;
            let b = p[1] as i32;
            let tmp = smlabb_ovflw(smulbb(a, a), b, b) as u32;
            nrg = (nrg as u32).wrapping_add(tmp >> shft) as i32;
        }
        if let [last] = pairs.remainder() {
            let a = *last as i32;
            let tmp = smulbb(a, a) as u32;
            nrg = (nrg as u32).wrapping_add(tmp >> shft) as i32;
        }
        nrg
    };
    // First pass with the largest shift the length could need, starting at
    // `len` to be conservative about rounding.
    let shft = 31 - clz32(len);
    let nrg = pass(shft, len);
    let shft = (shft + 3 - clz32(nrg)).max(0);
    (pass(shft, 0), shft)
}

/// `silk_insertion_sort_increasing_all_values_int16`: sorts `a` in place,
/// ascending (insertion sort, fast on nearly sorted input).
pub fn insertion_sort_increasing_all_values_i16(a: &mut [i16]) {
    for i in 1..a.len() {
        let value = a[i];
        let mut j = i;
        while j > 0 && value < a[j - 1] {
            a[j] = a[j - 1];
            j -= 1;
        }
        a[j] = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RNG_SEED: u32 = 0x5eed_1234;

    fn xorshift(s: &mut u32) -> u32 {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        *s
    }

    #[test]
    fn multiply_accumulate_matches_formulas() {
        let mut s = RNG_SEED;
        for _ in 0..10_000 {
            let a = xorshift(&mut s) as i32;
            let b = xorshift(&mut s) as i32;
            let c = xorshift(&mut s) as i32;
            // Reference formulas in 128-bit, truncated the way the C casts truncate.
            let smulwb_ref = ((a as i128 * (b as i16) as i128) >> 16) as i32;
            assert_eq!(smulwb(a, b), smulwb_ref);
            // The split 32-bit form of the macro gives the same value when it fits.
            let split = (a >> 16) as i64 * (b as i16) as i64
                + (((a & 0xffff) as i64 * (b as i16) as i64) >> 16);
            assert_eq!(smulwb(a, b) as i64, split);
            let smlawb_ref = (a as i128 + ((b as i128 * (c as i16) as i128) >> 16)) as i32;
            assert_eq!(smlawb(a, b, c), smlawb_ref);
            assert_eq!(smulww(a, b), ((a as i128 * b as i128) >> 16) as i32);
            assert_eq!(smmul(a, b), ((a as i128 * b as i128) >> 32) as i32);
            assert_eq!(smulbb(a, b), (a as i16 as i32) * (b as i16 as i32));
            assert_eq!(smulwt(a, b), ((a as i64 * (b >> 16) as i64) >> 16) as i32);
        }
    }

    #[test]
    fn saturation_edges() {
        assert_eq!(add_sat32(i32::MAX, 1), i32::MAX);
        assert_eq!(add_sat32(i32::MIN, -1), i32::MIN);
        assert_eq!(add_sat32(-5, 3), -2);
        assert_eq!(sub_sat32(i32::MIN, 1), i32::MIN);
        assert_eq!(sub_sat32(i32::MAX, -1), i32::MAX);
        assert_eq!(sub_sat32(0, i32::MIN), i32::MAX);
        assert_eq!(sat16(40000), 32767);
        assert_eq!(sat16(-40000), -32768);
        assert_eq!(sat16(-7), -7);
        // The limit is `i32::MAX >> 1`, so the result is one below `i32::MAX`.
        assert_eq!(lshift_sat32(0x4000_0000, 1), i32::MAX - 1);
        assert_eq!(lshift_sat32(-0x4000_0001, 1), i32::MIN);
        assert_eq!(lshift_sat32(-3, 4), -48);
        assert_eq!(lshift_sat32(12345, 0), 12345);
    }

    #[test]
    fn rounding_shifts() {
        assert_eq!(rshift_round(5, 1), 3);
        assert_eq!(rshift_round(-5, 1), -2);
        assert_eq!(rshift_round(6, 2), 2);
        assert_eq!(rshift_round(-6, 2), -1);
        assert_eq!(rshift_round(-7, 2), -2);
        assert_eq!(rshift_round(i32::MAX, 16), 32768);
        assert_eq!(rshift_round(i32::MIN, 16), -32768);
        assert_eq!(rshift_round64(-(1i64 << 40) - 1, 20), -(1i64 << 20));
        assert_eq!(lshift(-1, 31), i32::MIN);
        assert_eq!(lshift(0x4000_0000, 1), i32::MIN);
    }

    #[test]
    fn limit_either_order() {
        assert_eq!(limit(5, 0, 3), 3);
        assert_eq!(limit(5, 3, 0), 3);
        assert_eq!(limit(-1, 3, 0), 0);
        assert_eq!(limit(2, 0, 3), 2);
    }

    #[test]
    fn leading_zeros_and_rotation() {
        assert_eq!(clz32(0), 32);
        assert_eq!(clz32(1), 31);
        assert_eq!(clz32(-1), 0);
        assert_eq!(clz16(0), 16);
        assert_eq!(clz16(1), 15);
        assert_eq!(clz64(1), 63);
        assert_eq!(ror32(1, 1), i32::MIN);
        assert_eq!(ror32(i32::MIN, -1), 1);
        assert_eq!(ror32(0x1234_5678, 0), 0x1234_5678);
        assert_eq!(clz_frac(0x100), (23, 0));
        assert_eq!(clz_frac(0x1ff), (23, 0x7f));
    }

    #[test]
    fn varq_divisions_are_close() {
        let mut s = RNG_SEED;
        for _ in 0..5_000 {
            let a = (xorshift(&mut s) >> 8) as i32 - (1 << 23);
            let b = (xorshift(&mut s) >> 12) as i32 + 1;
            let want = ((a as i64) << 16) / b as i64;
            if want.abs() < (1 << 30) {
                let got = div32_varq(a, b, 16) as i64;
                assert!(
                    (got - want).abs() <= want.abs() / 1000 + 2,
                    "{a} / {b}: {got} vs {want}"
                );
            }
            let inv = inverse32_varq(b, 47) as i64;
            let want = (1i64 << 47) / b as i64;
            if want < (1 << 31) {
                assert!(
                    (inv - want).abs() <= want / 1000 + 2,
                    "1/{b}: {inv} vs {want}"
                );
            }
        }
        // Saturation and the out-of-range shift branch.
        // Saturates through `lshift_sat32`: (i32::MAX >> 17) << 17.
        assert_eq!(div32_varq(i32::MAX, 1, 16), (i32::MAX >> 17) << 17);
        assert_eq!(div32_varq(1, i32::MAX, 0), 0);
        assert!((inverse32_varq(65536, 32) - 65536).abs() <= 2);
        assert!((inverse32_varq(-3, 20) + 349_525).abs() <= 40);
    }

    #[test]
    fn sqrt_approx_within_ten_percent() {
        assert_eq!(sqrt_approx(0), 0);
        assert_eq!(sqrt_approx(-4), 0);
        for x in [16, 100, 1000, 12345, 1 << 20, i32::MAX] {
            let want = (x as f64).sqrt();
            let got = sqrt_approx(x) as f64;
            assert!((got - want).abs() <= 0.1 * want, "sqrt({x}) = {got}");
        }
    }

    #[test]
    fn log_and_linear_are_near_inverses() {
        assert_eq!(log2lin(-1), 0);
        assert_eq!(log2lin(3967), i32::MAX);
        assert_eq!(log2lin(0), 1);
        assert_eq!(lin2log(1), 0);
        assert_eq!(lin2log(1 << 16), 16 << 7);
        for q7 in (0..3967).step_by(37) {
            let lin = log2lin(q7);
            let back = lin2log(lin);
            assert!(
                (back - q7).abs() <= 4 || lin < 4096,
                "{q7} -> {lin} -> {back}"
            );
        }
    }

    #[test]
    fn sigmoid_edges() {
        assert_eq!(sigm_q15(0), 16384);
        assert_eq!(sigm_q15(1000), 32767);
        assert_eq!(sigm_q15(-1000), 0);
        assert_eq!(sigm_q15(i32::MIN), 0);
        // Table knots and one interpolated point.
        assert_eq!(sigm_q15(32), 23955);
        assert_eq!(sigm_q15(-64), 3906);
        assert_eq!(sigm_q15(16), 16384 + 237 * 16);
        for x in -300..300 {
            assert!((0..=32767).contains(&sigm_q15(x)));
        }
    }

    #[test]
    fn energy_shift_fits_with_headroom() {
        let loud = [i16::MIN; 320];
        let (nrg, shift) = sum_sqr_shift(&loud);
        assert!(nrg > 0 && nrg < (1 << 30));
        let exact: i64 = loud.iter().map(|&v| (v as i64) * (v as i64)).sum();
        assert!(((exact >> shift) - nrg as i64).abs() <= 320);
        assert_eq!(sum_sqr_shift(&[3, 4, 5]), (50, 0));
        assert_eq!(sum_sqr_shift(&[]), (0, 0));
    }

    #[test]
    fn sort_and_rand() {
        let mut v = [5i16, -3, 9, 0, 9, -32768];
        insertion_sort_increasing_all_values_i16(&mut v);
        assert_eq!(v, [-32768, -3, 0, 5, 9, 9]);
        assert_eq!(rand(0), RAND_INCREMENT);
        assert_eq!(rand(1), RAND_INCREMENT.wrapping_add(RAND_MULTIPLIER));
        assert_eq!(fix_const(0.25, 14), 4096);
        assert_eq!(fix_const(0.99975, 24), 16_773_022);
    }
}

//! Band shape decoding (RFC 6716 section 4.3.4; libopus `celt/bands.c`).
//!
//! [`quant_all_bands`] walks the bands of a frame and decodes each band's normalised
//! shape: a PVQ codeword, recursively split in halves with a gain angle `theta` when the
//! band has more bits than one codeword can use, coded as mid/side or intensity stereo
//! for two channels, with the band's time-frequency resolution changed by Haar
//! transforms. Bands with no pulses are filled by folding earlier decoded bands (the
//! "lowband") or with noise. The module also holds the steps that follow: filling
//! collapsed short blocks with noise ([`anti_collapse`]) and scaling the shapes by the
//! band energies ([`denormalise_bands`]).
//!
//! The per-band context carries a [`BandCoder`], so that the encoder, which runs the
//! same recursion, can be added as a second variant.

use super::alloc::{
    bits2pulses, get_pulses, pulses2bits, BITRES, QTHETA_OFFSET, QTHETA_OFFSET_TWOPHASE,
};
use super::mathops::{
    celt_exp2, celt_inner_prod, celt_rsqrt, celt_sqrt, celt_sudiv, celt_udiv, ec_ilog, frac_mul16,
    isqrt32, max32, min32, EPSILON,
};
use super::mode::{CeltMode, MAX_BAND_SIZE, MAX_LM};
use super::tables::{
    BIT_DEINTERLEAVE_TABLE, BIT_INTERLEAVE_TABLE, EBANDS_5MS, EXP2_TABLE8, E_MEANS, NB_EBANDS,
    ORDERY_TABLE,
};
use super::vq::{
    alg_quant, alg_unquant, renormalise_vector, stereo_itheta, SPREAD_AGGRESSIVE, SPREAD_LIGHT,
    SPREAD_NONE, SPREAD_NORMAL,
};
use crate::range_coder::{RangeDecoder, RangeEncoder};

/// 1/sqrt(2) as libopus writes it (`QCONST32(.70710678f, 31)`), for the Haar steps.
#[allow(clippy::approx_constant)]
const HAAR_SCALE: f32 = 0.70710678;

/// sqrt(2) as libopus writes it in `anti_collapse`.
#[allow(clippy::approx_constant)]
const ANTI_COLLAPSE_SQRT2: f32 = 1.41421356;

/// Size of the folding buffer of one channel: the spectrum below the last band.
const NORM_SIZE: usize = (EBANDS_5MS[NB_EBANDS - 1] as usize) << MAX_LM;

/// The entropy coder that the band recursion reads from or writes to; the
/// recursion branches on it where libopus tests `encode`.
#[derive(Debug)]
pub enum BandCoder<'a, 'b> {
    /// Decode symbols from this range decoder.
    Decode(&'a mut RangeDecoder<'b>),
    /// Quantise the shapes and encode them with this range encoder.
    Encode(&'a mut RangeEncoder<'b>),
}

impl<'b> BandCoder<'_, 'b> {
    /// Bits used so far, in eighth-bits.
    #[inline]
    fn tell_frac(&self) -> i32 {
        match self {
            BandCoder::Decode(dec) => dec.tell_frac() as i32,
            BandCoder::Encode(enc) => enc.tell_frac() as i32,
        }
    }

    /// The range encoder, when encoding.
    #[inline]
    fn encoder(&mut self) -> Option<&mut RangeEncoder<'b>> {
        match self {
            BandCoder::Decode(_) => None,
            BandCoder::Encode(enc) => Some(enc),
        }
    }

    /// Whether this is the encoder.
    #[inline]
    fn encode(&self) -> bool {
        matches!(self, BandCoder::Encode(_))
    }
}

/// Next value of CELT's linear congruential generator (libopus `celt_lcg_rand`).
#[inline]
pub fn celt_lcg_rand(seed: u32) -> u32 {
    seed.wrapping_mul(1664525).wrapping_add(1013904223)
}

/// Integer approximation of 32768 * cos(pi/2 * x / 16384), bit-exact on every
/// platform because the allocation depends on it (libopus `bitexact_cos`).
///
/// The split angles reach it with `x` in `64..=16320`.
pub fn bitexact_cos(x: i16) -> i16 {
    let tmp = (4096 + i32::from(x) * i32::from(x)) >> 13;
    let x2 = tmp as i16;
    let x2 = i32::from(x2);
    let poly = (32767 - x2) + frac_mul16(x2, -7651 + frac_mul16(x2, 8277 + frac_mul16(-626, x2)));
    let x2 = poly as i16;
    (1 + i32::from(x2)) as i16
}

/// Integer approximation of 2048 * log2(isin / icos), for positive arguments
/// (libopus `bitexact_log2tan`).
pub fn bitexact_log2tan(isin: i32, icos: i32) -> i32 {
    let lc = ec_ilog(icos as u32);
    let ls = ec_ilog(isin as u32);
    let icos = icos << (15 - lc);
    let isin = isin << (15 - ls);
    (ls - lc) * (1 << 11) + frac_mul16(isin, frac_mul16(isin, -2597) + 7932)
        - frac_mul16(icos, frac_mul16(icos, -2597) + 7932)
}

/// One level of the Haar transform over `n0` coefficients interleaved by `stride`
/// (libopus `haar1`).
pub fn haar1(x: &mut [f32], n0: usize, stride: usize) {
    let n0 = n0 >> 1;
    for i in 0..stride {
        for j in 0..n0 {
            let a = stride * 2 * j + i;
            let b = stride * (2 * j + 1) + i;
            let tmp1 = HAAR_SCALE * x[a];
            let tmp2 = HAAR_SCALE * x[b];
            x[a] = tmp1 + tmp2;
            x[b] = tmp1 - tmp2;
        }
    }
}

/// Reorders `stride` interleaved blocks of `n0` into consecutive blocks, in sequency
/// order when `hadamard` (libopus `deinterleave_hadamard`).
fn deinterleave_hadamard(x: &mut [f32], n0: usize, stride: usize, hadamard: bool) {
    let n = n0 * stride;
    let mut tmp = [0.0f32; MAX_BAND_SIZE];
    if hadamard {
        let ordery = &ORDERY_TABLE[stride - 2..];
        for i in 0..stride {
            for j in 0..n0 {
                tmp[ordery[i] * n0 + j] = x[j * stride + i];
            }
        }
    } else {
        for i in 0..stride {
            for j in 0..n0 {
                tmp[i * n0 + j] = x[j * stride + i];
            }
        }
    }
    x[..n].copy_from_slice(&tmp[..n]);
}

/// The inverse of [`deinterleave_hadamard`] (libopus `interleave_hadamard`).
fn interleave_hadamard(x: &mut [f32], n0: usize, stride: usize, hadamard: bool) {
    let n = n0 * stride;
    let mut tmp = [0.0f32; MAX_BAND_SIZE];
    if hadamard {
        let ordery = &ORDERY_TABLE[stride - 2..];
        for i in 0..stride {
            for j in 0..n0 {
                tmp[j * stride + i] = x[ordery[i] * n0 + j];
            }
        }
    } else {
        for i in 0..stride {
            for j in 0..n0 {
                tmp[j * stride + i] = x[i * n0 + j];
            }
        }
    }
    x[..n].copy_from_slice(&tmp[..n]);
}

/// Number of theta steps for a split of `n` coefficients with `b` eighth-bits (libopus
/// `compute_qn`): 1 (no angle coded) or an even number up to 256.
pub fn compute_qn(n: i32, b: i32, offset: i32, pulse_cap: i32, stereo: bool) -> i32 {
    let mut n2 = 2 * n - 1;
    if stereo && n == 2 {
        n2 -= 1;
    }
    // Keep enough bits for a pulse in the side when itheta is 16384.
    let mut qb = celt_sudiv(b + n2 * offset, n2);
    qb = qb.min(b - pulse_cap - (4 << BITRES));
    qb = qb.min(8 << BITRES);
    if qb < (1 << BITRES >> 1) {
        1
    } else {
        let qn = i32::from(EXP2_TABLE8[(qb & 0x7) as usize]) >> (14 - (qb >> BITRES));
        (qn + 1) >> 1 << 1
    }
}

/// State shared by the band recursion (libopus `struct band_ctx`).
struct BandCtx<'a, 'b> {
    coder: BandCoder<'a, 'b>,
    mode: &'a CeltMode,
    /// Current band.
    i: usize,
    intensity: i32,
    spread: i32,
    tf_change: i32,
    remaining_bits: i32,
    /// Band amplitudes, for the encoder's stereo decisions.
    band_e: Option<&'a [f32]>,
    seed: u32,
    /// Encoder: 0 rounds theta to nearest, -1 down, 1 up (stereo RDO).
    theta_round: i32,
    disable_inv: bool,
    avoid_split_noise: bool,
    /// Whether the shapes are reconstructed (always for the decoder).
    resynth: bool,
}

/// Result of coding a split angle (libopus `struct split_ctx`).
struct SplitCtx {
    inv: bool,
    imid: i32,
    iside: i32,
    delta: i32,
    itheta: i32,
    qalloc: i32,
}

/// Codes the gain angle of a split of `n`-coefficient halves `x` and `y` (libopus
/// `compute_theta`), and takes its cost out of `b`.
#[allow(clippy::too_many_arguments)]
fn compute_theta(
    ctx: &mut BandCtx<'_, '_>,
    x: &mut [f32],
    y: &mut [f32],
    n: i32,
    b: &mut i32,
    bb: i32,
    b0: i32,
    lm: i32,
    stereo: bool,
    fill: &mut i32,
) -> SplitCtx {
    let m = ctx.mode;
    let i = ctx.i;
    // Resolution of theta.
    let pulse_cap = i32::from(m.log_n[i]) + lm * (1 << BITRES);
    let offset = (pulse_cap >> 1)
        - if stereo && n == 2 {
            QTHETA_OFFSET_TWOPHASE
        } else {
            QTHETA_OFFSET
        };
    let mut qn = compute_qn(n, *b, offset, pulse_cap, stereo);
    if stereo && i as i32 >= ctx.intensity {
        qn = 1;
    }
    let encode = ctx.coder.encode();
    let mut itheta = 0i32;
    if encode {
        // The angle of the (normalised) side over the mid.
        itheta = stereo_itheta(x, y, stereo, n as usize) >> 16;
    }
    let tell = ctx.coder.tell_frac();
    let mut inv = false;
    if qn != 1 {
        if encode {
            if !stereo || ctx.theta_round == 0 {
                itheta = (itheta * qn + 8192) >> 14;
                if !stereo && ctx.avoid_split_noise && itheta > 0 && itheta < qn {
                    // If this angle would make the allocation inject noise on one
                    // side, zero that side instead.
                    let unquantized = celt_udiv(itheta * 16384, qn);
                    let imid = i32::from(bitexact_cos(unquantized as i16));
                    let iside = i32::from(bitexact_cos((16384 - unquantized) as i16));
                    let delta = frac_mul16((n - 1) << 7, bitexact_log2tan(iside, imid));
                    if delta > *b {
                        itheta = qn;
                    } else if delta < -*b {
                        itheta = 0;
                    }
                }
            } else {
                // Round towards 0 or 16384, down or up as asked.
                let bias = if itheta > 8192 { 32767 / qn } else { -32767 / qn };
                let down = (qn - 1).min(0.max((itheta * qn + bias) >> 14));
                itheta = if ctx.theta_round < 0 { down } else { down + 1 };
            }
        }
        match &mut ctx.coder {
            BandCoder::Encode(enc) => {
                if stereo && n > 2 {
                    let p0 = 3i32;
                    let x0 = qn / 2;
                    let ft = p0 * (x0 + 1) + x0;
                    let xv = itheta;
                    let (fl, fh) = if xv <= x0 {
                        (p0 * xv, p0 * (xv + 1))
                    } else {
                        ((xv - 1 - x0) + (x0 + 1) * p0, (xv - x0) + (x0 + 1) * p0)
                    };
                    enc.encode(fl as u32, fh as u32, ft as u32);
                } else if b0 > 1 || stereo {
                    enc.uint(itheta as u32, (qn + 1) as u32);
                } else {
                    let half = qn >> 1;
                    let ft = (half + 1) * (half + 1);
                    let (fs, fl) = if itheta <= half {
                        (itheta + 1, (itheta * (itheta + 1)) >> 1)
                    } else {
                        (
                            qn + 1 - itheta,
                            ft - (((qn + 1 - itheta) * (qn + 2 - itheta)) >> 1),
                        )
                    };
                    enc.encode(fl as u32, (fl + fs) as u32, ft as u32);
                }
            }
            BandCoder::Decode(dec) => {
                if stereo && n > 2 {
                    // Step pdf: three times likelier up to itheta = 8192.
                    let p0 = 3i32;
                    let x0 = qn / 2;
                    let ft = p0 * (x0 + 1) + x0;
                    let fs = dec.decode(ft as u32) as i32;
                    let x = if fs < (x0 + 1) * p0 {
                        fs / p0
                    } else {
                        x0 + 1 + (fs - (x0 + 1) * p0)
                    };
                    let (fl, fh) = if x <= x0 {
                        (p0 * x, p0 * (x + 1))
                    } else {
                        ((x - 1 - x0) + (x0 + 1) * p0, (x - x0) + (x0 + 1) * p0)
                    };
                    dec.update(fl as u32, fh as u32, ft as u32);
                    itheta = x;
                } else if b0 > 1 || stereo {
                    // Uniform pdf.
                    itheta = dec.uint((qn + 1) as u32) as i32;
                } else {
                    // Triangular pdf.
                    let half = qn >> 1;
                    let ft = (half + 1) * (half + 1);
                    let fm = dec.decode(ft as u32) as i32;
                    let (fl, fs);
                    if fm < ((half * (half + 1)) >> 1) {
                        itheta = ((isqrt32(8 * fm as u32 + 1) - 1) >> 1) as i32;
                        fs = itheta + 1;
                        fl = (itheta * (itheta + 1)) >> 1;
                    } else {
                        let r = isqrt32(8 * (ft - fm - 1) as u32 + 1) as i32;
                        itheta = (2 * (qn + 1) - r) >> 1;
                        fs = qn + 1 - itheta;
                        fl = ft - (((qn + 1 - itheta) * (qn + 2 - itheta)) >> 1);
                    }
                    dec.update(fl as u32, (fl + fs) as u32, ft as u32);
                }
            }
        }
        debug_assert!(itheta >= 0);
        itheta = celt_udiv(itheta * 16384, qn);
        if encode && stereo {
            if itheta == 0 {
                intensity_stereo(ctx.mode, x, y, ctx.band_e.unwrap_or(&[]), ctx.i, n as usize);
            } else {
                stereo_split(x, y, n as usize);
            }
        }
    } else if stereo {
        if encode {
            inv = itheta > 8192 && !ctx.disable_inv;
            if inv {
                for v in y[..n as usize].iter_mut() {
                    *v = -*v;
                }
            }
            intensity_stereo(ctx.mode, x, y, ctx.band_e.unwrap_or(&[]), ctx.i, n as usize);
        }
        if *b > 2 << BITRES && ctx.remaining_bits > 2 << BITRES {
            match &mut ctx.coder {
                BandCoder::Decode(dec) => inv = dec.bit_logp(2),
                BandCoder::Encode(enc) => enc.bit_logp(inv, 2),
            }
        } else {
            inv = false;
        }
        // Phase inversion can be turned off for downmix-friendly output.
        if ctx.disable_inv {
            inv = false;
        }
        itheta = 0;
    }
    let qalloc = ctx.coder.tell_frac() - tell;
    *b -= qalloc;

    let (imid, iside, delta);
    if itheta == 0 {
        imid = 32767;
        iside = 0;
        *fill &= (1 << bb) - 1;
        delta = -16384;
    } else if itheta == 16384 {
        imid = 0;
        iside = 32767;
        *fill &= ((1 << bb) - 1) << bb;
        delta = 16384;
    } else {
        imid = i32::from(bitexact_cos(itheta as i16));
        iside = i32::from(bitexact_cos((16384 - itheta) as i16));
        // Mid/side bit split that minimises the squared error.
        delta = frac_mul16((n - 1) << 7, bitexact_log2tan(iside, imid));
    }
    SplitCtx {
        inv,
        imid,
        iside,
        delta,
        itheta,
        qalloc,
    }
}

/// A band of one coefficient per channel: just a sign each (libopus `quant_band_n1`).
fn quant_band_n1(
    ctx: &mut BandCtx<'_, '_>,
    x: &mut [f32],
    y: Option<&mut [f32]>,
    lowband_out: Option<&mut [f32]>,
) -> u32 {
    let decode_sign = |ctx: &mut BandCtx<'_, '_>, v: &mut [f32]| {
        let mut sign = false;
        if ctx.remaining_bits >= 1 << BITRES {
            match &mut ctx.coder {
                BandCoder::Decode(dec) => sign = dec.bits(1) != 0,
                BandCoder::Encode(enc) => {
                    sign = v[0] < 0.0;
                    enc.bits(u32::from(sign), 1);
                }
            }
            ctx.remaining_bits -= 1 << BITRES;
        }
        if ctx.resynth {
            v[0] = if sign { -1.0 } else { 1.0 };
        }
    };
    decode_sign(ctx, x);
    if let Some(y) = y {
        decode_sign(ctx, y);
    }
    if let Some(out) = lowband_out {
        out[0] = x[0];
    }
    1
}

/// Codes a mono partition of `n` coefficients with `b` eighth-bits in `bb` blocks,
/// splitting it in two while one codeword cannot use the bits (libopus
/// `quant_partition`). Returns the collapse mask.
#[allow(clippy::too_many_arguments)]
fn quant_partition(
    ctx: &mut BandCtx<'_, '_>,
    x: &mut [f32],
    n: usize,
    b: i32,
    bb: i32,
    lowband: Option<&[f32]>,
    lm: i32,
    gain: f32,
    fill: i32,
) -> u32 {
    let m = ctx.mode;
    let i = ctx.i;
    let b0 = bb;
    let mut b = b;
    let mut bb = bb;
    let mut fill = fill;
    let mut lm = lm;
    let mut cm: u32 = 0;

    // Split when a codeword would need more than 1.5 bits beyond the cache's maximum.
    let split = lm != -1 && n > 2 && {
        let cache =
            &m.cache.bits[m.cache.index[(lm + 1) as usize * m.nb_ebands + i].max(0) as usize..];
        b > i32::from(cache[usize::from(cache[0])]) + 12
    };
    if split {
        let n = n >> 1;
        let (xh, yh) = x.split_at_mut(n);
        lm -= 1;
        if bb == 1 {
            fill = (fill & 1) | (fill << 1);
        }
        bb = (bb + 1) >> 1;
        let sctx = compute_theta(ctx, xh, yh, n as i32, &mut b, bb, b0, lm, false, &mut fill);
        let itheta = sctx.itheta;
        let mut delta = sctx.delta;
        let mid = (1.0f32 / 32768.0) * sctx.imid as f32;
        let side = (1.0f32 / 32768.0) * sctx.iside as f32;

        // Give low-energy short blocks more bits than their share.
        if b0 > 1 && (itheta & 0x3fff) != 0 {
            if itheta > 8192 {
                // Pre-echo masking.
                delta -= delta >> (4 - lm);
            } else {
                // Forward masking of about 1.5 dB per 10 ms.
                delta = 0.min(delta + ((n as i32) << BITRES >> (5 - lm)));
            }
        }
        let mut mbits = 0.max(b.min((b - delta) / 2));
        let mut sbits = b - mbits;
        ctx.remaining_bits -= sctx.qalloc;

        let (low1, low2) = match lowband {
            Some(l) => (Some(&l[..n]), Some(&l[n..])),
            None => (None, None),
        };
        let mut rebalance = ctx.remaining_bits;
        if mbits >= sbits {
            cm = quant_partition(ctx, xh, n, mbits, bb, low1, lm, gain * mid, fill);
            rebalance = mbits - (rebalance - ctx.remaining_bits);
            if rebalance > 3 << BITRES && itheta != 0 {
                sbits += rebalance - (3 << BITRES);
            }
            cm |= quant_partition(ctx, yh, n, sbits, bb, low2, lm, gain * side, fill >> bb)
                << (b0 >> 1);
        } else {
            cm = quant_partition(ctx, yh, n, sbits, bb, low2, lm, gain * side, fill >> bb)
                << (b0 >> 1);
            rebalance = sbits - (rebalance - ctx.remaining_bits);
            if rebalance > 3 << BITRES && itheta != 16384 {
                mbits += rebalance - (3 << BITRES);
            }
            cm |= quant_partition(ctx, xh, n, mbits, bb, low1, lm, gain * mid, fill);
        }
    } else {
        // No split: one PVQ codeword.
        let mut q = bits2pulses(m, i, lm, b);
        let mut curr_bits = pulses2bits(m, i, lm, q);
        ctx.remaining_bits -= curr_bits;
        // Never bust the budget.
        while ctx.remaining_bits < 0 && q > 0 {
            ctx.remaining_bits += curr_bits;
            q -= 1;
            curr_bits = pulses2bits(m, i, lm, q);
            ctx.remaining_bits -= curr_bits;
        }
        if q != 0 {
            let k = get_pulses(q);
            match &mut ctx.coder {
                BandCoder::Decode(dec) => {
                    cm = alg_unquant(x, n, k, ctx.spread, bb as usize, dec, gain);
                }
                BandCoder::Encode(enc) => {
                    cm = alg_quant(x, n, k, ctx.spread, bb as usize, enc, gain, ctx.resynth);
                }
            }
        } else if ctx.resynth {
            // No pulses: fill the band anyway.
            let cm_mask = ((1u32 << bb) - 1) as i32;
            fill &= cm_mask;
            if fill == 0 {
                x[..n].fill(0.0);
            } else {
                match lowband {
                    None => {
                        // Noise.
                        for v in x[..n].iter_mut() {
                            ctx.seed = celt_lcg_rand(ctx.seed);
                            *v = ((ctx.seed as i32) >> 20) as f32;
                        }
                        cm = cm_mask as u32;
                    }
                    Some(low) => {
                        // Folded spectrum, with noise about 48 dB down.
                        for (v, &l) in x[..n].iter_mut().zip(&low[..n]) {
                            ctx.seed = celt_lcg_rand(ctx.seed);
                            let tmp = 1.0f32 / 256.0;
                            let tmp = if ctx.seed & 0x8000 != 0 { tmp } else { -tmp };
                            *v = l + tmp;
                        }
                        cm = fill as u32;
                    }
                }
                renormalise_vector(x, n, gain);
            }
        }
    }
    cm
}

/// Codes a mono band, including its TF resolution change (libopus `quant_band`).
///
/// `lowband` is a private copy of the folding source, which this function may
/// transform in place.
#[allow(clippy::too_many_arguments)]
fn quant_band(
    ctx: &mut BandCtx<'_, '_>,
    x: &mut [f32],
    n: usize,
    b: i32,
    bb: i32,
    mut lowband: Option<&mut [f32]>,
    lm: i32,
    lowband_out: Option<&mut [f32]>,
    gain: f32,
    fill: i32,
) -> u32 {
    let n0 = n;
    let mut n_b = n;
    let mut bb = bb;
    let mut b0 = bb;
    let mut fill = fill;
    let mut time_divide = 0;
    let mut recombine = 0;
    let encode = ctx.coder.encode();
    let mut tf_change = ctx.tf_change;
    let long_blocks = b0 == 1;

    n_b /= bb.max(1) as usize;

    // One coefficient.
    if n == 1 {
        return quant_band_n1(ctx, x, None, lowband_out);
    }

    if tf_change > 0 {
        recombine = tf_change;
    }

    // Recombine blocks to raise the frequency resolution.
    for k in 0..recombine {
        if encode {
            haar1(x, n >> k, 1 << k);
        }
        if let Some(low) = lowband.as_deref_mut() {
            haar1(low, n >> k, 1 << k);
        }
        fill = i32::from(BIT_INTERLEAVE_TABLE[(fill & 0xF) as usize])
            | i32::from(BIT_INTERLEAVE_TABLE[((fill >> 4) & 0xF) as usize]) << 2;
    }
    bb >>= recombine;
    n_b <<= recombine;

    // Split blocks to raise the time resolution.
    while (n_b & 1) == 0 && tf_change < 0 {
        if encode {
            haar1(x, n_b, bb as usize);
        }
        if let Some(low) = lowband.as_deref_mut() {
            haar1(low, n_b, bb as usize);
        }
        fill |= fill << bb;
        bb <<= 1;
        n_b >>= 1;
        time_divide += 1;
        tf_change += 1;
    }
    b0 = bb;
    let n_b0 = n_b;

    // Put the samples in time order.
    if b0 > 1 {
        let stride = (b0 << recombine) as usize;
        if encode {
            deinterleave_hadamard(x, n_b >> recombine, stride, long_blocks);
        }
        if let Some(low) = lowband.as_deref_mut() {
            deinterleave_hadamard(low, n_b >> recombine, stride, long_blocks);
        }
    }

    let mut cm = quant_partition(ctx, x, n, b, bb, lowband.as_deref(), lm, gain, fill);

    if ctx.resynth {
        // Back to frequency order.
        if b0 > 1 {
            interleave_hadamard(x, n_b >> recombine, (b0 << recombine) as usize, long_blocks);
        }
        // Undo the TF changes.
        n_b = n_b0;
        bb = b0;
        for _ in 0..time_divide {
            bb >>= 1;
            n_b <<= 1;
            cm |= cm >> bb;
            haar1(x, n_b, bb as usize);
        }
        for k in 0..recombine {
            cm = u32::from(BIT_DEINTERLEAVE_TABLE[(cm & 0xF) as usize]);
            haar1(x, n0 >> k, 1 << k);
        }
        bb <<= recombine;

        // Scaled copy for folding into later bands.
        if let Some(out) = lowband_out {
            let scale = celt_sqrt(n0 as f32);
            for (o, &v) in out[..n0].iter_mut().zip(&x[..n0]) {
                *o = scale * v;
            }
        }
        cm &= (1u32 << bb) - 1;
    }
    cm
}

/// Below this band amplitude a channel counts as silent in stereo coding.
const MIN_STEREO_ENERGY: f32 = 1e-10;

/// Mixes the two channels of band `band` into `x` weighted by their amplitudes, for
/// intensity stereo (libopus `intensity_stereo`).
fn intensity_stereo(m: &CeltMode, x: &mut [f32], y: &[f32], band_e: &[f32], band: usize, n: usize) {
    let left = band_e[band];
    let right = band_e[band + m.nb_ebands];
    let norm = EPSILON + celt_sqrt(EPSILON + left * left + right * right);
    let a1 = left / norm;
    let a2 = right / norm;
    for (xv, &yv) in x[..n].iter_mut().zip(&y[..n]) {
        *xv = a1 * *xv + a2 * yv;
    }
}

/// Turns left/right into mid/side (libopus `stereo_split`).
fn stereo_split(x: &mut [f32], y: &mut [f32], n: usize) {
    for (xv, yv) in x[..n].iter_mut().zip(y[..n].iter_mut()) {
        let l = HAAR_SCALE * *xv;
        let r = HAAR_SCALE * *yv;
        *xv = l + r;
        *yv = r - l;
    }
}

/// Rebuilds left and right from the mid `x` and the side `y` (libopus `stereo_merge`).
fn stereo_merge(x: &mut [f32], y: &mut [f32], mid: f32, n: usize) {
    // |X+Y|^2 and |X-Y|^2 as |X|^2 + |Y|^2 +/- 2 X.Y.
    let xp = celt_inner_prod(y, x, n);
    let side = celt_inner_prod(y, y, n);
    // Mid was coded with unit norm.
    let xp = mid * xp;
    let el = mid * mid + side - 2.0 * xp;
    let er = mid * mid + side + 2.0 * xp;
    if er < 6e-4 || el < 6e-4 {
        y[..n].copy_from_slice(&x[..n]);
        return;
    }
    let lgain = celt_rsqrt(el);
    let rgain = celt_rsqrt(er);
    for (xv, yv) in x[..n].iter_mut().zip(y[..n].iter_mut()) {
        let l = mid * *xv;
        let r = *yv;
        *xv = lgain * (l - r);
        *yv = rgain * (l + r);
    }
}

/// Codes a stereo band as mid and side (libopus `quant_band_stereo`).
#[allow(clippy::too_many_arguments)]
fn quant_band_stereo(
    ctx: &mut BandCtx<'_, '_>,
    x: &mut [f32],
    y: &mut [f32],
    n: usize,
    b: i32,
    bb: i32,
    lowband: Option<&mut [f32]>,
    lm: i32,
    lowband_out: Option<&mut [f32]>,
    fill: i32,
) -> u32 {
    // One coefficient.
    if n == 1 {
        return quant_band_n1(ctx, x, Some(y), lowband_out);
    }
    let orig_fill = fill;
    let mut b = b;
    let mut fill = fill;
    if let (true, Some(be)) = (ctx.coder.encode(), ctx.band_e) {
        // A (nearly) silent channel: code the other one on both.
        let nb = ctx.mode.nb_ebands;
        let (el, er) = (be[ctx.i], be[nb + ctx.i]);
        if el < MIN_STEREO_ENERGY || er < MIN_STEREO_ENERGY {
            if el > er {
                y[..n].copy_from_slice(&x[..n]);
            } else {
                x[..n].copy_from_slice(&y[..n]);
            }
        }
    }
    let sctx = compute_theta(ctx, x, y, n as i32, &mut b, bb, bb, lm, true, &mut fill);
    let inv = sctx.inv;
    let itheta = sctx.itheta;
    let mid = (1.0f32 / 32768.0) * sctx.imid as f32;
    let side = (1.0f32 / 32768.0) * sctx.iside as f32;
    let mut cm;

    if n == 2 {
        // Mid and side are orthogonal, so the side is the mid turned by 90 degrees and
        // needs just a sign.
        let mut mbits = b;
        let mut sbits = 0;
        if itheta != 0 && itheta != 16384 {
            sbits = 1 << BITRES;
        }
        mbits -= sbits;
        let c = itheta > 8192;
        ctx.remaining_bits -= sctx.qalloc + sbits;
        let mut sign = 0i32;
        if sbits != 0 {
            match &mut ctx.coder {
                BandCoder::Decode(dec) => sign = dec.bits(1) as i32,
                BandCoder::Encode(enc) => {
                    let (x2, y2) = if c { (&*y, &*x) } else { (&*x, &*y) };
                    sign = i32::from(x2[0] * y2[1] - x2[1] * y2[0] < 0.0);
                    enc.bits(sign as u32, 1);
                }
            }
        }
        let sign = 1 - 2 * sign;
        {
            let (x2, y2) = if c {
                (&mut *y, &mut *x)
            } else {
                (&mut *x, &mut *y)
            };
            // orig_fill, since itheta == 16384 cleared the low bits of fill.
            cm = quant_band(
                ctx,
                x2,
                n,
                mbits,
                bb,
                lowband,
                lm,
                lowband_out,
                1.0,
                orig_fill,
            );
            y2[0] = -sign as f32 * x2[1];
            y2[1] = sign as f32 * x2[0];
        }
        if ctx.resynth {
            x[0] *= mid;
            x[1] *= mid;
            y[0] *= side;
            y[1] *= side;
            let tmp = x[0];
            x[0] = tmp - y[0];
            y[0] += tmp;
            let tmp = x[1];
            x[1] = tmp - y[1];
            y[1] += tmp;
        }
    } else {
        let mut mbits = 0.max(b.min((b - sctx.delta) / 2));
        let mut sbits = b - mbits;
        ctx.remaining_bits -= sctx.qalloc;
        let mut rebalance = ctx.remaining_bits;
        if mbits >= sbits {
            // The mid stays unscaled: later bands fold from it.
            cm = quant_band(ctx, x, n, mbits, bb, lowband, lm, lowband_out, 1.0, fill);
            rebalance = mbits - (rebalance - ctx.remaining_bits);
            if rebalance > 3 << BITRES && itheta != 0 {
                sbits += rebalance - (3 << BITRES);
            }
            // The high bits of fill are zero in a stereo split: no folding in the side.
            cm |= quant_band(ctx, y, n, sbits, bb, None, lm, None, side, fill >> bb);
        } else {
            cm = quant_band(ctx, y, n, sbits, bb, None, lm, None, side, fill >> bb);
            rebalance = sbits - (rebalance - ctx.remaining_bits);
            if rebalance > 3 << BITRES && itheta != 16384 {
                mbits += rebalance - (3 << BITRES);
            }
            cm |= quant_band(ctx, x, n, mbits, bb, lowband, lm, lowband_out, 1.0, fill);
        }
    }

    if ctx.resynth {
        if n != 2 {
            stereo_merge(x, y, mid, n);
        }
        if inv {
            for v in y[..n].iter_mut() {
                *v = -*v;
            }
        }
    }
    cm
}

/// Copies the end of the first band's folding data so that the second band of a
/// hybrid frame has enough to fold from (libopus `special_hybrid_folding`).
fn special_hybrid_folding(
    m: &CeltMode,
    norm: &mut [f32],
    norm2_off: usize,
    start: usize,
    lm_m: usize,
    dual_stereo: bool,
) {
    let n1 = lm_m * m.band_width(start) as usize;
    let n2 = lm_m * m.band_width(start + 1) as usize;
    if n2 > n1 {
        norm.copy_within(2 * n1 - n2..n1, n1);
        if dual_stereo {
            norm.copy_within(norm2_off + 2 * n1 - n2..norm2_off + n1, norm2_off + n1);
        }
    }
}

/// Decodes the normalised shapes of bands `start..end` (libopus `quant_all_bands`,
/// decoder path).
///
/// - `x`, `y`: the spectra of the first and (for stereo) second channel, at least
///   `mode.short_mdct_size << lm` coefficients each. Bands outside `start..end` are
///   left as they were, except that, as in libopus, the region of the last band of `x`
///   serves as scratch space when `end` is below it;
/// - `collapse_masks`: output, `2 * nb_ebands` entries, per band and channel the
///   short blocks that received energy;
/// - `band_e`: band amplitudes (encoder only, `None` when decoding);
/// - `pulses`, `coded_bands`, `balance`: from the allocation;
/// - `short_blocks`, `spread`, `dual_stereo`, `intensity`, `tf_res`: the frame's
///   decoded parameters;
/// - `total_bits`: the frame size in eighth-bits, less the anti-collapse reservation;
/// - `seed`: the folding noise generator, updated.
///
/// `start` is 0, or 17 in hybrid frames.
///
/// # Panics
///
/// If a slice is too short for the mode, `lm > 3` or `end > nb_ebands`.
#[allow(clippy::too_many_arguments)]
pub fn quant_all_bands(
    coder: BandCoder<'_, '_>,
    mode: &CeltMode,
    start: usize,
    end: usize,
    x: &mut [f32],
    mut y: Option<&mut [f32]>,
    collapse_masks: &mut [u8],
    band_e: Option<&[f32]>,
    pulses: &[i32],
    short_blocks: bool,
    spread: i32,
    dual_stereo: bool,
    intensity: i32,
    tf_res: &[i32],
    total_bits: i32,
    balance: i32,
    lm: usize,
    coded_bands: i32,
    seed: &mut u32,
    complexity: i32,
    disable_inv: bool,
) {
    debug_assert!(end <= mode.eff_ebands && start < end && lm <= MAX_LM);
    let c = if y.is_some() { 2 } else { 1 };
    // Dual stereo needs two channels.
    let mut dual_stereo = dual_stereo && c == 2;
    let mm = 1usize << lm;
    let bb: i32 = if short_blocks { mm as i32 } else { 1 };
    let eb = |i: usize| mm * mode.ebands[i] as usize;
    let norm_offset = eb(start);
    // Folding buffers of both channels; the last band needs none.
    let norm2_off = eb(mode.nb_ebands - 1) - norm_offset;
    let mut norm = [0.0f32; 2 * NORM_SIZE];
    let mut lowband_buf = [0.0f32; MAX_BAND_SIZE];
    let mut balance = balance;
    let mut lowband_offset = 0usize;
    let mut update_lowband = true;
    let encode = coder.encode();
    // The stereo rate-distortion search codes each band twice and needs the
    // reconstruction to compare them.
    let theta_rdo = encode && y.is_some() && !dual_stereo && complexity >= 8;
    let resynth = !encode || theta_rdo;
    let mut bytes_save = [0u8; 1275];
    let mut x_save = [0.0f32; MAX_BAND_SIZE];
    let mut y_save = [0.0f32; MAX_BAND_SIZE];
    let mut x_save2 = [0.0f32; MAX_BAND_SIZE];
    let mut y_save2 = [0.0f32; MAX_BAND_SIZE];
    let mut norm_save2 = [0.0f32; MAX_BAND_SIZE];

    let mut ctx = BandCtx {
        coder,
        mode,
        i: start,
        intensity,
        spread,
        tf_change: 0,
        remaining_bits: 0,
        band_e,
        seed: *seed,
        theta_round: 0,
        disable_inv,
        // No noise injection in the first band on transients.
        avoid_split_noise: bb > 1,
        resynth,
    };

    for i in start..end {
        ctx.i = i;
        let last = i == end - 1;
        let (lo, hi) = (eb(i), eb(i + 1));
        let n = hi - lo;
        let tell = ctx.coder.tell_frac();

        // Bits for this band.
        if i != start {
            balance -= tell;
        }
        let remaining_bits = total_bits - tell - 1;
        ctx.remaining_bits = remaining_bits;
        let b = if (i as i32) < coded_bands {
            let curr_balance = celt_sudiv(balance, 3.min(coded_bands - i as i32));
            0.max(16383.min((remaining_bits + 1).min(pulses[i] + curr_balance)))
        } else {
            0
        };

        if resynth
            && (lo as i32 - n as i32 >= norm_offset as i32 || i == start + 1)
            && (update_lowband || lowband_offset == 0)
        {
            lowband_offset = i;
        }
        if i == start + 1 {
            special_hybrid_folding(mode, &mut norm, norm2_off, start, mm, dual_stereo);
        }

        let tf_change = tf_res[i];
        ctx.tf_change = tf_change;

        // Conservative collapse masks of the bands folded from.
        let mut effective_lowband: Option<usize> = None;
        let (mut x_cm, mut y_cm): (u32, u32);
        if lowband_offset != 0 && (spread != SPREAD_AGGRESSIVE || bb > 1 || tf_change < 0) {
            // Never repeat spectral content within one band.
            let eff = (eb(lowband_offset) as i32 - norm_offset as i32 - n as i32).max(0) as usize;
            effective_lowband = Some(eff);
            let mut fold_start = lowband_offset;
            loop {
                fold_start -= 1;
                if eb(fold_start) <= eff + norm_offset {
                    break;
                }
            }
            let mut fold_end = lowband_offset - 1;
            loop {
                fold_end += 1;
                if !(fold_end < i && eb(fold_end) < eff + norm_offset + n) {
                    break;
                }
            }
            x_cm = 0;
            y_cm = 0;
            let mut fold_i = fold_start;
            loop {
                x_cm |= u32::from(collapse_masks[fold_i * c]);
                y_cm |= u32::from(collapse_masks[fold_i * c + c - 1]);
                fold_i += 1;
                if fold_i >= fold_end {
                    break;
                }
            }
        } else {
            // Noise folding leaves every block non-zero.
            x_cm = (1u32 << bb) - 1;
            y_cm = x_cm;
        }

        if dual_stereo && i as i32 == intensity {
            // Intensity stereo from here on: fold from the average of both channels.
            dual_stereo = false;
            if resynth {
                for j in 0..lo - norm_offset {
                    norm[j] = 0.5f32 * (norm[j] + norm[norm2_off + j]);
                }
            }
        }

        let out_off = lo - norm_offset;
        // libopus transforms the folding source in a scratch area, the start of the
        // last band of `x`, when the TF change or the block count requires it; that
        // area keeps the result. Mirror it so that `x` matches libopus everywhere.
        let scratch_used = !encode
            && !last
            && n > 1
            && effective_lowband.is_some()
            && (tf_change > 0 || ((n / bb as usize) & 1 == 0 && tf_change < 0) || bb > 1);
        let xb = &mut x[lo..hi];
        if let (true, Some(y)) = (dual_stereo, y.as_deref_mut()) {
            let yb = &mut y[lo..hi];
            let lowband = effective_lowband.map(|eff| {
                lowband_buf[..n].copy_from_slice(&norm[eff..eff + n]);
                &mut lowband_buf[..n]
            });
            let out = if last {
                None
            } else {
                Some(&mut norm[out_off..out_off + n])
            };
            x_cm = quant_band(
                &mut ctx,
                xb,
                n,
                b / 2,
                bb,
                lowband,
                lm as i32,
                out,
                1.0,
                x_cm as i32,
            );
            let lowband = effective_lowband.map(|eff| {
                lowband_buf[..n].copy_from_slice(&norm[norm2_off + eff..norm2_off + eff + n]);
                &mut lowband_buf[..n]
            });
            let out = if last {
                None
            } else {
                Some(&mut norm[norm2_off + out_off..norm2_off + out_off + n])
            };
            y_cm = quant_band(
                &mut ctx,
                yb,
                n,
                b / 2,
                bb,
                lowband,
                lm as i32,
                out,
                1.0,
                y_cm as i32,
            );
        } else {
            let lowband = effective_lowband.map(|eff| {
                lowband_buf[..n].copy_from_slice(&norm[eff..eff + n]);
                &mut lowband_buf[..n]
            });
            let out = if last {
                None
            } else {
                Some(&mut norm[out_off..out_off + n])
            };
            let fill = (x_cm | y_cm) as i32;
            x_cm = match y.as_deref_mut() {
                Some(y) if theta_rdo && (i as i32) < intensity => {
                    let yb = &mut y[lo..hi];
                    let be = band_e.unwrap_or(&[]);
                    let w = compute_channel_weights(be[i], be[i + mode.nb_ebands]);
                    let dist = |xs: &[f32], x: &[f32], ys: &[f32], y: &[f32]| {
                        w[0] * celt_inner_prod(xs, x, n) + w[1] * celt_inner_prod(ys, y, n)
                    };
                    let (ec_save, nstart, nend) = match ctx.coder.encoder() {
                        Some(enc) => (
                            Some(enc.snapshot()),
                            enc.range_bytes() as usize,
                            enc.storage() as usize,
                        ),
                        None => (None, 0, 0),
                    };
                    let ctx_save = (ctx.seed, ctx.remaining_bits, ctx.avoid_split_noise);
                    x_save[..n].copy_from_slice(xb);
                    y_save[..n].copy_from_slice(yb);

                    // First pass: theta rounded down.
                    ctx.theta_round = -1;
                    let cm2 = quant_band_stereo(
                        &mut ctx, xb, yb, n, b, bb, lowband, lm as i32, out, fill,
                    );
                    let dist0 = dist(&x_save, xb, &y_save, yb);
                    let ec_save2 = ctx.coder.encoder().map(|e| e.snapshot());
                    let ctx_save2 = (ctx.seed, ctx.remaining_bits, ctx.avoid_split_noise);
                    x_save2[..n].copy_from_slice(xb);
                    y_save2[..n].copy_from_slice(yb);
                    if !last {
                        norm_save2[..n].copy_from_slice(&norm[out_off..out_off + n]);
                    }
                    let save_len = nend.saturating_sub(nstart).min(bytes_save.len());
                    if let Some(enc) = ctx.coder.encoder() {
                        bytes_save[..save_len]
                            .copy_from_slice(&enc.buffer()[nstart..nstart + save_len]);
                    }

                    // Second pass from the same state: theta rounded up.
                    if let (Some(enc), Some(st)) = (ctx.coder.encoder(), ec_save.as_ref()) {
                        enc.restore(st);
                    }
                    (ctx.seed, ctx.remaining_bits, ctx.avoid_split_noise) = ctx_save;
                    xb.copy_from_slice(&x_save[..n]);
                    yb.copy_from_slice(&y_save[..n]);
                    if i == start + 1 {
                        special_hybrid_folding(mode, &mut norm, norm2_off, start, mm, dual_stereo);
                    }
                    ctx.theta_round = 1;
                    let lowband = effective_lowband.map(|eff| {
                        lowband_buf[..n].copy_from_slice(&norm[eff..eff + n]);
                        &mut lowband_buf[..n]
                    });
                    let out = if last {
                        None
                    } else {
                        Some(&mut norm[out_off..out_off + n])
                    };
                    let mut cm = quant_band_stereo(
                        &mut ctx, xb, yb, n, b, bb, lowband, lm as i32, out, fill,
                    );
                    let dist1 = dist(&x_save, xb, &y_save, yb);
                    if dist0 >= dist1 {
                        // Keep the first pass.
                        cm = cm2;
                        if let (Some(enc), Some(st)) = (ctx.coder.encoder(), ec_save2.as_ref()) {
                            enc.restore(st);
                            enc.buffer_mut()[nstart..nstart + save_len]
                                .copy_from_slice(&bytes_save[..save_len]);
                        }
                        (ctx.seed, ctx.remaining_bits, ctx.avoid_split_noise) = ctx_save2;
                        xb.copy_from_slice(&x_save2[..n]);
                        yb.copy_from_slice(&y_save2[..n]);
                        if !last {
                            norm[out_off..out_off + n].copy_from_slice(&norm_save2[..n]);
                        }
                    }
                    cm
                }
                Some(y) => {
                    ctx.theta_round = 0;
                    quant_band_stereo(
                        &mut ctx,
                        xb,
                        &mut y[lo..hi],
                        n,
                        b,
                        bb,
                        lowband,
                        lm as i32,
                        out,
                        fill,
                    )
                }
                None => quant_band(&mut ctx, xb, n, b, bb, lowband, lm as i32, out, 1.0, fill),
            };
            y_cm = x_cm;
        }
        if scratch_used {
            let at = eb(mode.eff_ebands - 1);
            x[at..at + n].copy_from_slice(&lowband_buf[..n]);
        }
        collapse_masks[i * c] = x_cm as u8;
        collapse_masks[i * c + c - 1] = y_cm as u8;
        balance += pulses[i] + tell;

        // Keep moving the folding source only while bands have 1 bit per sample.
        update_lowband = b > (n as i32) << BITRES;
        ctx.avoid_split_noise = false;
    }
    *seed = ctx.seed;
}

/// Weights of the two channels' distortion in the stereo RDO: their amplitudes,
/// each raised by a third of the smaller one (libopus `compute_channel_weights`).
fn compute_channel_weights(ex: f32, ey: f32) -> [f32; 2] {
    let min_e = min32(ex, ey);
    [ex + min_e / 3.0, ey + min_e / 3.0]
}

/// Picks the index of the interval of `thresholds` that `val` falls in, staying
/// with `prev` while `val` is within `hysteresis` of its edges (libopus
/// `hysteresis_decision`).
pub fn hysteresis_decision(val: f32, thresholds: &[f32], hysteresis: &[f32], prev: usize) -> usize {
    let n = thresholds.len();
    let mut i = 0;
    while i < n {
        if val < thresholds[i] {
            break;
        }
        i += 1;
    }
    if i > prev && val < thresholds[prev] + hysteresis[prev] {
        i = prev;
    }
    if i < prev && val > thresholds[prev - 1] - hysteresis[prev - 1] {
        i = prev;
    }
    i
}

/// Amplitude (square root of the energy) of each band below `end` of `c` channels
/// of MDCT coefficients `x` (libopus `compute_band_energies`, float build).
///
/// # Panics
///
/// If a slice is too short for the mode, `c` and `lm`.
pub fn compute_band_energies(
    m: &CeltMode,
    x: &[f32],
    band_e: &mut [f32],
    end: usize,
    c: usize,
    lm: usize,
) {
    let n = m.short_mdct_size << lm;
    for ch in 0..c {
        for i in 0..end {
            let lo = ch * n + ((m.eband(i) as usize) << lm);
            let len = (m.band_width(i) as usize) << lm;
            let sum = 1e-27f32 + celt_inner_prod(&x[lo..], &x[lo..], len);
            band_e[i + ch * m.nb_ebands] = celt_sqrt(sum);
        }
    }
}

/// Divides each band below `end` by its amplitude, giving unit-norm shapes `x`
/// (libopus `normalise_bands`, float build). `mm` is the number of short blocks.
///
/// # Panics
///
/// If a slice is too short for the mode, `c` and `mm`.
pub fn normalise_bands(
    m: &CeltMode,
    freq: &[f32],
    x: &mut [f32],
    band_e: &[f32],
    end: usize,
    c: usize,
    mm: usize,
) {
    let n = mm * m.short_mdct_size;
    for ch in 0..c {
        for i in 0..end {
            let g = 1.0f32 / (1e-27f32 + band_e[i + ch * m.nb_ebands]);
            for j in mm * m.ebands[i] as usize..mm * m.ebands[i + 1] as usize {
                x[j + ch * n] = freq[j + ch * n] * g;
            }
        }
    }
}

/// Decides the spreading of the frame from how peaky the normalised band shapes
/// are, with recursive averaging and hysteresis; with `update_hf` also updates the
/// post-filter tapset decision from the high bands (libopus `spreading_decision`).
///
/// # Panics
///
/// If a slice is too short for the mode, `c` and `mm`, or `end` is 0.
#[allow(clippy::too_many_arguments)]
pub fn spreading_decision(
    m: &CeltMode,
    x: &[f32],
    average: &mut i32,
    last_decision: i32,
    hf_average: &mut i32,
    tapset_decision: &mut i32,
    update_hf: bool,
    end: usize,
    c: usize,
    mm: usize,
    spread_weight: &[i32],
) -> i32 {
    let n0 = mm * m.short_mdct_size;
    let mut sum = 0i32;
    let mut nb_bands = 0i32;
    let mut hf_sum = 0i32;
    if mm as i32 * m.band_width(end - 1) <= 8 {
        return SPREAD_NONE;
    }
    for ch in 0..c {
        for i in 0..end {
            let n = mm * m.band_width(i) as usize;
            if n <= 8 {
                continue;
            }
            let base = mm * m.ebands[i] as usize + ch * n0;
            let xs = &x[base..base + n];
            let mut tcount = [0i32; 3];
            // Rough CDF of |x[j]|.
            for &v in xs {
                let x2n = (v * v) * n as f32;
                if x2n < 0.25 {
                    tcount[0] += 1;
                }
                if x2n < 0.0625 {
                    tcount[1] += 1;
                }
                if x2n < 0.015625 {
                    tcount[2] += 1;
                }
            }
            // The last four bands (8 kHz and up) drive the tapset.
            if i > m.nb_ebands - 4 {
                hf_sum += celt_udiv(32 * (tcount[1] + tcount[0]), n as i32);
            }
            let ni = n as i32;
            let tmp = i32::from(2 * tcount[2] >= ni)
                + i32::from(2 * tcount[1] >= ni)
                + i32::from(2 * tcount[0] >= ni);
            sum += tmp * spread_weight[i];
            nb_bands += spread_weight[i];
        }
    }
    if update_hf {
        if hf_sum != 0 {
            hf_sum = celt_udiv(hf_sum, c as i32 * (4 - m.nb_ebands as i32 + end as i32));
        }
        *hf_average = (*hf_average + hf_sum) >> 1;
        hf_sum = *hf_average;
        if *tapset_decision == 2 {
            hf_sum += 4;
        } else if *tapset_decision == 0 {
            hf_sum -= 4;
        }
        *tapset_decision = if hf_sum > 22 {
            2
        } else if hf_sum > 18 {
            1
        } else {
            0
        };
    }
    debug_assert!(nb_bands > 0 && sum >= 0);
    let mut sum = celt_udiv(sum << 8, nb_bands.max(1));
    sum = (sum + *average) >> 1;
    *average = sum;
    // Hysteresis.
    sum = (3 * sum + (((3 - last_decision) << 7) + 64) + 2) >> 2;
    if sum < 80 {
        SPREAD_AGGRESSIVE
    } else if sum < 256 {
        SPREAD_NORMAL
    } else if sum < 384 {
        SPREAD_LIGHT
    } else {
        SPREAD_NONE
    }
}

/// Fills the short blocks that received no pulses with noise at a level derived from
/// the energy drop, so that transients do not leave holes (libopus `anti_collapse`).
///
/// `x` holds `c` channels of `size` coefficients; `log_e`, `prev1_log_e` and
/// `prev2_log_e` are the energies of this frame and the two before it
/// (`2 * nb_ebands` entries each for the previous ones). The noise seed is taken by
/// value, as in libopus.
///
/// # Panics
///
/// If a slice is too short for the mode, `c` and `size`.
#[allow(clippy::too_many_arguments)]
pub fn anti_collapse(
    mode: &CeltMode,
    x: &mut [f32],
    collapse_masks: &[u8],
    lm: usize,
    c: usize,
    size: usize,
    start: usize,
    end: usize,
    log_e: &[f32],
    prev1_log_e: &[f32],
    prev2_log_e: &[f32],
    pulses: &[i32],
    mut seed: u32,
    encode: bool,
) {
    let nb = mode.nb_ebands;
    for i in start..end {
        let n0 = mode.band_width(i);
        // Depth in 1/8 bit.
        debug_assert!(pulses[i] >= 0);
        let depth = celt_udiv(1 + pulses[i], n0) >> lm;
        let thresh = 0.5f32 * celt_exp2(-0.125f32 * depth as f32);
        let sqrt_1 = celt_rsqrt((n0 << lm) as f32);
        for ch in 0..c {
            let mut prev1 = prev1_log_e[ch * nb + i];
            let mut prev2 = prev2_log_e[ch * nb + i];
            if !encode && c == 1 {
                prev1 = max32(prev1, prev1_log_e[nb + i]);
                prev2 = max32(prev2, prev2_log_e[nb + i]);
            }
            let ediff = max32(0.0, log_e[ch * nb + i] - min32(prev1, prev2));
            // Short blocks carry less energy than long ones: scale by 2 or 2*sqrt(2).
            let mut r = 2.0f32 * celt_exp2(-ediff);
            if lm == 3 {
                r *= ANTI_COLLAPSE_SQRT2;
            }
            r = min32(thresh, r);
            r *= sqrt_1;
            let base = ch * size + ((mode.eband(i) as usize) << lm);
            let band = &mut x[base..base + ((n0 as usize) << lm)];
            let mut renormalize = false;
            for k in 0..1usize << lm {
                // A collapsed block: fill it with noise.
                if collapse_masks[i * c + ch] & (1 << k) == 0 {
                    for j in 0..n0 as usize {
                        seed = celt_lcg_rand(seed);
                        band[(j << lm) + k] = if seed & 0x8000 != 0 { r } else { -r };
                    }
                    renormalize = true;
                }
            }
            // The added energy needs normalising away.
            if renormalize {
                renormalise_vector(band, (n0 as usize) << lm, 1.0);
            }
        }
    }
}

/// Scales the unit-norm band shapes `x` by the band energies `band_log_e` into the
/// MDCT coefficients `freq`, and zeroes everything outside bands `start..end`
/// (libopus `denormalise_bands`).
///
/// `m` is the number of short blocks (1 << LM) and `freq` holds
/// `m * short_mdct_size` coefficients. With `downsample` above 1, coefficients above
/// the output Nyquist are zeroed; `silence` zeroes everything.
///
/// # Panics
///
/// If a slice is too short for the mode and `m`.
#[allow(clippy::too_many_arguments)]
pub fn denormalise_bands(
    mode: &CeltMode,
    x: &[f32],
    freq: &mut [f32],
    band_log_e: &[f32],
    start: usize,
    end: usize,
    m: usize,
    downsample: usize,
    silence: bool,
) {
    let n = m * mode.short_mdct_size;
    let mut bound = m * mode.ebands[end] as usize;
    let (mut start, mut end) = (start, end);
    if downsample != 1 {
        bound = bound.min(n / downsample.max(1));
    }
    if silence {
        bound = 0;
        start = 0;
        end = 0;
    }
    let first = m * mode.ebands[start] as usize;
    freq[..first].fill(0.0);
    for i in start..end {
        let lo = m * mode.ebands[i] as usize;
        let hi = m * mode.ebands[i + 1] as usize;
        let lg = band_log_e[i] + E_MEANS[i];
        let g = celt_exp2(min32(32.0, lg));
        for (f, &v) in freq[lo..hi].iter_mut().zip(&x[lo..hi]) {
            *f = v * g;
        }
    }
    freq[bound.min(n)..n].fill(0.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::celt::alloc::{clt_compute_allocation, init_caps};
    use crate::celt::mode::mode48000_960;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    const RNG_SEED: u64 = 0xBA5D_0001;

    /// Values printed by libopus's `bitexact_cos` and `bitexact_log2tan` compiled as C.
    #[test]
    fn bitexact_cos_known_values() {
        for (x, v) in [
            (64, 32767),
            (128, 32766),
            (4096, 30274),
            (8192, 23171),
            (12288, 12540),
            (16320, 200),
            (1000, 32618),
            (16383, 3),
        ] {
            assert_eq!(bitexact_cos(x), v, "cos({x})");
        }
        // Within a few units of 32768 * cos(pi/2 * x / 16384) over the reachable range.
        for x in 64..=16320i32 {
            let exact = 32768.0 * (std::f64::consts::FRAC_PI_2 * f64::from(x) / 16384.0).cos();
            let got = f64::from(bitexact_cos(x as i16));
            assert!((got - exact).abs() < 4.0, "x {x} got {got} exact {exact}");
        }
    }

    #[test]
    fn bitexact_log2tan_known_values() {
        for (s, c, v) in [
            (23171, 23171, 0),
            (32767, 16384, 2018),
            (16384, 32767, -2018),
            (1000, 30000, -10055),
            (30000, 1000, 10055),
            (12345, 23456, -1893),
            (4, 32767, -26594),
            (32767, 4, 26594),
        ] {
            assert_eq!(bitexact_log2tan(s, c), v, "log2tan({s},{c})");
        }
    }

    #[test]
    fn theta_split_matches_libopus_checksum() {
        // A rolling checksum over every reachable itheta, also computed from the C code.
        let mut sum: i64 = 0;
        for t in 64..=16320i32 {
            let im = i32::from(bitexact_cos(t as i16));
            let is = i32::from(bitexact_cos((16384 - t) as i16));
            let d = frac_mul16(175 << 7, bitexact_log2tan(is, im));
            sum = (sum.wrapping_mul(31) + i64::from(im) * 7 + i64::from(is) + i64::from(d))
                & 0xFFFF_FFFF_FFFF;
        }
        assert_eq!(sum, 281252854776161);
    }

    #[test]
    fn hadamard_interleave_round_trips() {
        let mut x = [0.0f32; 64];
        for (i, v) in x.iter_mut().enumerate() {
            *v = i as f32;
        }
        for &(n0, stride, h) in &[
            (8usize, 8usize, true),
            (16, 4, false),
            (4, 16, true),
            (32, 2, true),
        ] {
            let orig = x;
            deinterleave_hadamard(&mut x, n0, stride, h);
            interleave_hadamard(&mut x, n0, stride, h);
            assert_eq!(x, orig);
        }
    }

    #[test]
    fn compute_qn_range() {
        for n in 1..=176 {
            for b in (0..2000).step_by(7) {
                for stereo in [false, true] {
                    let qn = compute_qn(n, b, 0, 24, stereo);
                    assert!(qn == 1 || (qn % 2 == 0 && (2..=256).contains(&qn)), "{qn}");
                }
            }
        }
    }

    /// Decodes one frame's bands from random bytes the way the CELT decoder does, and
    /// checks that every coded band comes out with unit norm.
    fn decode_random_frame(rng: &mut StdRng, buf: &[u8], c: usize, lm: usize, start: usize) {
        let m = mode48000_960();
        let mut dec = RangeDecoder::new(buf);
        let end = if rng.gen_bool(0.8) {
            21
        } else {
            rng.gen_range(start + 1..=21)
        };
        let short_blocks = lm > 0 && rng.gen_bool(0.3);
        let mut tf_res = [0i32; 21];
        for t in tf_res.iter_mut().take(end).skip(start) {
            let sel = rng.gen_range(0..4);
            let row = crate::celt::tables::TF_SELECT_TABLE[lm];
            *t = i32::from(row[4 * usize::from(short_blocks) + sel]);
        }
        let spread = rng.gen_range(0..4);
        let mut cap = [0i32; 21];
        init_caps(m, &mut cap, lm, c);
        let offsets = [0i32; 21];
        let total = ((buf.len() as i32 * 8) << BITRES) - dec.tell_frac() as i32 - 1;
        let (mut intensity, mut dual, mut balance) = (0, false, 0);
        let mut pulses = [0i32; 21];
        let mut ebits = [0i32; 21];
        let mut prio = [0i32; 21];
        let coded = clt_compute_allocation(
            m,
            start,
            end,
            &offsets,
            &cap,
            rng.gen_range(0..=10),
            &mut intensity,
            &mut dual,
            total,
            &mut balance,
            &mut pulses,
            &mut ebits,
            &mut prio,
            c,
            lm,
            &mut dec,
        );
        let n = m.short_mdct_size << lm;
        let mut xbuf = [0.0f32; 2 * 960];
        let mut masks = [0u8; 42];
        let mut seed = rng.gen();
        let (x, y) = xbuf.split_at_mut(n);
        let y = if c == 2 { Some(&mut y[..n]) } else { None };
        quant_all_bands(
            BandCoder::Decode(&mut dec),
            m,
            start,
            end,
            x,
            y,
            &mut masks,
            None,
            &pulses,
            short_blocks,
            spread,
            dual,
            intensity,
            &tf_res,
            buf.len() as i32 * (8 << BITRES),
            balance,
            lm,
            coded,
            &mut seed,
            0,
            rng.gen_bool(0.1),
        );
        for ch in 0..c {
            for i in start..end {
                let lo = ch * n + (m.eband(i) as usize) * (1 << lm);
                let hi = ch * n + (m.eband(i + 1) as usize) * (1 << lm);
                let band = &xbuf[lo..hi];
                let e: f64 = band.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
                assert!(band.iter().all(|v| v.is_finite()));
                // A band is unit norm unless it was left silent (no bits and nothing
                // to fold).
                assert!(
                    (e - 1.0).abs() < 1e-3 || e == 0.0,
                    "ch {ch} band {i}: energy {e}"
                );
            }
        }
    }

    #[test]
    fn random_bytes_keep_unit_norm_bands() {
        let mut rng = StdRng::seed_from_u64(RNG_SEED);
        let mut buf = [0u8; 1275];
        for iter in 0..1500 {
            let len = match iter % 4 {
                0 => rng.gen_range(2..20),
                1 => rng.gen_range(20..160),
                2 => rng.gen_range(160..400),
                _ => rng.gen_range(400..=1275),
            };
            rng.fill(&mut buf[..len]);
            let c = 1 + iter % 2;
            let lm = (iter / 2) % 4;
            let start = if iter % 5 == 0 { 17 } else { 0 };
            decode_random_frame(&mut rng, &buf[..len], c, lm, start);
        }
    }

    #[test]
    fn anti_collapse_fills_empty_blocks() {
        let m = mode48000_960();
        let lm = 3;
        let n = 960;
        let mut x = [0.0f32; 960];
        let masks = [0u8; 42];
        let log_e = [0.0f32; 42];
        let prev = [-10.0f32; 42];
        let pulses = [0i32; 21];
        anti_collapse(
            m, &mut x, &masks, lm, 1, n, 0, 21, &log_e, &prev, &prev, &pulses, 42, false,
        );
        for i in 0..21 {
            let band = &x[(m.eband(i) as usize) << lm..(m.eband(i + 1) as usize) << lm];
            let e: f32 = band.iter().map(|v| v * v).sum();
            assert!((e - 1.0).abs() < 1e-4, "band {i}: {e}");
        }
    }

    #[test]
    fn denormalise_scales_and_clears() {
        let m = mode48000_960();
        let x = [1.0f32; 960];
        let mut freq = [5.0f32; 960];
        let mut loge = [0.0f32; 21];
        loge[0] = -E_MEANS[0] + 1.0;
        denormalise_bands(m, &x, &mut freq, &loge, 0, 21, 8, 1, false);
        assert_eq!(freq[0], 2.0);
        assert!(freq[800..].iter().all(|&v| v == 0.0));
        denormalise_bands(m, &x, &mut freq, &loge, 17, 21, 8, 2, false);
        assert!(freq[..8 * 40].iter().all(|&v| v == 0.0));
        assert!(freq[480..].iter().all(|&v| v == 0.0));
        denormalise_bands(m, &x, &mut freq, &loge, 0, 21, 8, 1, true);
        assert!(freq.iter().all(|&v| v == 0.0));
    }
}

/// A bit-exactness check against libopus that needs no C compiler at test time.
#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod libopus_digest {
    use super::*;
    use crate::celt::alloc::{clt_compute_allocation, init_caps};
    use crate::celt::energy::{
        unquant_coarse_energy, unquant_energy_finalise, unquant_fine_energy,
    };
    use crate::celt::mode::mode48000_960;
    use crate::celt::tables::TF_SELECT_TABLE;

    /// The C program's generator: a 32-bit LCG, top 24 bits out.
    struct R(u32);
    impl R {
        fn rnd(&mut self) -> u32 {
            self.0 = self.0.wrapping_mul(1103515245).wrapping_add(12345);
            self.0 >> 8
        }
    }
    /// 64-bit FNV-1a over 32-bit words.
    struct H(u64);
    impl H {
        fn u(&mut self, v: u32) {
            self.0 = (self.0 ^ u64::from(v)).wrapping_mul(1099511628211);
        }
        fn f(&mut self, v: f32) {
            self.u(v.to_bits());
        }
    }

    /// Decodes 2000 pseudo-random frames through coarse energy, allocation, fine
    /// energy, band shapes, final energy, anti-collapse and denormalisation, and hashes
    /// every output. The expected digest comes from the same sequence run against
    /// libopus 1.6.1 compiled as generic C (no SIMD, `-ffp-contract=off`), with the
    /// same parameter generator and hash written in C.
    #[test]
    fn matches_libopus_generic_build() {
        let m = mode48000_960();
        let mut digest = H(1469598103934665603);
        for cs in 0..2000u32 {
            // Parameters drawn exactly as the C program draws them.
            let mut r = R(cs.wrapping_mul(7919).wrapping_add(1));
            let mut buf = [0u8; 1275];
            let mut len = 2 + (r.rnd() % 1274) as usize;
            if cs % 3 == 0 {
                len = 2 + (r.rnd() % 100) as usize;
            }
            for b in buf[..len].iter_mut() {
                *b = (r.rnd() & 0xFF) as u8;
            }
            let c = 1 + (r.rnd() % 2) as usize;
            let lm = (r.rnd() % 4) as usize;
            let start = if r.rnd() % 5 == 0 { 17 } else { 0 };
            let end = if r.rnd() % 5 == 0 {
                start + 1 + (r.rnd() % (21 - start as u32)) as usize
            } else {
                21
            };
            let intra = r.rnd() & 1 != 0;
            let short_blocks = lm > 0 && r.rnd() % 3 == 0;
            let spread = (r.rnd() % 4) as i32;
            let alloc_trim = (r.rnd() % 11) as i32;
            let disable_inv = r.rnd() % 10 == 0;
            let mut seed = r.rnd();
            let tfsel = (r.rnd() & 1) as usize;
            let mut tf_res = [0i32; 21];
            for t in tf_res.iter_mut() {
                *t = i32::from(
                    TF_SELECT_TABLE[lm]
                        [4 * usize::from(short_blocks) + 2 * tfsel + (r.rnd() & 1) as usize],
                );
            }
            let mut old_e = [0f32; 42];
            let mut prev1 = [0f32; 42];
            let mut prev2 = [0f32; 42];
            for i in 0..42 {
                old_e[i] = ((r.rnd() % 4000) as i32 - 2000) as f32 / 100.0;
                prev1[i] = ((r.rnd() % 4000) as i32 - 2000) as f32 / 100.0;
                prev2[i] = ((r.rnd() % 4000) as i32 - 2000) as f32 / 100.0;
            }
            let mut cap = [0i32; 21];
            init_caps(m, &mut cap, lm, c);
            let mut offsets = [0i32; 21];
            for i in 0..21 {
                offsets[i] = if r.rnd() % 8 == 0 {
                    (r.rnd() % (cap[i] as u32 + 1)) as i32
                } else {
                    0
                };
            }
            let mut dec = RangeDecoder::new(&buf[..len]);
            unquant_coarse_energy(m, start, end, &mut old_e, intra, &mut dec, c, lm);
            let mut bits = ((len as i32 * 8) << BITRES) - dec.tell_frac() as i32 - 1;
            let acr = if short_blocks && lm >= 2 && bits >= ((lm as i32 + 2) << BITRES) {
                1 << BITRES
            } else {
                0
            };
            bits -= acr;
            let (mut intensity, mut dual, mut balance) = (0, false, 0);
            let mut pulses = [0i32; 21];
            let mut fq = [0i32; 21];
            let mut fp = [0i32; 21];
            let coded = clt_compute_allocation(
                m,
                start,
                end,
                &offsets,
                &cap,
                alloc_trim,
                &mut intensity,
                &mut dual,
                bits,
                &mut balance,
                &mut pulses,
                &mut fq,
                &mut fp,
                c,
                lm,
                &mut dec,
            );
            unquant_fine_energy(m, start, end, &mut old_e, None, &fq, &mut dec, c);
            let n = 120 << lm;
            let mut x = [0f32; 1920];
            let mut masks = [0u8; 42];
            {
                let (xa, xb) = x.split_at_mut(n);
                let y = if c == 2 { Some(&mut xb[..n]) } else { None };
                quant_all_bands(
                    BandCoder::Decode(&mut dec),
                    m,
                    start,
                    end,
                    xa,
                    y,
                    &mut masks,
                    None,
                    &pulses,
                    short_blocks,
                    spread,
                    dual,
                    intensity,
                    &tf_res,
                    len as i32 * (8 << BITRES) - acr,
                    balance,
                    lm,
                    coded,
                    &mut seed,
                    0,
                    disable_inv,
                );
            }
            let mut ac_on = false;
            if acr > 0 {
                ac_on = dec.bits(1) != 0;
            }
            let left = len as i32 * 8 - dec.tell();
            unquant_energy_finalise(m, start, end, Some(&mut old_e), &fq, &fp, left, &mut dec, c);
            if ac_on || cs % 4 == 0 {
                anti_collapse(
                    m, &mut x, &masks, lm, c, n, start, end, &old_e, &prev1, &prev2, &pulses, seed,
                    false,
                );
            }
            let mut h = H(1469598103934665603);
            h.u(coded as u32);
            h.u(intensity as u32);
            h.u(u32::from(dual));
            h.u(balance as u32);
            h.u(seed);
            h.u(dec.tell_frac());
            h.u(dec.final_range());
            for i in 0..21 {
                h.u(pulses[i] as u32);
                h.u(fq[i] as u32);
                h.u(fp[i] as u32);
            }
            for i in 0..42 {
                h.f(old_e[i]);
                h.u(u32::from(masks[i]));
            }
            for v in &x[..c * n] {
                h.f(*v);
            }
            let mut freq = [0f32; 960];
            for ch in 0..c {
                denormalise_bands(
                    m,
                    &x[ch * n..],
                    &mut freq,
                    &old_e[ch * 21..],
                    start,
                    end,
                    1 << lm,
                    if cs % 7 == 0 { 2 } else { 1 },
                    false,
                );
                for v in &freq[..n] {
                    h.f(*v);
                }
            }
            digest.u(h.0 as u32);
            digest.u((h.0 >> 32) as u32);
        }
        assert_eq!(digest.0, 0x65fd_42af_1eb1_db10);
    }
}

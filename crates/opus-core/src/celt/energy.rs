//! Band energy decoding (RFC 6716 section 4.3.2; libopus `celt/quant_bands.c`).
//!
//! CELT sends each band's log2 energy in three layers:
//!
//! - coarse: a 6 dB step per band, predicted from the previous frame and the previous
//!   band and coded with a Laplace model ([`unquant_coarse_energy`]);
//! - fine: a uniform refinement of as many bits as the allocation gives the band
//!   ([`unquant_fine_energy`]);
//! - final: one more bit for some bands out of whatever is left at the end of the
//!   frame ([`unquant_energy_finalise`]).
//!
//! Energies are in log2 units (1.0 = 6.02 dB) relative to [`E_MEANS`], stored
//! `old_ebands[i + c * nb_ebands]`.

use super::mathops::{celt_log2, max32};
use super::mode::CeltMode;
use super::tables::{BETA_COEF, BETA_INTRA, E_MEANS, E_PROB_MODEL, PRED_COEF, SMALL_ENERGY_ICDF};
use crate::range_coder::{laplace_decode, RangeDecoder};

/// Most fine-energy bits a band can receive (libopus `MAX_FINE_BITS`).
pub const MAX_FINE_BITS: i32 = 8;

/// Decodes the coarse energy of bands `start..end` for `c` channels and adds it to the
/// prediction from `old_ebands`, which it overwrites (libopus `unquant_coarse_energy`).
///
/// `intra` turns off the prediction from the previous frame. `lm` selects the
/// probability model (0 to 3). Reads as many symbols as the remaining bits allow and
/// assumes -1 once they run out, like libopus.
///
/// # Panics
///
/// If `old_ebands` is shorter than `c * nb_ebands` or `lm > 3`.
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
pub fn unquant_coarse_energy(
    mode: &CeltMode,
    start: usize,
    end: usize,
    old_ebands: &mut [f32],
    intra: bool,
    dec: &mut RangeDecoder<'_>,
    c: usize,
    lm: usize,
) {
    let prob_model = &E_PROB_MODEL[lm][usize::from(intra)];
    let mut prev = [0.0f32; 2];
    let (coef, beta) = if intra {
        (0.0f32, BETA_INTRA)
    } else {
        (PRED_COEF[lm], BETA_COEF[lm])
    };
    let budget = dec.storage() as i32 * 8;
    let nb = mode.nb_ebands;
    for i in start..end {
        for ch in 0..c.min(2) {
            let tell = dec.tell();
            let qi: i32 = if budget - tell >= 15 {
                let pi = 2 * i.min(20);
                laplace_decode(
                    dec,
                    u32::from(prob_model[pi]) << 7,
                    i32::from(prob_model[pi + 1]) << 6,
                )
            } else if budget - tell >= 2 {
                let s = dec.icdf(&SMALL_ENERGY_ICDF, 2) as i32;
                (s >> 1) ^ -(s & 1)
            } else if budget - tell >= 1 {
                -i32::from(dec.bit_logp(1))
            } else {
                -1
            };
            let q = qi as f32;
            let idx = i + ch * nb;
            old_ebands[idx] = max32(-9.0, old_ebands[idx]);
            let tmp = coef * old_ebands[idx] + prev[ch] + q;
            old_ebands[idx] = tmp;
            prev[ch] = prev[ch] + q - beta * q;
        }
    }
}

/// Decodes `extra_quant[i]` fine-energy bits per channel for bands `start..end` and
/// adds the refinement to `old_ebands` (libopus `unquant_fine_energy`).
///
/// `prev_quant` gives the fine bits of an earlier layer that this one refines further
/// (`None` for the first layer, as plain CELT decoding uses). A band is skipped when
/// its bits no longer fit in the packet.
///
/// # Panics
///
/// If a slice is too short for `end` bands and `c` channels.
#[allow(clippy::too_many_arguments)]
pub fn unquant_fine_energy(
    mode: &CeltMode,
    start: usize,
    end: usize,
    old_ebands: &mut [f32],
    prev_quant: Option<&[i32]>,
    extra_quant: &[i32],
    dec: &mut RangeDecoder<'_>,
    c: usize,
) {
    let nb = mode.nb_ebands;
    for i in start..end {
        let extra = extra_quant[i];
        if extra <= 0 {
            continue;
        }
        debug_assert!(extra <= 14);
        if i64::from(dec.tell()) + c as i64 * i64::from(extra) > i64::from(dec.storage()) * 8 {
            continue;
        }
        let prev = prev_quant.map_or(0, |p| p[i]);
        for ch in 0..c {
            let q2 = dec.bits(extra as u32) as i32;
            let mut offset =
                (q2 as f32 + 0.5) * (1i32 << (14 - extra)) as f32 * (1.0f32 / 16384.0) - 0.5;
            offset *= (1i32 << (14 - prev)) as f32 * (1.0f32 / 16384.0);
            old_ebands[i + ch * nb] += offset;
        }
    }
}

/// Spends the bits left at the end of the frame on one more energy bit per channel
/// for the bands whose `fine_quant` is below the maximum, priority 0 first (libopus
/// `unquant_energy_finalise`).
///
/// With `old_ebands` `None` the bits are read and dropped.
///
/// # Panics
///
/// If a slice is too short for `end` bands and `c` channels.
#[allow(clippy::too_many_arguments)]
pub fn unquant_energy_finalise(
    mode: &CeltMode,
    start: usize,
    end: usize,
    mut old_ebands: Option<&mut [f32]>,
    fine_quant: &[i32],
    fine_priority: &[i32],
    mut bits_left: i32,
    dec: &mut RangeDecoder<'_>,
    c: usize,
) {
    let nb = mode.nb_ebands;
    for prio in 0..2 {
        let mut i = start;
        while i < end && bits_left >= c as i32 {
            if fine_quant[i] >= MAX_FINE_BITS || fine_priority[i] != prio {
                i += 1;
                continue;
            }
            for ch in 0..c {
                let q2 = dec.bits(1) as i32;
                let offset = (q2 as f32 - 0.5)
                    * (1i32 << (14 - fine_quant[i] - 1)) as f32
                    * (1.0f32 / 16384.0);
                if let Some(e) = old_ebands.as_deref_mut() {
                    e[i + ch * nb] += offset;
                }
                bits_left -= 1;
            }
            i += 1;
        }
    }
}

/// Converts band amplitudes to log2 energies relative to [`E_MEANS`] for bands below
/// `eff_end`, and sets bands `eff_end..end` to -14 (libopus `amp2Log2`).
///
/// # Panics
///
/// If a slice is too short for `end` bands and `c` channels.
pub fn amp2log2(
    mode: &CeltMode,
    eff_end: usize,
    end: usize,
    band_e: &[f32],
    band_log_e: &mut [f32],
    c: usize,
) {
    let nb = mode.nb_ebands;
    for ch in 0..c {
        for i in 0..eff_end {
            band_log_e[i + ch * nb] = celt_log2(band_e[i + ch * nb]) - E_MEANS[i];
        }
        for i in eff_end..end {
            band_log_e[ch * nb + i] = -14.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::celt::mode::mode48000_960;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    const RNG_SEED: u64 = 0x00C0_FFEE;

    #[test]
    fn random_bytes_never_panic_and_stay_finite() {
        let m = mode48000_960();
        let mut rng = StdRng::seed_from_u64(RNG_SEED);
        let mut buf = [0u8; 200];
        for iter in 0..3000 {
            let len = rng.gen_range(0..buf.len());
            rng.fill(&mut buf[..len]);
            let c = 1 + iter % 2;
            let lm = (iter / 2) % 4;
            let start = if iter % 7 == 0 { 17 } else { 0 };
            let mut dec = RangeDecoder::new(&buf[..len]);
            let mut old = [0.0f32; 42];
            for v in old.iter_mut() {
                *v = rng.gen_range(-30.0..30.0);
            }
            unquant_coarse_energy(m, start, 21, &mut old, rng.gen(), &mut dec, c, lm);
            let mut fine = [0i32; 21];
            let mut prio = [0i32; 21];
            for i in 0..21 {
                fine[i] = rng.gen_range(0..=MAX_FINE_BITS);
                prio[i] = rng.gen_range(0..2);
            }
            unquant_fine_energy(m, start, 21, &mut old, None, &fine, &mut dec, c);
            let left = len as i32 * 8 - dec.tell();
            unquant_energy_finalise(
                m,
                start,
                21,
                Some(&mut old),
                &fine,
                &prio,
                left,
                &mut dec,
                c,
            );
            assert!(old.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn silence_decodes_to_minus_one_steps() {
        // An empty packet gives qi = -1 in every band: with intra prediction the
        // energy falls by one plus the accumulated inter-band decay.
        let m = mode48000_960();
        let mut dec = RangeDecoder::new(&[]);
        let mut old = [0.0f32; 21];
        unquant_coarse_energy(m, 0, 21, &mut old, true, &mut dec, 1, 3);
        let mut prev = 0.0f32;
        for &e in old.iter() {
            let expect = prev - 1.0;
            assert_eq!(e, expect);
            prev = prev - 1.0 + BETA_INTRA;
        }
    }

    #[test]
    fn fine_offsets_are_centred() {
        // One fine bit moves the energy by -1/4 or +1/4.
        let m = mode48000_960();
        let data = [0xFFu8; 8];
        let mut dec = RangeDecoder::new(&data);
        let mut old = [0.0f32; 21];
        let mut fine = [0i32; 21];
        fine[3] = 1;
        unquant_fine_energy(m, 0, 21, &mut old, None, &fine, &mut dec, 1);
        assert_eq!(old[3], 0.25);
    }
}

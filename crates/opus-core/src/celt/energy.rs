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

use super::mathops::{celt_log2, max32, min32};
use super::mode::CeltMode;
use super::tables::{
    BETA_COEF, BETA_INTRA, E_MEANS, E_PROB_MODEL, NB_EBANDS, PRED_COEF, SMALL_ENERGY_ICDF,
};
use crate::range_coder::{laplace_decode, laplace_encode, RangeDecoder, RangeEncoder};

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

/// Distortion of the prediction from the previous frame, capped at 200: how much a
/// lost frame would hurt (libopus `loss_distortion`).
fn loss_distortion(
    e_bands: &[f32],
    old_e_bands: &[f32],
    start: usize,
    end: usize,
    len: usize,
    c: usize,
) -> f32 {
    let mut dist = 0.0f32;
    for ch in 0..c {
        for i in start..end {
            let d = e_bands[i + ch * len] - old_e_bands[i + ch * len];
            dist += d * d;
        }
    }
    min32(200.0, dist)
}

/// One coarse-energy pass, intra or inter (libopus `quant_coarse_energy_impl`).
/// Returns the "badness": how far the budget forced the indices from the ideal ones.
#[allow(clippy::too_many_arguments)]
fn quant_coarse_energy_impl(
    mode: &CeltMode,
    start: usize,
    end: usize,
    e_bands: &[f32],
    old_e_bands: &mut [f32],
    budget: i32,
    tell: i32,
    prob_model: &[u8; 42],
    error: &mut [f32],
    enc: &mut RangeEncoder<'_>,
    c: usize,
    lm: usize,
    intra: bool,
    max_decay: f32,
    lfe: bool,
) -> i32 {
    let nb = mode.nb_ebands;
    let mut badness = 0i32;
    let mut prev = [0.0f32; 2];
    if tell + 3 <= budget {
        enc.bit_logp(intra, 3);
    }
    let (coef, beta) = if intra {
        (0.0f32, BETA_INTRA)
    } else {
        (PRED_COEF[lm], BETA_COEF[lm])
    };
    for i in start..end {
        for ch in 0..c {
            let idx = i + ch * nb;
            let x = e_bands[idx];
            let old_e = max32(-9.0, old_e_bands[idx]);
            let f = x - coef * old_e - prev[ch];
            // Round to nearest.
            let mut qi = (0.5f32 + f).floor() as i32;
            let decay_bound = max32(-28.0, old_e_bands[idx]) - max_decay;
            // Keep the energy from falling too fast.
            if qi < 0 && x < decay_bound {
                qi += (decay_bound - x) as i32;
                if qi > 0 {
                    qi = 0;
                }
            }
            let qi0 = qi;
            // Low on bits: settle for something safe.
            let tell = enc.tell();
            let bits_left = budget - tell - 3 * c as i32 * (end - i) as i32;
            if i != start && bits_left < 30 {
                if bits_left < 24 {
                    qi = qi.min(1);
                }
                if bits_left < 16 {
                    qi = qi.max(-1);
                }
            }
            if lfe && i >= 2 {
                qi = qi.min(0);
            }
            if budget - tell >= 15 {
                let pi = 2 * i.min(20);
                laplace_encode(
                    enc,
                    &mut qi,
                    u32::from(prob_model[pi]) << 7,
                    i32::from(prob_model[pi + 1]) << 6,
                );
            } else if budget - tell >= 2 {
                qi = qi.clamp(-1, 1);
                enc.icdf(((2 * qi) ^ -i32::from(qi < 0)) as usize, &SMALL_ENERGY_ICDF, 2);
            } else if budget - tell >= 1 {
                qi = qi.min(0);
                enc.bit_logp(qi != 0, 1);
            } else {
                qi = -1;
            }
            error[idx] = f - qi as f32;
            badness += (qi0 - qi).abs();
            let q = qi as f32;
            let tmp = coef * old_e + prev[ch] + q;
            old_e_bands[idx] = tmp;
            prev[ch] = prev[ch] + q - beta * q;
        }
    }
    if lfe {
        0
    } else {
        badness
    }
}

/// Quantises and encodes the coarse energies `e_bands` of bands `start..end`,
/// updating the prediction state `old_e_bands` and writing the quantisation error
/// to `error` (libopus `quant_coarse_energy`).
///
/// Chooses between intra and inter prediction: forced by `force_intra`, decided
/// from `delayed_intra` (the accumulated loss distortion, updated here), or with
/// `two_pass` by coding both and keeping the cheaper one.
///
/// # Panics
///
/// If a slice is too short for `c` channels of the mode's bands.
#[allow(clippy::too_many_arguments)]
pub fn quant_coarse_energy(
    mode: &CeltMode,
    start: usize,
    end: usize,
    eff_end: usize,
    e_bands: &[f32],
    old_e_bands: &mut [f32],
    budget: u32,
    error: &mut [f32],
    enc: &mut RangeEncoder<'_>,
    c: usize,
    lm: usize,
    nb_available_bytes: i32,
    force_intra: bool,
    delayed_intra: &mut f32,
    two_pass: bool,
    loss_rate: i32,
    lfe: bool,
) {
    let nb = mode.nb_ebands;
    let span = (end - start) as i32;
    let ci = c as i32;
    let mut two_pass = two_pass;
    let mut intra = force_intra
        || (!two_pass && *delayed_intra > (2 * ci * span) as f32 && nb_available_bytes > span * ci);
    let intra_bias =
        (budget as f32 * *delayed_intra * loss_rate as f32 / (ci * 512) as f32) as i32;
    let new_distortion = loss_distortion(e_bands, old_e_bands, start, eff_end, nb, c);

    let tell = enc.tell() as u32;
    if tell + 3 > budget {
        two_pass = false;
        intra = false;
    }
    let mut max_decay = 16.0f32;
    if end - start > 10 {
        max_decay = min32(max_decay, 0.125f32 * nb_available_bytes as f32);
    }
    if lfe {
        max_decay = 3.0;
    }
    let start_state = enc.snapshot();
    let nstart = enc.range_bytes() as usize;
    let mut old_intra = [0.0f32; 2 * NB_EBANDS];
    let mut error_intra = [0.0f32; 2 * NB_EBANDS];
    old_intra[..c * nb].copy_from_slice(&old_e_bands[..c * nb]);

    let mut badness1 = 0;
    if two_pass || intra {
        badness1 = quant_coarse_energy_impl(
            mode,
            start,
            end,
            e_bands,
            &mut old_intra,
            budget as i32,
            tell as i32,
            &E_PROB_MODEL[lm][1],
            &mut error_intra,
            enc,
            c,
            lm,
            true,
            max_decay,
            lfe,
        );
    }

    if !intra {
        let tell_intra = enc.tell_frac() as i32;
        let intra_state = enc.snapshot();
        let nintra = enc.range_bytes() as usize;
        // Keep the intra pass's bytes: the inter pass overwrites them.
        let mut intra_bits = [0u8; 1275];
        let saved = nintra.saturating_sub(nstart).min(intra_bits.len());
        intra_bits[..saved].copy_from_slice(&enc.buffer()[nstart..nstart + saved]);
        enc.restore(&start_state);
        let badness2 = quant_coarse_energy_impl(
            mode,
            start,
            end,
            e_bands,
            old_e_bands,
            budget as i32,
            tell as i32,
            &E_PROB_MODEL[lm][0],
            error,
            enc,
            c,
            lm,
            false,
            max_decay,
            lfe,
        );
        if two_pass
            && (badness1 < badness2
                || (badness1 == badness2 && enc.tell_frac() as i32 + intra_bias > tell_intra))
        {
            enc.restore(&intra_state);
            enc.buffer_mut()[nstart..nstart + saved].copy_from_slice(&intra_bits[..saved]);
            old_e_bands[..c * nb].copy_from_slice(&old_intra[..c * nb]);
            error[..c * nb].copy_from_slice(&error_intra[..c * nb]);
            intra = true;
        }
    } else {
        old_e_bands[..c * nb].copy_from_slice(&old_intra[..c * nb]);
        error[..c * nb].copy_from_slice(&error_intra[..c * nb]);
    }

    if intra {
        *delayed_intra = new_distortion;
    } else {
        *delayed_intra = PRED_COEF[lm] * PRED_COEF[lm] * *delayed_intra + new_distortion;
    }
}

/// Encodes `extra_quant[i]` fine-energy bits per channel for bands `start..end`,
/// moving `old_e_bands` towards the target by the coded amount and taking it out of
/// `error` (libopus `quant_fine_energy`). `prev_quant` as in
/// [`unquant_fine_energy`].
///
/// # Panics
///
/// If a slice is too short for `end` bands and `c` channels.
#[allow(clippy::too_many_arguments)]
pub fn quant_fine_energy(
    mode: &CeltMode,
    start: usize,
    end: usize,
    old_e_bands: &mut [f32],
    error: &mut [f32],
    prev_quant: Option<&[i32]>,
    extra_quant: &[i32],
    enc: &mut RangeEncoder<'_>,
    c: usize,
) {
    let nb = mode.nb_ebands;
    for i in start..end {
        let eq = extra_quant[i];
        if eq <= 0 {
            continue;
        }
        let extra = (1i32 << eq) as i16;
        if enc.tell() + c as i32 * eq > enc.storage() as i32 * 8 {
            continue;
        }
        let prev = prev_quant.map_or(0, |p| p[i]);
        for ch in 0..c {
            let idx = i + ch * nb;
            let mut q2 =
                ((error[idx] * (1i32 << prev) as f32 + 0.5f32) * f32::from(extra)).floor() as i32;
            if q2 > i32::from(extra) - 1 {
                q2 = i32::from(extra) - 1;
            }
            if q2 < 0 {
                q2 = 0;
            }
            enc.bits(q2 as u32, eq as u32);
            let mut offset =
                (q2 as f32 + 0.5) * (1i32 << (14 - eq)) as f32 * (1.0f32 / 16384.0) - 0.5;
            offset *= (1i32 << (14 - prev)) as f32 * (1.0f32 / 16384.0);
            old_e_bands[idx] += offset;
            error[idx] -= offset;
        }
    }
}

/// Spends the bits left at the end of the frame on one more energy bit per channel,
/// priority 0 bands first (libopus `quant_energy_finalise`). With `old_e_bands`
/// `None` only `error` is updated.
///
/// # Panics
///
/// If a slice is too short for `end` bands and `c` channels.
#[allow(clippy::too_many_arguments)]
pub fn quant_energy_finalise(
    mode: &CeltMode,
    start: usize,
    end: usize,
    mut old_e_bands: Option<&mut [f32]>,
    error: &mut [f32],
    fine_quant: &[i32],
    fine_priority: &[i32],
    mut bits_left: i32,
    enc: &mut RangeEncoder<'_>,
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
                let idx = i + ch * nb;
                let q2 = i32::from(error[idx] >= 0.0);
                enc.bits(q2 as u32, 1);
                let offset = (q2 as f32 - 0.5)
                    * (1i32 << (14 - fine_quant[i] - 1)) as f32
                    * (1.0f32 / 16384.0);
                if let Some(e) = old_e_bands.as_deref_mut() {
                    e[idx] += offset;
                }
                error[idx] -= offset;
                bits_left -= 1;
            }
            i += 1;
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

//! Excitation encoding, RFC 6716 §4.2.7.8 (libopus `silk/encode_pulses.c`,
//! the encoder half of `silk/shell_coder.c` and `silk/code_signs.c`).
//!
//! The pulses of a frame are cut into 16-sample shell blocks. Each block's
//! absolute values are right-shifted until every level of the split tree
//! fits its table; the rate level that codes the block counts cheapest is
//! chosen, then counts, splits, LSBs and signs are written.

use super::super::structs::{
    LOG2_SHELL_CODEC_FRAME_LENGTH, MAX_NB_SHELL_BLOCKS, N_RATE_LEVELS, SHELL_CODEC_FRAME_LENGTH,
    SILK_MAX_PULSES,
};
use super::super::tables_other::LSB_ICDF;
use super::super::tables_pulses_per_block::{
    MAX_PULSES_TABLE, PULSES_PER_BLOCK_BITS_Q5, PULSES_PER_BLOCK_ICDF, RATE_LEVELS_BITS_Q5,
    RATE_LEVELS_ICDF, SHELL_CODE_TABLE0, SHELL_CODE_TABLE1, SHELL_CODE_TABLE2, SHELL_CODE_TABLE3,
    SHELL_CODE_TABLE_OFFSETS, SIGN_ICDF,
};
use crate::range_coder::RangeEncoder;

/// Sums neighbouring pairs of `input` into `out[..len]`; true if any sum
/// exceeds `max_pulses` (libopus `combine_and_check`).
#[inline]
fn combine_and_check(out: &mut [i32], input: &[i32], max_pulses: i32, len: usize) -> bool {
    for k in 0..len {
        let sum = input[2 * k] + input[2 * k + 1];
        if sum > max_pulses {
            return true;
        }
        out[k] = sum;
    }
    false
}

#[inline]
fn combine_pulses(out: &mut [i32], input: &[i32], len: usize) {
    for k in 0..len {
        out[k] = input[2 * k] + input[2 * k + 1];
    }
}

#[inline]
fn encode_split(enc: &mut RangeEncoder<'_>, p_child1: i32, p: i32, shell_table: &[u8]) {
    if p > 0 {
        let off = SHELL_CODE_TABLE_OFFSETS[p as usize] as usize;
        enc.icdf(p_child1 as usize, &shell_table[off..], 8);
    }
}

/// Codes how the pulses of one 16-sample block split at each tree level
/// (libopus `silk_shell_encoder`).
pub fn shell_encoder(enc: &mut RangeEncoder<'_>, pulses0: &[i32]) {
    let mut pulses1 = [0i32; 8];
    let mut pulses2 = [0i32; 4];
    let mut pulses3 = [0i32; 2];
    let mut pulses4 = [0i32; 1];
    combine_pulses(&mut pulses1, pulses0, 8);
    combine_pulses(&mut pulses2, &pulses1, 4);
    combine_pulses(&mut pulses3, &pulses2, 2);
    combine_pulses(&mut pulses4, &pulses3, 1);
    encode_split(enc, pulses3[0], pulses4[0], &SHELL_CODE_TABLE3);
    encode_split(enc, pulses2[0], pulses3[0], &SHELL_CODE_TABLE2);
    encode_split(enc, pulses1[0], pulses2[0], &SHELL_CODE_TABLE1);
    encode_split(enc, pulses0[0], pulses1[0], &SHELL_CODE_TABLE0);
    encode_split(enc, pulses0[2], pulses1[1], &SHELL_CODE_TABLE0);
    encode_split(enc, pulses1[2], pulses2[1], &SHELL_CODE_TABLE1);
    encode_split(enc, pulses0[4], pulses1[2], &SHELL_CODE_TABLE0);
    encode_split(enc, pulses0[6], pulses1[3], &SHELL_CODE_TABLE0);
    encode_split(enc, pulses2[2], pulses3[1], &SHELL_CODE_TABLE2);
    encode_split(enc, pulses1[4], pulses2[2], &SHELL_CODE_TABLE1);
    encode_split(enc, pulses0[8], pulses1[4], &SHELL_CODE_TABLE0);
    encode_split(enc, pulses0[10], pulses1[5], &SHELL_CODE_TABLE0);
    encode_split(enc, pulses1[6], pulses2[3], &SHELL_CODE_TABLE1);
    encode_split(enc, pulses0[12], pulses1[6], &SHELL_CODE_TABLE0);
    encode_split(enc, pulses0[14], pulses1[7], &SHELL_CODE_TABLE0);
}

/// Codes the signs of the non-zero pulses (libopus `silk_encode_signs`).
pub fn encode_signs(
    enc: &mut RangeEncoder<'_>,
    pulses: &[i8],
    length: usize,
    signal_type: i32,
    quant_offset_type: i32,
    sum_pulses: &[i32; MAX_NB_SHELL_BLOCKS],
) {
    let mut icdf = [0u8, 0u8];
    let base = (7 * (quant_offset_type + (signal_type << 1))) as usize;
    let icdf_row = &SIGN_ICDF[base..];
    let n_blocks = (length + SHELL_CODEC_FRAME_LENGTH / 2) >> LOG2_SHELL_CODEC_FRAME_LENGTH;
    for i in 0..n_blocks {
        let p = sum_pulses[i];
        if p > 0 {
            icdf[0] = icdf_row[(p & 0x1f).min(6) as usize];
            for &q in &pulses[i * SHELL_CODEC_FRAME_LENGTH..(i + 1) * SHELL_CODEC_FRAME_LENGTH] {
                if q != 0 {
                    enc.icdf(((q as i32 >> 15) + 1) as usize, &icdf, 8);
                }
            }
        }
    }
}

/// Encodes one frame of excitation pulses (libopus `silk_encode_pulses`).
///
/// `pulses` must hold a whole number of shell blocks past `frame_length`
/// (for 120-sample frames the spill-over block is zeroed here, as libopus
/// does).
pub fn encode_pulses(
    enc: &mut RangeEncoder<'_>,
    signal_type: i32,
    quant_offset_type: i32,
    pulses: &mut [i8],
    frame_length: usize,
) {
    let mut pulses_comb = [0i32; 8];
    let mut iter = frame_length >> LOG2_SHELL_CODEC_FRAME_LENGTH;
    if iter * SHELL_CODEC_FRAME_LENGTH < frame_length {
        debug_assert_eq!(frame_length, 12 * 10);
        iter += 1;
        pulses[frame_length..frame_length + SHELL_CODEC_FRAME_LENGTH].fill(0);
    }

    let mut abs_pulses = [0i32; MAX_NB_SHELL_BLOCKS * SHELL_CODEC_FRAME_LENGTH];
    for i in 0..iter * SHELL_CODEC_FRAME_LENGTH {
        abs_pulses[i] = (pulses[i] as i32).abs();
    }

    // Scale each block down until its split tree fits.
    let mut sum_pulses = [0i32; MAX_NB_SHELL_BLOCKS];
    let mut n_rshifts = [0i32; MAX_NB_SHELL_BLOCKS];
    for i in 0..iter {
        let blk = &mut abs_pulses[i * SHELL_CODEC_FRAME_LENGTH..(i + 1) * SHELL_CODEC_FRAME_LENGTH];
        n_rshifts[i] = 0;
        loop {
            let mut scale_down =
                combine_and_check(&mut pulses_comb, blk, MAX_PULSES_TABLE[0] as i32, 8) as i32;
            let pc = pulses_comb;
            scale_down +=
                combine_and_check(&mut pulses_comb, &pc, MAX_PULSES_TABLE[1] as i32, 4) as i32;
            let pc = pulses_comb;
            scale_down +=
                combine_and_check(&mut pulses_comb, &pc, MAX_PULSES_TABLE[2] as i32, 2) as i32;
            scale_down += combine_and_check(
                &mut sum_pulses[i..i + 1],
                &pulses_comb,
                MAX_PULSES_TABLE[3] as i32,
                1,
            ) as i32;
            if scale_down != 0 {
                n_rshifts[i] += 1;
                for v in blk.iter_mut() {
                    *v >>= 1;
                }
            } else {
                break;
            }
        }
    }

    // Cheapest rate level.
    let mut min_sum_bits_q5 = i32::MAX;
    let mut rate_level_index = 0usize;
    for k in 0..N_RATE_LEVELS - 1 {
        let n_bits = &PULSES_PER_BLOCK_BITS_Q5[k];
        let mut sum_bits_q5 = RATE_LEVELS_BITS_Q5[(signal_type >> 1) as usize][k] as i32;
        for i in 0..iter {
            if n_rshifts[i] > 0 {
                sum_bits_q5 += n_bits[SILK_MAX_PULSES + 1] as i32;
            } else {
                sum_bits_q5 += n_bits[sum_pulses[i] as usize] as i32;
            }
        }
        if sum_bits_q5 < min_sum_bits_q5 {
            min_sum_bits_q5 = sum_bits_q5;
            rate_level_index = k;
        }
    }
    enc.icdf(
        rate_level_index,
        &RATE_LEVELS_ICDF[(signal_type >> 1) as usize],
        8,
    );

    // Pulse counts per block, with escapes for shifted blocks.
    let cdf = &PULSES_PER_BLOCK_ICDF[rate_level_index];
    for i in 0..iter {
        if n_rshifts[i] == 0 {
            enc.icdf(sum_pulses[i] as usize, cdf, 8);
        } else {
            enc.icdf(SILK_MAX_PULSES + 1, cdf, 8);
            for _ in 0..n_rshifts[i] - 1 {
                enc.icdf(SILK_MAX_PULSES + 1, &PULSES_PER_BLOCK_ICDF[N_RATE_LEVELS - 1], 8);
            }
            enc.icdf(
                sum_pulses[i] as usize,
                &PULSES_PER_BLOCK_ICDF[N_RATE_LEVELS - 1],
                8,
            );
        }
    }

    // Shell splits.
    for i in 0..iter {
        if sum_pulses[i] > 0 {
            shell_encoder(
                enc,
                &abs_pulses[i * SHELL_CODEC_FRAME_LENGTH..(i + 1) * SHELL_CODEC_FRAME_LENGTH],
            );
        }
    }

    // LSBs of shifted blocks.
    for i in 0..iter {
        if n_rshifts[i] > 0 {
            let n_ls = n_rshifts[i] - 1;
            for k in 0..SHELL_CODEC_FRAME_LENGTH {
                let abs_q = (pulses[i * SHELL_CODEC_FRAME_LENGTH + k] as i32).abs() as i8 as i32;
                for j in (1..=n_ls).rev() {
                    let bit = (abs_q >> j) & 1;
                    enc.icdf(bit as usize, &LSB_ICDF, 8);
                }
                enc.icdf((abs_q & 1) as usize, &LSB_ICDF, 8);
            }
        }
    }

    encode_signs(
        enc,
        pulses,
        frame_length,
        signal_type,
        quant_offset_type,
        &sum_pulses,
    );
}

//! Excitation decoding, RFC 6716 §4.2.7.8 (libopus `silk/decode_pulses.c`,
//! `silk/shell_coder.c`, `silk/code_signs.c`).
//!
//! Input: the range decoder after the side information. Output: the signed
//! pulse amplitudes of one frame, in 16-sample shell blocks: rate level,
//! pulse count per block (with LSB escapes), the shell split tree, the LSBs,
//! and the signs.

use super::structs::{
    LOG2_SHELL_CODEC_FRAME_LENGTH, MAX_FRAME_LENGTH, MAX_NB_SHELL_BLOCKS, N_RATE_LEVELS,
    SHELL_CODEC_FRAME_LENGTH, SILK_MAX_PULSES,
};
use super::tables_other::LSB_ICDF;
use super::tables_pulses_per_block::{
    PULSES_PER_BLOCK_ICDF, RATE_LEVELS_ICDF, SHELL_CODE_TABLE0, SHELL_CODE_TABLE1,
    SHELL_CODE_TABLE2, SHELL_CODE_TABLE3, SHELL_CODE_TABLE_OFFSETS, SIGN_ICDF,
};
use crate::range_coder::RangeDecoder;

/// Most LSB escapes per block: after 10 the escape symbol is no longer coded.
const MAX_LSHIFTS: usize = 10;

/// Splits `p` pulses between two halves with one symbol (libopus `decode_split`).
#[inline]
fn decode_split(rd: &mut RangeDecoder<'_>, p: i16, shell_table: &[u8]) -> (i16, i16) {
    if p > 0 {
        let off = SHELL_CODE_TABLE_OFFSETS[p as usize] as usize;
        let child1 = rd.icdf(&shell_table[off..], 8) as i16;
        (child1, p - child1)
    } else {
        (0, 0)
    }
}

/// Distributes `pulses4` pulses over one 16-sample block by recursive
/// halving (libopus `silk_shell_decoder`). `pulses4` is at most 16.
pub fn shell_decoder(pulses0: &mut [i16], rd: &mut RangeDecoder<'_>, pulses4: i16) {
    debug_assert!(pulses0.len() >= SHELL_CODEC_FRAME_LENGTH);
    let mut pulses3 = [0i16; 2];
    let mut pulses2 = [0i16; 4];
    let mut pulses1 = [0i16; 8];
    // Depth-first over the split tree, in the order libopus codes it.
    (pulses3[0], pulses3[1]) = decode_split(rd, pulses4, &SHELL_CODE_TABLE3);
    (pulses2[0], pulses2[1]) = decode_split(rd, pulses3[0], &SHELL_CODE_TABLE2);
    (pulses1[0], pulses1[1]) = decode_split(rd, pulses2[0], &SHELL_CODE_TABLE1);
    (pulses0[0], pulses0[1]) = decode_split(rd, pulses1[0], &SHELL_CODE_TABLE0);
    (pulses0[2], pulses0[3]) = decode_split(rd, pulses1[1], &SHELL_CODE_TABLE0);
    (pulses1[2], pulses1[3]) = decode_split(rd, pulses2[1], &SHELL_CODE_TABLE1);
    (pulses0[4], pulses0[5]) = decode_split(rd, pulses1[2], &SHELL_CODE_TABLE0);
    (pulses0[6], pulses0[7]) = decode_split(rd, pulses1[3], &SHELL_CODE_TABLE0);
    (pulses2[2], pulses2[3]) = decode_split(rd, pulses3[1], &SHELL_CODE_TABLE2);
    (pulses1[4], pulses1[5]) = decode_split(rd, pulses2[2], &SHELL_CODE_TABLE1);
    (pulses0[8], pulses0[9]) = decode_split(rd, pulses1[4], &SHELL_CODE_TABLE0);
    (pulses0[10], pulses0[11]) = decode_split(rd, pulses1[5], &SHELL_CODE_TABLE0);
    (pulses1[6], pulses1[7]) = decode_split(rd, pulses2[3], &SHELL_CODE_TABLE1);
    (pulses0[12], pulses0[13]) = decode_split(rd, pulses1[6], &SHELL_CODE_TABLE0);
    (pulses0[14], pulses0[15]) = decode_split(rd, pulses1[7], &SHELL_CODE_TABLE0);
}

/// Attaches signs to the non-zero pulses (libopus `silk_decode_signs`).
///
/// `sum_pulses[i]` is block `i`'s pulse count with its LSB count in bits 5
/// and up; the sign probability depends on the count (capped at 6), the
/// signal type and the offset type.
pub fn decode_signs(
    rd: &mut RangeDecoder<'_>,
    pulses: &mut [i16],
    length: usize,
    signal_type: i32,
    quant_offset_type: i32,
    sum_pulses: &[i32; MAX_NB_SHELL_BLOCKS],
) {
    let mut icdf = [0u8, 0u8];
    let base = (7 * (quant_offset_type + (signal_type << 1))) as usize;
    let icdf_row = &SIGN_ICDF[base..];
    let n_blocks = (length + SHELL_CODEC_FRAME_LENGTH / 2) >> LOG2_SHELL_CODEC_FRAME_LENGTH;
    for (i, block) in pulses
        .chunks_exact_mut(SHELL_CODEC_FRAME_LENGTH)
        .take(n_blocks)
        .enumerate()
    {
        let p = sum_pulses[i];
        if p > 0 {
            icdf[0] = icdf_row[(p & 0x1f).min(6) as usize];
            for q in block.iter_mut() {
                if *q > 0 {
                    // Symbol 0 is negative, 1 positive: multiply by 2s - 1.
                    *q *= ((rd.icdf(&icdf, 8) as i16) << 1) - 1;
                }
            }
        }
    }
}

/// Decodes the excitation pulses of one frame (libopus `silk_decode_pulses`).
///
/// `frame_length` is at most [`MAX_FRAME_LENGTH`]; blocks are 16 samples, so
/// for 10 ms at 12 kHz (120 samples) the last block spills over to 128 and
/// `pulses` receives 128 values.
pub fn decode_pulses(
    rd: &mut RangeDecoder<'_>,
    pulses: &mut [i16; MAX_FRAME_LENGTH],
    signal_type: i32,
    quant_offset_type: i32,
    frame_length: usize,
) {
    let mut sum_pulses = [0i32; MAX_NB_SHELL_BLOCKS];
    let mut n_lshifts = [0usize; MAX_NB_SHELL_BLOCKS];

    // Rate level, by voiced / not voiced.
    let rate_level_index = rd.icdf(&RATE_LEVELS_ICDF[(signal_type >> 1) as usize], 8);

    // Number of shell blocks, rounding up (only 120 samples leave a remainder).
    let mut iter = frame_length >> LOG2_SHELL_CODEC_FRAME_LENGTH;
    if iter * SHELL_CODEC_FRAME_LENGTH < frame_length {
        debug_assert_eq!(frame_length, 12 * 10);
        iter += 1;
    }
    let iter = iter.min(MAX_NB_SHELL_BLOCKS);

    // Pulse count per block; the value SILK_MAX_PULSES + 1 escapes to one
    // more LSB level.
    let cdf = &PULSES_PER_BLOCK_ICDF[rate_level_index];
    for i in 0..iter {
        sum_pulses[i] = rd.icdf(cdf, 8) as i32;
        while sum_pulses[i] == SILK_MAX_PULSES as i32 + 1 {
            n_lshifts[i] += 1;
            // After 10 escapes, the table is shifted so the escape cannot recur.
            let skip = (n_lshifts[i] == MAX_LSHIFTS) as usize;
            sum_pulses[i] = rd.icdf(&PULSES_PER_BLOCK_ICDF[N_RATE_LEVELS - 1][skip..], 8) as i32;
        }
    }

    // Shell decoding of each block's most significant part.
    for (i, block) in pulses
        .chunks_exact_mut(SHELL_CODEC_FRAME_LENGTH)
        .take(iter)
        .enumerate()
    {
        if sum_pulses[i] > 0 {
            shell_decoder(block, rd, sum_pulses[i] as i16);
        } else {
            block.fill(0);
        }
    }

    // LSBs of every sample of blocks that escaped.
    for (i, block) in pulses
        .chunks_exact_mut(SHELL_CODEC_FRAME_LENGTH)
        .take(iter)
        .enumerate()
    {
        let n_ls = n_lshifts[i];
        if n_ls > 0 {
            for q in block.iter_mut() {
                let mut abs_q = *q as i32;
                for _ in 0..n_ls {
                    abs_q = (abs_q << 1) + rd.icdf(&LSB_ICDF, 8) as i32;
                }
                *q = abs_q as i16;
            }
            // Flag the block non-empty for sign decoding.
            sum_pulses[i] |= (n_ls as i32) << 5;
        }
    }

    decode_signs(
        rd,
        pulses,
        frame_length,
        signal_type,
        quant_offset_type,
        &sum_pulses,
    );
}

//! Differential tests: our range coder against libopus 1.6.1's own `ec_*` functions.
//!
//! Random symbol sequences are encoded by both; the bytes, final range, `tell` and `tell_frac`
//! must agree after every symbol. The produced streams, and random byte strings (including
//! truncated ones), are then decoded by both with the same calls; every decoded value and the
//! decoder state must agree.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use opus_core::range_coder::{
    laplace_decode, laplace_decode_p0, laplace_encode, laplace_encode_p0, RangeDecoder, RangeEncoder,
};
use opus_oracle::{Build, EcDecoder, EcEncoder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const RNG_SEED: u64 = 0x0b5e_55ed;

/// One coding operation with its parameters, generated at random.
#[derive(Clone, Debug)]
enum Op {
    Encode { fl: u32, fh: u32, ft: u32 },
    EncodeBin { fl: u32, fh: u32, bits: u32 },
    BitLogp { val: bool, logp: u32 },
    Icdf { s: usize, icdf: Vec<u8>, ftb: u32 },
    Icdf16 { s: usize, icdf: Vec<u16>, ftb: u32 },
    Uint { fl: u32, ft: u32 },
    Bits { fl: u32, nbits: u32 },
    Laplace { val: i32, fs: u32, decay: i32 },
    LaplaceP0 { val: i32, p0: u16, decay: u16 },
}

fn random_icdf(rng: &mut StdRng, ftb: u32) -> Vec<u8> {
    let ft = 1u32 << ftb;
    let n = rng.gen_range(2..=8usize.min(ft as usize));
    // Strictly decreasing from below ft down to 0.
    let mut cuts: Vec<u32> = Vec::new();
    while cuts.len() < n - 1 {
        let c = rng.gen_range(1..ft);
        if !cuts.contains(&c) {
            cuts.push(c);
        }
    }
    cuts.sort_unstable_by(|a, b| b.cmp(a));
    cuts.push(0);
    cuts.into_iter().map(|c| c as u8).collect()
}

fn random_icdf16(rng: &mut StdRng, ftb: u32) -> Vec<u16> {
    let ft = 1u32 << ftb;
    let n = rng.gen_range(2..=16usize);
    let mut cuts: Vec<u32> = Vec::new();
    while cuts.len() < n - 1 {
        let c = rng.gen_range(1..ft);
        if !cuts.contains(&c) {
            cuts.push(c);
        }
    }
    cuts.sort_unstable_by(|a, b| b.cmp(a));
    cuts.push(0);
    cuts.into_iter().map(|c| c as u16).collect()
}

fn random_op(rng: &mut StdRng) -> Op {
    match rng.gen_range(0..9) {
        0 => {
            let ft = rng.gen_range(2..=65535u32);
            let fl = rng.gen_range(0..ft);
            let fh = rng.gen_range(fl + 1..=ft);
            Op::Encode { fl, fh, ft }
        }
        1 => {
            let bits = rng.gen_range(1..=15u32);
            let ft = 1u32 << bits;
            let fl = rng.gen_range(0..ft);
            let fh = rng.gen_range(fl + 1..=ft);
            Op::EncodeBin { fl, fh, bits }
        }
        2 => Op::BitLogp { val: rng.gen(), logp: rng.gen_range(1..=15) },
        3 => {
            let ftb = rng.gen_range(1..=8);
            let icdf = random_icdf(rng, ftb);
            let s = rng.gen_range(0..icdf.len());
            Op::Icdf { s, icdf, ftb }
        }
        4 => {
            let ftb = rng.gen_range(4..=15);
            let icdf = random_icdf16(rng, ftb);
            let s = rng.gen_range(0..icdf.len());
            Op::Icdf16 { s, icdf, ftb }
        }
        5 => {
            let ft = if rng.gen_bool(0.5) { rng.gen_range(2..=300u32) } else { rng.gen_range(2..=u32::MAX) };
            Op::Uint { fl: rng.gen_range(0..ft), ft }
        }
        6 => {
            let nbits = rng.gen_range(1..=25u32);
            Op::Bits { fl: rng.gen_range(0..(1u32 << nbits)), nbits }
        }
        7 => Op::Laplace {
            val: rng.gen_range(-40..=40),
            fs: rng.gen_range(1..=32000u32) & !0, // fs < 32768
            decay: rng.gen_range(1..=16000),
        },
        _ => Op::LaplaceP0 {
            val: rng.gen_range(-30..=30),
            p0: rng.gen_range(1..=32000),
            decay: rng.gen_range(1..=32000),
        },
    }
}

fn ops_sequence(rng: &mut StdRng, n: usize) -> Vec<Op> {
    (0..n).map(|_| random_op(rng)).collect()
}

/// Encodes `ops` with both coders into `size`-byte buffers, comparing after each op.
fn encode_both(ops: &[Op], size: usize) -> (Vec<u8>, u32) {
    let mut ref_enc = EcEncoder::new(Build::Generic, size);
    let mut buf = vec![0u8; size];
    let final_rng;
    {
        let mut enc = RangeEncoder::new(&mut buf);
        for (i, op) in ops.iter().enumerate() {
            match op {
                Op::Encode { fl, fh, ft } => {
                    enc.encode(*fl, *fh, *ft);
                    ref_enc.encode(*fl, *fh, *ft);
                }
                Op::EncodeBin { fl, fh, bits } => {
                    enc.encode_bin(*fl, *fh, *bits);
                    ref_enc.encode_bin(*fl, *fh, *bits);
                }
                Op::BitLogp { val, logp } => {
                    enc.bit_logp(*val, *logp);
                    ref_enc.bit_logp(*val, *logp);
                }
                Op::Icdf { s, icdf, ftb } => {
                    enc.icdf(*s, icdf, *ftb);
                    ref_enc.icdf(*s, icdf, *ftb);
                }
                Op::Icdf16 { s, icdf, ftb } => {
                    enc.icdf16(*s, icdf, *ftb);
                    ref_enc.icdf16(*s, icdf, *ftb);
                }
                Op::Uint { fl, ft } => {
                    enc.uint(*fl, *ft);
                    ref_enc.uint(*fl, *ft);
                }
                Op::Bits { fl, nbits } => {
                    enc.bits(*fl, *nbits);
                    ref_enc.bits(*fl, *nbits);
                }
                Op::Laplace { val, fs, decay } => {
                    let mut v = *val;
                    laplace_encode(&mut enc, &mut v, *fs, *decay);
                    let rv = ref_enc.laplace(*val, *fs, *decay);
                    assert_eq!(v, rv, "op {i}: laplace clamp");
                }
                Op::LaplaceP0 { val, p0, decay } => {
                    laplace_encode_p0(&mut enc, *val, *p0, *decay);
                    ref_enc.laplace_p0(*val, *p0, *decay);
                }
            }
            let c = ref_enc.ctx();
            assert_eq!(enc.tell(), ref_enc.tell(), "op {i} {op:?}: tell");
            assert_eq!(enc.tell_frac(), ref_enc.tell_frac(), "op {i} {op:?}: tell_frac");
            assert_eq!(enc.final_range(), c.rng, "op {i} {op:?}: rng");
            assert_eq!(enc.error(), c.error != 0, "op {i} {op:?}: error");
        }
        enc.done();
        ref_enc.done();
        final_rng = enc.final_range();
        assert_eq!(final_rng, ref_enc.ctx().rng);
        assert_eq!(enc.error(), ref_enc.ctx().error != 0);
        assert_eq!(enc.range_bytes(), ref_enc.ctx().offs);
    }
    assert_eq!(&buf[..], ref_enc.buffer(), "encoded bytes differ");
    (buf, final_rng)
}

/// Replays the decoding calls matching `ops` on `data` with both decoders.
fn decode_both(ops: &[Op], data: &[u8]) {
    let mut dec = RangeDecoder::new(data);
    let mut r = EcDecoder::new(Build::Generic, data);
    for (i, op) in ops.iter().enumerate() {
        match op {
            Op::Encode { ft, .. } => {
                let a = dec.decode(*ft);
                let b = r.decode(*ft);
                assert_eq!(a, b, "op {i}: decode");
                // Update with a valid interval around the decoded value (as a real decoder would).
                let fl = a.min(*ft - 1);
                dec.update(fl, fl + 1, *ft);
                r.update(fl, fl + 1, *ft);
            }
            Op::EncodeBin { bits, .. } => {
                let a = dec.decode_bin(*bits);
                let b = r.decode_bin(*bits);
                assert_eq!(a, b, "op {i}: decode_bin");
                let ft = 1u32 << bits;
                let fl = a.min(ft - 1);
                dec.update(fl, fl + 1, ft);
                r.update(fl, fl + 1, ft);
            }
            Op::BitLogp { logp, .. } => assert_eq!(dec.bit_logp(*logp), r.bit_logp(*logp), "op {i}"),
            Op::Icdf { icdf, ftb, .. } => assert_eq!(dec.icdf(icdf, *ftb), r.icdf(icdf, *ftb), "op {i}"),
            Op::Icdf16 { icdf, ftb, .. } => assert_eq!(dec.icdf16(icdf, *ftb), r.icdf16(icdf, *ftb), "op {i}"),
            Op::Uint { ft, .. } => assert_eq!(dec.uint(*ft), r.uint(*ft), "op {i}: uint"),
            Op::Bits { nbits, .. } => assert_eq!(dec.bits(*nbits), r.bits(*nbits), "op {i}: bits"),
            Op::Laplace { fs, decay, .. } => {
                assert_eq!(laplace_decode(&mut dec, *fs, *decay), r.laplace(*fs, *decay), "op {i}: laplace")
            }
            Op::LaplaceP0 { p0, decay, .. } => {
                assert_eq!(laplace_decode_p0(&mut dec, *p0, *decay), r.laplace_p0(*p0, *decay), "op {i}: laplace_p0")
            }
        }
        let c = r.ctx();
        assert_eq!(dec.tell(), r.tell(), "op {i}: tell");
        assert_eq!(dec.tell_frac(), r.tell_frac(), "op {i}: tell_frac");
        assert_eq!(dec.final_range(), c.rng, "op {i}: rng");
        assert_eq!(dec.error(), c.error != 0, "op {i}: error");
    }
}

#[test]
fn encoder_matches_libopus_on_random_sequences() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED);
    let mut total_ops = 0;
    for round in 0..400 {
        let n = rng.gen_range(1..200);
        let ops = ops_sequence(&mut rng, n);
        // Mostly roomy buffers, sometimes too small (the error paths must match too).
        let size = if round % 5 == 0 { rng.gen_range(1..64) } else { 4096 };
        let (bytes, _) = encode_both(&ops, size);
        decode_both(&ops, &bytes);
        total_ops += n;
    }
    assert!(total_ops > 30_000);
}

#[test]
fn decoder_matches_libopus_on_random_and_truncated_bytes() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED ^ 0xdec);
    for _ in 0..400 {
        let len = rng.gen_range(0..80);
        let data: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        let n = rng.gen_range(1..120);
        let ops = ops_sequence(&mut rng, n);
        decode_both(&ops, &data);
    }
}

#[test]
fn patch_and_shrink_match_libopus() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED ^ 0x9a7c);
    for _ in 0..200 {
        let n = rng.gen_range(0..40);
        let ops = ops_sequence(&mut rng, n);
        let size = 1275usize;
        let mut buf = vec![0u8; size];
        let mut r = EcEncoder::new(Build::Generic, size);
        let nbits = rng.gen_range(1..=8u32);
        let val = rng.gen_range(0..(1u32 << nbits));
        let shrink_to = rng.gen_range(200..=size as u32);
        {
            let mut enc = RangeEncoder::new(&mut buf);
            // Leave room for the patched bits at the start, as CELT does.
            enc.bit_logp(false, 15);
            r.bit_logp(false, 15);
            for op in &ops {
                if let Op::Bits { fl, nbits } = op {
                    enc.bits(*fl, *nbits);
                    r.bits(*fl, *nbits);
                } else if let Op::Uint { fl, ft } = op {
                    enc.uint(*fl, *ft);
                    r.uint(*fl, *ft);
                }
            }
            enc.patch_initial_bits(val, nbits);
            r.patch_initial_bits(val, nbits);
            enc.shrink(shrink_to);
            r.shrink(shrink_to);
            enc.done();
            r.done();
            assert_eq!(enc.final_range(), r.ctx().rng);
            assert_eq!(enc.error(), r.ctx().error != 0);
        }
        assert_eq!(&buf[..], r.buffer());
    }
}

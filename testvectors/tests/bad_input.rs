//! The bad-input contract (issue 10), as property tests in the normal suite: any bytes into
//! any public entry point give a value or a typed error, never a panic (arithmetic overflow
//! included, since tests build with overflow checks), and a decoder stays usable after an
//! error.
//!
//! Inputs are real packets (the bundled `fixtures/sample_speech_dred.bit` and streams
//! libopus 1.6.1 encodes for the quick matrix) damaged by seeded mutations: bit flips,
//! truncation, splices, corrupted length fields and frame counts, byte runs, TOC changes, plus
//! plain random bytes. The fuzz targets in `fuzz/` explore the same entry points without a
//! time limit; this file keeps a fixed, fast sample of that in `cargo test`.
#![allow(clippy::unwrap_used)]

use dred_opus::bitstream::{write_record, BitstreamReader};
use dred_opus::demo::DemoArgs;
use dred_opus::inspect::inspect_bitstream;
use dred_opus_testvectors::{generate, matrix};
use opus_core::decoder::OpusDecoder;
use opus_core::packet::extensions::{
    count_extensions, generate_extensions, generated_extensions_len, parse_extensions,
    parse_extensions_frame_order, Extension, ExtensionIterator,
};
use opus_core::packet::{
    has_lbrr, nb_frames, nb_samples, packet_pad, packet_unpad, parse, parse_self_delimited,
    silk_flags, Repacketizer,
};
use opus_core::range_coder::{laplace_decode, laplace_decode_p0, RangeDecoder};
use opus_core::Error;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const RNG_SEED: u64 = 0xBAD_1A9E7;
const RATES: [u32; 5] = [48000, 24000, 16000, 12000, 8000];
const SAMPLE: &[u8] = include_bytes!("../../fixtures/sample_speech_dred.bit");

/// Packets of the bundled fixture.
fn fixture_packets() -> Vec<Vec<u8>> {
    BitstreamReader::new(SAMPLE)
        .map(|r| r.unwrap().payload.to_vec())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Packets libopus encodes for the quick matrix (SILK, hybrid, CELT, multi-frame, FEC, DRED,
/// mode and frame-size sweeps).
fn quick_streams() -> Vec<(String, Vec<Vec<u8>>)> {
    matrix::quick()
        .iter()
        .map(|v| {
            let records = generate::encode(v).unwrap();
            let packets = records.into_iter().map(|r| r.payload).filter(|p| !p.is_empty()).collect();
            (v.name.clone(), packets)
        })
        .collect()
}

/// One damaged copy of `p`; `other` is a second packet for splices.
fn mutate(rng: &mut StdRng, p: &[u8], other: &[u8], how: u32) -> Vec<u8> {
    let mut m = p.to_vec();
    match how % 9 {
        // Flip 1 to 8 bits.
        0 => {
            for _ in 0..rng.gen_range(1..=8) {
                if !m.is_empty() {
                    let i = rng.gen_range(0..m.len());
                    m[i] ^= 1 << rng.gen_range(0..8);
                }
            }
        }
        // Truncate.
        1 => m.truncate(rng.gen_range(0..=p.len())),
        // Splice: the front of one packet and the back of another.
        2 => {
            let a = rng.gen_range(0..=p.len());
            let b = rng.gen_range(0..=other.len());
            m.truncate(a);
            m.extend_from_slice(&other[b..]);
        }
        // Corrupt the framing bytes after the TOC: frame count, padding flag, lengths.
        3 => {
            for i in 1..m.len().min(4) {
                if rng.gen_bool(0.6) {
                    m[i] = match rng.gen_range(0..4) {
                        0 => 0xFF,
                        1 => 0,
                        2 => rng.gen(),
                        _ => m[i] ^ 0xC0,
                    };
                }
            }
        }
        // Another TOC: mode, bandwidth, frame size, stereo and code all change.
        4 => {
            if let Some(t) = m.first_mut() {
                *t = rng.gen();
            }
        }
        // Make it code 3 with a random count byte and padding flag.
        5 => {
            if !m.is_empty() {
                m[0] |= 3;
                m.insert(1.min(m.len()), rng.gen());
            }
        }
        // Overwrite a run of bytes with one value.
        6 => {
            if !m.is_empty() {
                let i = rng.gen_range(0..m.len());
                let n = rng.gen_range(1..=16).min(m.len() - i);
                let v = [0u8, 0xFF, rng.gen()][rng.gen_range(0..3)];
                m[i..i + n].fill(v);
            }
        }
        // Append random bytes (longer packets, junk padding).
        7 => {
            let n = rng.gen_range(1..64);
            m.extend((0..n).map(|_| rng.gen::<u8>()));
        }
        // Plain random bytes of a similar length.
        _ => {
            let n = rng.gen_range(0..=p.len() + 8);
            m = (0..n).map(|_| rng.gen()).collect();
        }
    }
    m
}

/// The range decoder and both Laplace decoders over `buf`, with arguments inside their
/// contracts (those are the caller's to keep; the bytes are what may be hostile).
fn range_decoder(rng: &mut StdRng, buf: &[u8]) {
    let mut dec = RangeDecoder::new(buf);
    let mut last = dec.tell();
    for _ in 0..64 {
        match rng.gen_range(0..8) {
            0 => {
                let ft = rng.gen_range(1..=65536);
                let s = dec.decode(ft);
                assert!(s < ft);
                dec.update(s, s + 1, ft);
            }
            1 => {
                let _ = dec.bit_logp(rng.gen_range(1..=15));
            }
            2 => {
                let k = dec.icdf(&[200, 120, 60, 10, 0], 8);
                assert!(k < 5);
            }
            3 => {
                let ft = rng.gen_range(1..=u32::MAX);
                assert!(dec.uint(ft) < ft);
            }
            4 => {
                let n = rng.gen_range(0..=25);
                assert!(dec.bits(n) < 1 << n.max(1) || n == 0);
            }
            5 => {
                let _ = laplace_decode(&mut dec, rng.gen_range(1..=32736), rng.gen_range(0..16384));
            }
            6 => {
                let _ = laplace_decode_p0(&mut dec, rng.gen_range(0..1 << 15), rng.gen_range(0..1 << 15));
            }
            _ => dec.shrink_storage(rng.gen_range(0..4)),
        }
        assert!(dec.tell() >= last);
        last = dec.tell();
    }
    let _ = (dec.error(), dec.final_range(), dec.tell_frac());
}

/// Extensions in a padding: iterate, count, parse in both orders, then write back what was
/// parsed and read it again.
fn extensions(padding: &[u8], frames: usize) {
    let Ok(it) = ExtensionIterator::new(padding, frames) else {
        assert!(frames > 48);
        return;
    };
    let walked = it.take(10_000).take_while(Result::is_ok).count();
    assert_eq!(count_extensions(padding, frames), Ok(walked));
    let mut out = [Extension::new(0, 0, &[]); 256];
    let Ok(n) = parse_extensions(padding, frames, &mut out) else {
        return;
    };
    let mut ordered = [Extension::new(0, 0, &[]); 256];
    let m = parse_extensions_frame_order(padding, frames, &mut ordered).unwrap();
    assert_eq!(m, n);
    let len = generated_extensions_len(1 << 16, &out[..n], frames).unwrap();
    let mut buf = vec![0u8; len];
    assert_eq!(generate_extensions(&mut buf, &out[..n], frames, false), Ok(len));
    let mut again = [Extension::new(0, 0, &[]); 256];
    let k = parse_extensions_frame_order(&buf, frames, &mut again).unwrap();
    assert_eq!(k, m);
    for (a, b) in ordered[..m].iter().zip(&again[..k]) {
        assert_eq!((a.id, a.frame, a.data), (b.id, b.frame, b.data));
    }
}

/// Every packet-level entry point on one input.
fn packet_level(rng: &mut StdRng, p: &[u8], other: &[u8]) {
    let std = parse(p);
    let sd = parse_self_delimited(p);
    for parsed in [&std, &sd].into_iter().flatten() {
        assert!(parsed.packet_len() <= p.len());
        for i in 0..parsed.frame_count() {
            let f = parsed.frame(p, i).unwrap();
            let _ = silk_flags(parsed.toc(), f);
        }
        extensions(parsed.padding(p), parsed.frame_count());
    }
    let _ = (nb_frames(p), has_lbrr(p));
    for rate in RATES {
        let _ = nb_samples(p, rate);
    }
    // Raw padding bytes, at any frame count.
    extensions(p, rng.gen_range(0..=49));
    range_decoder(rng, p);
    if let Ok(Some(d)) = dred::find_payload(p) {
        assert_eq!(&p[d.offset..d.offset + d.data.len()], d.data);
    }
    // Repacketizer: join with another packet, split, pad and unpad.
    let mut rp = Repacketizer::new();
    let mut out = vec![0u8; 4096];
    let _ = rp.cat(p);
    let _ = rp.cat(other);
    let _ = rp.cat_self_delimited(p);
    let nf = rp.nb_frames();
    if let Ok(n) = rp.out_range(0, nf.max(1), &mut out) {
        assert_eq!(parse(&out[..n]).unwrap().frame_count(), nf);
    }
    let _ = rp.out_range(rng.gen_range(0..=nf + 1), rng.gen_range(0..=nf + 1), &mut out[..rng.gen_range(0..4096)]);
    // A packet already `new_len` long is copied unchecked, as libopus does.
    let grow = rng.gen_range(0..300);
    if let Ok(n) = packet_pad(p, &mut out, p.len() + grow) {
        assert!(grow == 0 || parse(&out[..n]).is_ok(), "pad {p:02x?} by {grow}");
    }
    if let Ok(n) = packet_unpad(p, &mut out) {
        assert!(n <= p.len());
        assert!(parse(&out[..n]).is_ok());
    }
}

/// The file-level entry points: the bitstream reader and `inspect`, and opus_demo's
/// argument parser on text cut from the bytes.
fn file_level(packets: &[&[u8]], raw: &[u8]) {
    let mut bs = Vec::new();
    for p in packets {
        write_record(&mut bs, p, 0x1234_5678);
    }
    let mut sink = Vec::new();
    let summary = inspect_bitstream(&bs, &mut sink).unwrap();
    assert_eq!(summary.records, packets.len());
    // The same file cut short, and raw bytes read as a file.
    for cut in [&bs[..bs.len() / 2], &bs[..bs.len().saturating_sub(1)], raw] {
        sink.clear();
        let _ = inspect_bitstream(cut, &mut sink);
        let _ = BitstreamReader::new(cut).count();
    }
    let args: Vec<String> = raw
        .split(|&b| b == 0 || b == b' ')
        .take(40)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let _ = DemoArgs::parse(&args);
    let mut with_flags = vec!["-d".to_string(), "48000".into(), "2".into()];
    with_flags.extend(args.iter().take(6).cloned());
    with_flags.extend(["in".to_string(), "out".into()]);
    let _ = DemoArgs::parse(&with_flags);
}

/// A decoder that checks what it returns and that it still works after each error.
struct Checked {
    dec: OpusDecoder,
    facade: dred_opus::Decoder,
    good: Vec<u8>,
    pcm: Vec<f32>,
    pcm16: Vec<i16>,
    errors: usize,
}

impl Checked {
    /// `complexity` is the facade's: 5 and up conceals with deep PLC.
    fn new(rate: u32, channels: usize, good: &[u8], complexity: i32) -> Self {
        let dec = OpusDecoder::new(rate, channels).unwrap();
        let max = dec.max_frame_samples() * channels;
        let mut facade = dred_opus::Decoder::new(rate, channels).unwrap();
        facade.set_complexity(complexity).unwrap();
        Checked {
            dec,
            facade,
            good: good.to_vec(),
            pcm: vec![0.0; max],
            pcm16: vec![0; max],
            errors: 0,
        }
    }

    fn check(&mut self, r: Result<usize, Error>, what: &str) {
        match r {
            Ok(n) => {
                let ch = self.dec.channels();
                assert!(n <= self.dec.max_frame_samples(), "{what}");
                assert!(self.pcm[..n * ch].iter().all(|x| x.is_finite()), "{what}: not finite");
            }
            Err(e) => {
                self.errors += 1;
                let _ = e.libopus_code();
                // Still usable: a valid packet decodes to its full duration.
                let max = self.dec.max_frame_samples();
                let n = self.dec.decode_float(Some(&self.good), &mut self.pcm, max, false);
                assert_eq!(n, self.dec.nb_samples(&self.good), "{what}: not usable after {e}");
            }
        }
    }

    /// Decodes `p` in one of several ways, then maybe a loss or FEC.
    fn decode(&mut self, rng: &mut StdRng, p: &[u8]) {
        let max = self.dec.max_frame_samples();
        let unit = self.dec.sample_rate() as usize / 400;
        let r = match rng.gen_range(0..6) {
            0 | 1 => self.dec.decode_float(Some(p), &mut self.pcm, max, false),
            2 => self.dec.decode(Some(p), &mut self.pcm16, max, false),
            3 => self.dec.decode_float(Some(p), &mut self.pcm, unit * rng.gen_range(1..=48), rng.gen()),
            4 => {
                let r = self.facade.decode(p, &mut self.pcm16[..]);
                if r.is_err() {
                    let good = self.good.clone();
                    assert!(self.facade.decode(&good, &mut self.pcm16[..]).is_ok(), "facade not usable");
                }
                Ok(0)
            }
            _ => self.dec.decode_float(Some(p), &mut self.pcm, rng.gen_range(0..=max), false),
        };
        self.check(r, "decode");
        if rng.gen_bool(0.1) {
            let fs = unit * rng.gen_range(1..=48);
            let r = self.dec.decode_float(None, &mut self.pcm, fs, false);
            self.check(r, "conceal");
        }
        if rng.gen_bool(0.04) {
            // The facade conceals with deep PLC at complexity 5 and up (slow in debug builds).
            let fs = unit * rng.gen_range(1..=8);
            let r = self.facade.conceal(fs, &mut self.pcm[..]);
            assert!(r.is_ok_and(|n| self.pcm[..n * self.dec.channels()].iter().all(|x| x.is_finite())));
        }
        if rng.gen_bool(0.05) {
            self.dec.reset();
        }
    }
}

#[test]
fn mutated_and_random_inputs_through_every_entry_point() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED);
    let mut packets = fixture_packets();
    let fixture = packets.len();
    for (_, s) in quick_streams() {
        packets.extend(s.into_iter().step_by(7));
    }
    assert!(fixture > 50 && packets.len() > fixture + 50, "{fixture} {}", packets.len());
    let good = packets[5].clone();
    let mut decoders: Vec<Checked> = RATES
        .iter()
        .enumerate()
        .map(|(i, &r)| Checked::new(r, 1 + i % 2, &good, [0, 5, 10][i % 3]))
        .collect();
    let mut inputs = 0;
    for round in 0..5000u32 {
        let p = &packets[rng.gen_range(0..packets.len())];
        let other = &packets[rng.gen_range(0..packets.len())];
        let m = mutate(&mut rng, p, other, round);
        packet_level(&mut rng, &m, other);
        let d = rng.gen_range(0..decoders.len());
        decoders[d].decode(&mut rng, &m);
        if round % 50 == 0 {
            let batch: Vec<Vec<u8>> = (0..6)
                .map(|k| mutate(&mut rng, &packets[(round as usize + k) % packets.len()], p, k as u32))
                .collect();
            let refs: Vec<&[u8]> = batch.iter().map(Vec::as_slice).collect();
            file_level(&refs, &m);
        }
        inputs += 1;
    }
    // Edge cases every entry point must take.
    let edge: [&[u8]; 7] = [&[], &[0xFF], &[0xFF, 0xFF], &[0x03, 0xFF], &[0xFB, 0xBF, 0xFF, 0xFF], &[0; 1500], &[0xFF; 1500]];
    for p in edge {
        packet_level(&mut rng, p, &good);
        for d in &mut decoders {
            d.decode(&mut rng, p);
        }
        file_level(&[p], p);
        inputs += 1;
    }
    let errors: usize = decoders.iter().map(|d| d.errors).sum();
    assert!(errors > 100, "the mutations should produce errors: {errors}");
    eprintln!("{inputs} inputs, {errors} decoder errors, all recovered");
}

#[test]
fn every_quick_matrix_packet_mutated_five_ways_decodes_without_panic() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED ^ 0x5);
    let streams = quick_streams();
    let good = fixture_packets()[5].clone();
    let mut total = 0;
    for (si, (name, packets)) in streams.iter().enumerate() {
        let rate = RATES[si % RATES.len()];
        let mut dec = Checked::new(rate, 1 + si % 2, &good, if si % 2 == 0 { 0 } else { 6 });
        // A second decoder sees the stream in order, with damaged packets in between.
        let mut inline = Checked::new(48000, 2, &good, 0);
        for (k, p) in packets.iter().enumerate() {
            let other = &packets[(k * 7 + 3) % packets.len()];
            for how in [0, 1, 2, 3, 4 + (k as u32 % 5)] {
                let m = mutate(&mut rng, p, other, how);
                dec.decode(&mut rng, &m);
                total += 1;
            }
            inline.decode(&mut rng, p);
            let m = mutate(&mut rng, p, other, k as u32);
            inline.decode(&mut rng, &m);
        }
        assert!(!packets.is_empty(), "{name}");
    }
    eprintln!("{total} mutated packets decoded");
}

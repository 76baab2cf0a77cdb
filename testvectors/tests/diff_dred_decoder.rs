//! Differential tests: our DRED decoder (`dred::Dred`: payload decoding and the RDO-VAE
//! decoder) against libopus 1.6.1's `opus_dred_parse` / `opus_dred_process`, generic C build.
//!
//! Criterion: bit-exact. After parse, the returned sample count, `dred_end`, `nb_latents`,
//! `dred_offset`, `process_stage`, the state and the decoded latents (f32 bits) must match;
//! after process, the features of every decoded latent (f32 bits).
//!
//! Inputs:
//! - every DRED packet of speech streams that libopus's encoder (generic build, VoIP) makes
//!   at 16–64 kb/s, DRED durations 10 ms to 1.04 s, 5–30 % expected loss, mono and stereo,
//!   16 and 48 kHz, each parsed with several `max_dred_samples` and both decoder rates;
//! - random DRED payloads wrapped in valid packets (extension 126, `'D'`, 12) on random
//!   frames of multi-frame packets;
//! - real DRED packets with bit flips, byte changes and truncations.
#![allow(clippy::unwrap_used)]

use dred::Dred;
use dred_opus_testvectors::signals::{self, Clip};
use opus_core::packet::extensions::{generate_extensions, Extension};
use opus_oracle::{self as oracle, ctl, Build};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const RNG_SEED: u64 = 0xd12e_d0de;
const NUM_FEATURES: usize = 20;
const LATENT_STRIDE: usize = 26;

/// The oracle and our decoder side by side, with counters.
struct Pair {
    dec: oracle::DredDecoder,
    theirs: oracle::Dred,
    ours: Dred,
    parses: usize,
    with_latents: usize,
    processed: usize,
    latents: usize,
    errors: usize,
}

impl Pair {
    fn new() -> Self {
        Pair {
            dec: oracle::DredDecoder::new(Build::Generic).unwrap(),
            theirs: oracle::Dred::new(Build::Generic).unwrap(),
            ours: Dred::with_default_model().unwrap(),
            parses: 0,
            with_latents: 0,
            processed: 0,
            latents: 0,
            errors: 0,
        }
    }

    /// Parses `packet` with both and compares; with `process`, also computes and compares the
    /// features (through `defer = false` or a separate process call).
    fn check(&mut self, packet: &[u8], max_samples: i32, fs: i32, process: bool, immediate: bool, what: &str) {
        let defer = !(process && immediate);
        let theirs = self.dec.parse(&mut self.theirs, packet, max_samples, fs, defer);
        let ours = self.ours.parse(packet, max_samples, fs, defer).map(|p| (p.samples, p.dred_end));
        let ours = ours.map_err(|e| e.libopus_code());
        assert_eq!(ours, theirs, "{what}: parse result (max {max_samples}, fs {fs})");
        self.parses += 1;
        let t = self.theirs.fields();
        assert_eq!(self.ours.process_stage().libopus_value(), t.process_stage, "{what}: stage");
        if theirs.is_err() {
            self.errors += 1;
            return;
        }
        if t.process_stage == -1 {
            assert_eq!(theirs, Ok((0, 0)), "{what}");
            return;
        }
        let nb = t.nb_latents as usize;
        assert_eq!(self.ours.nb_latents(), nb, "{what}: nb_latents (max {max_samples}, fs {fs})");
        assert_eq!(self.ours.dred_offset(), t.dred_offset, "{what}: dred_offset");
        assert_eq!(bits(self.ours.state()), bits(&t.state), "{what}: state");
        let n = nb * LATENT_STRIDE;
        assert_eq!(bits(&self.ours.latents()[..n]), bits(&t.latents[..n]), "{what}: latents");
        if nb > 0 {
            self.with_latents += 1;
            self.latents += nb;
        }
        if process {
            if !immediate {
                let a = self.dec.process(&mut self.theirs);
                let b = self.ours.process().map_err(|e| e.libopus_code());
                assert_eq!(b, a, "{what}: process result");
            }
            let t = self.theirs.fields();
            assert_eq!(self.ours.process_stage().libopus_value(), t.process_stage, "{what}: stage after process");
            let n = 4 * nb * NUM_FEATURES;
            let (a, b) = (bits(&self.ours.fec_features()[..n]), bits(&t.fec_features[..n]));
            if a != b {
                let first = a.iter().zip(&b).position(|(x, y)| x != y).unwrap();
                panic!(
                    "{what}: fec_features differ first at frame {} value {} (ours {}, libopus {})",
                    first / NUM_FEATURES,
                    first % NUM_FEATURES,
                    f32::from_bits(a[first]),
                    f32::from_bits(b[first])
                );
            }
            self.processed += 1;
        }
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

struct StreamConfig {
    fs: i32,
    channels: usize,
    bitrate: i32,
    dred_frames: i32,
    loss: i32,
    frame_ms: usize,
}

/// Encodes speech with libopus's encoder and returns its packets.
fn encode_stream(cfg: &StreamConfig, clip: Clip, other: Clip) -> Vec<Vec<u8>> {
    let mono = clip.load_48k().unwrap();
    let pcm48 = if cfg.channels == 2 { signals::stereo_pair(&mono, &other.load_48k().unwrap()) } else { mono };
    let pcm = if cfg.fs == 48000 { pcm48 } else { signals::resample(&pcm48, cfg.channels, 48000, cfg.fs as u32) };
    let mut enc = oracle::Encoder::new(Build::Generic, cfg.fs, cfg.channels, ctl::APPLICATION_VOIP).unwrap();
    enc.set(ctl::SET_BITRATE, cfg.bitrate).unwrap();
    enc.set(ctl::SET_PACKET_LOSS_PERC, cfg.loss).unwrap();
    enc.set(ctl::SET_DRED_DURATION, cfg.dred_frames).unwrap();
    let code = match cfg.frame_ms {
        10 => ctl::FRAMESIZE_10_MS,
        20 => ctl::FRAMESIZE_20_MS,
        40 => ctl::FRAMESIZE_40_MS,
        _ => ctl::FRAMESIZE_60_MS,
    };
    enc.set(ctl::SET_EXPERT_FRAME_DURATION, code).unwrap();
    let frame = cfg.fs as usize * cfg.frame_ms / 1000;
    let mut buf = vec![0u8; 4000];
    pcm.chunks_exact(frame * cfg.channels)
        .map(|chunk| {
            let n = enc.encode(chunk, frame, &mut buf).unwrap();
            buf[..n].to_vec()
        })
        .collect()
}

fn encoder_configs() -> Vec<(StreamConfig, Clip, Clip)> {
    let c = |fs, channels, bitrate, dred_frames, loss, frame_ms| StreamConfig {
        fs,
        channels,
        bitrate,
        dred_frames,
        loss,
        frame_ms,
    };
    // libopus sends no DRED in 10 ms packets, nor at 16 kb/s in 20 ms packets.
    vec![
        (c(16000, 1, 16000, 33, 30, 40), Clip::A0009, Clip::A0007),
        (c(16000, 1, 16000, 104, 20, 60), Clip::A0007, Clip::A0009),
        (c(48000, 1, 24000, 50, 10, 20), Clip::A0009, Clip::A0007),
        (c(16000, 1, 24000, 104, 20, 20), Clip::A0007, Clip::A0009),
        (c(16000, 1, 32000, 1, 5, 20), Clip::A0009, Clip::A0007),
        (c(48000, 2, 32000, 100, 30, 20), Clip::A0007, Clip::A0009),
        (c(48000, 1, 48000, 25, 15, 20), Clip::A0007, Clip::A0009),
        (c(16000, 2, 64000, 8, 25, 20), Clip::A0009, Clip::A0007),
        (c(48000, 1, 64000, 104, 5, 20), Clip::A0009, Clip::A0007),
        (c(48000, 1, 24000, 60, 20, 60), Clip::A0007, Clip::A0009),
        (c(48000, 2, 24000, 104, 12, 20), Clip::A0009, Clip::A0007),
    ]
}

/// The `max_dred_samples` values tried, in ms.
const MAX_MS: [i32; 8] = [0, 10, 35, 100, 250, 500, 1040, 3000];

fn real_dred_packets() -> Vec<(Vec<u8>, i32)> {
    let mut out = Vec::new();
    for (cfg, clip, other) in encoder_configs() {
        for p in encode_stream(&cfg, clip, other) {
            if dred::find_payload(&p).ok().flatten().is_some() {
                out.push((p, cfg.fs));
            }
        }
    }
    out
}

#[test]
fn encoder_streams_bit_exact() {
    let mut pair = Pair::new();
    let mut streams_packets = 0;
    for (cfg, clip, other) in encoder_configs() {
        let packets = encode_stream(&cfg, clip, other);
        let what = format!(
            "{} Hz {}ch {} b/s dred {} loss {} {} ms",
            cfg.fs, cfg.channels, cfg.bitrate, cfg.dred_frames, cfg.loss, cfg.frame_ms
        );
        let mut with_dred = 0;
        for (k, p) in packets.iter().enumerate() {
            if dred::find_payload(p).unwrap().is_none() {
                continue;
            }
            with_dred += 1;
            for (j, &ms) in MAX_MS.iter().enumerate() {
                for fs in [16000, 48000] {
                    // Features for the largest request (a prefix of it covers the smaller
                    // ones), and now and then for a smaller one, alternating parse modes.
                    let process = (j == MAX_MS.len() - 1 && fs == 48000) || (k + j) % 16 == 0;
                    pair.check(p, ms * fs / 1000, fs, process, (k + j) % 2 == 0, &format!("{what} packet {k}"));
                }
            }
        }
        assert!(with_dred > packets.len() / 2, "{what}: only {with_dred} of {} packets carry DRED", packets.len());
        streams_packets += with_dred;
    }
    eprintln!(
        "encoder streams: {streams_packets} DRED packets, {} parses ({} with latents, {} latents), {} processed, bit-exact",
        pair.parses, pair.with_latents, pair.latents, pair.processed
    );
}

/// A packet of `nb_frames` 20 ms SILK frames whose padding holds `exts`.
fn packet_with(exts: &[Extension<'_>], nb_frames: usize, toc: u8) -> Option<Vec<u8>> {
    let mut pad = vec![0u8; 4000];
    let n = generate_extensions(&mut pad, exts, nb_frames, false).ok()?;
    let mut p = vec![(toc & !3) | 3, 0x40 | nb_frames as u8];
    let mut rem = n;
    while rem >= 255 {
        p.push(255);
        rem -= 254;
    }
    p.push(rem as u8);
    p.extend(std::iter::repeat(0x5A).take(2 * nb_frames));
    p.extend_from_slice(&pad[..n]);
    Some(p)
}

#[test]
fn random_payloads_agree() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED);
    let mut pair = Pair::new();
    let mut packets = 0;
    for iter in 0..1500 {
        let len = match iter % 4 {
            0 => rng.gen_range(0..12),
            1 => rng.gen_range(12..60),
            2 => rng.gen_range(60..200),
            _ => rng.gen_range(200..1000),
        };
        let mut data = vec![b'D', 12];
        data.extend((0..len).map(|_| rng.gen::<u8>()));
        // Mostly small values in the first bytes give small q0 and offsets.
        if rng.gen_bool(0.3) && data.len() > 3 {
            data[2] = rng.gen_range(0..64);
        }
        let nb_frames = [1, 1, 2, 3, 6][rng.gen_range(0..5)];
        let frame = rng.gen_range(0..nb_frames);
        // SILK 10/20/40/60 ms, hybrid 10/20 ms and CELT 2.5/20 ms TOCs.
        let toc = [0x08, 0x18, 0x10, 0x00, 0x68, 0x78, 0xE0, 0xF8][rng.gen_range(0..8)];
        let ext = [Extension::new(126, frame, &data)];
        let Some(p) = packet_with(&ext, nb_frames, toc) else { continue };
        packets += 1;
        let fs = [8000, 16000, 24000, 48000][rng.gen_range(0..4)];
        let ms = MAX_MS[rng.gen_range(0..MAX_MS.len())];
        pair.check(&p, ms * fs / 1000, fs, true, rng.gen_bool(0.5), &format!("random payload {iter}"));
    }
    eprintln!(
        "random payloads: {packets} packets, {} with latents ({} latents), {} processed, {} errors, bit-exact",
        pair.with_latents, pair.latents, pair.processed, pair.errors
    );
    assert!(pair.with_latents > packets / 2);
}

#[test]
fn mutated_packets_agree() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED ^ 1);
    let real = real_dred_packets();
    assert!(real.len() > 100);
    let mut pair = Pair::new();
    let mut mutations = 0;
    for iter in 0..2000 {
        let (orig, fs) = &real[rng.gen_range(0..real.len())];
        let mut p = orig.clone();
        let payload = dred::find_payload(orig).unwrap().unwrap();
        let (start, end) = (payload.offset, payload.offset + payload.data.len());
        match iter % 5 {
            // Bit flips inside the DRED payload.
            0 | 1 => {
                for _ in 0..rng.gen_range(1..4) {
                    let i = rng.gen_range(start..end);
                    p[i] ^= 1 << rng.gen_range(0..8);
                }
            }
            // Random bytes at the start of the payload (header fields).
            2 => {
                for i in start..(start + 3).min(end) {
                    p[i] = rng.gen();
                }
            }
            // Truncated packets (often invalid framing, sometimes shorter padding).
            3 => p.truncate(rng.gen_range(0..p.len())),
            // Anything anywhere.
            _ => {
                for _ in 0..rng.gen_range(1..6) {
                    let i = rng.gen_range(0..p.len());
                    p[i] = rng.gen();
                }
            }
        }
        mutations += 1;
        let ms = MAX_MS[rng.gen_range(0..MAX_MS.len())];
        pair.check(&p, ms * fs / 1000, *fs, iter % 3 == 0, rng.gen_bool(0.5), &format!("mutation {iter}"));
    }
    eprintln!(
        "mutations: {mutations} packets from {} real ones, {} with latents, {} processed, {} framing errors, bit-exact",
        real.len(),
        pair.with_latents,
        pair.processed,
        pair.errors
    );
}

#[test]
fn process_without_payload_is_rejected_like_libopus() {
    let mut pair = Pair::new();
    // A plain CELT packet: no DRED.
    pair.check(&[0xF8, 0xFF, 0xFE], 48000, 48000, false, false, "no dred");
    assert_eq!(pair.dec.process(&mut pair.theirs), Err(-1));
    assert_eq!(pair.ours.process().map_err(|e| e.libopus_code()), Err(-1));
    // An invalid packet.
    pair.check(&[], 48000, 48000, false, false, "empty packet");
    assert_eq!(pair.errors, 1);
}

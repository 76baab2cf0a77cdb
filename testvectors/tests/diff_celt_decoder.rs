//! Differential tests: our Opus decoder (`opus_core::decoder::OpusDecoder`) against libopus
//! 1.6.1 on CELT-only streams.
//!
//! Streams come from the oracle's generic-C encoder forced to CELT-only: frames of 2.5, 5, 10
//! and 20 ms and multi-frame packets of 40 to 120 ms, mono and stereo, NB to FB, CBR and VBR,
//! 6 to 510 kb/s. Each stream is decoded at 48, 24, 16, 12 and 8 kHz, mono and stereo, with
//! about 20 % of the packets lost (concealed with `None`, or through `decode_fec` with the next
//! packet, which for CELT falls back to concealment), with random gain, phase-inversion and
//! (non-neural) complexity settings.
//!
//! Criteria:
//! - against `Build::Generic` (portable C, the exact target): the same return value or error
//!   code for every call, the same final range after every call, float PCM identical bit for
//!   bit, and 16-bit PCM (`opus_decode`, soft clipping included) identical;
//! - random packets of every TOC configuration (random payload bytes, all four frame-count
//!   codes): the same result or error code, final range and output, SILK and hybrid
//!   configurations included (a configuration would be reported as skipped if our decoder
//!   answered `Unsupported`);
//! - against `Build::Simd` (what libopus users run): the same final range everywhere, and a
//!   float SNR above 100 dB over each lossless stream (the SIMD kernels round differently,
//!   ±1 LSB on a few samples).
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use opus_core::decoder::OpusDecoder;
use opus_core::packet::{framing, Mode, Toc};
use opus_core::Error;
use opus_oracle::{ctl, Build, Decoder, Encoder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const RNG_SEED: u64 = 0xce17_dec0;
const MAX_FRAME: usize = 5760;
/// Room for the longest concealment asked for: 200 ms at 48 kHz.
const MAX_PLC: usize = 9600;
const RATES: [u32; 5] = [48000, 24000, 16000, 12000, 8000];

/// One encoder setting.
#[derive(Clone, Copy, Debug)]
struct EncCfg {
    /// Packet duration in tenths of a millisecond.
    dur_tenth_ms: usize,
    channels: usize,
    bandwidth: i32,
    vbr: bool,
    bitrate: i32,
    complexity: i32,
}

struct Stream {
    cfg: EncCfg,
    packets: Vec<Vec<u8>>,
    enc_ranges: Vec<u32>,
}

/// Deterministic test audio at 48 kHz: harmonics with vibrato, noise bursts, silence, clicks
/// and near-full-scale square waves (which decode above 1.0 and exercise soft clipping).
fn signal(rng: &mut StdRng, samples: usize, channels: usize) -> Vec<i16> {
    let mut out = vec![0i16; samples * channels];
    let f0 = rng.gen_range(80.0..400.0f64);
    let seg = 48000 / 5;
    for i in 0..samples {
        let t = i as f64 / 48000.0;
        let part = (i / seg) % 5;
        for c in 0..channels {
            let ph = c as f64 * 0.3;
            let v = match part {
                0 => {
                    let f = f0 * (1.0 + 0.02 * (6.0 * t).sin());
                    (1..6)
                        .map(|h| {
                            (2.0 * std::f64::consts::PI * f * h as f64 * t + ph).sin() / h as f64
                        })
                        .sum::<f64>()
                        * 0.3
                }
                1 => rng.gen_range(-0.4..0.4),
                2 => 0.0,
                3 => {
                    let sq = if (t * f0 * 2.0 + ph).fract() < 0.5 {
                        1.0
                    } else {
                        -1.0
                    };
                    sq * 0.98
                }
                _ => {
                    let click = if i % 700 < 3 { 0.9 } else { 0.0 };
                    click + 0.1 * (2.0 * std::f64::consts::PI * 3000.0 * t).sin()
                }
            };
            out[i * channels + c] = (v * 32767.0).clamp(-32768.0, 32767.0) as i16;
        }
    }
    out
}

fn expert_duration(tenth_ms: usize) -> i32 {
    match tenth_ms {
        25 => ctl::FRAMESIZE_2_5_MS,
        50 => ctl::FRAMESIZE_5_MS,
        100 => ctl::FRAMESIZE_10_MS,
        200 => ctl::FRAMESIZE_20_MS,
        400 => ctl::FRAMESIZE_40_MS,
        600 => ctl::FRAMESIZE_60_MS,
        800 => ctl::FRAMESIZE_80_MS,
        1000 => ctl::FRAMESIZE_100_MS,
        _ => ctl::FRAMESIZE_120_MS,
    }
}

fn encode(cfg: EncCfg, rng: &mut StdRng, seconds: f64) -> Stream {
    let mut enc =
        Encoder::new(Build::Generic, 48000, cfg.channels, ctl::APPLICATION_AUDIO).unwrap();
    enc.set(ctl::SET_FORCE_MODE, ctl::MODE_CELT_ONLY).unwrap();
    enc.set(ctl::SET_BITRATE, cfg.bitrate).unwrap();
    enc.set(ctl::SET_VBR, cfg.vbr as i32).unwrap();
    enc.set(ctl::SET_BANDWIDTH, cfg.bandwidth).unwrap();
    enc.set(ctl::SET_COMPLEXITY, cfg.complexity).unwrap();
    enc.set(
        ctl::SET_EXPERT_FRAME_DURATION,
        expert_duration(cfg.dur_tenth_ms),
    )
    .unwrap();
    let frame = 48 * cfg.dur_tenth_ms / 10;
    let n = ((seconds * 48000.0) as usize / frame).max(3);
    let pcm = signal(rng, n * frame, cfg.channels);
    let mut packets = Vec::new();
    let mut enc_ranges = Vec::new();
    let mut buf = vec![0u8; 1500 * 6];
    for k in 0..n {
        let len = enc
            .encode(
                &pcm[k * frame * cfg.channels..(k + 1) * frame * cfg.channels],
                frame,
                &mut buf,
            )
            .unwrap();
        assert_eq!(Toc(buf[0]).mode(), Mode::CeltOnly, "{cfg:?}");
        packets.push(buf[..len].to_vec());
        enc_ranges.push(enc.final_range());
    }
    Stream {
        cfg,
        packets,
        enc_ranges,
    }
}

/// The encoder settings: every duration, both channel counts, with bandwidth, VBR, bitrate
/// and complexity spread over the grid.
fn configs() -> Vec<EncCfg> {
    let durations = [25, 50, 100, 200, 400, 600, 800, 1000, 1200];
    let bandwidths = [
        ctl::BANDWIDTH_NARROWBAND,
        ctl::BANDWIDTH_WIDEBAND,
        ctl::BANDWIDTH_SUPERWIDEBAND,
        ctl::BANDWIDTH_FULLBAND,
    ];
    let bitrates = [6000, 12000, 24000, 48000, 96000, 160000, 320000, 510000];
    let mut out = Vec::new();
    let mut k = 0usize;
    for &d in &durations {
        for ch in 1..=2 {
            for (bi, &bw) in bandwidths.iter().enumerate() {
                out.push(EncCfg {
                    dur_tenth_ms: d,
                    channels: ch,
                    bandwidth: bw,
                    vbr: (k + bi) % 2 == 0,
                    bitrate: bitrates[(k * 3 + bi * 5 + ch) % bitrates.len()],
                    complexity: [0, 5, 10][k % 3],
                });
                k += 1;
            }
        }
    }
    out
}

fn code<T>(r: Result<T, Error>) -> Result<T, i32> {
    r.map_err(|e| e.libopus_code())
}

#[derive(Default, Debug)]
struct Counts {
    streams: usize,
    decodes: usize,
    calls: usize,
    lost: usize,
    fec_calls: usize,
    errors: usize,
    range_checked: usize,
    /// Float samples beyond ±1, which the 16-bit path soft-clips.
    over_full_scale: usize,
    resets: usize,
}

/// Decodes `s` with ours and the oracle (float and 16-bit), asserting identical behaviour.
fn compare_generic(s: &Stream, rate: u32, channels: usize, rng: &mut StdRng, counts: &mut Counts) {
    let label = format!("{:?} -> {rate} Hz x{channels}", s.cfg);
    let mut ours_f = OpusDecoder::new(rate, channels).unwrap();
    let mut ours_i = OpusDecoder::new(rate, channels).unwrap();
    let mut ref_f = Decoder::new(Build::Generic, rate as i32, channels).unwrap();
    let mut ref_i = Decoder::new(Build::Generic, rate as i32, channels).unwrap();
    if rng.gen_bool(0.3) {
        let gain = rng.gen_range(-3000..3000);
        for d in [&mut ours_f, &mut ours_i] {
            d.set_gain(gain).unwrap();
        }
        for d in [&mut ref_f, &mut ref_i] {
            d.set(ctl::SET_GAIN, gain).unwrap();
        }
    }
    if channels == 2 && rng.gen_bool(0.3) {
        for d in [&mut ours_f, &mut ours_i] {
            d.set_phase_inversion_disabled(true);
        }
        for d in [&mut ref_f, &mut ref_i] {
            d.set(ctl::SET_PHASE_INVERSION_DISABLED, 1).unwrap();
        }
    }
    // Complexity 5 and above would let libopus conceal with its neural PLC.
    let cx = rng.gen_range(0..5);
    for d in [&mut ours_f, &mut ours_i] {
        d.set_complexity(cx).unwrap();
    }
    for d in [&mut ref_f, &mut ref_i] {
        d.set(ctl::SET_COMPLEXITY, cx).unwrap();
    }

    let mut a = vec![0f32; MAX_PLC * 2];
    let mut b = vec![0f32; MAX_PLC * 2];
    let mut ai = vec![0i16; MAX_PLC * 2];
    let mut bi = vec![0i16; MAX_PLC * 2];
    let mut prev_lost = true;
    for (k, pkt) in s.packets.iter().enumerate() {
        if k > 0 && rng.gen_bool(0.01) {
            // A reset mid-stream (OPUS_RESET_STATE).
            ours_f.reset();
            ours_i.reset();
            ref_f.reset().unwrap();
            ref_i.reset().unwrap();
            counts.resets += 1;
        }
        let lost = rng.gen_bool(0.2);
        let mut dur = framing::nb_samples(pkt, rate).unwrap();
        if lost && rng.gen_bool(0.25) {
            // Any multiple of 2.5 ms up to 200 ms, longer than a packet included.
            dur = (rate / 400) as usize * rng.gen_range(1..=80);
        }
        let (ra, rb, rai, rbi);
        if lost {
            counts.lost += 1;
            if k + 1 < s.packets.len() && rng.gen_bool(0.5) {
                counts.fec_calls += 1;
                let next = &s.packets[k + 1];
                ra = code(ours_f.decode_float(Some(next), &mut a, dur, true));
                rb = ref_f.decode_float(Some(next), &mut b, dur, true);
                rai = code(ours_i.decode(Some(next), &mut ai, dur, true));
                rbi = ref_i.decode(Some(next), &mut bi, dur, true);
            } else {
                ra = code(ours_f.decode_float(None, &mut a, dur, false));
                rb = ref_f.decode_float(None, &mut b, dur, false);
                rai = code(ours_i.decode(None, &mut ai, dur, false));
                rbi = ref_i.decode(None, &mut bi, dur, false);
            }
        } else {
            ra = code(ours_f.decode_float(Some(pkt), &mut a, MAX_FRAME, false));
            rb = ref_f.decode_float(Some(pkt), &mut b, MAX_FRAME, false);
            rai = code(ours_i.decode(Some(pkt), &mut ai, MAX_FRAME, false));
            rbi = ref_i.decode(Some(pkt), &mut bi, MAX_FRAME, false);
        }
        counts.calls += 1;
        assert_eq!(ra, rb, "{label}: packet {k} (lost {lost}): float result");
        assert_eq!(rai, rbi, "{label}: packet {k} (lost {lost}): i16 result");
        assert_eq!(
            ours_f.final_range(),
            ref_f.final_range(),
            "{label}: packet {k}: final range"
        );
        assert_eq!(
            ours_i.final_range(),
            ref_i.final_range(),
            "{label}: packet {k}: final range (i16)"
        );
        assert_eq!(
            ours_f.last_packet_duration() as i32,
            ref_f.last_packet_duration(),
            "{label}: packet {k}: last packet duration"
        );
        assert_eq!(
            ours_f.pitch(),
            ref_f.get(ctl::GET_PITCH).unwrap(),
            "{label}: packet {k}: pitch"
        );
        assert_eq!(
            ours_f.bandwidth().map_or(0, |b| b.libopus_value()),
            ref_f.get(ctl::GET_BANDWIDTH).unwrap(),
            "{label}: packet {k}: bandwidth"
        );
        if !lost && !prev_lost {
            assert_eq!(
                ours_f.final_range(),
                s.enc_ranges[k],
                "{label}: packet {k}: encoder range"
            );
            counts.range_checked += 1;
        }
        match ra {
            Ok(n) => {
                counts.over_full_scale +=
                    a[..n * channels].iter().filter(|x| x.abs() > 1.0).count();
                for (i, (x, y)) in a[..n * channels].iter().zip(&b[..n * channels]).enumerate() {
                    assert_eq!(
                        x.to_bits(),
                        y.to_bits(),
                        "{label}: packet {k}: float sample {i}: {x} vs {y}"
                    );
                }
            }
            Err(_) => counts.errors += 1,
        }
        if let Ok(n) = rai {
            assert_eq!(
                &ai[..n * channels],
                &bi[..n * channels],
                "{label}: packet {k}: i16 PCM"
            );
        }
        prev_lost = lost;
    }
    counts.decodes += 1;
}

#[test]
fn celt_streams_match_generic_build() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED);
    let mut counts = Counts::default();
    let cfgs = configs();
    for (i, cfg) in cfgs.iter().enumerate() {
        let s = encode(*cfg, &mut rng, 1.0);
        counts.streams += 1;
        // Every stream at every output rate, mono or stereo in turn.
        for (j, &rate) in RATES.iter().enumerate() {
            compare_generic(&s, rate, 1 + (i + j) % 2, &mut rng, &mut counts);
        }
    }
    eprintln!("CELT streams vs generic build: {counts:?}");
    assert!(counts.lost > 100 && counts.fec_calls > 30 && counts.over_full_scale > 100);
}

/// Random packets of one TOC configuration through a fresh decoder pair.
/// Returns (calls compared, of which errors) and whether the configuration had to stop.
fn random_packets(
    config: u8,
    rate: u32,
    channels: usize,
    rng: &mut StdRng,
) -> ((usize, usize), bool) {
    let mut ours = OpusDecoder::new(rate, channels).unwrap();
    let mut oracle = Decoder::new(Build::Generic, rate as i32, channels).unwrap();
    let mut a = vec![0f32; MAX_FRAME * 2];
    let mut b = vec![0f32; MAX_FRAME * 2];
    let mut calls = (0, 0);
    for k in 0..60 {
        let len = match rng.gen_range(0..4) {
            0 => rng.gen_range(1..4),
            1 => rng.gen_range(4..40),
            2 => rng.gen_range(40..300),
            _ => rng.gen_range(300..1300),
        };
        let mut pkt: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        pkt[0] = config << 3 | (pkt[0] & 0x7);
        if pkt[0] & 3 == 3 && pkt.len() > 1 && rng.gen_bool(0.7) {
            // Keep the frame count plausible so that more packets parse.
            pkt[1] = (pkt[1] & 0xC0) | rng.gen_range(1..4);
        }
        let lost = rng.gen_bool(0.1);
        let (ra, rb) = if lost {
            let f = (rate / 400) as usize * rng.gen_range(1..9);
            (
                code(ours.decode_float(None, &mut a, f, false)),
                oracle.decode_float(None, &mut b, f, false),
            )
        } else {
            (
                code(ours.decode_float(Some(&pkt), &mut a, MAX_FRAME, false)),
                oracle.decode_float(Some(&pkt), &mut b, MAX_FRAME, false),
            )
        };
        if ra == Err(Error::Unsupported("").libopus_code())
            && Toc(config << 3).mode() != Mode::CeltOnly
        {
            // SILK is not built yet; the stream cannot continue in step.
            return (calls, true);
        }
        calls.0 += 1;
        calls.1 += usize::from(ra.is_err());
        let label = format!(
            "config {config} at {rate} Hz x{channels}, packet {k} {:02x?}",
            &pkt[..pkt.len().min(8)]
        );
        assert_eq!(ra, rb, "{label}: result");
        assert_eq!(
            ours.final_range(),
            oracle.final_range(),
            "{label}: final range"
        );
        if let Ok(n) = ra {
            for (i, (x, y)) in a[..n * channels].iter().zip(&b[..n * channels]).enumerate() {
                assert_eq!(x.to_bits(), y.to_bits(), "{label}: sample {i}: {x} vs {y}");
            }
        }
    }
    (calls, false)
}

#[test]
fn random_packets_of_every_toc_config_match_generic_build() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED ^ 0x7a11);
    let mut calls = 0;
    let mut errors = 0;
    let mut skipped = Vec::new();
    for config in 0..32u8 {
        for (idx, &rate) in RATES.iter().enumerate() {
            let channels = 1 + (idx + config as usize) % 2;
            let (n, skip) = random_packets(config, rate, channels, &mut rng);
            calls += n.0;
            errors += n.1;
            if skip && !skipped.contains(&config) {
                skipped.push(config);
            }
        }
    }
    eprintln!("random packets: {calls} calls compared ({errors} errors); configs skipped (SILK/hybrid unsupported): {skipped:?}");
    assert!(calls > 16 * 5 * 20);
}

fn snr_db(reference: &[f32], test: &[f32]) -> f64 {
    let mut sig = 0.0f64;
    let mut err = 0.0f64;
    for (&r, &t) in reference.iter().zip(test) {
        sig += f64::from(r) * f64::from(r);
        err += (f64::from(r) - f64::from(t)).powi(2);
    }
    if err == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (sig / err).log10()
    }
}

#[test]
fn celt_streams_are_close_to_simd_build() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED ^ 0x51d);
    let cfgs = configs();
    let mut worst = f64::INFINITY;
    let mut compared = 0;
    for (i, cfg) in cfgs.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let s = encode(*cfg, &mut rng, 0.5);
        let rate = RATES[i % 5];
        let channels = 1 + i % 2;
        let mut ours = OpusDecoder::new(rate, channels).unwrap();
        let mut oracle = Decoder::new(Build::Simd, rate as i32, channels).unwrap();
        let mut a = vec![0f32; MAX_FRAME * 2];
        let mut b = vec![0f32; MAX_FRAME * 2];
        let (mut all_a, mut all_b) = (Vec::new(), Vec::new());
        for (k, pkt) in s.packets.iter().enumerate() {
            let ra = code(ours.decode_float(Some(pkt), &mut a, MAX_FRAME, false));
            let rb = oracle.decode_float(Some(pkt), &mut b, MAX_FRAME, false);
            assert_eq!(ra, rb, "{cfg:?}: packet {k}");
            assert_eq!(
                ours.final_range(),
                oracle.final_range(),
                "{cfg:?}: packet {k}: final range"
            );
            if let Ok(n) = ra {
                all_a.extend_from_slice(&a[..n * channels]);
                all_b.extend_from_slice(&b[..n * channels]);
            }
        }
        let snr = snr_db(&all_b, &all_a);
        assert!(
            snr > 100.0,
            "{cfg:?} at {rate} Hz x{channels}: SNR {snr:.1} dB against the SIMD build"
        );
        worst = worst.min(snr);
        compared += 1;
    }
    eprintln!(
        "SIMD build: {compared} lossless streams, worst SNR {worst:.1} dB (criterion > 100 dB)"
    );
}

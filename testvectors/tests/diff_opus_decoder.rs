//! Differential tests: our Opus decoder against libopus 1.6.1 (`Build::Generic`) on streams
//! that use SILK and hybrid: automatic mode decisions over a bitrate sweep (with the encoder's
//! redundancy frames at mode switches), modes forced in turn, long SILK frames with in-band FEC
//! (LBRR), and packets of a SILK stream and a CELT stream spliced together (mode switches
//! without redundancy, bridged by 5 ms of concealment and a cross-fade).
//!
//! Each stream is decoded at every output rate with about 20 % losses, recovered through
//! `decode_fec` with the next packet or concealed. Criterion: same result or error code, final
//! range and last packet duration after every call; float PCM identical bit for bit; 16-bit PCM
//! identical.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use opus_core::decoder::OpusDecoder;
use opus_core::packet::framing;
use opus_core::Error;
use opus_oracle::{ctl, Build, Decoder, Encoder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const MAX_FRAME: usize = 5760;
const RATES: [u32; 5] = [48000, 24000, 16000, 12000, 8000];

fn code<T>(r: Result<T, Error>) -> Result<T, i32> {
    r.map_err(|e| e.libopus_code())
}

/// Voiced-speech-like test audio at 48 kHz with pauses and noise.
fn signal(rng: &mut StdRng, samples: usize, channels: usize) -> Vec<i16> {
    let f0 = rng.gen_range(90.0..250.0f64);
    (0..samples * channels)
        .map(|i| {
            let n = i / channels;
            let t = n as f64 / 48000.0;
            let syll = (t * 4.0).fract();
            let env = if syll < 0.7 {
                (syll / 0.7 * std::f64::consts::PI).sin()
            } else {
                0.0
            };
            let f = f0 * (1.0 + 0.05 * (2.0 * t).sin());
            let v: f64 = (1..12)
                .map(|h| (2.0 * std::f64::consts::PI * f * h as f64 * t).sin() / h as f64)
                .sum();
            let x = env * v * 0.25
                + rng.gen_range(-0.01..0.01)
                + if syll > 0.85 {
                    rng.gen_range(-0.1..0.1)
                } else {
                    0.0
                };
            (x * 32767.0).clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

struct Setup {
    channels: usize,
    frame: usize,
    application: i32,
    fec: bool,
    /// Per packet: (bitrate, forced mode or AUTO, bandwidth or AUTO).
    plan: Vec<(i32, i32, i32)>,
}

fn encode(s: &Setup, rng: &mut StdRng) -> Vec<Vec<u8>> {
    let mut enc = Encoder::new(Build::Generic, 48000, s.channels, s.application).unwrap();
    enc.set(ctl::SET_INBAND_FEC, s.fec as i32).unwrap();
    enc.set(ctl::SET_PACKET_LOSS_PERC, if s.fec { 20 } else { 0 })
        .unwrap();
    let pcm = signal(rng, s.frame * s.plan.len(), s.channels);
    let mut buf = vec![0u8; 4000];
    let mut out = Vec::new();
    for (k, &(br, mode, bw)) in s.plan.iter().enumerate() {
        enc.set(ctl::SET_BITRATE, br).unwrap();
        enc.set(ctl::SET_FORCE_MODE, mode).unwrap();
        enc.set(ctl::SET_BANDWIDTH, bw).unwrap();
        let x = &pcm[k * s.frame * s.channels..(k + 1) * s.frame * s.channels];
        let n = enc.encode(x, s.frame, &mut buf).unwrap();
        out.push(buf[..n].to_vec());
    }
    out
}

fn streams(rng: &mut StdRng) -> Vec<(String, Vec<Vec<u8>>)> {
    let mut out = Vec::new();
    for ch in 1..=2 {
        // Automatic modes over a bitrate sweep.
        let plan = (0..150)
            .map(|k| (6000 + (k % 50) * 2400, ctl::AUTO, ctl::AUTO))
            .collect();
        let s = Setup {
            channels: ch,
            frame: 960,
            application: ctl::APPLICATION_VOIP,
            fec: true,
            plan,
        };
        out.push((format!("auto sweep x{ch}"), encode(&s, rng)));
        let plan = (0..150)
            .map(|k| (64000 - (k % 30) * 1800, ctl::AUTO, ctl::AUTO))
            .collect();
        let s = Setup {
            channels: ch,
            frame: 480,
            application: ctl::APPLICATION_AUDIO,
            fec: false,
            plan,
        };
        out.push((format!("auto sweep 10 ms audio x{ch}"), encode(&s, rng)));
        // Modes forced in turn.
        let modes = [
            ctl::MODE_SILK_ONLY,
            ctl::MODE_HYBRID,
            ctl::MODE_CELT_ONLY,
            ctl::MODE_HYBRID,
            ctl::MODE_SILK_ONLY,
            ctl::MODE_CELT_ONLY,
        ];
        let bws = [
            ctl::BANDWIDTH_WIDEBAND,
            ctl::BANDWIDTH_FULLBAND,
            ctl::BANDWIDTH_FULLBAND,
            ctl::BANDWIDTH_SUPERWIDEBAND,
            ctl::BANDWIDTH_NARROWBAND,
            ctl::BANDWIDTH_WIDEBAND,
        ];
        let plan = (0..144)
            .map(|k| (32000, modes[(k / 8) % 6], bws[(k / 8) % 6]))
            .collect();
        let s = Setup {
            channels: ch,
            frame: 960,
            application: ctl::APPLICATION_AUDIO,
            fec: true,
            plan,
        };
        out.push((format!("forced modes x{ch}"), encode(&s, rng)));
        // Long SILK frames with FEC.
        for (frame, bw) in [
            (1920, ctl::BANDWIDTH_MEDIUMBAND),
            (2880, ctl::BANDWIDTH_WIDEBAND),
            (2880, ctl::BANDWIDTH_NARROWBAND),
        ] {
            let plan = (0..40)
                .map(|k| (12000 + (k % 4) * 4000, ctl::MODE_SILK_ONLY, bw))
                .collect();
            let s = Setup {
                channels: ch,
                frame,
                application: ctl::APPLICATION_VOIP,
                fec: true,
                plan,
            };
            out.push((format!("SILK {} ms x{ch}", frame / 48), encode(&s, rng)));
        }
        // SILK and CELT packets spliced: switches without redundancy.
        let silk = encode(
            &Setup {
                channels: ch,
                frame: 960,
                application: ctl::APPLICATION_VOIP,
                fec: false,
                plan: vec![(20000, ctl::MODE_SILK_ONLY, ctl::BANDWIDTH_WIDEBAND); 100],
            },
            rng,
        );
        let hyb = encode(
            &Setup {
                channels: ch,
                frame: 960,
                application: ctl::APPLICATION_AUDIO,
                fec: false,
                plan: vec![(40000, ctl::MODE_HYBRID, ctl::BANDWIDTH_FULLBAND); 100],
            },
            rng,
        );
        let celt = encode(
            &Setup {
                channels: ch,
                frame: 960,
                application: ctl::APPLICATION_AUDIO,
                fec: false,
                plan: vec![(48000, ctl::MODE_CELT_ONLY, ctl::BANDWIDTH_FULLBAND); 100],
            },
            rng,
        );
        let spliced = (0..100)
            .map(|k| match (k / 5) % 4 {
                0 => silk[k].clone(),
                1 => celt[k].clone(),
                2 => hyb[k].clone(),
                _ => celt[k].clone(),
            })
            .collect();
        out.push((format!("spliced x{ch}"), spliced));
    }
    out
}

#[test]
fn silk_hybrid_and_switching_streams_match_generic_build() {
    let mut rng = StdRng::seed_from_u64(0x5117_0b05);
    let streams = streams(&mut rng);
    // What the streams hold: packets per mode, and packets carrying LBRR.
    let mut modes = [0usize; 3];
    let mut lbrr = 0;
    for p in streams.iter().flat_map(|(_, ps)| ps) {
        modes[(opus_core::packet::Toc(p[0]).mode().libopus_value() - 1000) as usize] += 1;
        lbrr += usize::from(framing::has_lbrr(p).unwrap_or(false));
    }
    assert!(
        modes.iter().all(|&m| m > 200) && lbrr > 100,
        "{modes:?} {lbrr}"
    );
    let (mut calls, mut lost, mut fec) = (0, 0, 0);
    for (si, (name, packets)) in streams.iter().enumerate() {
        for (ri, &rate) in RATES.iter().enumerate() {
            let channels = 1 + (si + ri) % 2;
            let label = format!("{name} -> {rate} Hz x{channels}");
            let mut ours_f = OpusDecoder::new(rate, channels).unwrap();
            let mut ours_i = OpusDecoder::new(rate, channels).unwrap();
            let mut ref_f = Decoder::new(Build::Generic, rate as i32, channels).unwrap();
            let mut ref_i = Decoder::new(Build::Generic, rate as i32, channels).unwrap();
            let cx = rng.gen_range(0..5);
            for d in [&mut ours_f, &mut ours_i] {
                d.set_complexity(cx).unwrap();
            }
            for d in [&mut ref_f, &mut ref_i] {
                d.set(ctl::SET_COMPLEXITY, cx).unwrap();
            }
            let mut a = vec![0f32; MAX_FRAME * 2];
            let mut b = vec![0f32; MAX_FRAME * 2];
            let mut ai = vec![0i16; MAX_FRAME * 2];
            let mut bi = vec![0i16; MAX_FRAME * 2];
            for (k, pkt) in packets.iter().enumerate() {
                let is_lost = k > 0 && rng.gen_bool(0.2);
                let dur = framing::nb_samples(pkt, rate).unwrap();
                let (ra, rb, rai, rbi);
                if is_lost {
                    lost += 1;
                    if k + 1 < packets.len() && rng.gen_bool(0.6) {
                        fec += 1;
                        let next = &packets[k + 1];
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
                calls += 1;
                let at = format!("{label}: packet {k} (toc {:02x}, lost {is_lost})", pkt[0]);
                assert_eq!(ra, rb, "{at}: float result");
                assert_eq!(rai, rbi, "{at}: i16 result");
                assert_eq!(
                    ours_f.final_range(),
                    ref_f.final_range(),
                    "{at}: final range"
                );
                assert_eq!(
                    ours_f.last_packet_duration() as i32,
                    ref_f.last_packet_duration(),
                    "{at}: duration"
                );
                assert_eq!(
                    ours_f.pitch(),
                    ref_f.get(ctl::GET_PITCH).unwrap(),
                    "{at}: pitch"
                );
                if let Ok(n) = ra {
                    if let Some(i) = (0..n * channels).find(|&i| a[i].to_bits() != b[i].to_bits()) {
                        panic!(
                            "{at}: float sample {i} of {}: {} vs {}",
                            n * channels,
                            a[i],
                            b[i]
                        );
                    }
                }
                if let Ok(n) = rai {
                    assert_eq!(&ai[..n * channels], &bi[..n * channels], "{at}: i16 PCM");
                }
            }
        }
    }
    eprintln!(
        "SILK/hybrid/switching: {} streams (SILK/hybrid/CELT packets {modes:?}, {lbrr} with LBRR), {calls} calls ({lost} lost, {fec} through decode_fec)",
        streams.len()
    );
}

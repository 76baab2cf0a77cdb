//! The conformance matrix through our encoder: for every vector of [`matrix::full`] whose
//! settings our encoder supports, the vector's input is encoded by our
//! `opus_core::encoder::OpusEncoder`, configured as `generate::encode` configures libopus
//! (same settings, same sweep steps at the same packets, same frame sizes, the last frame
//! padded with silence), and by libopus's generic-C build through `generate::encode` itself.
//! Every packet must be byte-identical, with the same final range, and every packet of ours
//! must decode with libopus (generic, 48 kHz, the vector's channels) to our encoder's final
//! range.
//!
//! Skipped: vectors with DRED (`dred_frames > 0`); our DRED encoder does not exist yet.
//!
//! Whole vectors, every packet: about 15 s in the test profile (opt-level 1).
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use dred_opus_testvectors::bitstream::MAX_PACKET;
use dred_opus_testvectors::generate;
use dred_opus_testvectors::matrix::{self, RateControl, Vector};
use opus_core::encoder::{Application, Bitrate, EncoderConfig, FrameDuration, InbandFec, OpusEncoder};
use opus_core::packet::{Bandwidth, Mode};
use opus_oracle::{ctl, Build, Decoder};

fn application(v: i32) -> Application {
    match v {
        ctl::APPLICATION_VOIP => Application::Voip,
        ctl::APPLICATION_AUDIO => Application::Audio,
        ctl::APPLICATION_RESTRICTED_LOWDELAY => Application::RestrictedLowDelay,
        other => panic!("unknown application {other}"),
    }
}

fn mode(v: i32) -> Mode {
    Mode::from_libopus(v).unwrap_or_else(|| panic!("unknown mode {v}"))
}

fn bandwidth(v: i32) -> Bandwidth {
    Bandwidth::from_libopus(v).unwrap_or_else(|| panic!("unknown bandwidth {v}"))
}

/// Our configuration for the settings `generate::encode` gives libopus before the first frame.
fn config(v: &Vector) -> EncoderConfig {
    let e = &v.encoder;
    let (vbr, constraint) = match e.rate_control {
        RateControl::Cbr => (false, false),
        RateControl::Vbr => (true, false),
        RateControl::Cvbr => (true, true),
    };
    EncoderConfig::new(application(e.application))
        .bitrate(Bitrate::Bps(e.bitrate))
        .bandwidth(e.bandwidth.map(bandwidth))
        .vbr(vbr)
        .vbr_constraint(constraint)
        .complexity(e.complexity)
        .inband_fec(if e.fec { InbandFec::On } else { InbandFec::Off })
        .force_channels(None)
        .dtx(e.dtx)
        .packet_loss_perc(e.loss_perc)
        .lsb_depth(16)
        .frame_duration(FrameDuration::Arg)
        .force_mode(e.mode.map(mode))
}

struct Outcome {
    packets: usize,
    identical: usize,
    first_diff: Option<String>,
    decode_mismatches: usize,
}

fn run(v: &Vector) -> Outcome {
    // libopus generic, exactly as the generator encodes (no loss pattern applied).
    let theirs = generate::encode(v).expect("libopus encode");
    let pcm = generate::input_signal(v).expect("input");
    let ch = v.channels;
    let mut cfg = config(v);
    let mut enc = OpusEncoder::with_config(48000, ch, &cfg).expect("our encoder");
    let mut dec = Decoder::new(Build::Generic, 48000, ch).expect("libopus decoder");
    let mut out = vec![0i16; 5760 * ch];
    let mut packet = vec![0u8; MAX_PACKET];
    let mut block = Vec::new();
    let total = pcm.len() / ch;
    let mut frame = v.frame;
    let mut pos = 0usize;
    let mut k = 0usize;
    let mut o = Outcome { packets: 0, identical: 0, first_diff: None, decode_mismatches: 0 };
    while pos < total {
        if let Some(sweep) = &v.sweep {
            let every = sweep.every.max(1);
            if k % every == 0 && !sweep.steps.is_empty() {
                let s = &sweep.steps[(k / every) % sweep.steps.len()];
                if let Some(m) = s.mode {
                    cfg = cfg.force_mode(Some(mode(m)));
                }
                if let Some(b) = s.bandwidth {
                    cfg = cfg.bandwidth(Some(bandwidth(b)));
                }
                if let Some(c) = s.channels {
                    cfg = cfg.force_channels(Some(c as usize));
                }
                if let Some(r) = s.bitrate {
                    cfg = cfg.bitrate(Bitrate::Bps(r));
                }
                enc.set_config(&cfg).expect("sweep step");
                if let Some(f) = s.frame {
                    frame = f;
                }
            }
        }
        block.clear();
        let end = (pos + frame).min(total);
        block.extend_from_slice(&pcm[pos * ch..end * ch]);
        block.resize(frame * ch, 0);
        let n = enc.encode(&block, &mut packet).expect("our encode");
        let ours = &packet[..n];
        let range = enc.final_range();
        let want = &theirs[k];
        o.packets += 1;
        if ours == want.payload.as_slice() && range == want.final_range {
            o.identical += 1;
        } else if o.first_diff.is_none() {
            let pos = ours.iter().zip(&want.payload).position(|(a, b)| a != b).unwrap_or(n.min(want.payload.len()));
            o.first_diff = Some(format!(
                "packet {k}: len {n} vs {}, first differing byte {pos}, rng {range:08x} vs {:08x}",
                want.payload.len(),
                want.final_range
            ));
        }
        match dec.decode(Some(ours), &mut out, 5760, false) {
            Ok(_) if n <= 1 || dec.final_range() == range => {}
            _ => o.decode_mismatches += 1,
        }
        pos += frame;
        k += 1;
    }
    assert_eq!(k, theirs.len(), "{}: packet count", v.name);
    o
}

#[test]
fn matrix_packets_match_libopus() {
    let start = std::time::Instant::now();
    let mut report = String::new();
    let mut failures = Vec::new();
    let (mut vectors, mut skipped, mut packets, mut identical, mut seconds) = (0, Vec::new(), 0, 0, 0.0);
    for mut v in matrix::full() {
        if v.encoder.dred_frames > 0 {
            skipped.push(v.name);
            continue;
        }
        v.loss = None;
        let o = run(&v);
        vectors += 1;
        packets += o.packets;
        identical += o.identical;
        seconds += v.seconds;
        report.push_str(&format!(
            "{:32} {:4}/{:4} identical, decode mismatches {}{}\n",
            v.name,
            o.identical,
            o.packets,
            o.decode_mismatches,
            o.first_diff.as_deref().map(|s| format!("; first diff {s}")).unwrap_or_default()
        ));
        if o.identical != o.packets || o.decode_mismatches > 0 {
            failures.push(v.name);
        }
    }
    println!("{report}");
    println!(
        "encoder matrix: {vectors} vectors ({seconds:.1} s of input, whole), {identical}/{packets} packets byte-identical with libopus generic; \
         skipped {} DRED vectors ({}); {:.1} s",
        skipped.len(),
        skipped.join(", "),
        start.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "mismatching vectors: {failures:?}\n{report}");
    assert!(vectors > 0 && packets > 0);
}

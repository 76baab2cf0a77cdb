//! Differential test of deep PLC on real lossy streams: `dred_opus::Decoder` against libopus
//! 1.6.1's generic-C build, end to end.
//!
//! Streams: 10 s of speech (the CMU ARCTIC fixtures) encoded by libopus's generic-C encoder as
//! SILK WB 16 kb/s (decoded at 16 kHz) and CELT FB 64 kb/s (decoded at 48 kHz), 20 ms packets
//! (`dred_opus_testvectors::neural`). Losses: random and bursty (Gilbert–Elliott), at 10, 20
//! and 30 %, fixed seeds. Decoder complexity 5 and 10 (deep PLC on), with
//! `OPUS_SET_COMPLEXITY` on the libopus side; random patterns go through
//! `Decoder::decode`/`conceal`, bursty ones through `Decoder::decode_raw`.
//!
//! Criterion: bit-exact. The 16-bit output of every packet, and the final range after every
//! packet, equal libopus generic's.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use dred_opus_testvectors::neural::{self, LossKind, LossPattern, Stream, StreamKind};
use opus_oracle::Build;

const SECONDS: f64 = 10.0;

fn rate(kind: StreamKind) -> u32 {
    match kind {
        StreamKind::SilkWb16k => 16_000,
        StreamKind::CeltFb64k => 48_000,
    }
}

fn check(s: &Stream) {
    let rate = rate(s.kind);
    let frame = neural::FRAME_48K * rate as usize / 48_000;
    let mut checked = 0;
    for pattern in LossPattern::all(s.packets.len()) {
        for complexity in [5, 10] {
            let raw = pattern.kind == LossKind::Bursty;
            let ours = neural::decode_ours(s, &pattern.lost, rate, complexity, raw).expect("our decode");
            let c = neural::decode_libopus(Build::Generic, s, &pattern.lost, rate, complexity).expect("libopus decode");
            let case = format!("{} {} complexity {complexity}", s.kind.name(), pattern.id());
            assert_eq!(ours.pcm.len(), c.pcm.len(), "{case}: length");
            for (k, (a, b)) in ours.pcm.chunks(frame).zip(c.pcm.chunks(frame)).enumerate() {
                if a != b {
                    let i = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(0);
                    panic!(
                        "{case}: packet {k} ({}) differs first at sample {i}: ours {} libopus {}",
                        if pattern.lost[k] { "lost" } else { "received" },
                        a[i],
                        b[i]
                    );
                }
            }
            for (k, (a, b)) in ours.ranges.iter().zip(&c.ranges).enumerate() {
                assert_eq!(a, b, "{case}: final range after packet {k}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 12);
}

fn stream(kind: StreamKind) -> Stream {
    let clean = neural::clean_speech_16k(SECONDS).expect("fixtures");
    let s = neural::encode(kind, &clean).expect("encoding");
    assert_eq!(s.packets.len(), 500);
    s
}

#[test]
fn silk_wb_16k_lossy_bit_exact() {
    check(&stream(StreamKind::SilkWb16k));
}

#[test]
fn celt_fb_64k_lossy_bit_exact() {
    check(&stream(StreamKind::CeltFb64k));
}

/// Deep PLC really runs: at complexity 5 the concealed audio differs from complexity 0's.
#[test]
fn deep_plc_changes_the_concealment() {
    for kind in StreamKind::ALL {
        let s = stream(kind);
        let p = LossPattern::new(LossKind::Random, 20, s.packets.len());
        let deep = neural::decode_ours(&s, &p.lost, rate(kind), 5, false).expect("decode");
        let classic = neural::decode_ours(&s, &p.lost, rate(kind), 0, false).expect("decode");
        assert_ne!(deep.pcm, classic.pcm, "{}", kind.name());
    }
}

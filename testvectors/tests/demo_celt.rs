//! `dred-opus demo -d` against opus_demo 1.6.1's receive loop run on libopus (generic-C
//! build), on CELT-only bitstreams made by the oracle's encoder.
//!
//! The reference loop below follows opus_demo.c: records are read until a bad one, lost
//! records (length 0, or marked in a `-lossfile`) are counted, and when a packet arrives the
//! newest loss is recovered through `decode_fec` if `opus_packet_has_lbrr` says so (never for
//! CELT), older ones concealed, then the packet decoded with room for 2 s. Audio goes through
//! `opus_decode24` (float output × 2^23, rounded to nearest-even, which is what
//! `opus_decode_float` plus that conversion gives) and then opus_demo's `-16`, `-24` or `-f32`
//! writer. Criterion: output files identical byte for byte.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use dred_opus::demo::{self, DemoArgs};
use opus_oracle::{ctl, Build, Decoder, Encoder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const MAX_FRAME_SIZE: usize = 96_000;

fn record(out: &mut Vec<u8>, payload: &[u8], range: u32) {
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(&range.to_be_bytes());
    out.extend_from_slice(payload);
}

/// A CELT-only bitstream: `frames` packets of `frame_ms10` tenths of a millisecond, some
/// records lost (length 0), some replaced by garbage with a CELT TOC (encoder range 0).
fn celt_bitstream(
    rng: &mut StdRng,
    channels: usize,
    frame_ms10: i32,
    bitrate: i32,
    frames: usize,
) -> Vec<u8> {
    let mut enc = Encoder::new(Build::Generic, 48000, channels, ctl::APPLICATION_AUDIO).unwrap();
    enc.set(ctl::SET_FORCE_MODE, ctl::MODE_CELT_ONLY).unwrap();
    enc.set(ctl::SET_BITRATE, bitrate).unwrap();
    let duration = match frame_ms10 {
        25 => ctl::FRAMESIZE_2_5_MS,
        50 => ctl::FRAMESIZE_5_MS,
        100 => ctl::FRAMESIZE_10_MS,
        200 => ctl::FRAMESIZE_20_MS,
        400 => ctl::FRAMESIZE_40_MS,
        _ => ctl::FRAMESIZE_60_MS,
    };
    enc.set(ctl::SET_EXPERT_FRAME_DURATION, duration).unwrap();
    let frame = 48 * frame_ms10 as usize / 10;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 4000];
    let mut t = 0usize;
    for k in 0..frames {
        let pcm: Vec<i16> = (0..frame * channels)
            .map(|i| {
                let n = t + i / channels;
                let x = (n as f64 * 0.013).sin() * 12000.0 + (n as f64 * 0.101).sin() * 5000.0;
                (x + rng.gen_range(-800.0..800.0)) as i16
            })
            .collect();
        t += frame;
        let len = enc.encode(&pcm, frame, &mut buf).unwrap();
        let range = enc.final_range();
        match k % 11 {
            3 | 7 => record(&mut out, &[], 0),
            9 => {
                let mut junk: Vec<u8> = (0..rng.gen_range(2..60)).map(|_| rng.gen()).collect();
                junk[0] = buf[0];
                record(&mut out, &junk, 0);
            }
            _ => record(&mut out, &buf[..len], range),
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Format {
    S16,
    S24,
    F32,
}

/// opus_demo -d's loop on the oracle; returns the output file's bytes.
fn reference(
    bit: &[u8],
    rate: u32,
    channels: usize,
    format: Format,
    complexity: i32,
    loss: &[i32],
) -> Vec<u8> {
    let mut dec = Decoder::new(Build::Generic, rate as i32, channels).unwrap();
    dec.set(ctl::SET_COMPLEXITY, complexity).unwrap();
    let mut pcm = vec![0f32; MAX_FRAME_SIZE * channels];
    let mut out = Vec::new();
    let mut pos = 0;
    let mut lost_count = 0i32;
    let mut lost_prev = true;
    let mut k = 0;
    while pos + 8 <= bit.len() {
        let len = u32::from_be_bytes(bit[pos..pos + 4].try_into().unwrap()) as usize;
        let enc_range = u32::from_be_bytes(bit[pos + 4..pos + 8].try_into().unwrap());
        pos += 8;
        if len > 15000 || pos + len > bit.len() {
            break;
        }
        let data = &bit[pos..pos + len];
        pos += len;
        let mut lost = loss.get(k).copied().unwrap_or(0) != 0;
        k += 1;
        if len == 0 {
            lost = true;
        }
        let run = if lost {
            lost_count += 1;
            0
        } else {
            1 + lost_count
        };
        for fr in 0..run {
            let has_lbrr = opus_oracle::packet_has_lbrr(Build::Generic, data).unwrap_or(true);
            let r = if fr == lost_count - 1 && has_lbrr {
                let n = dec.last_packet_duration() as usize;
                dec.decode_float(Some(data), &mut pcm, n, true)
            } else if fr < lost_count {
                let n = dec.last_packet_duration() as usize;
                if n == 0 {
                    Err(-1)
                } else {
                    dec.decode_float(None, &mut pcm, n, false)
                }
            } else {
                // opus_decode24 caps the room at the packet's duration first.
                match opus_oracle::packet_nb_samples(Build::Generic, data, rate as i32) {
                    Ok(n) if n > 0 => dec.decode_float(
                        Some(data),
                        &mut pcm,
                        (n as usize).min(MAX_FRAME_SIZE),
                        false,
                    ),
                    _ => Err(-4),
                }
            };
            if let Ok(n) = r {
                for &x in &pcm[..n * channels] {
                    let s = (8_388_608.0f32 * x).round_ties_even() as i64 as i32;
                    match format {
                        Format::S16 => {
                            let s = s.clamp(-0x7fff00, 0x7fff00);
                            out.extend_from_slice(&(((s + 128) >> 8) as i16).to_le_bytes());
                        }
                        Format::S24 => {
                            out.extend_from_slice(&s.clamp(-0x7fffff, 0x7fffff).to_le_bytes()[..3])
                        }
                        Format::F32 => {
                            out.extend_from_slice(&(s as f32 * (1.0 / 8_388_608.0)).to_le_bytes())
                        }
                    }
                }
            }
        }
        let dec_range = dec.final_range();
        assert!(
            enc_range == 0 || lost || lost_prev || dec_range == enc_range,
            "reference: range mismatch in record {}",
            k - 1
        );
        lost_prev = lost;
        if !lost {
            lost_count = 0;
        }
    }
    out
}

#[test]
fn demo_decode_matches_opus_demo_logic_on_celt_streams() {
    let dir = std::env::temp_dir().join(format!("dred-opus-demo-celt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = StdRng::seed_from_u64(0xde30_ce17);
    let streams = [
        (1, 200, 32000, 60),
        (2, 25, 96000, 200),
        (2, 600, 64000, 12),
        (1, 50, 12000, 120),
        (2, 100, 160000, 50),
    ];
    let outputs: [(u32, usize, Format, &str, i32); 6] = [
        (48000, 2, Format::S16, "-16", 0),
        (48000, 1, Format::F32, "-f32", 2),
        (24000, 2, Format::S24, "-24", 0),
        (16000, 1, Format::S16, "-16", 4),
        (12000, 2, Format::F32, "-f32", 0),
        (8000, 1, Format::S24, "-24", 1),
    ];
    let mut checked = 0;
    let mut decode_errors = 0;
    for (si, &(ch, ms10, br, frames)) in streams.iter().enumerate() {
        let bit = celt_bitstream(&mut rng, ch, ms10, br, frames);
        let bit_path = dir.join(format!("s{si}.bit"));
        std::fs::write(&bit_path, &bit).unwrap();
        // A loss file marking some received packets lost too.
        let loss: Vec<i32> = (0..frames)
            .map(|i| i32::from(i % 5 == 1 || i % 13 == 0))
            .collect();
        let loss_path = dir.join(format!("s{si}.loss"));
        std::fs::write(
            &loss_path,
            loss.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        )
        .unwrap();
        for (oi, &(rate, och, format, flag, cx)) in outputs.iter().enumerate() {
            for use_loss in [false, true] {
                let out_path = dir.join(format!("s{si}.o{oi}.{use_loss}.pcm"));
                let mut args: Vec<String> =
                    vec!["-d".into(), rate.to_string(), och.to_string(), flag.into()];
                if cx != 0 {
                    args.extend(["-dec_complexity".into(), cx.to_string()]);
                }
                if use_loss {
                    args.extend(["-lossfile".into(), loss_path.to_str().unwrap().into()]);
                }
                args.push(bit_path.to_str().unwrap().into());
                args.push(out_path.to_str().unwrap().into());
                let parsed = DemoArgs::parse(&args).unwrap();
                let mut log = Vec::new();
                demo::run_with_log(&parsed, &mut log).unwrap_or_else(|e| panic!("{args:?}: {e}"));
                let ours = std::fs::read(&out_path).unwrap();
                let expected = reference(
                    &bit,
                    rate,
                    och,
                    format,
                    cx,
                    if use_loss { &loss } else { &[] },
                );
                assert_eq!(ours.len(), expected.len(), "{args:?}: output length");
                if let Some(i) = ours.iter().zip(&expected).position(|(a, b)| a != b) {
                    panic!("{args:?}: outputs differ at byte {i}");
                }
                let log = String::from_utf8(log).unwrap();
                assert!(
                    log.contains(&format!("Decoding with {rate} Hz output ({och} channels)")),
                    "{log}"
                );
                decode_errors += log.matches("error decoding frame: ").count();
                checked += 1;
            }
        }
    }
    eprintln!("demo -d: {checked} output files identical to the reference loop ({decode_errors} decode errors reported)");
    // The garbage records must have gone through opus_demo's error path.
    assert!(decode_errors > 0);
    let _ = std::fs::remove_dir_all(&dir);
}

// The bundled LBRR+DRED sample under losses is checked against libopus's real opus_demo
// program in opus_demo_binary.rs.

//! `neural_quality`: decodes the lossy speech streams of `dred_opus_testvectors::neural`
//! with deep PLC (complexity 5) by `dred_opus::Decoder`, libopus 1.6.1 SIMD and libopus
//! generic, and by our decoder at complexity 0 (classic PLC, for comparison); writes 16 kHz
//! mono WAV files for PESQ (`testvectors/scripts/pesq_table.py`) and prints one JSON line per
//! case with the SIMD-vs-generic figures.
//!
//! ```text
//! cargo run --release -p dred-opus-testvectors --bin neural_quality -- [--out DIR] [--seconds S]
//! ```
//!
//! Files in DIR (default `target/neural_quality`): `clean.wav` (the encoder's input at
//! 16 kHz), `<stream>_<loss>_{ours,simd,generic,classic}.wav`, and `cases.jsonl` (the lines
//! printed).
//!
//! With `--strategies`, it instead compares the recovery strategies (classic PLC, deep PLC,
//! LBRR, DRED, LBRR+DRED; `neural::Strategy`) on VoIP streams at 24 and 32 kb/s, encoded with
//! and without in-band FEC + DRED, at 10/20/30 % random loss, for ours, libopus SIMD and
//! libopus generic; files go to DIR (default `target/neural_strategies`): `clean.wav`,
//! `<bitrate>_<loss>_<strategy>_{ours,simd,generic}.wav` and `strategies.jsonl`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use dred_opus_testvectors::neural::{self, LossKind, LossPattern, StreamKind, SPEECH_RATE};
use dred_opus_testvectors::{write_file, Error, Result};
use opus_oracle::Build;

const COMPLEXITY: i32 = 5;
const FRAME: usize = 320;

fn parse_args() -> Result<(PathBuf, f64, bool)> {
    let mut out = None;
    let mut strategies = false;
    let mut seconds = 10.0;
    let mut it = std::env::args().skip(1);
    while let Some(opt) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| Error::Usage(format!("{name} needs a value")));
        match opt.as_str() {
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--strategies" => strategies = true,
            "--seconds" => {
                seconds = value("--seconds")?.parse().map_err(|_| Error::Usage("--seconds takes a number".into()))?;
            }
            other => return Err(Error::Usage(format!("unknown option {other}; options: --out DIR, --seconds S, --strategies"))),
        }
    }
    let default = if strategies { "target/neural_strategies" } else { "target/neural_quality" };
    Ok((out.unwrap_or_else(|| PathBuf::from(default)), seconds, strategies))
}

/// JSON number, `null` for infinities (identical signals).
fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "null".into()
    }
}

/// The samples of the frames where `pick(lost)` holds.
fn frames_where(x: &[i16], lost: &[bool], pick: bool) -> Vec<i16> {
    x.chunks(FRAME).zip(lost).filter(|(_, &l)| l == pick).flat_map(|(c, _)| c.iter().copied()).collect()
}

/// Comparison of `test` with `reference` (both decodes of the same stream).
fn compare(reference: &[i16], test: &[i16], lost: &[bool]) -> String {
    let differing = reference.iter().zip(test).filter(|(a, b)| a != b).count();
    let first_packet = reference
        .chunks(FRAME)
        .zip(test.chunks(FRAME))
        .position(|(a, b)| a != b)
        .map_or("null".to_string(), |k| k.to_string());
    let lost_ref = frames_where(reference, lost, true);
    let lost_test = frames_where(test, lost, true);
    let got_ref = frames_where(reference, lost, false);
    let got_test = frames_where(test, lost, false);
    format!(
        "{{\"snr_db\":{},\"snr_concealed_db\":{},\"snr_received_db\":{},\"max_abs\":{},\"max_abs_concealed\":{},\
         \"max_abs_received\":{},\"differing_samples_percent\":{:.2},\"first_differing_packet\":{}}}",
        num(neural::snr_db(reference, test)),
        num(neural::snr_db(&lost_ref, &lost_test)),
        num(neural::snr_db(&got_ref, &got_test)),
        neural::max_abs_diff(reference, test),
        neural::max_abs_diff(&lost_ref, &lost_test),
        neural::max_abs_diff(&got_ref, &got_test),
        differing as f64 * 100.0 / reference.len().max(1) as f64,
        first_packet,
    )
}

/// The recovery-strategy comparison (`--strategies`).
fn run_strategies(out: &std::path::Path, clean: &[i16]) -> Result<()> {
    use neural::{LibRecovery, OursRecovery, RecoveryDecoder, Strategy};
    let mut lines = String::new();
    let mut pcm = vec![0f32; 5760];
    for bitrate in [24_000, 32_000] {
        for percent in [10u32, 20, 30] {
            let plain = neural::encode_voip(clean, bitrate, false, 0)?;
            let coded = neural::encode_voip(clean, bitrate, true, percent as i32)?;
            let p = LossPattern::new(LossKind::Random, percent, plain.len());
            let lbrr_packets = coded.iter().filter(|x| opus_core::packet::has_lbrr(x).unwrap_or(false)).count();
            let bytes = |v: &[Vec<u8>]| v.iter().map(Vec::len).sum::<usize>();
            for strategy in Strategy::ALL {
                let packets = if matches!(strategy, Strategy::ClassicPlc | Strategy::DeepPlc) { &plain } else { &coded };
                let case = format!("{}k_{}_{}", bitrate / 1000, p.id(), strategy.id());
                let mut files = Vec::new();
                let mut outs = Vec::new();
                let mut counts = None;
                for who in ["ours", "simd", "generic"] {
                    let mut x = Vec::new();
                    let c = match who {
                        "ours" => {
                            let mut d = OursRecovery::new(SPEECH_RATE, strategy.complexity())?;
                            neural::decode_with_strategy(&mut d, strategy, packets, &p.lost, FRAME, &mut pcm, |y| x.extend_from_slice(y))?
                        }
                        _ => {
                            let b = if who == "simd" { Build::Simd } else { Build::Generic };
                            let mut d = LibRecovery::new(b, SPEECH_RATE, strategy.complexity())?;
                            let _ = d.rate();
                            neural::decode_with_strategy(&mut d, strategy, packets, &p.lost, FRAME, &mut pcm, |y| x.extend_from_slice(y))?
                        }
                    };
                    counts.get_or_insert(c);
                    let name = format!("{case}_{who}.wav");
                    neural::write_wav(&out.join(&name), SPEECH_RATE, &neural::to_i16(&x))?;
                    files.push(format!("\"{who}\":\"{name}\""));
                    outs.push(x);
                }
                let c = counts.unwrap_or_default();
                let exact = outs[0].len() == outs[2].len() && outs[0].iter().zip(&outs[2]).all(|(a, b)| a.to_bits() == b.to_bits());
                let line = format!(
                    "{{\"case\":\"{case}\",\"bitrate\":{bitrate},\"loss\":\"{}\",\"target_percent\":{percent},\
                     \"actual_percent\":{:.1},\"strategy\":\"{}\",\"fec_dred_stream\":{},\"kbps\":{:.1},\
                     \"lbrr_packets_percent\":{:.0},\"decoded\":{},\"lbrr\":{},\"dred\":{},\"plc\":{},\
                     \"clean\":\"clean.wav\",\"files\":{{{}}},\"ours_bitexact_generic\":{exact}}}",
                    p.id(),
                    p.actual_percent(),
                    strategy.name(),
                    !matches!(strategy, Strategy::ClassicPlc | Strategy::DeepPlc),
                    bytes(packets) as f64 * 8.0 / (packets.len() as f64 * 0.02) / 1000.0,
                    lbrr_packets as f64 * 100.0 / coded.len() as f64,
                    c.decoded,
                    c.lbrr,
                    c.dred,
                    c.plc,
                    files.join(","),
                );
                println!("{line}");
                let _ = writeln!(lines, "{line}");
            }
        }
    }
    write_file(&out.join("strategies.jsonl"), lines.as_bytes())?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

fn run() -> Result<()> {
    let (out, seconds, strategies) = parse_args()?;
    std::fs::create_dir_all(&out).map_err(|e| Error::Io { path: out.clone(), message: e.to_string() })?;
    if strategies {
        let clean = neural::clean_speech_16k(seconds)?;
        neural::write_wav(&out.join("clean.wav"), SPEECH_RATE, &clean)?;
        return run_strategies(&out, &clean);
    }
    let clean = neural::clean_speech_16k(seconds)?;
    neural::write_wav(&out.join("clean.wav"), SPEECH_RATE, &clean)?;
    let mut lines = String::new();
    for kind in StreamKind::ALL {
        let s = neural::encode(kind, &clean)?;
        let n = s.packets.len();
        let mut patterns = vec![LossPattern { kind: LossKind::Random, percent: 0, lost: vec![false; n] }];
        patterns.extend(LossPattern::all(n));
        for p in patterns {
            let ours = neural::decode_ours(&s, &p.lost, SPEECH_RATE, COMPLEXITY, false)?;
            let simd = neural::decode_libopus(Build::Simd, &s, &p.lost, SPEECH_RATE, COMPLEXITY)?;
            let generic = neural::decode_libopus(Build::Generic, &s, &p.lost, SPEECH_RATE, COMPLEXITY)?;
            let classic = neural::decode_ours(&s, &p.lost, SPEECH_RATE, 0, false)?;
            let case = format!("{}_{}", kind.id(), p.id());
            let mut files = Vec::new();
            for (who, d) in [("ours", &ours), ("simd", &simd), ("generic", &generic), ("classic", &classic)] {
                let name = format!("{case}_{who}.wav");
                neural::write_wav(&out.join(&name), SPEECH_RATE, &d.pcm)?;
                files.push(format!("\"{who}\":\"{name}\""));
            }
            let line = format!(
                "{{\"case\":\"{case}\",\"stream\":\"{}\",\"loss\":\"{}\",\"loss_kind\":\"{:?}\",\"target_percent\":{},\
                 \"actual_percent\":{:.1},\"complexity\":{COMPLEXITY},\"rate\":{SPEECH_RATE},\"clean\":\"clean.wav\",\
                 \"files\":{{{}}},\"ours_bitexact_generic\":{},\"ranges_equal_generic\":{},\
                 \"ours_vs_simd\":{},\"ours_vs_generic\":{}}}",
                kind.name(),
                if p.percent == 0 { "none".to_string() } else { p.id() },
                p.kind,
                p.percent,
                p.actual_percent(),
                files.join(","),
                ours.pcm == generic.pcm,
                ours.ranges == generic.ranges,
                compare(&simd.pcm, &ours.pcm, &p.lost),
                compare(&generic.pcm, &ours.pcm, &p.lost),
            );
            println!("{line}");
            let _ = writeln!(lines, "{line}");
        }
    }
    write_file(&out.join("cases.jsonl"), lines.as_bytes())?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("neural_quality: {e}");
            ExitCode::FAILURE
        }
    }
}

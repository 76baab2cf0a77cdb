//! `dred-opus demo -e` and `dred-opus demo` (encode, then decode) against libopus 1.6.1's own
//! `opus_demo` program (built by the oracle's build script, linked with the generic-C build):
//! the same command line over the same input must give byte-identical output files, the same
//! success or failure, and the same stderr except the first line (the version string).
//!
//! Inputs are raw PCM files written to a temporary folder: CMU ARCTIC speech resampled to
//! 48, 24, 16, 12 and 8 kHz, a stereo speech pair, and synthetic music (chords, a panned
//! chord over noise, noise bursts with digital silence), as 16-bit, 24-bit and float files.
//! The option sets cover the five applications, every rate, mono and stereo, 6 to 256 kb/s,
//! VBR, CBR and constrained VBR, forced bandwidths, every frame size, complexities 0, 5 and
//! 10, in-band FEC with loss, DTX, forced mono, the mode-switching test lists, bitrate
//! sweeps, random frame sizes and FEC, encoder-side loss and loss files.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;

use dred_opus::demo::{run_with_log, DemoArgs, DemoError};
use dred_opus_testvectors::signals::{resample, stereo_pair, synth, Clip, Synth};
use opus_oracle::OPUS_DEMO;

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_s16(path: &Path, pcm: &[i16]) {
    let bytes: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// 24-bit little-endian samples: the 16-bit signal with pseudo-random low bits.
fn write_s24(path: &Path, pcm: &[i16]) {
    let mut seed = 12345u32;
    let bytes: Vec<u8> = pcm
        .iter()
        .flat_map(|&s| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let v = (i32::from(s) << 8) | ((seed >> 16) & 0xff) as i32;
            let b = v.to_le_bytes();
            [b[0], b[1], b[2]]
        })
        .collect();
    std::fs::write(path, bytes).unwrap();
}

/// Float samples, scaled by `gain` (above 1 the signal exceeds full scale).
fn write_f32(path: &Path, pcm: &[i16], gain: f32) {
    let bytes: Vec<u8> = pcm.iter().flat_map(|&s| (f32::from(s) * gain / 32768.0).to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// The inputs, by name.
fn write_inputs(dir: &Path) {
    let speech = Clip::A0007.load_48k().unwrap();
    let other = Clip::A0009.load_48k().unwrap();
    // 2.5 s keep the test quick and still cross speech, pauses and mode decisions.
    let speech = &speech[..120_000.min(speech.len())];
    let other = &other[..120_000.min(other.len())];
    for rate in [48_000u32, 24_000, 16_000, 12_000, 8_000] {
        let r = resample(speech, 1, 48_000, rate);
        write_s16(&dir.join(format!("speech{}.pcm", rate / 1000)), &r);
    }
    let pair = stereo_pair(speech, other);
    let chords_m = synth(Synth::Chords, 11, 2.0, 1);
    let panning_s = synth(Synth::Panning, 13, 2.0, 2);
    for rate in [48_000u32, 24_000, 16_000, 12_000, 8_000] {
        let k = rate / 1000;
        write_s16(&dir.join(format!("mx_speech{k}_1.pcm")), &resample(speech, 1, 48_000, rate));
        write_s16(&dir.join(format!("mx_speech{k}_2.pcm")), &resample(&pair, 2, 48_000, rate));
        write_s16(&dir.join(format!("mx_music{k}_1.pcm")), &resample(&chords_m, 1, 48_000, rate));
        write_s16(&dir.join(format!("mx_music{k}_2.pcm")), &resample(&panning_s, 2, 48_000, rate));
    }
    write_s16(&dir.join("speech48s.pcm"), &pair);
    write_s16(&dir.join("speech24s.pcm"), &resample(&pair, 2, 48_000, 24_000));
    write_s24(&dir.join("speech48.s24"), speech);
    write_f32(&dir.join("speech16.f32"), &resample(speech, 1, 48_000, 16_000), 1.0);
    let chords = synth(Synth::Chords, 7, 2.0, 2);
    write_s16(&dir.join("chords48s.pcm"), &chords);
    write_f32(&dir.join("chords48s.f32"), &chords, 1.3);
    write_s24(&dir.join("chords48s.s24"), &chords);
    write_s16(&dir.join("chords16s.pcm"), &resample(&chords, 2, 48_000, 16_000));
    let panning = synth(Synth::Panning, 3, 2.0, 2);
    write_s16(&dir.join("panning48s.pcm"), &panning);
    write_s16(&dir.join("panning24s.pcm"), &resample(&panning, 2, 48_000, 24_000));
    let notes = synth(Synth::Notes, 5, 2.0, 1);
    write_s16(&dir.join("notes48.pcm"), &notes);
    write_s16(&dir.join("notes12.pcm"), &resample(&notes, 1, 48_000, 12_000));
    let bursts = synth(Synth::NoiseBursts, 9, 2.0, 1);
    write_s16(&dir.join("bursts48.pcm"), &bursts);
    write_s16(&dir.join("bursts16.pcm"), &resample(&bursts, 1, 48_000, 16_000));
    // A loss pattern with isolated and consecutive losses.
    let pattern = "0\n0\n1\n0\n0\n1\n1\n0\n0\n0\n0\n1\n1\n1\n0\n0\n0\n0\n0\n1\n";
    std::fs::write(dir.join("loss.txt"), pattern.repeat(40)).unwrap();
}

/// One comparison: `line` is opus_demo's command line with `IN` standing for the input file
/// and `LOSS` for the loss file; the output file is appended.
fn compare(dir: &Path, k: usize, line: &str, failures: &mut Vec<String>) {
    let mut args: Vec<String> = line
        .split_whitespace()
        .map(|w| match w {
            "LOSS" => dir.join("loss.txt").to_str().unwrap().to_string(),
            _ => w.to_string(),
        })
        .collect();
    let input = args.pop().unwrap();
    args.push(dir.join(&input).to_str().unwrap().to_string());
    let theirs = dir.join(format!("{k}.theirs"));
    let ours = dir.join(format!("{k}.ours"));
    let mut their_args = args.clone();
    their_args.push(theirs.to_str().unwrap().into());
    let c = Command::new(OPUS_DEMO).args(&their_args).output().unwrap();
    let mut our_args = args.clone();
    our_args.push(ours.to_str().unwrap().into());
    let parsed = match DemoArgs::parse(&our_args) {
        Ok(p) => p,
        Err(e) => {
            failures.push(format!("[{line}] parse: {e}"));
            return;
        }
    };
    let mut log = Vec::new();
    let result = run_with_log(&parsed, &mut log);
    if c.status.success() != result.is_ok() {
        failures.push(format!(
            "[{line}] opus_demo success {}, ours {result:?}; their stderr: {}",
            c.status.success(),
            String::from_utf8_lossy(&c.stderr)
        ));
        return;
    }
    if let Err(e) = &result {
        assert!(matches!(e, DemoError::Failed(_)), "[{line}] {e}");
    }
    let a = std::fs::read(&theirs).unwrap_or_default();
    let b = std::fs::read(&ours).unwrap_or_default();
    if c.status.success() && a.is_empty() {
        failures.push(format!("[{line}] opus_demo wrote nothing"));
    }
    if a != b {
        failures.push(format!(
            "[{line}] output differs: {} vs {} bytes, first difference at {:?}",
            a.len(),
            b.len(),
            a.iter().zip(&b).position(|(x, y)| x != y)
        ));
    }
    let skip_first = |s: &str| s.lines().skip(1).map(str::to_owned).collect::<Vec<_>>();
    let their_err = skip_first(&String::from_utf8_lossy(&c.stderr));
    let our_err = skip_first(&String::from_utf8_lossy(&log));
    if their_err != our_err {
        failures.push(format!("[{line}] stderr differs:\n  theirs {their_err:?}\n  ours   {our_err:?}"));
    }
    let _ = std::fs::remove_file(&theirs);
    let _ = std::fs::remove_file(&ours);
}

/// Encoder-only runs (`-e`): the bitstream records.
const ENCODE_ONLY: &[&str] = &[
    "-e voip 16000 1 16000 speech16.pcm",
    "-e voip 8000 1 6000 -bandwidth NB speech8.pcm",
    "-e voip 16000 1 24000 -inbandfec -loss 10 speech16.pcm",
    "-e voip 48000 1 12000 -dtx speech48.pcm",
    "-e voip 16000 1 10000 -dtx -complexity 5 bursts16.pcm",
    "-e audio 48000 1 24000 -dtx bursts48.pcm",
    "-e audio 48000 2 64000 chords48s.pcm",
    "-e audio 48000 2 128000 -cbr chords48s.pcm",
    "-e audio 48000 2 96000 -cvbr panning48s.pcm",
    "-e audio 48000 1 256000 -framesize 2.5 notes48.pcm",
    "-e audio 48000 2 48000 -framesize 5 panning48s.pcm",
    "-e audio 48000 2 32000 -framesize 10 -complexity 0 chords48s.pcm",
    "-e audio 48000 1 20000 -framesize 40 -complexity 5 speech48.pcm",
    "-e voip 16000 1 20000 -framesize 60 speech16.pcm",
    "-e audio 48000 2 80000 -framesize 80 chords48s.pcm",
    "-e voip 24000 1 24000 -framesize 100 speech24.pcm",
    "-e audio 48000 2 64000 -framesize 120 panning48s.pcm",
    "-e restricted-lowdelay 48000 2 64000 chords48s.pcm",
    "-e restricted-lowdelay 24000 1 32000 -framesize 10 speech24.pcm",
    "-e restricted-lowdelay 8000 1 12000 -cbr speech8.pcm",
    "-e audio 48000 2 40000 -forcemono speech48s.pcm",
    "-e voip 24000 2 28000 -forcemono -inbandfec -loss 5 speech24s.pcm",
    "-e audio 48000 2 64000 -f32 chords48s.f32",
    "-e voip 16000 1 18000 -f32 speech16.f32",
    "-e audio 48000 1 48000 -24 speech48.s24",
    "-e audio 48000 2 160000 -24 -cbr chords48s.s24",
    "-e voip 16000 1 16000 -bandwidth MB -complexity 0 speech16.pcm",
    "-e audio 48000 1 32000 -bandwidth WB speech48.pcm",
    "-e audio 48000 2 48000 -bandwidth SWB panning48s.pcm",
    "-e audio 48000 2 96000 -bandwidth FB -cbr chords48s.pcm",
    "-e audio 12000 1 16000 notes12.pcm",
    "-e voip 12000 1 12000 -complexity 10 -cvbr speech12.pcm",
    "-e audio 16000 2 24000 -complexity 5 chords16s.pcm",
    "-e voip 48000 1 20000 -enc_loss -loss 20 speech48.pcm",
    "-e voip 16000 1 20000 -enc_loss -lossfile LOSS -inbandfec speech16.pcm",
    "-e voip 48000 1 16000 -sweep 500 -sweep_max 40000 speech48.pcm",
    "-e audio 48000 2 64000 -sweep -1000 chords48s.pcm",
    "-e audio 48000 1 32000 -random_framesize speech48.pcm",
    "-e voip 16000 1 20000 -random_fec -loss 5 speech16.pcm",
    "-e voip 16000 1 14000 -random_fec -random_framesize -inbandfec -loss 10 speech16.pcm",
    "-e voip 48000 2 24000 -random_fec -random_framesize -enc_loss -loss 10 mx_speech48_2.pcm",
    "-e voip 48000 1 20000 -silk16k_test speech48.pcm",
    "-e voip 24000 2 32000 -silk_bw_switch_test speech24s.pcm",
    "-e audio 48000 2 64000 -celt_test chords48s.pcm",
    "-e audio 48000 2 48000 -hybrid48k_test panning48s.pcm",
    "-e voip 8000 1 12000 -silk8k_test speech8.pcm",
    "-e voip 12000 2 16000 -silk12k_test mx_speech12_2.pcm",
    "-e voip 16000 1 20000 -silk_bw_switch_test speech16.pcm",
    "-e audio 24000 1 32000 -hybrid24k_test speech24.pcm",
    "-e audio 48000 2 128000 -celt_hq_test chords48s.pcm",
    "-e audio 48000 2 128000 -max_payload 100 -cbr chords48s.pcm",
    "-e audio 48000 1 64000 -max_payload 0 notes48.pcm",
    "-e audio 48000 1 0 notes48.pcm",
    "-e restricted-silk 16000 1 20000 speech16.pcm",
    "-e restricted-silk 8000 1 12000 -cbr speech8.pcm",
    "-e restricted-silk 48000 1 24000 speech48.pcm",
    "-e restricted-silk 48000 2 32000 -framesize 40 speech48s.pcm",
    "-e restricted-silk 16000 2 24000 -framesize 60 -inbandfec -loss 10 mx_speech16_2.pcm",
    "-e restricted-silk 48000 1 64000 -bandwidth FB -cvbr speech48.pcm",
    "-e restricted-silk 48000 1 20000 -framesize 120 -complexity 0 speech48.pcm",
    "-e restricted-silk 16000 1 16000 -dtx bursts16.pcm",
    "-e restricted-silk 24000 2 28000 -forcemono speech24s.pcm",
    "-e restricted-silk 48000 1 20000 -silk_bw_switch_test speech48.pcm",
    "-e restricted-silk 48000 2 48000 -hybrid48k_test panning48s.pcm",
    "-e restricted-silk 16000 1 20000 -framesize 5 speech16.pcm",
    "-e restricted-silk 48000 2 20000 -framesize 2.5 speech48s.pcm",
    "-e restricted-silk 16000 1 20000 -random_framesize speech16.pcm",
    "-e restricted-silk 48000 1 16000 -sweep 500 -sweep_max 40000 speech48.pcm",
    "-e restricted-celt 48000 2 64000 chords48s.pcm",
    "-e restricted-celt 16000 1 24000 -framesize 2.5 speech16.pcm",
    "-e restricted-celt 8000 1 12000 -cbr speech8.pcm",
    "-e restricted-celt 48000 1 32000 -framesize 60 speech48.pcm",
    "-e restricted-celt 48000 2 96000 -framesize 5 -complexity 10 panning48s.pcm",
    "-e restricted-celt 24000 2 48000 -bandwidth MB speech24s.pcm",
    "-e restricted-celt 48000 2 64000 -hybrid48k_test panning48s.pcm",
    "-e restricted-celt 48000 1 40000 -random_framesize -dtx speech48.pcm",
];

/// Encode-then-decode runs (neither `-e` nor `-d`): the decoded PCM.
const ENCODE_DECODE: &[&str] = &[
    "voip 16000 1 20000 speech16.pcm",
    "audio 48000 2 64000 chords48s.pcm",
    "voip 16000 1 24000 -inbandfec -loss 10 speech16.pcm",
    "voip 48000 1 32000 -inbandfec -loss 20 -dec_complexity 5 speech48.pcm",
    "restricted-lowdelay 48000 1 48000 -framesize 5 notes48.pcm",
    "audio 48000 2 96000 -f32 chords48s.f32",
    "audio 24000 2 48000 -24 -cvbr panning24s.pcm",
    "voip 8000 1 8000 -dtx speech8.pcm",
    "voip 48000 2 32000 -lossfile LOSS -inbandfec speech48s.pcm",
    "audio 48000 1 24000 -framesize 60 -loss 15 speech48.pcm",
    "audio 12000 1 16000 -cbr notes12.pcm",
    "audio 48000 1 40000 -random_framesize -dec_complexity 2 notes48.pcm",
    "audio 48000 2 40000 -forcemono -complexity 0 speech48s.pcm",
    "voip 16000 1 12000 -sweep 300 -sweep_max 24000 -loss 5 speech16.pcm",
    "audio 48000 2 256000 -framesize 120 panning48s.pcm",
    "voip 8000 1 10000 -random_framesize -random_fec -inbandfec -loss 10 speech8.pcm",
    "audio 48000 1 64000 -24 -celt_test notes48.pcm",
    "voip 16000 2 24000 -silk16k_test -f32 -lossfile LOSS mx_speech16_2.pcm",
    "restricted-silk 16000 1 20000 speech16.pcm",
    "restricted-silk 48000 2 32000 -inbandfec -loss 10 speech48s.pcm",
    "restricted-silk 8000 1 10000 -framesize 60 speech8.pcm",
    "restricted-silk 8000 1 10000 -framesize 5 speech8.pcm",
    "restricted-celt 48000 1 48000 notes48.pcm",
    "restricted-celt 16000 2 32000 -framesize 10 mx_speech16_2.pcm",
    "restricted-celt 8000 1 16000 -framesize 2.5 -loss 10 speech8.pcm",
];

/// `-delayed-decision`: two seconds per encode call, coded at the chosen frame size, with the
/// analysis (complexity 10) looking ahead over the rest.
const DELAYED_DECISION: &[&str] = &[
    "-e voip 16000 1 20000 -delayed-decision -complexity 10 speech16.pcm",
    "-e audio 48000 1 64000 -delayed-decision -complexity 10 mx_music48_1.pcm",
    "-e audio 48000 2 96000 -delayed-decision -complexity 10 -framesize 10 mx_speech48_2.pcm",
    "-e voip 48000 2 32000 -delayed-decision -complexity 10 -framesize 40 mx_music48_2.pcm",
    "-e audio 16000 2 32000 -delayed-decision -complexity 10 -framesize 60 mx_speech16_2.pcm",
    "-e audio 48000 1 48000 -delayed-decision -complexity 10 -framesize 2.5 -cbr notes48.pcm",
    "-e voip 16000 1 24000 -delayed-decision -complexity 10 -framesize 120 -f32 speech16.f32",
    "-e audio 48000 2 128000 -delayed-decision -complexity 10 -framesize 5 -24 chords48s.s24",
    "voip 16000 1 20000 -delayed-decision -complexity 10 speech16.pcm",
    "audio 48000 2 64000 -delayed-decision -complexity 10 mx_speech48_2.pcm",
    "audio 48000 1 48000 -delayed-decision -complexity 10 -framesize 10 mx_music48_1.pcm",
    "voip 48000 1 24000 -delayed-decision -complexity 10 -framesize 40 -inbandfec -loss 10 speech48.pcm",
    "audio 16000 2 40000 -delayed-decision -complexity 10 -framesize 80 mx_music16_2.pcm",
    "voip 16000 2 28000 -delayed-decision -complexity 10 -framesize 5 mx_speech16_2.pcm",
    "audio 48000 2 96000 -delayed-decision -complexity 10 -framesize 100 -cvbr panning48s.pcm",
    "-e restricted-silk 16000 1 20000 -delayed-decision -complexity 10 speech16.pcm",
    "-e restricted-silk 16000 1 20000 -delayed-decision -framesize 5 speech16.pcm",
    "restricted-celt 48000 2 64000 -delayed-decision -complexity 10 -framesize 10 mx_music48_2.pcm",
];

/// Applications x rates x channels, each encoded alone and encoded then decoded, with the
/// bitrate, frame size, complexity, rate control and content varying from run to run.
fn matrix() -> Vec<String> {
    let bitrates = [6000, 9000, 12000, 16000, 24000, 32000, 48000, 64000, 96000, 128000, 192000, 256000];
    let frames = ["20", "10", "40", "60", "2.5", "5", "20", "80", "120", "100"];
    let complexities = [10, 5, 0];
    let controls = ["", "-cbr", "-cvbr"];
    let mut lines = Vec::new();
    let mut k = 0usize;
    for app in ["voip", "audio", "restricted-lowdelay", "restricted-silk", "restricted-celt"] {
        for rate in [8000, 12000, 16000, 24000, 48000] {
            for ch in [1, 2] {
                for direction in ["-e ", ""] {
                    let content = if (k / 2) % 2 == 0 { "speech" } else { "music" };
                    let frame = frames[k % frames.len()];
                    lines.push(format!(
                        "{direction}{app} {rate} {ch} {} -framesize {frame} -complexity {} {} mx_{content}{}_{ch}.pcm",
                        bitrates[(k * 5) % bitrates.len()] * if ch == 2 { 3 } else { 2 } / 2,
                        complexities[k % 3],
                        controls[(k / 3) % 3],
                        rate / 1000
                    ));
                    k += 1;
                }
            }
        }
    }
    lines
}

#[test]
fn demo_encode_matches_libopus_opus_demo() {
    assert!(Path::new(OPUS_DEMO).exists(), "opus_demo was not built: {OPUS_DEMO}");
    let dir = TempDir(std::env::temp_dir().join(format!("dred-opus-demo-encode-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    write_inputs(&dir.0);
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut lines: Vec<String> =
        ENCODE_ONLY.iter().chain(ENCODE_DECODE).chain(DELAYED_DECISION).map(|s| s.to_string()).collect();
    lines.extend(matrix());
    for (k, line) in lines.iter().enumerate() {
        compare(&dir.0, k, line, &mut failures);
        compared += 1;
    }
    eprintln!("opus_demo encode comparisons: {compared} runs, {} failed", failures.len());
    assert!(failures.is_empty(), "{} of {compared} runs differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn refused_options_write_nothing() {
    let dir = TempDir(std::env::temp_dir().join(format!("dred-opus-demo-refuse-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let input = dir.0.join("in.pcm");
    write_s16(&input, &[0i16; 960 * 4]);
    let out = dir.0.join("out.bit");
    for line in [
        "-e voip 16000 1 20000 -dred 10",
        "voip 16000 1 20000 -dred 5",
    ] {
        let mut args: Vec<String> = line.split_whitespace().map(String::from).collect();
        args.push(input.to_str().unwrap().into());
        args.push(out.to_str().unwrap().into());
        let parsed = DemoArgs::parse(&args).unwrap();
        let mut log = Vec::new();
        assert!(matches!(run_with_log(&parsed, &mut log), Err(DemoError::NotYetSupported(_))), "{line}");
        assert!(!out.exists(), "{line}");
    }
}

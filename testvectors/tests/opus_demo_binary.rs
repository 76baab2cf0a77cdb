//! `dred-opus demo -d` against libopus 1.6.1's own `opus_demo` program (built by the oracle's
//! build script from the vendored source, linked with the generic-C build): same command
//! line, same input, and the output files must be identical byte for byte; so must everything
//! opus_demo writes to stderr except its first line (the library version string).
//!
//! Streams: SILK, hybrid, CELT and automatic-mode streams from libopus's encoder, with in-band
//! FEC, decoded at several rates and channel counts, in the three sample formats, with and
//! without simulated loss (`-loss`, which uses the C library's `rand()`, and `-lossfile`), at
//! decoder complexities 0 to 10 (deep PLC from 5 up), and the bundled speech stream that
//! carries LBRR and DRED, so losses are recovered from LBRR, DRED and deep PLC.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;

use dred_opus::demo::{run_with_log, DemoArgs};
use dred_opus_testvectors::signals::Clip;
use opus_oracle::{ctl, Build, Encoder, OPUS_DEMO};

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn encode_stream(path: &Path, mode: i32, bitrate: i32, frame_ms10: usize, channels: usize, fec: bool) {
    let speech = Clip::A0007.load_48k().unwrap();
    let other = Clip::A0009.load_48k().unwrap();
    let app = if mode == ctl::MODE_CELT_ONLY { ctl::APPLICATION_AUDIO } else { ctl::APPLICATION_VOIP };
    let mut enc = Encoder::new(Build::Generic, 48000, channels, app).unwrap();
    enc.set(ctl::SET_BITRATE, bitrate).unwrap();
    enc.set(ctl::SET_FORCE_MODE, mode).unwrap();
    enc.set(ctl::SET_INBAND_FEC, fec as i32).unwrap();
    enc.set(ctl::SET_PACKET_LOSS_PERC, if fec { 15 } else { 0 }).unwrap();
    let (code, frame) = match frame_ms10 {
        100 => (ctl::FRAMESIZE_10_MS, 480),
        200 => (ctl::FRAMESIZE_20_MS, 960),
        400 => (ctl::FRAMESIZE_40_MS, 1920),
        _ => (ctl::FRAMESIZE_60_MS, 2880),
    };
    enc.set(ctl::SET_EXPERT_FRAME_DURATION, code).unwrap();
    let n = speech.len().min(other.len()) / frame * frame;
    let mut pcm = vec![0i16; frame * channels];
    let mut pkt = [0u8; 1500];
    let mut out = Vec::new();
    for start in (0..n).step_by(frame) {
        for i in 0..frame {
            pcm[i * channels] = speech[start + i];
            if channels == 2 {
                pcm[i * 2 + 1] = other[start + i];
            }
        }
        let len = enc.encode(&pcm, frame, &mut pkt).unwrap();
        out.extend_from_slice(&(len as u32).to_be_bytes());
        out.extend_from_slice(&enc.final_range().to_be_bytes());
        out.extend_from_slice(&pkt[..len]);
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn demo_decode_matches_libopus_opus_demo() {
    assert!(Path::new(OPUS_DEMO).exists(), "opus_demo was not built: {OPUS_DEMO}");
    let dir = TempDir(std::env::temp_dir().join(format!("dred-opus-opus-demo-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let streams = [
        ("silk_wb_fec", ctl::MODE_SILK_ONLY, 20000, 200, 1, true),
        ("silk_60ms_stereo_fec", ctl::MODE_SILK_ONLY, 32000, 600, 2, true),
        ("hybrid_fb", ctl::MODE_HYBRID, 40000, 200, 2, false),
        ("celt_fb_10ms", ctl::MODE_CELT_ONLY, 64000, 100, 2, false),
        ("auto_40ms", ctl::AUTO, 28000, 400, 1, true),
        ("sample_dred", 0, 0, 0, 1, true),
    ];
    // A loss pattern with isolated and consecutive losses.
    let pattern = "0\n0\n1\n0\n0\n1\n1\n0\n0\n0\n0\n1\n1\n1\n0\n0\n0\n0\n0\n1\n";
    let lossfile = dir.0.join("loss.txt");
    std::fs::write(&lossfile, pattern.repeat(20)).unwrap();
    let lossfile = lossfile.to_str().unwrap().to_string();
    let option_sets: [&[&str]; 8] = [
        &[],
        &["-f32"],
        &["-24", "-dec_complexity", "3"],
        &["-lossfile", &lossfile],
        &["-loss", "15", "-dec_complexity", "4"],
        &["-f32", "-lossfile", &lossfile, "-dec_complexity", "1"],
        // Deep PLC (FARGAN) conceals at complexity 5 and up.
        &["-loss", "20", "-dec_complexity", "10"],
        &["-24", "-lossfile", &lossfile, "-dec_complexity", "5"],
    ];
    let outputs = [(48000, 2), (16000, 1), (24000, 2), (8000, 1), (12000, 2)];
    let mut compared = 0;
    for (k, (name, mode, br, ms10, ch, fec)) in streams.iter().enumerate() {
        let bit = dir.0.join(format!("{name}.bit"));
        if *name == "sample_dred" {
            // The bundled stream: 32 kb/s SILK WB with LBRR and DRED.
            let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/sample_speech_dred.bit");
            std::fs::copy(fixture, &bit).unwrap();
        } else {
            encode_stream(&bit, *mode, *br, *ms10, *ch, *fec);
        }
        for (j, opts) in option_sets.iter().enumerate() {
            let (rate, och) = outputs[(k + j) % outputs.len()];
            let mut args: Vec<String> = vec!["-d".into(), rate.to_string(), och.to_string()];
            args.extend(opts.iter().map(|s| s.to_string()));
            let theirs = dir.0.join(format!("{name}.{j}.theirs"));
            let ours = dir.0.join(format!("{name}.{j}.ours"));
            let mut their_args = args.clone();
            their_args.push(bit.to_str().unwrap().into());
            their_args.push(theirs.to_str().unwrap().into());
            let c = Command::new(OPUS_DEMO).args(&their_args).output().unwrap();
            assert!(c.status.success(), "opus_demo {their_args:?}: {}", String::from_utf8_lossy(&c.stderr));
            let mut our_args = args.clone();
            our_args.push(bit.to_str().unwrap().into());
            our_args.push(ours.to_str().unwrap().into());
            let parsed = DemoArgs::parse(&our_args).unwrap();
            let mut log = Vec::new();
            run_with_log(&parsed, &mut log).unwrap_or_else(|e| panic!("demo {our_args:?}: {e}"));
            let a = std::fs::read(&theirs).unwrap();
            let b = std::fs::read(&ours).unwrap();
            assert!(!a.is_empty());
            assert!(a == b, "{name} {args:?}: output differs ({} vs {} bytes, first difference at {:?})", a.len(), b.len(), a.iter().zip(&b).position(|(x, y)| x != y));
            // stderr: everything but the version line.
            let their_err = String::from_utf8_lossy(&c.stderr);
            let our_err = String::from_utf8_lossy(&log);
            let skip_first = |s: &str| s.lines().skip(1).map(str::to_owned).collect::<Vec<_>>();
            assert_eq!(skip_first(&our_err), skip_first(&their_err), "{name} {args:?}: stderr");
            compared += 1;
        }
    }
    assert_eq!(compared, streams.len() * option_sets.len());
}

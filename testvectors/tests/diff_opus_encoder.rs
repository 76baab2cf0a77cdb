//! Differential test: our Opus encoder (`opus_core::encoder::OpusEncoder`)
//! against libopus 1.6.1's generic C float build (`opus_oracle::Encoder`,
//! `Build::Generic`).
//!
//! Both encoders get the same settings and the same PCM (CMU ARCTIC speech from
//! `fixtures/` resampled to 48 kHz, and the synthetic music of `signals`), and
//! every packet is compared byte for byte, with its final range. Every packet of
//! ours must also decode with libopus, to the same final range.
//!
//! Configurations cover SILK-only (VoIP, forced SILK, 8 to 32 kb/s, complexity 0
//! to 6, 10 to 60 ms, FEC, DTX, CBR), CELT-only (restricted low delay, 2.5 to 20
//! ms), hybrid, automatic mode with bitrate changes that force mode switches and
//! their redundant frames, and multi-frame packets of 40 to 120 ms. Complexity
//! stays below 7, where libopus runs its tonality analysis.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use dred_opus_testvectors::signals::{self, Clip, Synth};
use opus_core::encoder::{
    Application, Bitrate, EncoderConfig, FrameDuration, InbandFec, OpusEncoder, Signal,
};
use opus_core::packet::{Bandwidth, Mode};
use opus_oracle::{ctl, Build, Decoder, Encoder};

#[derive(Clone, Copy)]
enum Input {
    Speech,
    Music(Synth),
}

#[derive(Clone)]
struct Case {
    name: &'static str,
    channels: usize,
    input: Input,
    frame_ms2: usize, // frame duration in half-milliseconds... in units of 2.5 ms / 2
    cfg: EncoderConfig,
    /// Bitrate changes: from frame index, new bitrate.
    switches: Vec<(usize, i32)>,
    float: bool,
    /// Whether the configuration is expected to match libopus bit for bit.
    exact: bool,
}

fn app_value(a: Application) -> i32 {
    a.libopus_value()
}

fn oracle_for(case: &Case) -> Encoder {
    let c = &case.cfg;
    let mut e = Encoder::new(Build::Generic, 48000, case.channels, app_value(app_of(c))).expect("libopus encoder");
    let s = |e: &mut Encoder, r: i32, v: i32| e.set(r, v).expect("ctl");
    let d = format!("{c:?}");
    // The config's fields are crate-private; the test mirrors them from its Debug form.
    let field = |name: &str| -> String {
        let start = d.find(&format!("{name}: ")).expect("field") + name.len() + 2;
        let rest = &d[start..];
        let end = rest.find(", ").unwrap_or(rest.len() - 2);
        rest[..end].trim_end_matches(" }").to_string()
    };
    let bitrate = field("bitrate");
    let b = if bitrate == "Auto" {
        ctl::AUTO
    } else if bitrate == "Max" {
        ctl::BITRATE_MAX
    } else {
        bitrate.trim_start_matches("Bps(").trim_end_matches(')').parse().expect("bps")
    };
    s(&mut e, ctl::SET_BITRATE, b);
    s(&mut e, ctl::SET_VBR, i32::from(field("vbr") == "true"));
    s(&mut e, ctl::SET_VBR_CONSTRAINT, i32::from(field("vbr_constraint") == "true"));
    s(&mut e, ctl::SET_COMPLEXITY, field("complexity").parse().expect("complexity"));
    let bw = |v: &str| match v {
        "Narrowband" => ctl::BANDWIDTH_NARROWBAND,
        "Mediumband" => ctl::BANDWIDTH_MEDIUMBAND,
        "Wideband" => ctl::BANDWIDTH_WIDEBAND,
        "Superwideband" => ctl::BANDWIDTH_SUPERWIDEBAND,
        _ => ctl::BANDWIDTH_FULLBAND,
    };
    s(&mut e, ctl::SET_MAX_BANDWIDTH, bw(&field("max_bandwidth")));
    let ub = field("bandwidth");
    if ub != "None" {
        s(&mut e, ctl::SET_BANDWIDTH, bw(ub.trim_start_matches("Some(").trim_end_matches(')')));
    }
    let fm = field("force_mode");
    if fm != "None" {
        let m = match fm.as_str() {
            "Some(SilkOnly)" => 1000,
            "Some(Hybrid)" => 1001,
            _ => 1002,
        };
        s(&mut e, ctl::SET_FORCE_MODE, m);
    }
    let sig = match field("signal").as_str() {
        "Voice" => ctl::SIGNAL_VOICE,
        "Music" => ctl::SIGNAL_MUSIC,
        _ => ctl::AUTO,
    };
    s(&mut e, ctl::SET_SIGNAL, sig);
    let fd = match field("frame_duration").as_str() {
        "Arg" => ctl::FRAMESIZE_ARG,
        "Ms2_5" => ctl::FRAMESIZE_2_5_MS,
        "Ms5" => ctl::FRAMESIZE_5_MS,
        "Ms10" => ctl::FRAMESIZE_10_MS,
        "Ms20" => ctl::FRAMESIZE_20_MS,
        "Ms40" => ctl::FRAMESIZE_40_MS,
        "Ms60" => ctl::FRAMESIZE_60_MS,
        "Ms80" => ctl::FRAMESIZE_80_MS,
        "Ms100" => ctl::FRAMESIZE_100_MS,
        _ => ctl::FRAMESIZE_120_MS,
    };
    s(&mut e, ctl::SET_EXPERT_FRAME_DURATION, fd);
    let fec = match field("inband_fec").as_str() {
        "Off" => 0,
        "On" => 1,
        _ => 2,
    };
    s(&mut e, ctl::SET_INBAND_FEC, fec);
    s(&mut e, ctl::SET_PACKET_LOSS_PERC, field("packet_loss_perc").parse().expect("loss"));
    s(&mut e, ctl::SET_DTX, i32::from(field("dtx") == "true"));
    s(&mut e, ctl::SET_LSB_DEPTH, field("lsb_depth").parse().expect("depth"));
    s(&mut e, ctl::SET_PREDICTION_DISABLED, i32::from(field("prediction_disabled") == "true"));
    let fc = field("force_channels");
    if fc != "None" {
        s(&mut e, ctl::SET_FORCE_CHANNELS, fc.trim_start_matches("Some(").trim_end_matches(')').parse().expect("fc"));
    }
    s(&mut e, ctl::SET_PHASE_INVERSION_DISABLED, i32::from(field("phase_inversion_disabled") == "true"));
    e
}

fn app_of(c: &EncoderConfig) -> Application {
    let d = format!("{c:?}");
    if d.contains("application: Voip") {
        Application::Voip
    } else if d.contains("application: RestrictedLowDelay") {
        Application::RestrictedLowDelay
    } else {
        Application::Audio
    }
}

fn input(case: &Case) -> Vec<i16> {
    match case.input {
        Input::Speech => {
            let a = Clip::A0007.load_48k().expect("fixture");
            let b = Clip::A0009.load_48k().expect("fixture");
            if case.channels == 2 {
                signals::stereo_pair(&a, &b)
            } else {
                let mut v = a;
                v.extend_from_slice(&b);
                v
            }
        }
        Input::Music(kind) => signals::synth(kind, 7, 4.0, case.channels),
    }
}

struct Outcome {
    name: &'static str,
    packets: usize,
    identical: usize,
    first_diff: Option<String>,
    decode_failures: usize,
    mode_switches: usize,
}

fn run(case: &Case) -> Outcome {
    let pcm = input(case);
    let ch = case.channels;
    let frame = case.frame_ms2 * 48000 / 400; // frame_ms2 counts 2.5 ms units
    let mut ours = OpusEncoder::with_config(48000, ch, &case.cfg).expect("our encoder");
    let mut theirs = oracle_for(case);
    let mut dec = Decoder::new(Build::Generic, 48000, ch).expect("decoder");
    let mut a = vec![0u8; 4000];
    let mut b = vec![0u8; 4000];
    let mut out_pcm = vec![0i16; 5760 * ch];
    let mut o = Outcome { name: case.name, packets: 0, identical: 0, first_diff: None, decode_failures: 0, mode_switches: 0 };
    let mut prev_mode = None;
    let nframes = pcm.len() / (frame * ch);
    for i in 0..nframes {
        for &(at, rate) in &case.switches {
            if at == i {
                let cfg = *ours.config();
                ours.set_config(&cfg.bitrate(Bitrate::Bps(rate))).expect("set bitrate");
                theirs.set(ctl::SET_BITRATE, rate).expect("ctl");
            }
        }
        let x = &pcm[i * frame * ch..(i + 1) * frame * ch];
        let max = 1275.min(a.len());
        let (la, lb) = if case.float {
            let xf: Vec<f32> = x.iter().map(|&v| f32::from(v) / 32768.0).collect();
            (
                ours.encode_float(&xf, &mut a[..max]).expect("ours"),
                theirs.encode_float(&xf, frame, &mut b[..max]).expect("libopus"),
            )
        } else {
            (ours.encode(x, &mut a[..max]).expect("ours"), theirs.encode(x, frame, &mut b[..max]).expect("libopus"))
        };
        let (ra, rb) = (ours.final_range(), theirs.final_range());
        o.packets += 1;
        let mode = if a[0] & 0x80 != 0 { 2 } else if a[0] & 0x60 == 0x60 { 1 } else { 0 };
        if prev_mode.is_some_and(|p| p != mode) {
            o.mode_switches += 1;
        }
        prev_mode = Some(mode);
        if a[..la] == b[..lb] && ra == rb {
            o.identical += 1;
        } else if o.first_diff.is_none() {
            let pos = a[..la].iter().zip(&b[..lb]).position(|(p, q)| p != q).unwrap_or(la.min(lb));
            o.first_diff = Some(format!(
                "packet {i}: len {la} vs {lb}, toc {:02x} vs {:02x}, first differing byte {pos}, rng {ra:08x} vs {rb:08x}",
                a[0], b[0]
            ));
        }
        match dec.decode(Some(&a[..la]), &mut out_pcm, 5760, false) {
            Ok(_) => {
                if la > 1 && dec.final_range() != ra {
                    o.decode_failures += 1;
                }
            }
            Err(_) => o.decode_failures += 1,
        }
    }
    o
}

fn base(app: Application) -> EncoderConfig {
    EncoderConfig::new(app)
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let mut add = |name, channels, input, frame_ms2, cfg, switches: Vec<(usize, i32)>, float, exact| {
        v.push(Case { name, channels, input, frame_ms2, cfg, switches, float, exact })
    };
    let silk = |rate, cx| {
        base(Application::Voip).force_mode(Some(Mode::SilkOnly)).bitrate(Bitrate::Bps(rate)).complexity(cx)
    };
    // SILK-only, VoIP, 20 ms.
    add("silk 8k c0", 1, Input::Speech, 8, silk(8000, 0), vec![], false, true);
    add("silk 12k c2", 1, Input::Speech, 8, silk(12000, 2), vec![], false, true);
    add("silk 16k c4", 1, Input::Speech, 8, silk(16000, 4), vec![], false, true);
    add("silk 24k c5", 1, Input::Speech, 8, silk(24000, 5), vec![], true, true);
    add("silk 32k c6", 1, Input::Speech, 8, silk(32000, 6), vec![], false, true);
    add("silk 10ms 16k c3", 1, Input::Speech, 4, silk(16000, 3), vec![], false, true);
    add("silk 40ms 16k c3", 1, Input::Speech, 16, silk(16000, 3), vec![], false, true);
    add("silk 60ms 12k c1", 1, Input::Speech, 24, silk(12000, 1), vec![], false, true);
    add("silk cbr 20k c4", 1, Input::Speech, 8, silk(20000, 4).vbr(false), vec![], false, true);
    add(
        "silk fec 20k loss10 c4",
        1,
        Input::Speech,
        8,
        silk(20000, 4).inband_fec(InbandFec::On).packet_loss_perc(10),
        vec![],
        false,
        true,
    );
    add("silk dtx 16k c4", 1, Input::Speech, 8, silk(16000, 4).dtx(true), vec![], false, true);
    add("silk stereo 24k c4", 2, Input::Speech, 8, silk(24000, 4), vec![], false, true);
    add("silk nb 12k c4", 1, Input::Speech, 8, silk(12000, 4).max_bandwidth(Bandwidth::Narrowband), vec![], false, true);
    // CELT-only, restricted low delay.
    let celt = |rate, cx| base(Application::RestrictedLowDelay).bitrate(Bitrate::Bps(rate)).complexity(cx);
    add("celt 20ms 64k c5", 1, Input::Music(Synth::Chords), 8, celt(64000, 5), vec![], false, true);
    add("celt 10ms 32k c3", 1, Input::Speech, 4, celt(32000, 3), vec![], true, true);
    add("celt 5ms 96k c6", 2, Input::Music(Synth::Panning), 2, celt(96000, 6), vec![], false, true);
    add("celt 2.5ms 128k c0", 1, Input::Music(Synth::Notes), 1, celt(128000, 0), vec![], false, true);
    add("celt cbr 20ms 48k c5", 2, Input::Speech, 8, celt(48000, 5).vbr(false), vec![], false, true);
    add("celt cvbr off 20ms 40k c4", 1, Input::Music(Synth::Sweep), 8, celt(40000, 4).vbr_constraint(false), vec![], false, true);
    // Hybrid.
    let hyb = |rate, cx| base(Application::Audio).force_mode(Some(Mode::Hybrid)).bitrate(Bitrate::Bps(rate)).complexity(cx);
    add("hybrid 20ms 32k c5", 1, Input::Speech, 8, hyb(32000, 5), vec![], false, true);
    add("hybrid 10ms 24k c4", 1, Input::Speech, 4, hyb(24000, 4), vec![], false, true);
    add("hybrid stereo 48k c6", 2, Input::Speech, 8, hyb(48000, 6), vec![], false, true);
    add("hybrid cbr 36k c5", 1, Input::Music(Synth::Chords), 8, hyb(36000, 5).vbr(false), vec![], false, true);
    add("hybrid fec 32k loss5", 1, Input::Speech, 8, hyb(32000, 5).inband_fec(InbandFec::On).packet_loss_perc(5), vec![], false, true);
    // Automatic mode, with bitrate changes forcing SILK/CELT switches.
    let auto = |app, rate, cx| base(app).bitrate(Bitrate::Bps(rate)).complexity(cx);
    add("auto audio speech 16k->64k->12k", 1, Input::Speech, 8, auto(Application::Audio, 16000, 5), vec![(60, 64000), (120, 12000), (170, 96000)], false, true);
    add("auto voip speech 12k->80k", 1, Input::Speech, 8, auto(Application::Voip, 12000, 6), vec![(50, 80000), (100, 20000), (150, 70000)], false, true);
    add("auto audio music 48k stereo", 2, Input::Music(Synth::Panning), 8, auto(Application::Audio, 48000, 5), vec![(60, 16000), (120, 64000)], false, true);
    add("auto audio 10ms 20k->90k", 1, Input::Speech, 4, auto(Application::Audio, 20000, 4), vec![(150, 90000), (300, 20000)], false, true);
    add("auto audio voice signal 24k", 1, Input::Speech, 8, auto(Application::Audio, 24000, 5).signal(Signal::Voice), vec![], true, true);
    add("auto audio default bitrate c6", 2, Input::Music(Synth::Chords), 8, base(Application::Audio).complexity(6), vec![], false, true);
    // Multi-frame packets.
    add("multi silk 80ms 16k", 1, Input::Speech, 32, silk(16000, 4).frame_duration(FrameDuration::Ms80), vec![], false, true);
    add("multi silk 120ms 20k", 1, Input::Speech, 48, silk(20000, 3).frame_duration(FrameDuration::Ms120), vec![], false, true);
    add("multi celt 40ms 64k", 1, Input::Music(Synth::Notes), 16, celt(64000, 5).frame_duration(FrameDuration::Ms40), vec![], false, true);
    add("multi hybrid 60ms 32k cbr", 1, Input::Speech, 24, hyb(32000, 5).vbr(false).frame_duration(FrameDuration::Ms60), vec![], false, true);
    add("multi auto 100ms 24k", 1, Input::Speech, 40, auto(Application::Audio, 24000, 5).frame_duration(FrameDuration::Ms100), vec![], false, true);
    // Complexity 7 and up: the tonality analysis drives the decisions.
    add("analysis silk c9 16k", 1, Input::Speech, 8, silk(16000, 9), vec![], false, true);
    add("analysis celt c8 64k", 2, Input::Music(Synth::Chords), 8, celt(64000, 8), vec![], true, true);
    add("analysis hybrid c10 32k", 1, Input::Speech, 8, hyb(32000, 10), vec![], false, true);
    add("analysis auto c9 speech 16k->64k", 1, Input::Speech, 8, auto(Application::Audio, 16000, 9), vec![(60, 64000), (120, 12000), (170, 96000)], false, true);
    add("analysis auto c10 music stereo", 2, Input::Music(Synth::Panning), 8, auto(Application::Audio, 32000, 10), vec![(60, 12000), (120, 80000)], false, true);
    add("analysis auto default (c9, auto rate)", 1, Input::Music(Synth::Notes), 8, base(Application::Audio), vec![], true, true);
    add("analysis voip dtx c9 12k", 1, Input::Music(Synth::NoiseBursts), 8, auto(Application::Voip, 12000, 9).dtx(true), vec![], false, true);
    add("analysis multi 120ms c9 24k", 1, Input::Speech, 48, auto(Application::Audio, 24000, 9).frame_duration(FrameDuration::Ms120), vec![], false, true);
    add("analysis multi 60ms c10 10ms-frames auto", 1, Input::Speech, 24, auto(Application::Audio, 40000, 10).frame_duration(FrameDuration::Ms60), vec![], true, true);
    v
}

#[test]
fn packets_match_libopus() {
    let mut report = String::new();
    let mut failures = Vec::new();
    for case in cases() {
        let o = run(&case);
        report.push_str(&format!(
            "{:40} {:4}/{:4} identical, {:3} mode switches, decode mismatches {}{}\n",
            o.name,
            o.identical,
            o.packets,
            o.mode_switches,
            o.decode_failures,
            o.first_diff.as_deref().map(|s| format!("; first diff {s}")).unwrap_or_default()
        ));
        if o.decode_failures > 0 || (case.exact && o.identical != o.packets) {
            failures.push(o.name);
        }
    }
    println!("{report}");
    assert!(failures.is_empty(), "mismatching configurations: {failures:?}\n{report}");
}

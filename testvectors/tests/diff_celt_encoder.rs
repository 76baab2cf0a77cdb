//! Differential test: our CELT encoder (`opus_core::celt::encoder::CeltEncoder`)
//! against libopus 1.6.1's generic C float build.
//!
//! The oracle archive exports libopus's internal CELT entry points renamed with a
//! `gen_` prefix (`gen_celt_encoder_init`, `gen_opus_custom_encoder_ctl`,
//! `gen_celt_encode_with_ec`), so both encoders are driven with the same settings
//! the Opus layer gives CELT-only frames at 48 kHz (signalling off, end band from
//! the bandwidth, bitrate, VBR, constrained VBR, complexity) and fed the same float
//! PCM: speech from `fixtures/` and the synthetic music of `signals`, mono and
//! stereo, 2.5 to 20 ms, CBR, VBR and constrained VBR, 12 to 510 kb/s, complexity
//! 0 to 10.
//!
//! Criteria: every frame's bytes, length and final range identical; and each of our
//! frames, wrapped in a CELT-only TOC byte, decodes with libopus to the same final
//! range.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::os::raw::{c_int, c_void};

use dred_opus_testvectors::signals::{self, Clip, Synth};
use opus_core::celt::encoder::CeltEncoder;
use opus_oracle::{Build, Decoder};

extern "C" {
    fn gen_celt_encoder_get_size(channels: c_int) -> c_int;
    fn gen_celt_encoder_init(st: *mut c_void, fs: i32, channels: c_int, arch: c_int) -> c_int;
    fn gen_opus_custom_encoder_ctl(st: *mut c_void, request: c_int, ...) -> c_int;
    fn gen_celt_encode_with_ec(
        st: *mut c_void,
        pcm: *const f32,
        frame_size: c_int,
        compressed: *mut u8,
        nb_compressed_bytes: c_int,
        enc: *mut c_void,
    ) -> c_int;
}

const SET_BITRATE: c_int = 4002;
const SET_VBR: c_int = 4006;
const SET_COMPLEXITY: c_int = 4010;
const SET_VBR_CONSTRAINT: c_int = 4020;
const GET_FINAL_RANGE: c_int = 4031;
const CELT_SET_END_BAND: c_int = 10012;
const CELT_SET_SIGNALLING: c_int = 10016;
const CELT_SET_PREDICTION: c_int = 10002;
const CELT_SET_CHANNELS: c_int = 10008;
const SET_LSB_DEPTH: c_int = 4036;
const SET_PACKET_LOSS_PERC: c_int = 4014;
const SET_PHASE_INVERSION_DISABLED: c_int = 4046;
const RESET_STATE: c_int = 4028;

/// libopus's CELT encoder state, in a buffer of its own size.
struct RefEncoder {
    mem: Vec<u64>,
}

impl RefEncoder {
    fn new(channels: usize) -> Self {
        // SAFETY: plain value argument.
        let size = unsafe { gen_celt_encoder_get_size(channels as c_int) } as usize;
        let mut mem = vec![0u64; size / 8 + 1];
        // SAFETY: mem holds celt_encoder_get_size bytes, 8-byte aligned.
        let r = unsafe { gen_celt_encoder_init(mem.as_mut_ptr().cast(), 48000, channels as c_int, 0) };
        assert_eq!(r, 0);
        let mut e = RefEncoder { mem };
        e.ctl(CELT_SET_SIGNALLING, 0);
        e
    }

    fn ptr(&mut self) -> *mut c_void {
        self.mem.as_mut_ptr().cast()
    }

    fn ctl(&mut self, req: c_int, v: i32) {
        // SAFETY: set-style CTLs read one int vararg.
        let r = unsafe { gen_opus_custom_encoder_ctl(self.ptr(), req, v as c_int) };
        assert_eq!(r, 0, "ctl {req}");
    }

    fn final_range(&mut self) -> u32 {
        let mut v: u32 = 0;
        // SAFETY: OPUS_GET_FINAL_RANGE writes one opus_uint32 through the pointer.
        let r = unsafe { gen_opus_custom_encoder_ctl(self.ptr(), GET_FINAL_RANGE, &mut v as *mut u32) };
        assert_eq!(r, 0);
        v
    }

    fn encode(&mut self, pcm: &[f32], frame_size: usize, out: &mut [u8], nb: usize) -> i32 {
        // SAFETY: pcm holds frame_size*channels samples, out has nb writable bytes.
        unsafe {
            gen_celt_encode_with_ec(
                self.ptr(),
                pcm.as_ptr(),
                frame_size as c_int,
                out.as_mut_ptr(),
                nb as c_int,
                std::ptr::null_mut(),
            )
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Cfg {
    channels: usize,
    frame: usize,
    bitrate: i32,
    /// 0 CBR, 1 VBR, 2 constrained VBR.
    vbr: u8,
    complexity: i32,
    end_band: usize,
    /// CELT_SET_PREDICTION (2 = default).
    prediction: i32,
    /// CELT_SET_CHANNELS (coded channels).
    stream_channels: usize,
    lsb_depth: i32,
    loss: i32,
    disable_inv: bool,
    /// Reset both encoders at this frame.
    reset_at: Option<usize>,
}

impl Cfg {
    fn plain(channels: usize, frame: usize, bitrate: i32, vbr: u8, complexity: i32, end_band: usize) -> Self {
        Cfg {
            channels,
            frame,
            bitrate,
            vbr,
            complexity,
            end_band,
            prediction: 2,
            stream_channels: channels,
            lsb_depth: 24,
            loss: 0,
            disable_inv: false,
            reset_at: None,
        }
    }
}

/// Stream results: frames compared, identical frames, first mismatch.
struct Outcome {
    frames: usize,
    identical: usize,
    decoded_ok: usize,
    first_bad: Option<String>,
}

fn run(cfg: Cfg, pcm: &[f32]) -> Outcome {
    let ch = cfg.channels;
    let mut ours = CeltEncoder::new(48000, ch).unwrap();
    let mut theirs = RefEncoder::new(ch);
    ours.set_complexity(cfg.complexity).unwrap();
    theirs.ctl(SET_COMPLEXITY, cfg.complexity);
    ours.set_end_band(cfg.end_band).unwrap();
    theirs.ctl(CELT_SET_END_BAND, cfg.end_band as i32);
    ours.set_bitrate(cfg.bitrate).unwrap();
    theirs.ctl(SET_BITRATE, cfg.bitrate);
    ours.set_vbr(cfg.vbr != 0);
    theirs.ctl(SET_VBR, i32::from(cfg.vbr != 0));
    ours.set_vbr_constraint(cfg.vbr == 2);
    theirs.ctl(SET_VBR_CONSTRAINT, i32::from(cfg.vbr == 2));
    ours.set_prediction(cfg.prediction).unwrap();
    theirs.ctl(CELT_SET_PREDICTION, cfg.prediction);
    ours.set_stream_channels(cfg.stream_channels).unwrap();
    theirs.ctl(CELT_SET_CHANNELS, cfg.stream_channels as i32);
    ours.set_lsb_depth(cfg.lsb_depth).unwrap();
    theirs.ctl(SET_LSB_DEPTH, cfg.lsb_depth);
    ours.set_packet_loss_perc(cfg.loss).unwrap();
    theirs.ctl(SET_PACKET_LOSS_PERC, cfg.loss);
    ours.set_phase_inversion_disabled(cfg.disable_inv);
    theirs.ctl(SET_PHASE_INVERSION_DISABLED, i32::from(cfg.disable_inv));
    let mut dec = Decoder::new(Build::Generic, 48000, ch).unwrap();

    // The Opus layer's CELT budget: the bitrate's bytes in CBR, 1275 otherwise.
    let cbr_bytes = ((cfg.bitrate as usize * cfg.frame) / (8 * 48000)).clamp(2, 1275);
    let nb = if cfg.vbr == 0 { cbr_bytes } else { 1275 };
    let mut a = [0u8; 1276];
    let mut b = [0u8; 1276];
    let mut dec_out = vec![0.0f32; 960 * 2];
    let mut out = Outcome { frames: 0, identical: 0, decoded_ok: 0, first_bad: None };
    let lm = [120, 240, 480, 960].iter().position(|&f| f == cfg.frame).unwrap();
    for (k, frame) in pcm.chunks_exact(cfg.frame * ch).enumerate() {
        if cfg.reset_at == Some(k) {
            ours.reset();
            // SAFETY: OPUS_RESET_STATE takes no argument.
            assert_eq!(unsafe { gen_opus_custom_encoder_ctl(theirs.ptr(), RESET_STATE) }, 0);
        }
        let la = ours.encode_with_ec(frame, cfg.frame, None, &mut a[1..], nb);
        let lb = theirs.encode(frame, cfg.frame, &mut b[1..], nb);
        let ra = ours.final_range();
        let rb = theirs.final_range();
        out.frames += 1;
        let same = match la {
            Ok(la) => la as i32 == lb && a[1..1 + la] == b[1..1 + la] && ra == rb,
            Err(_) => false,
        };
        if same {
            out.identical += 1;
        } else if out.first_bad.is_none() {
            out.first_bad = Some(format!(
                "frame {k}: ours {:?} rng {ra:08x}, libopus {lb} rng {rb:08x}",
                la.map(|l| l.min(16)).map(|l| &a[1..1 + l])
            ));
        }
        if let Ok(la) = la {
            // CELT-only TOC: configs 16/20/24/28 (NB/WB/SWB/FB) plus the frame size,
            // stereo flag, code 0.
            let base = match cfg.end_band {
                13 => 16u8,
                17 => 20,
                19 => 24,
                _ => 28,
            };
            a[0] = ((base + lm as u8) << 3) | (u8::from(cfg.stream_channels == 2) << 2);
            if dec.decode_float(Some(&a[..1 + la]), &mut dec_out, cfg.frame, false).is_ok()
                && dec.final_range() == ra
            {
                out.decoded_ok += 1;
            }
        }
    }
    out
}

fn to_f32(x: &[i16]) -> Vec<f32> {
    x.iter().map(|&v| f32::from(v) * (1.0 / 32768.0)).collect()
}

#[test]
fn celt_encoder_matches_libopus_generic() {
    let a7 = Clip::A0007.load_48k().unwrap();
    let a9 = Clip::A0009.load_48k().unwrap();
    let secs = 1.5;
    let cut = |v: &[i16], ch: usize| v[..((secs * 48000.0) as usize * ch).min(v.len())].to_vec();
    let mut inputs: Vec<(&str, usize, Vec<f32>)> = vec![
        ("speech a0007", 1, to_f32(&cut(&a7, 1))),
        ("speech stereo", 2, to_f32(&cut(&signals::stereo_pair(&a7[..a9.len().min(a7.len())], &a9[..a9.len().min(a7.len())]), 2))),
    ];
    for (name, kind) in [
        ("chords", Synth::Chords),
        ("notes", Synth::Notes),
        ("noise bursts", Synth::NoiseBursts),
        ("sweep", Synth::Sweep),
        ("panning", Synth::Panning),
    ] {
        for ch in 1..=2 {
            inputs.push((name, ch, to_f32(&signals::synth(kind, 7, secs, ch))));
        }
    }
    let bitrates = [12000, 24000, 32000, 48000, 64000, 96000, 128000, 192000, 256000, 510000];
    let mut total = 0usize;
    let mut same = 0usize;
    let mut decoded = 0usize;
    let mut bad_cfgs = Vec::new();
    let mut idx = 0usize;
    for (name, ch, pcm) in &inputs {
        for &frame in &[120usize, 240, 480, 960] {
            for rep in 0..3 {
                idx += 1;
                let cfg = Cfg::plain(
                    *ch,
                    frame,
                    bitrates[(idx * 7 + rep * 3) % bitrates.len()],
                    ((idx + rep) % 3) as u8,
                    ((idx * 5 + rep * 7) % 11) as i32,
                    [21, 21, 17, 21, 13, 21, 19][(idx + rep) % 7],
                );
                let o = run(cfg, pcm);
                total += o.frames;
                same += o.identical;
                decoded += o.decoded_ok;
                if let Some(bad) = o.first_bad {
                    bad_cfgs.push(format!("{name} {cfg:?}: {}/{} identical; {bad}", o.identical, o.frames));
                }
            }
        }
    }
    println!("CELT encoder vs libopus generic: {same}/{total} frames identical, {decoded}/{total} decode to equal final range");
    for b in bad_cfgs.iter().take(40) {
        println!("  {b}");
    }
    assert!(bad_cfgs.is_empty(), "{} configurations differ", bad_cfgs.len());
    assert_eq!(decoded, total);
}

/// The less common settings: prediction off, downmix to one coded channel, 16-bit
/// depth, expected loss, no phase inversion, a reset mid-stream, and whole clips.
#[test]
fn celt_encoder_matches_libopus_generic_settings() {
    let a7 = Clip::A0007.load_48k().unwrap();
    let a9 = Clip::A0009.load_48k().unwrap();
    let len = a7.len().min(a9.len());
    let inputs: Vec<(&str, usize, Vec<f32>)> = vec![
        ("speech a0009", 1, to_f32(&a9)),
        ("speech stereo", 2, to_f32(&signals::stereo_pair(&a7[..len], &a9[..len]))),
        ("panning", 2, to_f32(&signals::synth(Synth::Panning, 11, 2.0, 2))),
        ("notes", 1, to_f32(&signals::synth(Synth::Notes, 11, 2.0, 1))),
    ];
    let mut total = 0usize;
    let mut same = 0usize;
    let mut decoded = 0usize;
    let mut bad_cfgs = Vec::new();
    let mut idx = 0usize;
    for (name, ch, pcm) in &inputs {
        for &frame in &[120usize, 240, 480, 960] {
            for variant in 0..6 {
                idx += 1;
                let mut cfg = Cfg::plain(
                    *ch,
                    frame,
                    [16000, 40000, 80000, 160000, 320000][idx % 5],
                    (idx % 3) as u8,
                    [10, 8, 5, 3, 9, 7][variant],
                    21,
                );
                match variant {
                    0 => cfg.prediction = 0,
                    1 => cfg.prediction = 1,
                    2 => cfg.stream_channels = 1,
                    3 => cfg.lsb_depth = 16,
                    4 => {
                        cfg.loss = 10;
                        cfg.disable_inv = true;
                    }
                    _ => cfg.reset_at = Some(40),
                }
                let o = run(cfg, pcm);
                total += o.frames;
                same += o.identical;
                decoded += o.decoded_ok;
                if let Some(bad) = o.first_bad {
                    bad_cfgs.push(format!("{name} {cfg:?}: {}/{} identical; {bad}", o.identical, o.frames));
                }
            }
        }
    }
    println!("CELT encoder settings vs libopus generic: {same}/{total} frames identical, {decoded}/{total} decode to equal final range");
    for b in bad_cfgs.iter().take(40) {
        println!("  {b}");
    }
    assert!(bad_cfgs.is_empty(), "{} configurations differ", bad_cfgs.len());
    assert_eq!(decoded, total);
}

//! Differential test on long streams whose every packet is encoded with random settings:
//! mode (automatic or forced SILK / hybrid / CELT), bandwidth, frame duration (2.5 to 120 ms),
//! forced channel count, bitrate (6 to 256 kb/s), in-band FEC, DTX and application, over
//! speech-like audio, music-like tones, noise and silence. libopus's encoder makes the packets
//! (so every switch it can produce, with its redundancy frames, appears); our decoder and
//! libopus's generic-C build decode them at every output rate and channel count with random
//! losses, half of them recovered through `decode_fec` with the next packet.
//!
//! Criterion: identical result or error code, final range, last packet duration and 16-bit
//! and float PCM after every call. Decoder complexity stays below 5 (no neural concealment).
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use opus_core::decoder::OpusDecoder;
use opus_core::packet::framing;
use opus_oracle::{ctl, Build, Decoder, Encoder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const MAX_FRAME: usize = 5760;

const DURATIONS: [(i32, usize); 9] = [
    (ctl::FRAMESIZE_2_5_MS, 120),
    (ctl::FRAMESIZE_5_MS, 240),
    (ctl::FRAMESIZE_10_MS, 480),
    (ctl::FRAMESIZE_20_MS, 960),
    (ctl::FRAMESIZE_40_MS, 1920),
    (ctl::FRAMESIZE_60_MS, 2880),
    (ctl::FRAMESIZE_80_MS, 3840),
    (ctl::FRAMESIZE_100_MS, 4800),
    (ctl::FRAMESIZE_120_MS, 5760),
];

/// Test audio at 48 kHz stereo: segments of voiced speech-like sound, chords, noise, silence.
struct Source {
    t: usize,
    kind: u8,
    f0: f64,
}

impl Source {
    fn fill(&mut self, rng: &mut StdRng, out: &mut [i16]) {
        for frame in out.chunks_exact_mut(2) {
            if self.t % 24000 == 0 {
                self.kind = rng.gen_range(0..4);
                self.f0 = rng.gen_range(80.0..400.0);
            }
            let t = self.t as f64 / 48000.0;
            let (l, r) = match self.kind {
                0 => {
                    let env = ((t * 4.0).fract() * std::f64::consts::PI).sin().max(0.0);
                    let v: f64 = (1..10).map(|h| (2.0 * std::f64::consts::PI * self.f0 * h as f64 * t).sin() / h as f64).sum();
                    (env * v * 0.3, env * v * 0.25)
                }
                1 => {
                    let v: f64 = [1.0, 1.25, 1.5].iter().map(|m| (2.0 * std::f64::consts::PI * self.f0 * m * t).sin()).sum();
                    (v * 0.2, v * 0.15 * (t * 3.0).cos())
                }
                2 => (rng.gen_range(-0.3..0.3), rng.gen_range(-0.3..0.3)),
                _ => (0.0, 0.0),
            };
            frame[0] = (l * 32767.0) as i16;
            frame[1] = (r * 32767.0) as i16;
            self.t += 1;
        }
    }
}

fn random_stream(rng: &mut StdRng, packets: usize) -> Vec<Vec<u8>> {
    let mut enc = Encoder::new(Build::Generic, 48000, 2, ctl::APPLICATION_AUDIO).unwrap();
    let mut src = Source { t: 0, kind: 0, f0: 150.0 };
    let mut pcm = vec![0i16; MAX_FRAME * 2];
    let mut buf = [0u8; 4000];
    let mut out = Vec::with_capacity(packets);
    let mut dur = 960;
    for k in 0..packets {
        // Change some settings now and then; each change is one CTL, as applications do.
        if k == 0 || rng.gen_bool(0.15) {
            let modes = [ctl::AUTO, ctl::MODE_SILK_ONLY, ctl::MODE_HYBRID, ctl::MODE_CELT_ONLY];
            enc.set(ctl::SET_FORCE_MODE, modes[rng.gen_range(0..4)]).unwrap();
        }
        if k == 0 || rng.gen_bool(0.15) {
            let bws = [
                ctl::AUTO,
                ctl::BANDWIDTH_NARROWBAND,
                ctl::BANDWIDTH_MEDIUMBAND,
                ctl::BANDWIDTH_WIDEBAND,
                ctl::BANDWIDTH_SUPERWIDEBAND,
                ctl::BANDWIDTH_FULLBAND,
            ];
            enc.set(ctl::SET_BANDWIDTH, bws[rng.gen_range(0..bws.len())]).unwrap();
        }
        if k == 0 || rng.gen_bool(0.1) {
            let (code, n) = DURATIONS[rng.gen_range(0..DURATIONS.len())];
            enc.set(ctl::SET_EXPERT_FRAME_DURATION, code).unwrap();
            dur = n;
        }
        if k == 0 || rng.gen_bool(0.1) {
            enc.set(ctl::SET_FORCE_CHANNELS, [ctl::AUTO, 1, 2][rng.gen_range(0..3)]).unwrap();
        }
        if k == 0 || rng.gen_bool(0.2) {
            enc.set(ctl::SET_BITRATE, rng.gen_range(6000..256000)).unwrap();
        }
        if k == 0 || rng.gen_bool(0.1) {
            enc.set(ctl::SET_INBAND_FEC, rng.gen_range(0..=1)).unwrap();
            enc.set(ctl::SET_PACKET_LOSS_PERC, rng.gen_range(0..30)).unwrap();
            enc.set(ctl::SET_DTX, i32::from(rng.gen_bool(0.2))).unwrap();
            enc.set(ctl::SET_VBR, rng.gen_range(0..=1)).unwrap();
        }
        src.fill(rng, &mut pcm[..dur * 2]);
        let n = enc.encode(&pcm[..dur * 2], dur, &mut buf).unwrap();
        out.push(buf[..n].to_vec());
    }
    out
}

#[test]
fn random_switching_streams_match_generic_build() {
    let mut rng = StdRng::seed_from_u64(0x5a17c4);
    let (mut calls, mut lost, mut fec, mut packets_total) = (0usize, 0usize, 0usize, 0usize);
    let mut modes = [0usize; 3];
    let mut mono_stereo = [0usize; 2];
    for stream in 0..4 {
        let packets = random_stream(&mut rng, 700);
        packets_total += packets.len();
        for p in &packets {
            let toc = opus_core::packet::Toc(p[0]);
            modes[(toc.mode().libopus_value() - 1000) as usize] += 1;
            mono_stereo[usize::from(toc.is_stereo())] += 1;
        }
        for (rate, channels) in [(48000u32, 2usize), (16000, 1), (24000, 2), (8000, 1), (12000, 2)] {
            let label = format!("stream {stream} -> {rate} Hz x{channels}");
            let mut ours = OpusDecoder::new(rate, channels).unwrap();
            let mut ours_i = OpusDecoder::new(rate, channels).unwrap();
            let mut theirs = Decoder::new(Build::Generic, rate as i32, channels).unwrap();
            let mut theirs_i = Decoder::new(Build::Generic, rate as i32, channels).unwrap();
            let cx = rng.gen_range(0..5);
            ours.set_complexity(cx).unwrap();
            ours_i.set_complexity(cx).unwrap();
            theirs.set(ctl::SET_COMPLEXITY, cx).unwrap();
            theirs_i.set(ctl::SET_COMPLEXITY, cx).unwrap();
            let mut a = vec![0f32; MAX_FRAME * 2];
            let mut b = vec![0f32; MAX_FRAME * 2];
            let mut ai = vec![0i16; MAX_FRAME * 2];
            let mut bi = vec![0i16; MAX_FRAME * 2];
            for (k, pkt) in packets.iter().enumerate() {
                let dur = framing::nb_samples(pkt, rate).unwrap();
                let is_lost = k > 0 && rng.gen_bool(0.12);
                let use_fec = is_lost && k + 1 < packets.len() && rng.gen_bool(0.5);
                let (data, fec_flag, size) = if use_fec {
                    (Some(packets[k + 1].as_slice()), true, dur)
                } else if is_lost {
                    (None, false, dur)
                } else {
                    (Some(pkt.as_slice()), false, MAX_FRAME)
                };
                lost += usize::from(is_lost);
                fec += usize::from(use_fec);
                calls += 1;
                let ra = ours.decode_float(data, &mut a, size, fec_flag).map_err(|e| e.libopus_code());
                let rb = theirs.decode_float(data, &mut b, size, fec_flag);
                let rai = ours_i.decode(data, &mut ai, size, fec_flag).map_err(|e| e.libopus_code());
                let rbi = theirs_i.decode(data, &mut bi, size, fec_flag);
                let at = format!("{label}: packet {k} (toc {:02x}, len {}, lost {is_lost}, fec {use_fec})", pkt[0], pkt.len());
                assert_eq!(ra, rb, "{at}: result");
                assert_eq!(rai, rbi, "{at}: i16 result");
                assert_eq!(ours.final_range(), theirs.final_range(), "{at}: final range");
                assert_eq!(ours.last_packet_duration() as i32, theirs.last_packet_duration(), "{at}: duration");
                if let Ok(n) = ra {
                    let diff = (0..n * channels).find(|&i| a[i].to_bits() != b[i].to_bits());
                    assert!(diff.is_none(), "{at}: float sample {diff:?} differs");
                }
                if let Ok(n) = rai {
                    assert_eq!(&ai[..n * channels], &bi[..n * channels], "{at}: i16 PCM");
                }
            }
        }
    }
    eprintln!(
        "random switching: {packets_total} packets (SILK/hybrid/CELT {modes:?}, mono/stereo {mono_stereo:?}), {calls} decode calls, {lost} lost, {fec} via decode_fec"
    );
    assert!(modes.iter().all(|&m| m > 100), "{modes:?}");
    assert!(mono_stereo.iter().all(|&m| m > 100), "{mono_stereo:?}");
}

//! Differential test of deep packet-loss concealment (`lpcnet::{fargan, plc_model, plc}`)
//! against libopus 1.6.1's generic-C build.
//!
//! Criterion: bit-exact. FARGAN's float and int16 output and its state, the predictor's
//! output and GRU states, and the PLC state machine's concealed audio, features, history
//! and counters must have the same bits as the C reference, frame by frame.
//!
//! Inputs: the two CMU ARCTIC fixtures (16 kHz) concatenated and looped at several gains to
//! 32 s; features from libopus's own analysis of that speech.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use dred_opus_testvectors::signals::Rng;
use dred_opus_testvectors::wav;
use lpcnet::analysis::NB_FEATURES;
use lpcnet::fargan::{FarganState, FARGAN_CONT_SAMPLES, FARGAN_FRAME_SIZE};
use lpcnet::plc::LpcnetPlc;
use lpcnet::plc_model::{PlcModel, PlcNetState, PLC_FLAG_INDEX, PLC_INPUT_SIZE};
use opus_oracle::features as cfeat;
use opus_oracle::plc as c;

const SPEECH_SECONDS: usize = 32;
const RATE: usize = 16_000;
const FRAME: usize = 160;

fn load_fixture(name: &str) -> Vec<i16> {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let w = wav::parse(&bytes).unwrap_or_else(|e| panic!("{path}: {e:?}"));
    assert_eq!((w.rate, w.channels), (16_000, 1), "{name} must be 16 kHz mono");
    w.samples
}

/// The two utterances, concatenated and looped at varying gains until 32 s are filled.
fn speech() -> Vec<i16> {
    let mut base = load_fixture("arctic_a0007.wav");
    base.extend(load_fixture("arctic_a0009.wav"));
    let gains = [1.0f64, 0.3, 2.5, 0.02, 1.0, 6.0, 0.7];
    let mut out = Vec::with_capacity(SPEECH_SECONDS * RATE);
    let mut k = 0;
    while out.len() < SPEECH_SECONDS * RATE {
        let g = gains[k % gains.len()];
        out.extend(base.iter().map(|&s| (f64::from(s) * g).round().clamp(-32768.0, 32767.0) as i16));
        k += 1;
    }
    out.truncate(SPEECH_SECONDS * RATE);
    out
}

fn frames(samples: &[i16]) -> Vec<[i16; FRAME]> {
    samples.chunks_exact(FRAME).map(|c| c.try_into().expect("frame")).collect()
}

/// libopus's 36 features for every frame, from its int16 entry point.
fn c_features(frames: &[[i16; FRAME]]) -> Vec<[f32; 36]> {
    let mut enc = cfeat::Encoder::new();
    frames.iter().map(|f| enc.compute_single_frame_features(f)).collect()
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn first20(f: &[f32; 36]) -> [f32; NB_FEATURES] {
    f[..NB_FEATURES].try_into().expect("20")
}

#[test]
fn fargan_bit_exact() {
    let pcm = speech();
    let fr = frames(&pcm);
    let feats = c_features(&fr);
    let mut rs = FarganState::with_default_model().expect("model");
    let mut cs = c::Fargan::new();
    let mut compared = 0usize;
    // Re-prime every 40 frames from real audio and features, then run on the following
    // features; the GRU states carry over between segments, as in the PLC.
    let segment = 40;
    let mut start = 5;
    while start + segment <= fr.len() {
        let mut pcm0 = [0.0f32; FARGAN_CONT_SAMPLES];
        for (i, d) in pcm0.iter_mut().enumerate() {
            *d = f32::from(pcm[start * FRAME - FARGAN_CONT_SAMPLES + i]) / 32768.0;
        }
        let mut f0 = [0.0f32; 100];
        for k in 0..5 {
            f0[k * 20..(k + 1) * 20].copy_from_slice(&feats[start - 5 + k][..20]);
        }
        rs.cont(&pcm0, &f0);
        cs.cont(&pcm0, &f0);
        for j in 0..segment {
            let f = first20(&feats[start + j]);
            if j % 2 == 0 {
                let mut r = [0.0f32; FARGAN_FRAME_SIZE];
                rs.synthesize(&mut r, &f);
                let cc = cs.synthesize(&f);
                assert_eq!(bits(&r), bits(&cc), "float output, frame {}", start + j);
            } else {
                let mut r = [0i16; FARGAN_FRAME_SIZE];
                rs.synthesize_int(&mut r, &f);
                assert_eq!(r, cs.synthesize_int(&f), "int output, frame {}", start + j);
            }
            let c_st = cs.state();
            let (g1, g2, g3) = rs.gru_states();
            assert_eq!(bits(rs.pitch_buf()), bits(&c_st.pitch_buf), "pitch_buf, frame {}", start + j);
            assert_eq!(bits(g1), bits(&c_st.gru1_state));
            assert_eq!(bits(g2), bits(&c_st.gru2_state));
            assert_eq!(bits(g3), bits(&c_st.gru3_state));
            assert_eq!(rs.deemph_mem().to_bits(), c_st.deemph_mem.to_bits());
            assert_eq!(rs.last_period(), c_st.last_period);
            compared += 1;
        }
        start += segment + 7;
    }
    eprintln!("FARGAN: {compared} frames bit-exact");
    assert!(compared >= 2500);
}

#[test]
fn predictor_bit_exact() {
    let pcm = speech();
    let fr = frames(&pcm);
    let feats = c_features(&fr);
    let model = PlcModel::default_model().expect("model");
    let mut net = PlcNetState::default();
    let mut cs = c::Plc::new();
    let mut rng = Rng::new(0x9e3779b97f4a7c15);
    for (k, frame) in fr.iter().enumerate() {
        let mut input = [0.0f32; PLC_INPUT_SIZE];
        match rng.below(4) {
            // Analysed history: Burg cepstrum, features, +1.
            0 | 1 => {
                let x: [f32; FRAME] = core::array::from_fn(|i| f32::from(frame[i]));
                input[..36].copy_from_slice(&cfeat::burg_cepstral_analysis(&x));
                input[36..56].copy_from_slice(&feats[k][..20]);
                input[PLC_FLAG_INDEX] = 1.0;
            }
            // Redundancy: features only, −1.
            2 => {
                input[36..56].copy_from_slice(&feats[k][..20]);
                input[PLC_FLAG_INDEX] = -1.0;
            }
            // Free-running prediction.
            _ => {}
        }
        let mut out = [0.0f32; NB_FEATURES];
        model.predict(&mut net, &mut out, &input);
        let cout = cs.compute_plc_pred(&input);
        assert_eq!(bits(&out), bits(&cout), "prediction, frame {k}");
        assert_eq!(bits(&net.gru1_state), bits(&cs.state().plc_net.gru1_state), "gru1, frame {k}");
        assert_eq!(bits(&net.gru2_state), bits(&cs.state().plc_net.gru2_state), "gru2, frame {k}");
    }
    eprintln!("predictor: {} steps bit-exact", fr.len());
}

/// Compares everything observable of the two PLC states.
fn compare_state(r: &LpcnetPlc, c: &c::LPCNetPLCState, at: usize) {
    assert_eq!(bits(r.features()), bits(&c.features), "features, frame {at}");
    assert_eq!(bits(r.history()), bits(&c.pcm), "history, frame {at}");
    assert_eq!(r.loss_count() as i32, c.loss_count, "loss_count, frame {at}");
    assert_eq!(i32::from(r.blend()), c.blend, "blend, frame {at}");
    assert_eq!(
        (r.fec_read_pos() as i32, r.fec_fill_pos() as i32, r.fec_skip() as i32),
        (c.fec_read_pos, c.fec_fill_pos, c.fec_skip),
        "fec queue, frame {at}"
    );
    assert_eq!(bits(&r.plc_net().gru1_state), bits(&c.plc_net.gru1_state), "plc gru1, frame {at}");
    assert_eq!(bits(&r.plc_net().gru2_state), bits(&c.plc_net.gru2_state), "plc gru2, frame {at}");
}

#[test]
fn plc_state_machine_bit_exact() {
    let pcm = speech();
    let fr = frames(&pcm);
    let feats = c_features(&fr);
    let mut r = LpcnetPlc::new().expect("models");
    let mut cs = c::Plc::new();
    let mut rng = Rng::new(0x1234_5678);
    let (mut good, mut lost, mut bursts, mut fec_frames, mut resets) = (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut k = 0usize;
    while k < fr.len() {
        // A run of good frames, 1..=30, fed 10 ms at a time or, sometimes, 40 ms at once as
        // the CELT decoder does on its first neural frame.
        let run = 1 + rng.below(30) as usize;
        let mut i = 0;
        while i < run && k < fr.len() {
            if i + 4 <= run && k + 4 <= fr.len() && rng.below(6) == 0 {
                let mut block = [0i16; 4 * FRAME];
                for j in 0..4 {
                    block[j * FRAME..(j + 1) * FRAME].copy_from_slice(&fr[k + j]);
                }
                opus_core::celt::plc::NeuralConcealment::update_history(&mut r, &block);
                cs.update_history(&block);
                k += 4;
                i += 4;
                good += 4;
            } else {
                r.update(&fr[k]);
                cs.update(&fr[k]);
                k += 1;
                i += 1;
                good += 1;
            }
            if rng.below(8) == 0 {
                // A good CELT packet between updates.
                r.clear_blend();
                cs.clear_blend();
            }
            compare_state(&r, cs.state(), k);
        }
        if rng.below(40) == 0 {
            r.reset();
            cs.reset();
            resets += 1;
            continue;
        }
        // A burst of 1..=20 lost frames; some bursts carry redundancy for part of the loss,
        // with skipped (missing) vectors, as DRED queues it.
        let burst = 1 + rng.below(20) as usize;
        bursts += 1;
        r.fec_clear();
        cs.fec_clear();
        if rng.below(3) == 0 {
            let n = 1 + rng.below(burst as u64 + 2) as usize;
            for j in 0..n {
                let src = (k + j).min(fr.len() - 1);
                if rng.below(5) == 0 {
                    r.fec_add(None);
                    cs.fec_add(None);
                } else {
                    let f = first20(&feats[src]);
                    r.fec_add(Some(&f));
                    cs.fec_add(Some(&f));
                    fec_frames += 1;
                }
            }
        }
        for _ in 0..burst {
            if k >= fr.len() {
                break;
            }
            let mut out = [0i16; FRAME];
            r.conceal(&mut out);
            let cout = cs.conceal();
            assert_eq!(out, cout, "concealment, frame {k}");
            compare_state(&r, cs.state(), k);
            k += 1;
            lost += 1;
        }
    }
    eprintln!(
        "PLC: {good} good + {lost} concealed frames ({bursts} bursts, {fec_frames} FEC vectors, {resets} resets) bit-exact"
    );
    assert!(good + lost >= 3000 && lost >= 800);
}

/// Speech at 48 kHz: both clips, looped to `seconds`.
fn speech_48k(seconds: usize) -> Vec<i16> {
    use dred_opus_testvectors::signals::Clip;
    let mut base = Clip::A0007.load_48k().expect("fixture");
    base.extend(Clip::A0009.load_48k().expect("fixture"));
    base.iter().copied().cycle().take(seconds * 48_000).collect()
}

fn encode_stream(pcm: &[i16], channels: usize, frame: usize, mode: i32, bw: i32, bitrate: i32) -> Vec<Vec<u8>> {
    use opus_oracle::{ctl, Build, Encoder};
    let mut enc = Encoder::new(Build::Generic, 48000, channels, ctl::APPLICATION_VOIP).expect("encoder");
    enc.set(ctl::SET_FORCE_MODE, mode).expect("mode");
    enc.set(ctl::SET_BANDWIDTH, bw).expect("bandwidth");
    enc.set(ctl::SET_BITRATE, bitrate).expect("bitrate");
    let mut buf = vec![0u8; 1500];
    pcm.chunks_exact(frame * channels)
        .map(|x| {
            let n = enc.encode(x, frame, &mut buf).expect("encode");
            buf[..n].to_vec()
        })
        .collect()
}

/// Our `OpusDecoder` with [`LpcnetPlc`] attached against libopus's generic build, on lossy
/// SILK wideband, hybrid and CELT-only speech at complexity 5 and 10: float PCM bit-exact.
#[test]
fn opus_decoder_with_deep_plc_bit_exact() {
    use opus_core::decoder::{Concealment, OpusDecoder};
    use opus_oracle::{ctl, Build, Decoder};
    let mono = speech_48k(12);
    let delayed: Vec<i16> = std::iter::repeat(0).take(37).chain(mono.iter().map(|&s| s / 2)).take(mono.len()).collect();
    let stereo = dred_opus_testvectors::signals::stereo_pair(&mono, &delayed);
    let streams = [
        ("SILK WB 20 ms", 1, encode_stream(&mono, 1, 960, ctl::MODE_SILK_ONLY, ctl::BANDWIDTH_WIDEBAND, 20_000)),
        ("SILK WB 10 ms", 1, encode_stream(&mono, 1, 480, ctl::MODE_SILK_ONLY, ctl::BANDWIDTH_WIDEBAND, 16_000)),
        ("Hybrid SWB 20 ms", 1, encode_stream(&mono, 1, 960, ctl::MODE_HYBRID, ctl::BANDWIDTH_SUPERWIDEBAND, 32_000)),
        ("CELT FB 20 ms", 1, encode_stream(&mono, 1, 960, ctl::MODE_CELT_ONLY, ctl::BANDWIDTH_FULLBAND, 48_000)),
        ("CELT FB 10 ms stereo", 2, encode_stream(&stereo, 2, 480, ctl::MODE_CELT_ONLY, ctl::BANDWIDTH_FULLBAND, 64_000)),
    ];
    let mut rng = Rng::new(0xdeadbeef);
    let mut total = (0usize, 0usize, 0usize);
    for (name, channels, packets) in &streams {
        for &complexity in &[5, 10] {
            for &(loss_pct, rate) in &[(10u64, 48_000u32), (20, 16_000)] {
                let label = format!("{name}, complexity {complexity}, {loss_pct} % loss, {rate} Hz");
                let mut ours = OpusDecoder::new(rate, *channels).expect("decoder");
                ours.set_complexity(complexity).expect("complexity");
                let mut plc = Box::new(LpcnetPlc::new().expect("models"));
                let mut reference = Decoder::new(Build::Generic, rate as i32, *channels).expect("decoder");
                reference.set(ctl::SET_COMPLEXITY, complexity).expect("complexity");
                let mut a = vec![0f32; 5760 * 2];
                let mut b = vec![0f32; 5760 * 2];
                let frame = opus_core::packet::framing::nb_samples(&packets[0], rate).expect("toc");
                // Without the model, to show that the concealment is really neural.
                let mut classic = OpusDecoder::new(rate, *channels).expect("decoder");
                classic.set_complexity(complexity).expect("complexity");
                let mut c = vec![0f32; 5760 * 2];
                let mut lost_run = 0;
                for (k, pkt) in packets.iter().enumerate() {
                    // Bursty loss: a lost packet makes the next one likelier to be lost.
                    let p = if lost_run > 0 { 3 * loss_pct } else { loss_pct };
                    let is_lost = k > 2 && rng.below(100) < p;
                    lost_run = if is_lost { lost_run + 1 } else { 0 };
                    let data = (!is_lost).then_some(pkt.as_slice());
                    let n = if is_lost { frame } else { 5760 };
                    let ra = ours
                        .decode_float_with(data, &mut a, n, false, Some(&mut *plc as &mut dyn Concealment))
                        .map_err(|e| e.libopus_code());
                    let rb = reference.decode_float(data, &mut b, n, false);
                    let rc = classic.decode_float(data, &mut c, n, false).map_err(|e| e.libopus_code());
                    let at = format!("{label}: packet {k} (lost {is_lost})");
                    assert_eq!(ra, rb, "{at}: result");
                    let n = ra.expect("decoded");
                    if let Some(i) = (0..n * channels).find(|&i| a[i].to_bits() != b[i].to_bits()) {
                        panic!("{at}: sample {i} of {}: {} vs {}", n * channels, a[i], b[i]);
                    }
                    if rc == ra && a[..n * channels] != c[..n * channels] {
                        total.2 += 1;
                    }
                    total.0 += 1;
                    total.1 += usize::from(is_lost);
                }
            }
        }
    }
    eprintln!(
        "Opus + deep PLC: {} packets ({} lost) bit-exact; {} differ from classic concealment",
        total.0, total.1, total.2
    );
    assert!(total.2 * 2 > total.1, "deep PLC hardly ran");
}

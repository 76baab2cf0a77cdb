//! Differential test of the LPCNet feature analysis (`lpcnet::{freq, burg, analysis,
//! pitchdnn}`) against libopus 1.6.1's generic-C build.
//!
//! Criterion: bit-exact. Every compared value must have the same `f32` bits as the C
//! reference, frame by frame: band energies, cepstrum, pitch feature (and so the pitch
//! period), correlation feature, LPC, PitchDNN inputs and output, the residual histories,
//! the Burg cepstrum, and a PitchDNN state run on its own.
//!
//! Inputs: the two CMU ARCTIC fixtures (16 kHz) concatenated and looped at several gains to
//! more than 30 s, the same speech through the float entry point with sub-LSB offsets, and
//! synthetic signals (silence, full-scale white noise, a sine, a chirp, a clipped square).
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::fmt::Write as _;

use dred_opus_testvectors::signals::Rng;
use dred_opus_testvectors::wav;
use lpcnet::analysis::{pitch_period, LpcnetEncState, NB_TOTAL_FEATURES};
use lpcnet::burg::{burg_cepstral_analysis, silk_burg_analysis, BURG_CEPSTRUM_SIZE};
use lpcnet::freq::{
    apply_window, compute_band_energy, dct, forward_transform, lpc_from_cepstrum, lpc_weighting,
    FRAME_SIZE, FREQ_SIZE, LPC_ORDER, NB_BANDS, WINDOW_SIZE,
};
use lpcnet::pitchdnn::{PitchDnn, PitchDnnState};
use opus_core::celt::kiss_fft::Complex;
use opus_oracle::features as c;

/// Counts allocations made by the current thread, to check that the analysis allocates
/// nothing per frame.
struct CountingAlloc;

thread_local! {
    static ALLOCS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; the counter is a const-initialised
// thread-local, which needs no allocation.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn allocs_on_this_thread() -> usize {
    ALLOCS.with(|c| c.get())
}

const SPEECH_SECONDS: usize = 32;
const RATE: usize = 16_000;

type Frame = [f32; FRAME_SIZE];

fn load_fixture(name: &str) -> Vec<i16> {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let w = wav::parse(&bytes).unwrap_or_else(|e| panic!("{path}: {e:?}"));
    assert_eq!(
        (w.rate, w.channels),
        (16_000, 1),
        "{name} must be 16 kHz mono"
    );
    w.samples
}

/// The two utterances, concatenated and looped at varying gains (clipped to int16) until
/// `SPEECH_SECONDS` are filled.
fn speech() -> Vec<i16> {
    let mut base = load_fixture("arctic_a0007.wav");
    base.extend(load_fixture("arctic_a0009.wav"));
    let gains = [1.0f64, 0.3, 2.5, 0.02, 1.0, 6.0, 0.7];
    let mut out = Vec::with_capacity(SPEECH_SECONDS * RATE);
    let mut k = 0;
    while out.len() < SPEECH_SECONDS * RATE {
        let g = gains[k % gains.len()];
        out.extend(
            base.iter()
                .map(|&s| (f64::from(s) * g).round().clamp(-32768.0, 32767.0) as i16),
        );
        k += 1;
    }
    out.truncate(SPEECH_SECONDS * RATE);
    out
}

fn frames_of(samples: &[i16]) -> Vec<Frame> {
    samples
        .chunks_exact(FRAME_SIZE)
        .map(|c| {
            let mut f = [0.0f32; FRAME_SIZE];
            for (d, &s) in f.iter_mut().zip(c) {
                *d = f32::from(s);
            }
            f
        })
        .collect()
}

fn synthetic(kind: &str, seconds: f64) -> Vec<i16> {
    let n = (seconds * RATE as f64) as usize;
    let mut rng = Rng::new(0x5eed_0f_feed);
    (0..n)
        .map(|i| {
            let t = i as f64 / RATE as f64;
            let v = match kind {
                "silence" => 0.0,
                "noise" => (rng.next_u64() >> 48) as u16 as i16 as f64,
                "sine" => 16000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin(),
                // 60 Hz to 4 kHz over the signal, logarithmic.
                "chirp" => {
                    let f0: f64 = 60.0;
                    let k = (4000.0f64 / f0).ln() / seconds;
                    12000.0 * (2.0 * std::f64::consts::PI * f0 * ((k * t).exp() - 1.0) / k).sin()
                }
                "square" => {
                    if (t * 150.0).fract() < 0.5 {
                        32767.0
                    } else {
                        -32768.0
                    }
                }
                _ => unreachable!(),
            };
            v.round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

/// Frame-level results: per field, frames compared and frames that differ (with the first
/// difference).
#[derive(Default)]
struct Report {
    fields: BTreeMap<&'static str, (usize, usize, Option<String>)>,
}

impl Report {
    fn check(&mut self, stream: &str, frame: usize, field: &'static str, rust: &[f32], c: &[f32]) {
        let e = self.fields.entry(field).or_default();
        e.0 += 1;
        let bad =
            rust.len() != c.len() || rust.iter().zip(c).any(|(a, b)| a.to_bits() != b.to_bits());
        if bad {
            e.1 += 1;
            if e.2.is_none() {
                let i = rust
                    .iter()
                    .zip(c)
                    .position(|(a, b)| a.to_bits() != b.to_bits())
                    .unwrap_or(0);
                e.2 = Some(format!(
                    "{stream} frame {frame} [{i}]: rust {:e} ({:#010x}) vs C {:e} ({:#010x})",
                    rust.get(i).copied().unwrap_or(f32::NAN),
                    rust.get(i).map_or(0, |v| v.to_bits()),
                    c.get(i).copied().unwrap_or(f32::NAN),
                    c.get(i).map_or(0, |v| v.to_bits()),
                ));
            }
        }
    }

    fn check_eq(&mut self, stream: &str, frame: usize, field: &'static str, rust: usize, c: usize) {
        self.check(stream, frame, field, &[rust as f32], &[c as f32]);
    }

    fn finish(self, title: &str) {
        let mut s = format!("{title}\n");
        let mut failed = false;
        for (name, (n, bad, first)) in &self.fields {
            let _ = writeln!(s, "  {name:<22} {n:>6} frames, {bad} differ");
            if let Some(f) = first {
                let _ = writeln!(s, "      first: {f}");
                failed = true;
            }
        }
        eprintln!("{s}");
        assert!(
            !failed,
            "feature analysis is not bit-exact with libopus generic C:\n{s}"
        );
    }
}

fn cpx_to_c(x: &[Complex; FREQ_SIZE]) -> [c::kiss_fft_cpx; FREQ_SIZE] {
    x.map(|v| c::kiss_fft_cpx { r: v.r, i: v.i })
}

fn flat(x: &[c::kiss_fft_cpx]) -> Vec<f32> {
    x.iter().flat_map(|v| [v.r, v.i]).collect()
}

/// Runs one stream through both analyses and the side-by-side models.
fn run_stream(
    report: &mut Report,
    name: &str,
    frames: &[Frame],
    float_path: bool,
    model: &std::sync::Arc<PitchDnn>,
) {
    let mut rs = Box::new(LpcnetEncState::new(model.clone()));
    let mut cs = c::Encoder::new();
    let mut rp = Box::new(PitchDnnState::new(model.clone()));
    let mut cp = c::PitchDnn::new();
    let mut rf = [0.0f32; NB_TOTAL_FEATURES];
    for (k, frame) in frames.iter().enumerate() {
        let prev_mem = cs.state().analysis_mem;
        let cf = if float_path {
            rs.compute_single_frame_features_float(frame, &mut rf);
            cs.compute_single_frame_features_float(frame)
        } else {
            let pcm = frame.map(|v| v as i16);
            rs.compute_single_frame_features(&pcm, &mut rf);
            cs.compute_single_frame_features(&pcm)
        };
        let st = cs.state();

        // Band energies: the C window/FFT/band functions on the same pre-emphasised window
        // (its two halves are the analysis memory before and after the call).
        let mut w = [0.0f32; WINDOW_SIZE];
        w[..FRAME_SIZE].copy_from_slice(&prev_mem);
        w[FRAME_SIZE..].copy_from_slice(&st.analysis_mem);
        c::apply_window(&mut w);
        let ce = c::compute_band_energy(&c::forward_transform(&w));
        report.check(name, k, "band energy", rs.band_energy(), &ce);

        report.check(name, k, "cepstrum", &rf[..NB_BANDS], &cf[..NB_BANDS]);
        report.check(
            name,
            k,
            "pitch feature",
            &rf[NB_BANDS..NB_BANDS + 1],
            &cf[NB_BANDS..NB_BANDS + 1],
        );
        report.check_eq(
            name,
            k,
            "pitch period",
            pitch_period(rf[NB_BANDS]),
            pitch_period(cf[NB_BANDS]),
        );
        report.check(
            name,
            k,
            "corr feature",
            &rf[NB_BANDS + 1..NB_BANDS + 2],
            &cf[NB_BANDS + 1..NB_BANDS + 2],
        );
        report.check(name, k, "lpc", &rf[NB_BANDS + 2..], &cf[NB_BANDS + 2..]);
        report.check(name, k, "state features", rs.features(), &st.features);
        report.check(name, k, "if features", rs.if_features(), &st.if_features);
        report.check(
            name,
            k,
            "xcorr features",
            rs.xcorr_features(),
            &st.xcorr_features,
        );
        report.check(name, k, "dnn pitch", &[rs.dnn_pitch()], &[st.dnn_pitch]);
        report.check(name, k, "exc_buf", rs.exc_buf(), &st.exc_buf);
        report.check(name, k, "lp_buf", rs.lp_buf(), &st.lp_buf);
        report.check(
            name,
            k,
            "gru state (enc)",
            rs.pitchdnn().gru_state(),
            &st.pitchdnn.gru_state,
        );

        // PitchDNN alone, fed the C analysis' inputs.
        let (if_f, xc_f) = (st.if_features, st.xcorr_features);
        let rpd = rp.compute(&if_f, &xc_f);
        let cpd = cp.compute(&if_f, &xc_f);
        report.check(name, k, "pitchdnn output", &[rpd], &[cpd]);
        report.check(
            name,
            k,
            "pitchdnn gru state",
            rp.gru_state(),
            &cp.state().gru_state,
        );

        // Burg cepstrum of the raw (not pre-emphasised) frame, as the PLC computes it.
        let mut rb = [0.0f32; BURG_CEPSTRUM_SIZE];
        burg_cepstral_analysis(&mut rb, frame);
        report.check(
            name,
            k,
            "burg cepstrum",
            &rb,
            &c::burg_cepstral_analysis(frame),
        );
    }
}

#[test]
fn features_bit_exact_with_generic_c() {
    let model = PitchDnn::default_model().expect("embedded weights");
    let mut report = Report::default();
    let mut counts = Vec::new();

    let speech = frames_of(&speech());
    run_stream(&mut report, "speech", &speech, false, &model);
    counts.push(("speech (int16, looped ARCTIC)", speech.len()));

    // Float entry point: the speech with deterministic sub-LSB offsets.
    let mut rng = Rng::new(0xf10a7);
    let speech_f: Vec<Frame> = speech
        .iter()
        .take(1000)
        .map(|f| f.map(|v| v + (rng.bipolar() * 0.5) as f32))
        .collect();
    run_stream(&mut report, "speech-float", &speech_f, true, &model);
    counts.push(("speech (float, offsets)", speech_f.len()));

    for (kind, secs) in [
        ("silence", 2.0),
        ("noise", 3.0),
        ("sine", 2.0),
        ("chirp", 4.0),
        ("square", 1.0),
    ] {
        let frames = frames_of(&synthetic(kind, secs));
        run_stream(&mut report, kind, &frames, false, &model);
        counts.push((kind, frames.len()));
    }

    let total: usize = counts.iter().map(|c| c.1).sum();
    let mut title = format!("feature analysis vs libopus generic C, {total} frames:");
    for (k, n) in &counts {
        let _ = write!(title, " {k} {n};");
    }
    report.finish(&title);
}

#[test]
fn freq_primitives_bit_exact_with_generic_c() {
    let mut rng = Rng::new(0xf4e9);
    let mut report = Report::default();
    for k in 0..2000 {
        // Window and FFT on random audio at a random level.
        let level = 10f64.powf(rng.uniform() * 5.0) as f32;
        let mut x = [0.0f32; WINDOW_SIZE];
        for v in x.iter_mut() {
            *v = rng.bipolar() as f32 * level;
        }
        let mut xc = x;
        apply_window(&mut x);
        c::apply_window(&mut xc);
        report.check("random", k, "apply_window", &x, &xc);
        let mut spec = [Complex::default(); FREQ_SIZE];
        forward_transform(&mut spec, &x);
        let cspec = c::forward_transform(&xc);
        report.check(
            "random",
            k,
            "forward_transform",
            &flat(&cpx_to_c(&spec)),
            &flat(&cspec),
        );
        let mut e = [0.0f32; NB_BANDS];
        compute_band_energy(&mut e, &spec);
        report.check(
            "random",
            k,
            "compute_band_energy",
            &e,
            &c::compute_band_energy(&cspec),
        );

        // DCT and LPC from a plausible cepstrum.
        let mut ly = [0.0f32; NB_BANDS];
        for v in ly.iter_mut() {
            *v = (rng.uniform() * 8.0 - 2.0) as f32;
        }
        let mut ceps = [0.0f32; NB_BANDS];
        dct(&mut ceps, &ly);
        report.check("random", k, "dct", &ceps, &c::dct(&ly));
        ceps[0] -= 4.0;
        let mut lpc = [0.0f32; LPC_ORDER];
        let err = lpc_from_cepstrum(&mut lpc, &ceps);
        let (clpc, cerr) = c::lpc_from_cepstrum(&ceps);
        report.check("random", k, "lpc_from_cepstrum", &lpc, &clpc);
        report.check("random", k, "lpc_from_cepstrum err", &[err], &[cerr]);
        let gamma = rng.uniform() as f32;
        let mut clpc = clpc;
        lpc_weighting(&mut lpc, gamma);
        c::lpc_weighting(&mut clpc, gamma);
        report.check("random", k, "lpc_weighting", &lpc, &clpc);

        // Burg on random lengths, orders and subframe counts.
        let order = 1 + rng.below(16) as usize;
        let nb_subfr = 1 + rng.below(4) as usize;
        let sub = order + rng.below((384 / nb_subfr - order) as u64 + 1) as usize;
        let mut sig = vec![0.0f32; sub * nb_subfr];
        let mut prev = 0.0f64;
        for v in sig.iter_mut() {
            prev = 0.9 * prev + rng.bipolar() * f64::from(level);
            *v = prev as f32;
        }
        let min_inv_gain = [1e-3f32, 1e-4, 1e-2, 0.5][rng.below(4) as usize];
        let mut a = vec![0.0f32; order];
        let e = silk_burg_analysis(&mut a, &sig, min_inv_gain, sub, nb_subfr);
        let (ca, ce) = c::silk_burg_analysis(&sig, min_inv_gain, sub, nb_subfr, order);
        report.check("random", k, "silk_burg_analysis A", &a, &ca);
        report.check("random", k, "silk_burg_analysis E", &[e], &[ce]);
    }
    report.finish("freq/burg primitives vs libopus generic C (2000 random cases each)");
}

#[test]
fn analysis_does_not_allocate_per_frame() {
    let model = PitchDnn::default_model().expect("embedded weights");
    let frames = frames_of(&speech());
    let mut st = Box::new(LpcnetEncState::new(model));
    let mut f = [0.0f32; NB_TOTAL_FEATURES];
    let mut burg = [0.0f32; BURG_CEPSTRUM_SIZE];
    st.compute_single_frame_features_float(&frames[0], &mut f);
    let before = allocs_on_this_thread();
    for frame in frames.iter().take(1000) {
        st.compute_single_frame_features_float(frame, &mut f);
        st.compute_single_frame_features(&frame.map(|v| v as i16), &mut f);
        burg_cepstral_analysis(&mut burg, frame);
    }
    st.reset();
    assert_eq!(
        allocs_on_this_thread() - before,
        0,
        "allocations during 1000 frames"
    );
    // The counter itself works.
    let v = std::hint::black_box(vec![0u8; 16]);
    assert!(allocs_on_this_thread() > before && v.len() == 16);
}

#[test]
fn lpcnet_state_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<LpcnetEncState>();
    check::<PitchDnnState>();
    check::<PitchDnn>();
}

//! Differential test of the encoder's tonality / speech-music analysis
//! (`opus_core::analysis`) against libopus 1.6.1's generic-C build (`src/analysis.c`,
//! `src/mlp.c`).
//!
//! Criterion: bit-exact. After every `run_analysis` or `get_info` call, every field of the
//! returned `AnalysisInfo` has the same bits as the C one (`f32` by bits, integers equal),
//! and so does every field of the whole `TonalityAnalysisState`, result ring included.
//! The MLP layers are also compared on their own with random inputs.
//!
//! Inputs: the two CMU ARCTIC fixtures and the five synthetic music-like signals of
//! `signals.rs`, mono and stereo, at 48, 24 and 16 kHz, through the float, 16-bit and 24-bit
//! entry points (24-bit with random low bits, lsb depth 24; others 16 or 24), with frame
//! sizes 2.5 to 60 ms (fixed and randomly switching), 20 ms of look-ahead in some cases,
//! every channel-selection convention (`c2` = -2, -1, or a channel), resets mid-stream,
//! result-only calls, and float input with NaN, infinities and over-range samples.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::fmt::Write as _;

use dred_opus_testvectors::signals::{self, Clip, Rng, Synth};
use opus_core::analysis::mlp::{compute_dense, compute_gru, LAYER0, LAYER1, LAYER2};
use opus_core::analysis::{AnalysisInfo, AnalysisPcm, TonalityAnalysisState};
use opus_oracle::analysis::{self as c, CAnalysis, CAnalysisInfo, CPcm, CTonalityAnalysisState};

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

fn cmp_f32(errs: &mut String, name: &str, r: &[f32], c: &[f32]) {
    for (k, (a, b)) in r.iter().zip(c).enumerate() {
        if a.to_bits() != b.to_bits() {
            let _ = write!(
                errs,
                "{name}[{k}]: rust {a:e} ({:08x}) c {b:e} ({:08x}); ",
                a.to_bits(),
                b.to_bits()
            );
            return;
        }
    }
}

fn cmp_i32(errs: &mut String, name: &str, r: i32, c: i32) {
    if r != c {
        let _ = write!(errs, "{name}: rust {r} c {c}; ");
    }
}

fn info_diff(errs: &mut String, name: &str, r: &AnalysisInfo, c: &CAnalysisInfo) {
    cmp_i32(errs, &format!("{name}.valid"), i32::from(r.valid), c.valid);
    cmp_i32(errs, &format!("{name}.bandwidth"), r.bandwidth, c.bandwidth);
    let rf = [
        r.tonality,
        r.tonality_slope,
        r.noisiness,
        r.activity,
        r.music_prob,
        r.music_prob_min,
        r.music_prob_max,
        r.activity_probability,
        r.max_pitch_ratio,
    ];
    let cf = [
        c.tonality,
        c.tonality_slope,
        c.noisiness,
        c.activity,
        c.music_prob,
        c.music_prob_min,
        c.music_prob_max,
        c.activity_probability,
        c.max_pitch_ratio,
    ];
    cmp_f32(
        errs,
        &format!("{name}.(tonality,slope,noisiness,activity,music,min,max,vad,mpr)"),
        &rf,
        &cf,
    );
    if r.leak_boost != c.leak_boost {
        let _ = write!(
            errs,
            "{name}.leak_boost: rust {:?} c {:?}; ",
            r.leak_boost, c.leak_boost
        );
    }
}

/// Every field of the two states; empty when identical.
fn state_diff(r: &TonalityAnalysisState, c: &CTonalityAnalysisState) -> String {
    let mut e = String::new();
    cmp_i32(&mut e, "Fs", r.fs, c.Fs);
    cmp_f32(&mut e, "angle", &r.angle, &c.angle);
    cmp_f32(&mut e, "d_angle", &r.d_angle, &c.d_angle);
    cmp_f32(&mut e, "d2_angle", &r.d2_angle, &c.d2_angle);
    cmp_f32(&mut e, "inmem", &r.inmem, &c.inmem);
    cmp_i32(&mut e, "mem_fill", r.mem_fill, c.mem_fill);
    cmp_f32(
        &mut e,
        "prev_band_tonality",
        &r.prev_band_tonality,
        &c.prev_band_tonality,
    );
    cmp_f32(
        &mut e,
        "prev_tonality",
        &[r.prev_tonality],
        &[c.prev_tonality],
    );
    cmp_i32(&mut e, "prev_bandwidth", r.prev_bandwidth, c.prev_bandwidth);
    for k in 0..8 {
        cmp_f32(&mut e, &format!("E[{k}]"), &r.e[k], &c.E[k]);
        cmp_f32(&mut e, &format!("logE[{k}]"), &r.log_e[k], &c.logE[k]);
    }
    cmp_f32(&mut e, "lowE", &r.low_e, &c.lowE);
    cmp_f32(&mut e, "highE", &r.high_e, &c.highE);
    cmp_f32(&mut e, "meanE", &r.mean_e, &c.meanE);
    cmp_f32(&mut e, "mem", &r.mem, &c.mem);
    cmp_f32(&mut e, "cmean", &r.cmean, &c.cmean);
    cmp_f32(&mut e, "std", &r.std, &c.std);
    cmp_f32(
        &mut e,
        "(Etracker,lowECount,hp_ener_accum)",
        &[r.e_tracker, r.low_e_count, r.hp_ener_accum],
        &[c.Etracker, c.lowECount, c.hp_ener_accum],
    );
    cmp_i32(&mut e, "E_count", r.e_count, c.E_count);
    cmp_i32(&mut e, "count", r.count, c.count);
    cmp_i32(
        &mut e,
        "analysis_offset",
        r.analysis_offset,
        c.analysis_offset,
    );
    cmp_i32(&mut e, "write_pos", r.write_pos, c.write_pos);
    cmp_i32(&mut e, "read_pos", r.read_pos, c.read_pos);
    cmp_i32(&mut e, "read_subframe", r.read_subframe, c.read_subframe);
    cmp_i32(
        &mut e,
        "initialized",
        i32::from(r.initialized),
        c.initialized,
    );
    cmp_f32(&mut e, "rnn_state", &r.rnn_state, &c.rnn_state);
    cmp_f32(&mut e, "downmix_state", &r.downmix_state, &c.downmix_state);
    for k in 0..c::DETECT_SIZE {
        info_diff(&mut e, &format!("info[{k}]"), &r.info[k], &c.info[k]);
    }
    e
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Float,
    Int16,
    Int24,
}

/// Sample buffers of one case, in the three input formats.
struct Input {
    f: Vec<f32>,
    i16: Vec<i16>,
    i24: Vec<i32>,
}

impl Input {
    fn new(samples: &[i16], seed: u64, hostile: bool) -> Self {
        let mut rng = Rng::new(seed);
        let i16 = samples.to_vec();
        let i24 = samples
            .iter()
            .map(|&s| (i32::from(s) << 8) + rng.below(256) as i32 - 128)
            .collect();
        let mut f: Vec<f32> = samples
            .iter()
            .map(|&s| f32::from(s) * (1.0 / 32768.0))
            .collect();
        if hostile {
            // Sprinkle NaN, infinities and over-range values, in bursts.
            let n = f.len();
            for _ in 0..12 {
                let at = rng.below(n as u64) as usize;
                let len = 1 + rng.below(2000) as usize;
                let what = rng.below(4);
                for v in f.iter_mut().skip(at).take(len) {
                    *v = match what {
                        0 => f32::NAN,
                        1 => f32::INFINITY,
                        2 => *v * 40.0,
                        _ => -1e30,
                    };
                }
            }
        }
        Input { f, i16, i24 }
    }

    fn frames(&self, channels: usize) -> usize {
        self.i16.len() / channels
    }

    fn slices(&self, kind: Kind, from: usize, to: usize) -> (AnalysisPcm<'_>, CPcm<'_>) {
        match kind {
            Kind::Float => (
                AnalysisPcm::Float(&self.f[from..to]),
                CPcm::Float(&self.f[from..to]),
            ),
            Kind::Int16 => (
                AnalysisPcm::Int16(&self.i16[from..to]),
                CPcm::Int16(&self.i16[from..to]),
            ),
            Kind::Int24 => (
                AnalysisPcm::Int24(&self.i24[from..to]),
                CPcm::Int24(&self.i24[from..to]),
            ),
        }
    }
}

struct Case {
    name: String,
    fs: i32,
    channels: usize,
    samples: Vec<i16>,
    kind: Kind,
    /// Frame sizes in 2.5 ms units; more than one means random switching.
    frame_units: Vec<i32>,
    lookahead: bool,
    c1: i32,
    c2: i32,
    lsb_depth: i32,
    hostile: bool,
}

#[derive(Default)]
struct Counts {
    cases: usize,
    calls: usize,
    valid: usize,
    windows: usize,
}

fn run_case(case: &Case, seed: u64, counts: &mut Counts) -> Result<(), String> {
    let ch = case.channels;
    let input = Input::new(&case.samples, seed, case.hostile);
    let mut rs = TonalityAnalysisState::new(case.fs);
    let mut cs = CAnalysis::new(case.fs).ok_or("C init")?;
    let mut rng = Rng::new(seed ^ 0xa5a5);
    let unit = case.fs / 400;
    let total = input.frames(ch);
    let mut pos = 0usize;
    let mut call = 0usize;
    let reset_at = total / 2;
    let mut did_reset = false;
    let valid0 = counts.valid;
    loop {
        let frame = unit * case.frame_units[rng.below(case.frame_units.len() as u64) as usize];
        let afs = if case.lookahead {
            frame + case.fs / 50
        } else {
            frame
        };
        if pos + afs as usize > total {
            break;
        }
        if !did_reset && pos >= reset_at && seed % 2 == 0 {
            rs.reset();
            cs.reset();
            did_reset = true;
        }
        // A result-only call skips that frame's audio and leaves the reader ahead of the
        // writer for good, so only the last call of a case is one.
        let only_info = pos + 2 * afs as usize > total;
        let (ri, ci) = if only_info {
            let ri = rs.run_analysis(
                None,
                afs,
                frame,
                case.c1,
                case.c2,
                ch as i32,
                case.lsb_depth,
            );
            let ci = cs
                .run_analysis(
                    None,
                    afs,
                    frame,
                    case.c1,
                    case.c2,
                    ch as i32,
                    case.lsb_depth,
                )
                .ok_or("C refused a call")?;
            (ri, ci)
        } else {
            let (rp, cp) = input.slices(case.kind, pos * ch, (pos + afs as usize) * ch);
            let ri = rs.run_analysis(
                Some(rp),
                afs,
                frame,
                case.c1,
                case.c2,
                ch as i32,
                case.lsb_depth,
            );
            let ci = cs
                .run_analysis(
                    Some(cp),
                    afs,
                    frame,
                    case.c1,
                    case.c2,
                    ch as i32,
                    case.lsb_depth,
                )
                .ok_or("C refused a call")?;
            (ri, ci)
        };
        let mut e = String::new();
        info_diff(&mut e, "out", &ri, &ci);
        e.push_str(&state_diff(&rs, cs.state()));
        if !e.is_empty() {
            return Err(format!(
                "{}: call {call} (pos {pos}, frame {frame}): {e}",
                case.name
            ));
        }
        counts.calls += 1;
        counts.valid += usize::from(ri.valid);
        call += 1;
        pos += frame as usize;
    }
    counts.windows += rs.count as usize;
    counts.cases += 1;
    if std::env::var("ANALYSIS_DEBUG").is_ok() {
        println!(
            "{}: calls {call} valid {}",
            case.name,
            counts.valid - valid0
        );
    }
    Ok(())
}

fn at_rate(x48: &[i16], channels: usize, fs: i32) -> Vec<i16> {
    if fs == 48000 {
        x48.to_vec()
    } else {
        signals::resample(x48, channels, 48000, fs as u32)
    }
}

#[test]
fn analysis_matches_libopus_bit_exact() {
    let a7 = Clip::A0007.load_48k().unwrap();
    let a9 = Clip::A0009.load_48k().unwrap();
    let synths = [
        Synth::Chords,
        Synth::Notes,
        Synth::NoiseBursts,
        Synth::Sweep,
        Synth::Panning,
    ];
    let mut sources: Vec<(String, usize, Vec<i16>)> = vec![
        ("a0007".into(), 1, a7.clone()),
        ("a0009".into(), 1, a9.clone()),
        ("a0007+a0009".into(), 2, signals::stereo_pair(&a7, &a9)),
    ];
    for (k, &s) in synths.iter().enumerate() {
        let ch = 1 + k % 2;
        sources.push((
            format!("{s:?}/{ch}ch"),
            ch,
            signals::synth(s, 7 + k as u64, 3.0, ch),
        ));
        sources.push((
            format!("{s:?}/{}ch", 3 - ch),
            3 - ch,
            signals::synth(s, 17 + k as u64, 2.0, 3 - ch),
        ));
    }

    let sizes: [&[i32]; 8] = [
        &[1],
        &[2],
        &[4],
        &[8],
        &[16],
        &[24],
        &[1, 2, 4, 8, 16, 24],
        &[8, 8, 4, 24],
    ];
    let kinds = [Kind::Int16, Kind::Float, Kind::Int24];
    let mut cases = Vec::new();
    let mut n = 0usize;
    for (name, ch, x48) in &sources {
        for fs in [48000, 24000, 16000] {
            let x = at_rate(x48, *ch, fs);
            for rep in 0..3 {
                let kind = kinds[(n + rep) % 3];
                let units = sizes[(n * 3 + rep * 5) % sizes.len()].to_vec();
                let (c1, c2) = if *ch == 2 {
                    [(0, -2), (0, 1), (1, -1), (0, -1)][(n + rep) % 4]
                } else {
                    (0, -2)
                };
                let lsb_depth = match kind {
                    Kind::Int24 => 24,
                    Kind::Int16 => 16,
                    Kind::Float => [16, 24][rep % 2],
                };
                cases.push(Case {
                    name: format!(
                        "{name} {fs} Hz {kind:?} units {units:?} c1 {c1} c2 {c2} lsb {lsb_depth}"
                    ),
                    fs,
                    channels: *ch,
                    samples: x.clone(),
                    kind,
                    frame_units: units,
                    lookahead: rep == 2,
                    c1,
                    c2,
                    lsb_depth,
                    hostile: false,
                });
                n += 1;
            }
        }
    }
    // Hostile float input.
    for (k, (name, ch, x48)) in sources.iter().take(4).enumerate() {
        cases.push(Case {
            name: format!("{name} hostile float"),
            fs: 48000,
            channels: *ch,
            samples: x48.clone(),
            kind: Kind::Float,
            frame_units: vec![[8, 4, 24, 1][k]],
            lookahead: k == 1,
            c1: 0,
            c2: -2,
            lsb_depth: 24,
            hostile: true,
        });
    }

    let mut counts = Counts::default();
    let mut failures = Vec::new();
    for (k, case) in cases.iter().enumerate() {
        if let Err(e) = run_case(case, 1000 + k as u64, &mut counts) {
            failures.push(e);
        }
    }
    println!(
        "analysis: {} cases, {} calls compared (AnalysisInfo + full state), {} valid results, {} windows analysed; {} failing",
        counts.cases,
        counts.calls,
        counts.valid,
        counts.windows,
        failures.len()
    );
    for f in failures.iter().take(5) {
        let short: String = f.chars().take(1500).collect();
        println!("{short}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ",
        failures.len(),
        cases.len()
    );
}

#[test]
fn mlp_layers_match_libopus_bit_exact() {
    let mut rng = Rng::new(0x0a1a_11a1);
    let mut state_r = [0.0f32; 32];
    let mut state_c = [0.0f32; 32];
    let mut checked = 0usize;
    for step in 0..2000 {
        let scale = [1.0f64, 0.01, 10.0, 300.0][step % 4];
        let mut f = [0.0f32; 25];
        for v in f.iter_mut() {
            *v = (rng.bipolar() * scale) as f32;
        }
        let c0 = c::mlp_layer0(&f);
        let mut r0 = [0.0f32; 32];
        compute_dense(&LAYER0, &mut r0, &f);
        assert_eq!(
            r0.map(f32::to_bits),
            c0.map(f32::to_bits),
            "layer0 step {step}"
        );

        c::mlp_layer1(&mut state_c, &c0);
        compute_gru(&LAYER1, &mut state_r, &r0);
        assert_eq!(
            state_r.map(f32::to_bits),
            state_c.map(f32::to_bits),
            "gru step {step}"
        );

        let c2 = c::mlp_layer2(&state_c);
        let mut r2 = [0.0f32; 2];
        compute_dense(&LAYER2, &mut r2, &state_r);
        assert_eq!(
            r2.map(f32::to_bits),
            c2.map(f32::to_bits),
            "layer2 step {step}"
        );
        checked += 1;
    }
    println!("mlp: {checked} steps of layer0 + GRU + layer2 bit-exact");
}

#[test]
fn analysis_allocates_nothing_per_frame() {
    let x = signals::synth(Synth::Panning, 3, 2.0, 2);
    let f: Vec<f32> = x.iter().map(|&s| f32::from(s) / 32768.0).collect();
    let mut st = TonalityAnalysisState::new(48000);
    let before = allocs_on_this_thread();
    let mut valid = 0;
    for _ in 0..10 {
        for fr in f.chunks_exact(2 * 480) {
            valid += usize::from(
                st.run_analysis(Some(AnalysisPcm::Float(fr)), 480, 480, 0, -2, 2, 24)
                    .valid,
            );
        }
        for fr in x.chunks_exact(2 * 960) {
            valid += usize::from(
                st.run_analysis(Some(AnalysisPcm::Int16(fr)), 960, 960, 0, -2, 2, 16)
                    .valid,
            );
        }
        st.reset();
    }
    assert_eq!(allocs_on_this_thread() - before, 0);
    assert!(valid > 1000);
}

//! Bit-exact comparison of the SILK float encoder's analysis half
//! (`opus_core::silk::enc::{float, vad, pitch_analysis, noise_shape,
//! find_pred_coefs, process_gains}`) with libopus 1.6.1's generic C build.
//!
//! Criterion: every `f32`/`f64` output equal bit for bit, every integer
//! equal. Inputs are seeded random vectors (several scales, edge cases) and
//! frames of the speech fixture `arctic_a0007.wav` (16 kHz; 8 and 12 kHz
//! versions by simple decimation). The state-level test runs the analysis
//! chain of `silk_encode_frame_FLP` (VAD, pitch, noise shaping, prediction
//! coefficients, gains) frame by frame on both sides from the same inputs.
#![allow(clippy::unwrap_used)]

use dred_opus_testvectors::wav;
use opus_core::silk::enc::float as rs;
use opus_core::silk::enc::structs::{EncoderControlFlp, EncoderStateFlp};
use opus_core::silk::enc::{find_pred_coefs, noise_shape, pitch_analysis, process_gains, vad};
use opus_core::silk::structs::CondCoding;
use opus_core::silk::tables_nlsf_cb_nb_mb::NLSF_CB_NB_MB;
use opus_core::silk::tables_nlsf_cb_wb::NLSF_CB_WB;
use opus_oracle::silk_enc as c;
use opus_oracle::silk_enc::offsets::*;

const RNG_SEED: u64 = 0x5111_c0de_2024_0001;

/// xorshift64*: small, seeded, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f32 {
        ((self.next() >> 40) as f32 / (1u64 << 23) as f32) - 1.0
    }
    /// A vector in one of several styles: int16-valued, small, huge, sparse.
    fn vec(&mut self, n: usize) -> Vec<f32> {
        let style = self.below(5);
        let scale = [32767.0f32, 1.0, 1e-3, 3e4, 100.0][style];
        (0..n)
            .map(|_| {
                let v = self.unit() * scale;
                match style {
                    0 => v.round(),
                    3 if self.below(4) != 0 => 0.0,
                    _ => v,
                }
            })
            .collect()
    }
}

fn speech16() -> Vec<i16> {
    let path = format!("{}/fixtures/arctic_a0007.wav", env!("CARGO_MANIFEST_DIR"));
    let w = wav::parse(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!((w.rate, w.channels), (16_000, 1));
    w.samples
}

/// The fixture at 8, 12 or 16 kHz (averaging decimation; any signal will do).
fn speech(fs_khz: usize) -> Vec<i16> {
    let s = speech16();
    match fs_khz {
        16 => s,
        8 => s
            .chunks_exact(2)
            .map(|p| ((p[0] as i32 + p[1] as i32) / 2) as i16)
            .collect(),
        12 => s
            .chunks_exact(4)
            .flat_map(|p| {
                let (a, b, c, d) = (p[0] as i32, p[1] as i32, p[2] as i32, p[3] as i32);
                [a, (b + c) / 2, d].map(|v| v as i16)
            })
            .collect(),
        _ => unreachable!(),
    }
}

fn b32(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Counts comparisons per function and remembers the first mismatches.
#[derive(Default)]
struct Tally {
    rows: Vec<(&'static str, usize, usize)>,
    first: Vec<String>,
}

impl Tally {
    fn check(&mut self, name: &'static str, same: bool, detail: impl FnOnce() -> String) {
        let row = match self.rows.iter_mut().find(|r| r.0 == name) {
            Some(r) => r,
            None => {
                self.rows.push((name, 0, 0));
                self.rows.last_mut().unwrap()
            }
        };
        row.1 += 1;
        if !same {
            row.2 += 1;
            if self.first.len() < 20 {
                self.first.push(format!("{name}: {}", detail()));
            }
        }
    }
    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, name: &'static str, r: T, c: T) {
        let same = r == c;
        self.check(name, same, || format!("rust {r:?} != c {c:?}"));
    }
    fn finish(self, what: &str) {
        let mut total = 0;
        let mut bad = 0;
        for (name, n, m) in &self.rows {
            println!("{what}: {name}: {n} compared, {m} differ");
            total += n;
            bad += m;
        }
        println!("{what}: total {total} compared, {bad} differ");
        assert!(bad == 0, "{what}: mismatches:\n{}", self.first.join("\n"));
    }
}

fn kernels_on(t: &mut Tally, rng: &mut Rng, x: &[f32]) {
    let n = x.len();
    // inner product / energy, all lengths up to n.
    let y = rng.vec(n);
    let m = rng.below(n + 1);
    t.eq(
        "inner_product",
        rs::inner_product_flp(x, &y, m).to_bits(),
        c::inner_product_flp(x, &y, m).to_bits(),
    );
    t.eq(
        "energy",
        rs::energy_flp(&x[..m]).to_bits(),
        c::energy_flp(&x[..m]).to_bits(),
    );

    // autocorrelation + schur + k2a + bwexpander + inverse prediction gain.
    let order = [6usize, 8, 10, 12, 16, 24][rng.below(6)]
        .min(n.saturating_sub(1))
        .max(1);
    let count = order + 1;
    let (mut ar, mut ac) = (vec![0f32; count], vec![0f32; count]);
    rs::autocorrelation_flp(&mut ar, x, count);
    c::autocorrelation_flp(&mut ac, x, count);
    t.eq("autocorrelation", b32(&ar), b32(&ac));
    ar[0] += ar[0] * 1e-3 + 1.0;
    let (mut kr, mut kc) = (vec![0f32; order], vec![0f32; order]);
    let er = rs::schur_flp(&mut kr, &ar, order);
    let ec = c::schur_flp(&mut kc, &ar, order);
    t.eq("schur", (er.to_bits(), b32(&kr)), (ec.to_bits(), b32(&kc)));
    let (mut a_r, mut a_c) = (vec![0f32; order], vec![0f32; order]);
    rs::k2a_flp(&mut a_r, &kr, order);
    c::k2a_flp(&mut a_c, &kr, order);
    t.eq("k2a", b32(&a_r), b32(&a_c));
    let chirp = 0.9 + 0.1 * rng.unit().abs();
    rs::bwexpander_flp(&mut a_r, chirp);
    c::bwexpander_flp(&mut a_c, chirp);
    t.eq("bwexpander", b32(&a_r), b32(&a_c));
    let o16 = order.min(16);
    t.eq(
        "lpc_inverse_pred_gain",
        rs::lpc_inverse_pred_gain_flp(&a_r, o16).to_bits(),
        c::lpc_inverse_pred_gain_flp(&a_r, o16).to_bits(),
    );
    let wild: Vec<f32> = (0..16).map(|_| rng.unit() * 2.0).collect();
    t.eq(
        "lpc_inverse_pred_gain",
        rs::lpc_inverse_pred_gain_flp(&wild, o16).to_bits(),
        c::lpc_inverse_pred_gain_flp(&wild, o16).to_bits(),
    );

    // warped autocorrelation.
    let worder = (order & !1).max(2);
    let warping = rng.unit().abs() * 0.3;
    let (mut wr, mut wc) = (vec![0f32; worder + 1], vec![0f32; worder + 1]);
    rs::warped_autocorrelation_flp(&mut wr, x, warping, worder);
    c::warped_autocorrelation_flp(&mut wc, x, warping, worder);
    t.eq("warped_autocorrelation", b32(&wr), b32(&wc));

    // LPC analysis filter.
    let lorder = [6usize, 8, 10, 12, 16][rng.below(5)];
    if n >= lorder {
        let coef: Vec<f32> = (0..lorder).map(|_| rng.unit()).collect();
        let (mut rr, mut rc_) = (vec![7f32; n], vec![7f32; n]);
        rs::lpc_analysis_filter_flp(&mut rr, &coef, x, n, lorder);
        c::lpc_analysis_filter_flp(&mut rc_, &coef, x, n, lorder);
        t.eq("lpc_analysis_filter", b32(&rr), b32(&rc_));
    }

    // Sine windows.
    let len = (n / 4) * 4;
    for win in [1, 2] {
        let (mut sr, mut sc) = (vec![0f32; len], vec![0f32; len]);
        rs::apply_sine_window_flp(&mut sr, x, win, len);
        c::apply_sine_window_flp(&mut sc, x, win, len);
        t.eq("apply_sine_window", b32(&sr), b32(&sc));
    }

    // Correlation matrix and vector, LTP order 5 and others.
    let corder = [5usize, 1, 3, 16][rng.below(4)];
    if n > corder + 4 {
        let l = n - corder + 1 - rng.below(3);
        let (mut xr, mut xc) = (vec![0f32; corder * corder], vec![0f32; corder * corder]);
        rs::corr_matrix_flp(x, l, corder, &mut xr);
        c::corr_matrix_flp(x, l, corder, &mut xc);
        t.eq("corr_matrix", b32(&xr), b32(&xc));
        let (mut vr, mut vc) = (vec![0f32; corder], vec![0f32; corder]);
        rs::corr_vector_flp(x, &y, l, corder, &mut vr);
        c::corr_vector_flp(x, &y, l, corder, &mut vc);
        t.eq("corr_vector", b32(&vr), b32(&vc));
        // Residual energy of a random filter on that system (column-major).
        let cf: Vec<f32> = (0..corder).map(|_| rng.unit()).collect();
        let (mut mr, mut mc) = (xr.clone(), xr.clone());
        let wxx = rs::energy_flp(&y[..l]) as f32;
        let er = rs::residual_energy_covar_flp(&cf, &mut mr, &vr, wxx, corder);
        let ec = c::residual_energy_covar_flp(&cf, &mut mc, &vr, wxx, corder);
        t.eq(
            "residual_energy_covar",
            (er.to_bits(), b32(&mr)),
            (ec.to_bits(), b32(&mc)),
        );
        let neg = -wxx.abs() - 1.0;
        let (mut mr, mut mc) = (xr.clone(), xr);
        let er = rs::residual_energy_covar_flp(&cf, &mut mr, &vr, neg, corder);
        let ec = c::residual_energy_covar_flp(&cf, &mut mc, &vr, neg, corder);
        t.eq(
            "residual_energy_covar",
            (er.to_bits(), b32(&mr)),
            (ec.to_bits(), b32(&mc)),
        );
    }

    // Scaling and sorting.
    let gain = rng.unit() * 3.0;
    let (mut s1, mut s2) = (x.to_vec(), x.to_vec());
    rs::scale_vector_flp(&mut s1, gain);
    c::scale_vector_flp(&mut s2, gain);
    t.eq("scale_vector", b32(&s1), b32(&s2));
    let (mut s1, mut s2) = (vec![0f32; m], vec![0f32; m]);
    rs::scale_copy_vector_flp(&mut s1, x, gain);
    c::scale_copy_vector_flp(&mut s2, x, gain);
    t.eq("scale_copy_vector", b32(&s1), b32(&s2));
    if n > 0 {
        let k = 1 + rng.below(n.min(24));
        let (mut a1, mut a2) = (x.to_vec(), x.to_vec());
        let (mut i1, mut i2) = (vec![0i32; k], vec![0i32; k]);
        rs::insertion_sort_decreasing_flp(&mut a1, &mut i1, n, k);
        c::insertion_sort_decreasing_flp(&mut a2, &mut i2, n, k);
        t.eq(
            "insertion_sort_decreasing",
            (b32(&a1[..k]), i1),
            (b32(&a2[..k]), i2),
        );
    }
}

fn burg_and_nlsf(t: &mut Tally, rng: &mut Rng, x: &[f32]) {
    // Burg over stacked subframes, as find_LPC calls it.
    for &(sub, nb, d) in &[
        (96usize, 4usize, 16usize),
        (90, 4, 10),
        (70, 4, 10),
        (96, 2, 16),
        (50, 2, 10),
        (46, 4, 6),
    ] {
        if x.len() < sub * nb {
            continue;
        }
        let min_inv_gain = [1e-4f32, 1e-2, 0.3, 1.0 / 100.0][rng.below(4)];
        let (mut ar, mut ac) = (vec![0f32; d], vec![0f32; d]);
        let er = rs::burg_modified_flp(&mut ar, x, min_inv_gain, sub, nb, d);
        let ec = c::burg_modified_flp(&mut ac, x, min_inv_gain, sub, nb, d);
        t.eq(
            "burg_modified",
            (er.to_bits(), b32(&ar)),
            (ec.to_bits(), b32(&ac)),
        );
        if d == 10 || d == 16 {
            let (mut nr, mut nc) = (vec![0i16; d], vec![0i16; d]);
            rs::a2nlsf_flp(&mut nr, &ar, d);
            c::a2nlsf_flp(&mut nc, &ar, d);
            t.eq("a2nlsf_flp", &nr, &nc);
            let mut nl = [0i16; 16];
            opus_core::silk::enc::nlsf_encode::a2nlsf_flp(&mut nl, &ar, d);
            t.eq(
                "nlsf_encode::a2nlsf_flp (coding helper's copy)",
                &nl[..d],
                &nc[..],
            );
            let (mut pr, mut pc) = (vec![0f32; d], vec![0f32; d]);
            rs::nlsf2a_flp(&mut pr, &nc, d);
            c::nlsf2a_flp(&mut pc, &nc, d);
            t.eq("nlsf2a_flp", b32(&pr), b32(&pc));
        }
    }
    // Random (unstable) filters through A2NLSF.
    for d in [10usize, 16] {
        let a: Vec<f32> = (0..d).map(|_| rng.unit() * 2.0).collect();
        let (mut nr, mut nc) = (vec![0i16; d], vec![0i16; d]);
        rs::a2nlsf_flp(&mut nr, &a, d);
        c::a2nlsf_flp(&mut nc, &a, d);
        t.eq("a2nlsf_flp", nr, nc);
    }
}

fn ltp_and_residual(t: &mut Tally, rng: &mut Rng, x: &[f32]) {
    // LTP analysis filter: lags 32..288 need that much history.
    for &(sub, nb, pre) in &[(80usize, 4usize, 16usize), (40, 4, 10), (60, 2, 10)] {
        let x_start = 320;
        if x.len() < x_start + nb * sub + pre {
            continue;
        }
        let b: Vec<f32> = (0..20).map(|_| rng.unit() * 0.5).collect();
        let lags: [i32; 4] = core::array::from_fn(|_| 32 + rng.below(260) as i32);
        let inv: [f32; 4] = core::array::from_fn(|_| 1.0 / (0.5 + rng.unit().abs() * 100.0));
        let (mut rr, mut rc_) = (vec![0f32; nb * (sub + pre)], vec![0f32; nb * (sub + pre)]);
        rs::ltp_analysis_filter_flp(&mut rr, x, x_start - pre, &b, &lags, &inv, sub, nb, pre);
        c::ltp_analysis_filter_flp(&mut rc_, x, x_start - pre, &b, &lags, &inv, sub, nb, pre);
        t.eq("ltp_analysis_filter", b32(&rr), b32(&rc_));
    }
    // Residual energy per subframe.
    for &(sub, nb, order) in &[
        (80usize, 4usize, 16usize),
        (60, 4, 10),
        (40, 2, 10),
        (80, 2, 16),
    ] {
        if x.len() < nb * (sub + order) {
            continue;
        }
        let mut a = [[0f32; 16]; 2];
        for row in &mut a {
            for v in row.iter_mut().take(order) {
                *v = rng.unit() * 0.3;
            }
        }
        let gains: [f32; 4] = core::array::from_fn(|_| rng.unit().abs() * 50.0);
        let (mut nr, mut nc) = ([0f32; 4], [0f32; 4]);
        rs::residual_energy_flp(&mut nr, x, &a, &gains, sub, nb, order);
        c::residual_energy_flp(&mut nc, x, &a, &gains, sub, nb, order);
        t.eq("residual_energy", b32(&nr), b32(&nc));
    }
}

fn pitch_core(t: &mut Tally, rng: &mut Rng, frame: &[f32], fs: i32, nb: usize) {
    let complexity = rng.below(3) as i32;
    let prev_lag = if rng.below(2) == 0 {
        0
    } else {
        (2 + rng.below(16)) as i32 * fs
    };
    let thres1 = [0.7f32, 0.72, 0.74, 0.76, 0.8][rng.below(5)];
    let thres2 = 0.3 + 0.3 * rng.unit().abs();
    let corr_in = rng.unit().abs();
    let mut est = rs::PitchEstimate {
        pitch_l: [7; 4],
        lag_index: 7,
        contour_index: 7,
    };
    let mut corr_r = corr_in;
    let voiced = rs::pitch_analysis_core_flp(
        frame,
        &mut est,
        &mut corr_r,
        prev_lag,
        thres1,
        thres2,
        fs,
        complexity,
        nb,
    );
    let mut out = c::PitchOut {
        ret: 9,
        pitch_l: [7; 4],
        lag_index: 7,
        contour_index: 7,
        ltp_corr: corr_in,
    };
    c::pitch_analysis_core_flp(
        frame, &mut out, prev_lag, thres1, thres2, fs, complexity, nb,
    );
    t.eq(
        "pitch_analysis_core",
        (
            !voiced as i32,
            est.pitch_l,
            est.lag_index,
            est.contour_index,
            corr_r.to_bits(),
        ),
        (
            out.ret,
            out.pitch_l,
            out.lag_index,
            out.contour_index,
            out.ltp_corr.to_bits(),
        ),
    );
}

#[test]
fn kernels_random_inputs() {
    let mut rng = Rng(RNG_SEED);
    let mut t = Tally::default();
    for _ in 0..400 {
        let n = 1 + rng.below(400);
        let x = rng.vec(n);
        kernels_on(&mut t, &mut rng, &x);
        let x = rng.vec(400);
        burg_and_nlsf(&mut t, &mut rng, &x);
        let x = rng.vec(700);
        ltp_and_residual(&mut t, &mut rng, &x);
    }
    t.finish("random");
}

#[test]
fn kernels_on_speech() {
    let mut rng = Rng(RNG_SEED ^ 1);
    let mut t = Tally::default();
    let s: Vec<f32> = speech16().iter().map(|&v| v as f32).collect();
    let mut pos = 0;
    while pos + 700 <= s.len() {
        let n = 16 + rng.below(384);
        kernels_on(&mut t, &mut rng, &s[pos..pos + n]);
        burg_and_nlsf(&mut t, &mut rng, &s[pos..pos + 400]);
        ltp_and_residual(&mut t, &mut rng, &s[pos..pos + 700]);
        pos += 320;
    }
    t.finish("speech");
}

#[test]
fn pitch_analysis_core_random_and_speech() {
    let mut rng = Rng(RNG_SEED ^ 2);
    let mut t = Tally::default();
    for fs in [8usize, 12, 16] {
        let s: Vec<f32> = speech(fs).iter().map(|&v| v as f32).collect();
        for nb in [2usize, 4] {
            let len = (20 + 5 * nb) * fs;
            let mut pos = 0;
            while pos + len <= s.len() {
                pitch_core(&mut t, &mut rng, &s[pos..pos + len], fs as i32, nb);
                pos += 5 * nb * fs;
            }
            for _ in 0..60 {
                let x = rng.vec(len);
                pitch_core(&mut t, &mut rng, &x, fs as i32, nb);
            }
        }
    }
    t.finish("pitch core");
}

#[test]
fn ana_filt_bank_and_vad_on_speech() {
    let mut t = Tally::default();
    // Filter bank alone, random int16 input.
    let mut rng = Rng(RNG_SEED ^ 3);
    let (mut sr, mut sc) = ([0i32; 2], [0i32; 2]);
    for _ in 0..200 {
        let n = 2 * rng.below(160);
        let x: Vec<i16> = (0..n).map(|_| (rng.unit() * 32767.0) as i16).collect();
        let (mut lr, mut hr, mut lc, mut hc) = (
            vec![0i16; n / 2],
            vec![0i16; n / 2],
            vec![0i16; n / 2],
            vec![0i16; n / 2],
        );
        vad::ana_filt_bank_1(&x, &mut sr, &mut lr, &mut hr);
        c::ana_filt_bank_1(&x, &mut sc, &mut lc, &mut hc);
        t.eq("ana_filt_bank_1", (&lr, &hr, sr), (&lc, &hc, sc));
    }
    // The detector over whole files, per rate and frame size; extremes appended.
    for fs in [8usize, 12, 16] {
        for ms in [10usize, 20] {
            let mut s = speech(fs);
            s.extend((0..fs * 200).map(|i| if (i / 7) % 2 == 0 { i16::MAX } else { i16::MIN }));
            s.extend(std::iter::repeat(0).take(fs * 400));
            let n = ms * fs;
            let mut rs_st = EncoderStateFlp::zeroed();
            rs_st.s_cmn.fs_khz = fs as i32;
            rs_st.s_cmn.frame_length = n;
            vad::vad_init(&mut rs_st.s_cmn.s_vad);
            let mut cs = c::CEncoderFlp::new(fs == 16);
            cs.set_i32(CMN_FS_KHZ, fs as i32);
            cs.set_i32(CMN_FRAME_LENGTH, n as i32);
            cs.vad_init();
            for frame in s.chunks_exact(n) {
                vad::vad_get_sa_q8(&mut rs_st.s_cmn, frame);
                cs.vad_get_sa_q8(frame);
                let st = &rs_st.s_cmn;
                let bands: [i32; 4] =
                    core::array::from_fn(|b| cs.i32_at(CMN_INPUT_QUALITY_BANDS_Q15 + 4 * b));
                t.eq(
                    "vad_get_sa_q8 outputs",
                    (
                        st.speech_activity_q8,
                        st.input_tilt_q15,
                        st.input_quality_bands_q15,
                    ),
                    (
                        cs.i32_at(CMN_SPEECH_ACTIVITY_Q8),
                        cs.i32_at(CMN_INPUT_TILT_Q15),
                        bands,
                    ),
                );
                let v = &st.s_vad;
                let o = CMN_S_VAD;
                let arr = |cs: &c::CEncoderFlp, off: usize| -> [i32; 4] {
                    core::array::from_fn(|b| cs.i32_at(o + off + 4 * b))
                };
                t.eq(
                    "vad state",
                    (
                        v.ana_state,
                        v.ana_state1,
                        v.ana_state2,
                        v.xnrg_subfr,
                        v.nrg_ratio_smth_q8,
                        v.hp_state,
                        v.nl,
                        v.inv_nl,
                        v.noise_level_bias,
                        v.counter,
                    ),
                    (
                        [cs.i32_at(o), cs.i32_at(o + 4)],
                        [cs.i32_at(o + 8), cs.i32_at(o + 12)],
                        [cs.i32_at(o + 16), cs.i32_at(o + 20)],
                        arr(&cs, 24),
                        arr(&cs, 40),
                        cs.i16_at(o + 56),
                        arr(&cs, 60),
                        arr(&cs, 76),
                        arr(&cs, 92),
                        cs.i32_at(o + 108),
                    ),
                );
            }
        }
    }
    t.finish("vad");
}

/// One encoder configuration of `silk_setup_fs` + `silk_setup_complexity`.
#[derive(Clone, Copy, Debug)]
struct Config {
    fs: usize,
    nb_subfr: usize,
    complexity: i32,
    snr_db_q7: i32,
    use_cbr: bool,
    loss: i32,
    lbrr: bool,
}

fn configure(cfg: Config, r: &mut EncoderStateFlp, cs: &mut c::CEncoderFlp) {
    let fs = cfg.fs;
    let st = &mut r.s_cmn;
    st.fs_khz = fs as i32;
    st.nb_subfr = cfg.nb_subfr;
    st.frame_length = 5 * cfg.nb_subfr * fs;
    st.subfr_length = 5 * fs;
    st.ltp_mem_length = 20 * fs;
    st.la_pitch = 2 * fs;
    st.pitch_lpc_win_length = if cfg.nb_subfr == 4 { 24 * fs } else { 14 * fs };
    st.predict_lpc_order = if fs == 16 { 16 } else { 10 };
    st.ps_nlsf_cb = if fs == 16 {
        &NLSF_CB_WB
    } else {
        &NLSF_CB_NB_MB
    };
    // (pe complexity, threshold, pe order, shaping order, la_shape ms, states, interp, survivors, warping)
    let table: [(i32, f64, usize, usize, usize, i32, bool, i32, bool); 7] = [
        (0, 0.8, 6, 12, 3, 1, false, 2, false),
        (1, 0.76, 8, 14, 5, 1, false, 3, false),
        (0, 0.8, 6, 12, 3, 2, false, 2, false),
        (1, 0.76, 8, 14, 5, 2, false, 4, false),
        (1, 0.74, 10, 16, 5, 2, true, 6, true),
        (1, 0.72, 12, 20, 5, 3, true, 8, true),
        (2, 0.7, 16, 24, 5, 4, true, 16, true),
    ];
    let row = match cfg.complexity {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => 3,
        4 | 5 => 4,
        6 | 7 => 5,
        _ => 6,
    };
    let (pec, thr, peo, sho, la_ms, nst, interp, surv, warp) = table[row];
    st.pitch_estimation_complexity = pec;
    st.pitch_estimation_threshold_q16 = (thr * 65536.0 + 0.5) as i32;
    st.pitch_estimation_lpc_order = peo.min(st.predict_lpc_order);
    st.shaping_lpc_order = sho;
    st.la_shape = la_ms * fs;
    st.n_states_delayed_decision = nst;
    st.use_interpolated_nlsfs = interp;
    st.nlsf_msvq_survivors = surv;
    st.warping_q16 = if warp {
        fs as i32 * ((0.015f64 * 65536.0 + 0.5) as i32)
    } else {
        0
    };
    st.shape_win_length = 5 * fs + 2 * st.la_shape;
    st.snr_db_q7 = cfg.snr_db_q7;
    st.use_cbr = cfg.use_cbr;
    st.packet_loss_perc = cfg.loss;
    st.lbrr_flag = cfg.lbrr;
    st.n_frames_per_packet = 1;
    st.first_frame_after_reset = true;

    let set = |cs: &mut c::CEncoderFlp, off: usize, v: usize| cs.set_i32(off, v as i32);
    set(cs, CMN_FS_KHZ, fs);
    set(cs, CMN_NB_SUBFR, st.nb_subfr);
    set(cs, CMN_FRAME_LENGTH, st.frame_length);
    set(cs, CMN_SUBFR_LENGTH, st.subfr_length);
    set(cs, CMN_LTP_MEM_LENGTH, st.ltp_mem_length);
    set(cs, CMN_LA_PITCH, st.la_pitch);
    set(cs, CMN_LA_SHAPE, st.la_shape);
    set(cs, CMN_PITCH_LPC_WIN_LENGTH, st.pitch_lpc_win_length);
    set(cs, CMN_PREDICT_LPC_ORDER, st.predict_lpc_order);
    set(
        cs,
        CMN_PITCH_ESTIMATION_LPC_ORDER,
        st.pitch_estimation_lpc_order,
    );
    set(cs, CMN_SHAPING_LPC_ORDER, st.shaping_lpc_order);
    set(cs, CMN_SHAPE_WIN_LENGTH, st.shape_win_length);
    cs.set_i32(CMN_PITCH_ESTIMATION_COMPLEXITY, pec);
    cs.set_i32(
        CMN_PITCH_ESTIMATION_THRESHOLD_Q16,
        st.pitch_estimation_threshold_q16,
    );
    cs.set_i32(CMN_N_STATES_DELAYED_DECISION, nst);
    cs.set_i32(CMN_USE_INTERPOLATED_NLSFS, interp as i32);
    cs.set_i32(CMN_NLSF_MSVQ_SURVIVORS, surv);
    cs.set_i32(CMN_WARPING_Q16, st.warping_q16);
    cs.set_i32(CMN_SNR_DB_Q7, cfg.snr_db_q7);
    cs.set_i32(CMN_USE_CBR, cfg.use_cbr as i32);
    cs.set_i32(CMN_PACKET_LOSS_PERC, cfg.loss);
    cs.set_i8(CMN_LBRR_FLAG, cfg.lbrr as i8);
    cs.set_i32(CMN_N_FRAMES_PER_PACKET, 1);
    cs.set_i32(CMN_FIRST_FRAME_AFTER_RESET, 1);
    cs.set_i32(CMN_ARCH, 0);
}

fn arr_f32<const N: usize>(get: impl Fn(usize) -> f32, off: usize) -> [u32; N] {
    core::array::from_fn(|i| get(off + 4 * i).to_bits())
}

/// Runs the analysis chain of `silk_encode_frame_FLP` over `input` on both sides.
fn run_chain(t: &mut Tally, cfg: Config, input: &[i16]) -> [usize; 3] {
    let mut r = EncoderStateFlp::zeroed();
    let mut cs = c::CEncoderFlp::new(cfg.fs == 16);
    configure(cfg, &mut r, &mut cs);
    vad::vad_init(&mut r.s_cmn.s_vad);
    cs.vad_init();

    let fs = cfg.fs;
    let frame_length = r.s_cmn.frame_length;
    let ltp_mem = r.s_cmn.ltp_mem_length;
    let nb = cfg.nb_subfr;
    let mut x_buf = vec![0f32; 2 * 320 + 80];
    let mut res_r = vec![0f32; 2 * 320 + 32];
    let mut res_c = vec![0f32; 2 * 320 + 32];
    let mut frames = 0;
    let mut voiced_frames = 0;
    let mut interp_frames = 0;

    for (fi, frame) in input.chunks_exact(frame_length).enumerate() {
        // encode_do_VAD_FLP: activity decides between no-activity and unvoiced.
        vad::vad_get_sa_q8(&mut r.s_cmn, frame);
        cs.vad_get_sa_q8(frame);
        t.eq(
            "chain: vad",
            r.s_cmn.speech_activity_q8,
            cs.i32_at(CMN_SPEECH_ACTIVITY_Q8),
        );
        let signal_type: i8 = if r.s_cmn.speech_activity_q8 < 13 {
            0
        } else {
            1
        };
        r.s_cmn.indices.signal_type = signal_type;
        cs.set_i8(CMN_INDICES + IND_SIGNAL_TYPE, signal_type);

        // New samples go LA_SHAPE_MS after the frame start.
        let at = ltp_mem + 5 * fs;
        for (d, &s) in x_buf[at..at + frame_length].iter_mut().zip(frame) {
            *d = s as f32;
        }
        for (i, &v) in x_buf.iter().enumerate() {
            cs.set_f32(ENC_X_BUF + 4 * i, v);
        }
        r.x_buf.copy_from_slice(&x_buf);

        let mut ctrl = EncoderControlFlp::zeroed();
        let mut cc = c::CControlFlp::new();

        // Pitch.
        pitch_analysis::find_pitch_lags_flp(&mut r, &mut ctrl, &mut res_r, &x_buf);
        cs.find_pitch_lags(&mut cc, &mut res_c);
        let buf_len = ltp_mem + frame_length + r.s_cmn.la_pitch;
        t.eq(
            "chain: find_pitch_lags res",
            b32(&res_r[..buf_len]),
            b32(&res_c[..buf_len]),
        );
        t.eq(
            "chain: find_pitch_lags",
            (
                ctrl.pitch_l,
                r.s_cmn.indices.lag_index,
                r.s_cmn.indices.contour_index,
                r.s_cmn.indices.signal_type,
                r.ltp_corr.to_bits(),
                ctrl.pred_gain.to_bits(),
            ),
            (
                core::array::from_fn(|k| cc.i32_at(CTRL_PITCH_L + 4 * k)),
                cs.i16_at(CMN_INDICES + IND_LAG_INDEX),
                cs.i8_at(CMN_INDICES + IND_CONTOUR_INDEX),
                cs.i8_at(CMN_INDICES + IND_SIGNAL_TYPE),
                cs.f32_at(ENC_LTP_CORR).to_bits(),
                cc.f32_at(CTRL_PRED_GAIN).to_bits(),
            ),
        );

        // Noise shaping.
        noise_shape::noise_shape_analysis_flp(&mut r, &mut ctrl, &res_r, &x_buf);
        cs.noise_shape_analysis(&mut cc, &res_c);
        let g = |o| cc.f32_at(o);
        t.eq(
            "chain: noise_shape_analysis",
            (
                b32(&ctrl.ar),
                b32(&ctrl.gains),
                b32(&ctrl.lf_ma_shp),
                b32(&ctrl.lf_ar_shp),
                b32(&ctrl.tilt),
                b32(&ctrl.harm_shape_gain),
                ctrl.input_quality.to_bits(),
                ctrl.coding_quality.to_bits(),
                r.s_cmn.indices.quant_offset_type,
                r.s_shape.harm_shape_gain_smth.to_bits(),
                r.s_shape.tilt_smth.to_bits(),
            ),
            (
                arr_f32::<96>(g, CTRL_AR).to_vec(),
                arr_f32::<4>(g, CTRL_GAINS).to_vec(),
                arr_f32::<4>(g, CTRL_LF_MA_SHP).to_vec(),
                arr_f32::<4>(g, CTRL_LF_AR_SHP).to_vec(),
                arr_f32::<4>(g, CTRL_TILT).to_vec(),
                arr_f32::<4>(g, CTRL_HARM_SHAPE_GAIN).to_vec(),
                cc.f32_at(CTRL_INPUT_QUALITY).to_bits(),
                cc.f32_at(CTRL_CODING_QUALITY).to_bits(),
                cs.i8_at(CMN_INDICES + IND_QUANT_OFFSET_TYPE),
                cs.f32_at(ENC_S_SHAPE + SHAPE_HARM_SMTH).to_bits(),
                cs.f32_at(ENC_S_SHAPE + SHAPE_TILT_SMTH).to_bits(),
            ),
        );

        // Prediction coefficients.
        let cond = if fi == 0 {
            CondCoding::Independently
        } else {
            CondCoding::Conditionally
        };
        let cond_c = if fi == 0 { 0 } else { 2 };
        find_pred_coefs::find_pred_coefs_flp(&mut r, &mut ctrl, &res_r, &x_buf, cond);
        cs.find_pred_coefs(&mut cc, &res_c, cond_c);
        let g = |o| cc.f32_at(o);
        let pred: Vec<u32> = (0..32)
            .map(|i| cc.f32_at(CTRL_PRED_COEF + 4 * i).to_bits())
            .collect();
        let pred_r: Vec<u32> = ctrl.pred_coef.iter().flat_map(|row| b32(row)).collect();
        let nlsf_ix: Vec<i8> = (0..17)
            .map(|i| cs.i8_at(CMN_INDICES + IND_NLSF_INDICES + i))
            .collect();
        let prev_nlsf: Vec<i16> = (0..16)
            .map(|i| cs.i16_at(CMN_PREV_NLSFQ_Q15 + 2 * i))
            .collect();
        let ltp_ix: Vec<i8> = (0..4)
            .map(|i| cs.i8_at(CMN_INDICES + IND_LTP_INDEX + i))
            .collect();
        let ind = &r.s_cmn.indices;
        t.eq(
            "chain: find_pred_coefs",
            (
                b32(&ctrl.ltp_coef),
                ctrl.lt_pred_cod_gain.to_bits(),
                ctrl.ltp_scale.to_bits(),
                pred_r,
                b32(&ctrl.res_nrg),
                ind.ltp_index.to_vec(),
                ind.per_index,
                ind.ltp_scale_index,
                ind.nlsf_indices.to_vec(),
                ind.nlsf_interp_coef_q2,
                r.s_cmn.sum_log_gain_q7,
                r.s_cmn.prev_nlsfq_q15.to_vec(),
            ),
            (
                arr_f32::<20>(g, CTRL_LTP_COEF).to_vec(),
                cc.f32_at(CTRL_LT_PRED_COD_GAIN).to_bits(),
                cc.f32_at(CTRL_LTP_SCALE).to_bits(),
                pred,
                arr_f32::<4>(g, CTRL_RES_NRG).to_vec(),
                ltp_ix,
                cs.i8_at(CMN_INDICES + IND_PER_INDEX),
                cs.i8_at(CMN_INDICES + IND_LTP_SCALE_INDEX),
                nlsf_ix,
                cs.i8_at(CMN_INDICES + IND_NLSF_INTERP_COEF_Q2),
                cs.i32_at(CMN_SUM_LOG_GAIN_Q7),
                prev_nlsf,
            ),
        );

        // Gains.
        process_gains::process_gains_flp(&mut r, &mut ctrl, cond);
        cs.process_gains(&mut cc, cond_c);
        let g = |o| cc.f32_at(o);
        let gix: Vec<i8> = (0..4)
            .map(|i| cs.i8_at(CMN_INDICES + IND_GAINS_INDICES + i))
            .collect();
        t.eq(
            "chain: process_gains",
            (
                b32(&ctrl.gains[..nb]),
                ctrl.gains_unq_q16[..nb].to_vec(),
                ctrl.lambda.to_bits(),
                ctrl.last_gain_index_prev,
                r.s_cmn.indices.gains_indices[..nb].to_vec(),
                r.s_cmn.indices.quant_offset_type,
                r.s_shape.last_gain_index,
            ),
            (
                arr_f32::<4>(g, CTRL_GAINS)[..nb].to_vec(),
                (0..nb)
                    .map(|k| cc.i32_at(CTRL_GAINS_UNQ_Q16 + 4 * k))
                    .collect::<Vec<_>>(),
                cc.f32_at(CTRL_LAMBDA).to_bits(),
                cc.i8_at(CTRL_LAST_GAIN_INDEX_PREV),
                gix[..nb].to_vec(),
                cs.i8_at(CMN_INDICES + IND_QUANT_OFFSET_TYPE),
                cs.i8_at(ENC_S_SHAPE + SHAPE_LAST_GAIN_INDEX),
            ),
        );

        // End-of-frame updates of silk_encode_frame_FLP, applied to both.
        let voiced = r.s_cmn.indices.signal_type == 2;
        voiced_frames += voiced as usize;
        interp_frames += (r.s_cmn.indices.nlsf_interp_coef_q2 < 4) as usize;
        let prev_lag = if voiced { ctrl.pitch_l[nb - 1] } else { 0 };
        r.s_cmn.prev_lag = prev_lag;
        r.s_cmn.prev_signal_type = r.s_cmn.indices.signal_type;
        r.s_cmn.first_frame_after_reset = false;
        cs.set_i32(CMN_PREV_LAG, prev_lag);
        cs.set_i8(CMN_PREV_SIGNAL_TYPE, r.s_cmn.indices.signal_type);
        cs.set_i32(CMN_FIRST_FRAME_AFTER_RESET, 0);
        x_buf.copy_within(frame_length.., 0);
        frames += 1;
    }
    assert!(frames > 10, "{cfg:?}: too few frames");
    [frames, voiced_frames, interp_frames]
}

#[test]
fn analysis_chain_on_speech() {
    let mut t = Tally::default();
    let mut rng = Rng(RNG_SEED ^ 4);
    let mut counts = [0usize; 3];
    for fs in [8usize, 12, 16] {
        let s = speech(fs);
        for nb_subfr in [4usize, 2] {
            for complexity in [0, 1, 2, 3, 5, 7, 10] {
                let cfg = Config {
                    fs,
                    nb_subfr,
                    complexity,
                    snr_db_q7: 128 * (10 + rng.below(30) as i32),
                    use_cbr: rng.below(2) == 0,
                    loss: [0, 5, 20][rng.below(3)],
                    lbrr: rng.below(2) == 0,
                };
                let n = run_chain(&mut t, cfg, &s);
                for i in 0..3 {
                    counts[i] += n[i];
                }
            }
        }
    }
    // Noise bursts and silence at 16 kHz, highest complexity.
    let noise: Vec<i16> = (0..16 * 1000)
        .map(|i| {
            if (i / 4000) % 2 == 0 {
                (rng.unit() * 20000.0) as i16
            } else {
                0
            }
        })
        .collect();
    let cfg = Config {
        fs: 16,
        nb_subfr: 4,
        complexity: 10,
        snr_db_q7: 3000,
        use_cbr: false,
        loss: 10,
        lbrr: true,
    };
    run_chain(&mut t, cfg, &noise);
    println!(
        "chain: {} speech frames, {} voiced, {} with NLSF interpolation",
        counts[0], counts[1], counts[2]
    );
    assert!(
        counts[1] > counts[0] / 4 && counts[2] > 0,
        "voiced and interpolated paths exercised"
    );
    t.finish("chain");
}

//! Per-frame acoustic feature analysis (libopus 1.6.1 `dnn/lpcnet_enc.c`): the 20 features
//! that DRED, the neural PLC and FARGAN exchange, plus 16 LPC coefficients.
//!
//! Input is 16 kHz audio on the int16 scale, 160 samples (10 ms) per call. Each frame is
//! pre-emphasised (0.85), then:
//!
//! 1. a 320-sample window (previous 160 + current 160 samples) is windowed and
//!    transformed; its 18 band energies become a log spectrum with a spreading floor,
//!    whose DCT is the cepstrum (features 0..18, with `c0 − 4`);
//! 2. order-16 LPC are derived from that cepstrum (features 20..36);
//! 3. the LPC residual of the input delayed by 5 ms, weighted as `r[n] + 0.7·r[n−1]`, gives
//!    224 normalised cross-correlations; with 88 phase/energy values of the first 30 bins
//!    they drive [`PitchDnnState`] (feature 18, `log2(256/period) − 1.5`);
//! 4. the normalised correlation at that period of the low-passed residual, mapped through
//!    a softplus, is feature 19 (minus 0.5).
//!
//! [`LpcnetEncState`] is libopus's `LPCNetEncState`; its two entry points are
//! [`LpcnetEncState::compute_single_frame_features`] (int16 PCM) and
//! [`LpcnetEncState::compute_single_frame_features_float`] (float PCM, same scale).
//! Results are bit-exact with libopus's generic C build. No call allocates or panics.
//!
//! Non-finite input (NaN or ±inf samples) does not panic: the features of that frame, and
//! of later frames until [`LpcnetEncState::reset`], become NaN where the values propagate
//! through the filter and network memories. Where libopus would convert a NaN pitch to an
//! integer (undefined behaviour in C), the lag is clamped into the history buffer instead.

use std::sync::Arc;

use opus_core::celt::kiss_fft::Complex;
use opus_core::celt::lpc::celt_fir;
use opus_core::celt::mathops::celt_log2;
use opus_core::celt::pitch::{celt_inner_prod, celt_pitch_xcorr};

use crate::freq::{
    apply_window, compute_band_energy, dct, forward_transform, lpc_from_cepstrum, max16, min16,
    FRAME_SIZE, FREQ_SIZE, LPC_ORDER, NB_BANDS, OVERLAP_SIZE, PREEMPHASIS, WINDOW_SIZE,
};
use crate::pitchdnn::{
    PitchDnn, PitchDnnState, NB_XCORR_FEATURES, PITCH_IF_FEATURES, PITCH_IF_MAX_FREQ,
    PITCH_MAX_PERIOD,
};
use crate::weights::WeightsError;

/// Features exchanged by DRED, PLC and FARGAN: 18 cepstral values, pitch, correlation
/// (libopus `NB_FEATURES`).
pub const NB_FEATURES: usize = 20;
/// [`NB_FEATURES`] plus the 16 LPC coefficients (libopus `NB_TOTAL_FEATURES`).
pub const NB_TOTAL_FEATURES: usize = NB_FEATURES + LPC_ORDER;
/// Index of the pitch feature.
pub const PITCH_FEATURE: usize = NB_BANDS;
/// Index of the pitch-correlation feature.
pub const CORR_FEATURE: usize = NB_BANDS + 1;
/// Index of the first LPC coefficient in the 36-value vector.
pub const LPC_FEATURES: usize = NB_BANDS + 2;
/// Samples per call (libopus `LPCNET_FRAME_SIZE`).
pub const LPCNET_FRAME_SIZE: usize = FRAME_SIZE;
/// Delay, in samples, of the signal the pitch analysis sees relative to the spectral
/// analysis (libopus `TRAINING_OFFSET`).
pub const TRAINING_OFFSET: usize = 80;
/// Residual history kept for the correlation search (libopus `PITCH_BUF_SIZE`; only the
/// first `PITCH_MAX_PERIOD + FRAME_SIZE` values are used).
pub const PITCH_BUF_SIZE: usize = PITCH_MAX_PERIOD + 2 * FRAME_SIZE;

/// `[b, a]` of the 2nd-order elliptic low-pass (1.2 kHz) applied to the residual before the
/// correlation feature is measured.
const LP_B: [f32; 2] = [-0.84946, 1.0];
const LP_A: [f32; 2] = [-1.54220, 0.70781];

/// `log10` through libopus's double-precision `celt_log2` (libopus `celt_log10` in
/// `lpcnet_enc.c`).
#[inline]
fn celt_log10(x: f32) -> f32 {
    // libopus's literal, kept as written.
    #[allow(clippy::excessive_precision, clippy::approx_constant)]
    const LOG10_2: f32 = 0.3010299957;
    LOG10_2 * celt_log2(x)
}

/// Log energy of a bin mapped to [-1, 1] for the instantaneous-frequency input; `e` is the
/// energy with its `1e-15` offset already added (in libopus's order).
#[inline]
fn if_log_energy(e: f32) -> f32 {
    max16(
        -1.0,
        min16(1.0, (1.0 / 64.0) * (10.0 * celt_log10(e) - 6.0)),
    )
}

/// First-order pre-emphasis `y[n] = x[n] − coef·x[n−1]`, in place; `mem` holds
/// `−coef·x[n−1]` across calls (libopus `preemphasis`).
pub fn preemphasis(buf: &mut [f32], mem: &mut f32, coef: f32) {
    for v in buf.iter_mut() {
        let x = *v;
        let y = x + *mem;
        *mem = -coef * x;
        *v = y;
    }
}

/// Direct-form biquad with libopus's reordered state update (libopus `biquad` in
/// `lpcnet_enc.c`), in place.
fn biquad(buf: &mut [f32], mem: &mut [f32; 2], b: &[f32; 2], a: &[f32; 2]) {
    let mut mem0 = mem[0];
    let mut mem1 = mem[1];
    for v in buf.iter_mut() {
        let xi = *v;
        let yi = xi + mem0;
        let mem00 = mem0;
        // The tiny constant is libopus's; it pins the evaluation order and never changes
        // the result.
        mem0 = (b[0] - a[0]) * xi + mem1 - a[0] * mem0;
        mem1 = (b[1] - a[1]) * xi + 1e-30 - a[1] * mem00;
        *v = yi;
    }
    mem[0] = mem0;
    mem[1] = mem1;
}

/// The feature analysis state (libopus `LPCNetEncState`).
///
/// About 17 KiB; box it if stack space matters. The PitchDNN weights are shared through an
/// [`Arc`].
#[derive(Clone, Debug)]
pub struct LpcnetEncState {
    pitchdnn: PitchDnnState,
    analysis_mem: [f32; OVERLAP_SIZE],
    mem_preemph: f32,
    prev_if: [Complex; PITCH_IF_MAX_FREQ],
    if_features: [f32; PITCH_IF_FEATURES],
    xcorr_features: [f32; NB_XCORR_FEATURES],
    dnn_pitch: f32,
    pitch_mem: [f32; LPC_ORDER],
    pitch_filt: f32,
    exc_buf: [f32; PITCH_BUF_SIZE],
    lp_buf: [f32; PITCH_BUF_SIZE],
    lp_mem: [f32; 2],
    lpc: [f32; LPC_ORDER],
    features: [f32; NB_TOTAL_FEATURES],
    band_energy: [f32; NB_BANDS],
}

impl LpcnetEncState {
    /// A fresh state running `model` (libopus `lpcnet_encoder_init` /
    /// `lpcnet_encoder_load_model`).
    pub fn new(model: Arc<PitchDnn>) -> Self {
        LpcnetEncState {
            pitchdnn: PitchDnnState::new(model),
            analysis_mem: [0.0; OVERLAP_SIZE],
            mem_preemph: 0.0,
            prev_if: [Complex::default(); PITCH_IF_MAX_FREQ],
            if_features: [0.0; PITCH_IF_FEATURES],
            xcorr_features: [0.0; NB_XCORR_FEATURES],
            dnn_pitch: 0.0,
            pitch_mem: [0.0; LPC_ORDER],
            pitch_filt: 0.0,
            exc_buf: [0.0; PITCH_BUF_SIZE],
            lp_buf: [0.0; PITCH_BUF_SIZE],
            lp_mem: [0.0; 2],
            lpc: [0.0; LPC_ORDER],
            features: [0.0; NB_TOTAL_FEATURES],
            band_energy: [0.0; NB_BANDS],
        }
    }

    /// A fresh state with libopus 1.6.1's PitchDNN weights ([`PitchDnn::default_model`]).
    ///
    /// # Errors
    /// Only if the embedded weights are corrupted (see [`crate::weights::default_blob`]).
    pub fn with_default_model() -> Result<Self, WeightsError> {
        Ok(Self::new(PitchDnn::default_model()?))
    }

    /// Returns to the freshly created state, keeping the model. Does not allocate.
    pub fn reset(&mut self) {
        let model = Arc::clone(self.pitchdnn.model());
        *self = Self::new(model);
    }

    /// Analyses 160 int16 samples and writes the 36 features (libopus
    /// `lpcnet_compute_single_frame_features`).
    pub fn compute_single_frame_features(
        &mut self,
        pcm: &[i16; FRAME_SIZE],
        features: &mut [f32; NB_TOTAL_FEATURES],
    ) {
        let mut x = [0.0f32; FRAME_SIZE];
        for (d, &s) in x.iter_mut().zip(pcm.iter()) {
            *d = f32::from(s);
        }
        self.single_frame(&mut x, features);
    }

    /// Analyses 160 float samples on the int16 scale (±32768) and writes the 36 features
    /// (libopus `lpcnet_compute_single_frame_features_float`).
    pub fn compute_single_frame_features_float(
        &mut self,
        pcm: &[f32; FRAME_SIZE],
        features: &mut [f32; NB_TOTAL_FEATURES],
    ) {
        let mut x = *pcm;
        self.single_frame(&mut x, features);
    }

    fn single_frame(&mut self, x: &mut [f32; FRAME_SIZE], features: &mut [f32; NB_TOTAL_FEATURES]) {
        preemphasis(x, &mut self.mem_preemph, PREEMPHASIS);
        self.compute_frame_features(x);
        *features = self.features;
    }

    /// Window, transform and band energies of the current 20 ms (libopus `frame_analysis`).
    fn frame_analysis(
        &mut self,
        spec: &mut [Complex; FREQ_SIZE],
        ex: &mut [f32; NB_BANDS],
        input: &[f32; FRAME_SIZE],
    ) {
        let mut x = [0.0f32; WINDOW_SIZE];
        x[..OVERLAP_SIZE].copy_from_slice(&self.analysis_mem);
        x[OVERLAP_SIZE..].copy_from_slice(input);
        self.analysis_mem
            .copy_from_slice(&input[FRAME_SIZE - OVERLAP_SIZE..]);
        apply_window(&mut x);
        forward_transform(spec, &x);
        compute_band_energy(ex, spec);
    }

    /// Computes all features of one already pre-emphasised frame into the state (libopus
    /// `compute_frame_features`); read them with [`LpcnetEncState::features`].
    pub fn compute_frame_features(&mut self, input: &[f32; FRAME_SIZE]) {
        // Spectral analysis. The pitch path works on the input delayed by TRAINING_OFFSET,
        // whose first part is still in the analysis memory.
        let mut aligned_in = [0.0f32; FRAME_SIZE];
        aligned_in[..TRAINING_OFFSET]
            .copy_from_slice(&self.analysis_mem[OVERLAP_SIZE - TRAINING_OFFSET..]);
        let mut spec = [Complex::default(); FREQ_SIZE];
        let mut ex = [0.0f32; NB_BANDS];
        self.frame_analysis(&mut spec, &mut ex, input);
        self.band_energy = ex;

        // Instantaneous-frequency input of PitchDNN.
        self.if_features[0] = if_log_energy(1e-15 + spec[0].r * spec[0].r);
        for i in 1..PITCH_IF_MAX_FREQ {
            let (x, p) = (spec[i], self.prev_if[i]);
            let mut prod = Complex::new(x.r * p.r + x.i * p.i, x.i * p.r - x.r * p.i);
            let norm_1 =
                (1.0f64 / f64::from(1e-15 + prod.r * prod.r + prod.i * prod.i).sqrt()) as f32;
            prod.r *= norm_1;
            prod.i *= norm_1;
            self.if_features[3 * i - 2] = prod.r;
            self.if_features[3 * i - 1] = prod.i;
            self.if_features[3 * i] = if_log_energy(1e-15 + x.r * x.r + x.i * x.i);
        }
        self.prev_if.copy_from_slice(&spec[..PITCH_IF_MAX_FREQ]);

        // Cepstrum: log band energies, floored at 8 below the running max and at most
        // 2.5 below the previous band.
        let mut ly = [0.0f32; NB_BANDS];
        let mut log_max = -2.0f32;
        let mut follow = -2.0f32;
        for (l, &e) in ly.iter_mut().zip(ex.iter()) {
            let v = celt_log10(1e-2 + e);
            let v = max16(log_max - 8.0, max16(follow - 2.5, v));
            *l = v;
            log_max = max16(log_max, v);
            follow = max16(follow - 2.5, v);
        }
        let mut ceps = [0.0f32; NB_BANDS];
        dct(&mut ceps, &ly);
        ceps[0] -= 4.0;
        self.features[..NB_BANDS].copy_from_slice(&ceps);
        lpc_from_cepstrum(&mut self.lpc, &ceps);
        self.features[LPC_FEATURES..].copy_from_slice(&self.lpc);

        // LPC residual of the delayed input, and its weighted and low-passed versions.
        self.exc_buf
            .copy_within(FRAME_SIZE..FRAME_SIZE + PITCH_MAX_PERIOD, 0);
        self.lp_buf
            .copy_within(FRAME_SIZE..FRAME_SIZE + PITCH_MAX_PERIOD, 0);
        aligned_in[TRAINING_OFFSET..].copy_from_slice(&input[..FRAME_SIZE - TRAINING_OFFSET]);
        let mut x = [0.0f32; FRAME_SIZE + LPC_ORDER];
        x[..LPC_ORDER].copy_from_slice(&self.pitch_mem);
        x[LPC_ORDER..].copy_from_slice(&aligned_in);
        self.pitch_mem
            .copy_from_slice(&aligned_in[FRAME_SIZE - LPC_ORDER..]);
        let cur = PITCH_MAX_PERIOD..PITCH_MAX_PERIOD + FRAME_SIZE;
        celt_fir(
            &x,
            LPC_ORDER,
            &self.lpc,
            &mut self.lp_buf[cur.clone()],
            FRAME_SIZE,
            LPC_ORDER,
        );
        for i in 0..FRAME_SIZE {
            let r = self.lp_buf[PITCH_MAX_PERIOD + i];
            self.exc_buf[PITCH_MAX_PERIOD + i] = r + 0.7 * self.pitch_filt;
            self.pitch_filt = r;
        }
        biquad(
            &mut self.lp_buf[cur.clone()],
            &mut self.lp_mem,
            &LP_B,
            &LP_A,
        );

        // Normalised cross-correlation of the weighted residual at lags 32..255.
        {
            let buf = &self.exc_buf;
            let mut xcorr = [0.0f32; NB_XCORR_FEATURES];
            celt_pitch_xcorr(
                &buf[PITCH_MAX_PERIOD..],
                buf,
                &mut xcorr,
                FRAME_SIZE,
                NB_XCORR_FEATURES,
            );
            let ener0 = celt_inner_prod(
                &buf[PITCH_MAX_PERIOD..],
                &buf[PITCH_MAX_PERIOD..],
                FRAME_SIZE,
            );
            let mut ener1 = f64::from(celt_inner_prod(buf, buf, FRAME_SIZE));
            let mut ener_norm = [0.0f32; NB_XCORR_FEATURES];
            for i in 0..NB_XCORR_FEATURES {
                ener_norm[i] = (f64::from(1.0 + ener0) + ener1) as f32;
                self.xcorr_features[i] = 2.0 * xcorr[i];
                let a = f64::from(buf[i + FRAME_SIZE]);
                let b = f64::from(buf[i]);
                ener1 += a * a - b * b;
            }
            for (f, &n) in self.xcorr_features.iter_mut().zip(ener_norm.iter()) {
                *f /= n;
            }
        }

        self.dnn_pitch = self
            .pitchdnn
            .compute(&self.if_features, &self.xcorr_features);

        // Pitch correlation of the low-passed residual at the estimated period.
        let period = (0.5
            + 256.0 / 2.0f64.powf((1.0 / 60.0) * ((f64::from(self.dnn_pitch) + 1.5) * 60.0)))
        .floor();
        // Always 32..=256 for finite input; the clamp only guards the NaN case.
        let pitch = (period as i32).clamp(0, PITCH_MAX_PERIOD as i32) as usize;
        let lp = &self.lp_buf;
        let cur_lp = &lp[PITCH_MAX_PERIOD..];
        let past_lp = &lp[PITCH_MAX_PERIOD - pitch..];
        let xx = celt_inner_prod(cur_lp, cur_lp, FRAME_SIZE);
        let yy = celt_inner_prod(past_lp, past_lp, FRAME_SIZE);
        let xy = celt_inner_prod(cur_lp, past_lp, FRAME_SIZE);
        let frame_corr = (f64::from(xy) / f64::from(1.0 + xx * yy).sqrt()) as f32;
        let frame_corr = ((1.0f64 + f64::from(5.0 * frame_corr).exp()).ln()
            / (1.0f64 + 5.0f64.exp()).ln()) as f32;
        self.features[PITCH_FEATURE] = self.dnn_pitch;
        self.features[CORR_FEATURE] = frame_corr - 0.5;
    }

    /// The 36 features of the last frame: cepstrum (0..18), pitch (18), correlation (19),
    /// LPC (20..36).
    pub fn features(&self) -> &[f32; NB_TOTAL_FEATURES] {
        &self.features
    }

    /// The 18 band energies of the last frame's window (not stored by libopus; kept here
    /// for inspection).
    pub fn band_energy(&self) -> &[f32; NB_BANDS] {
        &self.band_energy
    }

    /// The LPC coefficients of the last frame (same as features 20..36).
    pub fn lpc(&self) -> &[f32; LPC_ORDER] {
        &self.lpc
    }

    /// The 88 instantaneous-frequency inputs PitchDNN saw in the last frame.
    pub fn if_features(&self) -> &[f32; PITCH_IF_FEATURES] {
        &self.if_features
    }

    /// The 224 normalised correlations PitchDNN saw in the last frame.
    pub fn xcorr_features(&self) -> &[f32; NB_XCORR_FEATURES] {
        &self.xcorr_features
    }

    /// PitchDNN's output for the last frame (same as feature 18).
    pub fn dnn_pitch(&self) -> f32 {
        self.dnn_pitch
    }

    /// The weighted LPC residual history (libopus `exc_buf`); the last frame is at
    /// `256..416`.
    pub fn exc_buf(&self) -> &[f32; PITCH_BUF_SIZE] {
        &self.exc_buf
    }

    /// The low-passed LPC residual history (libopus `lp_buf`); the last frame is at
    /// `256..416`.
    pub fn lp_buf(&self) -> &[f32; PITCH_BUF_SIZE] {
        &self.lp_buf
    }

    /// The PitchDNN part of the state.
    pub fn pitchdnn(&self) -> &PitchDnnState {
        &self.pitchdnn
    }
}

/// Pitch period in samples from the pitch feature, as the analysis rounds it:
/// `floor(0.5 + 256 / 2^(f + 1.5))`, clamped to `0..=256` for non-finite input.
pub fn pitch_period(pitch_feature: f32) -> usize {
    let p = (0.5 + 256.0 / 2.0f64.powf((1.0 / 60.0) * ((f64::from(pitch_feature) + 1.5) * 60.0)))
        .floor();
    (p as i32).clamp(0, PITCH_MAX_PERIOD as i32) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> LpcnetEncState {
        LpcnetEncState::with_default_model().expect("embedded weights")
    }

    #[test]
    fn sine_gives_its_pitch() {
        let mut st = state();
        let mut f = [0.0f32; NB_TOTAL_FEATURES];
        let period = 80.0f64; // 200 Hz
        let mut n = 0usize;
        for _ in 0..40 {
            let mut pcm = [0.0f32; FRAME_SIZE];
            for s in pcm.iter_mut() {
                *s = (8000.0 * (2.0 * std::f64::consts::PI * n as f64 / period).sin()) as f32;
                n += 1;
            }
            st.compute_single_frame_features_float(&pcm, &mut f);
        }
        let p = pitch_period(f[PITCH_FEATURE]);
        assert!((78..=82).contains(&p), "period {p}");
        assert!(f[CORR_FEATURE] > 0.3, "corr {}", f[CORR_FEATURE]);
    }

    #[test]
    fn reset_matches_fresh_state() {
        let mut a = state();
        let mut b = state();
        let mut fa = [0.0f32; NB_TOTAL_FEATURES];
        let mut fb = [0.0f32; NB_TOTAL_FEATURES];
        let mut pcm = [0i16; FRAME_SIZE];
        for (i, s) in pcm.iter_mut().enumerate() {
            *s = ((i * 7919) % 4001) as i16 - 2000;
        }
        for _ in 0..5 {
            a.compute_single_frame_features(&pcm, &mut fa);
        }
        a.reset();
        for _ in 0..3 {
            a.compute_single_frame_features(&pcm, &mut fa);
            b.compute_single_frame_features(&pcm, &mut fb);
            assert_eq!(fa.map(f32::to_bits), fb.map(f32::to_bits));
        }
    }

    #[test]
    fn int_and_float_entry_points_agree() {
        let mut a = state();
        let mut b = state();
        let mut fa = [0.0f32; NB_TOTAL_FEATURES];
        let mut fb = [0.0f32; NB_TOTAL_FEATURES];
        for k in 0..4 {
            let mut pcm = [0i16; FRAME_SIZE];
            for (i, s) in pcm.iter_mut().enumerate() {
                *s = (((i + k * 160) * 48271) % 20001) as i16 - 10000;
            }
            a.compute_single_frame_features(&pcm, &mut fa);
            b.compute_single_frame_features_float(&pcm.map(f32::from), &mut fb);
            assert_eq!(fa.map(f32::to_bits), fb.map(f32::to_bits));
        }
    }

    #[test]
    fn non_finite_input_does_not_panic() {
        let mut st = state();
        let mut f = [0.0f32; NB_TOTAL_FEATURES];
        for pcm in [
            [f32::NAN; FRAME_SIZE],
            [f32::INFINITY; FRAME_SIZE],
            [f32::MAX; FRAME_SIZE],
            [-f32::MAX; FRAME_SIZE],
        ] {
            st.compute_single_frame_features_float(&pcm, &mut f);
        }
        st.reset();
        st.compute_single_frame_features_float(&[0.0; FRAME_SIZE], &mut f);
        assert!(f.iter().all(|v| v.is_finite()));
    }
}

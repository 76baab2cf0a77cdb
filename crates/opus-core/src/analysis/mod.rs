//! The Opus encoder's signal analysis: tonality, speech/music and activity classification,
//! bandwidth and leakage detection (libopus 1.6.1 `src/analysis.c`, `src/mlp.c`).
//!
//! The encoder feeds its input, downmixed to mono and resampled to 24 kHz, through a
//! 480-point FFT every 20 ms (windows overlapping by 10 ms). From each spectrum it derives
//! per-band tonality, noisiness, stationarity, a band cepstrum and spectral variability,
//! which a small GRU network ([`mlp`]) turns into music and voice-activity probabilities.
//! It also finds the audio bandwidth and how much each CELT band leaks into its
//! neighbours. Results go into a ring of [`AnalysisInfo`] records;
//! [`TonalityAnalysisState::get_info`] reads the one matching the frame being encoded,
//! smoothing the music probability over the look-ahead to decide when a mode switch is
//! cheapest.
//!
//! Input: interleaved PCM (float, 16-bit or 24-bit, see [`AnalysisPcm`]) at 16, 24 or
//! 48 kHz. Output: one [`AnalysisInfo`] per encoded frame. Float arithmetic follows the
//! libopus float build operation for operation, so results are bit-exact with its generic C
//! build. Nothing allocates after construction, and no input (NaN included) can panic.

pub mod mlp;
pub mod mlp_tables;
pub mod tables;
mod tonality;

pub use crate::celt::encoder_analysis::{AnalysisInfo, LEAK_BANDS};

use crate::celt::mathops::{max32, min32};

/// Number of past spectra kept for stationarity and variability (libopus `NB_FRAMES`).
pub const NB_FRAMES: usize = 8;
/// Number of analysis bands (libopus `NB_TBANDS`).
pub const NB_TBANDS: usize = 18;
/// Samples at 24 kHz buffered for one analysis window: 30 ms (libopus `ANALYSIS_BUF_SIZE`).
pub const ANALYSIS_BUF_SIZE: usize = 720;
/// Frame count past which the start-up behaviour no longer changes (libopus
/// `ANALYSIS_COUNT_MAX`).
pub const ANALYSIS_COUNT_MAX: i32 = 10000;
/// Length of the ring of per-window results (libopus `DETECT_SIZE`).
pub const DETECT_SIZE: usize = 100;
/// Number of feature standard deviations tracked.
pub const NB_TONAL_FEATURES_STD: usize = 9;

/// Cost of switching between speech and music during active audio, in probability units
/// (libopus `TRANSITION_PENALTY`).
const TRANSITION_PENALTY: f32 = 10.0;

/// Interleaved input PCM as the encoder received it. Selects the downmix of libopus
/// `downmix_float`, `downmix_int` or `downmix_int24`.
#[derive(Debug, Clone, Copy)]
pub enum AnalysisPcm<'a> {
    /// Float samples at full scale 1.0 (`opus_encode_float`).
    Float(&'a [f32]),
    /// 16-bit samples (`opus_encode`).
    Int16(&'a [i16]),
    /// 24-bit samples in `i32` (`opus_encode24`).
    Int24(&'a [i32]),
}

/// Persistent state of the analysis (libopus `TonalityAnalysisState`).
///
/// Every field after `fs` is cleared by [`reset`](Self::reset). Fields are public so tests
/// can compare them with the reference.
#[derive(Debug, Clone)]
pub struct TonalityAnalysisState {
    /// Input sampling rate: 16000, 24000 or 48000 (other rates disable the analysis).
    pub fs: i32,
    /// Phase of each bin in the previous window, in turns.
    pub angle: [f32; 240],
    /// Phase advance of each bin.
    pub d_angle: [f32; 240],
    /// Phase-acceleration error of each bin.
    pub d2_angle: [f32; 240],
    /// 24 kHz mono samples waiting for the next window.
    pub inmem: [f32; ANALYSIS_BUF_SIZE],
    /// Number of valid samples in `inmem`.
    pub mem_fill: i32,
    /// Band tonalities of the previous window.
    pub prev_band_tonality: [f32; NB_TBANDS],
    /// Frame tonality of the previous window.
    pub prev_tonality: f32,
    /// Bandwidth found in the previous window.
    pub prev_bandwidth: i32,
    /// Band energies of the last [`NB_FRAMES`] windows.
    pub e: [[f32; NB_TBANDS]; NB_FRAMES],
    /// Natural-log band energies of the last [`NB_FRAMES`] windows.
    pub log_e: [[f32; NB_TBANDS]; NB_FRAMES],
    /// Tracked floor of each band's log energy.
    pub low_e: [f32; NB_TBANDS],
    /// Tracked ceiling of each band's log energy.
    pub high_e: [f32; NB_TBANDS],
    /// Decaying peak energy per band, plus the band above 12 kHz.
    pub mean_e: [f32; NB_TBANDS + 1],
    /// Cepstra of the last four windows, eight coefficients each.
    pub mem: [f32; 32],
    /// Running mean of the first cepstral coefficients.
    pub cmean: [f32; 8],
    /// Running mean squares of the cepstral-derivative features.
    pub std: [f32; NB_TONAL_FEATURES_STD],
    /// Slowly decaying loudness peak, in dB.
    pub e_tracker: f32,
    /// Smoothed fraction of windows 30 dB below `e_tracker`.
    pub low_e_count: f32,
    /// Next row of `e` and `log_e` to write.
    pub e_count: i32,
    /// Windows analysed, saturating at [`ANALYSIS_COUNT_MAX`].
    pub count: i32,
    /// Input samples of the current call already analysed by earlier calls.
    pub analysis_offset: i32,
    /// Next slot of `info` to write.
    pub write_pos: i32,
    /// Slot of `info` matching the next frame to encode.
    pub read_pos: i32,
    /// Position within the `read_pos` window, in 2.5 ms units.
    pub read_subframe: i32,
    /// High-band energy accumulated towards the next window.
    pub hp_ener_accum: f32,
    /// Whether a first window has been started.
    pub initialized: bool,
    /// Recurrent state of the classifier.
    pub rnn_state: [f32; mlp::MAX_NEURONS],
    /// State of the half-band filter of the 48 kHz and 16 kHz input paths.
    pub downmix_state: [f32; 3],
    /// Ring of per-window results.
    pub info: [AnalysisInfo; DETECT_SIZE],
}

impl TonalityAnalysisState {
    /// A cleared state for input at `fs` Hz (libopus `tonality_analysis_init`).
    pub fn new(fs: i32) -> Self {
        TonalityAnalysisState {
            fs,
            angle: [0.0; 240],
            d_angle: [0.0; 240],
            d2_angle: [0.0; 240],
            inmem: [0.0; ANALYSIS_BUF_SIZE],
            mem_fill: 0,
            prev_band_tonality: [0.0; NB_TBANDS],
            prev_tonality: 0.0,
            prev_bandwidth: 0,
            e: [[0.0; NB_TBANDS]; NB_FRAMES],
            log_e: [[0.0; NB_TBANDS]; NB_FRAMES],
            low_e: [0.0; NB_TBANDS],
            high_e: [0.0; NB_TBANDS],
            mean_e: [0.0; NB_TBANDS + 1],
            mem: [0.0; 32],
            cmean: [0.0; 8],
            std: [0.0; NB_TONAL_FEATURES_STD],
            e_tracker: 0.0,
            low_e_count: 0.0,
            e_count: 0,
            count: 0,
            analysis_offset: 0,
            write_pos: 0,
            read_pos: 0,
            read_subframe: 0,
            hp_ener_accum: 0.0,
            initialized: false,
            rnn_state: [0.0; mlp::MAX_NEURONS],
            downmix_state: [0.0; 3],
            info: [AnalysisInfo::default(); DETECT_SIZE],
        }
    }

    /// Clears everything but the sampling rate, as after a discontinuity (libopus
    /// `tonality_analysis_reset`). Does not allocate.
    pub fn reset(&mut self) {
        let fs = self.fs;
        // Assigning a fresh value lets the compiler build it in place: no heap involved.
        *self = Self::new(fs);
    }

    fn rate_supported(&self) -> bool {
        matches!(self.fs, 16000 | 24000 | 48000)
    }

    /// Analyses the new input and returns the analysis for the next `frame_size` samples to
    /// encode (libopus `run_analysis`).
    ///
    /// `pcm` holds `analysis_frame_size` frames of `channels` interleaved channels (the
    /// encoder passes its whole input, which may extend past `frame_size` as look-ahead);
    /// `None` only reads results. `c1` is the first channel to mix; `c2` is a second one,
    /// `-1` for none, or `-2` for all channels from 1 up (libopus's convention). `lsb_depth`
    /// is the input's significant bit depth (8 to 24).
    ///
    /// Out-of-range reads of `pcm` count as zero and unsupported rates skip the analysis,
    /// so no input can panic.
    #[allow(clippy::too_many_arguments)]
    pub fn run_analysis(
        &mut self,
        pcm: Option<AnalysisPcm<'_>>,
        analysis_frame_size: i32,
        frame_size: i32,
        c1: i32,
        c2: i32,
        channels: i32,
        lsb_depth: i32,
    ) -> AnalysisInfo {
        let fs = self.fs;
        let mut analysis_frame_size = analysis_frame_size - (analysis_frame_size & 1);
        if let Some(pcm) = pcm {
            if self.rate_supported() {
                let chunk = fs / 50;
                analysis_frame_size = analysis_frame_size.min((DETECT_SIZE as i32 - 5) * fs / 50);
                let mut pcm_len = analysis_frame_size.saturating_sub(self.analysis_offset);
                let mut offset = self.analysis_offset;
                while pcm_len > 0 {
                    tonality::tonality_analysis(
                        self,
                        pcm,
                        chunk.min(pcm_len),
                        offset,
                        c1,
                        c2,
                        channels,
                        lsb_depth,
                    );
                    offset = offset.saturating_add(chunk);
                    pcm_len -= chunk;
                }
                self.analysis_offset = analysis_frame_size.saturating_sub(frame_size);
            }
        }
        self.get_info(frame_size)
    }

    /// The analysis matching the next `len` samples to encode, advancing the read position
    /// by `len` (libopus `tonality_get_info`).
    pub fn get_info(&mut self, len: i32) -> AnalysisInfo {
        const DS: i32 = DETECT_SIZE as i32;
        let fs = self.fs;
        let mut pos = self.read_pos.rem_euclid(DS);
        let mut curr_lookahead = self.write_pos - self.read_pos;
        if curr_lookahead < 0 {
            curr_lookahead += DS;
        }

        let sub = (fs / 400).max(1);
        self.read_subframe = self.read_subframe.saturating_add(len / sub);
        if self.read_subframe >= 8 {
            // Same as subtracting 8 and stepping one window at a time.
            self.read_pos = self.read_pos.saturating_add(self.read_subframe / 8);
            self.read_subframe %= 8;
        }
        if self.read_pos >= DS {
            self.read_pos -= DS;
        }

        // Long frames are better described by their second window.
        if len > fs / 50 && pos != self.write_pos {
            pos += 1;
            if pos == DS {
                pos = 0;
            }
        }
        if pos == self.write_pos {
            pos -= 1;
        }
        if pos < 0 {
            pos = DS - 1;
        }
        let pos0 = pos;
        let at = |p: i32| p.rem_euclid(DS) as usize;
        let mut out = self.info[at(pos)];
        if !out.valid {
            return out;
        }
        let mut tonality_max = out.tonality;
        let mut tonality_avg = out.tonality;
        let mut tonality_count = 1i32;
        let mut bandwidth_span = 6;
        // Look ahead up to three windows for tones and for a wider bandwidth.
        for _ in 0..3 {
            pos += 1;
            if pos == DS {
                pos = 0;
            }
            if pos == self.write_pos {
                break;
            }
            let inf = &self.info[at(pos)];
            tonality_max = max32(tonality_max, inf.tonality);
            tonality_avg += inf.tonality;
            tonality_count += 1;
            out.bandwidth = out.bandwidth.max(inf.bandwidth);
            bandwidth_span -= 1;
        }
        pos = pos0;
        // And back, for a wider bandwidth in the recent past.
        for _ in 0..bandwidth_span {
            pos -= 1;
            if pos < 0 {
                pos = DS - 1;
            }
            if pos == self.write_pos {
                break;
            }
            out.bandwidth = out.bandwidth.max(self.info[at(pos)].bandwidth);
        }
        out.tonality = max32(tonality_avg / tonality_count as f32, tonality_max - 0.2);

        // With enough look-ahead, align the music (about five windows late) and activity
        // (about one window late) estimates with the frame.
        let mut mpos = pos0;
        let mut vpos = pos0;
        if curr_lookahead > 15 {
            mpos += 5;
            if mpos >= DS {
                mpos -= DS;
            }
            vpos += 1;
            if vpos >= DS {
                vpos -= DS;
            }
        }

        // For each possible switching point k in the look-ahead, the threshold at which
        // switching now costs as much as switching at k; the smallest (speech to music) and
        // largest (music to speech) over k, bounded by the activity-weighted average.
        let mut prob_min = 1.0f32;
        let mut prob_max = 0.0f32;
        let vad_prob = self.info[at(vpos)].activity_probability;
        let mut prob_count = max32(0.1, vad_prob);
        let mut prob_avg = max32(0.1, vad_prob) * self.info[at(mpos)].music_prob;
        loop {
            mpos += 1;
            if mpos == DS {
                mpos = 0;
            }
            if mpos == self.write_pos {
                break;
            }
            vpos += 1;
            if vpos == DS {
                vpos = 0;
            }
            if vpos == self.write_pos {
                break;
            }
            let pos_vad = self.info[at(vpos)].activity_probability;
            prob_min = min32(
                (prob_avg - TRANSITION_PENALTY * (vad_prob - pos_vad)) / prob_count,
                prob_min,
            );
            prob_max = max32(
                (prob_avg + TRANSITION_PENALTY * (vad_prob - pos_vad)) / prob_count,
                prob_max,
            );
            prob_count += max32(0.1, pos_vad);
            prob_avg += max32(0.1, pos_vad) * self.info[at(mpos)].music_prob;
        }
        out.music_prob = prob_avg / prob_count;
        prob_min = min32(prob_avg / prob_count, prob_min);
        prob_max = max32(prob_avg / prob_count, prob_max);
        prob_min = max32(prob_min, 0.0);
        prob_max = min32(prob_max, 1.0);

        // Short look-ahead: lean on the recent past, and against switching on active audio.
        if curr_lookahead < 10 {
            let mut pmin = prob_min;
            let mut pmax = prob_max;
            pos = pos0;
            for _ in 0..(self.count - 1).min(15) {
                pos -= 1;
                if pos < 0 {
                    pos = DS - 1;
                }
                let mp = self.info[at(pos)].music_prob;
                pmin = min32(pmin, mp);
                pmax = max32(pmax, mp);
            }
            pmin = max32(0.0, pmin - 0.1 * vad_prob);
            pmax = min32(1.0, pmax + 0.1 * vad_prob);
            prob_min += (1.0 - 0.1 * curr_lookahead as f32) * (pmin - prob_min);
            prob_max += (1.0 - 0.1 * curr_lookahead as f32) * (pmax - prob_max);
        }
        out.music_prob_min = prob_min;
        out.music_prob_max = prob_max;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(n: usize, channels: usize, f: f32, amp: f32) -> Vec<f32> {
        (0..n * channels)
            .map(|k| {
                let t = (k / channels) as f32 / 48000.0;
                amp * (2.0 * std::f32::consts::PI * f * t).sin()
            })
            .collect()
    }

    #[test]
    fn a_steady_tone_is_tonal_and_valid() {
        let mut st = TonalityAnalysisState::new(48000);
        let pcm = tone(960 * 50, 1, 440.0, 0.5);
        let mut last = AnalysisInfo::default();
        for f in 0..50 {
            let x = &pcm[f * 960..(f + 1) * 960];
            last = st.run_analysis(Some(AnalysisPcm::Float(x)), 960, 960, 0, -2, 1, 24);
        }
        assert!(last.valid);
        assert!(last.tonality > 0.5, "{last:?}");
        assert!(last.music_prob >= 0.0 && last.music_prob <= 1.0);
    }

    #[test]
    fn reset_matches_fresh_state() {
        let pcm = tone(960 * 10, 2, 1000.0, 0.3);
        let mut a = TonalityAnalysisState::new(48000);
        for f in 0..10 {
            a.run_analysis(
                Some(AnalysisPcm::Float(&pcm[f * 1920..(f + 1) * 1920])),
                960,
                960,
                0,
                -2,
                2,
                24,
            );
        }
        a.reset();
        let mut b = TonalityAnalysisState::new(48000);
        for f in 0..10 {
            let x = Some(AnalysisPcm::Float(&pcm[f * 1920..(f + 1) * 1920]));
            let ia = a.run_analysis(x, 960, 960, 0, -2, 2, 24);
            let ib = b.run_analysis(x, 960, 960, 0, -2, 2, 24);
            assert_eq!(format!("{ia:?}"), format!("{ib:?}"));
        }
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let nan = vec![f32::NAN; 2880 * 2];
        let huge = vec![1e30f32; 2880 * 2];
        let short = [0.5f32; 7];
        for fs in [8000, 16000, 24000, 48000, 0, -5, 1] {
            let mut st = TonalityAnalysisState::new(fs);
            for (afs, fsz) in [
                (2880, 2880),
                (960, 120),
                (7, 3),
                (-10, 960),
                (100000, 1),
                (960, -960),
            ] {
                st.run_analysis(Some(AnalysisPcm::Float(&nan)), afs, fsz, 0, -2, 2, 24);
                st.run_analysis(Some(AnalysisPcm::Float(&huge)), afs, fsz, 1, 0, 2, 99);
                st.run_analysis(Some(AnalysisPcm::Float(&short)), afs, fsz, 5, 7, 3, -4);
                st.run_analysis(
                    Some(AnalysisPcm::Int16(&[i16::MIN; 5])),
                    afs,
                    fsz,
                    0,
                    -2,
                    1,
                    16,
                );
                st.run_analysis(
                    Some(AnalysisPcm::Int24(&[i32::MAX; 9])),
                    afs,
                    fsz,
                    -3,
                    -2,
                    0,
                    0,
                );
                st.run_analysis(None, afs, fsz, 0, -1, 1, 16);
            }
        }
    }
}

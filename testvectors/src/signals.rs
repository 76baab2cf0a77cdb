//! Test signals: the speech fixtures resampled to 48 kHz, and synthetic music-like signals.
//!
//! Everything here is deterministic: a fixed-seed SplitMix64 generator, phase accumulated in
//! `f64`, and a windowed-sinc resampler whose taps are computed once per call. Output is
//! interleaved 16-bit PCM at 48 kHz.

use std::f64::consts::PI;

use crate::wav;
use crate::Result;

/// The rate every test signal is produced at.
pub const RATE: u32 = 48_000;

/// SplitMix64: a tiny, well-mixed generator with a fixed output for a given seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [-1, 1).
    pub fn bipolar(&mut self) -> f64 {
        2.0 * self.uniform() - 1.0
    }

    /// Uniform integer in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Resamples interleaved 16-bit audio from `from` Hz to `to` Hz with a Blackman-windowed sinc
/// (32 zero crossings of the narrower band each side, cutoff at 95 % of the lower Nyquist).
pub fn resample(input: &[i16], channels: usize, from: u32, to: u32) -> Vec<i16> {
    if from == to || channels == 0 {
        return input.to_vec();
    }
    let g = gcd(from, to);
    let up = (to / g) as usize; // L
    let down = (from / g) as usize; // M
    // Cutoff relative to the input Nyquist.
    let fc = 0.95 * (to as f64 / from as f64).min(1.0);
    let half = (16.0 / fc).ceil() as i64; // taps each side, in input samples
    let ntaps = (2 * half) as usize;
    // taps[p][i] weighs input sample base - half + 1 + i for an output at base + p/L.
    let taps: Vec<Vec<f64>> = (0..up)
        .map(|p| {
            (0..ntaps)
                .map(|i| {
                    let x = p as f64 / up as f64 - (i as i64 - half + 1) as f64;
                    let w_arg = x / half as f64; // in [-1, 1]
                    if w_arg.abs() >= 1.0 {
                        return 0.0;
                    }
                    let w = 0.42 + 0.5 * (PI * w_arg).cos() + 0.08 * (2.0 * PI * w_arg).cos();
                    let s = if x == 0.0 { 1.0 } else { (PI * fc * x).sin() / (PI * fc * x) };
                    fc * s * w
                })
                .collect()
        })
        .collect();
    let frames_in = input.len() / channels;
    let frames_out = frames_in * up / down;
    let mut out = Vec::with_capacity(frames_out * channels);
    for n in 0..frames_out {
        let pos = n * down;
        let base = (pos / up) as i64;
        let tap = &taps[pos % up];
        for c in 0..channels {
            let mut acc = 0.0f64;
            for (i, &t) in tap.iter().enumerate() {
                let j = base - half + 1 + i as i64;
                if j >= 0 && (j as usize) < frames_in {
                    acc += t * f64::from(input[j as usize * channels + c]);
                }
            }
            out.push(to_i16(acc));
        }
    }
    out
}

fn to_i16(x: f64) -> i16 {
    x.round().clamp(-32768.0, 32767.0) as i16
}

/// The two CMU ARCTIC clips shipped in `fixtures/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Clip {
    /// `arctic_a0007.wav` (4.0 s).
    A0007,
    /// `arctic_a0009.wav` (3.1 s).
    A0009,
}

impl Clip {
    fn file(self) -> &'static str {
        match self {
            Clip::A0007 => "arctic_a0007.wav",
            Clip::A0009 => "arctic_a0009.wav",
        }
    }

    /// The clip resampled to 48 kHz mono.
    ///
    /// # Errors
    ///
    /// If the fixture cannot be read or is not a 16-bit mono WAV file.
    pub fn load_48k(self) -> Result<Vec<i16>> {
        let path = crate::fixtures_dir().join(self.file());
        let w = wav::parse(&crate::read_file(&path)?)?;
        if w.channels != 1 {
            return Err(crate::Error::Wav(wav::WavError::Unsupported("fixture must be mono")));
        }
        Ok(resample(&w.samples, 1, w.rate, RATE))
    }
}

/// Synthetic music-like signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Synth {
    /// Three-voice harmonic chords with vibrato, changing every second.
    Chords,
    /// Plucked pitched notes with exponential decay and slight inharmonicity.
    Notes,
    /// Bursts of white and low-passed noise separated by digital silence.
    NoiseBursts,
    /// A logarithmic sine sweep from 40 Hz to 20 kHz with a quieter counter-sweep.
    Sweep,
    /// A chord panned slowly between the channels over decorrelated noise (stereo content).
    Panning,
}

/// Generates `seconds` of a synthetic signal with `channels` channels at 48 kHz.
pub fn synth(kind: Synth, seed: u64, seconds: f64, channels: usize) -> Vec<i16> {
    let n = (seconds * f64::from(RATE)).round() as usize;
    let fs = f64::from(RATE);
    let mut rng = Rng::new(seed ^ 0x5eed_0000_0000_0000 ^ kind as u64);
    let mut left = vec![0.0f64; n];
    let mut right = vec![0.0f64; n];
    match kind {
        Synth::Chords => {
            let roots = [110.0, 130.81, 146.83, 164.81, 196.0, 220.0];
            let mut phases = [[0.0f64; 6]; 3];
            let mut chord = [0.0f64; 3];
            for i in 0..n {
                if i % RATE as usize == 0 {
                    let r = roots[rng.below(roots.len() as u64) as usize];
                    let minor = rng.below(2) == 0;
                    chord = [r, r * if minor { 1.1892 } else { 1.2599 }, r * 1.4983];
                }
                let t = i as f64 / fs;
                let env = 0.6 + 0.4 * (2.0 * PI * 0.5 * t).sin().abs();
                let vib = 1.0 + 0.006 * (2.0 * PI * 5.5 * t).sin();
                let mut s = 0.0;
                for (v, &f0) in chord.iter().enumerate() {
                    for (h, ph) in phases[v].iter_mut().enumerate() {
                        let f = f0 * (h + 1) as f64 * vib;
                        *ph += 2.0 * PI * f / fs;
                        if *ph > 2.0 * PI {
                            *ph -= 2.0 * PI;
                        }
                        s += ph.sin() / (h + 1) as f64;
                    }
                }
                left[i] = 0.09 * env * s;
                right[i] = left[i];
            }
        }
        Synth::Notes => {
            let scale = [0.0, 2.0, 4.0, 7.0, 9.0, 12.0, 14.0, 16.0];
            let note_len = (0.25 * fs) as usize;
            let mut f0 = 220.0;
            let mut start = 0usize;
            let mut phases = [0.0f64; 8];
            for i in 0..n {
                if i % note_len == 0 {
                    let semis = scale[rng.below(scale.len() as u64) as usize] + 12.0 * rng.below(2) as f64;
                    f0 = 196.0 * 2f64.powf(semis / 12.0);
                    start = i;
                    phases = [0.0; 8];
                }
                let t = (i - start) as f64 / fs;
                let env = (-t / 0.18).exp() * (1.0 - (-t / 0.002).exp());
                let mut s = 0.0;
                for (h, ph) in phases.iter_mut().enumerate() {
                    let k = (h + 1) as f64;
                    let f = f0 * k * (1.0 + 0.0004 * k * k).sqrt();
                    if f < 20000.0 {
                        *ph += 2.0 * PI * f / fs;
                        s += ph.sin() * (-(k - 1.0) * 0.35).exp();
                    }
                }
                left[i] = 0.3 * env * s;
                right[i] = 0.8 * left[i];
            }
        }
        Synth::NoiseBursts => {
            let mut i = 0usize;
            let mut lp = [0.0f64; 2];
            while i < n {
                let burst = (0.1 * fs) as usize + rng.below((0.2 * fs) as u64) as usize;
                let gap = (0.05 * fs) as usize + rng.below((0.3 * fs) as u64) as usize;
                let level = 0.05 + 0.3 * rng.uniform();
                let lowpass = rng.below(2) == 0;
                for j in 0..burst.min(n - i) {
                    let env = ((j as f64 / (0.005 * fs)).min(1.0)) * (((burst - j) as f64 / (0.01 * fs)).min(1.0));
                    let a = rng.bipolar();
                    let b = rng.bipolar();
                    let (a, b) = if lowpass {
                        lp[0] += 0.08 * (a - lp[0]);
                        lp[1] += 0.08 * (b - lp[1]);
                        (3.0 * lp[0], 3.0 * lp[1])
                    } else {
                        (a, b)
                    };
                    left[i + j] = level * env * a;
                    right[i + j] = level * env * (0.7 * a + 0.3 * b);
                }
                i += burst + gap;
            }
        }
        Synth::Sweep => {
            let (f_lo, f_hi) = (40.0f64, 20_000.0f64);
            let dur = n.max(1) as f64 / fs;
            let k = (f_hi / f_lo).ln() / dur;
            for i in 0..n {
                let t = i as f64 / fs;
                // Phase of an exponential sweep, in closed form (no accumulation drift).
                let ph = 2.0 * PI * f_lo * ((k * t).exp() - 1.0) / k;
                let ph2 = 2.0 * PI * f_hi * (1.0 - (-k * t).exp()) / k;
                left[i] = 0.25 * ph.sin() + 0.05 * ph2.sin();
                right[i] = 0.25 * ph.sin() - 0.05 * ph2.sin();
            }
        }
        Synth::Panning => {
            let freqs = [261.63, 329.63, 392.0, 523.25];
            let mut phases = [0.0f64; 4];
            for i in 0..n {
                let t = i as f64 / fs;
                let mut s = 0.0;
                for (ph, &f) in phases.iter_mut().zip(freqs.iter()) {
                    *ph += 2.0 * PI * f / fs;
                    s += ph.sin() + 0.3 * (2.0 * *ph).sin();
                }
                let pan = 0.5 + 0.5 * (2.0 * PI * 0.4 * t).sin();
                let (gl, gr) = ((pan * PI / 2.0).cos(), (pan * PI / 2.0).sin());
                left[i] = 0.12 * s * gl + 0.02 * rng.bipolar();
                right[i] = 0.12 * s * gr + 0.02 * rng.bipolar();
            }
        }
    }
    interleave(&left, &right, channels)
}

fn interleave(left: &[f64], right: &[f64], channels: usize) -> Vec<i16> {
    let scale = 32767.0;
    if channels == 1 {
        left.iter().zip(right).map(|(l, r)| to_i16(0.5 * (l + r) * scale)).collect()
    } else {
        left.iter().zip(right).flat_map(|(l, r)| [to_i16(l * scale), to_i16(r * scale)]).collect()
    }
}

/// Two mono 48 kHz signals as one stereo signal (the shorter padded with silence).
pub fn stereo_pair(left: &[i16], right: &[i16]) -> Vec<i16> {
    let n = left.len().max(right.len());
    (0..n).flat_map(|i| [left.get(i).copied().unwrap_or(0), right.get(i).copied().unwrap_or(0)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampler_keeps_a_tone_and_its_level() {
        let input: Vec<i16> = (0..16000).map(|i| (10000.0 * (2.0 * PI * 440.0 * i as f64 / 16000.0).sin()) as i16).collect();
        let out = resample(&input, 1, 16000, 48000);
        assert_eq!(out.len(), 48000);
        let mut err = 0.0f64;
        let mut nrg = 0.0f64;
        for (i, &s) in out.iter().enumerate().skip(1000).take(40000) {
            let want = 10000.0 * (2.0 * PI * 440.0 * i as f64 / 48000.0).sin();
            err += (f64::from(s) - want).powi(2);
            nrg += want * want;
        }
        let snr = 10.0 * (nrg / err).log10();
        assert!(snr > 50.0, "snr {snr}");
    }

    #[test]
    fn synth_is_deterministic_and_sized() {
        for kind in [Synth::Chords, Synth::Notes, Synth::NoiseBursts, Synth::Sweep, Synth::Panning] {
            let a = synth(kind, 7, 0.5, 2);
            assert_eq!(a.len(), 48000);
            assert_eq!(a, synth(kind, 7, 0.5, 2));
            assert!(a.iter().any(|&s| s.unsigned_abs() > 1000), "{kind:?} too quiet");
        }
    }
}

//! CELT packet-loss concealment helpers and the seam for neural concealment
//! (RFC 6716 section 4.4; libopus `celt/celt_decoder.c`, `celt_decode_lost`).
//!
//! The classic concealment finds the pitch of the last decoded audio
//! ([`plc_pitch_search`]), computes an LPC excitation over the last pitch
//! periods, repeats it with a decay, and runs it back through the LPC
//! synthesis filter ([`periodic_extrapolate`]). Long losses fall back to
//! shaped noise, which the decoder generates itself.
//!
//! Deep PLC and DRED live in higher crates. libopus calls into LPCNet from
//! here; in this workspace the dependency points the other way, so the
//! decoder takes a [`NeuralConcealment`] trait object that the lpcnet crate
//! implements. This module holds the 48 kHz / 16 kHz conversions libopus uses
//! around that call ([`downsample_history`], [`upsample_concealment`]).

use super::lpc::{celt_autocorr, celt_fir, celt_iir, celt_lpc, CELT_LPC_ORDER};
use super::mathops::{max32, min32};
use super::pitch::{pitch_downsample, pitch_search};

/// Largest pitch lag the PLC looks for, 66.7 Hz (libopus `PLC_PITCH_LAG_MAX`).
pub const PLC_PITCH_LAG_MAX: usize = 720;
/// Smallest pitch lag the PLC looks for, 480 Hz (libopus `PLC_PITCH_LAG_MIN`).
pub const PLC_PITCH_LAG_MIN: usize = 100;
/// Samples of decoded history kept per channel (libopus `DECODE_BUFFER_SIZE`).
pub const DECODE_BUFFER_SIZE: usize = 2048;
/// Longest excitation the PLC analyses (libopus `MAX_PERIOD`).
pub const MAX_PERIOD: usize = 1024;
/// Samples per neural-PLC frame at 16 kHz (libopus/LPCNet `FRAME_SIZE`).
pub const NEURAL_FRAME_SIZE: usize = 160;
/// Frames of history handed to the neural PLC on the first loss
/// (libopus `PLC_UPDATE_FRAMES`).
pub const PLC_UPDATE_FRAMES: usize = 4;
/// Samples of 16 kHz history handed over (libopus `PLC_UPDATE_SAMPLES`).
pub const PLC_UPDATE_SAMPLES: usize = PLC_UPDATE_FRAMES * NEURAL_FRAME_SIZE;
/// Order of the 3:1 resampling filter (libopus `SINC_ORDER`).
pub const SINC_ORDER: usize = 48;
/// Pre-emphasis of the neural PLC's 16 kHz signal (LPCNet `PREEMPHASIS`).
pub const PREEMPHASIS: f32 = 0.85;

/// Windowed-sinc low-pass for 48 kHz <-> 16 kHz conversion
/// (libopus `sinc_filter` in `celt/celt_decoder.c`).
#[rustfmt::skip]
pub const SINC_FILTER: [f32; SINC_ORDER + 1] = [
    4.2931e-05, -0.000190293, -0.000816132, -0.000637162, 0.00141662, 0.00354764, 0.00184368, -0.00428274,
    -0.00856105, -0.0034003, 0.00930201, 0.0159616, 0.00489785, -0.0169649, -0.0259484, -0.00596856,
    0.0286551, 0.0405872, 0.00649994, -0.0509284, -0.0716655, -0.00665212, 0.134336, 0.278927,
    0.339995, 0.278927, 0.134336, -0.00665212, -0.0716655, -0.0509284, 0.00649994, 0.0405872,
    0.0286551, -0.00596856, -0.0259484, -0.0169649, 0.00489785, 0.0159616, 0.00930201, -0.0034003,
    -0.00856105, -0.00428274, 0.00184368, 0.00354764, 0.00141662, -0.000637162, -0.000816132, -0.000190293,
    4.2931e-05,
];

/// What produced the last CELT frame (libopus `FRAME_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FrameType {
    /// Nothing decoded since the last reset.
    #[default]
    None,
    /// A frame decoded from a packet.
    Normal,
    /// Noise-based concealment.
    PlcNoise,
    /// Pitch-based concealment.
    PlcPeriodic,
    /// Neural concealment.
    PlcNeural,
    /// Audio synthesised from DRED redundancy.
    Dred,
}

impl FrameType {
    /// Whether the frame came from the neural models.
    pub fn is_neural(self) -> bool {
        matches!(self, FrameType::PlcNeural | FrameType::Dred)
    }
}

/// Neural concealment (deep PLC and DRED) as the CELT decoder sees it.
///
/// libopus's CELT decoder drives an `LPCNetPLCState` directly; this trait is
/// that interface, implemented by the lpcnet crate. All audio is 16 kHz mono
/// `i16`.
pub trait NeuralConcealment {
    /// Whether models are loaded (LPCNet `loaded`). Without them the decoder
    /// uses the classic concealment.
    fn is_loaded(&self) -> bool;

    /// Whether DRED features are waiting to be synthesised
    /// (LPCNet `fec_fill_pos > fec_read_pos`).
    fn has_pending_fec(&self) -> bool;

    /// Feeds [`PLC_UPDATE_FRAMES`] frames of decoded history (libopus calls
    /// `lpcnet_plc_update` once per frame), leaving the FEC read position and
    /// skip count as they were (libopus saves and restores `fec_read_pos`
    /// and `fec_skip` around the calls).
    fn update_history(&mut self, pcm: &[i16; PLC_UPDATE_SAMPLES]);

    /// Produces the next [`NEURAL_FRAME_SIZE`] concealed samples
    /// (`lpcnet_plc_conceal`).
    fn conceal(&mut self, pcm: &mut [i16]);

    /// Called when a packet is decoded normally (libopus sets LPCNet
    /// `blend = 0`), so the next concealment starts a new blend.
    fn packet_received(&mut self);
}

/// libopus `float2int`: round to nearest, ties to even; NaN and out-of-range
/// values give `i32::MIN`, as `cvtss2si` does.
#[inline]
pub fn float2int(x: f32) -> i32 {
    if !(-2147483648.0..2147483648.0).contains(&x) {
        i32::MIN
    } else {
        x.round_ties_even() as i32
    }
}

/// Pitch lag of the decoded history, in `PLC_PITCH_LAG_MIN..=PLC_PITCH_LAG_MAX`
/// samples (libopus `celt_plc_pitch_search`).
///
/// `channels` holds one decode buffer per channel (at least
/// [`DECODE_BUFFER_SIZE`] samples); `lp` is scratch of
/// `DECODE_BUFFER_SIZE / 2` values.
///
/// # Panics
/// If a slice is too short.
pub fn plc_pitch_search(channels: &[&[f32]], lp: &mut [f32]) -> usize {
    pitch_downsample(channels, lp, DECODE_BUFFER_SIZE >> 1, 2);
    let pitch = pitch_search(
        &lp[PLC_PITCH_LAG_MAX >> 1..],
        lp,
        DECODE_BUFFER_SIZE - PLC_PITCH_LAG_MAX,
        PLC_PITCH_LAG_MAX - PLC_PITCH_LAG_MIN,
    );
    (PLC_PITCH_LAG_MAX as i32 - pitch) as usize
}

/// Scratch buffers of [`periodic_extrapolate`], allocated once.
#[derive(Debug, Clone)]
pub struct PlcScratch {
    /// LPC history plus excitation.
    exc: Vec<f32>,
    /// FIR output before copying back.
    fir_tmp: Vec<f32>,
    /// Windowed copy for the autocorrelation.
    autocorr: Vec<f32>,
    /// IIR filter state.
    iir: Vec<f32>,
}

impl PlcScratch {
    /// Scratch for frames of up to `max_n` samples with `overlap` samples of overlap.
    pub fn new(max_n: usize, overlap: usize) -> Self {
        PlcScratch {
            exc: vec![0.0; MAX_PERIOD + CELT_LPC_ORDER],
            fir_tmp: vec![0.0; MAX_PERIOD],
            autocorr: vec![0.0; MAX_PERIOD],
            iir: vec![0.0; max_n + overlap + CELT_LPC_ORDER],
        }
    }
}

/// Pitch-based concealment of one channel (the per-channel body of libopus
/// `celt_decode_lost` for `FRAME_PLC_PERIODIC`).
///
/// `buf` is the channel's decode buffer (`DECODE_BUFFER_SIZE + overlap`
/// samples). It is shifted left by `n` and its last `n + overlap` samples are
/// replaced by the extrapolation. When `new_lpc` is set, `lpc` is recomputed
/// from the history (the first lost frame); otherwise the previous
/// coefficients are reused. `fade` is 1 on the first loss and 0.8 after.
///
/// # Panics
/// If `pitch_index` is 0 or above [`MAX_PERIOD`], or a slice is too short.
#[allow(clippy::too_many_arguments)]
pub fn periodic_extrapolate(
    buf: &mut [f32],
    lpc: &mut [f32; CELT_LPC_ORDER],
    new_lpc: bool,
    pitch_index: usize,
    fade: f32,
    n: usize,
    overlap: usize,
    window: &[f32],
    scratch: &mut PlcScratch,
) {
    const ORD: usize = CELT_LPC_ORDER;
    let dbs = DECODE_BUFFER_SIZE;
    // Twice the pitch period if it fits, to detect decaying signals.
    let exc_length = (2 * pitch_index).min(MAX_PERIOD);
    let exc_buf = &mut scratch.exc[..MAX_PERIOD + ORD];
    // exc[i] is exc_buf[ORD + i]; the first ORD values are LPC history.
    exc_buf.copy_from_slice(&buf[dbs - MAX_PERIOD - ORD..dbs]);

    if new_lpc {
        // LPC of the last MAX_PERIOD samples, computed in the excitation domain.
        let mut ac = [0f32; ORD + 1];
        celt_autocorr(
            &exc_buf[ORD..],
            &mut ac,
            window,
            overlap,
            ORD,
            MAX_PERIOD,
            &mut scratch.autocorr,
        );
        // Noise floor at -40 dB.
        ac[0] *= 1.0001;
        // Lag windowing for a stable recursion.
        let w: f32 = 0.008 * 0.008;
        for (i, a) in ac.iter_mut().enumerate().skip(1) {
            let fi = i as f32;
            *a -= *a * w * fi * fi;
        }
        celt_lpc(lpc, &ac, ORD);
    }
    // Excitation over the last exc_length samples (celt_fir is not in place).
    {
        let start = ORD + MAX_PERIOD - exc_length;
        let fir_tmp = &mut scratch.fir_tmp[..exc_length];
        celt_fir(exc_buf, start, lpc, fir_tmp, exc_length, ORD);
        exc_buf[start..start + exc_length].copy_from_slice(fir_tmp);
    }
    let exc = &exc_buf[ORD..];

    // How fast is the excitation decaying over the last two periods?
    let decay = {
        let mut e1: f32 = 1.0;
        let mut e2: f32 = 1.0;
        let decay_length = exc_length >> 1;
        for i in 0..decay_length {
            let e = exc[MAX_PERIOD - decay_length + i];
            e1 += e * e;
            let e = exc[MAX_PERIOD - 2 * decay_length + i];
            e2 += e * e;
        }
        e1 = min32(e1, e2);
        ((e1 / e2) as f64).sqrt() as f32
    };

    // Make room for the new frame; the overlap past the buffer end is dropped.
    buf.copy_within(n..dbs, 0);

    // Repeat the last period with a decay per period.
    let extrapolation_offset = MAX_PERIOD - pitch_index;
    let extrapolation_len = n + overlap;
    let mut attenuation = fade * decay;
    let mut s1: f32 = 0.0;
    let mut j = 0;
    for i in 0..extrapolation_len {
        if j >= pitch_index {
            j -= pitch_index;
            attenuation *= decay;
        }
        buf[dbs - n + i] = attenuation * exc[extrapolation_offset + j];
        // Energy of the decoded audio whose excitation is being copied.
        let tmp = buf[dbs - MAX_PERIOD - n + extrapolation_offset + j];
        s1 += tmp * tmp;
        j += 1;
    }
    {
        // Continue the synthesis filter from the last decoded samples.
        let mut lpc_mem = [0f32; ORD];
        for (i, m) in lpc_mem.iter_mut().enumerate() {
            *m = buf[dbs - n - 1 - i];
        }
        celt_iir(
            &mut buf[dbs - n..dbs - n + extrapolation_len],
            lpc,
            extrapolation_len,
            ORD,
            &mut lpc_mem,
            &mut scratch.iir,
        );
    }

    // Attenuate if the synthesis gained energy; silence it if it exploded
    // (the comparison is written to also catch NaN).
    let mut s2: f32 = 0.0;
    for &v in &buf[dbs - n..dbs - n + extrapolation_len] {
        s2 += v * v;
    }
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    let exploded = !(s1 > 0.2 * s2);
    if exploded {
        buf[dbs - n..dbs - n + extrapolation_len].fill(0.0);
    } else if s1 < s2 {
        let ratio = (((s1 + 1.0) / (s2 + 1.0)) as f64).sqrt() as f32;
        for i in 0..overlap {
            let tmp_g = 1.0 - window[i] * (1.0 - ratio);
            buf[dbs - n + i] *= tmp_g;
        }
        for v in &mut buf[dbs - n + overlap..dbs - n + extrapolation_len] {
            *v *= ratio;
        }
    }
}

/// Mixes the decode history to mono, pre-emphasises it and resamples its
/// last 40 ms to 16 kHz for the neural PLC (the signal part of libopus
/// `update_plc_state`). Returns the pre-emphasis memory.
///
/// `mix` is scratch of [`DECODE_BUFFER_SIZE`] values.
///
/// # Panics
/// If `channels` is empty or a slice is too short.
pub fn downsample_history(
    channels: &[&[f32]],
    mix: &mut [f32],
    out: &mut [i16; PLC_UPDATE_SAMPLES],
) -> f32 {
    let dbs = DECODE_BUFFER_SIZE;
    let mix = &mut mix[..dbs];
    if channels.len() == 1 {
        mix.copy_from_slice(&channels[0][..dbs]);
    } else {
        for (i, m) in mix.iter_mut().enumerate() {
            *m = 0.5 * (channels[0][i] + channels[1][i]);
        }
    }
    for i in 1..dbs {
        mix[i] += PREEMPHASIS * mix[i - 1];
    }
    let mem = mix[dbs - 1];
    let offset = dbs - SINC_ORDER - 1 - 3 * (PLC_UPDATE_SAMPLES - 1);
    for (i, o) in out.iter_mut().enumerate() {
        let mut sum: f32 = 0.0;
        for (j, &h) in SINC_FILTER.iter().enumerate() {
            sum += mix[3 * i + j + offset] * h;
        }
        *o = float2int(min32(32767.0, max32(-32767.0, sum))) as i16;
    }
    mem
}

/// Resamples `out.len() / 3` samples of concealed 16 kHz audio to 48 kHz
/// (the resampling loop of libopus `celt_decode_lost` for neural frames).
///
/// # Panics
/// If `out.len()` is not a multiple of 3 or `pcm` is shorter than
/// `out.len() / 3 + 16`.
pub fn upsample_concealment(pcm: &[i16], out: &mut [f32]) {
    assert!(out.len() % 3 == 0);
    for (i, o) in out.chunks_exact_mut(3).enumerate() {
        let mut sum: f32 = 0.0;
        for j in 0..17 {
            sum += (3 * i32::from(pcm[i + j])) as f32 * SINC_FILTER[3 * j];
        }
        o[0] = sum;
        let mut sum: f32 = 0.0;
        for j in 0..16 {
            sum += (3 * i32::from(pcm[i + j + 1])) as f32 * SINC_FILTER[3 * j + 2];
        }
        o[1] = sum;
        let mut sum: f32 = 0.0;
        for j in 0..16 {
            sum += (3 * i32::from(pcm[i + j + 1])) as f32 * SINC_FILTER[3 * j + 1];
        }
        o[2] = sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window120() -> Vec<f32> {
        (0..120)
            .map(|i| {
                let x = (std::f64::consts::PI / 2.0) * (i as f64 + 0.5) / 120.0;
                let s = x.sin();
                ((std::f64::consts::PI / 2.0) * s * s).sin() as f32
            })
            .collect()
    }

    #[test]
    fn float2int_matches_cvtss2si() {
        assert_eq!(float2int(0.5), 0);
        assert_eq!(float2int(1.5), 2);
        assert_eq!(float2int(-2.5), -2);
        assert_eq!(float2int(f32::NAN), i32::MIN);
        assert_eq!(float2int(3e9), i32::MIN);
    }

    #[test]
    fn silence_stays_silent() {
        let overlap = 120;
        let window = window120();
        let mut buf = vec![0f32; DECODE_BUFFER_SIZE + overlap];
        let mut lp = vec![0f32; DECODE_BUFFER_SIZE / 2];
        let pitch = plc_pitch_search(&[&buf], &mut lp);
        assert!((PLC_PITCH_LAG_MIN..=PLC_PITCH_LAG_MAX).contains(&pitch));
        let mut lpc = [0f32; CELT_LPC_ORDER];
        let mut scratch = PlcScratch::new(960, overlap);
        for frame in 0..3 {
            periodic_extrapolate(
                &mut buf,
                &mut lpc,
                frame == 0,
                pitch,
                if frame == 0 { 1.0 } else { 0.8 },
                960,
                overlap,
                &window,
                &mut scratch,
            );
            assert!(buf.iter().all(|&v| v == 0.0));
        }
        let mut out = [1i16; PLC_UPDATE_SAMPLES];
        let mut mix = vec![0f32; DECODE_BUFFER_SIZE];
        assert_eq!(downsample_history(&[&buf, &buf], &mut mix, &mut out), 0.0);
        assert!(out.iter().all(|&v| v == 0));
        let mut up = vec![1f32; 360];
        upsample_concealment(&[0i16; 140], &mut up);
        assert!(up.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn periodic_signal_is_continued_and_bounded() {
        let overlap = 120;
        let window = window120();
        let period = 240.0;
        let mut buf: Vec<f32> = (0..DECODE_BUFFER_SIZE + overlap)
            .map(|i| (1000.0 * (2.0 * std::f64::consts::PI * i as f64 / period).sin()) as f32)
            .collect();
        let mut lp = vec![0f32; DECODE_BUFFER_SIZE / 2];
        let pitch = plc_pitch_search(&[&buf], &mut lp);
        assert!(pitch % 240 <= 2 || pitch % 240 >= 238, "pitch {pitch}");
        let mut lpc = [0f32; CELT_LPC_ORDER];
        let mut scratch = PlcScratch::new(960, overlap);
        periodic_extrapolate(
            &mut buf,
            &mut lpc,
            true,
            pitch,
            1.0,
            480,
            overlap,
            &window,
            &mut scratch,
        );
        let peak = buf[DECODE_BUFFER_SIZE - 480..]
            .iter()
            .fold(0f32, |m, v| m.max(v.abs()));
        assert!(peak > 100.0 && peak < 1500.0, "peak {peak}");
    }
}

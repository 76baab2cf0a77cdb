//! Decoding a DRED payload into acoustic features (libopus 1.6.1 `dred_ec_decode` in
//! `dnn/dred_decoder.c`, and `opus_dred_parse` / `opus_dred_process` in `src/opus_decoder.c`).
//!
//! Input: an Opus packet carrying a DRED extension. Output, in two stages:
//!
//! 1. [`Dred::parse`] range-decodes the payload: the quantiser parameters, the time offset,
//!    the decoder's initial state and up to [`MAX_LATENTS`] latent vectors, newest first;
//! 2. [`Dred::process`] runs the RDO-VAE decoder ([`rdovae::RdovaeDec`]) over them and
//!    leaves four 10 ms feature frames per latent in [`Dred::fec_features`], newest first.
//!
//! Payload symbol order: `q0` (uniform, 16), `dQ` (uniform, 8), a flag (uniform, 2) and, if
//! set, a coarse offset (uniform, 256, in units of 32), the fine offset (uniform, 32), `qmax`
//! (one symbol, only when `q0 < 14` and `dQ > 0`), then the 50 state values at level `q0` and
//! the latents of 25 values each at the level [`rdovae::compute_quantizer`] gives, every value
//! with the Laplace-p0 model of [`opus_core::range_coder::laplace_decode_p0`].
//!
//! Both stages are bit-exact with libopus: the decoded integers trivially, the features with
//! its generic C build.

use std::sync::Arc;

use opus_core::range_coder::{laplace_decode_p0, RangeDecoder};
use opus_core::Error;
use rdovae::constants::{DEC_INPUT_DIM, LATENT_DIM, NUM_FEATURES, STATE_DIM};
use rdovae::stats_tables::{
    DRED_LATENT_P0_Q8, DRED_LATENT_QUANT_SCALES_Q8, DRED_LATENT_R_Q8, DRED_STATE_P0_Q8, DRED_STATE_QUANT_SCALES_Q8,
    DRED_STATE_R_Q8,
};
use rdovae::{compute_quantizer, RdovaeDec};

use crate::config::{MAX_FRAMES, MAX_LATENTS, NUM_REDUNDANCY_FRAMES};
use crate::payload::find_payload;

/// Highest quantiser level.
const MAX_Q_LEVEL: i32 = 15;

/// How far a [`Dred`] has got (libopus `OpusDRED::process_stage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessStage {
    /// Nothing usable: never parsed, or the last packet had no DRED (libopus −1).
    Empty,
    /// The payload is decoded, the features are not computed yet (libopus 1).
    Decoded,
    /// The features are ready (libopus 2).
    Processed,
}

impl ProcessStage {
    /// The value libopus stores in `process_stage` (`Empty` stands for −1, which libopus
    /// sets on every parse before looking for a payload).
    pub fn libopus_value(self) -> i32 {
        match self {
            ProcessStage::Empty => -1,
            ProcessStage::Decoded => 1,
            ProcessStage::Processed => 2,
        }
    }
}

/// What [`Dred::parse`] reports (libopus `opus_dred_parse`'s return value and `dred_end`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DredParse {
    /// Samples of audio (at the parse's sampling rate) the redundancy reaches back from the
    /// start of the packet; 0 without DRED.
    pub samples: i32,
    /// Samples of trailing silence the encoder did not code, counted back from the packet
    /// start: redundancy for the most recent `dred_end` samples is missing.
    pub dred_end: i32,
}

/// One entry of the feature queue the deep PLC consumes during DRED recovery (see
/// [`Dred::fec_frames`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FecFrame<'a> {
    /// Features of one 10 ms frame.
    Features(&'a [f32]),
    /// No redundancy covers this frame: the PLC predicts it on its own.
    Skip,
}

/// Decoded DRED data of one packet (libopus `OpusDRED`), with the RDO-VAE decoder weights it
/// uses to compute features.
///
/// A `Dred` is meant to be reused: each [`parse`](Dred::parse) overwrites what the new
/// payload carries and, like libopus, leaves entries past the decoded latents as they were.
#[derive(Clone, Debug)]
pub struct Dred {
    model: Arc<RdovaeDec>,
    fec_features: [f32; MAX_FRAMES * NUM_FEATURES],
    state: [f32; STATE_DIM],
    latents: [f32; MAX_LATENTS * DEC_INPUT_DIM],
    nb_latents: usize,
    process_stage: ProcessStage,
    dred_offset: i32,
    q0: i32,
    dq: i32,
    qmax: i32,
}

impl Dred {
    /// An empty `Dred` decoding with `model`.
    pub fn new(model: Arc<RdovaeDec>) -> Self {
        Dred {
            model,
            fec_features: [0.0; MAX_FRAMES * NUM_FEATURES],
            state: [0.0; STATE_DIM],
            latents: [0.0; MAX_LATENTS * DEC_INPUT_DIM],
            nb_latents: 0,
            process_stage: ProcessStage::Empty,
            dred_offset: 0,
            q0: 0,
            dq: 0,
            qmax: 0,
        }
    }

    /// An empty `Dred` decoding with libopus 1.6.1's weights ([`RdovaeDec::default_model`]).
    ///
    /// # Errors
    /// Only with a corrupted build.
    pub fn with_default_model() -> Result<Self, lpcnet::WeightsError> {
        Ok(Dred::new(RdovaeDec::default_model()?))
    }

    /// Finds and decodes the DRED payload of `packet` (libopus `opus_dred_parse`).
    ///
    /// `max_dred_samples` (at `sampling_rate`) bounds how far back the caller needs
    /// redundancy: latents beyond it are not decoded. Unless `defer` is set, the features are
    /// computed at once ([`process`](Dred::process)); with `defer` the caller may do that
    /// later, or never when the packet arrives in time.
    ///
    /// A packet without DRED gives `samples == 0` and leaves the `Dred` [`ProcessStage::Empty`].
    ///
    /// # Errors
    /// - [`Error::BadArg`] if `sampling_rate` is not positive;
    /// - the packet's framing errors, as [`find_payload`] reports them (the `Dred` is then
    ///   [`ProcessStage::Empty`]).
    pub fn parse(
        &mut self,
        packet: &[u8],
        max_dred_samples: i32,
        sampling_rate: i32,
        defer: bool,
    ) -> Result<DredParse, Error> {
        if sampling_rate <= 0 {
            return Err(Error::BadArg("DRED: sampling rate must be positive"));
        }
        self.process_stage = ProcessStage::Empty;
        let Some(payload) = find_payload(packet)? else {
            return Ok(DredParse::default());
        };
        // libopus computes this in int; i64 only avoids overflow on absurd arguments.
        let reach_frames = clamp_i32(100 * i64::from(max_dred_samples) / i64::from(sampling_rate));
        let min_feature_frames = reach_frames.saturating_add(2).min(2 * NUM_REDUNDANCY_FRAMES as i32);
        self.decode_payload(payload.data, min_feature_frames, payload.frame_offset);
        if !defer {
            self.process()?;
        }
        let fs = i64::from(sampling_rate);
        let offset = i64::from(self.dred_offset);
        let dred_end = clamp_i32((-offset * fs / 400).max(0));
        let samples = clamp_i32((self.nb_latents as i64 * fs / 25 - offset * fs / 400).max(0));
        Ok(DredParse { samples, dred_end })
    }

    /// Range-decodes a DRED payload (the bytes after `'D'` and the version; libopus
    /// `dred_ec_decode`) and returns the number of latents decoded.
    ///
    /// At most `(min_feature_frames + 1) / 2` redundancy frames of 20 ms are decoded (every
    /// other one carries a latent), and at most [`MAX_LATENTS`] latents; decoding also stops
    /// when fewer than 8 bits of the payload remain. `frame_offset` is the position of the
    /// extension's frame in the packet, in 2.5 ms units, which [`dred_offset`](Dred::dred_offset)
    /// includes. The `Dred` ends [`ProcessStage::Decoded`]. Any bytes decode to something.
    pub fn decode_payload(&mut self, data: &[u8], min_feature_frames: i32, frame_offset: i32) -> usize {
        let mut ec = RangeDecoder::new(data);
        let q0 = ec.uint(16) as i32;
        let dq = ec.uint(8) as i32;
        let extra_offset = if ec.uint(2) != 0 { 32 * ec.uint(256) as i32 } else { 0 };
        self.dred_offset = 16 - ec.uint(32) as i32 - extra_offset + frame_offset;
        let mut qmax = MAX_Q_LEVEL;
        if q0 < MAX_Q_LEVEL - 1 && dq > 0 {
            // One symbol: the lower half of its range means qmax = 15, the upper half holds
            // q0 + 1 ..= 14 with equal probability.
            let nvals = (MAX_Q_LEVEL - (q0 + 1)) as u32;
            let ft = 2 * nvals;
            let s = ec.decode(ft);
            if s >= nvals {
                qmax = q0 + (s - nvals) as i32 + 1;
                ec.update(s, s + 1, ft);
            } else {
                ec.update(0, nvals, ft);
            }
        }
        self.q0 = q0;
        self.dq = dq;
        self.qmax = qmax;

        let level = q0 as usize;
        decode_values(
            &mut ec,
            &mut self.state,
            &DRED_STATE_QUANT_SCALES_Q8[level],
            &DRED_STATE_R_Q8[level],
            &DRED_STATE_P0_Q8[level],
        );

        // Latents come newest first, one per 40 ms (two redundancy frames).
        let frames = (NUM_REDUNDANCY_FRAMES as i32).min((min_feature_frames + 1) / 2);
        let total_bits = 8 * data.len() as i64;
        let mut nb_latents = 0usize;
        while (2 * nb_latents as i32) < frames {
            if total_bits - i64::from(ec.tell()) <= 7 {
                break;
            }
            let q_level = compute_quantizer(q0, dq as usize, qmax, nb_latents as i32);
            let level = q_level as usize;
            let latent = &mut self.latents[nb_latents * DEC_INPUT_DIM..(nb_latents + 1) * DEC_INPUT_DIM];
            decode_values(
                &mut ec,
                &mut latent[..LATENT_DIM],
                &DRED_LATENT_QUANT_SCALES_Q8[level],
                &DRED_LATENT_R_Q8[level],
                &DRED_LATENT_P0_Q8[level],
            );
            latent[LATENT_DIM] = (f64::from(q_level) * 0.125 - 1.0) as f32;
            nb_latents += 1;
        }
        self.process_stage = ProcessStage::Decoded;
        self.nb_latents = nb_latents;
        nb_latents
    }

    /// Computes the features from the decoded latents (libopus `opus_dred_process`); does
    /// nothing if they are already computed.
    ///
    /// # Errors
    /// [`Error::BadArg`] if no payload has been decoded ([`ProcessStage::Empty`]).
    pub fn process(&mut self) -> Result<(), Error> {
        match self.process_stage {
            ProcessStage::Empty => Err(Error::BadArg("DRED: nothing to process")),
            ProcessStage::Processed => Ok(()),
            ProcessStage::Decoded => {
                self.model.decode_all(&mut self.fec_features, &self.state, &self.latents, self.nb_latents);
                self.process_stage = ProcessStage::Processed;
                Ok(())
            }
        }
    }

    /// The stage reached.
    pub fn process_stage(&self) -> ProcessStage {
        self.process_stage
    }

    /// Latents decoded by the last parse.
    pub fn nb_latents(&self) -> usize {
        self.nb_latents
    }

    /// Position of the newest feature frame relative to the start of the packet, in 2.5 ms
    /// units (libopus `dred_offset`): positive values reach into the encoder's lookahead,
    /// negative ones mean trailing silence was left out.
    pub fn dred_offset(&self) -> i32 {
        self.dred_offset
    }

    /// Quantiser level of the state and the newest latent.
    pub fn q0(&self) -> i32 {
        self.q0
    }

    /// Index of the per-latent quantiser slope ([`rdovae::quantizer::DQ_TABLE`]).
    pub fn dq(&self) -> i32 {
        self.dq
    }

    /// Highest quantiser level the latents use.
    pub fn qmax(&self) -> i32 {
        self.qmax
    }

    /// The dequantised initial state of the RDO-VAE decoder ([`STATE_DIM`] values).
    pub fn state(&self) -> &[f32; STATE_DIM] {
        &self.state
    }

    /// The dequantised latents, newest first, each with its quantiser level appended
    /// ([`DEC_INPUT_DIM`] values each). Only the first [`nb_latents`](Dred::nb_latents)
    /// belong to the last parse; the rest keep older values, as in libopus.
    pub fn latents(&self) -> &[f32; MAX_LATENTS * DEC_INPUT_DIM] {
        &self.latents
    }

    /// The features, 10 ms frames of [`NUM_FEATURES`], newest first. Only the first
    /// `4 · nb_latents` frames belong to the last [`process`](Dred::process).
    pub fn fec_features(&self) -> &[f32; MAX_FRAMES * NUM_FEATURES] {
        &self.fec_features
    }

    /// The features of frame `index` (0 = newest), if the last process computed it.
    pub fn feature_frame(&self, index: usize) -> Option<&[f32]> {
        (self.process_stage == ProcessStage::Processed && index < 4 * self.nb_latents)
            .then(|| &self.fec_features[index * NUM_FEATURES..(index + 1) * NUM_FEATURES])
    }

    /// The feature frame the decoder needs for step `step` of DRED recovery (the arithmetic
    /// of libopus `opus_decode_native` with a DRED argument).
    ///
    /// `dred_offset_samples` is where the concealed audio starts, counted back from the
    /// packet (at the decoder rate `fs`, whose 10 ms is `f10 = fs / 100`); `init_frames` is 2
    /// when the PLC's last step was an update without blending, else 0. The result indexes
    /// [`fec_features`](Dred::fec_features) frames and may be negative or past the decoded
    /// ones.
    pub fn feature_offset(&self, dred_offset_samples: i32, f10: i32, init_frames: i32, step: i32) -> i32 {
        // libopus mixes int and float here: the offset in samples is a float sum, divided
        // by f10 in float, then floored.
        let shift = self.dred_offset * f10 / 4;
        let pos = (dred_offset_samples as f32 + shift as f32) / f10 as f32;
        init_frames - step - 2 + f64::from(pos).floor() as i32
    }

    /// The frames libopus queues for the deep PLC before concealing `frame_size` samples at
    /// `dred_offset_samples` (both at rate `fs`), oldest first; `plc_blending` is false when
    /// the PLC's last step was an update (libopus `blend == 0`), which adds two frames.
    ///
    /// Nothing is queued before [`process`](Dred::process). Offsets before the newest frame
    /// are dropped; offsets past the decoded frames queue [`FecFrame::Skip`].
    pub fn fec_frames(
        &self,
        dred_offset_samples: i32,
        fs: i32,
        frame_size: i32,
        plc_blending: bool,
    ) -> impl Iterator<Item = FecFrame<'_>> + '_ {
        let f10 = fs / 100;
        let init_frames = if plc_blending { 0 } else { 2 };
        let needed = if self.process_stage == ProcessStage::Processed && f10 > 0 {
            init_frames + (frame_size / f10).max(1)
        } else {
            0
        };
        let last = 4 * self.nb_latents as i32 - 1;
        (0..needed).filter_map(move |step| {
            let off = self.feature_offset(dred_offset_samples, f10, init_frames, step);
            if off < 0 {
                None
            } else if off <= last {
                let at = off as usize * NUM_FEATURES;
                Some(FecFrame::Features(&self.fec_features[at..at + NUM_FEATURES]))
            } else {
                Some(FecFrame::Skip)
            }
        })
    }
}

/// Decodes `out.len()` values with per-dimension Laplace-p0 models and dequantises them
/// (libopus `dred_decode_latents`). Dimensions with `r == 0` or `p0 == 255` are not coded
/// and decode as 0.
fn decode_values(ec: &mut RangeDecoder<'_>, out: &mut [f32], scale: &[u8], r: &[u8], p0: &[u8]) {
    for (((x, &scale), &r), &p0) in out.iter_mut().zip(scale).zip(r).zip(p0) {
        let q = if r == 0 || p0 == 255 { 0 } else { laplace_decode_p0(ec, u16::from(p0) << 7, u16::from(r) << 7) };
        *x = q as f32 * 256.0 / f32::from(scale.max(1));
    }
}

fn clamp_i32(v: i64) -> i32 {
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use opus_core::range_coder::{laplace_encode_p0, RangeEncoder};

    fn dred() -> Dred {
        Dred::with_default_model().expect("model")
    }

    #[test]
    fn header_fields_and_latent_count() {
        // q0 = 4, dQ = 3, extra offset 2·32, fine offset 5, qmax = 9, then all-zero values.
        let mut buf = [0u8; 200];
        let mut enc = RangeEncoder::new(&mut buf);
        enc.uint(4, 16);
        enc.uint(3, 8);
        enc.uint(1, 2);
        enc.uint(2, 256);
        enc.uint(5, 32);
        let nvals = 15 - 5;
        enc.encode(nvals + (9 - 5), nvals + (9 - 5) + 1, 2 * nvals);
        for i in 0..STATE_DIM {
            if DRED_STATE_R_Q8[4][i] != 0 && DRED_STATE_P0_Q8[4][i] != 255 {
                laplace_encode_p0(
                    &mut enc,
                    (i % 3) as i32 - 1,
                    u16::from(DRED_STATE_P0_Q8[4][i]) << 7,
                    u16::from(DRED_STATE_R_Q8[4][i]) << 7,
                );
            }
        }
        enc.done();
        assert!(!enc.error());
        let mut d = dred();
        let n = d.decode_payload(&buf[..100], 2 + 20, 8);
        assert_eq!((d.q0(), d.dq(), d.qmax(), d.dred_offset()), (4, 3, 9, 16 - 5 - 64 + 8));
        // min_feature_frames 22 → 11 redundancy frames → 6 latents.
        assert_eq!(n, 6);
        assert_eq!(d.process_stage(), ProcessStage::Decoded);
        for i in 0..STATE_DIM {
            let coded = DRED_STATE_R_Q8[4][i] != 0 && DRED_STATE_P0_Q8[4][i] != 255;
            let q = if coded { (i % 3) as f32 - 1.0 } else { 0.0 };
            assert_eq!(d.state()[i], q * 256.0 / f32::from(DRED_STATE_QUANT_SCALES_Q8[4][i].max(1)));
        }
        assert_eq!(d.latents()[LATENT_DIM], 4.0 * 0.125 - 1.0);
        d.process().expect("process");
        assert!(d.feature_frame(23).is_some() && d.feature_frame(24).is_none());
    }

    #[test]
    fn empty_and_short_payloads() {
        let mut d = dred();
        assert_eq!(d.process(), Err(Error::BadArg("DRED: nothing to process")));
        assert_eq!(d.decode_payload(&[], 104, 0), 0);
        assert_eq!(d.decode_payload(&[0xff; 3], 104, 0), 0);
        d.process().expect("process");
        assert_eq!(d.fec_frames(0, 48000, 960, true).count(), 0);
    }

    #[test]
    fn feature_offsets() {
        let mut d = dred();
        d.decode_payload(&[0x55; 60], 104, 0);
        d.process().expect("process");
        let n = d.nb_latents() as i32;
        assert!(n > 0);
        // 20 ms at 16 kHz, 40 ms back, blending: steps 0, 1.
        let f10 = 160;
        let frames: Vec<i32> = (0..2).map(|s| d.feature_offset(640, f10, 0, s)).collect();
        let base = ((640.0f32 + (d.dred_offset() * f10 / 4) as f32) / 160.0).floor() as i32;
        assert_eq!(frames, [base - 2, base - 3]);
        let queued = d.fec_frames(640, 16000, 320, false).count();
        let expected = (0..4).filter(|&s| d.feature_offset(640, f10, 2, s) >= 0).count();
        assert_eq!(queued, expected);
    }
}

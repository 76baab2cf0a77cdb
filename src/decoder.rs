//! Decoding Opus packets into PCM.
//!
//! [`Decoder`] decodes one Opus stream (RFC 6716) of one or two channels at 48, 24, 16, 12 or
//! 8 kHz, whatever the rate and channel count it was encoded with. It writes interleaved
//! samples into slices the caller provides, as `f32` (nominal range ±1), `i16`, or 24-bit
//! integers held in `i32` (see [`Sample`]); it never allocates after [`Decoder::new`].
//!
//! Besides decoding packets it hides losses: [`Decoder::conceal`] fills the gap of a lost
//! packet, and [`Decoder::decode_fec`] recovers it from the in-band FEC (LBRR) of the packet
//! that follows, where the encoder put some. Deep PLC and DRED recovery will come through this
//! type too.
//!
//! The output is bit-exact with libopus 1.6.1's float build (`opus_decode_float`,
//! `opus_decode`, `opus_decode24`).
//!
//! ```
//! use dred_opus::decoder::Decoder;
//!
//! let mut dec = Decoder::new(48_000, 2)?;
//! let mut pcm = vec![0f32; dec.max_frame_samples() * 2];
//! // A CELT fullband 20 ms packet holding a silence frame.
//! let n = dec.decode(&[0xFC, 0xFF, 0xFF], &mut pcm)?;
//! assert_eq!(n, 960);
//! // The next packet is lost: conceal 20 ms.
//! let n = dec.conceal(960, &mut pcm)?;
//! assert_eq!(n, 960);
//! # Ok::<(), dred_opus::decoder::Error>(())
//! ```

use lpcnet::plc::LpcnetPlc;
use opus_core::decoder::{Concealment, OpusDecoder};

pub use opus_core::packet::{Bandwidth, Mode};
pub use opus_core::Error;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for i16 {}
    impl Sealed for i32 {}
}

/// A PCM sample type the decoder writes.
///
/// - `f32`: the decoder's own output, nominally within ±1 and not clipped (libopus
///   `opus_decode_float`).
/// - `i16`: soft-clipped to ±1, then scaled by 32768 and rounded to nearest, ties to even
///   (libopus `opus_decode` in its float build).
/// - `i32`: 24-bit samples, the float output scaled by 2^23 and rounded, not clipped (libopus
///   `opus_decode24`).
pub trait Sample: sealed::Sealed + Copy {
    #[doc(hidden)]
    fn decode_into(
        dec: &mut OpusDecoder,
        packet: Option<&[u8]>,
        pcm: &mut [Self],
        frame_size: usize,
        fec: bool,
        neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error>;
}

impl Sample for f32 {
    fn decode_into(
        dec: &mut OpusDecoder,
        packet: Option<&[u8]>,
        pcm: &mut [f32],
        frame_size: usize,
        fec: bool,
        neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error> {
        dec.decode_float_with(packet, pcm, frame_size, fec, neural)
    }
}

impl Sample for i16 {
    fn decode_into(
        dec: &mut OpusDecoder,
        packet: Option<&[u8]>,
        pcm: &mut [i16],
        frame_size: usize,
        fec: bool,
        neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error> {
        dec.decode_with(packet, pcm, frame_size, fec, neural)
    }
}

impl Sample for i32 {
    fn decode_into(
        dec: &mut OpusDecoder,
        packet: Option<&[u8]>,
        pcm: &mut [i32],
        frame_size: usize,
        fec: bool,
        neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error> {
        dec.decode24_with(packet, pcm, frame_size, fec, neural)
    }
}

/// An Opus decoder for one stream.
///
/// Settings (gain, complexity, phase inversion, ignore-extensions) survive
/// [`reset`](Self::reset); the stream state does not.
///
/// The decoder carries libopus 1.6.1's neural concealment (the PLC predictor, PitchDNN and
/// FARGAN, from the embedded weights), as libopus does when built with deep PLC: it follows
/// every good 16 kHz frame, and conceals losses with it at complexity 5 and above, exactly as
/// libopus's generic-C build does. At lower complexity the classic concealment runs.
#[derive(Debug, Clone)]
pub struct Decoder {
    inner: OpusDecoder,
    plc: Box<LpcnetPlc>,
}

impl Decoder {
    /// A decoder writing `channels` (1 or 2) interleaved channels at `sample_rate` Hz (48000,
    /// 24000, 16000, 12000 or 8000).
    ///
    /// # Errors
    /// [`Error::BadArg`] for another rate or channel count.
    pub fn new(sample_rate: u32, channels: usize) -> Result<Self, Error> {
        let inner = OpusDecoder::new(sample_rate, channels)?;
        // The embedded models are verified (SHA-256) when first loaded; they cannot fail to load
        // unless the binary itself is damaged.
        let plc = LpcnetPlc::new().map_err(|_| Error::Internal("embedded neural PLC weights failed to load"))?;
        Ok(Decoder { inner, plc: Box::new(plc) })
    }

    /// The output sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// The output channel count.
    pub fn channels(&self) -> usize {
        self.inner.channels()
    }

    /// Samples per channel in the longest packet (120 ms): a buffer of this many samples per
    /// channel holds any packet.
    pub fn max_frame_samples(&self) -> usize {
        self.inner.max_frame_samples()
    }

    /// Decodes one packet into `pcm` and returns the samples written per channel.
    ///
    /// `pcm` must hold the whole packet (`channels` times its duration in samples;
    /// [`max_frame_samples`](Self::max_frame_samples) per channel always suffices). A packet
    /// of zero or one byte (DTX) is concealed for its duration.
    ///
    /// # Errors
    /// - [`Error::InvalidPacket`]: the packet is malformed (nothing is changed).
    /// - [`Error::BufferTooSmall`]: `pcm` cannot hold the packet.
    /// - [`Error::Internal`]: a frame read past its end; the audio is still written, as
    ///   libopus does.
    pub fn decode<S: Sample>(&mut self, packet: &[u8], pcm: &mut [S]) -> Result<usize, Error> {
        if packet.is_empty() {
            return Err(Error::InvalidPacket("empty packet"));
        }
        let frame_size = pcm.len() / self.channels();
        S::decode_into(&mut self.inner, Some(packet), pcm, frame_size, false, Some(&mut *self.plc))
    }

    /// Conceals `frame_size` samples per channel of lost audio into `pcm` (packet-loss
    /// concealment). Usually `frame_size` is the lost packet's duration; when unknown,
    /// [`last_packet_duration`](Self::last_packet_duration) is a good guess.
    ///
    /// # Errors
    /// - [`Error::BadArg`]: `frame_size` is 0 or not a multiple of 2.5 ms.
    /// - [`Error::BufferTooSmall`]: `pcm` is shorter than `frame_size * channels`.
    pub fn conceal<S: Sample>(&mut self, frame_size: usize, pcm: &mut [S]) -> Result<usize, Error> {
        S::decode_into(&mut self.inner, None, pcm, frame_size, false, Some(&mut *self.plc))
    }

    /// Recovers `frame_size` samples per channel of lost audio from the in-band FEC (LBRR)
    /// data of `next_packet`, the packet received after the loss. The last frame's worth
    /// comes from the LBRR data; anything before it, or everything when the packet has no
    /// LBRR (always the case for CELT), is concealed. Decode `next_packet` itself afterwards
    /// with [`decode`](Self::decode).
    ///
    /// # Errors
    /// As [`conceal`](Self::conceal), plus [`Error::InvalidPacket`] for a malformed packet.
    pub fn decode_fec<S: Sample>(
        &mut self,
        next_packet: &[u8],
        frame_size: usize,
        pcm: &mut [S],
    ) -> Result<usize, Error> {
        if next_packet.is_empty() {
            return self.conceal(frame_size, pcm);
        }
        S::decode_into(&mut self.inner, Some(next_packet), pcm, frame_size, true, Some(&mut *self.plc))
    }

    /// Clears the stream state, keeping the settings. Call it when a new stream starts on
    /// the same decoder. Does not allocate.
    pub fn reset(&mut self) {
        self.inner.reset();
        self.plc.reset();
    }

    /// Samples per channel `packet` holds at this decoder's rate.
    ///
    /// # Errors
    /// [`Error::InvalidPacket`] when the TOC and frame count cannot be read or the packet
    /// would last over 120 ms; [`Error::BadArg`] for an empty packet.
    pub fn nb_samples(&self, packet: &[u8]) -> Result<usize, Error> {
        self.inner.nb_samples(packet)
    }

    /// Sets the output gain in 1/256 dB (-32768..=32767; 0 by default).
    ///
    /// # Errors
    /// [`Error::BadArg`] outside that range.
    pub fn set_gain(&mut self, gain_q8_db: i32) -> Result<(), Error> {
        self.inner.set_gain(gain_q8_db)
    }

    /// The output gain in 1/256 dB.
    pub fn gain(&self) -> i32 {
        self.inner.gain()
    }

    /// Decoder complexity 0..=10 (0 by default). Neural concealment will need 5 and above.
    ///
    /// # Errors
    /// [`Error::BadArg`] outside 0..=10.
    pub fn set_complexity(&mut self, complexity: i32) -> Result<(), Error> {
        self.inner.set_complexity(complexity)
    }

    /// The decoder complexity.
    pub fn complexity(&self) -> i32 {
        self.inner.complexity()
    }

    /// Disables the phase inversion of CELT's intensity stereo, which helps when the stereo
    /// output is downmixed to mono.
    pub fn set_phase_inversion_disabled(&mut self, disabled: bool) {
        self.inner.set_phase_inversion_disabled(disabled);
    }

    /// Whether phase inversion is disabled.
    pub fn phase_inversion_disabled(&self) -> bool {
        self.inner.phase_inversion_disabled()
    }

    /// Ignores extensions carried in packet padding (DRED among them).
    pub fn set_ignore_extensions(&mut self, ignore: bool) {
        self.inner.set_ignore_extensions(ignore);
    }

    /// Whether padding extensions are ignored.
    pub fn ignore_extensions(&self) -> bool {
        self.inner.ignore_extensions()
    }

    /// The range coder's final state after the last packet, 0 after concealment. For an
    /// intact packet it equals the encoder's, which checks the bitstream end to end.
    pub fn final_range(&self) -> u32 {
        self.inner.final_range()
    }

    /// Samples per channel produced by the last call.
    pub fn last_packet_duration(&self) -> usize {
        self.inner.last_packet_duration()
    }

    /// Pitch period of the last frame in samples (0 when unvoiced or unknown).
    pub fn pitch(&self) -> i32 {
        self.inner.pitch()
    }

    /// Bandwidth of the last packet, `None` before the first.
    pub fn bandwidth(&self) -> Option<Bandwidth> {
        self.inner.bandwidth()
    }

    /// The core decoder, for calls that mirror libopus's API one to one.
    pub fn inner(&self) -> &OpusDecoder {
        &self.inner
    }

    /// libopus's `opus_decode*` call as it is: `packet = None` conceals `frame_size` samples,
    /// `fec` recovers them from the packet's LBRR data, otherwise the packet is decoded
    /// (`frame_size` is then the room available). Neural concealment is attached as in
    /// [`decode`](Self::decode). This is what `opus_demo`-style loops need.
    ///
    /// # Errors
    /// As [`decode`](Self::decode) and [`conceal`](Self::conceal).
    pub fn decode_raw<S: Sample>(
        &mut self,
        packet: Option<&[u8]>,
        pcm: &mut [S],
        frame_size: usize,
        fec: bool,
    ) -> Result<usize, Error> {
        S::decode_into(&mut self.inner, packet, pcm, frame_size, fec, Some(&mut *self.plc))
    }

    /// Recovers `frame_size` samples per channel of lost audio from DRED data (libopus
    /// `opus_decoder_dred_decode`): the audio that starts `dred_offset` samples (at this
    /// decoder's rate) before the packet `dred` was parsed from. The features DRED carries
    /// for that stretch are queued into the neural concealment, which synthesises them with
    /// FARGAN; frames DRED does not cover are predicted. This works at any decoder complexity.
    ///
    /// `dred` must have been [parsed](dred::Dred::parse) and [processed](dred::Dred::process);
    /// otherwise this is plain concealment, as in libopus.
    ///
    /// # Errors
    /// As [`conceal`](Self::conceal).
    pub fn dred_decode<S: Sample>(
        &mut self,
        dred: &dred::Dred,
        dred_offset: i32,
        pcm: &mut [S],
        frame_size: usize,
    ) -> Result<usize, Error> {
        let fs = self.sample_rate() as i32;
        if dred.process_stage() == dred::ProcessStage::Processed {
            self.plc.fec_clear();
            let blending = self.plc.blend();
            for frame in dred.fec_frames(dred_offset, fs, frame_size as i32, blending) {
                match frame {
                    dred::FecFrame::Features(f) => self.plc.fec_add(Some(f)),
                    dred::FecFrame::Skip => self.plc.fec_add(None),
                }
            }
        }
        S::decode_into(&mut self.inner, None, pcm, frame_size, false, Some(&mut *self.plc))
    }

    /// The core decoder, mutably.
    pub fn inner_mut(&mut self) -> &mut OpusDecoder {
        &mut self.inner
    }

    /// Replaces the neural concealment's models (the PLC predictor, PitchDNN and FARGAN)
    /// with those of a DNNw weight blob (libopus `OPUS_SET_DNN_BLOB`, the format
    /// `write_lpcnet_weights` writes; [`lpcnet::weights::default_blob_bytes`] is the
    /// embedded one).
    ///
    /// Either all three models are replaced or none is: a rejected blob leaves the decoder
    /// running its previous models, in the state it was in. On success the concealment
    /// history and FARGAN state are kept and the feature analysis restarts (its PitchDNN is
    /// one of the models replaced). The stream state and settings are untouched. This
    /// allocates (the new models), unlike decoding.
    ///
    /// Unlike libopus, the models of the DRED decoder are not part of this decoder: load
    /// them where the [`dred::Dred`] data is processed. libopus also loads OSCE models from
    /// the blob; OSCE is not implemented here.
    ///
    /// # Errors
    /// [`Error::BadArg`] (libopus `OPUS_BAD_ARG`, which `OPUS_SET_DNN_BLOB` returns for a bad
    /// blob) naming what is wrong: a malformed record, or an array a model needs that is
    /// missing or mis-sized.
    pub fn load_dnn_blob(&mut self, blob: &[u8]) -> Result<(), Error> {
        self.plc.load_model(blob).map_err(|e| Error::BadArg(weights_error_message(&e)))
    }
}

/// A static description of a weight-blob error, for [`Error::BadArg`].
fn weights_error_message(e: &lpcnet::weights::WeightsError) -> &'static str {
    use lpcnet::weights::WeightsError as W;
    match e {
        W::TruncatedHeader { .. } => "DNN blob: truncated record header",
        W::BlockSmallerThanSize { .. } => "DNN blob: record block smaller than its size",
        W::BlockPastEnd { .. } => "DNN blob: record runs past the end of the blob",
        W::UnterminatedName { .. } => "DNN blob: unterminated array name",
        W::NegativeSize { .. } => "DNN blob: negative array size",
        W::EmptyArray { .. } => "DNN blob: empty array",
        W::BlobTooLarge => "DNN blob: larger than 2 GiB",
        W::BadMagic { .. } => "DNN blob: record lacks the DNNw magic",
        W::UnsupportedVersion { .. } => "DNN blob: unsupported record version",
        W::BlockNotRounded { .. } => "DNN blob: block size not rounded to 64",
        W::UnknownType { .. } => "DNN blob: unknown array type",
        W::MissingArray { .. } => "DNN blob: an array a model needs is missing",
        W::WrongSize { .. } => "DNN blob: an array has the wrong size for its model",
        W::BadSparseIndex { .. } => "DNN blob: malformed sparse index",
        W::InvalidSpec(_) => "DNN blob: unusable layer description",
        W::ChecksumMismatch => "DNN blob: checksum mismatch",
        _ => "DNN blob: rejected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_conceals_in_every_sample_type() {
        let mut dec = Decoder::new(16000, 1).unwrap();
        let pkt = [0xF8u8, 0x81, 0x22, 0x53, 0x07, 0x99];
        let mut f = vec![0f32; 320];
        let mut s = vec![0i16; 320];
        let mut w = vec![0i32; 320];
        assert_eq!(dec.decode(&pkt, &mut f), Ok(320));
        assert_eq!(dec.decode(&pkt, &mut s), Ok(320));
        assert_eq!(dec.decode(&pkt, &mut w), Ok(320));
        assert_eq!(dec.conceal(160, &mut f), Ok(160));
        assert_eq!(dec.decode_fec(&pkt, 320, &mut s), Ok(320));
        assert_eq!(dec.last_packet_duration(), 320);
        assert!(matches!(
            dec.decode(&pkt, &mut f[..100]),
            Err(Error::BufferTooSmall { .. })
        ));
        assert!(matches!(
            dec.decode::<f32>(&[], &mut f),
            Err(Error::InvalidPacket(_))
        ));
        assert!(matches!(dec.conceal(7, &mut f), Err(Error::BadArg(_))));
    }

    /// Decodes 8 packets of a SILK WB stream made by repeating `pkt`, losing every third,
    /// at complexity 5 (deep PLC), and returns the output.
    fn lossy_run(dec: &mut Decoder) -> Vec<i16> {
        let pkt = [0x48u8, 0x81, 0x22, 0x53, 0x07, 0x99, 0x10, 0x42, 0x77, 0x31, 0x05, 0x61];
        let mut out = Vec::new();
        let mut pcm = vec![0i16; 320];
        for k in 0..8 {
            let n = if k % 3 == 2 {
                dec.conceal(320, &mut pcm).unwrap()
            } else {
                dec.decode(&pkt, &mut pcm).unwrap()
            };
            out.extend_from_slice(&pcm[..n]);
        }
        out
    }

    #[test]
    fn load_dnn_blob_accepts_the_embedded_blob() {
        let mut fresh = Decoder::new(16000, 1).unwrap();
        fresh.set_complexity(5).unwrap();
        let mut loaded = fresh.clone();
        assert_eq!(loaded.load_dnn_blob(lpcnet::weights::default_blob_bytes()), Ok(()));
        // The same models: the same audio.
        assert_eq!(lossy_run(&mut loaded), lossy_run(&mut fresh));
    }

    #[test]
    fn load_dnn_blob_replaces_the_models() {
        use lpcnet::weights::{write_record, WeightBlob};
        let good = lpcnet::weights::default_blob_bytes();
        let mut dec = Decoder::new(16000, 1).unwrap();
        dec.set_complexity(5).unwrap();
        let mut classic = dec.clone();
        classic.set_complexity(0).unwrap();
        let want = lossy_run(&mut dec.clone());
        // Deep PLC is what conceals here.
        assert_ne!(lossy_run(&mut classic), want);
        // The embedded blob with every FARGAN weight scaled by 0.5: other audio.
        let blob = WeightBlob::parse(good).unwrap();
        let mut altered = Vec::new();
        for r in blob.records() {
            let mut data = r.data().to_vec();
            if r.name_str().is_some_and(|n| n.starts_with("fargan") || n.starts_with("plc")) && r.type_code() == 0 {
                for w in data.chunks_exact_mut(4) {
                    let x = f32::from_le_bytes([w[0], w[1], w[2], w[3]]) * 0.5;
                    w.copy_from_slice(&x.to_le_bytes());
                }
            }
            write_record(&mut altered, r.name(), r.type_code(), &data);
        }
        let mut other = dec.clone();
        other.load_dnn_blob(&altered).unwrap();
        assert_ne!(lossy_run(&mut other.clone()), want);
        // Loading the embedded blob back restores the original models.
        other.load_dnn_blob(good).unwrap();
        assert_eq!(lossy_run(&mut other), want);
    }

    #[test]
    fn load_dnn_blob_rejects_bad_blobs_and_keeps_the_old_models() {
        let good = lpcnet::weights::default_blob_bytes();
        let mut reference = Decoder::new(16000, 1).unwrap();
        reference.set_complexity(5).unwrap();
        let want = lossy_run(&mut reference.clone());

        // Truncated inside a header, inside a record, and after the first records (so the
        // models that come later are missing); random bytes; the empty blob.
        let mut rng_state = 0x1234_5678_9abc_def0u64;
        let random: Vec<u8> = (0..4096)
            .map(|_| {
                rng_state ^= rng_state << 13;
                rng_state ^= rng_state >> 7;
                rng_state ^= rng_state << 17;
                rng_state as u8
            })
            .collect();
        // A valid record layout whose sizes were damaged: the first record's size field.
        let mut bad_size = good.to_vec();
        bad_size[12..16].copy_from_slice(&(-5i32).to_le_bytes());
        let bad: [&[u8]; 6] = [&good[..30], &good[..100], &good[..good.len() / 2], &random, &[], &bad_size];
        for blob in bad {
            let mut dec = reference.clone();
            let before = lossy_run(&mut dec.clone());
            let err = dec.load_dnn_blob(blob).unwrap_err();
            assert!(matches!(err, Error::BadArg(m) if m.starts_with("DNN blob")), "{err:?}");
            assert_eq!(err.libopus_code(), -1);
            // Still the old models and state: the same audio as before the call.
            assert_eq!(lossy_run(&mut dec), before);
            assert_eq!(before, want);
        }

        // A rejected blob after a good one changes nothing either, and a good one still loads.
        let mut dec = reference.clone();
        dec.load_dnn_blob(good).unwrap();
        assert!(dec.load_dnn_blob(&good[..good.len() - 64]).is_err());
        assert_eq!(lossy_run(&mut dec), want);
    }

    #[test]
    fn settings_survive_reset() {
        let mut dec = Decoder::new(48000, 2).unwrap();
        dec.set_gain(-512).unwrap();
        dec.set_complexity(3).unwrap();
        dec.set_phase_inversion_disabled(true);
        dec.reset();
        assert_eq!(
            (dec.gain(), dec.complexity(), dec.phase_inversion_disabled()),
            (-512, 3, true)
        );
        assert!(dec.set_gain(40000).is_err());
        assert!(dec.set_complexity(11).is_err());
        assert_eq!(dec.bandwidth(), None);
    }
}

//! Encoding PCM into Opus packets.
//!
//! [`Encoder`] codes one or two channels at 48, 24, 16, 12 or 8 kHz into Opus packets (RFC
//! 6716), 2.5 to 120 ms of audio per call. Input is interleaved, as `f32` (nominal range
//! ±1), `i16`, or 24-bit integers held in `i32` (see [`EncodeSample`]). Settings live in an
//! [`EncoderConfig`], a plain value built with chained setters and applied with
//! [`Encoder::with_config`] or [`Encoder::set_config`]; it survives [`Encoder::reset`].
//!
//! The packets are byte-identical with libopus 1.6.1's float build (`opus_encode_float`,
//! `opus_encode`, `opus_encode24`) for the same settings and input. The encoder does not
//! allocate after [`Encoder::new`]. The DRED encoder is not part of it yet.
//!
//! ```
//! use dred_opus::encoder::{Application, Bitrate, Encoder, EncoderConfig};
//! use dred_opus::Decoder;
//!
//! let config = EncoderConfig::new(Application::Audio)
//!     .bitrate(Bitrate::Bps(32_000))
//!     .complexity(5);
//! let mut enc = Encoder::with_config(48_000, 1, &config)?;
//! let mut dec = Decoder::new(48_000, 1)?;
//! let mut packet = [0u8; 1500];
//! let mut pcm = vec![0f32; 960];
//! let mut decoded = vec![0f32; 960];
//! let mut phase = 0f32;
//! for _ in 0..10 {
//!     // 20 ms of a 440 Hz sine.
//!     for s in pcm.iter_mut() {
//!         *s = 0.5 * phase.sin();
//!         phase += 2.0 * std::f32::consts::PI * 440.0 / 48_000.0;
//!     }
//!     let len = enc.encode(&pcm, &mut packet)?;
//!     assert!(len > 1 && len < 200);
//!     let n = dec.decode(&packet[..len], &mut decoded)?;
//!     assert_eq!(n, 960);
//!     // Both ends of the range coder agree.
//!     assert_eq!(dec.final_range(), enc.final_range());
//! }
//! // The decoder output lags the input by the encoder's look-ahead (6.5 ms).
//! assert_eq!(enc.lookahead(), 312);
//! assert!(decoded.iter().any(|s| s.abs() > 0.1));
//! # Ok::<(), dred_opus::encoder::Error>(())
//! ```

use opus_core::encoder::OpusEncoder;

pub use opus_core::encoder::{Application, Bitrate, EncoderConfig, FrameDuration, InbandFec, Signal};
pub use opus_core::packet::{Bandwidth, Mode};
pub use opus_core::Error;

/// Longest input per call: 120 ms at 48 kHz, per channel.
const MAX_FRAME_48K: usize = 5760;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for i16 {}
    impl Sealed for i32 {}
}

/// A PCM sample type the encoder reads.
///
/// - `f32`: nominally within ±1 (libopus `opus_encode_float`); NaN or infinite frames are
///   coded as silence.
/// - `i16`: full scale ±32768 (libopus `opus_encode`).
/// - `i32`: 24-bit samples, full scale ±2^23 (libopus `opus_encode24`).
pub trait EncodeSample: sealed::Sealed + Copy {
    #[doc(hidden)]
    fn encode_with(enc: &mut OpusEncoder, pcm: &[Self], out: &mut [u8], scratch: &mut Vec<f32>) -> Result<usize, Error>;
}

impl EncodeSample for f32 {
    fn encode_with(enc: &mut OpusEncoder, pcm: &[f32], out: &mut [u8], _: &mut Vec<f32>) -> Result<usize, Error> {
        enc.encode_float(pcm, out)
    }
}

impl EncodeSample for i16 {
    fn encode_with(enc: &mut OpusEncoder, pcm: &[i16], out: &mut [u8], _: &mut Vec<f32>) -> Result<usize, Error> {
        enc.encode(pcm, out)
    }
}

impl EncodeSample for i32 {
    fn encode_with(enc: &mut OpusEncoder, pcm: &[i32], out: &mut [u8], scratch: &mut Vec<f32>) -> Result<usize, Error> {
        // libopus's float build scales 24-bit input by 2^-23 and codes it as float. Within the
        // 24-bit range the float path's analysis sees exactly the same values.
        if scratch.len() < pcm.len() {
            // Longer than one frame (look-ahead for the analysis): grow once.
            scratch.resize(pcm.len(), 0.0);
        }
        let buf = &mut scratch[..pcm.len()];
        for (d, &s) in buf.iter_mut().zip(pcm) {
            *d = s as f32 * (1.0 / 8_388_608.0);
        }
        enc.encode_float(buf, out)
    }
}

/// An Opus encoder for one stream.
///
/// Settings are an [`EncoderConfig`]; a new encoder has libopus's defaults for its
/// [`Application`] (automatic bitrate, constrained VBR, complexity 9, automatic bandwidth and
/// mode, 24-bit depth).
#[derive(Debug, Clone)]
pub struct Encoder {
    inner: OpusEncoder,
    scratch: Vec<f32>,
}

impl Encoder {
    /// An encoder reading `channels` (1 or 2) interleaved channels at `sample_rate` Hz (48000,
    /// 24000, 16000, 12000 or 8000), with libopus's default settings for `application`.
    ///
    /// # Errors
    /// [`Error::BadArg`] for another rate or channel count.
    pub fn new(sample_rate: u32, channels: usize, application: Application) -> Result<Self, Error> {
        Self::with_config(sample_rate, channels, &EncoderConfig::new(application))
    }

    /// An encoder with the settings of `config`.
    ///
    /// # Errors
    /// As [`new`](Self::new), and [`Error::BadArg`] for a setting out of range (see
    /// [`set_config`](Self::set_config)).
    pub fn with_config(sample_rate: u32, channels: usize, config: &EncoderConfig) -> Result<Self, Error> {
        let inner = OpusEncoder::with_config(sample_rate, channels, config)?;
        Ok(Encoder { inner, scratch: vec![0.0; MAX_FRAME_48K * channels] })
    }

    /// Applies new settings, as libopus's `OPUS_SET_*` requests would; they take effect with
    /// the next packet.
    ///
    /// # Errors
    /// [`Error::BadArg`] for complexity outside 0..=10, loss outside 0..=100 %, depth outside
    /// 8..=24, a bitrate of zero or less, forced channels above the input's, or a change of
    /// application after the first packet. Nothing changes then.
    pub fn set_config(&mut self, config: &EncoderConfig) -> Result<(), Error> {
        self.inner.set_config(config)
    }

    /// Changes some settings: `f` gets the current ones and returns the new.
    ///
    /// ```
    /// # use dred_opus::encoder::{Application, Bitrate, Encoder, EncoderConfig};
    /// let mut enc = Encoder::new(16_000, 1, Application::Voip)?;
    /// enc.update_config(|c| c.bitrate(Bitrate::Bps(12_000)).dtx(true))?;
    /// assert_eq!(
    ///     *enc.config(),
    ///     EncoderConfig::new(Application::Voip).bitrate(Bitrate::Bps(12_000)).dtx(true)
    /// );
    /// # Ok::<(), dred_opus::encoder::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`set_config`](Self::set_config).
    pub fn update_config(&mut self, f: impl FnOnce(EncoderConfig) -> EncoderConfig) -> Result<(), Error> {
        let config = f(*self.inner.config());
        self.inner.set_config(&config)
    }

    /// The current settings.
    pub fn config(&self) -> &EncoderConfig {
        self.inner.config()
    }

    /// The input sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// The input channel count.
    pub fn channels(&self) -> usize {
        self.inner.channels()
    }

    /// Encodes `pcm` (interleaved; its length sets the frame: 2.5, 5, 10, 20, 40, 60, 80, 100
    /// or 120 ms per channel) into `out` and returns the packet length. `out.len()` caps the
    /// packet size (1275 bytes per frame is always enough); in CBR it is also the size aimed
    /// for when smaller than the bitrate's.
    ///
    /// With a fixed [`FrameDuration`] (not [`FrameDuration::Arg`]), `pcm` may be longer than
    /// that duration: only its first frame is coded, and the rest is look-ahead for the
    /// speech/music analysis (libopus's "delayed decision"). The packet's duration tells how
    /// many samples were consumed.
    ///
    /// # Errors
    /// - [`Error::BadArg`]: `pcm` is not a valid frame length, or `out` is empty.
    /// - [`Error::BufferTooSmall`]: `out` cannot hold a packet.
    /// - [`Error::Internal`]: a coding stage failed.
    pub fn encode<S: EncodeSample>(&mut self, pcm: &[S], out: &mut [u8]) -> Result<usize, Error> {
        S::encode_with(&mut self.inner, pcm, out, &mut self.scratch)
    }

    /// The range coder's final state after the last packet (0 after a DTX packet). The
    /// decoder reports the same value for an intact packet.
    pub fn final_range(&self) -> u32 {
        self.inner.final_range()
    }

    /// The encoder's look-ahead in samples per channel at the input rate: 2.5 ms, plus 4 ms
    /// except with [`Application::RestrictedLowDelay`]. Decoded audio lags the input by this.
    pub fn lookahead(&self) -> usize {
        self.inner.lookahead()
    }

    /// The bitrate aimed for with the last frame size, bits per second.
    pub fn bitrate(&self) -> i32 {
        self.inner.bitrate()
    }

    /// The bandwidth of the last packet.
    pub fn bandwidth(&self) -> Bandwidth {
        self.inner.bandwidth()
    }

    /// Whether the encoder is in discontinuous transmission, sending only occasional packets.
    pub fn in_dtx(&self) -> bool {
        self.inner.in_dtx()
    }

    /// Clears the stream state, keeping the settings. Call it when a new stream starts on the
    /// same encoder. Does not allocate.
    pub fn reset(&mut self) {
        self.inner.reset();
    }

    /// The core encoder, for calls that mirror libopus's API one to one.
    pub fn inner(&self) -> &OpusEncoder {
        &self.inner
    }

    /// The core encoder, mutably.
    pub fn inner_mut(&mut self) -> &mut OpusEncoder {
        &mut self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_types_agree() {
        // The same signal as i16, f32 and 24-bit gives the same packets.
        let pcm16: Vec<i16> = (0..960 * 2).map(|i| ((i as f32 * 0.05).sin() * 8000.0) as i16).collect();
        let pcmf: Vec<f32> = pcm16.iter().map(|&s| f32::from(s) / 32768.0).collect();
        let pcm24: Vec<i32> = pcm16.iter().map(|&s| i32::from(s) * 256).collect();
        let mut encs: Vec<Encoder> =
            (0..3).map(|_| Encoder::new(48_000, 2, Application::Audio).unwrap()).collect();
        let mut pkts = [[0u8; 1500]; 3];
        for _ in 0..3 {
            let a = encs[0].encode(&pcm16, &mut pkts[0]).unwrap();
            let b = encs[1].encode(&pcmf, &mut pkts[1]).unwrap();
            let c = encs[2].encode(&pcm24, &mut pkts[2]).unwrap();
            assert_eq!(a, b);
            assert_eq!(b, c);
            assert_eq!(pkts[1][..b], pkts[2][..c]);
            assert_eq!(encs[1].final_range(), encs[2].final_range());
        }
    }

    #[test]
    fn errors_and_reset() {
        assert!(Encoder::new(44_100, 1, Application::Voip).is_err());
        assert!(Encoder::new(48_000, 3, Application::Voip).is_err());
        let mut enc = Encoder::new(16_000, 1, Application::Voip).unwrap();
        let mut out = [0u8; 400];
        assert!(matches!(enc.encode(&[0i16; 100], &mut out), Err(Error::BadArg(_))));
        assert!(matches!(enc.encode(&[0i32; 100000], &mut out), Err(Error::BadArg(_))));
        assert!(enc.update_config(|c| c.complexity(11)).is_err());
        enc.update_config(|c| c.complexity(3)).unwrap();
        let pcm = [100i16; 320];
        let first = enc.encode(&pcm, &mut out).unwrap();
        let first_pkt = out[..first].to_vec();
        enc.encode(&pcm, &mut out).unwrap();
        enc.reset();
        let again = enc.encode(&pcm, &mut out).unwrap();
        assert_eq!(out[..again], first_pkt[..]);
        assert_eq!(*enc.config(), EncoderConfig::new(Application::Voip).complexity(3));
    }
}

//! The settings of the Opus encoder (the `OPUS_SET_*` requests of libopus's
//! `opus_encoder_ctl`), as a typed, builder-style value that survives
//! [`super::OpusEncoder::reset`].

use crate::packet::{Bandwidth, Mode};
use crate::Error;

/// `OPUS_AUTO`.
pub(crate) const AUTO: i32 = -1000;
/// `OPUS_BITRATE_MAX`.
pub(crate) const BITRATE_MAX: i32 = -1;

/// What the encoder is tuned for (libopus `OPUS_APPLICATION_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Application {
    /// Speech, with a high-pass input filter and a bias towards SILK.
    Voip,
    /// General audio.
    Audio,
    /// CELT only, without SILK's 4 ms of extra look-ahead.
    RestrictedLowDelay,
    /// SILK only, narrowband to wideband, frames of 10 ms or more; no CELT
    /// state. Cannot be changed to or from with [`super::OpusEncoder::set_config`].
    RestrictedSilk,
    /// CELT only with no SILK state and no delay compensation. Cannot be
    /// changed to or from with [`super::OpusEncoder::set_config`].
    RestrictedCelt,
}

impl Application {
    /// The libopus constant (2048, 2049, 2051, 2052, 2053).
    pub fn libopus_value(self) -> i32 {
        match self {
            Application::Voip => 2048,
            Application::Audio => 2049,
            Application::RestrictedLowDelay => 2051,
            Application::RestrictedSilk => 2052,
            Application::RestrictedCelt => 2053,
        }
    }
}

/// Target bitrate (`OPUS_SET_BITRATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bitrate {
    /// Chosen from the rate, channels and frame size (`OPUS_AUTO`).
    Auto,
    /// As many bits as the output buffer allows (`OPUS_BITRATE_MAX`).
    Max,
    /// Bits per second; clamped to 500 to 750 000 per channel.
    Bps(i32),
}

/// Hint about the content (`OPUS_SET_SIGNAL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Let the encoder decide.
    Auto,
    /// Speech.
    Voice,
    /// Music.
    Music,
}

/// Duration of the frames the encoder codes (`OPUS_SET_EXPERT_FRAME_DURATION`).
/// Anything but [`FrameDuration::Arg`] must not be longer than the input given
/// to each encode call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameDuration {
    /// The length of the input of each call.
    Arg,
    /// 2.5 ms.
    Ms2_5,
    /// 5 ms.
    Ms5,
    /// 10 ms.
    Ms10,
    /// 20 ms.
    Ms20,
    /// 40 ms.
    Ms40,
    /// 60 ms.
    Ms60,
    /// 80 ms (a multi-frame packet).
    Ms80,
    /// 100 ms (a multi-frame packet).
    Ms100,
    /// 120 ms (a multi-frame packet).
    Ms120,
}

impl FrameDuration {
    /// The libopus constant (`OPUS_FRAMESIZE_ARG` = 5000 to 5009).
    pub fn libopus_value(self) -> i32 {
        5000 + self as i32
    }
}

/// In-band forward error correction with SILK's LBRR frames
/// (`OPUS_SET_INBAND_FEC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InbandFec {
    /// Off.
    Off,
    /// On; lossy channels push the encoder towards SILK.
    On,
    /// On, without pushing confident music towards SILK.
    OnKeepMusic,
}

/// Settings of an [`super::OpusEncoder`], built with chained setters.
///
/// The defaults are libopus's: automatic bitrate, constrained VBR, complexity
/// 9, automatic bandwidth up to fullband, automatic mode and signal, frame size
/// from the argument, no FEC, no loss, no DTX, 24-bit depth, prediction on,
/// automatic channels, phase inversion allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderConfig {
    pub(crate) application: Application,
    pub(crate) bitrate: Bitrate,
    pub(crate) vbr: bool,
    pub(crate) vbr_constraint: bool,
    pub(crate) complexity: i32,
    pub(crate) bandwidth: Option<Bandwidth>,
    pub(crate) max_bandwidth: Bandwidth,
    pub(crate) force_mode: Option<Mode>,
    pub(crate) signal: Signal,
    pub(crate) frame_duration: FrameDuration,
    pub(crate) inband_fec: InbandFec,
    pub(crate) packet_loss_perc: i32,
    pub(crate) dtx: bool,
    pub(crate) lsb_depth: i32,
    pub(crate) prediction_disabled: bool,
    pub(crate) force_channels: Option<usize>,
    pub(crate) phase_inversion_disabled: bool,
}

impl EncoderConfig {
    /// libopus's defaults for `application`.
    pub fn new(application: Application) -> Self {
        EncoderConfig {
            application,
            bitrate: Bitrate::Auto,
            vbr: true,
            vbr_constraint: true,
            complexity: 9,
            bandwidth: None,
            max_bandwidth: Bandwidth::Fullband,
            force_mode: None,
            signal: Signal::Auto,
            frame_duration: FrameDuration::Arg,
            inband_fec: InbandFec::Off,
            packet_loss_perc: 0,
            dtx: false,
            lsb_depth: 24,
            prediction_disabled: false,
            force_channels: None,
            phase_inversion_disabled: false,
        }
    }

    /// The application (may only change before the first frame is coded).
    pub fn application(mut self, a: Application) -> Self {
        self.application = a;
        self
    }
    /// Target bitrate.
    pub fn bitrate(mut self, b: Bitrate) -> Self {
        self.bitrate = b;
        self
    }
    /// Variable bitrate (on by default); off gives CBR.
    pub fn vbr(mut self, on: bool) -> Self {
        self.vbr = on;
        self
    }
    /// Constrained VBR (on by default), used when VBR is on.
    pub fn vbr_constraint(mut self, on: bool) -> Self {
        self.vbr_constraint = on;
        self
    }
    /// Complexity, 0 to 10.
    pub fn complexity(mut self, c: i32) -> Self {
        self.complexity = c;
        self
    }
    /// Fixed coded bandwidth, or `None` for automatic.
    pub fn bandwidth(mut self, b: Option<Bandwidth>) -> Self {
        self.bandwidth = b;
        self
    }
    /// Highest bandwidth the automatic choice may pick.
    pub fn max_bandwidth(mut self, b: Bandwidth) -> Self {
        self.max_bandwidth = b;
        self
    }
    /// Forced coding mode, or `None` for automatic (`OPUS_SET_FORCE_MODE`).
    pub fn force_mode(mut self, m: Option<Mode>) -> Self {
        self.force_mode = m;
        self
    }
    /// Content hint.
    pub fn signal(mut self, s: Signal) -> Self {
        self.signal = s;
        self
    }
    /// Frame duration.
    pub fn frame_duration(mut self, d: FrameDuration) -> Self {
        self.frame_duration = d;
        self
    }
    /// In-band FEC.
    pub fn inband_fec(mut self, f: InbandFec) -> Self {
        self.inband_fec = f;
        self
    }
    /// Expected packet loss, 0 to 100 percent.
    pub fn packet_loss_perc(mut self, p: i32) -> Self {
        self.packet_loss_perc = p;
        self
    }
    /// Discontinuous transmission.
    pub fn dtx(mut self, on: bool) -> Self {
        self.dtx = on;
        self
    }
    /// Bit depth of the input, 8 to 24.
    pub fn lsb_depth(mut self, d: i32) -> Self {
        self.lsb_depth = d;
        self
    }
    /// Make each packet decodable without the previous ones.
    pub fn prediction_disabled(mut self, on: bool) -> Self {
        self.prediction_disabled = on;
        self
    }
    /// Force mono or stereo coding, or `None` for automatic.
    pub fn force_channels(mut self, c: Option<usize>) -> Self {
        self.force_channels = c;
        self
    }
    /// Disable CELT's stereo phase inversion.
    pub fn phase_inversion_disabled(mut self, on: bool) -> Self {
        self.phase_inversion_disabled = on;
        self
    }

    /// Checks the ranges libopus's CTLs check, for an encoder of `channels`
    /// channels.
    pub(crate) fn validate(&self, channels: usize) -> Result<(), Error> {
        if !(0..=10).contains(&self.complexity) {
            return Err(Error::BadArg("opus encoder: complexity must be 0 to 10"));
        }
        if !(0..=100).contains(&self.packet_loss_perc) {
            return Err(Error::BadArg("opus encoder: packet loss must be 0 to 100"));
        }
        if !(8..=24).contains(&self.lsb_depth) {
            return Err(Error::BadArg("opus encoder: lsb depth must be 8 to 24"));
        }
        if let Bitrate::Bps(b) = self.bitrate {
            if b <= 0 {
                return Err(Error::BadArg("opus encoder: bitrate must be positive"));
            }
        }
        if let Some(c) = self.force_channels {
            if c < 1 || c > channels {
                return Err(Error::BadArg("opus encoder: forced channels out of range"));
            }
        }
        Ok(())
    }

    /// The bitrate as libopus stores it (`user_bitrate_bps`), clamped.
    pub(crate) fn user_bitrate(&self, channels: usize) -> i32 {
        match self.bitrate {
            Bitrate::Auto => AUTO,
            Bitrate::Max => BITRATE_MAX,
            Bitrate::Bps(b) => b.clamp(500, 750_000 * channels as i32),
        }
    }

    pub(crate) fn signal_value(&self) -> i32 {
        match self.signal {
            Signal::Auto => AUTO,
            Signal::Voice => 3001,
            Signal::Music => 3002,
        }
    }

    pub(crate) fn fec_value(&self) -> i32 {
        self.inband_fec as i32
    }
}

impl Default for EncoderConfig {
    fn default() -> Self {
        EncoderConfig::new(Application::Audio)
    }
}

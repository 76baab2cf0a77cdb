//! The table-of-contents byte (RFC 6716 section 3.1).
//!
//! Input: the first byte of an Opus packet. Output: its configuration number
//! (0 to 31), coding mode, audio bandwidth, frame duration, channel count and
//! frame-count code. Every byte value is a valid TOC byte, so nothing here
//! can fail.
//!
//! The layout is `config:5 | s:1 | c:2`, most significant bit first:
//!
//! | config | mode   | bandwidths      | frame sizes (ms)   |
//! |--------|--------|-----------------|--------------------|
//! | 0..=11 | SILK   | NB, MB, WB      | 10, 20, 40, 60     |
//! | 12..=15| Hybrid | SWB, FB         | 10, 20             |
//! | 16..=31| CELT   | NB, WB, SWB, FB | 2.5, 5, 10, 20     |

/// The coding mode a TOC byte selects, with libopus's `MODE_*` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// SILK only (libopus `MODE_SILK_ONLY` = 1000).
    SilkOnly,
    /// SILK in the low band plus CELT above 8 kHz (libopus `MODE_HYBRID` = 1001).
    Hybrid,
    /// CELT only (libopus `MODE_CELT_ONLY` = 1002).
    CeltOnly,
}

impl Mode {
    /// The matching libopus constant (`MODE_SILK_ONLY` = 1000 and so on).
    pub fn libopus_value(self) -> i32 {
        match self {
            Mode::SilkOnly => 1000,
            Mode::Hybrid => 1001,
            Mode::CeltOnly => 1002,
        }
    }

    /// The mode whose libopus constant is `value`, if any.
    pub fn from_libopus(value: i32) -> Option<Mode> {
        match value {
            1000 => Some(Mode::SilkOnly),
            1001 => Some(Mode::Hybrid),
            1002 => Some(Mode::CeltOnly),
            _ => None,
        }
    }
}

/// An audio bandwidth, with libopus's `OPUS_BANDWIDTH_*` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bandwidth {
    /// 4 kHz passband, 8 kHz sampling (`OPUS_BANDWIDTH_NARROWBAND` = 1101).
    Narrowband,
    /// 6 kHz passband, 12 kHz sampling (`OPUS_BANDWIDTH_MEDIUMBAND` = 1102).
    Mediumband,
    /// 8 kHz passband, 16 kHz sampling (`OPUS_BANDWIDTH_WIDEBAND` = 1103).
    Wideband,
    /// 12 kHz passband, 24 kHz sampling (`OPUS_BANDWIDTH_SUPERWIDEBAND` = 1104).
    Superwideband,
    /// 20 kHz passband, 48 kHz sampling (`OPUS_BANDWIDTH_FULLBAND` = 1105).
    Fullband,
}

/// `OPUS_BANDWIDTH_NARROWBAND`.
pub const OPUS_BANDWIDTH_NARROWBAND: i32 = 1101;
/// `OPUS_BANDWIDTH_MEDIUMBAND`.
pub const OPUS_BANDWIDTH_MEDIUMBAND: i32 = OPUS_BANDWIDTH_NARROWBAND + 1;
/// `OPUS_BANDWIDTH_WIDEBAND`.
pub const OPUS_BANDWIDTH_WIDEBAND: i32 = OPUS_BANDWIDTH_NARROWBAND + 2;
/// `OPUS_BANDWIDTH_SUPERWIDEBAND`.
pub const OPUS_BANDWIDTH_SUPERWIDEBAND: i32 = OPUS_BANDWIDTH_NARROWBAND + 3;
/// `OPUS_BANDWIDTH_FULLBAND`.
pub const OPUS_BANDWIDTH_FULLBAND: i32 = OPUS_BANDWIDTH_NARROWBAND + 4;

impl Bandwidth {
    /// The matching libopus constant (`OPUS_BANDWIDTH_NARROWBAND` = 1101 and so on).
    pub fn libopus_value(self) -> i32 {
        match self {
            Bandwidth::Narrowband => OPUS_BANDWIDTH_NARROWBAND,
            Bandwidth::Mediumband => OPUS_BANDWIDTH_MEDIUMBAND,
            Bandwidth::Wideband => OPUS_BANDWIDTH_WIDEBAND,
            Bandwidth::Superwideband => OPUS_BANDWIDTH_SUPERWIDEBAND,
            Bandwidth::Fullband => OPUS_BANDWIDTH_FULLBAND,
        }
    }

    /// The bandwidth whose libopus constant is `value`, if any.
    pub fn from_libopus(value: i32) -> Option<Bandwidth> {
        match value {
            OPUS_BANDWIDTH_NARROWBAND => Some(Bandwidth::Narrowband),
            OPUS_BANDWIDTH_MEDIUMBAND => Some(Bandwidth::Mediumband),
            OPUS_BANDWIDTH_WIDEBAND => Some(Bandwidth::Wideband),
            OPUS_BANDWIDTH_SUPERWIDEBAND => Some(Bandwidth::Superwideband),
            OPUS_BANDWIDTH_FULLBAND => Some(Bandwidth::Fullband),
            _ => None,
        }
    }

    /// The sampling rate that carries this bandwidth without loss, in Hz.
    pub fn sample_rate(self) -> u32 {
        match self {
            Bandwidth::Narrowband => 8000,
            Bandwidth::Mediumband => 12000,
            Bandwidth::Wideband => 16000,
            Bandwidth::Superwideband => 24000,
            Bandwidth::Fullband => 48000,
        }
    }

    fn from_index(index: u8) -> Bandwidth {
        match index {
            0 => Bandwidth::Narrowband,
            1 => Bandwidth::Mediumband,
            2 => Bandwidth::Wideband,
            3 => Bandwidth::Superwideband,
            _ => Bandwidth::Fullband,
        }
    }
}

/// The two low bits of the TOC byte: how the frames are packed (RFC 6716 section 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameCountCode {
    /// Code 0: one frame.
    One,
    /// Code 1: two frames of equal size.
    TwoEqual,
    /// Code 2: two frames of different sizes.
    TwoDifferent,
    /// Code 3: an arbitrary number of frames, with a frame-count byte.
    Arbitrary,
}

impl FrameCountCode {
    /// The code as its two-bit number, 0 to 3.
    pub fn value(self) -> u8 {
        match self {
            FrameCountCode::One => 0,
            FrameCountCode::TwoEqual => 1,
            FrameCountCode::TwoDifferent => 2,
            FrameCountCode::Arbitrary => 3,
        }
    }
}

/// A TOC byte. Every `u8` is a valid one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Toc(pub u8);

impl Toc {
    /// The configuration number, 0 to 31 (RFC 6716 table 2).
    pub fn config(self) -> u8 {
        self.0 >> 3
    }

    /// The coding mode.
    pub fn mode(self) -> Mode {
        if self.0 & 0x80 != 0 {
            Mode::CeltOnly
        } else if self.0 & 0x60 == 0x60 {
            Mode::Hybrid
        } else {
            Mode::SilkOnly
        }
    }

    /// The audio bandwidth, as `opus_packet_get_bandwidth` reports it.
    pub fn bandwidth(self) -> Bandwidth {
        let pair = (self.0 >> 5) & 0x3;
        match self.mode() {
            // CELT has no mediumband: its four bandwidths are NB, WB, SWB, FB.
            Mode::CeltOnly => Bandwidth::from_index(if pair == 0 { 0 } else { pair + 1 }),
            Mode::Hybrid => {
                if self.0 & 0x10 != 0 {
                    Bandwidth::Fullband
                } else {
                    Bandwidth::Superwideband
                }
            }
            Mode::SilkOnly => Bandwidth::from_index(pair),
        }
    }

    /// Samples per frame per channel at 48 kHz: 120, 240, 480, 960, 1920 or 2880.
    pub fn samples_per_frame_48k(self) -> u32 {
        self.samples_per_frame(48_000)
    }

    /// Samples per frame per channel at the rate `fs`, computed with
    /// `opus_packet_get_samples_per_frame`'s integer formula (so 2.5 ms at
    /// 8 kHz is 20 samples). The arithmetic is 64-bit, so no rate overflows.
    pub fn samples_per_frame(self, fs: u32) -> u32 {
        let fs = u64::from(fs);
        let size = u64::from((self.0 >> 3) & 0x3);
        let samples = match self.mode() {
            // 2.5, 5, 10 or 20 ms.
            Mode::CeltOnly => (fs << size) / 400,
            // 10 or 20 ms.
            Mode::Hybrid => {
                if self.0 & 0x08 != 0 {
                    fs / 50
                } else {
                    fs / 100
                }
            }
            // 10, 20, 40 or 60 ms.
            Mode::SilkOnly => {
                if size == 3 {
                    fs * 60 / 1000
                } else {
                    (fs << size) / 100
                }
            }
        };
        // fs < 2^32, so fs * 8 / 400 and fs * 60 / 1000 both fit.
        u32::try_from(samples).unwrap_or(u32::MAX)
    }

    /// Whether the stereo flag is set.
    pub fn is_stereo(self) -> bool {
        self.0 & 0x4 != 0
    }

    /// The number of coded channels, 1 or 2 (`opus_packet_get_nb_channels`).
    pub fn channels(self) -> u8 {
        if self.is_stereo() {
            2
        } else {
            1
        }
    }

    /// The frame-count code in the two low bits.
    pub fn frame_count_code(self) -> FrameCountCode {
        match self.0 & 0x3 {
            0 => FrameCountCode::One,
            1 => FrameCountCode::TwoEqual,
            2 => FrameCountCode::TwoDifferent,
            _ => FrameCountCode::Arbitrary,
        }
    }

    /// The same byte with the frame-count code replaced by `code`.
    pub fn with_frame_count_code(self, code: FrameCountCode) -> Toc {
        Toc((self.0 & 0xFC) | code.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_rfc_table_2() {
        for config in 0u8..32 {
            let toc = Toc(config << 3);
            assert_eq!(toc.config(), config);
            let want = match config {
                0..=11 => Mode::SilkOnly,
                12..=15 => Mode::Hybrid,
                _ => Mode::CeltOnly,
            };
            assert_eq!(toc.mode(), want, "config {config}");
        }
        assert_eq!(Mode::CeltOnly.libopus_value(), 1002);
        assert_eq!(Mode::from_libopus(1001), Some(Mode::Hybrid));
        assert_eq!(Mode::from_libopus(999), None);
    }

    #[test]
    fn bandwidths_follow_rfc_table_2() {
        use Bandwidth::*;
        #[rustfmt::skip]
        let want = [
            Narrowband, Narrowband, Narrowband, Narrowband,
            Mediumband, Mediumband, Mediumband, Mediumband,
            Wideband, Wideband, Wideband, Wideband,
            Superwideband, Superwideband, Fullband, Fullband,
            Narrowband, Narrowband, Narrowband, Narrowband,
            Wideband, Wideband, Wideband, Wideband,
            Superwideband, Superwideband, Superwideband, Superwideband,
            Fullband, Fullband, Fullband, Fullband,
        ];
        for (config, bw) in want.iter().enumerate() {
            for low in 0..8u8 {
                let toc = Toc(((config as u8) << 3) | low);
                assert_eq!(toc.bandwidth(), *bw, "config {config}");
            }
        }
        for (i, bw) in [Narrowband, Mediumband, Wideband, Superwideband, Fullband]
            .into_iter()
            .enumerate()
        {
            assert_eq!(bw.libopus_value(), 1101 + i as i32);
            assert_eq!(Bandwidth::from_libopus(1101 + i as i32), Some(bw));
        }
        assert_eq!(Bandwidth::from_libopus(1100), None);
        assert_eq!(Bandwidth::from_libopus(1106), None);
        assert_eq!(Fullband.sample_rate(), 48000);
    }

    #[test]
    fn frame_durations_follow_rfc_table_2() {
        let ms_x10 = |config: u8| -> u32 {
            match config {
                0..=11 => [100, 200, 400, 600][usize::from(config & 3)],
                12..=15 => [100, 200][usize::from(config & 1)],
                _ => [25, 50, 100, 200][usize::from(config & 3)],
            }
        };
        for config in 0u8..32 {
            let toc = Toc(config << 3);
            assert_eq!(toc.samples_per_frame_48k(), ms_x10(config) * 48 / 10);
            for fs in [8000u32, 12000, 16000, 24000, 48000, 96000] {
                assert_eq!(toc.samples_per_frame(fs), ms_x10(config) * fs / 10000);
            }
        }
        // Integer truncation as in libopus: 2.5 ms at 11025 Hz.
        assert_eq!(Toc(16 << 3).samples_per_frame(11025), 27);
        assert_eq!(Toc(31 << 3).samples_per_frame(u32::MAX), 85_899_345);
        assert_eq!(Toc(0).samples_per_frame(0), 0);
    }

    #[test]
    fn stereo_flag_and_code() {
        assert!(!Toc(0x00).is_stereo());
        assert_eq!(Toc(0x04).channels(), 2);
        assert_eq!(Toc(0x00).channels(), 1);
        assert_eq!(Toc(0x00).frame_count_code(), FrameCountCode::One);
        assert_eq!(Toc(0x01).frame_count_code(), FrameCountCode::TwoEqual);
        assert_eq!(Toc(0x02).frame_count_code(), FrameCountCode::TwoDifferent);
        assert_eq!(Toc(0x03).frame_count_code(), FrameCountCode::Arbitrary);
        assert_eq!(
            Toc(0xFF).with_frame_count_code(FrameCountCode::One),
            Toc(0xFC)
        );
        for code in 0..4u8 {
            assert_eq!(Toc(code).frame_count_code().value(), code);
        }
    }
}

//! The VAD and LBRR flags at the start of each SILK-coded Opus frame (RFC 6716 §4.2.3–4.2.4).
//!
//! Input: one Opus frame of a SILK-only or hybrid packet and its TOC. Output: for each coded
//! channel (mid, and side in stereo) and each 20 ms SILK frame (1 for 10/20 ms Opus frames,
//! 2 for 40 ms, 3 for 60 ms), whether voice activity was flagged and whether an LBRR
//! (low-bitrate redundancy, in-band FEC) copy of that frame is present. These are the first
//! symbols of the frame, read exactly as the SILK decoder reads them.

use super::toc::{Mode, Toc};
use crate::range_coder::RangeDecoder;
use crate::silk::tables_other::LBRR_FLAGS_ICDF_PTR;

/// Flags of one SILK-coded Opus frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SilkFlags {
    /// Coded channels: 1, or 2 for stereo (mid and side).
    pub channels: usize,
    /// 20 ms SILK frames in this Opus frame (1 to 3).
    pub frames: usize,
    /// `vad[channel][frame]`.
    pub vad: [[bool; 3]; 2],
    /// `lbrr[channel][frame]`: an LBRR copy of that frame follows.
    pub lbrr: [[bool; 3]; 2],
}

impl SilkFlags {
    /// Whether any LBRR frame is present.
    pub fn any_lbrr(&self) -> bool {
        self.lbrr[..self.channels].iter().any(|c| c[..self.frames].iter().any(|&f| f))
    }
}

/// Reads the flags of `frame`, an Opus frame of a packet with this `toc`. Returns `None` for
/// CELT-only packets and empty frames.
pub fn silk_flags(toc: Toc, frame: &[u8]) -> Option<SilkFlags> {
    if toc.mode() == Mode::CeltOnly || frame.is_empty() {
        return None;
    }
    let frames = (toc.samples_per_frame_48k() / 960).max(1) as usize;
    let channels = toc.channels() as usize;
    let mut dec = RangeDecoder::new(frame);
    let mut f = SilkFlags { channels, frames, ..SilkFlags::default() };
    let mut lbrr_present = [false; 2];
    for (c, present) in lbrr_present.iter_mut().enumerate().take(channels) {
        for i in 0..frames {
            f.vad[c][i] = dec.bit_logp(1);
        }
        *present = dec.bit_logp(1);
    }
    for (c, &present) in lbrr_present.iter().enumerate().take(channels) {
        if !present {
            continue;
        }
        if frames == 1 {
            f.lbrr[c][0] = true;
        } else {
            let symbol = dec.icdf(LBRR_FLAGS_ICDF_PTR[frames - 2], 8) + 1;
            for i in 0..frames {
                f.lbrr[c][i] = (symbol >> i) & 1 != 0;
            }
        }
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::range_coder::RangeEncoder;

    #[test]
    fn reads_what_was_written() {
        // 60 ms stereo SILK: config 3 (NB 60 ms), stereo.
        let toc = Toc((3 << 3) | 0x04);
        let mut buf = [0u8; 16];
        let mut enc = RangeEncoder::new(&mut buf);
        let vad = [[true, false, true], [false, false, true]];
        let lbrr_present = [true, false]; // mid has LBRR frames, side none
        for (c, flags) in vad.iter().enumerate() {
            for &v in flags {
                enc.bit_logp(v, 1);
            }
            enc.bit_logp(lbrr_present[c], 1);
        }
        enc.icdf(0b101 - 1, LBRR_FLAGS_ICDF_PTR[1], 8);
        enc.done();
        let f = silk_flags(toc, &buf).unwrap();
        assert_eq!((f.channels, f.frames), (2, 3));
        assert_eq!(f.vad, vad);
        assert_eq!(f.lbrr, [[true, false, true], [false; 3]]);
        assert!(f.any_lbrr());
        assert_eq!(silk_flags(Toc(31 << 3), &buf), None);
        assert_eq!(silk_flags(toc, &[]), None);
    }
}

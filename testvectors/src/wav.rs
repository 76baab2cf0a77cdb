//! A tiny RIFF/WAVE reader: 16-bit integer PCM, any rate, one or two channels.
//!
//! Enough for the CMU ARCTIC fixtures; anything else is a typed error, never a panic.

use std::fmt;

/// A decoded WAV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wav {
    /// Sample rate in Hz.
    pub rate: u32,
    /// Channel count.
    pub channels: usize,
    /// Interleaved samples.
    pub samples: Vec<i16>,
}

/// Why a WAV file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WavError {
    /// Not a RIFF/WAVE file.
    NotWave,
    /// A chunk runs past the end of the file, or a needed chunk is missing.
    Malformed(&'static str),
    /// A valid file in a format this reader does not take (not 16-bit PCM, or more than two
    /// channels).
    Unsupported(&'static str),
}

impl fmt::Display for WavError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WavError::NotWave => write!(f, "not a RIFF/WAVE file"),
            WavError::Malformed(m) => write!(f, "malformed: {m}"),
            WavError::Unsupported(m) => write!(f, "unsupported: {m}"),
        }
    }
}

impl std::error::Error for WavError {}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes([*b.get(i)?, *b.get(i + 1)?, *b.get(i + 2)?, *b.get(i + 3)?]))
}

/// Parses a WAV file held in memory.
///
/// # Errors
///
/// [`WavError`] for anything but a well-formed 16-bit PCM mono or stereo file.
pub fn parse(data: &[u8]) -> Result<Wav, WavError> {
    if data.len() < 12 || &data[0..4] != b"RIFF" || &data[8..12] != b"WAVE" {
        return Err(WavError::NotWave);
    }
    let mut pos = 12usize;
    let mut format: Option<(u16, usize, u32, u16)> = None;
    while pos + 8 <= data.len() {
        let id = &data[pos..pos + 4];
        let size = u32_at(data, pos + 4).ok_or(WavError::Malformed("chunk header"))? as usize;
        let body_start = pos + 8;
        let body_end = body_start.checked_add(size).ok_or(WavError::Malformed("chunk size"))?;
        if id == b"fmt " {
            let body = data.get(body_start..body_end).ok_or(WavError::Malformed("fmt chunk"))?;
            let tag = u16_at(body, 0).ok_or(WavError::Malformed("fmt chunk"))?;
            let channels = u16_at(body, 2).ok_or(WavError::Malformed("fmt chunk"))?;
            let rate = u32_at(body, 4).ok_or(WavError::Malformed("fmt chunk"))?;
            let bits = u16_at(body, 14).ok_or(WavError::Malformed("fmt chunk"))?;
            // WAVE_FORMAT_EXTENSIBLE carries the real tag at the start of its sub-format GUID.
            let tag = if tag == 0xfffe { u16_at(body, 24).ok_or(WavError::Malformed("fmt chunk"))? } else { tag };
            format = Some((tag, usize::from(channels), rate, bits));
        } else if id == b"data" {
            let (tag, channels, rate, bits) = format.ok_or(WavError::Malformed("data before fmt"))?;
            if tag != 1 || bits != 16 {
                return Err(WavError::Unsupported("only 16-bit integer PCM"));
            }
            if channels == 0 || channels > 2 {
                return Err(WavError::Unsupported("only mono or stereo"));
            }
            if rate == 0 {
                return Err(WavError::Malformed("sample rate 0"));
            }
            // Some writers leave the data size too large; take what is there, whole frames only.
            let body = &data[body_start..body_end.min(data.len())];
            let frame = 2 * channels;
            let usable = body.len() / frame * frame;
            let samples = body[..usable].chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
            return Ok(Wav { rate, channels, samples });
        }
        // Chunks are padded to an even size.
        pos = body_end.saturating_add(size & 1);
    }
    Err(WavError::Malformed("no data chunk"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(channels: u16, bits: u16, samples: &[i16]) -> Vec<u8> {
        let mut v = Vec::new();
        let data_len = (samples.len() * 2) as u32;
        v.extend_from_slice(b"RIFF");
        v.extend_from_slice(&(36 + data_len).to_le_bytes());
        v.extend_from_slice(b"WAVEfmt ");
        v.extend_from_slice(&16u32.to_le_bytes());
        v.extend_from_slice(&1u16.to_le_bytes());
        v.extend_from_slice(&channels.to_le_bytes());
        v.extend_from_slice(&16000u32.to_le_bytes());
        v.extend_from_slice(&(32000 * u32::from(channels)).to_le_bytes());
        v.extend_from_slice(&(2 * channels).to_le_bytes());
        v.extend_from_slice(&bits.to_le_bytes());
        v.extend_from_slice(b"data");
        v.extend_from_slice(&data_len.to_le_bytes());
        for s in samples {
            v.extend_from_slice(&s.to_le_bytes());
        }
        v
    }

    #[test]
    fn reads_pcm16_and_rejects_the_rest() {
        let w = parse(&make(2, 16, &[1, -2, 3, -4])).unwrap();
        assert_eq!(w, Wav { rate: 16000, channels: 2, samples: vec![1, -2, 3, -4] });
        assert_eq!(parse(&make(1, 8, &[1])), Err(WavError::Unsupported("only 16-bit integer PCM")));
        assert_eq!(parse(b"RIFF"), Err(WavError::NotWave));
        let good = make(1, 16, &[5; 10]);
        for n in 0..good.len() {
            let _ = parse(&good[..n]);
        }
    }

    #[test]
    fn reads_the_fixtures() {
        let w = parse(&std::fs::read(crate::fixtures_dir().join("arctic_a0007.wav")).unwrap()).unwrap();
        assert_eq!((w.rate, w.channels, w.samples.len()), (16000, 1, 64000));
    }
}

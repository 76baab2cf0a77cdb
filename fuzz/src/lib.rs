//! Helpers shared by the fuzz targets of `dred-opus` (see `docs/FUZZING.md`).
//!
//! [`Input`] turns the fuzzer's bytes into a stream of choices (which call to
//! make, which rate, how long a packet) and packets. Reads past the end give
//! zeros, so every input, even an empty one, drives a well-defined sequence.

/// Output rates the decoder accepts.
pub const RATES: [u32; 5] = [48000, 24000, 16000, 12000, 8000];

/// Largest packet the targets hand to a decoder (libopus accepts any length;
/// 1,500 bytes covers the longest useful code-3 packet with padding).
pub const MAX_PACKET: usize = 1500;

/// A cursor over the fuzzer's input that yields choices and byte slices.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    /// Starts reading `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Input { data, pos: 0 }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// The next byte, or 0 past the end.
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | u16::from(self.u8()) << 8
    }

    /// The next four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from(self.u16()) | u32::from(self.u16()) << 16
    }

    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 256 {
            usize::from(self.u8()) % n
        } else {
            self.u32() as usize % n
        }
    }

    /// One element of `items` (not empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// A boolean.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// Up to `n` bytes (fewer at the end of the input).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        let end = start.saturating_add(n).min(self.data.len());
        self.pos = start.saturating_add(n);
        &self.data[start..end]
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        self.pos = self.data.len();
        &self.data[start..]
    }

    /// A length-prefixed chunk: a 16-bit length (taken modulo `max + 1`), then
    /// that many bytes.
    pub fn chunk(&mut self, max: usize) -> &'a [u8] {
        let n = usize::from(self.u16()) % (max + 1);
        self.bytes(n)
    }
}

/// Splits `data` into packets: each starts with a 16-bit little-endian length
/// (modulo [`MAX_PACKET`] + 1), and the last one takes what is left.
pub fn packets(data: &[u8]) -> Vec<&[u8]> {
    let mut input = Input::new(data);
    let mut out = Vec::new();
    while !input.is_empty() {
        out.push(input.chunk(MAX_PACKET));
    }
    out
}

/// Frame sizes, in samples per channel at `rate`, a caller may ask for:
/// every multiple of 2.5 ms up to 120 ms, plus a few invalid ones.
pub fn frame_size(input: &mut Input<'_>, rate: u32) -> usize {
    let unit = (rate / 400) as usize;
    match input.u8() {
        0..=239 => unit * (usize::from(input.u8()) % 48 + 1),
        240..=247 => 0,
        248..=251 => usize::from(input.u16()),
        _ => unit * 48 + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_reads_zeros_past_the_end() {
        let mut i = Input::new(&[1, 2, 3]);
        assert_eq!(i.u16(), 0x0201);
        assert_eq!(i.u16(), 3);
        assert!(i.is_empty());
        assert_eq!(i.bytes(4), &[] as &[u8]);
        assert_eq!(packets(&[2, 0, 7, 7, 9]), vec![&[7u8, 7][..], &[][..]]);
    }
}

/// The bundled fixture: 16 kHz mono speech with in-band FEC and DRED, in
/// opus_demo's bitstream format (see `fixtures/README.md`).
pub const SAMPLE_BITSTREAM: &[u8] = include_bytes!("../../fixtures/sample_speech_dred.bit");

/// Up to `n` non-empty packets of the bundled fixture, from packet `skip` on:
/// valid SILK/hybrid packets any decoder must accept.
pub fn sample_packets(skip: usize, n: usize) -> Vec<&'static [u8]> {
    dred_opus::bitstream::BitstreamReader::new(SAMPLE_BITSTREAM)
        .filter_map(Result::ok)
        .map(|r| r.payload)
        .filter(|p| !p.is_empty())
        .skip(skip)
        .take(n)
        .collect()
}

/// Packets made by libopus 1.6.1 (generic build) from a synthetic signal:
/// for each of SILK, hybrid and CELT, mono and stereo, 20 ms and 10 ms, a few
/// packets. Deterministic, so fuzz runs replay.
pub fn oracle_packets() -> Vec<Vec<u8>> {
    use opus_oracle::{ctl, Build, Encoder};
    let mut out = Vec::new();
    let mut buf = [0u8; 1500];
    for channels in 1..=2usize {
        for (mode, bw, rate) in [
            (ctl::MODE_SILK_ONLY, ctl::BANDWIDTH_WIDEBAND, 24000),
            (ctl::MODE_HYBRID, ctl::BANDWIDTH_FULLBAND, 48000),
            (ctl::MODE_CELT_ONLY, ctl::BANDWIDTH_FULLBAND, 64000),
        ] {
            for frame in [960usize, 480] {
                let Ok(mut enc) = Encoder::new(Build::Generic, 48000, channels, ctl::APPLICATION_VOIP) else {
                    continue;
                };
                let _ = enc.set(ctl::SET_FORCE_MODE, mode);
                let _ = enc.set(ctl::SET_BANDWIDTH, bw);
                let _ = enc.set(ctl::SET_BITRATE, rate);
                let _ = enc.set(ctl::SET_INBAND_FEC, 1);
                let _ = enc.set(ctl::SET_PACKET_LOSS_PERC, 20);
                for k in 0..4 {
                    let pcm: Vec<i16> = (0..frame * channels)
                        .map(|i| {
                            let t = (k * frame + i / channels) as f64 / 48000.0;
                            let v = (t * 2.0 * std::f64::consts::PI * 220.0).sin() * 0.3
                                + (t * 2.0 * std::f64::consts::PI * 1330.0).sin() * 0.1;
                            (v * 32767.0) as i16
                        })
                        .collect();
                    if let Ok(n) = enc.encode(&pcm, frame, &mut buf) {
                        if n > 2 {
                            out.push(buf[..n].to_vec());
                        }
                    }
                }
            }
        }
    }
    out
}

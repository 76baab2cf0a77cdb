//! The receive side of `opus_demo -d` (libopus 1.6.1), over any decoder.
//!
//! For each bitstream record `opus_demo`:
//! - on a lost record (length 0) only counts the loss;
//! - on a packet after `lost_count` losses, first parses the packet's DRED with room for
//!   `lost_count` times the last packet's duration (at most one second), then fills the gap
//!   oldest first: every lost frame but the newest is concealed by DRED at offset
//!   `(lost_count - fr) * duration` when DRED covered anything, else by plain PLC; the newest
//!   lost frame uses the packet's LBRR (`decode_fec`) when `opus_packet_has_lbrr` says it has
//!   some, otherwise it is treated like the older ones; then the packet itself is decoded
//!   with room for 2 s of audio;
//! - never conceals losses at the end of the file (there is no later packet to trigger it);
//! - reads the decoder's final range after each record.
//!
//! Audio goes through `opus_decode24`, which in libopus's float build is the float decoder
//! output scaled by 2^23 and rounded to nearest-even ([`res2int24`]); 16-bit output is then
//! clamped to ±0x7fff00 and shifted down by 8 bits with rounding ([`int24_to_i16`]), with no
//! soft clipping. (`opus_decoder_dred_decode24` asks for soft clipping, but the concealment
//! path of the decoder returns before clipping, so it is the same conversion.) In
//! decode-only mode nothing is skipped: the codec delay stays in the output.
//!
//! [`DemoDecoder`] is the small interface this logic needs; [`OracleDecoder`] implements it
//! with libopus, and the dred-opus decoder will implement it too.

use opus_oracle::{ctl, Build, Decoder, Dred, DredDecoder};

use crate::bitstream::Record;

/// Room `opus_demo` gives each decode call, in samples per channel (2 s at 48 kHz).
pub const MAX_FRAME_SIZE: usize = 96_000;

/// What the receive logic needs from a decoder. Audio is float, as the decoder produces it,
/// interleaved; errors are libopus error codes.
pub trait DemoDecoder {
    /// Output sample rate in Hz.
    fn sample_rate(&self) -> u32;
    /// Output channel count.
    fn channels(&self) -> usize;
    /// `opus_decode_float`: `packet = None` conceals one lost frame of `frame_size` samples.
    /// Returns samples per channel written to `pcm`.
    fn decode(&mut self, packet: Option<&[u8]>, pcm: &mut [f32], frame_size: usize) -> Result<usize, i32>;
    /// `opus_decode_float` with `decode_fec = 1`: recovers the frame before `packet` from its
    /// LBRR data (or conceals it).
    fn decode_fec(&mut self, packet: &[u8], pcm: &mut [f32], frame_size: usize) -> Result<usize, i32>;
    /// `opus_dred_parse` (not deferred) into the decoder's own DRED state: returns the samples
    /// of audio the DRED data covers (0 when there is none), or a libopus error code.
    fn dred_parse(&mut self, packet: &[u8], max_dred_samples: i32) -> Result<i32, i32>;
    /// `opus_decoder_dred_decode_float` from the last parsed DRED state, `dred_offset`
    /// samples before the packet it came with.
    fn dred_decode(&mut self, dred_offset: i32, pcm: &mut [f32], frame_size: usize) -> Result<usize, i32>;
    /// `opus_packet_has_lbrr`, with C's truthiness: a parse error counts as `true`.
    fn has_lbrr(&self, packet: &[u8]) -> bool;
    /// `OPUS_GET_FINAL_RANGE`.
    fn final_range(&mut self) -> u32;
    /// `OPUS_GET_LAST_PACKET_DURATION`.
    fn last_packet_duration(&mut self) -> i32;
}

/// One decoder configuration of a vector, as `opus_demo -d rate channels -dec_complexity cx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecodeConfig {
    /// Output rate in Hz.
    pub rate: u32,
    /// Output channels.
    pub channels: usize,
    /// Decoder complexity (`OPUS_SET_COMPLEXITY` on the decoder).
    pub complexity: i32,
}

impl DecodeConfig {
    /// A configuration.
    pub const fn new(rate: u32, channels: usize, complexity: i32) -> Self {
        DecodeConfig { rate, channels, complexity }
    }

    /// The file-name stem of this configuration: `<rate>.<ch>.c<cx>`.
    pub fn stem(&self) -> String {
        format!("{}.{}.c{}", self.rate, self.channels, self.complexity)
    }
}

/// How each frame was produced, counted over a whole stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DemoStats {
    /// Packets decoded normally.
    pub packets: usize,
    /// Lost records.
    pub lost: usize,
    /// Frames recovered from LBRR.
    pub fec: usize,
    /// Frames concealed from DRED.
    pub dred: usize,
    /// Frames concealed by plain PLC.
    pub plc: usize,
    /// Decode calls that returned an error (`opus_demo` prints it and goes on).
    pub errors: usize,
}

/// What `opus_demo -d` produces for one stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoOutput {
    /// The 16-bit output, interleaved, codec delay included.
    pub pcm: Vec<i16>,
    /// The decoder's final range after each record.
    pub final_ranges: Vec<u32>,
    /// Records where the decoder's final range differs from the encoder's one written in the
    /// bitstream, counted where `opus_demo` checks it (neither this record nor the previous
    /// one lost, encoder value non-zero).
    pub encoder_range_mismatches: usize,
    /// How frames were produced.
    pub stats: DemoStats,
}

/// `RES2INT24` of libopus's float build: `x * 2^23` rounded to nearest, ties to even (as
/// `lrintf`/`cvtss2si` do in the default rounding mode); values out of `i32` range give
/// `i32::MIN`, as `cvtss2si` does.
pub fn res2int24(x: f32) -> i32 {
    let v = 8_388_608.0f32 * x;
    let r = v.round_ties_even();
    if (-2_147_483_648.0..2_147_483_648.0).contains(&r) {
        r as i32
    } else {
        i32::MIN
    }
}

/// `opus_demo`'s 24-to-16-bit step: clamp to ±0x7fff00, then `(s + 128) >> 8`.
pub fn int24_to_i16(s: i32) -> i16 {
    let s = s.clamp(-0x007f_ff00, 0x007f_ff00);
    ((s + 128) >> 8) as i16
}

/// Runs `opus_demo -d`'s receive loop over `records` with `dec`.
pub fn run<D: DemoDecoder + ?Sized>(dec: &mut D, records: &[Record]) -> DemoOutput {
    let fs = dec.sample_rate() as i32;
    let channels = dec.channels();
    let mut out = DemoOutput::default();
    let mut buf = vec![0.0f32; MAX_FRAME_SIZE * channels];
    let mut lost_count: i32 = 0;
    let mut lost_prev = true;
    for rec in records {
        let lost = rec.is_lost();
        let data = rec.payload.as_slice();
        let run_decoder = if lost {
            lost_count += 1;
            0
        } else {
            1 + lost_count
        };
        let mut dred_input = 0;
        if !lost && lost_count > 0 {
            let duration = dec.last_packet_duration();
            let want = lost_count.saturating_mul(duration).max(0).min(fs);
            dred_input = dec.dred_parse(data, want).unwrap_or(0).max(0);
        }
        for fr in 0..run_decoder {
            let result = if fr == lost_count - 1 && dec.has_lbrr(data) {
                let n = dec.last_packet_duration();
                out.stats.fec += 1;
                decode_sized(n, |size| dec.decode_fec(data, &mut buf, size))
            } else if fr < lost_count {
                let n = dec.last_packet_duration();
                if dred_input > 0 {
                    out.stats.dred += 1;
                    decode_sized(n, |size| dec.dred_decode((lost_count - fr).saturating_mul(n), &mut buf, size))
                } else {
                    out.stats.plc += 1;
                    decode_sized(n, |size| dec.decode(None, &mut buf, size))
                }
            } else {
                out.stats.packets += 1;
                dec.decode(Some(data), &mut buf, MAX_FRAME_SIZE)
            };
            match result {
                Ok(n) if n > 0 => {
                    let n = n.min(MAX_FRAME_SIZE);
                    out.pcm.extend(buf[..n * channels].iter().map(|&x| int24_to_i16(res2int24(x))));
                }
                Ok(_) => {}
                Err(_) => out.stats.errors += 1,
            }
        }
        let range = dec.final_range();
        if rec.final_range != 0 && !lost && !lost_prev && range != rec.final_range {
            out.encoder_range_mismatches += 1;
        }
        out.final_ranges.push(range);
        lost_prev = lost;
        if lost {
            out.stats.lost += 1;
        } else {
            lost_count = 0;
        }
    }
    out
}

/// Calls `f` with a frame size taken from a C `int`, mapping sizes libopus would reject
/// (zero or negative) to its `OPUS_BAD_ARG` without calling.
fn decode_sized(n: i32, f: impl FnOnce(usize) -> Result<usize, i32>) -> Result<usize, i32> {
    if n <= 0 {
        return Err(-1);
    }
    let n = n as usize;
    if n > MAX_FRAME_SIZE {
        return Err(-2);
    }
    f(n)
}

/// libopus as a [`DemoDecoder`]: a decoder, a DRED decoder and a DRED state of one build, set
/// up as `opus_demo -d` sets them up (decoder complexity, extensions not ignored).
pub struct OracleDecoder {
    build: Build,
    rate: u32,
    dec: Decoder,
    dred_dec: DredDecoder,
    dred: Dred,
}

impl OracleDecoder {
    /// A decoder of `build` for `config`.
    ///
    /// # Errors
    ///
    /// The libopus error code of a failed create or CTL call.
    pub fn new(build: Build, config: DecodeConfig) -> Result<Self, crate::Error> {
        let opus = |context: &'static str| move |code: i32| crate::Error::Opus { context, code };
        let rate = i32::try_from(config.rate).map_err(|_| crate::Error::Opus { context: "creating decoder", code: -1 })?;
        let mut dec = Decoder::new(build, rate, config.channels).map_err(opus("creating decoder"))?;
        dec.set(ctl::SET_COMPLEXITY, config.complexity).map_err(opus("setting decoder complexity"))?;
        dec.set(ctl::SET_IGNORE_EXTENSIONS, 0).map_err(opus("setting ignore-extensions"))?;
        let dred_dec = DredDecoder::new(build).map_err(opus("creating DRED decoder"))?;
        let dred = Dred::new(build).map_err(opus("allocating DRED state"))?;
        Ok(OracleDecoder { build, rate: config.rate, dec, dred_dec, dred })
    }
}

impl DemoDecoder for OracleDecoder {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn channels(&self) -> usize {
        self.dec.channels()
    }

    fn decode(&mut self, packet: Option<&[u8]>, pcm: &mut [f32], frame_size: usize) -> Result<usize, i32> {
        self.dec.decode_float(packet, pcm, frame_size, false)
    }

    fn decode_fec(&mut self, packet: &[u8], pcm: &mut [f32], frame_size: usize) -> Result<usize, i32> {
        self.dec.decode_float(Some(packet), pcm, frame_size, true)
    }

    fn dred_parse(&mut self, packet: &[u8], max_dred_samples: i32) -> Result<i32, i32> {
        self.dred_dec
            .parse(&mut self.dred, packet, max_dred_samples, self.rate as i32, false)
            .map(|(n, _end)| n)
    }

    fn dred_decode(&mut self, dred_offset: i32, pcm: &mut [f32], frame_size: usize) -> Result<usize, i32> {
        self.dec.dred_decode_float(&self.dred, dred_offset, pcm, frame_size)
    }

    fn has_lbrr(&self, packet: &[u8]) -> bool {
        opus_oracle::packet_has_lbrr(self.build, packet).unwrap_or(true)
    }

    fn final_range(&mut self) -> u32 {
        self.dec.final_range()
    }

    fn last_packet_duration(&mut self) -> i32 {
        self.dec.last_packet_duration()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_conversion_matches_opus_demo() {
        assert_eq!(res2int24(0.5), 4_194_304);
        assert_eq!(res2int24(1.5 / 8_388_608.0), 2);
        assert_eq!(res2int24(2.5 / 8_388_608.0), 2);
        assert_eq!(res2int24(-2.5 / 8_388_608.0), -2);
        assert_eq!(res2int24(f32::NAN), i32::MIN);
        assert_eq!(int24_to_i16(res2int24(1.0)), 32767);
        assert_eq!(int24_to_i16(res2int24(-1.0)), -32767);
        assert_eq!(int24_to_i16(res2int24(-2.0)), -32767);
        assert_eq!(int24_to_i16(127), 0);
        assert_eq!(int24_to_i16(128), 1);
        assert_eq!(int24_to_i16(-128), 0);
        assert_eq!(int24_to_i16(-129), -1);
    }

    #[test]
    fn oracle_decodes_a_short_stream_with_a_loss() {
        let mut enc = opus_oracle::Encoder::new(Build::Generic, 48000, 1, ctl::APPLICATION_VOIP).unwrap();
        enc.set(ctl::SET_INBAND_FEC, 1).unwrap();
        enc.set(ctl::SET_PACKET_LOSS_PERC, 20).unwrap();
        enc.set(ctl::SET_BITRATE, 24000).unwrap();
        let pcm = crate::signals::synth(crate::signals::Synth::Notes, 1, 0.4, 1);
        let mut records = Vec::new();
        for (i, frame) in pcm.chunks_exact(960).enumerate() {
            let mut pkt = [0u8; 1500];
            let n = enc.encode(frame, 960, &mut pkt).unwrap();
            records.push(if i == 10 { Record::lost() } else { Record { payload: pkt[..n].to_vec(), final_range: enc.final_range() } });
        }
        let mut dec = OracleDecoder::new(Build::Generic, DecodeConfig::new(48000, 1, 0)).unwrap();
        let out = run(&mut dec, &records);
        assert_eq!(out.pcm.len(), 20 * 960);
        assert_eq!(out.final_ranges.len(), 20);
        assert_eq!(out.encoder_range_mismatches, 0);
        assert_eq!(out.stats.lost, 1);
        assert_eq!(out.stats.fec + out.stats.plc + out.stats.dred, 1);
    }
}

/// The dred-opus decoder (`dred_opus::Decoder`: the Opus decoder with deep PLC attached) and
/// a `dred::Dred`, as a [`DemoDecoder`].
pub struct DredOpusDecoder {
    rate: u32,
    dec: dred_opus::Decoder,
    dred: Box<dred::Dred>,
}

impl DredOpusDecoder {
    /// A decoder for `config`.
    ///
    /// # Errors
    ///
    /// The libopus-style code of a rejected rate, channel count or complexity.
    pub fn new(config: DecodeConfig) -> Result<Self, crate::Error> {
        let err = |context: &'static str| move |e: opus_core::Error| crate::Error::Opus { context, code: e.libopus_code() };
        let mut dec = dred_opus::Decoder::new(config.rate, config.channels).map_err(err("creating decoder"))?;
        dec.set_complexity(config.complexity).map_err(err("setting decoder complexity"))?;
        let dred = dred::Dred::with_default_model().map_err(|_| crate::Error::Opus { context: "loading the RDO-VAE decoder", code: -3 })?;
        Ok(DredOpusDecoder { rate: config.rate, dec, dred: Box::new(dred) })
    }
}

impl DemoDecoder for DredOpusDecoder {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn channels(&self) -> usize {
        self.dec.channels()
    }

    fn decode(&mut self, packet: Option<&[u8]>, pcm: &mut [f32], frame_size: usize) -> Result<usize, i32> {
        self.dec.decode_raw(packet, pcm, frame_size, false).map_err(|e| e.libopus_code())
    }

    fn decode_fec(&mut self, packet: &[u8], pcm: &mut [f32], frame_size: usize) -> Result<usize, i32> {
        self.dec.decode_raw(Some(packet), pcm, frame_size, true).map_err(|e| e.libopus_code())
    }

    fn dred_parse(&mut self, packet: &[u8], max_dred_samples: i32) -> Result<i32, i32> {
        self.dred
            .parse(packet, max_dred_samples, self.rate as i32, false)
            .map(|p| p.samples)
            .map_err(|e| e.libopus_code())
    }

    fn dred_decode(&mut self, dred_offset: i32, pcm: &mut [f32], frame_size: usize) -> Result<usize, i32> {
        self.dec.dred_decode(&self.dred, dred_offset, pcm, frame_size).map_err(|e| e.libopus_code())
    }

    fn has_lbrr(&self, packet: &[u8]) -> bool {
        opus_core::packet::has_lbrr(packet).unwrap_or(true)
    }

    fn final_range(&mut self) -> u32 {
        self.dec.final_range()
    }

    fn last_packet_duration(&mut self) -> i32 {
        self.dec.last_packet_duration() as i32
    }
}

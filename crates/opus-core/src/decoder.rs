//! The Opus decoder (RFC 6716 section 4), float path of libopus 1.6.1
//! (`src/opus_decoder.c`).
//!
//! Input: one Opus packet (or `None` for a lost one). Output: interleaved PCM
//! at the API rate (48, 24, 16, 12 or 8 kHz), written into a slice the caller
//! provides, as `f32`, `i16` or 24-bit integers.
//!
//! [`OpusDecoder`] ties the two codecs together:
//!
//! - packet parsing and multi-frame packets (section 3.2);
//! - SILK, hybrid and CELT frames, with SILK and CELT sharing one range
//!   decoder in hybrid mode (section 4);
//! - the 5 ms CELT redundancy frames that SILK and hybrid packets may carry
//!   for mode switches, and the cross-fades that splice them in
//!   (section 4.5);
//! - mode transitions without redundancy: 5 ms of concealment in the old
//!   mode, faded into the new one over 2.5 ms (section 4.5.2);
//! - packet-loss concealment for any duration, split into the frame sizes
//!   the codecs can conceal (section 4.4), and in-band FEC (LBRR) through
//!   `decode_fec`;
//! - output gain, soft clipping of the 16-bit output, the final range and
//!   the duration of the last packet.
//!
//! Everything is sized in [`OpusDecoder::new`]; decoding does not allocate.
//! The output is bit-exact with libopus's float build.
//!
//! SILK ([`crate::silk::dec_api`]) is reached through a small private
//! adapter that keeps libopus's control block and turns SILK's 16-bit output
//! into floats. Neural concealment enters through [`Concealment`], which
//! lends one model to both codecs.

use crate::celt::decoder::CeltDecoder;
use crate::celt::mathops::{celt_exp2, max32, min32};
use crate::celt::plc::NeuralConcealment;
use crate::packet::{framing, Bandwidth, Mode, Toc};
use crate::range_coder::RangeDecoder;
use crate::silk::dec_api::{DecControl, SilkDecoder, MAX_OUTPUT_SAMPLES_PER_CHANNEL};
use crate::silk::plc::DeepPlc;
use crate::silk::LostFlag;
use crate::Error;

/// The longest packet, 120 ms, in samples per channel at 48 kHz.
pub const MAX_PACKET_SAMPLES_48K: usize = 5760;

/// Gain steps of [`OpusDecoder::set_gain`] are 1/256 dB; this is
/// log2(10) / (20 * 256), the step in base-2 exponent units.
const GAIN_LOG2_STEP: f32 = 6.48814081e-4;

/// A two-byte CELT frame that decodes as silence; decoding it lets the
/// CELT overlap fade out when hybrid switches to SILK only.
const CELT_SILENCE_FRAME: [u8; 2] = [0xFF, 0xFF];

/// First CELT band coded in hybrid mode (8 kHz and up).
const HYBRID_START_BAND: usize = 17;

/// Bits the redundancy flags need before they are read: 17 in SILK-only
/// packets, 37 in hybrid packets (RFC 6716 section 4.5.1).
const REDUNDANCY_MIN_BITS_SILK: i32 = 17;
const REDUNDANCY_MIN_BITS_HYBRID_EXTRA: i32 = 20;

/// The supported API sample rates.
const SAMPLE_RATES: [u32; 5] = [48000, 24000, 16000, 12000, 8000];

/// Neural concealment (deep PLC, and DRED audio queued in it) as the Opus
/// decoder hands it to its two codecs.
///
/// libopus drives one `LPCNetPLCState` from both SILK and CELT; here one
/// model object implements both codecs' interfaces and lends either on
/// request, so that a single `&mut` reaches both.
pub trait Concealment {
    /// The model as CELT's concealment uses it.
    fn celt(&mut self) -> &mut dyn NeuralConcealment;
    /// The model as SILK's concealment uses it.
    fn silk(&mut self) -> &mut dyn DeepPlc;
}

/// The link between the Opus layer and the SILK decoder (libopus
/// `silk_Decode` with its `silk_DecControlStruct`, `silk_ResetDecoder`).
///
/// The control block persists across calls and across resets, as in
/// libopus: concealment reuses the last packet's internal rate and channels.
#[derive(Debug, Clone)]
struct SilkLink {
    decoder: Box<SilkDecoder>,
    control: DecControl,
    /// SILK's 16-bit output for one call, before conversion to float.
    pcm: Vec<i16>,
}

impl SilkLink {
    /// Whether SILK frames can be decoded.
    const AVAILABLE: bool = true;

    fn new(sample_rate: u32, channels: usize) -> Self {
        SilkLink {
            decoder: Box::new(SilkDecoder::new()),
            control: DecControl {
                n_channels_api: channels,
                n_channels_internal: 0,
                api_sample_rate: sample_rate as i32,
                internal_sample_rate: 0,
                payload_size_ms: 0,
                enable_deep_plc: false,
                prev_pitch_lag: 0,
            },
            pcm: vec![0; MAX_OUTPUT_SAMPLES_PER_CHANNEL * 2],
        }
    }

    /// Clears SILK's stream state (libopus `silk_ResetDecoder`).
    fn reset(&mut self) {
        self.decoder.reset();
    }

    /// Decodes (or conceals, or recovers from LBRR) one SILK frame into
    /// `out` at the API rate and returns the samples written per channel.
    /// SILK's 16-bit samples become floats divided by 32768, as libopus's
    /// float build does (`INT16TORES`).
    fn decode(
        &mut self,
        loss: LostFlag,
        new_packet: bool,
        dec: &mut RangeDecoder<'_>,
        out: &mut [f32],
        neural: Option<&mut dyn DeepPlc>,
    ) -> Result<usize, Error> {
        let n = self.decoder.decode(
            &mut self.control,
            loss,
            new_packet,
            dec,
            &mut self.pcm,
            neural,
        )?;
        let count = (n * self.control.n_channels_api)
            .min(out.len())
            .min(self.pcm.len());
        for (o, &x) in out[..count].iter_mut().zip(&self.pcm[..count]) {
            *o = f32::from(x) * (1.0 / 32768.0);
        }
        Ok(n)
    }

    /// Pitch lag of the last SILK frame at 48 kHz, 0 if unvoiced.
    fn prev_pitch_lag(&self) -> i32 {
        self.control.prev_pitch_lag
    }
}

/// Settings that survive [`OpusDecoder::reset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DecoderConfig {
    sample_rate: u32,
    channels: usize,
    /// Output gain in 1/256 dB.
    gain: i32,
    complexity: i32,
    ignore_extensions: bool,
}

/// The per-stream state that [`OpusDecoder::reset`] rebuilds (libopus
/// fields from `stream_channels` on).
#[derive(Debug, Clone, Copy, PartialEq)]
struct DecoderState {
    /// Channels coded in the current packet.
    stream_channels: usize,
    /// Bandwidth of the current packet; `None` before the first one.
    bandwidth: Option<Bandwidth>,
    /// Mode of the current packet; `None` before the first one.
    mode: Option<Mode>,
    /// Mode of the last frame decoded or concealed; `None` before any.
    prev_mode: Option<Mode>,
    /// Samples per channel in one frame of the current packet.
    frame_size: usize,
    /// Whether the last frame ended with a SILK-to-CELT redundancy frame.
    prev_redundancy: bool,
    last_packet_duration: usize,
    softclip_mem: [f32; 2],
    range_final: u32,
}

impl DecoderState {
    fn new(config: &DecoderConfig) -> Self {
        DecoderState {
            stream_channels: config.channels,
            bandwidth: None,
            mode: None,
            prev_mode: None,
            frame_size: (config.sample_rate / 400) as usize,
            prev_redundancy: false,
            last_packet_duration: 0,
            softclip_mem: [0.0; 2],
            range_final: 0,
        }
    }
}

/// Work buffers, allocated once at their largest size.
#[derive(Debug, Clone)]
struct Scratch {
    /// Concealed audio of the old mode at a mode switch (5 ms).
    transition: Vec<f32>,
    /// Audio of a redundancy frame (5 ms).
    redundant: Vec<f32>,
    /// SILK output when the caller's frame is shorter than 10 ms.
    silk: Vec<f32>,
    /// Float output of the integer APIs (120 ms).
    out: Vec<f32>,
}

/// An Opus decoder for one stream of one or two channels (libopus
/// `OpusDecoder`).
///
/// Configuration (rate, channels, gain, complexity, phase inversion,
/// ignore-extensions) survives [`reset`](Self::reset); the stream state does
/// not.
#[derive(Debug, Clone)]
pub struct OpusDecoder {
    config: DecoderConfig,
    celt: CeltDecoder,
    silk: SilkLink,
    st: DecoderState,
    scratch: Scratch,
}

impl OpusDecoder {
    /// A decoder writing `channels` (1 or 2) channels at `sample_rate`
    /// (48000, 24000, 16000, 12000 or 8000 Hz) (libopus
    /// `opus_decoder_create`).
    ///
    /// # Errors
    /// [`Error::BadArg`] for another rate or channel count.
    pub fn new(sample_rate: u32, channels: usize) -> Result<Self, Error> {
        if !SAMPLE_RATES.contains(&sample_rate) {
            return Err(Error::BadArg("opus decoder: unsupported sample rate"));
        }
        if !(1..=2).contains(&channels) {
            return Err(Error::BadArg("opus decoder: channels must be 1 or 2"));
        }
        let mut celt = CeltDecoder::new(sample_rate, channels)?;
        celt.set_signalling(false);
        let config = DecoderConfig {
            sample_rate,
            channels,
            gain: 0,
            complexity: 0,
            ignore_extensions: false,
        };
        let f5 = (sample_rate / 200) as usize;
        let f10 = (sample_rate / 100) as usize;
        let max_packet = (sample_rate / 25 * 3) as usize;
        Ok(OpusDecoder {
            config,
            celt,
            silk: SilkLink::new(sample_rate, channels),
            st: DecoderState::new(&config),
            scratch: Scratch {
                transition: vec![0.0; f5 * channels],
                redundant: vec![0.0; f5 * channels],
                silk: vec![0.0; f10 * channels],
                out: vec![0.0; max_packet * channels],
            },
        })
    }

    /// The output sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.config.sample_rate
    }

    /// Whether this build decodes packets of `mode`. CELT always; SILK and
    /// hybrid once the SILK decoder is linked in.
    pub fn supports_mode(mode: Mode) -> bool {
        mode == Mode::CeltOnly || SilkLink::AVAILABLE
    }

    /// The output channel count.
    pub fn channels(&self) -> usize {
        self.config.channels
    }

    /// The largest number of samples per channel one packet can produce
    /// (120 ms at the output rate): a `frame_size` this large always fits.
    pub fn max_frame_samples(&self) -> usize {
        (self.config.sample_rate / 25 * 3) as usize
    }

    /// Clears the stream state, keeping the configuration (libopus
    /// `OPUS_RESET_STATE`). Does not allocate.
    pub fn reset(&mut self) {
        self.celt.reset();
        self.silk.reset();
        self.st = DecoderState::new(&self.config);
    }

    /// Sets the output gain in 1/256 dB, -32768..=32767 (libopus
    /// `OPUS_SET_GAIN`).
    ///
    /// # Errors
    /// [`Error::BadArg`] outside that range.
    pub fn set_gain(&mut self, gain_q8_db: i32) -> Result<(), Error> {
        if !(-32768..=32767).contains(&gain_q8_db) {
            return Err(Error::BadArg("opus decoder: gain must be -32768..=32767"));
        }
        self.config.gain = gain_q8_db;
        Ok(())
    }

    /// The output gain in 1/256 dB.
    pub fn gain(&self) -> i32 {
        self.config.gain
    }

    /// Decoder complexity 0..=10 (libopus `OPUS_SET_COMPLEXITY`; default
    /// 0). Neural concealment needs 5 and above.
    ///
    /// # Errors
    /// [`Error::BadArg`] outside 0..=10.
    pub fn set_complexity(&mut self, complexity: i32) -> Result<(), Error> {
        if !(0..=10).contains(&complexity) {
            return Err(Error::BadArg("opus decoder: complexity must be 0..=10"));
        }
        self.config.complexity = complexity;
        self.celt.set_complexity(complexity)
    }

    /// The decoder complexity.
    pub fn complexity(&self) -> i32 {
        self.config.complexity
    }

    /// Disables stereo phase inversion in CELT's intensity stereo (libopus
    /// `OPUS_SET_PHASE_INVERSION_DISABLED`); useful when the output is
    /// downmixed. On by default for mono output.
    pub fn set_phase_inversion_disabled(&mut self, disabled: bool) {
        self.celt.set_phase_inversion_disabled(disabled);
    }

    /// Whether stereo phase inversion is disabled.
    pub fn phase_inversion_disabled(&self) -> bool {
        self.celt.phase_inversion_disabled()
    }

    /// Ignores the extensions carried in packet padding (libopus
    /// `OPUS_SET_IGNORE_EXTENSIONS`). This build decodes no extension
    /// itself, so the flag is stored for the layers above.
    pub fn set_ignore_extensions(&mut self, ignore: bool) {
        self.config.ignore_extensions = ignore;
    }

    /// Whether padding extensions are ignored.
    pub fn ignore_extensions(&self) -> bool {
        self.config.ignore_extensions
    }

    /// Range coder state after the last packet, XORed with that of its
    /// redundancy frame; 0 after concealment (libopus
    /// `OPUS_GET_FINAL_RANGE`). Matches the encoder's for an intact packet.
    pub fn final_range(&self) -> u32 {
        self.st.range_final
    }

    /// Samples per channel of the last decode call (libopus
    /// `OPUS_GET_LAST_PACKET_DURATION`).
    pub fn last_packet_duration(&self) -> usize {
        self.st.last_packet_duration
    }

    /// Pitch period of the last frame in samples, from CELT's post-filter at
    /// 48 kHz or from SILK (libopus `OPUS_GET_PITCH`).
    pub fn pitch(&self) -> i32 {
        if self.st.prev_mode == Some(Mode::CeltOnly) {
            i32::try_from(self.celt.pitch()).unwrap_or(i32::MAX)
        } else {
            self.silk.prev_pitch_lag()
        }
    }

    /// Bandwidth of the last packet; `None` before the first one or after a
    /// reset (libopus `OPUS_GET_BANDWIDTH` returns 0 then).
    pub fn bandwidth(&self) -> Option<Bandwidth> {
        self.st.bandwidth
    }

    /// Samples per channel a packet holds at this decoder's rate (libopus
    /// `opus_decoder_get_nb_samples`).
    ///
    /// # Errors
    /// As [`framing::nb_samples`].
    pub fn nb_samples(&self, packet: &[u8]) -> Result<usize, Error> {
        framing::nb_samples(packet, self.config.sample_rate)
    }

    /// Decodes a packet into interleaved float PCM (libopus
    /// `opus_decode_float`), without soft clipping.
    ///
    /// `packet = None` (or empty) conceals a lost packet of `frame_size`
    /// samples per channel. With `decode_fec`, the packet is the one after a
    /// loss and its in-band FEC (LBRR) data recovers the end of the lost
    /// audio, `frame_size` samples in all; where the packet carries none,
    /// the loss is concealed. `pcm` must hold `frame_size * channels`
    /// samples.
    ///
    /// Returns the samples decoded per channel.
    ///
    /// # Errors
    /// - [`Error::BadArg`]: `frame_size` is 0, or not a multiple of 2.5 ms
    ///   for concealment or FEC.
    /// - [`Error::BufferTooSmall`]: `pcm` is shorter than
    ///   `frame_size * channels`, or the packet is longer than `frame_size`.
    /// - [`Error::InvalidPacket`]: the packet is malformed.
    /// - [`Error::Internal`]: a CELT frame read past its end, or SILK
    ///   rejected a frame (libopus `OPUS_INTERNAL_ERROR`); for CELT the
    ///   audio is written anyway.
    pub fn decode_float(
        &mut self,
        packet: Option<&[u8]>,
        pcm: &mut [f32],
        frame_size: usize,
        decode_fec: bool,
    ) -> Result<usize, Error> {
        self.decode_float_with(packet, pcm, frame_size, decode_fec, None)
    }

    /// [`decode_float`](Self::decode_float) with neural concealment: when
    /// `neural` is given, loaded, and the complexity allows it, losses are
    /// concealed by deep PLC (or DRED audio queued in it).
    ///
    /// # Errors
    /// As [`decode_float`](Self::decode_float).
    pub fn decode_float_with(
        &mut self,
        packet: Option<&[u8]>,
        pcm: &mut [f32],
        frame_size: usize,
        decode_fec: bool,
        neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error> {
        if frame_size == 0 {
            return Err(Error::BadArg("opus decoder: frame_size must be positive"));
        }
        let needed = frame_size.saturating_mul(self.config.channels);
        if pcm.len() < needed {
            return Err(Error::BufferTooSmall {
                needed,
                got: pcm.len(),
            });
        }
        self.decode_native(
            packet,
            &mut pcm[..needed],
            frame_size,
            decode_fec,
            false,
            neural,
        )
    }

    /// Decodes a packet into interleaved 16-bit PCM (libopus `opus_decode`
    /// in the float build): the float output is soft-clipped, then scaled
    /// by 32768, clamped and rounded to nearest, ties to even.
    ///
    /// For a packet (without `decode_fec`), `frame_size` is capped at the
    /// packet's duration and `pcm` needs room for that many samples per
    /// channel only.
    ///
    /// # Errors
    /// As [`decode_float`](Self::decode_float); a packet whose duration
    /// cannot be read is [`Error::InvalidPacket`].
    pub fn decode(
        &mut self,
        packet: Option<&[u8]>,
        pcm: &mut [i16],
        frame_size: usize,
        decode_fec: bool,
    ) -> Result<usize, Error> {
        self.decode_with(packet, pcm, frame_size, decode_fec, None)
    }

    /// [`decode`](Self::decode) with neural concealment (see
    /// [`decode_float_with`](Self::decode_float_with)).
    ///
    /// # Errors
    /// As [`decode`](Self::decode).
    pub fn decode_with(
        &mut self,
        packet: Option<&[u8]>,
        pcm: &mut [i16],
        frame_size: usize,
        decode_fec: bool,
        neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error> {
        self.decode_int(packet, IntOut::I16(pcm), frame_size, decode_fec, true, neural)
    }

    /// Decodes a packet into interleaved 24-bit PCM held in `i32` (libopus
    /// `opus_decode24` in the float build): the float output scaled by 2^23
    /// and rounded to nearest, ties to even, without soft clipping or
    /// clamping.
    ///
    /// # Errors
    /// As [`decode`](Self::decode).
    pub fn decode24(
        &mut self,
        packet: Option<&[u8]>,
        pcm: &mut [i32],
        frame_size: usize,
        decode_fec: bool,
    ) -> Result<usize, Error> {
        self.decode24_with(packet, pcm, frame_size, decode_fec, None)
    }

    /// [`decode24`](Self::decode24) with neural concealment (see
    /// [`decode_float_with`](Self::decode_float_with)).
    ///
    /// # Errors
    /// As [`decode`](Self::decode).
    pub fn decode24_with(
        &mut self,
        packet: Option<&[u8]>,
        pcm: &mut [i32],
        frame_size: usize,
        decode_fec: bool,
        neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error> {
        self.decode_int(packet, IntOut::I24(pcm), frame_size, decode_fec, false, neural)
    }

    /// The integer APIs: decode to float in scratch, then convert.
    fn decode_int(
        &mut self,
        packet: Option<&[u8]>,
        mut out: IntOut<'_>,
        frame_size: usize,
        decode_fec: bool,
        soft_clip: bool,
        neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error> {
        if frame_size == 0 {
            return Err(Error::BadArg("opus decoder: frame_size must be positive"));
        }
        let packet = packet.filter(|p| !p.is_empty());
        let mut frame_size = frame_size;
        if let (Some(p), false) = (packet, decode_fec) {
            match self.nb_samples(p) {
                Ok(n) if n > 0 => frame_size = frame_size.min(n),
                _ => {
                    return Err(Error::InvalidPacket(
                        "opus decoder: cannot read the packet's duration",
                    ))
                }
            }
        }
        let ch = self.config.channels;
        let needed = frame_size.saturating_mul(ch);
        if out.len() < needed {
            return Err(Error::BufferTooSmall {
                needed,
                got: out.len(),
            });
        }
        let mut buf = std::mem::take(&mut self.scratch.out);
        let result = self.decode_int_into(
            packet, &mut out, frame_size, decode_fec, soft_clip, &mut buf, neural,
        );
        self.scratch.out = buf;
        result
    }

    fn decode_int_into(
        &mut self,
        packet: Option<&[u8]>,
        out: &mut IntOut<'_>,
        frame_size: usize,
        decode_fec: bool,
        soft_clip: bool,
        buf: &mut [f32],
        mut neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error> {
        let ch = self.config.channels;
        let cap = buf.len() / ch;
        if frame_size <= cap {
            let n = self.decode_native(
                packet,
                &mut buf[..frame_size * ch],
                frame_size,
                decode_fec,
                soft_clip,
                neural,
            )?;
            out.convert_from(0, &buf[..n * ch]);
            return Ok(n);
        }
        // Longer than any packet: only concealment and FEC get here. libopus
        // converts one buffer of `frame_size`; we go through 120 ms pieces,
        // which gives the same frames because 120 ms is a multiple of every
        // frame size concealment works in.
        let f2_5 = (self.config.sample_rate / 400) as usize;
        if frame_size % f2_5 != 0 {
            return Err(Error::BadArg(
                "opus decoder: concealment needs a multiple of 2.5 ms",
            ));
        }
        let Some(data) = packet else {
            return self.conceal_in_pieces(out, 0, frame_size, buf, neural);
        };
        // decode_fec: the steps of `decode_native`, split.
        let parsed = framing::parse(data)?;
        let toc = parsed.toc();
        let packet_frame_size = toc.samples_per_frame(self.config.sample_rate) as usize;
        if frame_size < packet_frame_size
            || toc.mode() == Mode::CeltOnly
            || self.st.mode == Some(Mode::CeltOnly)
        {
            return self.conceal_in_pieces(out, 0, frame_size, buf, neural);
        }
        let duration_copy = self.st.last_packet_duration;
        let plc = frame_size - packet_frame_size;
        if plc > 0 {
            if let Err(e) = self.conceal_in_pieces(out, 0, plc, buf, reborrow(&mut neural)) {
                self.st.last_packet_duration = duration_copy;
                return Err(e);
            }
        }
        let n = self.decode_native(
            packet,
            &mut buf[..packet_frame_size * ch],
            packet_frame_size,
            true,
            soft_clip,
            neural,
        )?;
        out.convert_from(plc * ch, &buf[..n * ch]);
        self.st.last_packet_duration = frame_size;
        Ok(frame_size)
    }

    /// Conceals `total` samples per channel through `buf` in pieces of at
    /// most `buf`'s size, converting into `out` from sample `offset`.
    fn conceal_in_pieces(
        &mut self,
        out: &mut IntOut<'_>,
        offset: usize,
        total: usize,
        buf: &mut [f32],
        mut neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error> {
        let ch = self.config.channels;
        let cap = buf.len() / ch;
        let mut done = 0;
        while done < total {
            let piece = (total - done).min(cap);
            let n = self.decode_native(None, &mut buf[..piece * ch], piece, false, false, reborrow(&mut neural))?;
            out.convert_from((offset + done) * ch, &buf[..n * ch]);
            done += n;
        }
        self.st.last_packet_duration = total;
        Ok(total)
    }

    /// The body of every decode call (libopus `opus_decode_native`, without
    /// self-delimited framing or DRED).
    fn decode_native(
        &mut self,
        packet: Option<&[u8]>,
        pcm: &mut [f32],
        frame_size: usize,
        decode_fec: bool,
        soft_clip: bool,
        mut neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error> {
        let ch = self.config.channels;
        let fs = self.config.sample_rate;
        let packet = packet.filter(|p| !p.is_empty());
        // Concealment and FEC work in whole 2.5 ms frames.
        if (decode_fec || packet.is_none()) && frame_size % (fs / 400) as usize != 0 {
            return Err(Error::BadArg(
                "opus decoder: concealment needs a multiple of 2.5 ms",
            ));
        }
        let Some(data) = packet else {
            let mut count = 0;
            loop {
                let n = self.decode_frame(
                    None,
                    &mut pcm[count * ch..],
                    frame_size - count,
                    false,
                    reborrow(&mut neural),
                )?;
                if n == 0 {
                    return Err(Error::Internal(
                        "opus decoder: concealment made no progress",
                    ));
                }
                count += n;
                if count >= frame_size {
                    break;
                }
            }
            self.st.last_packet_duration = count;
            return Ok(count);
        };

        let toc = Toc(data[0]);
        let packet_mode = toc.mode();
        let packet_bandwidth = toc.bandwidth();
        let packet_frame_size = toc.samples_per_frame(fs) as usize;
        let packet_stream_channels = usize::from(toc.channels());
        let parsed = framing::parse(data)?;

        if decode_fec {
            // No FEC can be in the packet: conceal the whole span instead.
            if frame_size < packet_frame_size
                || packet_mode == Mode::CeltOnly
                || self.st.mode == Some(Mode::CeltOnly)
            {
                return self.decode_native(None, pcm, frame_size, false, soft_clip, neural);
            }
            // Conceal up to the last frame, which the LBRR data covers.
            let duration_copy = self.st.last_packet_duration;
            let plc = frame_size - packet_frame_size;
            if plc != 0 {
                if let Err(e) = self.decode_native(
                    None,
                    &mut pcm[..plc * ch],
                    plc,
                    false,
                    soft_clip,
                    reborrow(&mut neural),
                ) {
                    self.st.last_packet_duration = duration_copy;
                    return Err(e);
                }
            }
            self.st.mode = Some(packet_mode);
            self.st.bandwidth = Some(packet_bandwidth);
            self.st.frame_size = packet_frame_size;
            self.st.stream_channels = packet_stream_channels;
            let first = parsed.frame(data, 0).unwrap_or(&[]);
            self.decode_frame(
                Some(first),
                &mut pcm[plc * ch..],
                packet_frame_size,
                true,
                neural,
            )?;
            self.st.last_packet_duration = frame_size;
            return Ok(frame_size);
        }

        let count = parsed.frame_count();
        if count * packet_frame_size > frame_size {
            return Err(Error::BufferTooSmall {
                needed: count * packet_frame_size * ch,
                got: frame_size * ch,
            });
        }
        // The state changes only once the packet is known to be valid.
        self.st.mode = Some(packet_mode);
        self.st.bandwidth = Some(packet_bandwidth);
        self.st.frame_size = packet_frame_size;
        self.st.stream_channels = packet_stream_channels;

        let mut nb_samples = 0;
        for i in 0..count {
            let frame = parsed.frame(data, i).unwrap_or(&[]);
            let n = self.decode_frame(
                Some(frame),
                &mut pcm[nb_samples * ch..],
                frame_size - nb_samples,
                false,
                reborrow(&mut neural),
            )?;
            nb_samples += n;
        }
        self.st.last_packet_duration = nb_samples;
        if soft_clip {
            soft_clip_in_place(&mut pcm[..nb_samples * ch], ch, &mut self.st.softclip_mem);
        } else {
            self.st.softclip_mem = [0.0; 2];
        }
        Ok(nb_samples)
    }

    /// Decodes or conceals one frame (libopus `opus_decode_frame`), lending
    /// it the buffers only frames with data use. Concealment calls made from
    /// inside a frame come back here and get empty buffers, which they do
    /// not touch.
    fn decode_frame(
        &mut self,
        data: Option<&[u8]>,
        pcm: &mut [f32],
        frame_size: usize,
        decode_fec: bool,
        neural: Option<&mut dyn Concealment>,
    ) -> Result<usize, Error> {
        let mut transition = std::mem::take(&mut self.scratch.transition);
        let mut redundant = std::mem::take(&mut self.scratch.redundant);
        let result = self.decode_frame_body(
            data,
            pcm,
            frame_size,
            decode_fec,
            neural,
            &mut transition,
            &mut redundant,
        );
        self.scratch.transition = transition;
        self.scratch.redundant = redundant;
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn decode_frame_body(
        &mut self,
        data: Option<&[u8]>,
        pcm: &mut [f32],
        frame_size: usize,
        decode_fec: bool,
        mut neural: Option<&mut dyn Concealment>,
        transition_pcm: &mut [f32],
        redundant_audio: &mut [f32],
    ) -> Result<usize, Error> {
        let ch = self.config.channels;
        let fs = self.config.sample_rate as usize;
        let f20 = fs / 50;
        let f10 = f20 >> 1;
        let f5 = f10 >> 1;
        let f2_5 = f5 >> 1;
        if frame_size < f2_5 {
            return Err(Error::BufferTooSmall {
                needed: f2_5 * ch,
                got: frame_size * ch,
            });
        }
        // Every caller lends room for `frame_size` samples per channel.
        if pcm.len() < frame_size * ch {
            debug_assert!(false, "opus decoder: output shorter than frame_size");
            return Err(Error::Internal(
                "opus decoder: output shorter than frame_size",
            ));
        }
        let mut frame_size = frame_size.min(fs / 25 * 3);
        // A frame of one byte or less is concealed, for no longer than the
        // packet's frames.
        let data = data.filter(|d| d.len() > 1);
        if data.is_none() {
            frame_size = frame_size.min(self.st.frame_size);
        }

        let mut audiosize;
        let mode;
        let bandwidth;
        match data {
            Some(_) => {
                audiosize = self.st.frame_size;
                mode = self
                    .st
                    .mode
                    .ok_or(Error::Internal("opus decoder: frame without a packet mode"))?;
                bandwidth = self.st.bandwidth;
            }
            None => {
                audiosize = frame_size;
                // Conceal in the last mode used (CELT if it ended in redundancy).
                let plc_mode = if self.st.prev_redundancy {
                    Some(Mode::CeltOnly)
                } else {
                    self.st.prev_mode
                };
                bandwidth = None;
                let Some(plc_mode) = plc_mode else {
                    // Nothing decoded yet: silence.
                    let n = (audiosize * ch).min(pcm.len());
                    pcm[..n].fill(0.0);
                    return Ok(audiosize);
                };
                mode = plc_mode;
                if audiosize > f20 {
                    // The codecs conceal at most 20 ms at a time.
                    let mut done = 0;
                    while audiosize > 0 {
                        let n = self.decode_frame(
                            None,
                            &mut pcm[done * ch..],
                            audiosize.min(f20),
                            false,
                            reborrow(&mut neural),
                        )?;
                        if n == 0 {
                            return Err(Error::Internal(
                                "opus decoder: concealment made no progress",
                            ));
                        }
                        done += n;
                        audiosize = audiosize.saturating_sub(n);
                    }
                    return Ok(frame_size);
                } else if audiosize < f20 {
                    // Only 2.5, 5 (CELT), 10 and 20 ms can be concealed.
                    if audiosize > f10 {
                        audiosize = f10;
                    } else if mode != Mode::SilkOnly && audiosize > f5 && audiosize < f10 {
                        audiosize = f5;
                    }
                }
            }
        }

        // CELT adds its output onto SILK's in hybrid mode.
        let celt_accum = mode != Mode::CeltOnly;

        let prev_mode = self.st.prev_mode;
        let mut transition = data.is_some()
            && prev_mode.is_some()
            && ((mode == Mode::CeltOnly
                && prev_mode != Some(Mode::CeltOnly)
                && !self.st.prev_redundancy)
                || (mode != Mode::CeltOnly && prev_mode == Some(Mode::CeltOnly)));
        let transition_len = f5.min(audiosize);
        if transition && mode == Mode::CeltOnly {
            // Conceal 5 ms in the old mode first, to fade from.
            let _ = self.decode_frame(
                None,
                &mut transition_pcm[..transition_len * ch],
                transition_len,
                false,
                reborrow(&mut neural),
            );
        }
        if audiosize > frame_size {
            return Err(Error::BadArg(
                "opus decoder: frame longer than the room left",
            ));
        }
        frame_size = audiosize;
        let pcm = &mut pcm[..frame_size * ch];

        let empty: [u8; 0] = [];
        let mut len = data.map_or(0, <[u8]>::len);
        let mut dec = RangeDecoder::new(data.unwrap_or(&empty));

        // Section 4.2: SILK.
        if mode != Mode::CeltOnly {
            let too_small = frame_size < f10;
            if self.st.prev_mode == Some(Mode::CeltOnly) {
                self.silk.reset();
            }
            // SILK conceals no less than 10 ms.
            self.silk.control.payload_size_ms = (10).max(1000 * audiosize / fs) as i32;
            if data.is_some() {
                self.silk.control.n_channels_internal = self.st.stream_channels;
                self.silk.control.internal_sample_rate = if mode == Mode::SilkOnly {
                    match bandwidth {
                        Some(Bandwidth::Narrowband) => 8000,
                        Some(Bandwidth::Mediumband) => 12000,
                        _ => 16000,
                    }
                } else {
                    16000
                };
            }
            self.silk.control.enable_deep_plc = self.config.complexity >= 5;
            let loss = if data.is_none() {
                LostFlag::PacketLost
            } else if decode_fec {
                LostFlag::DecodeLbrr
            } else {
                LostFlag::DecodeNormal
            };
            let mut silk_buf = std::mem::take(&mut self.scratch.silk);
            let result = self.decode_silk(
                loss,
                &mut dec,
                if too_small {
                    &mut silk_buf[..]
                } else {
                    &mut pcm[..]
                },
                frame_size,
                reborrow(&mut neural),
            );
            if result.is_ok() && too_small {
                pcm.copy_from_slice(&silk_buf[..frame_size * ch]);
            }
            self.scratch.silk = silk_buf;
            result?;
        }

        // Section 4.5.1: a redundant CELT frame at the end of a SILK or
        // hybrid packet.
        let mut redundancy = false;
        let mut celt_to_silk = false;
        let mut redundancy_bytes = 0usize;
        let hybrid = mode == Mode::Hybrid;
        if !decode_fec
            && mode != Mode::CeltOnly
            && data.is_some()
            && i64::from(dec.tell())
                + i64::from(
                    REDUNDANCY_MIN_BITS_SILK + REDUNDANCY_MIN_BITS_HYBRID_EXTRA * i32::from(hybrid),
                )
                <= 8 * len as i64
        {
            redundancy = if hybrid { dec.bit_logp(12) } else { true };
            if redundancy {
                celt_to_silk = dec.bit_logp(1);
                // At least two bytes in SILK-only mode, given the check above.
                let bytes: i64 = if hybrid {
                    i64::from(dec.uint(256)) + 2
                } else {
                    len as i64 - ((i64::from(dec.tell()) + 7) >> 3)
                };
                let remaining = len as i64 - bytes;
                if remaining * 8 < i64::from(dec.tell()) {
                    // Cannot happen in a valid packet.
                    len = 0;
                    redundancy_bytes = 0;
                    redundancy = false;
                } else {
                    len = remaining as usize;
                    redundancy_bytes = bytes as usize;
                }
                // The redundancy bytes hold no raw bits of this frame.
                dec.shrink_storage(redundancy_bytes as u32);
            }
        }
        let start_band = if mode != Mode::CeltOnly {
            HYBRID_START_BAND
        } else {
            0
        };
        if redundancy {
            transition = false;
        }
        if transition && mode != Mode::CeltOnly {
            let _ = self.decode_frame(
                None,
                &mut transition_pcm[..transition_len * ch],
                transition_len,
                false,
                reborrow(&mut neural),
            );
        }

        if let Some(bw) = bandwidth {
            let end_band = match bw {
                Bandwidth::Narrowband => 13,
                Bandwidth::Mediumband | Bandwidth::Wideband => 17,
                Bandwidth::Superwideband => 19,
                Bandwidth::Fullband => 21,
            };
            self.celt.set_end_band(end_band)?;
        }
        self.celt.set_stream_channels(self.st.stream_channels)?;

        let redundant_data = match data {
            Some(d) if redundancy => d.get(len..len + redundancy_bytes).unwrap_or(&empty),
            _ => &empty,
        };
        let redundant_audio = &mut redundant_audio[..if redundancy { f5 * ch } else { 0 }];
        let mut redundant_rng = 0u32;

        // CELT to SILK: the redundant frame opens this frame. It is decoded
        // even when the CELT state is stale, for the final range.
        if redundancy && celt_to_silk {
            self.celt.set_start_band(0)?;
            let _ = self.celt.decode_with_ec(
                Some(redundant_data),
                None,
                redundant_audio,
                f5,
                false,
                None,
            );
            redundant_rng = self.celt.final_range();
        }

        self.celt.set_start_band(start_band)?;

        // Section 4.3: CELT.
        let mut celt_result: Result<usize, Error> = Ok(0);
        if mode != Mode::SilkOnly {
            let celt_frame_size = f20.min(frame_size);
            // Start CELT afresh when coming from another mode.
            if Some(mode) != self.st.prev_mode
                && self.st.prev_mode.is_some()
                && !self.st.prev_redundancy
            {
                self.celt.reset();
            }
            let celt_data = match data {
                Some(d) if !decode_fec => Some(&d[..len]),
                _ => None,
            };
            celt_result = self.celt.decode_with_ec(
                celt_data,
                Some(&mut dec),
                pcm,
                celt_frame_size,
                celt_accum,
                neural.map(|n| n.celt()),
            );
            self.st.range_final = self.celt.final_range();
        } else {
            // Hybrid to SILK: decoding a silence frame fades out the CELT
            // overlap.
            if self.st.prev_mode == Some(Mode::Hybrid)
                && !(redundancy && celt_to_silk && self.st.prev_redundancy)
            {
                self.celt.set_start_band(0)?;
                let _ = self.celt.decode_with_ec(
                    Some(&CELT_SILENCE_FRAME),
                    None,
                    pcm,
                    f2_5,
                    celt_accum,
                    None,
                );
            }
            self.st.range_final = dec.final_range();
        }

        let window = self.celt.mode().window;

        // SILK to CELT: the redundant frame closes this frame.
        if redundancy && !celt_to_silk {
            self.celt.reset();
            self.celt.set_start_band(0)?;
            let _ = self.celt.decode_with_ec(
                Some(redundant_data),
                None,
                redundant_audio,
                f5,
                false,
                None,
            );
            redundant_rng = self.celt.final_range();
            let at = ch * (frame_size - f2_5);
            smooth_fade_in_place_first(
                &mut pcm[at..],
                &redundant_audio[ch * f2_5..],
                f2_5,
                ch,
                window,
                fs,
            );
        }
        // CELT to SILK, when the previous frame did use CELT.
        if redundancy
            && celt_to_silk
            && (self.st.prev_mode != Some(Mode::SilkOnly) || self.st.prev_redundancy)
        {
            pcm[..ch * f2_5].copy_from_slice(&redundant_audio[..ch * f2_5]);
            smooth_fade_in_place_second(
                &redundant_audio[ch * f2_5..],
                &mut pcm[ch * f2_5..],
                f2_5,
                ch,
                window,
                fs,
            );
        }
        if transition {
            let t = &transition_pcm[..transition_len * ch];
            if audiosize >= f5 {
                pcm[..ch * f2_5].copy_from_slice(&t[..ch * f2_5]);
                smooth_fade_in_place_second(
                    &t[ch * f2_5..],
                    &mut pcm[ch * f2_5..],
                    f2_5,
                    ch,
                    window,
                    fs,
                );
            } else {
                // Too short for a clean transition; fade anyway.
                smooth_fade_in_place_second(t, pcm, f2_5, ch, window, fs);
            }
        }

        if self.config.gain != 0 {
            let gain = celt_exp2(GAIN_LOG2_STEP * self.config.gain as f32);
            for x in pcm.iter_mut() {
                *x *= gain;
            }
        }

        if len <= 1 {
            self.st.range_final = 0;
        } else {
            self.st.range_final ^= redundant_rng;
        }

        self.st.prev_mode = Some(mode);
        self.st.prev_redundancy = redundancy && !celt_to_silk;

        match celt_result {
            Ok(_) => Ok(audiosize),
            // libopus reports a CELT frame that read past its end as
            // OPUS_INTERNAL_ERROR.
            Err(Error::InvalidPacket(why)) => Err(Error::Internal(why)),
            Err(e) => Err(e),
        }
    }

    /// Runs SILK until `frame_size` samples per channel are in `out`.
    fn decode_silk(
        &mut self,
        loss: LostFlag,
        dec: &mut RangeDecoder<'_>,
        out: &mut [f32],
        frame_size: usize,
        mut neural: Option<&mut dyn Concealment>,
    ) -> Result<(), Error> {
        let ch = self.config.channels;
        let mut decoded = 0;
        loop {
            let at = (decoded * ch).min(out.len());
            let result = self.silk.decode(
                loss,
                decoded == 0,
                dec,
                &mut out[at..],
                reborrow(&mut neural).map(|n| n.silk()),
            );
            let n = match result {
                Ok(n) => n,
                Err(e @ Error::Unsupported(_)) => return Err(e),
                Err(_) if loss != LostFlag::DecodeNormal => {
                    // A failed concealment is not fatal: silence instead.
                    let end = (at + frame_size * ch).min(out.len());
                    out[at..end].fill(0.0);
                    frame_size
                }
                Err(_) => return Err(Error::Internal("opus decoder: SILK frame failed")),
            };
            if n == 0 {
                return Err(Error::Internal("opus decoder: SILK made no progress"));
            }
            decoded += n;
            if decoded >= frame_size {
                return Ok(());
            }
        }
    }
}

/// Lends the concealment hook to one more call.
fn reborrow<'s>(neural: &'s mut Option<&mut dyn Concealment>) -> Option<&'s mut dyn Concealment> {
    match neural {
        Some(n) => Some(&mut **n),
        None => None,
    }
}

/// The caller's integer output buffer.
enum IntOut<'a> {
    I16(&'a mut [i16]),
    I24(&'a mut [i32]),
}

impl IntOut<'_> {
    fn len(&self) -> usize {
        match self {
            IntOut::I16(b) => b.len(),
            IntOut::I24(b) => b.len(),
        }
    }

    /// Converts `src` into the buffer from index `at`.
    fn convert_from(&mut self, at: usize, src: &[f32]) {
        match self {
            IntOut::I16(b) => {
                for (o, &x) in b[at..].iter_mut().zip(src) {
                    *o = float_to_i16(x);
                }
            }
            IntOut::I24(b) => {
                for (o, &x) in b[at..].iter_mut().zip(src) {
                    *o = float_to_i24(x);
                }
            }
        }
    }
}

/// libopus `FLOAT2INT16`: scale by 32768, clamp to the 16-bit range, round
/// to nearest with ties to even. NaN gives -32768, as in libopus.
#[inline]
pub fn float_to_i16(x: f32) -> i16 {
    let x = x * 32768.0;
    let x = max32(x, -32768.0);
    let x = min32(x, 32767.0);
    x.round_ties_even() as i16
}

/// libopus `RES2INT24` of the float build: `lrintf(x * 2^23)` stored in 32
/// bits, as the portable C build computes it (a 64-bit round to nearest
/// even, truncated to 32 bits; NaN and huge values give 0).
#[inline]
pub fn float_to_i24(x: f32) -> i32 {
    let y = 8388608.0f32 * x;
    if y.is_nan() || y.abs() >= 9.223_372e18 {
        // lrintf returns LONG_MIN, whose low 32 bits are 0.
        0
    } else {
        (y.round_ties_even() as i64) as i32
    }
}

/// Cross-fade with the window squared (libopus `smooth_fade`), writing over
/// `in1_out`: `out = w * in2 + (1 - w) * in1`.
fn smooth_fade_in_place_first(
    in1_out: &mut [f32],
    in2: &[f32],
    overlap: usize,
    channels: usize,
    window: &[f32],
    fs: usize,
) {
    let inc = 48000 / fs;
    for c in 0..channels {
        for i in 0..overlap {
            let w = window[i * inc] * window[i * inc];
            let k = i * channels + c;
            in1_out[k] = w * in2[k] + (1.0 - w) * in1_out[k];
        }
    }
}

/// As [`smooth_fade_in_place_first`], writing over `in2_out`.
fn smooth_fade_in_place_second(
    in1: &[f32],
    in2_out: &mut [f32],
    overlap: usize,
    channels: usize,
    window: &[f32],
    fs: usize,
) {
    let inc = 48000 / fs;
    for c in 0..channels {
        for i in 0..overlap {
            let w = window[i * inc] * window[i * inc];
            let k = i * channels + c;
            in2_out[k] = w * in2_out[k] + (1.0 - w) * in1[k];
        }
    }
}

/// Soft clipping of interleaved float PCM into [-1, 1] (libopus
/// `opus_pcm_soft_clip`, portable C path).
///
/// Samples are first clamped to [-2, 2]. Each excursion beyond ±1 between
/// two zero crossings is bent by `x + a * x^2`, with `a` chosen so that the
/// peak lands on ±1; `mem` (one value per channel, zero to start) carries the
/// curve of an excursion that runs into the next call, so the signal stays
/// continuous. Does nothing unless `channels` is 1 or more and `mem` holds
/// that many values.
pub fn soft_clip(pcm: &mut [f32], channels: usize, mem: &mut [f32]) {
    if channels == 0 || mem.len() < channels {
        return;
    }
    soft_clip_in_place(pcm, channels, mem);
}

fn soft_clip_in_place(pcm: &mut [f32], channels: usize, mem: &mut [f32]) {
    let c_count = channels;
    if c_count == 0 {
        return;
    }
    let n = pcm.len() / c_count;
    if n == 0 {
        return;
    }
    let pcm = &mut pcm[..n * c_count];
    // The non-linearity is defined on [-2, 2] only.
    for x in pcm.iter_mut() {
        *x = min32(2.0, max32(-2.0, *x));
    }
    for (c, mem_c) in mem.iter_mut().enumerate().take(c_count) {
        let at = |i: usize| i * c_count + c;
        let mut a = *mem_c;
        // Finish the previous call's curve up to the first zero crossing.
        for i in 0..n {
            let x = pcm[at(i)];
            if x * a >= 0.0 {
                break;
            }
            pcm[at(i)] = x + a * x * x;
        }
        let mut curr = 0;
        let x0 = pcm[at(0)];
        loop {
            let mut i = curr;
            while i < n {
                let x = pcm[at(i)];
                // Two comparisons, as libopus: NaN is not out of range here.
                #[allow(clippy::manual_range_contains)]
                if x > 1.0 || x < -1.0 {
                    break;
                }
                i += 1;
            }
            if i == n {
                a = 0.0;
                break;
            }
            let mut peak_pos = i;
            let mut start = i;
            let mut end = i;
            let xi = pcm[at(i)];
            let mut maxval = xi.abs();
            // Back to the zero crossing before the excursion...
            while start > 0 && xi * pcm[at(start - 1)] >= 0.0 {
                start -= 1;
            }
            // ...and on to the one after it, finding the peak.
            while end < n && xi * pcm[at(end)] >= 0.0 {
                let v = pcm[at(end)].abs();
                if v > maxval {
                    maxval = v;
                    peak_pos = end;
                }
                end += 1;
            }
            // The excursion started before this call's first sample.
            let special = start == 0 && xi * pcm[at(0)] >= 0.0;
            // maxval + a * maxval^2 = 1, nudged up by 2^-22 so rounding
            // cannot leave the result above 1.
            a = (maxval - 1.0) / (maxval * maxval);
            a += a * 2.4e-7;
            if xi > 0.0 {
                a = -a;
            }
            for j in start..end {
                let x = pcm[at(j)];
                pcm[at(j)] = x + a * x * x;
            }
            if special && peak_pos >= 2 {
                // Ramp from the first sample's old value to the peak, so the
                // start of the call does not jump.
                let mut offset = x0 - pcm[at(0)];
                let delta = offset / peak_pos as f32;
                for j in curr..peak_pos {
                    offset -= delta;
                    let v = pcm[at(j)] + offset;
                    pcm[at(j)] = max32(-1.0, min32(1.0, v));
                }
            }
            curr = end;
            if curr == n {
                break;
            }
        }
        *mem_c = a;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_configurations() {
        assert!(matches!(OpusDecoder::new(44100, 1), Err(Error::BadArg(_))));
        assert!(matches!(OpusDecoder::new(48000, 3), Err(Error::BadArg(_))));
        assert!(matches!(OpusDecoder::new(48000, 0), Err(Error::BadArg(_))));
        for &fs in &SAMPLE_RATES {
            for ch in 1..=2 {
                let d = OpusDecoder::new(fs, ch).unwrap();
                assert_eq!(d.max_frame_samples(), fs as usize * 3 / 25);
            }
        }
    }

    #[test]
    fn conceals_silence_before_any_packet() {
        let mut d = OpusDecoder::new(48000, 2).unwrap();
        let mut pcm = vec![1.0f32; 2 * 2880];
        assert_eq!(d.decode_float(None, &mut pcm, 2880, false), Ok(2880));
        assert!(pcm.iter().all(|&x| x == 0.0));
        assert_eq!(d.last_packet_duration(), 2880);
        assert_eq!(d.final_range(), 0);
        // Not a multiple of 2.5 ms.
        assert!(matches!(
            d.decode_float(None, &mut pcm, 100, false),
            Err(Error::BadArg(_))
        ));
        assert!(matches!(
            d.decode_float(None, &mut pcm, 0, false),
            Err(Error::BadArg(_))
        ));
        assert!(matches!(
            d.decode_float(None, &mut pcm[..10], 480, false),
            Err(Error::BufferTooSmall { .. })
        ));
    }

    #[test]
    fn celt_silence_packet_and_errors() {
        let mut d = OpusDecoder::new(48000, 1).unwrap();
        // Config 31 (CELT FB 20 ms), mono, code 0, then a silence frame.
        let pkt = [0xF8u8, 0xFF, 0xFF];
        let mut pcm = vec![0f32; 960];
        assert_eq!(d.decode_float(Some(&pkt), &mut pcm, 960, false), Ok(960));
        assert_eq!(d.bandwidth(), Some(Bandwidth::Fullband));
        let mut short = vec![0f32; 480];
        assert!(matches!(
            d.decode_float(Some(&pkt), &mut short, 480, false),
            Err(Error::BufferTooSmall { .. })
        ));
        let mut i16s = vec![0i16; 960];
        assert_eq!(d.decode(Some(&pkt), &mut i16s, 5760, false), Ok(960));
        // Code 3 without its count byte.
        assert!(matches!(
            d.decode_float(Some(&[0xFB]), &mut pcm, 960, false),
            Err(Error::InvalidPacket(_))
        ));
    }

    #[test]
    fn silk_and_hybrid_frames_decode() {
        let mut d = OpusDecoder::new(16000, 1).unwrap();
        // SILK WB 20 ms, then hybrid FB 20 ms, then a loss in hybrid mode.
        let silk = [0x48u8, 0x12, 0x34, 0x56, 0x78, 0x9A];
        let hybrid = [0x78u8, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x11];
        let mut pcm = vec![0f32; 320];
        assert_eq!(d.decode_float(Some(&silk), &mut pcm, 320, false), Ok(320));
        assert_eq!(d.decode_float(Some(&hybrid), &mut pcm, 320, false), Ok(320));
        assert_eq!(d.decode_float(None, &mut pcm, 320, false), Ok(320));
        assert!(OpusDecoder::supports_mode(Mode::SilkOnly));
    }

    #[test]
    fn reset_matches_a_fresh_decoder() {
        let pkts: [&[u8]; 3] = [
            &[0xF8, 0x81, 0x22, 0x53, 0x07, 0x99],
            &[0xF8, 0x11, 0x93, 0xAB],
            &[0xF8, 0xFF, 0x01, 0x02, 0x40],
        ];
        let run = |d: &mut OpusDecoder| {
            let mut out = Vec::new();
            for p in pkts {
                let mut pcm = vec![0f32; 1920];
                let _ = d.decode_float(Some(p), &mut pcm, 960, false);
                out.extend_from_slice(&pcm);
                out.push(d.final_range() as f32);
            }
            out
        };
        let mut a = OpusDecoder::new(48000, 2).unwrap();
        a.set_gain(300).unwrap();
        let first = run(&mut a);
        a.reset();
        let again = run(&mut a);
        let mut b = OpusDecoder::new(48000, 2).unwrap();
        b.set_gain(300).unwrap();
        let fresh = run(&mut b);
        assert_eq!(first.len(), again.len());
        for ((x, y), z) in first.iter().zip(&again).zip(&fresh) {
            assert_eq!(x.to_bits(), y.to_bits());
            assert_eq!(x.to_bits(), z.to_bits());
        }
    }

    #[test]
    fn long_concealment_through_integer_api() {
        let mut d = OpusDecoder::new(8000, 1).unwrap();
        let pkt = [0xF8u8, 0x81, 0x22, 0x53, 0x07, 0x99];
        let mut pcm = vec![0i16; 8000];
        assert_eq!(d.decode(Some(&pkt), &mut pcm, 8000, false), Ok(160));
        // 1 s of concealment, longer than the 120 ms scratch.
        assert_eq!(d.decode(None, &mut pcm, 8000, false), Ok(8000));
        assert_eq!(d.last_packet_duration(), 8000);
    }

    #[test]
    fn integer_conversions() {
        assert_eq!(float_to_i16(0.5), 16384);
        assert_eq!(float_to_i16(2.0), 32767);
        assert_eq!(float_to_i16(-2.0), -32768);
        assert_eq!(float_to_i16(f32::NAN), -32768);
        assert_eq!(float_to_i16(1.5 / 32768.0), 2);
        assert_eq!(float_to_i16(2.5 / 32768.0), 2);
        assert_eq!(float_to_i24(1.0), 8388608);
        assert_eq!(float_to_i24(0.5 / 8388608.0), 0);
        assert_eq!(float_to_i24(f32::NAN), 0);
        assert_eq!(float_to_i24(300.0), (2516582400i64) as i32);
    }

    #[test]
    fn soft_clip_bounds_and_continuity() {
        let mut x: Vec<f32> = (0..480).map(|i| 1.8 * (i as f32 * 0.05).sin()).collect();
        let mut mem = [0.0f32; 1];
        soft_clip(&mut x, 1, &mut mem);
        assert!(x.iter().all(|v| v.abs() <= 1.0));
        let mut quiet = vec![0.25f32; 64];
        let before = quiet.clone();
        let mut mem = [0.0f32; 2];
        soft_clip(&mut quiet, 2, &mut mem);
        assert_eq!(quiet, before);
        assert_eq!(mem, [0.0, 0.0]);
    }

    #[test]
    fn random_input_never_panics() {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(0xdec0_0de5);
        for round in 0..40 {
            let fs = SAMPLE_RATES[round % 5];
            let ch = 1 + round % 2;
            let mut d = OpusDecoder::new(fs, ch).unwrap();
            d.set_gain(rng.gen_range(-32768..=32767)).unwrap();
            let mut f = vec![0f32; 7000 * 2];
            let mut s = vec![0i16; 7000 * 2];
            let mut w = vec![0i32; 7000 * 2];
            for _ in 0..60 {
                let len = rng.gen_range(0..200);
                let pkt: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
                let frame_size = rng.gen_range(0..7000);
                let fec = rng.gen_bool(0.2);
                let packet = if rng.gen_bool(0.15) {
                    None
                } else {
                    Some(&pkt[..])
                };
                let n = match rng.gen_range(0..3) {
                    0 => d.decode_float(packet, &mut f, frame_size, fec),
                    1 => d.decode(packet, &mut s, frame_size, fec),
                    _ => d.decode24(packet, &mut w, frame_size, fec),
                };
                if let Ok(n) = n {
                    assert!(n <= frame_size.max(1));
                }
            }
        }
    }
}

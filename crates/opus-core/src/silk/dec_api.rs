//! The SILK decoder as the Opus layer sees it (RFC 6716 section 4.2.2–4.2.4,
//! 4.2.7.1; libopus `silk/dec_API.c`, `silk/init_decoder.c`,
//! `silk/decoder_set_fs.c`).
//!
//! [`SilkDecoder`] holds up to two channel decoders (mid and side), the
//! stereo unmixing state and one resampler per channel. For each call the
//! Opus layer says how the SILK part of the packet is laid out in a
//! [`DecControl`] and passes its shared range decoder; one call decodes one
//! 10 or 20 ms SILK frame, so a 40 or 60 ms packet takes two or three calls.
//! The first call of a packet reads the VAD and LBRR header bits and, in
//! normal decoding, skips the LBRR frames. The frame is then decoded (or
//! concealed, or taken from the LBRR copy), unmixed from mid/side to
//! left/right and resampled to the API rate.

use super::decode_frame::decode_frame;
use super::decode_indices::decode_indices;
use super::decode_pulses::decode_pulses;
use super::plc::DeepPlc;
use super::resampler::Resampler;
use super::stereo::{ms_to_lr, stereo_decode_mid_only, stereo_decode_pred, StereoDecState};
use super::structs::{
    CondCoding, DecoderState, LostFlag, MAX_API_FS_KHZ, MAX_FRAMES_PER_PACKET, MAX_FRAME_LENGTH,
    MAX_NB_SUBFR, TYPE_NO_VOICE_ACTIVITY, TYPE_VOICED,
};
use super::tables::LBRR_FLAGS_ICDF_PTR;
use crate::error::Error;
use crate::range_coder::RangeDecoder;

/// Most channels a SILK stream codes (libopus `DECODER_NUM_CHANNELS`).
pub const DECODER_NUM_CHANNELS: usize = 2;

/// Most output samples per channel one [`SilkDecoder::decode`] call writes:
/// 20 ms at 48 kHz.
pub const MAX_OUTPUT_SAMPLES_PER_CHANNEL: usize = 20 * MAX_API_FS_KHZ;

/// Per-call settings and results, the fields of libopus
/// `silk_DecControlStruct` this decoder uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecControl {
    /// Output channels (1 or 2). Set by the caller.
    pub n_channels_api: usize,
    /// Channels coded in the stream (1 or 2). Set by the caller.
    pub n_channels_internal: usize,
    /// Output rate in Hz: 8000, 12000, 16000, 24000 or 48000. Set by the caller.
    pub api_sample_rate: i32,
    /// Internal rate in Hz: 8000, 12000 or 16000 (from the TOC bandwidth). Set by the caller.
    pub internal_sample_rate: i32,
    /// Duration of the SILK payload: 10, 20, 40 or 60 ms, or 0 when the
    /// packet is lost (treated as 10 ms). Set by the caller.
    pub payload_size_ms: i32,
    /// Whether neural concealment may run (libopus sets this when the decoder
    /// complexity is at least 5). Set by the caller.
    pub enable_deep_plc: bool,
    /// Pitch lag of the last frame at 48 kHz, 0 if it was not voiced; CELT's
    /// concealment uses it after a SILK-to-CELT switch. Set by the decoder.
    pub prev_pitch_lag: i32,
}

impl Default for DecControl {
    fn default() -> Self {
        DecControl {
            n_channels_api: 1,
            n_channels_internal: 1,
            api_sample_rate: 48000,
            internal_sample_rate: 16000,
            payload_size_ms: 20,
            enable_deep_plc: false,
            prev_pitch_lag: 0,
        }
    }
}

/// The SILK decoder for up to two channels (libopus `silk_decoder`).
///
/// Fixed size, no heap memory; decoding allocates nothing.
#[derive(Debug, Clone)]
pub struct SilkDecoder {
    channel_state: [DecoderState; DECODER_NUM_CHANNELS],
    /// One resampler per channel (libopus keeps it inside each channel state).
    resampler: [Resampler; DECODER_NUM_CHANNELS],
    stereo: StereoDecState,
    n_channels_api: usize,
    n_channels_internal: usize,
    prev_decode_only_middle: bool,
}

impl Default for SilkDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SilkDecoder {
    /// A freshly initialised decoder (libopus `silk_InitDecoder`).
    pub fn new() -> Self {
        SilkDecoder {
            channel_state: [DecoderState::new(), DecoderState::new()],
            resampler: [Resampler::default(), Resampler::default()],
            stereo: StereoDecState::default(),
            n_channels_api: 0,
            n_channels_internal: 0,
            prev_decode_only_middle: false,
        }
    }

    /// Resets the decoding state (libopus `silk_ResetDecoder`): both channels
    /// and the stereo state are cleared, and the next call sets the rates up
    /// again. The channel counts seen last are kept, as in libopus.
    pub fn reset(&mut self) {
        for (st, rs) in self.channel_state.iter_mut().zip(self.resampler.iter_mut()) {
            st.reset();
            *rs = Resampler::default();
        }
        self.stereo = StereoDecState::default();
        self.prev_decode_only_middle = false;
    }

    /// Decodes, conceals or recovers (from LBRR) one SILK frame of a packet
    /// and writes it, resampled to `ctrl.api_sample_rate`, to `out`
    /// (libopus `silk_Decode`). Returns the number of samples per channel
    /// written; with `ctrl.n_channels_api == 2` the output is interleaved.
    ///
    /// - `lost_flag`: [`LostFlag::DecodeNormal`] for a received packet,
    ///   [`LostFlag::PacketLost`] to conceal, [`LostFlag::DecodeLbrr`] to
    ///   decode the LBRR (in-band FEC) copy of this frame from the next
    ///   packet, concealing if that packet carries none.
    /// - `new_packet`: true on the first call for a packet.
    /// - `rd`: the Opus layer's range decoder, positioned at the SILK part
    ///   (unused when the packet is lost). The caller checks its error flag
    ///   and reads the final range after the last frame.
    /// - `deep_plc`: the neural concealment seam, used for the first channel
    ///   at 16 kHz; `None` for classic concealment.
    ///
    /// `out` must hold `20 ms * api rate * n_channels_api` samples (see
    /// [`MAX_OUTPUT_SAMPLES_PER_CHANNEL`]).
    ///
    /// # Errors
    ///
    /// [`Error::BadArg`] for channel counts other than 1 or 2, a payload
    /// duration other than 0, 10, 20, 40 or 60 ms, or an unsupported
    /// internal or API rate (libopus `SILK_DEC_INVALID_*`);
    /// [`Error::BufferTooSmall`] if `out` is too short. Damaged input is not
    /// an error here: it raises the range decoder's error flag.
    pub fn decode(
        &mut self,
        ctrl: &mut DecControl,
        lost_flag: LostFlag,
        new_packet: bool,
        rd: &mut RangeDecoder<'_>,
        out: &mut [i16],
        mut deep_plc: Option<&mut dyn DeepPlc>,
    ) -> Result<usize, Error> {
        let n_int = ctrl.n_channels_internal;
        let n_api = ctrl.n_channels_api;
        if !(1..=2).contains(&n_int) || !(1..=2).contains(&n_api) {
            return Err(Error::BadArg("silk: channel count must be 1 or 2"));
        }
        if !matches!(ctrl.api_sample_rate, 8000 | 12000 | 16000 | 24000 | 48000) {
            return Err(Error::BadArg("silk: unsupported API sample rate"));
        }
        let (frames_per_packet, nb_subfr) = match ctrl.payload_size_ms {
            0 | 10 => (1, MAX_NB_SUBFR / 2),
            20 => (1, MAX_NB_SUBFR),
            40 => (2, MAX_NB_SUBFR),
            60 => (3, MAX_NB_SUBFR),
            _ => return Err(Error::BadArg("silk: invalid frame size")),
        };
        let fs_khz_dec = (ctrl.internal_sample_rate >> 10) + 1;
        if !matches!(fs_khz_dec, 8 | 12 | 16) {
            return Err(Error::BadArg("silk: invalid internal sample rate"));
        }

        // First call for this packet.
        if !new_packet && self.channel_state[0].n_frames_decoded >= MAX_FRAMES_PER_PACKET {
            return Err(Error::BadArg("silk: more frames decoded than a packet holds"));
        }
        if new_packet {
            for st in self.channel_state[..n_int].iter_mut() {
                st.n_frames_decoded = 0;
            }
        }

        // Mono to stereo in the bitstream: start the side channel afresh.
        if n_int > self.n_channels_internal {
            self.channel_state[1] = DecoderState::new();
            self.resampler[1] = Resampler::default();
        }

        let stereo_to_mono = n_int == 1
            && self.n_channels_internal == 2
            && ctrl.internal_sample_rate == 1000 * self.channel_state[0].fs_khz;

        if self.channel_state[0].n_frames_decoded == 0 {
            for n in 0..n_int {
                let st = &mut self.channel_state[n];
                st.n_frames_per_packet = frames_per_packet;
                st.nb_subfr = nb_subfr;
                decoder_set_fs(st, &mut self.resampler[n], fs_khz_dec, ctrl.api_sample_rate)?;
            }
        }

        if n_api == 2 && n_int == 2 && (self.n_channels_api == 1 || self.n_channels_internal == 1) {
            self.stereo.pred_prev_q13 = [0; 2];
            self.stereo.s_side = [0; 2];
            self.resampler[1] = self.resampler[0].clone();
        }
        self.n_channels_api = n_api;
        self.n_channels_internal = n_int;

        let frame_length0 = self.channel_state[0].frame_length;
        let needed = frame_length0 * ctrl.api_sample_rate as usize / (1000 * fs_khz_dec as usize) * n_api;
        if out.len() < needed {
            return Err(Error::BufferTooSmall { needed, got: out.len() });
        }

        let mut ms_pred_q13 = [0i32; 2];
        let mut decode_only_middle = false;

        if lost_flag != LostFlag::PacketLost && self.channel_state[0].n_frames_decoded == 0 {
            self.decode_header_flags(rd, n_int);
            if lost_flag == LostFlag::DecodeNormal {
                self.skip_lbrr_frames(rd, n_int, &mut ms_pred_q13, &mut decode_only_middle);
            }
        }

        let frame_idx = self.channel_state[0].n_frames_decoded;
        let lbrr_flag = |st: &DecoderState, i: usize| st.lbrr_flags.get(i).copied().unwrap_or(false);
        let vad_flag = |st: &DecoderState, i: usize| st.vad_flags.get(i).copied().unwrap_or(false);

        // Mid/side predictors of this frame.
        if n_int == 2 {
            if lost_flag == LostFlag::DecodeNormal
                || (lost_flag == LostFlag::DecodeLbrr && lbrr_flag(&self.channel_state[0], frame_idx))
            {
                ms_pred_q13 = stereo_decode_pred(rd);
                // The mid-only flag is coded only when the side frame is absent.
                if (lost_flag == LostFlag::DecodeNormal && !vad_flag(&self.channel_state[1], frame_idx))
                    || (lost_flag == LostFlag::DecodeLbrr && !lbrr_flag(&self.channel_state[1], frame_idx))
                {
                    decode_only_middle = stereo_decode_mid_only(rd);
                } else {
                    decode_only_middle = false;
                }
            } else {
                ms_pred_q13 = [self.stereo.pred_prev_q13[0] as i32, self.stereo.pred_prev_q13[1] as i32];
            }
        }

        // First frame with side coding after mid-only frames: clear the side
        // channel's prediction memory.
        if n_int == 2 && !decode_only_middle && self.prev_decode_only_middle {
            let side = &mut self.channel_state[1];
            side.out_buf.fill(0);
            side.slpc_q14_buf.fill(0);
            side.lag_prev = 100;
            side.last_gain_index = 10;
            side.prev_signal_type = TYPE_NO_VOICE_ACTIVITY;
            side.first_frame_after_reset = true;
        }

        // Two slots of stereo delay in front of each channel's frame.
        let mut samples1 = [[0i16; MAX_FRAME_LENGTH + 2]; DECODER_NUM_CHANNELS];

        let has_side = if lost_flag == LostFlag::DecodeNormal {
            !decode_only_middle
        } else {
            !self.prev_decode_only_middle
                || (n_int == 2
                    && lost_flag == LostFlag::DecodeLbrr
                    && lbrr_flag(&self.channel_state[1], self.channel_state[1].n_frames_decoded))
        };

        self.channel_state[0].plc.enable_deep_plc = ctrl.enable_deep_plc;

        let mut n_samples_out_dec = 0usize;
        for n in 0..n_int {
            if n == 0 || has_side {
                let frame_index = self.channel_state[0].n_frames_decoded as isize - n as isize;
                let cond_coding = if frame_index <= 0 {
                    CondCoding::Independently
                } else if lost_flag == LostFlag::DecodeLbrr {
                    if lbrr_flag(&self.channel_state[n], frame_index as usize - 1) {
                        CondCoding::Conditionally
                    } else {
                        CondCoding::Independently
                    }
                } else if n > 0 && self.prev_decode_only_middle {
                    // The skipped side frame leaves a well-defined LTP state.
                    CondCoding::IndependentlyNoLtpScaling
                } else {
                    CondCoding::Conditionally
                };
                // Only the first channel feeds the neural model, and only once.
                let model = if n == 0 { deep_plc.take() } else { None };
                n_samples_out_dec = decode_frame(
                    &mut self.channel_state[n],
                    rd,
                    &mut samples1[n][2..],
                    lost_flag,
                    cond_coding,
                    model,
                );
            } else {
                let len = n_samples_out_dec.min(MAX_FRAME_LENGTH);
                samples1[n][2..2 + len].fill(0);
            }
            self.channel_state[n].n_frames_decoded += 1;
        }
        let n_dec = n_samples_out_dec.min(MAX_FRAME_LENGTH);

        let [mid, side] = &mut samples1;
        if n_api == 2 && n_int == 2 {
            ms_to_lr(&mut self.stereo, mid, side, &ms_pred_q13, self.channel_state[0].fs_khz as usize, n_dec);
        } else {
            mid[..2].copy_from_slice(&self.stereo.s_mid);
            self.stereo.s_mid.copy_from_slice(&mid[n_dec..n_dec + 2]);
        }

        let fs_khz = self.channel_state[0].fs_khz.max(1);
        let n_samples_out = (n_dec as i64 * ctrl.api_sample_rate as i64 / (fs_khz as i64 * 1000)) as usize;
        if out.len() < n_samples_out * n_api {
            return Err(Error::BufferTooSmall { needed: n_samples_out * n_api, got: out.len() });
        }

        let mut resampled = [0i16; MAX_OUTPUT_SAMPLES_PER_CHANNEL];
        for n in 0..n_api.min(n_int) {
            let written = self.resampler[n].process(&mut resampled, &samples1[n][1..1 + n_dec])?;
            let written = written.min(n_samples_out);
            if n_api == 2 {
                for (i, &s) in resampled[..written].iter().enumerate() {
                    out[n + 2 * i] = s;
                }
            } else {
                out[..written].copy_from_slice(&resampled[..written]);
            }
        }

        // Stereo output of a mono stream.
        if n_api == 2 && n_int == 1 {
            if stereo_to_mono {
                // The right channel keeps its own resampler history for the
                // frame that collapses from stereo to mono.
                let written = self.resampler[1].process(&mut resampled, &samples1[0][1..1 + n_dec])?;
                for (i, &s) in resampled[..written.min(n_samples_out)].iter().enumerate() {
                    out[1 + 2 * i] = s;
                }
            } else {
                for i in 0..n_samples_out {
                    out[1 + 2 * i] = out[2 * i];
                }
            }
        }

        // Pitch lag at 48 kHz, for CELT's concealment.
        let st0 = &self.channel_state[0];
        ctrl.prev_pitch_lag = if st0.prev_signal_type == TYPE_VOICED {
            const MULT_TAB: [i32; 3] = [6, 4, 3];
            st0.lag_prev * MULT_TAB[(((st0.fs_khz - 8) >> 2).clamp(0, 2)) as usize]
        } else {
            0
        };

        if lost_flag == LostFlag::PacketLost {
            // Do not clamp the gain after a loss, so a falling level does not
            // bounce back.
            for st in self.channel_state[..self.n_channels_internal].iter_mut() {
                st.last_gain_index = 10;
            }
        } else {
            self.prev_decode_only_middle = decode_only_middle;
        }
        Ok(n_samples_out)
    }

    /// Reads the per-packet VAD and LBRR flags of every channel.
    fn decode_header_flags(&mut self, rd: &mut RangeDecoder<'_>, n_int: usize) {
        for st in self.channel_state[..n_int].iter_mut() {
            for i in 0..st.n_frames_per_packet.min(MAX_FRAMES_PER_PACKET) {
                st.vad_flags[i] = rd.bit_logp(1);
            }
            st.lbrr_flag = rd.bit_logp(1);
        }
        for st in self.channel_state[..n_int].iter_mut() {
            st.lbrr_flags = [false; MAX_FRAMES_PER_PACKET];
            if st.lbrr_flag {
                if st.n_frames_per_packet == 1 {
                    st.lbrr_flags[0] = true;
                } else {
                    let icdf = LBRR_FLAGS_ICDF_PTR[(st.n_frames_per_packet - 2).min(1)];
                    let symbol = rd.icdf(icdf, 8) + 1;
                    for i in 0..st.n_frames_per_packet.min(MAX_FRAMES_PER_PACKET) {
                        st.lbrr_flags[i] = (symbol >> i) & 1 != 0;
                    }
                }
            }
        }
    }

    /// Reads past the LBRR frames of a packet decoded normally.
    fn skip_lbrr_frames(
        &mut self,
        rd: &mut RangeDecoder<'_>,
        n_int: usize,
        ms_pred_q13: &mut [i32; 2],
        decode_only_middle: &mut bool,
    ) {
        let mut pulses = [0i16; MAX_FRAME_LENGTH];
        for i in 0..self.channel_state[0].n_frames_per_packet.min(MAX_FRAMES_PER_PACKET) {
            for n in 0..n_int {
                if !self.channel_state[n].lbrr_flags[i] {
                    continue;
                }
                if n_int == 2 && n == 0 {
                    *ms_pred_q13 = stereo_decode_pred(rd);
                    if !self.channel_state[1].lbrr_flags[i] {
                        *decode_only_middle = stereo_decode_mid_only(rd);
                    }
                }
                let st = &mut self.channel_state[n];
                let cond_coding = if i > 0 && st.lbrr_flags[i - 1] {
                    CondCoding::Conditionally
                } else {
                    CondCoding::Independently
                };
                decode_indices(st, rd, i, true, cond_coding);
                decode_pulses(
                    rd,
                    &mut pulses,
                    st.indices.signal_type as i32,
                    st.indices.quant_offset_type as i32,
                    st.frame_length,
                );
            }
        }
    }

    /// The channel decoders, for inspection and tests.
    pub fn channel_states(&self) -> &[DecoderState; DECODER_NUM_CHANNELS] {
        &self.channel_state
    }
}

/// Sets a channel's internal rate and frame layout and, when the internal or
/// API rate changes, rebuilds its resampler (libopus `silk_decoder_set_fs`).
/// `st.nb_subfr` must already be set.
///
/// # Errors
///
/// [`Error::BadArg`] for an internal rate other than 8, 12 or 16 kHz or an
/// unsupported API rate.
pub fn decoder_set_fs(
    st: &mut DecoderState,
    resampler: &mut Resampler,
    fs_khz: i32,
    fs_api_hz: i32,
) -> Result<(), Error> {
    if !matches!(fs_khz, 8 | 12 | 16) {
        return Err(Error::BadArg("silk: invalid internal sample rate"));
    }
    let mut result = Ok(());
    if st.fs_khz != fs_khz || st.fs_api_hz != fs_api_hz {
        result = resampler.init(fs_khz * 1000, fs_api_hz, false);
        st.fs_api_hz = fs_api_hz;
    }
    st.set_internal_fs(fs_khz);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const RNG_SEED: u32 = 0x5eed_0004;

    fn xorshift(s: &mut u32) -> u32 {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        *s
    }

    const INTERNAL: [i32; 3] = [8000, 12000, 16000];
    const API: [i32; 5] = [8000, 12000, 16000, 24000, 48000];
    const PAYLOAD_MS: [i32; 4] = [10, 20, 40, 60];

    fn ctrl(api: i32, internal: i32, ms: i32, ch: usize, ch_api: usize) -> DecControl {
        DecControl {
            n_channels_api: ch_api,
            n_channels_internal: ch,
            api_sample_rate: api,
            internal_sample_rate: internal,
            payload_size_ms: ms,
            enable_deep_plc: false,
            prev_pitch_lag: 0,
        }
    }

    /// Decodes one packet (all its SILK frames) and appends the output.
    fn decode_packet(
        dec: &mut SilkDecoder,
        c: &mut DecControl,
        lost: LostFlag,
        payload: &[u8],
        pcm: &mut Vec<i16>,
    ) -> u32 {
        let mut rd = RangeDecoder::new(payload);
        let frames = if c.payload_size_ms >= 40 { c.payload_size_ms / 20 } else { 1 };
        let mut out = [0i16; 2 * MAX_OUTPUT_SAMPLES_PER_CHANNEL];
        for k in 0..frames {
            let n = dec.decode(c, lost, k == 0, &mut rd, &mut out, None).unwrap();
            let ms_per_call = if c.payload_size_ms == 10 { 10 } else { 20 };
            assert_eq!(n, (ms_per_call * c.api_sample_rate / 1000) as usize);
            pcm.extend_from_slice(&out[..n * c.n_channels_api]);
        }
        rd.final_range()
    }

    /// Random packets, losses and FEC through one configuration.
    fn run_random(seed: u32, api: i32, internal: i32, ms: i32, ch: usize, ch_api: usize) -> (Vec<i16>, Vec<u32>) {
        let mut s = seed;
        let mut dec = SilkDecoder::new();
        let mut pcm = Vec::new();
        let mut ranges = Vec::new();
        for p in 0..12 {
            let len = 1 + (xorshift(&mut s) % 120) as usize;
            let payload: Vec<u8> = (0..len).map(|_| xorshift(&mut s) as u8).collect();
            let lost = match p % 5 {
                3 => LostFlag::PacketLost,
                4 => LostFlag::DecodeLbrr,
                _ => LostFlag::DecodeNormal,
            };
            let mut c = ctrl(api, internal, ms, ch, ch_api);
            ranges.push(decode_packet(&mut dec, &mut c, lost, &payload, &mut pcm));
        }
        (pcm, ranges)
    }

    #[test]
    fn random_bytes_every_configuration_no_panic_and_deterministic() {
        let mut seed = RNG_SEED;
        for &internal in &INTERNAL {
            for &api in &API {
                for &ms in &PAYLOAD_MS {
                    for ch in 1..=2 {
                        for ch_api in 1..=2 {
                            seed = xorshift(&mut seed);
                            let a = run_random(seed, api, internal, ms, ch, ch_api);
                            let b = run_random(seed, api, internal, ms, ch, ch_api);
                            assert_eq!(a, b, "{internal} -> {api}, {ms} ms, {ch}/{ch_api} ch");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn switching_rates_and_channels_mid_stream() {
        let mut s = RNG_SEED;
        for ch_api in 1..=2 {
            let mut dec = SilkDecoder::new();
            let mut pcm = Vec::new();
            for _ in 0..300 {
                let internal = INTERNAL[(xorshift(&mut s) % 3) as usize];
                let ms = PAYLOAD_MS[(xorshift(&mut s) % 4) as usize];
                let ch = 1 + (xorshift(&mut s) % 2) as usize;
                let lost = match xorshift(&mut s) % 6 {
                    0 => LostFlag::PacketLost,
                    1 => LostFlag::DecodeLbrr,
                    _ => LostFlag::DecodeNormal,
                };
                let payload: Vec<u8> = (0..(xorshift(&mut s) % 200)).map(|_| xorshift(&mut s) as u8).collect();
                if xorshift(&mut s) % 40 == 0 {
                    dec.reset();
                }
                let mut c = ctrl(48000, internal, ms, ch, ch_api);
                pcm.clear();
                decode_packet(&mut dec, &mut c, lost, &payload, &mut pcm);
            }
        }
    }

    #[test]
    fn reset_equals_fresh() {
        let mut s = RNG_SEED;
        let packets: Vec<Vec<u8>> = (0..8)
            .map(|_| (0..60).map(|_| xorshift(&mut s) as u8).collect())
            .collect();
        for ch in 1..=2 {
            let mut used = SilkDecoder::new();
            let mut scratch = Vec::new();
            for p in &packets {
                let mut c = ctrl(24000, 12000, 20, ch, 2);
                decode_packet(&mut used, &mut c, LostFlag::DecodeNormal, p, &mut scratch);
            }
            used.reset();
            let mut fresh = SilkDecoder::new();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for (i, p) in packets.iter().enumerate() {
                let lost = if i == 3 { LostFlag::PacketLost } else { LostFlag::DecodeNormal };
                let mut c1 = ctrl(48000, 16000, 40, ch, 2);
                let mut c2 = c1;
                let r1 = decode_packet(&mut used, &mut c1, lost, p, &mut a);
                let r2 = decode_packet(&mut fresh, &mut c2, lost, p, &mut b);
                assert_eq!(r1, r2);
                assert_eq!(c1, c2);
            }
            assert_eq!(a, b);
        }
    }

    #[test]
    fn loss_of_silence_is_silent() {
        let mut dec = SilkDecoder::new();
        let mut pcm = Vec::new();
        for _ in 0..5 {
            let mut c = ctrl(48000, 16000, 20, 2, 2);
            decode_packet(&mut dec, &mut c, LostFlag::PacketLost, &[], &mut pcm);
        }
        assert!(pcm.iter().all(|&x| x == 0));
    }

    #[test]
    fn bad_arguments_are_errors() {
        let mut dec = SilkDecoder::new();
        let mut rd = RangeDecoder::new(&[0u8; 10]);
        let mut out = [0i16; 2 * MAX_OUTPUT_SAMPLES_PER_CHANNEL];
        let mut run = |c: DecControl, out: &mut [i16]| {
            let mut c = c;
            dec.decode(&mut c, LostFlag::DecodeNormal, true, &mut rd, out, None)
        };
        assert!(matches!(run(ctrl(48000, 16000, 30, 1, 1), &mut out), Err(Error::BadArg(_))));
        assert!(matches!(run(ctrl(44100, 16000, 20, 1, 1), &mut out), Err(Error::BadArg(_))));
        assert!(matches!(run(ctrl(48000, 24000, 20, 1, 1), &mut out), Err(Error::BadArg(_))));
        assert!(matches!(run(ctrl(48000, 16000, 20, 3, 1), &mut out), Err(Error::BadArg(_))));
        assert_eq!(
            run(ctrl(48000, 16000, 20, 1, 2), &mut out[..100]),
            Err(Error::BufferTooSmall { needed: 1920, got: 100 })
        );
    }
}

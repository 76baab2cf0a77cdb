//! A receiver for Opus over lossy, reordering networks: a small jitter buffer in front of a
//! [`Decoder`] that picks the best recovery for every missing packet.
//!
//! [`Receiver::push`] buffers packets as they arrive, tagged with their sequence number
//! (16-bit RTP numbers with [`push`](Receiver::push), 32-bit ones with
//! [`push_u32`](Receiver::push_u32); both wrap around). [`Receiver::pull`] returns the next
//! packet's audio in sequence order and says where it came from ([`Source`]).
//!
//! # Policy
//!
//! For the next sequence number `s`:
//!
//! 1. **The packet is there**: it is decoded ([`Source::Packet`]), whatever its duration
//!    (multi-frame packets come out whole, up to 120 ms).
//! 2. **It is missing and may still come**: [`pull`](Receiver::pull) returns
//!    [`Error::NotReady`] until the late window expires. With a window of `W` packets
//!    ([`LateWindow::Packets`]), `s` is declared lost once a packet numbered above `s + W` has
//!    arrived, i.e. a packet may overtake at most `W` others; [`LateWindow::Millis`] converts a
//!    duration into packets with the duration of the last packet pushed. `W = 0` is
//!    opus_demo's behaviour: a gap is lost as soon as a later packet is there.
//!    [`pull_now`](Receiver::pull_now) does not wait: it recovers `s` at once (use it when the
//!    audio clock needs a frame now).
//! 3. **It is lost**: let `P` be the first packet buffered after the gap, `k` packets after `s`
//!    (`s` is the `k`-th newest lost packet), and `n` the decoder's
//!    [`last_packet_duration`](Decoder::last_packet_duration) (each lost packet is assumed
//!    as long as the last one, as opus_demo assumes). Then, as in libopus's `opus_demo`:
//!    - `k = 1` and `P` carries LBRR (SILK in-band FEC, [`opus_core::packet::has_lbrr`]):
//!      `s` is recovered from it ([`Decoder::decode_fec`], [`Source::Lbrr`]). LBRR only ever
//!      describes the frame just before its packet, so it serves the newest lost packet only.
//!    - otherwise, if `P` carries DRED: the DRED of `P` is parsed once per gap, asking for
//!      `k · n` samples of history (at most [`ReceiverConfig::max_dred_ms`], 1 s in
//!      opus_demo), and `s` is synthesised from it at offset `k · n` samples before `P`
//!      ([`Decoder::dred_decode`]). [`Source::Dred`] when the redundancy covers any part of
//!      that packet; beyond its reach the same call predicts the audio with the neural PLC
//!      (at any complexity), reported as [`Source::DeepPlc`] (the PCM is opus_demo's in both
//!      cases). How far DRED reaches is the encoder's choice: a low-rate stream may carry a
//!      single 40 ms latent, which covers only the newest lost packet or part of it.
//!    - otherwise (no later packet yet, or neither LBRR nor DRED): packet-loss concealment of
//!      `n` samples ([`Decoder::conceal`]): neural ([`Source::DeepPlc`]) at complexity 5 and
//!      above, classic ([`Source::ClassicPlc`]) below.
//!
//!    LBRR beats DRED for the newest frame because it is a real (low-rate) SILK encoding of
//!    it, while DRED is a vocoder description; DRED beats PLC because it carries the lost
//!    speech instead of guessing it. [`ReceiverConfig::use_lbrr`] and
//!    [`ReceiverConfig::use_dred`] turn either off.
//!
//! # Where this extends opus_demo
//!
//! - **Reordering**: opus_demo reads packets in order; here packets may arrive in any order
//!   within the late window and the output is the same as in order. A packet that arrives
//!   after its number was recovered (or decoded) is dropped and counted
//!   ([`ReceiverStats::late`], [`ReceiverStats::duplicate`]); so is one too far ahead for the
//!   buffer ([`ReceiverStats::too_early`]; its number still counts as evidence of loss).
//! - **Gaps that shrink**: if a packet inside a gap arrives while the gap is being recovered,
//!   it is decoded in its turn and the rest of the gap is planned again around it.
//! - **Sequence numbers** wrap around (16 or 32 bits): each is placed at the extended number
//!   nearest the next expected one.
//! - **Stream start**: the stream starts at the lowest number buffered; an unforced pull first
//!   waits until the window would have expired for an earlier packet. [`Receiver::reset`]
//!   starts a new stream.
//! - **Malformed packets** are rejected at [`push`](Receiver::push) (and then recovered as
//!   lost); opus_demo decodes them and prints the error. A packet whose LBRR flags cannot be
//!   read counts as having none (opus_demo counts it as having some).
//!
//! Memory is fixed at [`Receiver::new`]: one slot per packet the window may hold (plus some
//! slack), each pre-sized for a 1500-byte packet (a larger packet grows its slot once, in
//! `push`). Pulling never allocates.
//!
//! # Example
//!
//! ```
//! use dred_opus::receiver::{Receiver, ReceiverConfig, LateWindow, Source, Error};
//!
//! let mut rx = Receiver::new(48_000, 1, ReceiverConfig {
//!     late_window: LateWindow::Packets(1),
//!     ..ReceiverConfig::default()
//! })?;
//! let mut pcm = vec![0f32; rx.max_frame_samples()];
//! // CELT fullband 20 ms silence packets; number 65535 arrives after 0, number 1 is lost.
//! let silence = [0xFCu8, 0xFF, 0xFF];
//! for seq in [65534u16, 0, 65535, 2, 3] {
//!     rx.push(seq, &silence)?;
//! }
//! let mut sources = Vec::new();
//! loop {
//!     match rx.pull(&mut pcm) {
//!         Ok(frame) => sources.push((frame.seq as u16, frame.samples, frame.source)),
//!         Err(Error::NotReady) => break,
//!         Err(e) => return Err(e.into()),
//!     }
//! }
//! assert_eq!(sources[..3], [
//!     (65534, 960, Source::Packet),
//!     (65535, 960, Source::Packet),
//!     (0, 960, Source::Packet),
//! ]);
//! // Number 1 was lost (3 > 1 + 1): CELT has no LBRR nor DRED, so it is concealed.
//! assert_eq!(sources[3], (1, 960, Source::DeepPlc));
//! assert_eq!(sources[4..], [(2, 960, Source::Packet), (3, 960, Source::Packet)]);
//! // Number 1 arriving now is too late.
//! rx.push(1, &silence)?;
//! assert_eq!(rx.stats().late, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use crate::decoder::{Decoder, Sample};

/// How long a packet may arrive late (be overtaken by others) before its number is recovered
/// without it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LateWindow {
    /// A packet may be overtaken by at most this many packets.
    Packets(u32),
    /// A packet may be this many milliseconds late, converted into packets with the duration
    /// of the last packet pushed (rounded up).
    Millis(u32),
}

/// Settings of a [`Receiver`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiverConfig {
    /// Decoder complexity 0..=10: 5 and above conceal with the neural PLC.
    pub complexity: i32,
    /// How long a packet may arrive late.
    pub late_window: LateWindow,
    /// Recover the newest lost packet from the next packet's LBRR (SILK in-band FEC).
    pub use_lbrr: bool,
    /// Recover lost packets from the DRED of the packet after the gap.
    pub use_dred: bool,
    /// The most DRED history asked for, in milliseconds (opus_demo: 1000).
    pub max_dred_ms: u32,
}

impl Default for ReceiverConfig {
    /// Complexity 5, a window of 2 packets, LBRR and DRED on, up to 1 s of DRED.
    fn default() -> Self {
        ReceiverConfig {
            complexity: 5,
            late_window: LateWindow::Packets(2),
            use_lbrr: true,
            use_dred: true,
            max_dred_ms: 1000,
        }
    }
}

/// Where the audio of a pulled packet came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// The packet itself.
    Packet,
    /// The LBRR (in-band FEC) of the packet after it.
    Lbrr,
    /// The DRED of the first packet after the gap.
    Dred,
    /// Neural packet-loss concealment.
    DeepPlc,
    /// Classic packet-loss concealment.
    ClassicPlc,
}

/// One packet's worth of audio returned by [`Receiver::pull`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PulledFrame {
    /// Its sequence number: the low 32 bits of the extended number, so a 16-bit stream reads
    /// it back with `seq as u16`.
    pub seq: u32,
    /// Samples written per channel.
    pub samples: usize,
    /// Where the audio came from.
    pub source: Source,
}

/// What [`Receiver::push`] did with a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    /// Buffered for decoding.
    Buffered,
    /// Dropped: that number is already buffered or was decoded.
    Duplicate,
    /// Dropped: that number was already recovered without it.
    Late,
    /// Dropped: too far ahead for the buffer.
    TooEarly,
}

/// Counters of a [`Receiver`] since it was made or [`reset`](Receiver::reset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReceiverStats {
    /// Packets decoded.
    pub decoded: u64,
    /// Packets recovered from LBRR.
    pub lbrr: u64,
    /// Packets recovered from DRED.
    pub dred: u64,
    /// Packets concealed by the neural PLC.
    pub deep_plc: u64,
    /// Packets concealed by the classic PLC.
    pub classic_plc: u64,
    /// Packets dropped because they came after their number was recovered.
    pub late: u64,
    /// Packets dropped as duplicates.
    pub duplicate: u64,
    /// Packets dropped because they were too far ahead.
    pub too_early: u64,
    /// Packets rejected as malformed.
    pub invalid: u64,
}

/// Errors of a [`Receiver`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// Nothing to return yet: the next packet is missing and may still arrive (or nothing
    /// was pushed).
    NotReady,
    /// The decoder's error (a malformed packet, a buffer too small, ...).
    Codec(crate::decoder::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotReady => f.write_str("receiver: the next packet has not arrived yet"),
            Error::Codec(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {}

impl From<crate::decoder::Error> for Error {
    fn from(e: crate::decoder::Error) -> Self {
        Error::Codec(e)
    }
}

/// Bytes each slot is pre-sized for.
const SLOT_BYTES: usize = 1500;
/// Slots beyond the window, for bursts of early packets.
const SLACK: usize = 32;
/// The largest window in packets.
const MAX_WINDOW: u32 = 4096;
/// Extended sequence number of the first packet ever pushed is `BASE + seq`, a multiple of
/// 2^32, so the low bits read back as the sender's.
const BASE: i64 = 1 << 40;

#[derive(Clone, Debug)]
struct Slot {
    /// Extended sequence number held (decoded ones are kept, to spot duplicates).
    ext: Option<i64>,
    data: Vec<u8>,
    samples: usize,
}

/// An Opus receiver: a jitter buffer and a [`Decoder`] with LBRR, DRED and PLC recovery. See
/// the [module documentation](self) for the policy.
#[derive(Debug)]
pub struct Receiver {
    dec: Decoder,
    dred: Box<dred::Dred>,
    config: ReceiverConfig,
    slots: Vec<Slot>,
    /// Next number to return once started; before, the lowest buffered.
    next: i64,
    started: bool,
    buffered: usize,
    /// Highest number pushed (dropped early ones included).
    highest: Option<i64>,
    /// The packet whose DRED `dred` holds, and the samples it covers.
    dred_for: Option<i64>,
    dred_samples: i32,
    /// Duration of the last packet pushed, for [`LateWindow::Millis`] and a first gap.
    frame_hint: usize,
    stats: ReceiverStats,
}

impl Receiver {
    /// A receiver decoding `channels` (1 or 2) at `sample_rate` Hz (48000, 24000, 16000, 12000
    /// or 8000).
    ///
    /// # Errors
    /// [`crate::decoder::Error::BadArg`] for a bad rate, channel count or complexity, or
    /// [`crate::decoder::Error::Internal`] if the embedded models fail to load.
    pub fn new(sample_rate: u32, channels: usize, config: ReceiverConfig) -> Result<Self, Error> {
        let mut dec = Decoder::new(sample_rate, channels)?;
        dec.set_complexity(config.complexity)?;
        let dred = dred::Dred::with_default_model()
            .map_err(|_| crate::decoder::Error::Internal("embedded RDO-VAE weights failed to load"))?;
        let window = match config.late_window {
            LateWindow::Packets(w) => w.min(MAX_WINDOW),
            LateWindow::Millis(ms) => ms.div_ceil(10).min(MAX_WINDOW),
        } as usize;
        let slots = (0..window + 2 + SLACK)
            .map(|_| Slot { ext: None, data: Vec::with_capacity(SLOT_BYTES), samples: 0 })
            .collect();
        Ok(Receiver {
            frame_hint: sample_rate as usize / 50,
            dec,
            dred: Box::new(dred),
            config,
            slots,
            next: 0,
            started: false,
            buffered: 0,
            highest: None,
            dred_for: None,
            dred_samples: 0,
            stats: ReceiverStats::default(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &ReceiverConfig {
        &self.config
    }

    /// The counters.
    pub fn stats(&self) -> &ReceiverStats {
        &self.stats
    }

    /// The decoder (its rate, channels, last packet duration, ...).
    pub fn decoder(&self) -> &Decoder {
        &self.dec
    }

    /// Samples (all channels) a `pcm` buffer needs to take any packet: 120 ms.
    pub fn max_frame_samples(&self) -> usize {
        self.dec.max_frame_samples() * self.dec.channels()
    }

    /// Packets buffered and not yet returned.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// The sequence number [`pull`](Self::pull) returns next (low 32 bits), once started.
    pub fn next_seq(&self) -> Option<u32> {
        self.started.then_some(self.next as u32)
    }

    /// Starts a new stream: drops the buffered packets, resets the decoder and the counters,
    /// keeps the settings. Does not allocate.
    pub fn reset(&mut self) {
        self.dec.reset();
        for s in &mut self.slots {
            s.ext = None;
        }
        self.next = 0;
        self.started = false;
        self.buffered = 0;
        self.highest = None;
        self.dred_for = None;
        self.dred_samples = 0;
        self.frame_hint = self.dec.sample_rate() as usize / 50;
        self.stats = ReceiverStats::default();
    }

    /// Buffers `packet`, numbered `seq` (16 bits, as RTP; wraps around).
    ///
    /// # Errors
    /// [`Error::Codec`] with [`crate::decoder::Error::InvalidPacket`] (or `BadArg` when
    /// empty) for a packet whose duration cannot be read; it is not buffered.
    pub fn push(&mut self, seq: u16, packet: &[u8]) -> Result<PushOutcome, Error> {
        self.push_bits(u64::from(seq), 16, packet)
    }

    /// As [`push`](Self::push) with a 32-bit sequence number. Use one width per stream.
    ///
    /// # Errors
    /// As [`push`](Self::push).
    pub fn push_u32(&mut self, seq: u32, packet: &[u8]) -> Result<PushOutcome, Error> {
        self.push_bits(u64::from(seq), 32, packet)
    }

    fn slot(&self, ext: i64) -> usize {
        ext.rem_euclid(self.slots.len() as i64) as usize
    }

    fn push_bits(&mut self, seq: u64, bits: u32, packet: &[u8]) -> Result<PushOutcome, Error> {
        let samples = match self.dec.nb_samples(packet) {
            Ok(n) if n > 0 => n,
            Ok(_) => {
                self.stats.invalid += 1;
                return Err(crate::decoder::Error::InvalidPacket("packet of no duration").into());
            }
            Err(e) => {
                self.stats.invalid += 1;
                return Err(e.into());
            }
        };
        let ext = if self.started || self.buffered > 0 {
            // The extended number nearest the next expected one.
            let m = 1i64 << bits;
            let mut diff = (seq as i64 - self.next).rem_euclid(m);
            if diff >= m / 2 {
                diff -= m;
            }
            self.next + diff
        } else {
            BASE + seq as i64
        };
        let cap = self.slots.len() as i64;
        if self.started {
            if ext < self.next {
                let s = &self.slots[self.slot(ext)];
                return Ok(if s.ext == Some(ext) {
                    self.stats.duplicate += 1;
                    PushOutcome::Duplicate
                } else {
                    self.stats.late += 1;
                    PushOutcome::Late
                });
            }
        } else if self.buffered == 0 {
            self.next = ext;
        } else if ext < self.next {
            // Before the start: a packet earlier than those buffered becomes the start,
            // if the buffer can still hold the latest.
            if self.highest.is_some_and(|h| h - ext >= cap) {
                self.stats.late += 1;
                return Ok(PushOutcome::Late);
            }
            self.next = ext;
        }
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        if ext - self.next >= cap {
            self.stats.too_early += 1;
            return Ok(PushOutcome::TooEarly);
        }
        let idx = self.slot(ext);
        let slot = &mut self.slots[idx];
        if slot.ext == Some(ext) {
            self.stats.duplicate += 1;
            return Ok(PushOutcome::Duplicate);
        }
        slot.ext = Some(ext);
        slot.data.clear();
        slot.data.extend_from_slice(packet);
        slot.samples = samples;
        self.buffered += 1;
        self.frame_hint = samples;
        Ok(PushOutcome::Buffered)
    }

    /// The late window in packets now.
    fn window(&self) -> i64 {
        let w = match self.config.late_window {
            LateWindow::Packets(w) => i64::from(w),
            LateWindow::Millis(ms) => {
                let samples = i64::from(ms) * i64::from(self.dec.sample_rate()) / 1000;
                let frame = self.frame_hint.max(1) as i64;
                (samples + frame - 1) / frame
            }
        };
        w.min(self.slots.len() as i64 - 2)
    }

    /// Returns the next packet's audio in sequence order into `pcm` (interleaved; it must hold
    /// the packet, [`max_frame_samples`](Self::max_frame_samples) always suffices), decoded or
    /// recovered as the [module documentation](self) describes.
    ///
    /// # Errors
    /// - [`Error::NotReady`]: nothing pushed yet, or the next packet is missing and its late
    ///   window has not expired; nothing changed.
    /// - [`Error::Codec`] with `BufferTooSmall`: `pcm` is too short; nothing changed.
    /// - [`Error::Codec`] otherwise: the decoder failed on this packet; it is skipped.
    pub fn pull<S: Sample>(&mut self, pcm: &mut [S]) -> Result<PulledFrame, Error> {
        self.pull_inner(pcm, false)
    }

    /// As [`pull`](Self::pull), but a missing packet is recovered at once instead of waited
    /// for (only [`Error::NotReady`] when nothing was ever pushed). A packet arriving for it
    /// afterwards is dropped as late.
    ///
    /// # Errors
    /// As [`pull`](Self::pull).
    pub fn pull_now<S: Sample>(&mut self, pcm: &mut [S]) -> Result<PulledFrame, Error> {
        self.pull_inner(pcm, true)
    }

    fn pull_inner<S: Sample>(&mut self, pcm: &mut [S], force: bool) -> Result<PulledFrame, Error> {
        let window = self.window();
        if !self.started {
            if self.buffered == 0 {
                return Err(Error::NotReady);
            }
            // Give an earlier packet the same chance as a late one.
            if !force && self.highest.is_some_and(|h| h < self.next + window) {
                return Err(Error::NotReady);
            }
            self.started = true;
        }
        let channels = self.dec.channels();
        let next = self.next;
        let seq = next as u32;
        let idx = self.slot(next);
        if self.slots[idx].ext == Some(next) {
            let need = self.slots[idx].samples * channels;
            if pcm.len() < need {
                return Err(crate::decoder::Error::BufferTooSmall { needed: need, got: pcm.len() }.into());
            }
            let result = self.dec.decode(&self.slots[idx].data, pcm);
            self.next += 1;
            self.buffered -= 1;
            self.dred_for = None;
            let samples = result?;
            self.stats.decoded += 1;
            return Ok(PulledFrame { seq, samples, source: Source::Packet });
        }
        if !force && !self.highest.is_some_and(|h| h > next + window) {
            return Err(Error::NotReady);
        }
        let mut n = self.dec.last_packet_duration();
        if n == 0 {
            n = self.frame_hint;
        }
        if pcm.len() < n * channels {
            return Err(crate::decoder::Error::BufferTooSmall { needed: n * channels, got: pcm.len() }.into());
        }
        // The first packet buffered after the gap.
        let after = if self.buffered == 0 {
            None
        } else {
            (1..self.slots.len() as i64).map(|d| next + d).find(|&e| self.slots[self.slot(e)].ext == Some(e))
        };
        let plc = if self.dec.complexity() >= 5 { Source::DeepPlc } else { Source::ClassicPlc };
        let (result, source) = match after {
            Some(p_ext) => {
                let k = p_ext - next;
                let p_idx = self.slot(p_ext);
                let p = &self.slots[p_idx].data;
                if self.config.use_lbrr && k == 1 && opus_core::packet::has_lbrr(p).unwrap_or(false) {
                    (self.dec.decode_fec(p, n, pcm), Source::Lbrr)
                } else if self.config.use_dred {
                    let rate = self.dec.sample_rate() as i32;
                    if self.dred_for != Some(p_ext) {
                        // Once per gap: as much history as the gap needs, within the limit.
                        let limit = i64::from(self.config.max_dred_ms) * i64::from(rate) / 1000;
                        let wanted = (k * n as i64).min(limit).min(i64::from(i32::MAX)) as i32;
                        self.dred_samples = if wanted > 0 {
                            match self.dred.parse(p, wanted, rate, false) {
                                Ok(parse) => parse.samples.max(0),
                                Err(_) => 0,
                            }
                        } else {
                            0
                        };
                        self.dred_for = Some(p_ext);
                    }
                    if self.dred_samples > 0 {
                        let offset = (k * n as i64).min(i64::from(i32::MAX)) as i32;
                        // DRED covers the `dred_samples` before P; the frame spans
                        // [-offset, -offset + n).
                        let covered = i64::from(offset) - (n as i64) < i64::from(self.dred_samples);
                        let source = if covered { Source::Dred } else { Source::DeepPlc };
                        (self.dec.dred_decode(&self.dred, offset, pcm, n), source)
                    } else {
                        (self.dec.conceal(n, pcm), plc)
                    }
                } else {
                    (self.dec.conceal(n, pcm), plc)
                }
            }
            None => (self.dec.conceal(n, pcm), plc),
        };
        self.next += 1;
        let samples = result?;
        match source {
            Source::Packet => self.stats.decoded += 1,
            Source::Lbrr => self.stats.lbrr += 1,
            Source::Dred => self.stats.dred += 1,
            Source::DeepPlc => self.stats.deep_plc += 1,
            Source::ClassicPlc => self.stats.classic_plc += 1,
        }
        Ok(PulledFrame { seq, samples, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SILENCE: [u8; 3] = [0xFC, 0xFF, 0xFF];

    fn rx(window: u32) -> Receiver {
        let cfg = ReceiverConfig { late_window: LateWindow::Packets(window), ..ReceiverConfig::default() };
        Receiver::new(48_000, 1, cfg).expect("receiver")
    }

    fn drain(rx: &mut Receiver) -> Vec<(u32, Source)> {
        let mut pcm = vec![0i16; rx.max_frame_samples()];
        let mut out = Vec::new();
        loop {
            match rx.pull(&mut pcm) {
                Ok(f) => out.push((f.seq, f.source)),
                Err(Error::NotReady) => return out,
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn waits_for_a_late_packet_within_the_window() {
        let mut r = rx(2);
        for s in [10u16, 12, 13] {
            assert_eq!(r.push(s, &SILENCE), Ok(PushOutcome::Buffered));
        }
        // 11 is missing and 13 is not above 11 + 2: wait.
        assert_eq!(drain(&mut r), vec![(10, Source::Packet)]);
        r.push(11, &SILENCE).expect("push");
        assert_eq!(drain(&mut r).len(), 3);
        assert_eq!(r.stats().decoded, 4);
    }

    #[test]
    fn duplicates_late_and_too_early_are_counted() {
        let mut r = rx(0);
        r.push(0, &SILENCE).expect("push");
        assert_eq!(r.push(0, &SILENCE), Ok(PushOutcome::Duplicate));
        r.push(2, &SILENCE).expect("push");
        assert_eq!(drain(&mut r).len(), 3);
        assert_eq!(r.push(2, &SILENCE), Ok(PushOutcome::Duplicate));
        assert_eq!(r.push(1, &SILENCE), Ok(PushOutcome::Late));
        let cap = r.slots.len() as u16;
        assert_eq!(r.push(3 + cap, &SILENCE), Ok(PushOutcome::TooEarly));
        let s = r.stats();
        assert_eq!((s.duplicate, s.late, s.too_early), (2, 1, 1));
        assert!(r.push(5, &[]).is_err());
        assert_eq!(r.stats().invalid, 1);
    }

    #[test]
    fn stream_start_takes_the_lowest_number_and_wraps() {
        let mut r = rx(1);
        r.push(1, &SILENCE).expect("push");
        let mut pcm = vec![0f32; r.max_frame_samples()];
        assert_eq!(r.pull(&mut pcm), Err(Error::NotReady));
        r.push(65535, &SILENCE).expect("push");
        let got: Vec<u32> = drain(&mut r).iter().map(|f| f.0 as u16 as u32).collect();
        assert_eq!(got, vec![65535]);
        // 0 is missing within the window; forced, it is concealed; then 1 plays.
        let f = r.pull_now(&mut pcm).expect("pull");
        assert_eq!((f.seq as u16, f.source), (0, Source::DeepPlc));
        assert_eq!(r.pull(&mut pcm).expect("pull").seq as u16, 1);
        r.reset();
        assert_eq!(r.next_seq(), None);
        assert_eq!(r.pull_now(&mut pcm), Err(Error::NotReady));
    }

    #[test]
    fn forced_pull_conceals_without_a_later_packet() {
        let mut r = rx(3);
        r.push(7, &SILENCE).expect("push");
        let mut pcm = vec![0f32; r.max_frame_samples()];
        assert_eq!(r.pull_now(&mut pcm).expect("pull").source, Source::Packet);
        assert_eq!(r.pull(&mut pcm), Err(Error::NotReady));
        let f = r.pull_now(&mut pcm).expect("pull");
        assert_eq!((f.seq, f.samples, f.source), (8, 960, Source::DeepPlc));
        assert_eq!(r.push(8, &SILENCE), Ok(PushOutcome::Late));
    }
}

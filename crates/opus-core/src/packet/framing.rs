//! Frame packing (RFC 6716 section 3.2) and its self-delimited variant
//! (RFC 6716 appendix B).
//!
//! Input: the bytes of one Opus packet. Output: a [`ParsedPacket`] holding
//! the TOC byte, where each of the (at most 48) frames starts and how long
//! it is, where the padding lies, and how many bytes the packet used. The
//! parser follows libopus 1.6.1's `opus_packet_parse_impl` check for check,
//! so it accepts and rejects the same packets and finds the same frame
//! boundaries. Nothing is allocated.
//!
//! The rules it enforces (RFC 6716 section 3.4, R1 to R7):
//!
//! - a packet holds at least the TOC byte;
//! - no frame is longer than 1275 bytes;
//! - code 1 splits an even number of bytes into two equal frames;
//! - code 2's first length fits in the packet;
//! - code 3 holds 1 to 48 frames and at most 120 ms, its padding fits, its
//!   CBR frames divide the remaining bytes evenly, and its VBR lengths fit.

use core::ops::Range;

use super::extensions::ExtensionIterator;
use super::toc::{Mode, Toc};
use super::{MAX_FRAMES, MAX_FRAME_BYTES, MAX_PACKET_SAMPLES_48K};
use crate::Error;

/// Where the parts of one packet lie, as offsets into the bytes parsed.
///
/// Offsets count from the TOC byte. Entries past [`frame_count`] in the
/// frame tables are zero.
///
/// [`frame_count`]: ParsedPacket::frame_count
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPacket {
    toc: u8,
    frame_count: usize,
    frame_offsets: [usize; MAX_FRAMES],
    frame_sizes: [u16; MAX_FRAMES],
    payload_offset: usize,
    padding_offset: usize,
    padding_len: usize,
    packet_len: usize,
}

impl ParsedPacket {
    /// The TOC byte.
    pub fn toc(&self) -> Toc {
        Toc(self.toc)
    }

    /// The number of frames, 1 to 48.
    pub fn frame_count(&self) -> usize {
        self.frame_count
    }

    /// The size in bytes of each frame, one entry per frame. A size of 0
    /// is legal and asks the decoder to conceal that frame.
    pub fn frame_sizes(&self) -> &[u16] {
        &self.frame_sizes[..self.frame_count]
    }

    /// The offset of each frame's first byte, one entry per frame.
    pub fn frame_offsets(&self) -> &[usize] {
        &self.frame_offsets[..self.frame_count]
    }

    /// The byte range of frame `index`, or `None` past the last frame.
    pub fn frame_range(&self, index: usize) -> Option<Range<usize>> {
        if index >= self.frame_count {
            return None;
        }
        let start = self.frame_offsets[index];
        Some(start..start + usize::from(self.frame_sizes[index]))
    }

    /// The bytes of frame `index` within `data` (the slice that was parsed),
    /// or `None` past the last frame or if `data` is not that slice.
    pub fn frame<'a>(&self, data: &'a [u8], index: usize) -> Option<&'a [u8]> {
        data.get(self.frame_range(index)?)
    }

    /// The bytes of every frame within `data` (the slice that was parsed).
    pub fn frames<'a>(&'a self, data: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        (0..self.frame_count).map(move |i| self.frame(data, i).unwrap_or(&[]))
    }

    /// The offset of the first frame's data: the length of the headers
    /// (TOC, frame-count byte, padding length, frame lengths).
    pub fn payload_offset(&self) -> usize {
        self.payload_offset
    }

    /// The offset of the padding, just after the last frame.
    pub fn padding_offset(&self) -> usize {
        self.padding_offset
    }

    /// The number of padding bytes (not counting the bytes that code the
    /// padding length). Only code 3 packets have padding.
    pub fn padding_len(&self) -> usize {
        self.padding_len
    }

    /// The byte range of the padding.
    pub fn padding_range(&self) -> Range<usize> {
        self.padding_offset..self.padding_offset + self.padding_len
    }

    /// The padding bytes within `data` (the slice that was parsed); empty if
    /// `data` is not that slice.
    pub fn padding<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        data.get(self.padding_range()).unwrap_or(&[])
    }

    /// The number of bytes the packet occupies (libopus's `packet_offset`).
    /// For standard framing it is the length parsed; for self-delimited
    /// framing it is where the next packet starts.
    pub fn packet_len(&self) -> usize {
        self.packet_len
    }

    /// Samples per channel in the whole packet at the rate `fs`.
    pub fn samples(&self, fs: u32) -> usize {
        self.toc().samples_per_frame(fs) as usize * self.frame_count
    }

    /// An iterator over the padding extensions of this packet (see
    /// [`super::extensions`]); `data` is the slice that was parsed.
    pub fn extensions<'a>(&self, data: &'a [u8]) -> ExtensionIterator<'a> {
        // frame_count is 1..=48, so this cannot fail.
        ExtensionIterator::new(self.padding(data), self.frame_count)
            .unwrap_or_else(|_| ExtensionIterator::empty())
    }
}

/// Parse a packet in standard framing (libopus `opus_packet_parse`).
///
/// # Errors
///
/// [`Error::InvalidPacket`] for any packet libopus rejects, naming the
/// violated rule; [`Error::BadArg`] for a slice longer than `i32::MAX`
/// bytes, which libopus cannot be given.
pub fn parse(data: &[u8]) -> Result<ParsedPacket, Error> {
    parse_with(data, false)
}

/// Parse a self-delimited packet at the start of `data` (libopus
/// `opus_packet_parse_impl` with `self_delimited` set). Bytes after
/// [`ParsedPacket::packet_len`] belong to the next packet.
///
/// # Errors
///
/// As [`parse`].
pub fn parse_self_delimited(data: &[u8]) -> Result<ParsedPacket, Error> {
    parse_with(data, true)
}

/// Read a frame length at `pos`, with at most `len` bytes available there.
fn length_at(data: &[u8], pos: usize, len: i64) -> Option<(i64, i64)> {
    let avail = usize::try_from(len.clamp(0, 2)).unwrap_or(0);
    let bytes = data.get(pos..)?;
    let (size, used) =
        super::self_delimited::read_frame_length(&bytes[..avail.min(bytes.len())]).ok()?;
    Some((i64::from(size), used as i64))
}

fn invalid(why: &'static str) -> Error {
    Error::InvalidPacket(why)
}

/// Parse a packet in either framing.
///
/// # Errors
///
/// As [`parse`].
pub fn parse_with(data: &[u8], self_delimited: bool) -> Result<ParsedPacket, Error> {
    if data.len() > i32::MAX as usize {
        return Err(Error::BadArg("packet longer than i32::MAX bytes"));
    }
    let Some(&toc) = data.first() else {
        return Err(invalid("empty packet"));
    };
    let frame_size = i64::from(Toc(toc).samples_per_frame_48k());
    // `len` counts the bytes not yet assigned to headers, frames or padding,
    // mirroring libopus; it can go negative before a check catches it.
    let mut pos = 1usize;
    let mut len = data.len() as i64 - 1;
    let mut last_size = len;
    let mut sizes = [0i64; MAX_FRAMES];
    let mut pad = 0i64;
    let mut cbr = false;
    let count: usize;
    match toc & 0x3 {
        0 => count = 1,
        1 => {
            count = 2;
            cbr = true;
            if !self_delimited {
                if len & 1 != 0 {
                    return Err(invalid("code 1 packet with an odd payload length"));
                }
                last_size = len / 2;
                sizes[0] = last_size;
            }
        }
        2 => {
            count = 2;
            let (size, bytes) =
                length_at(data, pos, len).ok_or(invalid("code 2 packet without a frame length"))?;
            len -= bytes;
            if size > len {
                return Err(invalid("code 2 first frame longer than the packet"));
            }
            pos += bytes as usize;
            sizes[0] = size;
            last_size = len - size;
        }
        _ => {
            // Section 3.2.5: the frame-count byte is v|p|M (VBR, padding, count).
            let Some(&ch) = data.get(pos).filter(|_| len >= 1) else {
                return Err(invalid("code 3 packet without a frame-count byte"));
            };
            pos += 1;
            count = usize::from(ch & 0x3F);
            if count == 0 {
                return Err(invalid("code 3 packet with zero frames"));
            }
            if frame_size * count as i64 > i64::from(MAX_PACKET_SAMPLES_48K) {
                return Err(invalid("code 3 packet longer than 120 ms"));
            }
            len -= 1;
            if ch & 0x40 != 0 {
                // Padding length: each 255 adds 254 bytes and continues.
                loop {
                    if len <= 0 {
                        return Err(invalid("padding length runs past the packet"));
                    }
                    let p = *data
                        .get(pos)
                        .ok_or(invalid("padding length runs past the packet"))?;
                    pos += 1;
                    len -= 1;
                    let chunk = if p == 255 { 254 } else { i64::from(p) };
                    len -= chunk;
                    pad += chunk;
                    if p != 255 {
                        break;
                    }
                }
            }
            if len < 0 {
                return Err(invalid("padding longer than the packet"));
            }
            cbr = ch & 0x80 == 0;
            if !cbr {
                last_size = len;
                for size_slot in sizes.iter_mut().take(count - 1) {
                    let (size, bytes) = length_at(data, pos, len)
                        .ok_or(invalid("code 3 VBR frame length missing"))?;
                    len -= bytes;
                    if size > len {
                        return Err(invalid("code 3 VBR frame longer than the packet"));
                    }
                    pos += bytes as usize;
                    *size_slot = size;
                    last_size -= bytes + size;
                }
                if last_size < 0 {
                    return Err(invalid("code 3 VBR frames longer than the packet"));
                }
            } else if !self_delimited {
                last_size = len / count as i64;
                if last_size * count as i64 != len {
                    return Err(invalid(
                        "code 3 CBR payload not a multiple of the frame count",
                    ));
                }
                for size_slot in sizes.iter_mut().take(count - 1) {
                    *size_slot = last_size;
                }
            }
        }
    }
    if self_delimited {
        // Appendix B: one more length, for the last frame (all frames if CBR).
        let (size, bytes) =
            length_at(data, pos, len).ok_or(invalid("self-delimited frame length missing"))?;
        len -= bytes;
        if size > len {
            return Err(invalid("self-delimited frame longer than the packet"));
        }
        pos += bytes as usize;
        sizes[count - 1] = size;
        if cbr {
            if size * count as i64 > len {
                return Err(invalid("self-delimited CBR frames longer than the packet"));
            }
            for size_slot in sizes.iter_mut().take(count - 1) {
                *size_slot = size;
            }
        } else if bytes + size > last_size {
            return Err(invalid("self-delimited frame longer than the packet"));
        }
    } else {
        // The implicit last frame (or CBR frame) must obey the 1275-byte limit.
        if last_size > MAX_FRAME_BYTES as i64 {
            return Err(invalid("frame longer than 1275 bytes"));
        }
        sizes[count - 1] = last_size;
    }

    let mut parsed = ParsedPacket {
        toc,
        frame_count: count,
        frame_offsets: [0; MAX_FRAMES],
        frame_sizes: [0; MAX_FRAMES],
        payload_offset: pos,
        padding_offset: 0,
        padding_len: 0,
        packet_len: 0,
    };
    for i in 0..count {
        // Every size is in 0..=1275 here: read lengths are at most 1275 and
        // implicit ones were checked above.
        let size = u16::try_from(sizes[i]).map_err(|_| invalid("frame size out of range"))?;
        parsed.frame_offsets[i] = pos;
        parsed.frame_sizes[i] = size;
        pos += usize::from(size);
    }
    let pad = usize::try_from(pad).map_err(|_| invalid("padding out of range"))?;
    parsed.padding_offset = pos;
    parsed.padding_len = pad;
    parsed.packet_len = pos + pad;
    debug_assert!(parsed.packet_len <= data.len());
    Ok(parsed)
}

/// The number of frames in a packet, read from its first bytes only
/// (libopus `opus_packet_get_nb_frames`). As in libopus, a code 3 packet
/// whose count field is 0 gives `Ok(0)`; [`parse`] rejects it.
///
/// # Errors
///
/// - [`Error::BadArg`] for an empty slice (libopus's code for this case).
/// - [`Error::InvalidPacket`] for a code 3 packet without its count byte.
pub fn nb_frames(packet: &[u8]) -> Result<usize, Error> {
    match packet {
        [] => Err(Error::BadArg("empty packet")),
        [toc, rest @ ..] => match toc & 0x3 {
            0 => Ok(1),
            1 | 2 => Ok(2),
            _ => rest
                .first()
                .map(|ch| usize::from(ch & 0x3F))
                .ok_or(invalid("code 3 packet without a frame-count byte")),
        },
    }
}

/// The number of samples per channel in a packet at the rate `fs`
/// (libopus `opus_packet_get_nb_samples`). Only the first bytes are read.
///
/// # Errors
///
/// Those of [`nb_frames`], and [`Error::InvalidPacket`] if the packet
/// would last more than 120 ms.
pub fn nb_samples(packet: &[u8], fs: u32) -> Result<usize, Error> {
    let count = nb_frames(packet)? as u64;
    let toc = Toc(packet.first().copied().unwrap_or(0));
    let samples = count * u64::from(toc.samples_per_frame(fs));
    if samples * 25 > u64::from(fs) * 3 {
        return Err(invalid("packet longer than 120 ms"));
    }
    usize::try_from(samples).map_err(|_| invalid("packet longer than 120 ms"))
}

/// Whether the first SILK frame of a packet carries low-bit-rate
/// redundancy (LBRR, in-band FEC) for the previous packet, as libopus
/// `opus_packet_has_lbrr` reads it from the first frame's header bits.
///
/// CELT-only packets give `Ok(false)` without being parsed, as in libopus.
///
/// # Errors
///
/// Those of [`parse`]. libopus reads the TOC of an empty packet before
/// checking its length; here an empty packet is always invalid.
pub fn has_lbrr(packet: &[u8]) -> Result<bool, Error> {
    let Some(&toc) = packet.first() else {
        return Err(invalid("empty packet"));
    };
    let toc = Toc(toc);
    if toc.mode() == Mode::CeltOnly {
        return Ok(false);
    }
    // 40 and 60 ms SILK frames hold 2 or 3 20 ms frames, each with a VAD
    // flag before the LBRR flag.
    let silk_frames = (toc.samples_per_frame_48k() / 960).max(1);
    let parsed = parse(packet)?;
    let Some(&first) = parsed.frame(packet, 0).and_then(|f| f.first()) else {
        return Ok(false);
    };
    let mut lbrr = (first >> (7 - silk_frames)) & 1 != 0;
    if toc.is_stereo() {
        lbrr |= (first >> (6 - 2 * silk_frames)) & 1 != 0;
    }
    Ok(lbrr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0xF4A3_1716;

    fn sizes(p: &ParsedPacket) -> Vec<u16> {
        p.frame_sizes().to_vec()
    }

    fn rejected(data: &[u8]) -> bool {
        matches!(parse(data), Err(Error::InvalidPacket(_)))
    }

    // Config 1 = SILK NB 20 ms; config 16 = CELT NB 2.5 ms; config 3 = SILK NB 60 ms.
    const SILK20: u8 = 1 << 3;
    const CELT2_5: u8 = 16 << 3;
    const SILK60: u8 = 3 << 3;

    #[test]
    fn r1_empty_packet_is_invalid() {
        assert_eq!(parse(&[]), Err(Error::InvalidPacket("empty packet")));
        assert!(parse_self_delimited(&[]).is_err());
    }

    #[test]
    fn code0_single_frame() {
        let p = parse(&[SILK20]).unwrap();
        assert_eq!((p.frame_count(), sizes(&p)), (1, vec![0]));
        assert_eq!(
            (
                p.payload_offset(),
                p.padding_offset(),
                p.padding_len(),
                p.packet_len()
            ),
            (1, 1, 0, 1)
        );
        let data = [SILK20, 1, 2, 3];
        let p = parse(&data).unwrap();
        assert_eq!(p.frame(&data, 0), Some(&data[1..]));
        assert_eq!(p.frame(&data, 1), None);
        assert_eq!(p.samples(48000), 960);
    }

    #[test]
    fn r2_frame_longer_than_1275_is_invalid() {
        let mut data = vec![0u8; 1277];
        data[0] = SILK20;
        assert_eq!(parse(&data[..1276]).unwrap().frame_sizes(), &[1275]);
        assert!(rejected(&data));
        // Code 1: 2 x 1275 passes, 2 x 1276 does not.
        let mut data = vec![0u8; 2553];
        data[0] = SILK20 | 1;
        assert_eq!(parse(&data[..2551]).unwrap().frame_sizes(), &[1275, 1275]);
        assert!(rejected(&data));
    }

    #[test]
    fn r3_code1_needs_even_payload() {
        let p = parse(&[SILK20 | 1, 7, 8]).unwrap();
        assert_eq!(sizes(&p), vec![1, 1]);
        assert_eq!(p.frame_offsets(), &[1, 2]);
        assert!(rejected(&[SILK20 | 1, 7]));
        assert_eq!(sizes(&parse(&[SILK20 | 1]).unwrap()), vec![0, 0]);
    }

    #[test]
    fn r4_code2_lengths() {
        let p = parse(&[SILK20 | 2, 1, 0xAA, 0xBB, 0xCC]).unwrap();
        assert_eq!(sizes(&p), vec![1, 2]);
        assert_eq!(p.frame_offsets(), &[2, 3]);
        assert_eq!(p.payload_offset(), 2);
        // First length equal to the rest: second frame empty.
        assert_eq!(sizes(&parse(&[SILK20 | 2, 2, 1, 2]).unwrap()), vec![2, 0]);
        // Length too long, missing, or cut short.
        assert!(rejected(&[SILK20 | 2, 3, 1, 2]));
        assert!(rejected(&[SILK20 | 2]));
        assert!(rejected(&[SILK20 | 2, 252]));
        // Two-byte length: 252 + 4*1 = 256.
        let mut data = vec![0u8; 3 + 256 + 5];
        data[0] = SILK20 | 2;
        data[1] = 252;
        data[2] = 1;
        assert_eq!(sizes(&parse(&data).unwrap()), vec![256, 5]);
        // The implicit second frame is limited to 1275 bytes too.
        let mut data = vec![0u8; 2 + 1276];
        data[0] = SILK20 | 2;
        assert!(rejected(&data));
    }

    #[test]
    fn r5_code3_frame_count_and_duration() {
        assert!(rejected(&[SILK20 | 3]));
        assert!(rejected(&[SILK20 | 3, 0]));
        // 6 x 20 ms = 120 ms is fine, 7 x 20 ms is not.
        assert_eq!(parse(&[SILK20 | 3, 6]).unwrap().frame_count(), 6);
        assert!(rejected(&[SILK20 | 3, 7]));
        // 48 x 2.5 ms is the most frames a packet can hold.
        assert_eq!(parse(&[CELT2_5 | 3, 48]).unwrap().frame_count(), 48);
        assert!(rejected(&[CELT2_5 | 3, 49]));
        assert_eq!(parse(&[SILK60 | 3, 2]).unwrap().frame_count(), 2);
        assert!(rejected(&[SILK60 | 3, 3]));
    }

    #[test]
    fn r6_code3_cbr() {
        let p = parse(&[SILK20 | 3, 3, 1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(sizes(&p), vec![2, 2, 2]);
        assert_eq!(p.frame_offsets(), &[2, 4, 6]);
        assert!(rejected(&[SILK20 | 3, 3, 1, 2, 3, 4, 5]));
        // Padding: 0x40 flag, one length byte of 2, two padding bytes at the end.
        let data = [SILK20 | 3, 0x40 | 2, 2, 1, 2, 3, 4, 0, 0];
        let p = parse(&data).unwrap();
        assert_eq!(sizes(&p), vec![2, 2]);
        assert_eq!(
            (p.padding_offset(), p.padding_len(), p.packet_len()),
            (7, 2, 9)
        );
        assert_eq!(p.padding(&data), &[0, 0]);
        // A padding length of 255 means 254 bytes and another length byte.
        let mut data = vec![0u8; 2 + 2 + 4 + 257];
        data[0] = SILK20 | 3;
        data[1] = 0x40 | 2;
        data[2] = 255;
        data[3] = 3;
        let p = parse(&data).unwrap();
        assert_eq!((p.padding_len(), sizes(&p)), (257, vec![2, 2]));
        assert_eq!(p.payload_offset(), 4);
        // Padding longer than the packet, or a length chain that runs off the end.
        assert!(rejected(&[SILK20 | 3, 0x41, 5, 0, 0]));
        assert!(rejected(&[SILK20 | 3, 0x41]));
        assert!(rejected(&[SILK20 | 3, 0x41, 255, 0, 0]));
        // Padding that takes every byte leaves empty frames.
        assert_eq!(
            sizes(&parse(&[SILK20 | 3, 0x42, 2, 0, 0]).unwrap()),
            vec![0, 0]
        );
        // Implicit CBR frame size limit.
        let mut data = vec![0u8; 2 + 1276];
        data[0] = SILK20 | 3;
        data[1] = 1;
        assert!(rejected(&data));
    }

    #[test]
    fn r7_code3_vbr() {
        let data = [SILK20 | 3, 0x80 | 3, 1, 0, 0xA, 0xB, 0xC];
        let p = parse(&data).unwrap();
        assert_eq!(sizes(&p), vec![1, 0, 2]);
        assert_eq!(p.frame_offsets(), &[4, 5, 5]);
        assert_eq!(p.payload_offset(), 4);
        // A length that overruns, and lengths that sum past the end.
        assert!(rejected(&[SILK20 | 3, 0x80 | 2, 5, 1]));
        assert!(rejected(&[SILK20 | 3, 0x80 | 3, 2, 2, 1, 1, 1]));
        assert!(rejected(&[SILK20 | 3, 0x80 | 3, 1]));
        // VBR with padding.
        let data = [SILK20 | 3, 0xC0 | 2, 1, 1, 0xA, 0xB, 0];
        let p = parse(&data).unwrap();
        assert_eq!((sizes(&p), p.padding_range()), (vec![1, 1], 6..7));
        // The last VBR frame obeys the 1275-byte limit.
        let mut data = vec![0u8; 3 + 1276];
        data[0] = SILK20 | 3;
        data[1] = 0x80 | 2;
        assert!(rejected(&data));
        data.pop();
        assert_eq!(sizes(&parse(&data).unwrap()), vec![0, 1275]);
    }

    #[test]
    fn self_delimited_each_code() {
        // Code 0: one length, then trailing bytes of the next packet.
        let p = parse_self_delimited(&[SILK20, 2, 9, 9, 7, 7]).unwrap();
        assert_eq!(
            (sizes(&p), p.payload_offset(), p.packet_len()),
            (vec![2], 2, 4)
        );
        assert!(parse_self_delimited(&[SILK20, 3, 9, 9]).is_err());
        assert!(parse_self_delimited(&[SILK20]).is_err());
        // Code 1: the length applies to both frames.
        let p = parse_self_delimited(&[SILK20 | 1, 2, 1, 2, 3, 4, 5]).unwrap();
        assert_eq!((sizes(&p), p.packet_len()), (vec![2, 2], 6));
        assert!(parse_self_delimited(&[SILK20 | 1, 2, 1, 2, 3]).is_err());
        // Code 2: explicit first, then the self-delimiting second length.
        let p = parse_self_delimited(&[SILK20 | 2, 1, 2, 0xA, 0xB, 0xC, 0xFF]).unwrap();
        assert_eq!((sizes(&p), p.packet_len()), (vec![1, 2], 6));
        assert!(parse_self_delimited(&[SILK20 | 2, 1, 3, 0xA, 0xB, 0xC]).is_err());
        // Code 3 CBR with padding: padding follows the frames.
        let data = [SILK20 | 3, 0x42, 1, 1, 5, 6, 0, 0xEE];
        let p = parse_self_delimited(&data).unwrap();
        assert_eq!(
            (sizes(&p), p.padding_range(), p.packet_len()),
            (vec![1, 1], 6..7, 7)
        );
        // Code 3 VBR.
        let data = [SILK20 | 3, 0x83, 1, 0, 2, 0xA, 0xB, 0xC, 0xEE];
        let p = parse_self_delimited(&data).unwrap();
        assert_eq!(
            (sizes(&p), p.payload_offset(), p.packet_len()),
            (vec![1, 0, 2], 5, 8)
        );
        assert!(parse_self_delimited(&[SILK20 | 3, 0x83, 1, 0, 3, 0xA, 0xB, 0xC]).is_err());
    }

    #[test]
    fn nb_frames_and_samples() {
        assert_eq!(nb_frames(&[]), Err(Error::BadArg("empty packet")));
        assert_eq!(nb_frames(&[SILK20]), Ok(1));
        assert_eq!(nb_frames(&[SILK20 | 1]), Ok(2));
        assert_eq!(nb_frames(&[SILK20 | 2]), Ok(2));
        assert!(matches!(
            nb_frames(&[SILK20 | 3]),
            Err(Error::InvalidPacket(_))
        ));
        assert_eq!(nb_frames(&[SILK20 | 3, 0]), Ok(0));
        assert_eq!(nb_frames(&[SILK20 | 3, 0xC5]), Ok(5));
        assert_eq!(nb_samples(&[SILK20 | 3, 6], 48000), Ok(5760));
        assert_eq!(nb_samples(&[SILK20 | 3, 6], 8000), Ok(960));
        assert!(nb_samples(&[SILK20 | 3, 7], 48000).is_err());
        assert_eq!(nb_samples(&[SILK20 | 3, 0], 48000), Ok(0));
        assert_eq!(nb_samples(&[CELT2_5 | 1], 16000), Ok(80));
    }

    #[test]
    fn lbrr_flags() {
        // SILK 20 ms mono: bit 6 of the first byte is the LBRR flag.
        assert_eq!(has_lbrr(&[SILK20, 0x40]), Ok(true));
        assert_eq!(has_lbrr(&[SILK20, 0x80]), Ok(false));
        // 60 ms: three VAD bits, then LBRR at bit 4.
        assert_eq!(has_lbrr(&[SILK60, 0x10]), Ok(true));
        // Stereo 20 ms: the side channel's LBRR flag is bit 4.
        assert_eq!(has_lbrr(&[SILK20 | 4, 0x10]), Ok(true));
        assert_eq!(has_lbrr(&[SILK20 | 4, 0x20]), Ok(false));
        // CELT never has LBRR, even when malformed; empty frames have none.
        assert_eq!(has_lbrr(&[CELT2_5 | 3]), Ok(false));
        assert_eq!(has_lbrr(&[SILK20]), Ok(false));
        assert!(has_lbrr(&[SILK20 | 3]).is_err());
        assert!(has_lbrr(&[]).is_err());
    }

    /// An independent reading of RFC 6716 section 3 for valid/invalid only.
    fn rfc_accepts(data: &[u8]) -> Option<Vec<u16>> {
        let (&toc, rest) = data.split_first()?;
        let read = |d: &[u8]| -> Option<(usize, usize)> {
            match d {
                [a, ..] if *a < 252 => Some((usize::from(*a), 1)),
                [a, b, ..] => Some((usize::from(*a) + 4 * usize::from(*b), 2)),
                _ => None,
            }
        };
        let ok = |v: Vec<usize>| -> Option<Vec<u16>> {
            v.iter()
                .all(|&s| s <= 1275)
                .then(|| v.iter().map(|&s| s as u16).collect())
        };
        match toc & 3 {
            0 => ok(vec![rest.len()]),
            1 => (rest.len() % 2 == 0).then(|| ok(vec![rest.len() / 2; 2]))?,
            2 => {
                let (n, used) = read(rest)?;
                let left = rest.len() - used;
                (n <= left).then(|| ok(vec![n, left - n]))?
            }
            _ => {
                let (&ch, mut rest) = rest.split_first()?;
                let m = usize::from(ch & 0x3F);
                let dur = Toc(toc).samples_per_frame_48k() as usize * m;
                if m == 0 || dur > 5760 {
                    return None;
                }
                let mut pad = 0usize;
                if ch & 0x40 != 0 {
                    loop {
                        let (&p, r) = rest.split_first()?;
                        rest = r;
                        pad += if p == 255 { 254 } else { usize::from(p) };
                        if p != 255 {
                            break;
                        }
                    }
                }
                let mut avail = rest.len().checked_sub(pad)?;
                if ch & 0x80 == 0 {
                    (avail % m == 0).then(|| ok(vec![avail / m; m]))?
                } else {
                    let mut v = Vec::new();
                    for _ in 0..m - 1 {
                        let (n, used) = read(&rest[..avail])?;
                        rest = &rest[used..];
                        avail -= used;
                        v.push(n);
                    }
                    let total: usize = v.iter().sum();
                    v.push(avail.checked_sub(total)?);
                    ok(v)
                }
            }
        }
    }

    #[test]
    fn random_packets_agree_with_rfc_reading_and_never_panic() {
        let mut rng = StdRng::seed_from_u64(RNG_SEED);
        let mut buf = vec![0u8; 3000];
        let mut accepted = 0;
        for iter in 0..200_000 {
            let len = match iter % 4 {
                0 => rng.gen_range(0..8),
                1 => rng.gen_range(0..64),
                2 => rng.gen_range(0..600),
                _ => rng.gen_range(0..3000),
            };
            rng.fill(&mut buf[..len]);
            if len > 1 && rng.gen_bool(0.5) {
                // Bias toward code 3 with few frames so more packets are valid.
                buf[0] |= 3;
                buf[1] = (buf[1] & 0xC0) | rng.gen_range(0..4);
            }
            let data = &buf[..len];
            let ours = parse(data);
            let want = rfc_accepts(data);
            assert_eq!(
                ours.as_ref().ok().map(|p| p.frame_sizes().to_vec()),
                want,
                "{data:?}"
            );
            if let Ok(p) = &ours {
                accepted += 1;
                assert_eq!(p.packet_len(), len);
                let total: usize = p.frame_sizes().iter().map(|&s| usize::from(s)).sum();
                assert_eq!(p.payload_offset() + total, p.padding_offset());
                for i in 0..p.frame_count() {
                    assert!(p.frame(data, i).is_some());
                }
                let _ = p.extensions(data).count();
            }
            if let Ok(p) = parse_self_delimited(data) {
                assert!(p.packet_len() <= len);
                assert!(p.padding_range().end <= len);
            }
            let _ = nb_samples(data, 48000);
            let _ = has_lbrr(data);
        }
        assert!(accepted > 10_000, "only {accepted} valid packets");
    }
}

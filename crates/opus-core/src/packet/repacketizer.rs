//! The repacketizer: merging packets, splitting them, and padding or
//! unpadding one (libopus `repacketizer.c`, RFC 6716 section 3.2).
//!
//! Input: whole packets that share a TOC configuration, added with
//! [`Repacketizer::cat`]. Output: a new packet holding any run of their
//! frames, written into a caller-provided buffer, with the most compact
//! frame packing code; its length is returned. Padding extensions of the
//! packets whose first frame is in the run are carried over, renumbered
//! to the new frame positions, as libopus 1.6.1 does.
//!
//! The repacketizer borrows the packets, so they must outlive it. It never
//! allocates, except for the list of carried extensions when there are
//! any (its size is bounded by the padding it reads).

use super::extensions::{generate_into, generated_extensions_len, Extension, ExtensionIterator};
use super::framing::{nb_frames, parse_with};
use super::self_delimited::{frame_length_size, write_frame_length};
use super::toc::Toc;
use super::MAX_FRAMES;
use crate::Error;

/// The most samples at 8 kHz one output packet may hold (120 ms).
const MAX_SAMPLES_8K: usize = 960;

/// Frames gathered from one or more packets with the same configuration.
#[derive(Debug, Clone)]
pub struct Repacketizer<'a> {
    toc: u8,
    nb_frames: usize,
    /// Samples per frame at 8 kHz, set by the first packet.
    frame_size_8k: usize,
    frames: [&'a [u8]; MAX_FRAMES],
    /// The padding of each packet, stored at the index of its first frame;
    /// empty elsewhere.
    paddings: [&'a [u8]; MAX_FRAMES],
    /// The frame count of the packet each padding came from.
    padding_nb_frames: [u8; MAX_FRAMES],
}

impl Default for Repacketizer<'_> {
    fn default() -> Self {
        Self::new()
    }
}

fn invalid(why: &'static str) -> Error {
    Error::InvalidPacket(why)
}

/// Bounds-checked writing into the output packet.
struct Out<'o> {
    buf: &'o mut [u8],
    pos: usize,
}

impl Out<'_> {
    fn put(&mut self, byte: u8) -> Result<(), Error> {
        let slot = self
            .buf
            .get_mut(self.pos)
            .ok_or(Error::Internal("repacketizer overran its size check"))?;
        *slot = byte;
        self.pos += 1;
        Ok(())
    }

    fn put_slice(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let end = self.pos + bytes.len();
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(Error::Internal("repacketizer overran its size check"))?;
        dst.copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    fn put_length(&mut self, length: usize) -> Result<(), Error> {
        let rest = self.buf.get_mut(self.pos..).unwrap_or(&mut []);
        self.pos += write_frame_length(length, rest)
            .map_err(|_| Error::Internal("repacketizer overran its size check"))?;
        Ok(())
    }
}

impl<'a> Repacketizer<'a> {
    /// An empty repacketizer (libopus `opus_repacketizer_init`).
    pub fn new() -> Self {
        Repacketizer {
            toc: 0,
            nb_frames: 0,
            frame_size_8k: 0,
            frames: [&[]; MAX_FRAMES],
            paddings: [&[]; MAX_FRAMES],
            padding_nb_frames: [0; MAX_FRAMES],
        }
    }

    /// Drop every frame so a new set can be gathered.
    pub fn reset(&mut self) {
        self.nb_frames = 0;
    }

    /// The number of frames gathered (libopus `opus_repacketizer_get_nb_frames`).
    pub fn nb_frames(&self) -> usize {
        self.nb_frames
    }

    /// The TOC byte of the first packet added, if any.
    pub fn toc(&self) -> Option<Toc> {
        (self.nb_frames > 0).then_some(Toc(self.toc))
    }

    /// The data of gathered frame `index`.
    pub fn frame(&self, index: usize) -> Option<&'a [u8]> {
        (index < self.nb_frames).then(|| self.frames[index])
    }

    /// Add the frames of a packet in standard framing (libopus
    /// `opus_repacketizer_cat`). The padding is kept for its extensions.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPacket`] if the packet is malformed, if its TOC
    /// differs from the first packet's in anything but the frame-count code,
    /// or if the frames gathered would last more than 120 ms. The
    /// repacketizer is unchanged then.
    pub fn cat(&mut self, packet: &'a [u8]) -> Result<(), Error> {
        self.cat_impl(packet, false)
    }

    /// As [`cat`](Repacketizer::cat), for a self-delimited packet that
    /// fills `packet` exactly.
    ///
    /// # Errors
    ///
    /// As [`cat`](Repacketizer::cat).
    pub fn cat_self_delimited(&mut self, packet: &'a [u8]) -> Result<(), Error> {
        self.cat_impl(packet, true)
    }

    fn cat_impl(&mut self, packet: &'a [u8], self_delimited: bool) -> Result<(), Error> {
        let Some(&toc) = packet.first() else {
            return Err(invalid("empty packet"));
        };
        let frame_size_8k = if self.nb_frames == 0 {
            Toc(toc).samples_per_frame(8000) as usize
        } else if self.toc & 0xFC != toc & 0xFC {
            return Err(invalid(
                "packet configuration differs from the first packet's",
            ));
        } else {
            self.frame_size_8k
        };
        let count = match nb_frames(packet) {
            Ok(n) if n >= 1 => n,
            _ => return Err(invalid("packet without frames")),
        };
        if (count + self.nb_frames) * frame_size_8k > MAX_SAMPLES_8K {
            return Err(invalid("repacketized frames would exceed 120 ms"));
        }
        let parsed = parse_with(packet, self_delimited)?;
        let base = self.nb_frames;
        for (i, range) in (0..parsed.frame_count())
            .filter_map(|i| parsed.frame_range(i))
            .enumerate()
        {
            self.frames[base + i] = packet.get(range).unwrap_or(&[]);
            self.paddings[base + i] = &[];
            self.padding_nb_frames[base + i] = 0;
        }
        self.paddings[base] = parsed.padding(packet);
        self.padding_nb_frames[base] = parsed.frame_count() as u8;
        self.toc = if base == 0 { toc } else { self.toc };
        self.frame_size_8k = frame_size_8k;
        self.nb_frames += parsed.frame_count();
        Ok(())
    }

    /// Write frames `begin..end` as one packet into `out` and return its
    /// length (libopus `opus_repacketizer_out_range`). Extensions are
    /// carried over.
    ///
    /// # Errors
    ///
    /// As [`out_range_with`](Repacketizer::out_range_with).
    pub fn out_range(&self, begin: usize, end: usize, out: &mut [u8]) -> Result<usize, Error> {
        self.out_range_with(begin, end, out, false, false, &[])
    }

    /// Write every frame as one packet into `out` and return its length
    /// (libopus `opus_repacketizer_out`).
    ///
    /// # Errors
    ///
    /// As [`out_range_with`](Repacketizer::out_range_with).
    pub fn out(&self, out: &mut [u8]) -> Result<usize, Error> {
        self.out_range_with(0, self.nb_frames, out, false, false, &[])
    }

    /// Write frames `begin..end` as one packet into `out` and return its
    /// length (libopus `opus_repacketizer_out_range_impl`).
    ///
    /// - `self_delimited` writes appendix B framing.
    /// - `pad` fills `out` completely, with padding (zeros, or 0x01 padding
    ///   elements in front of the extensions when there are any).
    /// - `extensions` are added to those carried from the padding of the
    ///   packets whose first frame lies in the range; frame numbers are
    ///   relative to `begin`.
    ///
    /// Without padding or extensions, one frame is written as code 0, two as
    /// code 1 or 2, more as code 3 (CBR when all sizes match).
    ///
    /// # Errors
    ///
    /// - [`Error::BadArg`] if the range is empty or past the last frame, or
    ///   for extensions [`super::extensions::generate_extensions`] refuses
    ///   (including carried ones that land past the range's last frame).
    /// - [`Error::BufferTooSmall`] if `out` cannot hold the packet.
    /// - [`Error::Internal`] if a carried padding holds malformed
    ///   extensions (libopus `OPUS_INTERNAL_ERROR`).
    pub fn out_range_with(
        &self,
        begin: usize,
        end: usize,
        out: &mut [u8],
        self_delimited: bool,
        pad: bool,
        extensions: &[Extension<'_>],
    ) -> Result<usize, Error> {
        if begin >= end || end > self.nb_frames {
            return Err(Error::BadArg("frame range empty or past the last frame"));
        }
        let count = end - begin;
        let frames = &self.frames[begin..end];
        let len = |i: usize| frames[i].len();
        let maxlen = out.len();
        let sd_bytes = if self_delimited {
            frame_length_size(len(count - 1))
        } else {
            0
        };
        let mut tot_size = sd_bytes;
        let base_toc = self.toc & 0xFC;

        // Gather the extensions: the caller's first, then those carried in
        // each packet's padding, renumbered to the output's frames.
        let mut carried_count = 0usize;
        for i in begin..end {
            carried_count +=
                ExtensionIterator::new(self.paddings[i], usize::from(self.padding_nb_frames[i]))
                    .map(|it| it.take_while(Result::is_ok).count())
                    .unwrap_or(0);
        }
        let mut all: Vec<Extension<'_>> = Vec::new();
        if carried_count + extensions.len() > 0 {
            all.reserve_exact(extensions.len() + carried_count);
            all.extend_from_slice(extensions);
        }
        // Every carried padding is read in full even when it holds no valid
        // extension, so a malformed one is reported as libopus does.
        for i in begin..end {
            let iter =
                ExtensionIterator::new(self.paddings[i], usize::from(self.padding_nb_frames[i]))
                    .map_err(|_| Error::Internal("bad carried padding"))?;
            for ext in iter {
                let mut ext =
                    ext.map_err(|_| Error::Internal("malformed extensions in carried padding"))?;
                ext.frame += i - begin;
                all.push(ext);
            }
        }
        let ext_count = all.len();

        let mut w = Out { buf: out, pos: 0 };
        let too_small = |needed: usize| Error::BufferTooSmall {
            needed,
            got: maxlen,
        };
        if count == 1 {
            // Code 0.
            tot_size += len(0) + 1;
            if tot_size > maxlen {
                return Err(too_small(tot_size));
            }
            w.put(base_toc)?;
        } else if count == 2 {
            if len(1) == len(0) {
                // Code 1.
                tot_size += 2 * len(0) + 1;
                if tot_size > maxlen {
                    return Err(too_small(tot_size));
                }
                w.put(base_toc | 0x1)?;
            } else {
                // Code 2.
                tot_size += len(0) + len(1) + 1 + frame_length_size(len(0));
                if tot_size > maxlen {
                    return Err(too_small(tot_size));
                }
                w.put(base_toc | 0x2)?;
                w.put_length(len(0))?;
            }
        }
        let mut ext_len = 0usize;
        let mut ext_begin = 0usize;
        let mut ones = 0..0;
        if count > 2 || (pad && tot_size < maxlen) || ext_count > 0 {
            // Code 3, written from the start again.
            w.pos = 0;
            tot_size = sd_bytes;
            let vbr = frames.iter().any(|f| f.len() != len(0));
            if vbr {
                tot_size += 2;
                for i in 0..count - 1 {
                    tot_size += frame_length_size(len(i)) + len(i);
                }
                tot_size += len(count - 1);
                if tot_size > maxlen {
                    return Err(too_small(tot_size));
                }
                w.put(base_toc | 0x3)?;
                w.put(0x80 | count as u8)?;
            } else {
                tot_size += count * len(0) + 2;
                if tot_size > maxlen {
                    return Err(too_small(tot_size));
                }
                w.put(base_toc | 0x3)?;
                w.put(count as u8)?;
            }
            let mut pad_amount = if pad { maxlen - tot_size } else { 0 };
            if ext_count > 0 {
                ext_len = generated_extensions_len(maxlen - tot_size, &all, count)?;
                if !pad {
                    // Room for the extensions plus their padding-length bytes.
                    pad_amount = ext_len
                        + if ext_len > 0 {
                            (ext_len + 253) / 254
                        } else {
                            1
                        };
                }
            }
            if pad_amount != 0 {
                let nb_255s = (pad_amount - 1) / 255;
                if tot_size + ext_len + nb_255s + 1 > maxlen {
                    return Err(too_small(tot_size + ext_len + nb_255s + 1));
                }
                // Set the padding flag in the frame-count byte.
                if let Some(ch) = w.buf.get_mut(1) {
                    *ch |= 0x40;
                }
                ext_begin = tot_size + pad_amount - ext_len;
                ones = tot_size + nb_255s + 1..ext_begin;
                for _ in 0..nb_255s {
                    w.put(255)?;
                }
                w.put((pad_amount - 255 * nb_255s - 1) as u8)?;
                tot_size += pad_amount;
            }
            if vbr {
                for frame in &frames[..count - 1] {
                    w.put_length(frame.len())?;
                }
            }
        }
        if self_delimited {
            w.put_length(len(count - 1))?;
        }
        for frame in frames {
            w.put_slice(frame)?;
        }
        let frames_end = w.pos;
        let out = w.buf;
        if ext_len > 0 {
            let dst = out
                .get_mut(ext_begin..ext_begin + ext_len)
                .ok_or(Error::Internal("extension area outside the packet"))?;
            let written = generate_into(Some(dst), ext_len, &all, count, false)?;
            debug_assert_eq!(written, ext_len);
        }
        if let Some(dst) = out.get_mut(ones) {
            dst.fill(0x01);
        }
        if pad && ext_count == 0 {
            if let Some(dst) = out.get_mut(frames_end..) {
                dst.fill(0);
            }
        }
        Ok(tot_size)
    }
}

/// Pad `packet` to exactly `new_len` bytes, written into `out` (libopus
/// `opus_packet_pad`, out of place). Extensions in its padding are kept.
/// Returns `new_len`.
///
/// # Errors
///
/// As [`packet_pad_with`].
pub fn packet_pad(packet: &[u8], out: &mut [u8], new_len: usize) -> Result<usize, Error> {
    packet_pad_with(packet, out, new_len, true, &[])
}

/// Rewrite `packet` into `out` with `extensions` added to the ones it
/// carries, in at most `new_len` bytes, or exactly `new_len` with `pad`
/// (libopus `opus_packet_pad_impl`). Returns the new length. As in libopus,
/// when `packet` is already `new_len` bytes long it is copied unchanged and
/// `extensions` are not added.
///
/// # Errors
///
/// - [`Error::BadArg`] if `packet` is empty or longer than `new_len`.
/// - [`Error::BufferTooSmall`] if `out` is shorter than `new_len`, or the
///   packet and extensions do not fit in `new_len` bytes.
/// - Those of [`Repacketizer::cat`] and [`Repacketizer::out_range_with`].
pub fn packet_pad_with(
    packet: &[u8],
    out: &mut [u8],
    new_len: usize,
    pad: bool,
    extensions: &[Extension<'_>],
) -> Result<usize, Error> {
    if packet.is_empty() {
        return Err(Error::BadArg("empty packet"));
    }
    if out.len() < new_len {
        return Err(Error::BufferTooSmall {
            needed: new_len,
            got: out.len(),
        });
    }
    if packet.len() == new_len {
        out[..new_len].copy_from_slice(packet);
        return Ok(new_len);
    }
    if packet.len() > new_len {
        return Err(Error::BadArg("packet longer than the padded length"));
    }
    let mut rp = Repacketizer::new();
    rp.cat(packet)?;
    rp.out_range_with(
        0,
        rp.nb_frames(),
        &mut out[..new_len],
        false,
        pad,
        extensions,
    )
}

/// Write `packet` into `out` without its padding and extensions, in the
/// most compact framing, and return the new length (libopus
/// `opus_packet_unpad`, out of place). The result is never longer than
/// `packet`.
///
/// # Errors
///
/// - [`Error::BadArg`] if `packet` is empty.
/// - Those of [`Repacketizer::cat`] for a malformed packet.
/// - [`Error::BufferTooSmall`] if `out` cannot hold the result.
pub fn packet_unpad(packet: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    if packet.is_empty() {
        return Err(Error::BadArg("empty packet"));
    }
    let mut rp = Repacketizer::new();
    rp.cat(packet)?;
    rp.paddings = [&[]; MAX_FRAMES];
    let maxlen = out.len().min(packet.len());
    rp.out_range_with(0, rp.nb_frames(), &mut out[..maxlen], false, false, &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::extensions::{generate_extensions, parse_extensions};
    use crate::packet::framing::parse;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0x4E9A_C4E7;
    const SILK20: u8 = 1 << 3;
    const CELT2_5: u8 = 16 << 3;
    const HYBRID20: u8 = (15 << 3) | 0x4;

    #[test]
    fn cat_and_out_pick_the_smallest_code() {
        let a = [SILK20, 1, 2, 3];
        let b = [SILK20, 4, 5, 6];
        let c = [SILK20, 7];
        let mut rp = Repacketizer::new();
        rp.cat(&a).unwrap();
        let mut out = [0u8; 32];
        assert_eq!(rp.out(&mut out), Ok(4));
        assert_eq!(&out[..4], &a);
        rp.cat(&b).unwrap();
        // Two equal frames: code 1.
        assert_eq!(rp.out(&mut out), Ok(7));
        assert_eq!(&out[..7], &[SILK20 | 1, 1, 2, 3, 4, 5, 6]);
        rp.cat(&c).unwrap();
        // Three unequal: code 3 VBR.
        assert_eq!(rp.out(&mut out), Ok(11));
        assert_eq!(&out[..11], &[SILK20 | 3, 0x83, 3, 3, 1, 2, 3, 4, 5, 6, 7]);
        // Two unequal: code 2.
        assert_eq!(rp.out_range(1, 3, &mut out), Ok(6));
        assert_eq!(&out[..6], &[SILK20 | 2, 3, 4, 5, 6, 7]);
        // Three equal: code 3 CBR.
        let mut rp = Repacketizer::new();
        for _ in 0..3 {
            rp.cat(&a).unwrap();
        }
        assert_eq!(rp.out(&mut out), Ok(11));
        assert_eq!(&out[..2], &[SILK20 | 3, 3]);
        assert_eq!(rp.frame(2), Some(&a[1..]));
        assert_eq!(rp.toc(), Some(Toc(SILK20)));
    }

    #[test]
    fn cat_rejections() {
        let mut rp = Repacketizer::new();
        assert!(matches!(rp.cat(&[]), Err(Error::InvalidPacket(_))));
        assert!(rp.cat(&[SILK20 | 3]).is_err());
        assert!(rp.cat(&[SILK20 | 3, 0]).is_err());
        rp.cat(&[SILK20 | 3, 5]).unwrap();
        // Different configuration or stereo flag: refused; code may differ.
        assert!(rp.cat(&[SILK20 | 4]).is_err());
        assert!(rp.cat(&[(2 << 3)]).is_err());
        // 6 x 20 ms is the limit.
        rp.cat(&[SILK20 | 0]).unwrap();
        assert!(rp.cat(&[SILK20]).is_err());
        assert_eq!(rp.nb_frames(), 6);
        // Malformed packets leave the state alone.
        let mut rp = Repacketizer::new();
        assert!(rp.cat(&[SILK20 | 1, 1]).is_err());
        assert_eq!(rp.nb_frames(), 0);
        // 48 frames of 2.5 ms fit; the 49th does not.
        let mut rp = Repacketizer::new();
        for _ in 0..48 {
            rp.cat(&[CELT2_5]).unwrap();
        }
        assert!(rp.cat(&[CELT2_5]).is_err());
        let mut out = [0u8; 2];
        assert_eq!(rp.out(&mut out), Ok(2));
        assert_eq!(out, [CELT2_5 | 3, 48]);
    }

    #[test]
    fn out_range_errors() {
        let a = [SILK20, 1, 2, 3];
        let mut rp = Repacketizer::new();
        let mut out = [0u8; 16];
        assert!(matches!(rp.out(&mut out), Err(Error::BadArg(_))));
        rp.cat(&a).unwrap();
        rp.cat(&a).unwrap();
        assert!(matches!(
            rp.out_range(1, 1, &mut out),
            Err(Error::BadArg(_))
        ));
        assert!(matches!(
            rp.out_range(0, 3, &mut out),
            Err(Error::BadArg(_))
        ));
        assert_eq!(
            rp.out(&mut out[..6]),
            Err(Error::BufferTooSmall { needed: 7, got: 6 })
        );
        assert!(rp.out(&mut []).is_err());
    }

    #[test]
    fn pad_and_unpad_round_trip() {
        let a = [SILK20 | 2, 2, 1, 2, 3, 4, 5];
        let mut out = [0u8; 64];
        // Padding by one byte: code 3 without a padding flag.
        assert_eq!(packet_pad(&a, &mut out, 8), Ok(8));
        assert_eq!(&out[..8], &[SILK20 | 3, 0x82, 2, 1, 2, 3, 4, 5]);
        // By more: padding flag, zeros at the end.
        assert_eq!(packet_pad(&a, &mut out, 20), Ok(20));
        let p = parse(&out[..20]).unwrap();
        assert_eq!(p.frame_sizes(), &[2, 3]);
        assert_eq!(p.padding(&out[..20]), &[0; 11]);
        let padded = out;
        let mut back = [0u8; 20];
        assert_eq!(packet_unpad(&padded[..20], &mut back), Ok(7));
        assert_eq!(&back[..7], &a);
        // Long padding uses 255 continuation bytes.
        let mut big = [0u8; 1000];
        assert_eq!(packet_pad(&a, &mut big, 1000), Ok(1000));
        assert_eq!(&big[..6], &[SILK20 | 3, 0xC2, 255, 255, 255, 226]);
        assert_eq!(parse(&big).unwrap().padding_len(), 254 * 3 + 226);
        assert_eq!(packet_unpad(&big, &mut back), Ok(7));
        // Same length: unchanged; shorter: refused; empty: refused.
        assert_eq!(packet_pad(&a, &mut out, 7), Ok(7));
        assert_eq!(&out[..7], &a);
        assert!(matches!(packet_pad(&a, &mut out, 6), Err(Error::BadArg(_))));
        assert!(matches!(
            packet_pad(&[], &mut out, 6),
            Err(Error::BadArg(_))
        ));
        assert!(matches!(packet_unpad(&[], &mut out), Err(Error::BadArg(_))));
        assert!(matches!(
            packet_pad(&a, &mut out[..9], 10),
            Err(Error::BufferTooSmall { .. })
        ));
    }

    /// The extensions of a packet, with owned payloads.
    fn exts_of(packet: &[u8]) -> Vec<(u8, usize, Vec<u8>)> {
        let p = parse(packet).unwrap();
        let mut got = [Extension::new(0, 0, &[]); 16];
        let k = parse_extensions(p.padding(packet), p.frame_count(), &mut got).unwrap();
        got[..k]
            .iter()
            .map(|e| (e.id, e.frame, e.data.to_vec()))
            .collect()
    }

    #[test]
    fn extensions_are_carried_and_renumbered() {
        // Three one-frame hybrid packets; the first and last carry two extensions.
        let exts = [
            Extension::new(33, 0, b"abcdefg"),
            Extension::new(100, 0, b"uvwxyz"),
        ];
        let mut pkt = [0u8; 64];
        pkt[0] = HYBRID20 | 3;
        pkt[1] = 0x41;
        let n = generate_extensions(&mut pkt[3..], &exts, 1, false).unwrap();
        pkt[2] = n as u8;
        let with = &pkt[..3 + n];
        let without = [HYBRID20 | 3, 0x01];
        let mut rp = Repacketizer::new();
        rp.cat(with).unwrap();
        rp.cat(&without).unwrap();
        rp.cat(with).unwrap();
        let mut out = [0u8; 128];
        let m = rp.out(&mut out).unwrap();
        let p = parse(&out[..m]).unwrap();
        assert_eq!(p.frame_count(), 3);
        let mut summary = exts_of(&out[..m]);
        summary.sort();
        let abc = b"abcdefg".to_vec();
        let uvw = b"uvwxyz".to_vec();
        assert_eq!(
            summary,
            vec![
                (33, 0, abc.clone()),
                (33, 2, abc),
                (100, 0, uvw.clone()),
                (100, 2, uvw)
            ]
        );
        // A subrange renumbers from its start.
        let m = rp.out_range(1, 3, &mut out).unwrap();
        let got = exts_of(&out[..m]);
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|e| e.1 == 1));
        // Unpad drops them; pad keeps them, behind 0x01 padding bytes.
        let mut plain = [0u8; 64];
        let u = packet_unpad(with, &mut plain).unwrap();
        assert_eq!(&plain[..u], &[HYBRID20]);
        let mut padded = [0u8; 64];
        assert_eq!(packet_pad(with, &mut padded, 40), Ok(40));
        assert_eq!(exts_of(&padded[..40]).len(), 2);
        let p = parse(&padded[..40]).unwrap();
        assert_eq!(p.padding(&padded[..40])[0], 0x01);
        // Caller extensions are added to carried ones.
        let extra = [Extension::new(5, 0, b"z")];
        let m = packet_pad_with(with, &mut padded, 64, false, &extra).unwrap();
        assert_eq!(exts_of(&padded[..m]).len(), 3);
        // Malformed extensions in a carried padding: libopus's internal error.
        let bad = [HYBRID20 | 3, 0x41, 1, 33 << 1 | 1];
        let mut rp = Repacketizer::new();
        rp.cat(&bad).unwrap();
        assert!(matches!(rp.out(&mut out), Err(Error::Internal(_))));
        assert_eq!(packet_unpad(&bad, &mut out), Ok(1));
    }

    #[test]
    fn self_delimited_out() {
        let mut rp = Repacketizer::new();
        let a = [SILK20, 1, 2, 3];
        rp.cat(&a).unwrap();
        let mut out = [0u8; 16];
        assert_eq!(rp.out_range_with(0, 1, &mut out, true, false, &[]), Ok(5));
        assert_eq!(&out[..5], &[SILK20, 3, 1, 2, 3]);
        rp.cat(&a).unwrap();
        assert_eq!(rp.out_range_with(0, 2, &mut out, true, false, &[]), Ok(8));
        assert_eq!(&out[..8], &[SILK20 | 1, 3, 1, 2, 3, 1, 2, 3]);
        let mut rp2 = Repacketizer::new();
        rp2.cat_self_delimited(&out[..8]).unwrap();
        assert_eq!(rp2.nb_frames(), 2);
    }

    /// A random valid packet of 1 to 5 frames built through the repacketizer.
    fn random_packet(rng: &mut StdRng, toc: u8, buf: &mut [u8], pool: &[u8]) -> usize {
        let spf = Toc(toc).samples_per_frame(8000) as usize;
        let count = rng.gen_range(1..=(960 / spf).min(5));
        let base = rng.gen_range(0..300);
        let mut singles = [[0u8; 301]; 5];
        let mut lens = [0usize; 5];
        for i in 0..count {
            lens[i] = if rng.gen_bool(0.5) {
                base
            } else {
                rng.gen_range(0..300)
            };
            singles[i][0] = toc;
            let start = rng.gen_range(0..pool.len() - lens[i]);
            singles[i][1..=lens[i]].copy_from_slice(&pool[start..start + lens[i]]);
        }
        let mut rp = Repacketizer::new();
        for i in 0..count {
            rp.cat(&singles[i][..=lens[i]]).unwrap();
        }
        rp.out(buf).unwrap()
    }

    #[test]
    fn random_round_trips_and_garbage() {
        let mut rng = StdRng::seed_from_u64(RNG_SEED);
        let mut pool = vec![0u8; 2048];
        rng.fill(&mut pool[..]);
        let mut pkt = vec![0u8; 4096];
        let mut out = vec![0u8; 8192];
        let mut back = vec![0u8; 8192];
        for _ in 0..3000 {
            let toc = rng.gen::<u8>() & 0xFC;
            let n = random_packet(&mut rng, toc, &mut pkt, &pool);
            let orig = parse(&pkt[..n]).unwrap();
            // Pad, then unpad: back to the same bytes.
            let new_len = n + rng.gen_range(0..600);
            assert_eq!(packet_pad(&pkt[..n], &mut out, new_len), Ok(new_len));
            let padded = parse(&out[..new_len]).unwrap();
            assert_eq!(padded.frame_sizes(), orig.frame_sizes());
            assert_eq!(packet_unpad(&out[..new_len], &mut back), Ok(n));
            assert_eq!(&back[..n], &pkt[..n]);
            // Split into single frames and cat them back.
            let mut singles = vec![[0u8; 1300]; orig.frame_count()];
            let mut lens = vec![0; orig.frame_count()];
            let mut rp = Repacketizer::new();
            rp.cat(&pkt[..n]).unwrap();
            for i in 0..orig.frame_count() {
                lens[i] = rp.out_range(i, i + 1, &mut singles[i]).unwrap();
            }
            let mut rp2 = Repacketizer::new();
            for (s, l) in singles.iter().zip(&lens) {
                rp2.cat(&s[..*l]).unwrap();
            }
            assert_eq!(rp2.out(&mut back), Ok(n));
            assert_eq!(&back[..n], &pkt[..n]);
        }
        // Random bytes: every call returns, none panics.
        let mut junk = vec![0u8; 1500];
        for _ in 0..50_000 {
            let len = rng.gen_range(0..40).min(junk.len());
            let len = if rng.gen_bool(0.1) {
                rng.gen_range(0..1500)
            } else {
                len
            };
            rng.fill(&mut junk[..len]);
            let data = &junk[..len];
            let _ = packet_unpad(data, &mut back);
            let _ = packet_pad(data, &mut out, len + rng.gen_range(0..300));
            let mut rp = Repacketizer::new();
            if rp.cat(data).is_ok() {
                let k = rp.nb_frames();
                let b = rng.gen_range(0..k);
                let _ = rp.out_range(b, k, &mut out[..rng.gen_range(0..3000)]);
                let _ =
                    rp.out_range_with(0, k, &mut out[..rng.gen_range(0..3000)], true, true, &[]);
            }
        }
    }
}

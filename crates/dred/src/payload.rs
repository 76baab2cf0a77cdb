//! Locating the DRED payload in an Opus packet (libopus 1.6.1 `dred_find_payload`).
//!
//! Input: one Opus packet. Output: the DRED bytes after the experimental header, and the
//! position of the extension in the packet in 2.5 ms units. The first extension 126 whose
//! payload is longer than the header and starts with `'D'`, version 12, wins; extensions with
//! another version (DRED of libopus 1.5 uses 10) are skipped, as libopus does.

use opus_core::packet::framing;
use opus_core::Error;

use crate::config::{EXPERIMENTAL_BYTES, EXPERIMENTAL_MAGIC, EXPERIMENTAL_VERSION, EXTENSION_ID};

/// A DRED payload found in a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DredPayload<'a> {
    /// The range-coded DRED data (after `'D'` and the version byte).
    pub data: &'a [u8],
    /// Offset of `data` within the packet.
    pub offset: usize,
    /// Index of the frame of the packet the extension belongs to.
    pub frame: usize,
    /// Where that frame starts in the packet, in 2.5 ms units (libopus's `dred_frame_offset`).
    pub frame_offset: i32,
}

/// Finds the DRED payload of `packet`, if any.
///
/// # Errors
/// The packet's own framing errors ([`Error::InvalidPacket`] and so on), as libopus returns
/// them. A malformed extension list ends the search with `Ok(None)` when libopus would return
/// no payload, or with the error libopus reports.
pub fn find_payload(packet: &[u8]) -> Result<Option<DredPayload<'_>>, Error> {
    let parsed = framing::parse(packet)?;
    let frame_size_48k = parsed.toc().samples_per_frame(48000) as usize;
    let padding_start = parsed.padding_offset();
    let mut iter = parsed.extensions(packet);
    loop {
        let Some(ext) = iter.find(EXTENSION_ID)? else {
            return Ok(None);
        };
        let frame_offset = (ext.frame * frame_size_48k / 120) as i32;
        if ext.data.len() > EXPERIMENTAL_BYTES
            && ext.data[0] == EXPERIMENTAL_MAGIC
            && ext.data[1] == EXPERIMENTAL_VERSION
        {
            return Ok(Some(DredPayload {
                data: &ext.data[EXPERIMENTAL_BYTES..],
                offset: padding_start + ext.offset + EXPERIMENTAL_BYTES,
                frame: ext.frame,
                frame_offset,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opus_core::packet::extensions::{generate_extensions, Extension};

    /// A code-3 CBR packet of `frames` 20 ms CELT frames whose padding holds `exts`.
    fn packet_with(exts: &[Extension<'_>], frames: usize) -> Vec<u8> {
        let mut pad = vec![0u8; 600];
        let n = generate_extensions(&mut pad, exts, frames, false).unwrap();
        let mut p = vec![(31 << 3) | 3, 0x40 | frames as u8];
        let mut rem = n;
        while rem >= 255 {
            p.push(255);
            rem -= 254;
        }
        p.push(rem as u8);
        p.extend(std::iter::repeat(0xA5).take(3 * frames));
        p.extend_from_slice(&pad[..n]);
        p
    }

    #[test]
    fn finds_first_matching_version() {
        let old = [b'D', 10, 1, 2, 3];
        let new = [b'D', 12, 9, 8, 7, 6];
        let p = packet_with(&[Extension::new(126, 0, &old), Extension::new(126, 1, &new)], 2);
        let d = find_payload(&p).unwrap().unwrap();
        assert_eq!(d.data, &[9, 8, 7, 6]);
        assert_eq!(&p[d.offset..d.offset + 4], &[9, 8, 7, 6]);
        assert_eq!(d.frame, 1);
        // 20 ms frames: frame 1 starts 8 units of 2.5 ms in.
        assert_eq!(d.frame_offset, 8);
    }

    #[test]
    fn header_only_or_other_ids_are_not_dred() {
        let p = packet_with(&[Extension::new(126, 0, b"D\x0c"), Extension::new(125, 0, b"D\x0cxyz")], 1);
        assert_eq!(find_payload(&p).unwrap(), None);
        assert_eq!(find_payload(&[0xF8, 1, 2, 3]).unwrap(), None);
        assert!(find_payload(&[]).is_err());
    }

    #[test]
    fn random_packets_never_panic() {
        let mut x: u32 = 12345;
        for len in 0..2000usize {
            let p: Vec<u8> = (0..len % 300)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 16) as u8
                })
                .collect();
            let _ = find_payload(&p);
        }
    }
}

//! Frame length coding (RFC 6716 section 3.2.1) and the self-delimiting
//! framing of RFC 6716 appendix B.
//!
//! A frame length of 0 to 251 bytes takes one byte. Lengths of 252 to 1275
//! take two: the first byte is 252 to 255 and carries the length modulo 4
//! (offset by 252), the second carries the rest divided by 4, so the length
//! is `4 * second + first`.
//!
//! A self-delimited packet adds one more such length, for the last frame (or
//! for every frame of a CBR packet), right before the frame data, so that
//! packets can be concatenated, as multistream Opus does. Parsing lives in
//! [`super::framing`]; this module holds the length coding itself and
//! conversions between the two framings.

use super::repacketizer::Repacketizer;
use super::MAX_FRAME_BYTES;
use crate::Error;

/// The first byte value that starts a two-byte length.
const TWO_BYTE_THRESHOLD: u8 = 252;

/// Read one frame length from the start of `data`, as libopus's
/// `parse_size` does.
///
/// Returns `(length, bytes used)`, where bytes used is 1 or 2 and length is
/// at most 1275.
///
/// # Errors
///
/// [`Error::InvalidPacket`] if `data` is empty, or if its first byte calls
/// for a second byte that is not there.
pub fn read_frame_length(data: &[u8]) -> Result<(u16, usize), Error> {
    match data {
        [] => Err(Error::InvalidPacket("frame length missing")),
        [first, ..] if *first < TWO_BYTE_THRESHOLD => Ok((u16::from(*first), 1)),
        [_] => Err(Error::InvalidPacket("two-byte frame length cut short")),
        [first, second, ..] => Ok((4 * u16::from(*second) + u16::from(*first), 2)),
    }
}

/// The number of bytes [`write_frame_length`] uses for `length`: 1 or 2.
pub fn frame_length_size(length: usize) -> usize {
    if length < usize::from(TWO_BYTE_THRESHOLD) {
        1
    } else {
        2
    }
}

/// Write `length` into the start of `out`, as libopus's `encode_size`
/// does, and return the number of bytes written (1 or 2).
///
/// # Errors
///
/// - [`Error::BadArg`] if `length` exceeds 1275, the largest codable length.
/// - [`Error::BufferTooSmall`] if `out` is shorter than the coded length.
pub fn write_frame_length(length: usize, out: &mut [u8]) -> Result<usize, Error> {
    if length > MAX_FRAME_BYTES {
        return Err(Error::BadArg("frame length above 1275 bytes"));
    }
    let needed = frame_length_size(length);
    if out.len() < needed {
        return Err(Error::BufferTooSmall {
            needed,
            got: out.len(),
        });
    }
    if needed == 1 {
        out[0] = length as u8;
    } else {
        // 252 + (length mod 4), then the remainder in units of 4 bytes.
        let first = TWO_BYTE_THRESHOLD + (length & 0x3) as u8;
        out[0] = first;
        out[1] = ((length - usize::from(first)) >> 2) as u8;
    }
    Ok(needed)
}

/// Rewrite the standard packet `packet` in self-delimited framing into
/// `out`, and return the number of bytes written.
///
/// This is what libopus's multistream encoder does for every stream but the
/// last. Padding is dropped; padding extensions are carried across, as the
/// repacketizer does.
///
/// # Errors
///
/// Those of [`Repacketizer::cat`] for `packet` and of
/// [`Repacketizer::out_range_with`] for `out`.
pub fn to_self_delimited(packet: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let mut rp = Repacketizer::new();
    rp.cat(packet)?;
    rp.out_range_with(0, rp.nb_frames(), out, true, false, &[])
}

/// Rewrite the self-delimited packet at the start of `data` in standard
/// framing into `out`. Returns `(bytes of data consumed, bytes written)`.
///
/// # Errors
///
/// Those of [`Repacketizer::cat_self_delimited`] for `data` and of
/// [`Repacketizer::out_range_with`] for `out`.
pub fn from_self_delimited(data: &[u8], out: &mut [u8]) -> Result<(usize, usize), Error> {
    let parsed = super::framing::parse_self_delimited(data)?;
    let consumed = parsed.packet_len();
    let mut rp = Repacketizer::new();
    rp.cat_self_delimited(&data[..consumed])?;
    let written = rp.out_range_with(0, rp.nb_frames(), out, false, false, &[])?;
    Ok((consumed, written))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::framing::{parse, parse_self_delimited};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0x5e1f_de11;

    #[test]
    fn length_coding_round_trips_every_length() {
        let mut buf = [0u8; 2];
        for length in 0..=MAX_FRAME_BYTES {
            let n = write_frame_length(length, &mut buf).unwrap();
            assert_eq!(n, frame_length_size(length));
            assert_eq!(n, if length < 252 { 1 } else { 2 });
            let (back, used) = read_frame_length(&buf[..n]).unwrap();
            assert_eq!((usize::from(back), used), (length, n));
        }
    }

    #[test]
    fn length_coding_examples() {
        let mut buf = [0u8; 2];
        assert_eq!(write_frame_length(252, &mut buf), Ok(2));
        assert_eq!(buf, [252, 0]);
        assert_eq!(write_frame_length(1275, &mut buf), Ok(2));
        assert_eq!(buf, [255, 255]);
        assert_eq!(
            write_frame_length(1276, &mut buf),
            Err(Error::BadArg("frame length above 1275 bytes"))
        );
        assert_eq!(
            write_frame_length(300, &mut buf[..1]),
            Err(Error::BufferTooSmall { needed: 2, got: 1 })
        );
        assert_eq!(
            write_frame_length(3, &mut []),
            Err(Error::BufferTooSmall { needed: 1, got: 0 })
        );
        // Every two-byte pair decodes, even redundant ones such as (252, 0) = 252.
        assert_eq!(read_frame_length(&[253, 1]), Ok((257, 2)));
        assert_eq!(read_frame_length(&[251, 9]), Ok((251, 1)));
        assert!(read_frame_length(&[]).is_err());
        assert!(read_frame_length(&[252]).is_err());
    }

    #[test]
    fn self_delimited_round_trips() {
        let mut rng = StdRng::seed_from_u64(RNG_SEED);
        let mut packet = [0u8; 4000];
        let mut sd = [0u8; 4100];
        let mut back = [0u8; 4100];
        let mut tried = 0;
        while tried < 2000 {
            // Build a random valid packet through the repacketizer.
            let toc = rng.gen::<u8>() & 0xFC;
            let spf = crate::packet::Toc(toc).samples_per_frame(8000) as usize;
            let max_frames = (960 / spf).min(6);
            let count = rng.gen_range(1..=max_frames);
            let cbr = rng.gen_bool(0.3);
            let base = rng.gen_range(0..400usize);
            let mut frames: [[u8; 400]; 6] = [[0; 400]; 6];
            let mut lens = [0usize; 6];
            let mut rp = Repacketizer::new();
            for (i, frame) in frames.iter_mut().enumerate().take(count) {
                lens[i] = if cbr { base } else { rng.gen_range(0..400) };
                rng.fill(&mut frame[..lens[i]]);
            }
            let mut singles = [[0u8; 401]; 6];
            for i in 0..count {
                singles[i][0] = toc;
                singles[i][1..=lens[i]].copy_from_slice(&frames[i][..lens[i]]);
            }
            for i in 0..count {
                rp.cat(&singles[i][..=lens[i]]).unwrap();
            }
            let n = rp.out(&mut packet).unwrap();
            let orig = parse(&packet[..n]).unwrap();
            tried += 1;

            let m = to_self_delimited(&packet[..n], &mut sd).unwrap();
            // Trailing bytes after a self-delimited packet are not part of it.
            sd[m] = 0xAA;
            let p = parse_self_delimited(&sd[..=m]).unwrap();
            assert_eq!(p.packet_len(), m);
            assert_eq!(p.frame_count(), count);
            for i in 0..count {
                assert_eq!(p.frame(&sd, i), orig.frame(&packet, i));
            }
            let (consumed, k) = from_self_delimited(&sd[..=m], &mut back).unwrap();
            assert_eq!(consumed, m);
            assert_eq!(&back[..k], &packet[..n]);
        }
    }
}

//! opus_demo's bitstream format (also that of the RFC 6716 test vectors).
//!
//! A file is a sequence of records `u32 BE payload length | u32 BE encoder final range |
//! payload`. A length of 0 marks a lost packet. [`BitstreamReader`] walks a byte slice and
//! returns typed errors for truncated or oversized records; [`write_record`] appends one.

use core::fmt;

/// The largest payload opus_demo accepts in a record (its `MAX_PACKET` and default `-max_payload`).
pub const MAX_PAYLOAD: usize = 15000;

/// One record of a bitstream file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// Index of the record in the file.
    pub index: usize,
    /// The packet; empty for a lost packet.
    pub payload: &'a [u8],
    /// The encoder's final range recorded with the packet.
    pub final_range: u32,
}

/// A malformed bitstream file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitstreamError {
    /// The file ends inside a record header.
    TruncatedHeader {
        /// Index of the record.
        index: usize,
        /// Byte offset of the record.
        offset: usize,
    },
    /// The file ends inside a payload.
    TruncatedPayload {
        /// Index of the record.
        index: usize,
        /// Length the header announced.
        length: usize,
        /// Bytes present.
        available: usize,
    },
    /// A record announces a payload longer than [`MAX_PAYLOAD`].
    Oversized {
        /// Index of the record.
        index: usize,
        /// Length the header announced.
        length: usize,
    },
}

impl fmt::Display for BitstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BitstreamError::TruncatedHeader { index, offset } => {
                write!(f, "bitstream truncated in the header of packet {index} at byte {offset}")
            }
            BitstreamError::TruncatedPayload { index, length, available } => write!(
                f,
                "bitstream truncated in packet {index}: {length} bytes announced, {available} present"
            ),
            BitstreamError::Oversized { index, length } => write!(
                f,
                "invalid payload length {length} in packet {index} (at most {MAX_PAYLOAD})"
            ),
        }
    }
}

impl std::error::Error for BitstreamError {}

/// Iterates over the records of a bitstream held in memory.
#[derive(Clone, Debug)]
pub struct BitstreamReader<'a> {
    data: &'a [u8],
    pos: usize,
    index: usize,
    failed: bool,
}

impl<'a> BitstreamReader<'a> {
    /// Starts reading `data`.
    pub fn new(data: &'a [u8]) -> Self {
        BitstreamReader { data, pos: 0, index: 0, failed: false }
    }
}

impl<'a> Iterator for BitstreamReader<'a> {
    type Item = Result<Record<'a>, BitstreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos == self.data.len() {
            return None;
        }
        let index = self.index;
        let rest = &self.data[self.pos..];
        if rest.len() < 8 {
            self.failed = true;
            return Some(Err(BitstreamError::TruncatedHeader { index, offset: self.pos }));
        }
        let length = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let final_range = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]);
        if length > MAX_PAYLOAD {
            self.failed = true;
            return Some(Err(BitstreamError::Oversized { index, length }));
        }
        if rest.len() - 8 < length {
            self.failed = true;
            return Some(Err(BitstreamError::TruncatedPayload {
                index,
                length,
                available: rest.len() - 8,
            }));
        }
        self.pos += 8 + length;
        self.index += 1;
        Some(Ok(Record { index, payload: &rest[8..8 + length], final_range }))
    }
}

/// Appends one record to `out`.
pub fn write_record(out: &mut Vec<u8>, payload: &[u8], final_range: u32) {
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(&final_range.to_be_bytes());
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let mut f = Vec::new();
        write_record(&mut f, &[1, 2, 3], 0xdead_beef);
        write_record(&mut f, &[], 7);
        let recs: Vec<_> = BitstreamReader::new(&f).collect::<Result<_, _>>().unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].payload, &[1, 2, 3]);
        assert_eq!(recs[0].final_range, 0xdead_beef);
        assert!(recs[1].payload.is_empty());

        let cut = &f[..f.len() - 3];
        let last = BitstreamReader::new(cut).last().unwrap();
        assert_eq!(last, Err(BitstreamError::TruncatedHeader { index: 1, offset: 11 }));
        let cut = &f[..9];
        assert!(matches!(
            BitstreamReader::new(cut).next(),
            Some(Err(BitstreamError::TruncatedPayload { index: 0, length: 3, available: 1 }))
        ));
        let mut big = Vec::new();
        big.extend_from_slice(&50000u32.to_be_bytes());
        big.extend_from_slice(&[0; 4]);
        assert!(matches!(BitstreamReader::new(&big).next(), Some(Err(BitstreamError::Oversized { .. }))));
        // After an error the reader stops.
        let mut r = BitstreamReader::new(&big);
        r.next();
        assert!(r.next().is_none());
    }
}

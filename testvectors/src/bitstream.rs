//! The `opus_demo` bitstream format, also used by the RFC 6716 test vectors.
//!
//! A file is a sequence of records, each `u32` big-endian payload length, `u32` big-endian
//! final range of the encoder after that packet, then the payload. A length of 0 marks a lost
//! packet (the encoder's final range is then written as 0). `opus_demo` refuses payloads
//! longer than its buffer of [`MAX_PACKET`] bytes, and so does this reader.

use std::fmt;

/// The largest payload `opus_demo -d` accepts (its `MAX_PACKET`).
pub const MAX_PACKET: usize = 15000;

/// One record of a bitstream: a packet, or a loss when `payload` is empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The packet bytes; empty for a lost packet.
    pub payload: Vec<u8>,
    /// The encoder's final range after this packet (0 for a lost packet).
    pub final_range: u32,
}

impl Record {
    /// A lost packet.
    pub fn lost() -> Self {
        Record { payload: Vec::new(), final_range: 0 }
    }

    /// Whether this record marks a lost packet.
    pub fn is_lost(&self) -> bool {
        self.payload.is_empty()
    }
}

/// Why a bitstream could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BitstreamError {
    /// The file ends inside a record header or payload.
    Truncated {
        /// Index of the record.
        record: usize,
        /// Byte offset where the record starts.
        offset: usize,
        /// Bytes the record needs from its start.
        needed: usize,
        /// Bytes left in the file from the record's start.
        available: usize,
    },
    /// A record's length is larger than [`MAX_PACKET`] (or negative as an `i32`).
    TooLong {
        /// Index of the record.
        record: usize,
        /// The length field.
        length: u32,
    },
}

impl fmt::Display for BitstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BitstreamError::Truncated { record, offset, needed, available } => write!(
                f,
                "record {record} at byte {offset} needs {needed} bytes, only {available} left"
            ),
            BitstreamError::TooLong { record, length } => {
                write!(f, "record {record} has length {length}, more than {MAX_PACKET}")
            }
        }
    }
}

impl std::error::Error for BitstreamError {}

/// Parses a whole bitstream file.
///
/// # Errors
///
/// [`BitstreamError::Truncated`] when the data ends inside a record,
/// [`BitstreamError::TooLong`] for a length `opus_demo` would refuse. Never panics.
pub fn parse(data: &[u8]) -> Result<Vec<Record>, BitstreamError> {
    let mut records = Vec::new();
    let mut pos = 0usize;
    while pos < data.len() {
        let record = records.len();
        let rest = &data[pos..];
        let header = rest.get(..8).ok_or(BitstreamError::Truncated {
            record,
            offset: pos,
            needed: 8,
            available: rest.len(),
        })?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let final_range = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        let len = length as usize;
        if len > MAX_PACKET {
            return Err(BitstreamError::TooLong { record, length });
        }
        let payload = rest.get(8..8 + len).ok_or(BitstreamError::Truncated {
            record,
            offset: pos,
            needed: 8 + len,
            available: rest.len(),
        })?;
        records.push(Record { payload: payload.to_vec(), final_range });
        pos += 8 + len;
    }
    Ok(records)
}

/// Serialises records into the bitstream format.
///
/// # Panics
///
/// If a payload is longer than `u32::MAX` bytes (impossible for Opus packets).
pub fn serialize(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.iter().map(|r| 8 + r.payload.len()).sum());
    for r in records {
        let len = u32::try_from(r.payload.len()).expect("payload length fits in u32");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&r.final_range.to_be_bytes());
        out.extend_from_slice(&r.payload);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let recs = vec![
            Record { payload: vec![0xfc, 1, 2, 3], final_range: 0xdead_beef },
            Record::lost(),
            Record { payload: vec![0x08; 1275], final_range: 7 },
        ];
        let bytes = serialize(&recs);
        assert_eq!(bytes.len(), 8 * 3 + 4 + 1275);
        assert_eq!(&bytes[..8], &[0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(parse(&bytes).unwrap(), recs);
        assert!(parse(&bytes).unwrap()[1].is_lost());
    }

    #[test]
    fn bad_files_are_errors() {
        assert_eq!(parse(&[]).unwrap(), vec![]);
        assert_eq!(
            parse(&[0, 0, 0]),
            Err(BitstreamError::Truncated { record: 0, offset: 0, needed: 8, available: 3 })
        );
        let mut b = serialize(&[Record { payload: vec![1, 2, 3], final_range: 1 }]);
        b.pop();
        assert_eq!(
            parse(&b),
            Err(BitstreamError::Truncated { record: 0, offset: 0, needed: 11, available: 10 })
        );
        assert_eq!(
            parse(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]),
            Err(BitstreamError::TooLong { record: 0, length: u32::MAX })
        );
        // Arbitrary bytes never panic.
        let mut x: u32 = 12345;
        for n in 0..2000 {
            let v: Vec<u8> = (0..n % 97)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 24) as u8 & if n % 3 == 0 { 0x03 } else { 0xff }
                })
                .collect();
            let _ = parse(&v);
        }
    }
}

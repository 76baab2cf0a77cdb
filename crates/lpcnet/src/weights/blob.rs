//! The DNNw weight blob: parsing and writing.
//!
//! A blob is a sequence of records. Each starts with a 64-byte header
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | magic `DNNw` |
//! | 4..8 | version (0) |
//! | 8..12 | type: 0 float, 1 int, 2 qweight (legacy), 3 int8 |
//! | 12..16 | size of the array in bytes |
//! | 16..20 | block size: the size rounded up to a multiple of 64 |
//! | 20..64 | name, zero-terminated |
//!
//! followed by `block size` bytes whose first `size` bytes are the array.
//!
//! [`WeightBlob::parse`] accepts exactly what libopus 1.6.1's `parse_weights` accepts: it
//! checks sizes, bounds and name termination, and ignores the magic, the version, the type
//! and the rounding of the block size. [`WeightBlob::parse_strict`] also checks those.

use super::{WeightsError, NAME_CAPACITY};

/// Size of a record header, and the alignment of record blocks (`WEIGHT_BLOCK_SIZE`).
pub const HEADER_SIZE: usize = 64;
/// The four bytes that open every record header.
pub const MAGIC: [u8; 4] = *b"DNNw";
/// The only version libopus writes (`WEIGHT_BLOB_VERSION`).
pub const VERSION: i32 = 0;

/// Element type of an array, from the record's type field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WeightType {
    /// 32-bit floats (`WEIGHT_TYPE_float`, 0).
    Float,
    /// 32-bit signed integers, used by sparse index lists (`WEIGHT_TYPE_int`, 1).
    Int,
    /// Legacy 16-bit quantised weights (`WEIGHT_TYPE_qweight`, 2); unused in libopus 1.6.1.
    QWeight,
    /// Signed bytes (`WEIGHT_TYPE_int8`, 3).
    Int8,
}

impl WeightType {
    /// The type for a record's code, if it is one libopus defines.
    pub const fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(WeightType::Float),
            1 => Some(WeightType::Int),
            2 => Some(WeightType::QWeight),
            3 => Some(WeightType::Int8),
            _ => None,
        }
    }

    /// The record code of this type.
    pub const fn code(self) -> i32 {
        match self {
            WeightType::Float => 0,
            WeightType::Int => 1,
            WeightType::QWeight => 2,
            WeightType::Int8 => 3,
        }
    }
}

/// One named array of a blob, borrowed from the blob's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightRecord<'a> {
    name: &'a [u8],
    type_code: i32,
    data: &'a [u8],
}

impl<'a> WeightRecord<'a> {
    /// A record over existing data (for building blobs in memory).
    pub fn new(name: &'a [u8], type_code: i32, data: &'a [u8]) -> Self {
        WeightRecord { name, type_code, data }
    }

    /// The name, up to (not including) its first zero byte.
    pub fn name(&self) -> &'a [u8] {
        self.name
    }

    /// The name as text, if it is UTF-8.
    pub fn name_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.name).ok()
    }

    /// The raw type code of the header.
    pub fn type_code(&self) -> i32 {
        self.type_code
    }

    /// The element type, if the code is a known one.
    pub fn weight_type(&self) -> Option<WeightType> {
        WeightType::from_code(self.type_code)
    }

    /// The array's bytes (`size` of them; the block padding is not included).
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
}

/// A parsed blob: its records in file order, borrowing the blob's bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeightBlob<'a> {
    records: Vec<WeightRecord<'a>>,
}

#[inline]
fn read_i32(bytes: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

impl<'a> WeightBlob<'a> {
    /// Parses a blob with libopus's rules.
    ///
    /// An empty input is a valid blob without records, as in libopus.
    ///
    /// # Errors
    /// The first record that libopus would reject, in libopus's order of checks: a header cut
    /// short ([`WeightsError::TruncatedHeader`]), a block smaller than the size
    /// ([`WeightsError::BlockSmallerThanSize`]), a block past the end
    /// ([`WeightsError::BlockPastEnd`]), an unterminated name
    /// ([`WeightsError::UnterminatedName`]), a negative size
    /// ([`WeightsError::NegativeSize`]), or an empty array ([`WeightsError::EmptyArray`]).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WeightsError> {
        Self::parse_impl(bytes, false)
    }

    /// Parses a blob with libopus's rules plus format checks libopus skips: the `DNNw` magic,
    /// version 0, a known type code, and a block size equal to the size rounded up to 64.
    ///
    /// # Errors
    /// Those of [`WeightBlob::parse`], and [`WeightsError::BadMagic`],
    /// [`WeightsError::UnsupportedVersion`], [`WeightsError::UnknownType`] or
    /// [`WeightsError::BlockNotRounded`].
    pub fn parse_strict(bytes: &'a [u8]) -> Result<Self, WeightsError> {
        Self::parse_impl(bytes, true)
    }

    fn parse_impl(bytes: &'a [u8], strict: bool) -> Result<Self, WeightsError> {
        if bytes.len() > i32::MAX as usize {
            return Err(WeightsError::BlobTooLarge);
        }
        // Every record takes at least one header, which bounds the list; reserve modestly
        // and let it grow only as records actually parse.
        let mut records = Vec::with_capacity((bytes.len() / HEADER_SIZE).min(512));
        let mut offset = 0usize;
        while offset < bytes.len() {
            let remaining = bytes.len() - offset;
            if remaining < HEADER_SIZE {
                return Err(WeightsError::TruncatedHeader { offset });
            }
            let head = &bytes[offset..offset + HEADER_SIZE];
            let version = read_i32(head, 4);
            let type_code = read_i32(head, 8);
            let size = read_i32(head, 12);
            let block_size = read_i32(head, 16);
            let name_field = &head[20..20 + NAME_CAPACITY];
            if block_size < size {
                return Err(WeightsError::BlockSmallerThanSize { offset });
            }
            if i64::from(block_size) > (remaining - HEADER_SIZE) as i64 {
                return Err(WeightsError::BlockPastEnd { offset });
            }
            if name_field[NAME_CAPACITY - 1] != 0 {
                return Err(WeightsError::UnterminatedName { offset });
            }
            if size < 0 {
                return Err(WeightsError::NegativeSize { offset });
            }
            if size == 0 {
                return Err(WeightsError::EmptyArray { offset });
            }
            if strict {
                if head[..4] != MAGIC {
                    return Err(WeightsError::BadMagic { offset });
                }
                if version != VERSION {
                    return Err(WeightsError::UnsupportedVersion { offset, version });
                }
                if WeightType::from_code(type_code).is_none() {
                    return Err(WeightsError::UnknownType { offset, code: type_code });
                }
                if block_size as usize != round_up_block(size as usize) {
                    return Err(WeightsError::BlockNotRounded { offset });
                }
            }
            // Both are now known to be non-negative and within the blob.
            let (size, block_size) = (size as usize, block_size as usize);
            let name_len = name_field.iter().position(|&b| b == 0).unwrap_or(NAME_CAPACITY);
            let data_start = offset + HEADER_SIZE;
            records.push(WeightRecord {
                name: &name_field[..name_len],
                type_code,
                data: &bytes[data_start..data_start + size],
            });
            offset = data_start + block_size;
        }
        Ok(WeightBlob { records })
    }

    /// A blob from records built in memory.
    pub fn from_records(records: Vec<WeightRecord<'a>>) -> Self {
        WeightBlob { records }
    }

    /// The records in file order.
    pub fn records(&self) -> &[WeightRecord<'a>] {
        &self.records
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the blob has no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The first record named `name`, as libopus's lookup finds it.
    pub fn find(&self, name: &str) -> Option<&WeightRecord<'a>> {
        self.records.iter().find(|r| r.name == name.as_bytes())
    }

    /// Serialises the records the way libopus's `write_weights` does.
    pub fn to_bytes(&self) -> Vec<u8> {
        let total: usize = self.records.iter().map(|r| HEADER_SIZE + round_up_block(r.data.len())).sum();
        let mut out = Vec::with_capacity(total);
        for r in &self.records {
            write_record(&mut out, r.name, r.type_code, r.data);
        }
        out
    }
}

/// `size` rounded up to a multiple of [`HEADER_SIZE`].
pub const fn round_up_block(size: usize) -> usize {
    size.div_ceil(HEADER_SIZE) * HEADER_SIZE
}

/// Appends one record as libopus's `write_weights` writes it: the header (name cut to 43
/// bytes and zero-filled), the data, then zeros up to the block size.
///
/// # Panics
/// If `data` is 2 GiB or longer (its size must fit the header's `int`).
pub fn write_record(out: &mut Vec<u8>, name: &[u8], type_code: i32, data: &[u8]) {
    let size = i32::try_from(data.len()).expect("array too large for a DNNw record");
    let block = round_up_block(data.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&type_code.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&(block as i32).to_le_bytes());
    let mut field = [0u8; NAME_CAPACITY];
    let n = name.iter().position(|&b| b == 0).unwrap_or(name.len()).min(NAME_CAPACITY - 1);
    field[..n].copy_from_slice(&name[..n]);
    out.extend_from_slice(&field);
    out.extend_from_slice(data);
    out.resize(out.len() + (block - data.len()), 0);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn header(size: i32, block: i32, name: &[u8]) -> Vec<u8> {
        let mut h = Vec::new();
        h.extend_from_slice(b"DNNw");
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&size.to_le_bytes());
        h.extend_from_slice(&block.to_le_bytes());
        let mut f = [0u8; 44];
        f[..name.len()].copy_from_slice(name);
        h.extend_from_slice(&f);
        h
    }

    fn sample() -> Vec<u8> {
        let mut out = Vec::new();
        write_record(&mut out, b"alpha_bias", 0, &[1, 2, 3, 4, 5, 6, 7, 8]);
        write_record(&mut out, b"alpha_weights_int8", 3, &[0x7f; 100]);
        write_record(&mut out, b"alpha_weights_idx", 1, &[0; 64]);
        out
    }

    #[test]
    fn round_trip() {
        let bytes = sample();
        assert_eq!(bytes.len(), 64 + 64 + 64 + 128 + 64 + 64);
        let blob = WeightBlob::parse_strict(&bytes).unwrap();
        assert_eq!(blob.len(), 3);
        assert_eq!(blob.records()[1].name_str(), Some("alpha_weights_int8"));
        assert_eq!(blob.records()[1].weight_type(), Some(WeightType::Int8));
        assert_eq!(blob.records()[1].data().len(), 100);
        assert_eq!(blob.find("alpha_weights_idx").unwrap().type_code(), 1);
        assert!(blob.find("alpha").is_none());
        assert_eq!(blob.to_bytes(), bytes);
        assert_eq!(WeightBlob::parse(&[]).unwrap().len(), 0);
    }

    #[test]
    fn long_names_are_cut_like_libopus() {
        let mut out = Vec::new();
        let long = [b'n'; 50];
        write_record(&mut out, &long, 0, &[0; 4]);
        let blob = WeightBlob::parse(&out).unwrap();
        assert_eq!(blob.records()[0].name(), &long[..43]);
    }

    #[test]
    fn first_match_wins() {
        let mut out = Vec::new();
        write_record(&mut out, b"x", 0, &[1; 4]);
        write_record(&mut out, b"x", 0, &[2; 4]);
        let blob = WeightBlob::parse(&out).unwrap();
        assert_eq!(blob.find("x").unwrap().data(), &[1; 4]);
    }

    #[test]
    fn bad_blobs() {
        let good = sample();
        assert_eq!(WeightBlob::parse(&good[..63]), Err(WeightsError::TruncatedHeader { offset: 0 }));
        assert_eq!(WeightBlob::parse(&good[..64 + 64 + 10]), Err(WeightsError::TruncatedHeader { offset: 128 }));
        assert_eq!(WeightBlob::parse(&good[..64 + 64 + 64 + 100]), Err(WeightsError::BlockPastEnd { offset: 128 }));

        let mut b = header(64, 32, b"a");
        b.resize(64 + 64, 0);
        assert_eq!(WeightBlob::parse(&b), Err(WeightsError::BlockSmallerThanSize { offset: 0 }));

        let mut b = header(4, 64, &[b'z'; 44]);
        b.resize(128, 0);
        assert_eq!(WeightBlob::parse(&b), Err(WeightsError::UnterminatedName { offset: 0 }));

        let mut b = header(-4, 0, b"a");
        b.resize(64, 0);
        assert_eq!(WeightBlob::parse(&b), Err(WeightsError::NegativeSize { offset: 0 }));

        let b = header(0, 0, b"a");
        assert_eq!(WeightBlob::parse(&b), Err(WeightsError::EmptyArray { offset: 0 }));

        let mut b = header(4, i32::MAX, b"a");
        b.resize(128, 0);
        assert_eq!(WeightBlob::parse(&b), Err(WeightsError::BlockPastEnd { offset: 0 }));
    }

    #[test]
    fn strict_checks() {
        // Tolerated by libopus, refused by the strict parser.
        let mut b = header(4, 4, b"a");
        b.resize(68, 0);
        assert!(WeightBlob::parse(&b).is_ok());
        assert_eq!(WeightBlob::parse_strict(&b), Err(WeightsError::BlockNotRounded { offset: 0 }));

        let mut b = header(4, 64, b"a");
        b[0] = b'X';
        b.resize(128, 0);
        assert!(WeightBlob::parse(&b).is_ok());
        assert_eq!(WeightBlob::parse_strict(&b), Err(WeightsError::BadMagic { offset: 0 }));

        let mut b = header(4, 64, b"a");
        b[4] = 1;
        b.resize(128, 0);
        assert!(WeightBlob::parse(&b).is_ok());
        assert_eq!(WeightBlob::parse_strict(&b), Err(WeightsError::UnsupportedVersion { offset: 0, version: 1 }));

        let mut b = header(4, 64, b"a");
        b[8] = 9;
        b.resize(128, 0);
        assert!(WeightBlob::parse(&b).is_ok());
        assert_eq!(WeightBlob::parse_strict(&b), Err(WeightsError::UnknownType { offset: 0, code: 9 }));
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x0d11_0b10b);
        let good = sample();
        for i in 0..20_000 {
            let bytes: Vec<u8> = if i % 2 == 0 {
                let n = rng.gen_range(0..400);
                (0..n).map(|_| rng.gen()).collect()
            } else {
                let mut g = good.clone();
                for _ in 0..rng.gen_range(1..4) {
                    let at = rng.gen_range(0..g.len());
                    g[at] = rng.gen();
                }
                g.truncate(rng.gen_range(0..=g.len()));
                g
            };
            if let Ok(blob) = WeightBlob::parse(&bytes) {
                let total: usize = blob.records().iter().map(|r| r.data().len() + HEADER_SIZE).sum();
                assert!(total <= bytes.len());
            }
            let _ = WeightBlob::parse_strict(&bytes);
        }
    }
}

//! Padding extensions, as libopus 1.6.1 reads and writes them (the Opus
//! extension draft, draft-ietf-mlcodec-opus-extension).
//!
//! Input: the padding bytes of a code 3 packet and its frame count. Output:
//! a list of `(id, frame, data)` extensions. DRED (ID 126) and QEXT (ID 124)
//! travel this way.
//!
//! Each element starts with a byte `id << 1 | L`:
//!
//! | ID      | meaning                  | payload |
//! |---------|--------------------------|---------|
//! | 0       | padding                  | L=1: none. L=0: everything that follows |
//! | 1       | frame separator          | L=0: next frame. L=1: one byte, the frame increment |
//! | 2       | repeat these extensions  | none here; see below |
//! | 3..=31  | short extension          | L bytes (0 or 1) |
//! | 32..=127| long extension           | L=1: a lacing length (255 = add 255 and continue), then data. L=0: data to the end |
//!
//! A repeat element copies the IDs of the extensions coded since the last
//! separator (or the last repeat) onto every later frame; only their
//! payloads follow, frame by frame. With L=0 the last repeated long
//! extension of the last frame runs to the end, less the bytes of the short
//! extensions that follow it, and the current frame then advances by one.
//!
//! [`ExtensionIterator`] mirrors libopus's `OpusExtensionIterator` state for
//! state, so it yields the same extensions in the same (bitstream) order
//! and fails at the same byte. [`generate_extensions`] mirrors
//! `opus_packet_extensions_generate`, including its use of repeats.

use super::MAX_FRAMES;
use crate::Error;

/// The first ID of a long extension (with a length, or running to the end).
pub const FIRST_LONG_ID: u8 = 32;
/// The largest extension ID.
pub const MAX_ID: u8 = 127;
/// The smallest ID a caller may write: 0 to 2 are reserved for padding,
/// frame separators and repeats.
pub const FIRST_USER_ID: u8 = 3;

const ID_PADDING: u8 = 0;
const ID_SEPARATOR: u8 = 1;
const ID_REPEAT: u8 = 2;

/// One extension: its ID, the frame it belongs to, and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The extension ID, 3 to 127.
    pub id: u8,
    /// The index of the frame it applies to, counted within its packet.
    pub frame: usize,
    /// The payload. Short IDs (3 to 31) carry 0 or 1 bytes.
    pub data: &'a [u8],
    /// Where `data` starts within the padding it was parsed from. The
    /// writer ignores it; [`Extension::new`] sets it to 0.
    pub offset: usize,
}

impl<'a> Extension<'a> {
    /// An extension to be written, with `offset` 0.
    pub fn new(id: u8, frame: usize, data: &'a [u8]) -> Self {
        Extension {
            id,
            frame,
            data,
            offset: 0,
        }
    }
}

fn invalid() -> Error {
    Error::InvalidPacket("malformed padding extension")
}

/// Step over the payload of an element whose ID byte is `id_byte`, starting
/// at `pos` with `len` bytes left. Returns the new position, the bytes left,
/// and how many length (lacing) bytes came before the data. A repeat
/// element's payloads are not stepped over here.
///
/// `trailing` is how many bytes an L=0 long payload must leave unread.
fn skip_payload(
    data: &[u8],
    mut pos: usize,
    mut len: i64,
    id_byte: u8,
    trailing: i64,
) -> Option<(usize, i64, usize)> {
    let id = id_byte >> 1;
    let l = i64::from(id_byte & 1);
    let mut header = 0usize;
    if (id == ID_PADDING && l == 1) || id == ID_REPEAT {
        // No payload.
    } else if id > ID_PADDING && id < FIRST_LONG_ID {
        if len < l {
            return None;
        }
        pos += l as usize;
        len -= l;
    } else if l == 0 {
        // ID 0 with L=0 lands here too: it swallows the rest.
        if len < trailing {
            return None;
        }
        pos += (len - trailing) as usize;
        len = trailing;
    } else {
        let mut bytes = 0usize;
        loop {
            if len < 1 {
                return None;
            }
            let lacing = *data.get(pos)?;
            pos += 1;
            bytes += usize::from(lacing);
            header += 1;
            len -= i64::from(lacing) + 1;
            if lacing != 255 {
                break;
            }
        }
        if len < 0 {
            return None;
        }
        pos += bytes;
    }
    Some((pos, len, header))
}

/// Step over one whole element (ID byte and payload). Returns the same
/// triple as [`skip_payload`], with the ID byte counted in the header.
fn skip_element(data: &[u8], pos: usize, len: i64) -> Option<(usize, i64, usize)> {
    if len == 0 {
        return Some((pos, 0, 0));
    }
    if len < 1 {
        return None;
    }
    let id_byte = *data.get(pos)?;
    let (pos, len, header) = skip_payload(data, pos + 1, len - 1, id_byte, 0)?;
    Some((pos, len, header + 1))
}

/// Walks the extensions in a packet's padding, in bitstream order (which,
/// because of repeats, is not always frame order).
///
/// Padding, frame separators and repeat elements are not yielded; the
/// extensions a repeat stands for are. [`next_extension`] mirrors
/// `opus_extension_iterator_next`, including that an error is sticky; the
/// [`Iterator`] implementation yields an error once and then ends.
///
/// [`next_extension`]: ExtensionIterator::next_extension
#[derive(Debug, Clone)]
pub struct ExtensionIterator<'a> {
    data: &'a [u8],
    /// Read position in the main element stream.
    curr: usize,
    /// Bytes left from `curr`; negative after an error.
    curr_len: i64,
    /// Where the elements a repeat would copy begin.
    repeat_start: usize,
    /// Position just after the last long extension since `repeat_start`.
    last_long: Option<usize>,
    /// Read position among the elements being repeated.
    src: usize,
    src_len: i64,
    repeat_len: i64,
    /// Short-extension payload bytes coded after the last long extension.
    trailing_short_len: i64,
    nb_frames: usize,
    frame_max: usize,
    curr_frame: usize,
    /// The frame being repeated into; 0 when no repeat is under way.
    repeat_frame: usize,
    repeat_l: bool,
    /// Set once the `Iterator` implementation has yielded an error.
    fused: bool,
}

impl<'a> ExtensionIterator<'a> {
    /// An iterator over the extensions in `padding`, for a packet of
    /// `nb_frames` frames.
    ///
    /// # Errors
    ///
    /// [`Error::BadArg`] if `nb_frames` exceeds 48.
    pub fn new(padding: &'a [u8], nb_frames: usize) -> Result<Self, Error> {
        if nb_frames > MAX_FRAMES {
            return Err(Error::BadArg("more than 48 frames"));
        }
        Ok(ExtensionIterator {
            data: padding,
            curr: 0,
            curr_len: padding.len() as i64,
            repeat_start: 0,
            last_long: None,
            src: 0,
            src_len: 0,
            repeat_len: 0,
            trailing_short_len: 0,
            nb_frames,
            frame_max: nb_frames,
            curr_frame: 0,
            repeat_frame: 0,
            repeat_l: false,
            fused: false,
        })
    }

    /// An iterator that yields nothing.
    pub fn empty() -> Self {
        ExtensionIterator {
            data: &[],
            curr: 0,
            curr_len: 0,
            repeat_start: 0,
            last_long: None,
            src: 0,
            src_len: 0,
            repeat_len: 0,
            trailing_short_len: 0,
            nb_frames: 0,
            frame_max: 0,
            curr_frame: 0,
            repeat_frame: 0,
            repeat_l: false,
            fused: false,
        }
    }

    /// Start again from the first extension (libopus
    /// `opus_extension_iterator_reset`). The frame limit is kept.
    pub fn reset(&mut self) {
        self.curr = 0;
        self.repeat_start = 0;
        self.last_long = None;
        self.curr_len = self.data.len() as i64;
        self.repeat_frame = 0;
        self.curr_frame = 0;
        self.trailing_short_len = 0;
        self.fused = false;
    }

    /// Stop yielding extensions for frames `frame_max` and later (libopus
    /// `opus_extension_iterator_set_frame_max`), which may end the walk
    /// early. It may be called at any point.
    pub fn set_frame_max(&mut self, frame_max: usize) {
        self.frame_max = frame_max;
    }

    fn fail(&mut self) -> Error {
        self.curr_len = -1;
        invalid()
    }

    /// The next repeated extension, or `None` when the repeat is done.
    fn next_repeat(&mut self) -> Result<Option<Extension<'a>>, Error> {
        debug_assert!(self.repeat_frame > 0);
        while self.repeat_frame < self.nb_frames {
            while self.src_len > 0 {
                let Some(&src_byte) = self.data.get(self.src) else {
                    return Err(self.fail());
                };
                // These elements were read once already, so this cannot fail.
                let Some((src, src_len, _)) = skip_element(self.data, self.src, self.src_len)
                else {
                    return Err(self.fail());
                };
                self.src = src;
                self.src_len = src_len;
                // Padding and separators (IDs 0 and 1) are not repeated.
                if src_byte >> 1 <= ID_SEPARATOR {
                    continue;
                }
                let mut id_byte = src_byte;
                // With L=0 on the repeat, the last long extension of the
                // last frame runs to the end.
                if !self.repeat_l
                    && self.repeat_frame + 1 >= self.nb_frames
                    && Some(self.src) == self.last_long
                {
                    id_byte &= !1;
                }
                let start = self.curr;
                let Some((curr, curr_len, header)) = skip_payload(
                    self.data,
                    self.curr,
                    self.curr_len,
                    id_byte,
                    self.trailing_short_len,
                ) else {
                    return Err(self.fail());
                };
                self.curr = curr;
                self.curr_len = curr_len;
                if self.repeat_frame >= self.frame_max {
                    continue;
                }
                let offset = start + header;
                return Ok(Some(Extension {
                    id: id_byte >> 1,
                    frame: self.repeat_frame,
                    data: self.data.get(offset..curr).unwrap_or(&[]),
                    offset,
                }));
            }
            // This frame's copies are done; start over for the next frame.
            self.src = self.repeat_start;
            self.src_len = self.repeat_len;
            self.repeat_frame += 1;
        }
        self.repeat_start = self.curr;
        self.last_long = None;
        if !self.repeat_l {
            // An L=0 repeat also ends the current frame.
            self.curr_frame += 1;
            if self.curr_frame >= self.nb_frames {
                // Anything after it is ignored.
                self.curr_len = 0;
            }
        }
        self.repeat_frame = 0;
        Ok(None)
    }

    /// The next extension, `Ok(None)` at the end (libopus
    /// `opus_extension_iterator_next`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPacket`] if an element overruns the padding, a
    /// separator moves past the last frame, or a repeated payload does not
    /// fit. The error repeats on every later call until [`reset`].
    ///
    /// [`reset`]: ExtensionIterator::reset
    pub fn next_extension(&mut self) -> Result<Option<Extension<'a>>, Error> {
        if self.curr_len < 0 {
            return Err(invalid());
        }
        if self.repeat_frame > 0 {
            if let Some(ext) = self.next_repeat()? {
                return Ok(Some(ext));
            }
        }
        if self.curr_frame >= self.frame_max {
            return Ok(None);
        }
        while self.curr_len > 0 {
            let start = self.curr;
            let Some(&id_byte) = self.data.get(start) else {
                return Err(self.fail());
            };
            let id = id_byte >> 1;
            let l = id_byte & 1;
            let Some((curr, curr_len, header)) = skip_element(self.data, self.curr, self.curr_len)
            else {
                return Err(self.fail());
            };
            self.curr = curr;
            self.curr_len = curr_len;
            if id == ID_SEPARATOR {
                if l == 0 {
                    self.curr_frame += 1;
                } else {
                    let increment = self.data.get(start + 1).copied().unwrap_or(0);
                    // An increment of 0 is just padding.
                    if increment == 0 {
                        continue;
                    }
                    self.curr_frame += usize::from(increment);
                }
                if self.curr_frame >= self.nb_frames {
                    return Err(self.fail());
                }
                if self.curr_frame >= self.frame_max {
                    self.curr_len = 0;
                }
                self.repeat_start = self.curr;
                self.last_long = None;
                self.trailing_short_len = 0;
            } else if id == ID_REPEAT {
                self.repeat_l = l == 1;
                self.repeat_frame = self.curr_frame + 1;
                self.repeat_len = (start - self.repeat_start) as i64;
                self.src = self.repeat_start;
                self.src_len = self.repeat_len;
                if let Some(ext) = self.next_repeat()? {
                    return Ok(Some(ext));
                }
            } else if id > ID_REPEAT {
                if id >= FIRST_LONG_ID {
                    self.last_long = Some(self.curr);
                    self.trailing_short_len = 0;
                } else {
                    self.trailing_short_len += i64::from(l);
                }
                let offset = start + header;
                return Ok(Some(Extension {
                    id,
                    frame: self.curr_frame,
                    data: self.data.get(offset..curr).unwrap_or(&[]),
                    offset,
                }));
            }
        }
        Ok(None)
    }

    /// The next extension with ID `id` (libopus `opus_extension_iterator_find`).
    ///
    /// # Errors
    ///
    /// As [`next_extension`](ExtensionIterator::next_extension).
    pub fn find(&mut self, id: u8) -> Result<Option<Extension<'a>>, Error> {
        while let Some(ext) = self.next_extension()? {
            if ext.id == id {
                return Ok(Some(ext));
            }
        }
        Ok(None)
    }
}

impl<'a> Iterator for ExtensionIterator<'a> {
    type Item = Result<Extension<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.fused {
            return None;
        }
        match self.next_extension() {
            Ok(Some(ext)) => Some(Ok(ext)),
            Ok(None) => None,
            Err(e) => {
                self.fused = true;
                Some(Err(e))
            }
        }
    }
}

/// The number of extensions in `padding` before the end or the first
/// malformed element (libopus `opus_packet_extensions_count`, which also
/// ignores the error).
///
/// # Errors
///
/// [`Error::BadArg`] if `nb_frames` exceeds 48.
pub fn count_extensions(padding: &[u8], nb_frames: usize) -> Result<usize, Error> {
    let mut iter = ExtensionIterator::new(padding, nb_frames)?;
    let mut count = 0;
    while let Ok(Some(_)) = iter.next_extension() {
        count += 1;
    }
    Ok(count)
}

/// As [`count_extensions`], also counting per frame (libopus
/// `opus_packet_extensions_count_ext`). Returns the total and the counts;
/// entries past `nb_frames` are zero.
///
/// # Errors
///
/// [`Error::BadArg`] if `nb_frames` exceeds 48.
pub fn count_extensions_per_frame(
    padding: &[u8],
    nb_frames: usize,
) -> Result<(usize, [usize; MAX_FRAMES]), Error> {
    let mut iter = ExtensionIterator::new(padding, nb_frames)?;
    let mut per_frame = [0usize; MAX_FRAMES];
    let mut count = 0;
    while let Ok(Some(ext)) = iter.next_extension() {
        if let Some(slot) = per_frame.get_mut(ext.frame) {
            *slot += 1;
        }
        count += 1;
    }
    Ok((count, per_frame))
}

/// Read every extension in `padding` into `out`, in bitstream order, and
/// return how many there are (libopus `opus_packet_extensions_parse`).
///
/// # Errors
///
/// - [`Error::BufferTooSmall`] as soon as `out` is full and another
///   extension follows (`needed` is then a lower bound).
/// - [`Error::InvalidPacket`] for malformed extensions.
/// - [`Error::BadArg`] if `nb_frames` exceeds 48.
pub fn parse_extensions<'a>(
    padding: &'a [u8],
    nb_frames: usize,
    out: &mut [Extension<'a>],
) -> Result<usize, Error> {
    let mut iter = ExtensionIterator::new(padding, nb_frames)?;
    let mut count = 0;
    while let Some(ext) = iter.next_extension()? {
        let Some(slot) = out.get_mut(count) else {
            return Err(Error::BufferTooSmall {
                needed: count + 1,
                got: out.len(),
            });
        };
        *slot = ext;
        count += 1;
    }
    Ok(count)
}

/// Read every extension in `padding` into `out` in frame order, keeping
/// bitstream order within a frame, and return how many there are (libopus
/// `opus_packet_extensions_parse_ext`, with the per-frame counts computed
/// here).
///
/// # Errors
///
/// As [`parse_extensions`]. A too-small `out` is reported when the first
/// extension whose frame-order slot lies past its end is reached.
pub fn parse_extensions_frame_order<'a>(
    padding: &'a [u8],
    nb_frames: usize,
    out: &mut [Extension<'a>],
) -> Result<usize, Error> {
    let (total, per_frame) = count_extensions_per_frame(padding, nb_frames)?;
    // Where each frame's next extension goes.
    let mut next_slot = [0usize; MAX_FRAMES];
    let mut sum = 0;
    for (slot, n) in next_slot.iter_mut().zip(per_frame.iter()).take(nb_frames) {
        *slot = sum;
        sum += n;
    }
    let mut iter = ExtensionIterator::new(padding, nb_frames)?;
    let mut count = 0;
    while let Some(ext) = iter.next_extension()? {
        let Some(idx) = next_slot.get_mut(ext.frame) else {
            return Err(invalid());
        };
        let Some(slot) = out.get_mut(*idx) else {
            return Err(Error::BufferTooSmall {
                needed: total,
                got: out.len(),
            });
        };
        *slot = ext;
        *idx += 1;
        count += 1;
    }
    Ok(count)
}

/// Output for the generator: a buffer, or none when only measuring.
struct Writer<'o> {
    data: Option<&'o mut [u8]>,
    len: usize,
    pos: usize,
}

impl Writer<'_> {
    fn room(&self) -> usize {
        self.len.saturating_sub(self.pos)
    }

    fn too_small(&self, needed: usize) -> Error {
        Error::BufferTooSmall {
            needed: self.pos + needed,
            got: self.len,
        }
    }

    /// Write one byte; the caller has checked there is room.
    fn put(&mut self, byte: u8) {
        if let Some(slot) = self.data.as_deref_mut().and_then(|d| d.get_mut(self.pos)) {
            *slot = byte;
        }
        self.pos += 1;
    }

    fn put_slice(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if let Some(dst) = self
            .data
            .as_deref_mut()
            .and_then(|d| d.get_mut(self.pos..end))
        {
            dst.copy_from_slice(bytes);
        }
        self.pos = end;
    }

    /// An extension's payload, with its length unless `last` (libopus
    /// `write_extension_payload`).
    fn payload(&mut self, ext: &Extension<'_>, last: bool) -> Result<(), Error> {
        debug_assert!((FIRST_USER_ID..=MAX_ID).contains(&ext.id));
        let n = ext.data.len();
        if ext.id < FIRST_LONG_ID {
            if n > 1 {
                return Err(Error::BadArg("short extension with more than 1 byte"));
            }
            if n > 0 {
                if self.room() < n {
                    return Err(self.too_small(n));
                }
                self.put(ext.data[0]);
            }
        } else {
            let length_bytes = if last { 0 } else { 1 + n / 255 };
            if self.room() < length_bytes + n {
                return Err(self.too_small(length_bytes + n));
            }
            if !last {
                for _ in 0..n / 255 {
                    self.put(255);
                }
                self.put((n % 255) as u8);
            }
            self.put_slice(ext.data);
        }
        Ok(())
    }

    /// An extension's ID byte and payload (libopus `write_extension`).
    fn extension(&mut self, ext: &Extension<'_>, last: bool) -> Result<(), Error> {
        if self.room() < 1 {
            return Err(self.too_small(1));
        }
        let l = if ext.id < FIRST_LONG_ID {
            // A longer short payload is refused by `payload` below.
            (ext.data.len() & 1) as u8
        } else {
            u8::from(!last)
        };
        self.put((ext.id << 1) | l);
        self.payload(ext, last)
    }
}

/// Write `extensions` for a packet of `nb_frames` frames into `out` and
/// return the number of bytes used (libopus
/// `opus_packet_extensions_generate`).
///
/// Extensions may come in any order; each frame's are written in the order
/// given. Where the same IDs (and, for short IDs, the same payload sizes)
/// start every later frame, they are coded once with a repeat element.
/// With `pad`, the output is brought to `out.len()` bytes by putting 0x01
/// padding bytes in front.
///
/// # Errors
///
/// - [`Error::BadArg`] for `nb_frames` above 48, an extension whose frame is
///   not below `nb_frames`, an ID outside 3..=127, or a short extension
///   with more than one byte.
/// - [`Error::BufferTooSmall`] if `out` cannot hold the result. The bytes
///   of `out` are then unspecified.
pub fn generate_extensions(
    out: &mut [u8],
    extensions: &[Extension<'_>],
    nb_frames: usize,
    pad: bool,
) -> Result<usize, Error> {
    let len = out.len();
    generate_into(Some(out), len, extensions, nb_frames, pad)
}

/// The number of bytes [`generate_extensions`] would write without padding,
/// if it fits in `max_len` (libopus's generator called without a buffer).
///
/// # Errors
///
/// As [`generate_extensions`].
pub fn generated_extensions_len(
    max_len: usize,
    extensions: &[Extension<'_>],
    nb_frames: usize,
) -> Result<usize, Error> {
    generate_into(None, max_len, extensions, nb_frames, false)
}

pub(crate) fn generate_into(
    data: Option<&mut [u8]>,
    len: usize,
    extensions: &[Extension<'_>],
    nb_frames: usize,
    pad: bool,
) -> Result<usize, Error> {
    if nb_frames > MAX_FRAMES {
        return Err(Error::BadArg("more than 48 frames"));
    }
    let nb_ext = extensions.len();
    // Per frame: the first and one-past-last index of its extensions, and
    // the next of its extensions that could still be repeated from an
    // earlier frame.
    let mut frame_min = [nb_ext; MAX_FRAMES];
    let mut frame_max = [0usize; MAX_FRAMES];
    for (i, ext) in extensions.iter().enumerate() {
        if ext.frame >= nb_frames {
            return Err(Error::BadArg("extension frame out of range"));
        }
        if ext.id < FIRST_USER_ID || ext.id > MAX_ID {
            return Err(Error::BadArg("extension ID outside 3..=127"));
        }
        frame_min[ext.frame] = frame_min[ext.frame].min(i);
        frame_max[ext.frame] = frame_max[ext.frame].max(i + 1);
    }
    let mut frame_repeat = frame_min;
    let mut w = Writer { data, len, pos: 0 };
    let mut curr_frame = 0usize;
    let mut written = 0usize;

    for f in 0..nb_frames {
        let mut repeat_count = 0usize;
        let mut last_long: Option<usize> = None;
        if f + 1 < nb_frames {
            // Find how many of this frame's leading extensions every later
            // frame starts with.
            for i in frame_min[f]..frame_max[f] {
                let ext = &extensions[i];
                if ext.frame != f {
                    continue;
                }
                let repeatable = (f + 1..nb_frames).all(|g| {
                    frame_repeat[g] < frame_max[g] && {
                        let other = &extensions[frame_repeat[g]];
                        other.id == ext.id
                            && (other.id >= FIRST_LONG_ID || other.data.len() == ext.data.len())
                    }
                });
                if !repeatable {
                    break;
                }
                if ext.id >= FIRST_LONG_ID {
                    last_long = Some(frame_repeat[nb_frames - 1]);
                }
                for g in f + 1..nb_frames {
                    let mut j = frame_repeat[g] + 1;
                    while j < frame_max[g] && extensions[j].frame != g {
                        j += 1;
                    }
                    frame_repeat[g] = j;
                }
                repeat_count += 1;
                // The repeat element goes right after this extension.
                frame_repeat[f] = i;
            }
        }
        for i in frame_min[f]..frame_max[f] {
            let ext = &extensions[i];
            if ext.frame != f {
                continue;
            }
            if f != curr_frame {
                if w.room() < 2 {
                    return Err(w.too_small(2));
                }
                let diff = f - curr_frame;
                if diff == 1 {
                    w.put(ID_SEPARATOR << 1);
                } else {
                    w.put((ID_SEPARATOR << 1) | 1);
                    w.put(diff as u8);
                }
                curr_frame = f;
            }
            w.extension(ext, written + 1 == nb_ext)?;
            written += 1;

            if repeat_count > 0 && frame_repeat[f] == i {
                let nb_repeated = repeat_count * (nb_frames - (f + 1));
                // L=0 on the repeat: nothing follows in this frame, so the
                // frame advances by itself, and the last repeated long
                // extension can drop its length if nothing else follows.
                let last = written + nb_repeated == nb_ext
                    || (last_long.is_none() && i + 1 >= frame_max[f]);
                if w.room() < 1 {
                    return Err(w.too_small(1));
                }
                w.put((ID_REPEAT << 1) | u8::from(!last));
                for g in f + 1..nb_frames {
                    let mut j = frame_min[g];
                    while j < frame_repeat[g] {
                        if extensions[j].frame == g {
                            w.payload(&extensions[j], last && Some(j) == last_long)?;
                            written += 1;
                        }
                        j += 1;
                    }
                    frame_min[g] = j;
                }
                if last {
                    curr_frame += 1;
                }
            }
        }
    }
    debug_assert_eq!(written, nb_ext);
    let mut pos = w.pos;
    if pad && pos < len {
        // Fill the front with one-byte padding elements.
        let padding = len - pos;
        if let Some(d) = w.data.as_deref_mut() {
            d.copy_within(0..pos, padding);
            d[..padding].fill((ID_PADDING << 1) | 1);
        }
        pos += padding;
    }
    Ok(pos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0xE7E4_0126;

    fn collect<'a>(padding: &'a [u8], nb_frames: usize) -> Result<Vec<Extension<'a>>, Error> {
        ExtensionIterator::new(padding, nb_frames)?.collect()
    }

    /// Extensions sorted into frame order (stable within a frame), offsets cleared.
    fn by_frame<'a>(exts: &[Extension<'a>]) -> Vec<(u8, usize, &'a [u8])> {
        let mut v: Vec<_> = exts.iter().map(|e| (e.id, e.frame, e.data)).collect();
        v.sort_by_key(|e| e.1);
        v
    }

    #[test]
    fn elements_by_hand() {
        // Short ID 3 with a byte, separator, long ID 33 with a length, ID 0 padding.
        let pad = [
            3 << 1 | 1,
            b'a',
            0x02,
            33 << 1 | 1,
            2,
            b'x',
            b'y',
            0x01,
            0x00,
            9,
            9,
        ];
        let got = collect(&pad, 2).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].id, got[0].frame, got[0].data, got[0].offset),
            (3, 0, &b"a"[..], 1)
        );
        assert_eq!(
            (got[1].id, got[1].frame, got[1].data, got[1].offset),
            (33, 1, &b"xy"[..], 5)
        );
        // A long extension with L=0 runs to the end.
        let pad = [0x01, 126 << 1, b'D', 12, 1, 2];
        let got = collect(&pad, 1).unwrap();
        assert_eq!(
            (got[0].id, got[0].data, got[0].offset),
            (126, &[b'D', 12, 1, 2][..], 2)
        );
        // Lacing: 255 + 1 = 256 bytes.
        let mut pad = vec![40 << 1 | 1, 255, 1];
        pad.extend(std::iter::repeat(7).take(256));
        pad.push(4 << 1);
        let got = collect(&pad, 1).unwrap();
        assert_eq!((got[0].data.len(), got[0].offset, got[1].id), (256, 3, 4));
        // All-zero padding holds no extensions.
        assert_eq!(collect(&[0; 40], 3).unwrap(), vec![]);
        assert_eq!(collect(&[], 3).unwrap(), vec![]);
    }

    #[test]
    fn malformed_elements() {
        // Short payload missing; lacing runs off; long payload too short.
        assert!(collect(&[3 << 1 | 1], 1).is_err());
        assert!(collect(&[33 << 1 | 1, 255], 1).is_err());
        assert!(collect(&[33 << 1 | 1, 5, 1, 2], 1).is_err());
        // Separators past the last frame, short or long.
        assert!(collect(&[0x02], 1).is_err());
        assert_eq!(collect(&[0x02], 2).unwrap(), vec![]);
        assert!(collect(&[0x03, 2], 2).is_err());
        assert!(collect(&[0x03], 2).is_err());
        // An increment of 0 is padding.
        assert_eq!(collect(&[0x03, 0, 4 << 1], 1).unwrap()[0].frame, 0);
        // Errors stop the count but keep what came before.
        assert_eq!(count_extensions(&[4 << 1, 5 << 1, 0x02, 6 << 1], 1), Ok(2));
        // next_extension errors are sticky; the Iterator ends after one.
        let mut it = ExtensionIterator::new(&[4 << 1, 0x02], 1).unwrap();
        assert!(it.next_extension().unwrap().is_some());
        assert!(it.next_extension().is_err());
        assert!(it.next_extension().is_err());
        it.reset();
        assert_eq!(it.by_ref().filter(|r| r.is_err()).count(), 1);
        assert!(it.next().is_none());
        assert!(ExtensionIterator::new(&[], 49).is_err());
    }

    #[test]
    fn repeat_element_by_hand() {
        // Frame 0: ID 3 "a", ID 32 "xy" with length; repeat L=1 over 3 frames;
        // then the payloads for frames 1 and 2.
        let pad = [
            3 << 1 | 1,
            b'a',
            32 << 1 | 1,
            2,
            b'x',
            b'y',
            0x05,
            b'b',
            1,
            b'z', // frame 1: ID 3 "b", ID 32 "z"
            b'c',
            0, // frame 2: ID 3 "c", ID 32 ""
        ];
        let got = collect(&pad, 3).unwrap();
        let want: Vec<(u8, usize, &[u8])> = vec![
            (3, 0, b"a"),
            (32, 0, b"xy"),
            (3, 1, b"b"),
            (32, 1, b"z"),
            (3, 2, b"c"),
            (32, 2, b""),
        ];
        assert_eq!(
            got.iter()
                .map(|e| (e.id, e.frame, e.data))
                .collect::<Vec<_>>(),
            want
        );
        // With L=0 on the repeat, the last frame's long payload has no length
        // and runs to the end less the trailing short payload bytes.
        let pad = [
            32 << 1 | 1,
            1,
            b'x',
            3 << 1 | 1,
            b'a',
            0x04,
            1,
            b'y',
            b'b',
            b'L',
            b'O',
            b'N',
            b'G',
            b'c',
        ];
        let got = collect(&pad, 3).unwrap();
        let got: Vec<_> = got.iter().map(|e| (e.id, e.frame, e.data)).collect();
        assert_eq!(got[4], (32, 2, &b"LONG"[..]));
        assert_eq!(got[5], (3, 2, &b"c"[..]));
        // Trailing short bytes that are not there: invalid.
        assert!(collect(&pad[..pad.len() - 5], 3).is_err());
        // A repeat with L=0 in the last frame ends parsing; later junk is ignored.
        assert_eq!(collect(&[4 << 1, 0x04, 0xFF], 1).unwrap().len(), 1);
        // frame_max stops early.
        let mut it = ExtensionIterator::new(&pad, 3).unwrap();
        it.set_frame_max(2);
        assert_eq!(it.map(|r| r.unwrap().frame).max(), Some(1));
    }

    #[test]
    fn count_find_and_parse() {
        let exts = [
            Extension::new(3, 0, b"a"),
            Extension::new(126, 2, b"DRED"),
            Extension::new(33, 1, b"other"),
            Extension::new(4, 2, b""),
        ];
        let mut buf = [0u8; 64];
        let n = generate_extensions(&mut buf, &exts, 3, false).unwrap();
        let pad = &buf[..n];
        assert_eq!(count_extensions(pad, 3), Ok(4));
        let (total, per) = count_extensions_per_frame(pad, 3).unwrap();
        assert_eq!((total, &per[..4]), (4, &[1, 1, 2, 0][..]));
        let mut it = ExtensionIterator::new(pad, 3).unwrap();
        let dred = it.find(126).unwrap().unwrap();
        assert_eq!((dred.frame, dred.data), (2, &b"DRED"[..]));
        assert_eq!(&pad[dred.offset..dred.offset + 4], b"DRED");
        assert_eq!(it.find(126), Ok(None));
        let mut out = [Extension::new(0, 0, &[]); 4];
        assert_eq!(parse_extensions(pad, 3, &mut out), Ok(4));
        assert_eq!(by_frame(&out), by_frame(&exts));
        assert!(matches!(
            parse_extensions(pad, 3, &mut out[..3]),
            Err(Error::BufferTooSmall { .. })
        ));
        assert_eq!(parse_extensions_frame_order(pad, 3, &mut out), Ok(4));
        assert_eq!(
            out.iter().map(|e| e.frame).collect::<Vec<_>>(),
            vec![0, 1, 2, 2]
        );
        assert!(matches!(
            parse_extensions_frame_order(pad, 3, &mut out[..2]),
            Err(Error::BufferTooSmall { .. })
        ));
        // Too few frames for the separators: invalid, and the count stops early.
        assert!(parse_extensions(pad, 2, &mut out).is_err());
        assert_eq!(count_extensions(pad, 2), Ok(2));
    }

    #[test]
    fn generate_layout_and_padding() {
        let exts = [
            Extension::new(3, 0, b"a"),
            Extension::new(32, 10, b"DRED"),
            Extension::new(33, 1, b"NOT DRED"),
            Extension::new(4, 4, b""),
        ];
        let mut buf = [0u8; 27];
        assert_eq!(generate_extensions(&mut buf, &exts, 11, true), Ok(27));
        let want: &[u8] = &[
            1,
            1,
            1,
            1, // padding in front
            3 << 1 | 1,
            b'a',
            0x02,
            33 << 1 | 1,
            8,
            b'N',
            b'O',
            b'T',
            b' ',
            b'D',
            b'R',
            b'E',
            b'D',
            0x03,
            3,
            4 << 1,
            0x03,
            6,
            32 << 1,
            b'D',
            b'R',
            b'E',
            b'D',
        ];
        assert_eq!(&buf[..], want);
        assert_eq!(generated_extensions_len(100, &exts, 11), Ok(23));
        for len in 0..23 {
            assert!(matches!(
                generate_extensions(&mut buf[..len], &exts, 11, true),
                Err(Error::BufferTooSmall { .. })
            ));
        }
        assert_eq!(generate_extensions(&mut [], &[], 0, true), Ok(0));
        let bad = |e: Extension<'_>, frames| generate_extensions(&mut [0; 32], &[e], frames, true);
        assert!(matches!(
            bad(Extension::new(2, 0, b"a"), 11),
            Err(Error::BadArg(_))
        ));
        assert!(matches!(
            bad(Extension::new(128, 0, b"a"), 11),
            Err(Error::BadArg(_))
        ));
        assert!(matches!(
            bad(Extension::new(33, 11, b"a"), 11),
            Err(Error::BadArg(_))
        ));
        assert!(matches!(
            bad(Extension::new(33, 0, b"a"), 49),
            Err(Error::BadArg(_))
        ));
        assert!(matches!(
            bad(Extension::new(3, 0, b"ab"), 1),
            Err(Error::BadArg(_))
        ));
    }

    #[test]
    fn generate_uses_repeats_like_libopus() {
        // The list and the expected sizes follow libopus's own repeat test:
        // each prefix of the list is generated for 3 frames.
        let exts = [
            Extension::new(3, 0, b"a"),
            Extension::new(3, 1, b"b"),
            Extension::new(3, 2, b"c"),
            Extension::new(4, 0, b"d"),
            Extension::new(4, 1, b""),
            Extension::new(4, 2, b""),
            Extension::new(32, 2, b"DRED2"),
            Extension::new(32, 1, b"DRED"),
            Extension::new(5, 1, b""),
            Extension::new(5, 2, b""),
            Extension::new(6, 2, b"f"),
            Extension::new(6, 1, b"e"),
            Extension::new(32, 2, b"DREDthree"),
        ];
        let sizes = [0, 2, 5, 5, 7, 9, 10, 16, 21, 23, 22, 26, 25, 37];
        for (n, &size) in sizes.iter().enumerate() {
            let mut buf = [0u8; 64];
            let len = generate_extensions(&mut buf, &exts[..n], 3, false).unwrap();
            assert_eq!(len, size, "{n} extensions");
            let got = collect(&buf[..len], 3).unwrap();
            assert_eq!(by_frame(&got), by_frame(&exts[..n]), "{n} extensions");
        }
        // Three frames each starting with ID 3: one repeat element, L=0 since
        // nothing else follows.
        let mut buf = [0u8; 8];
        let n = generate_extensions(&mut buf, &exts[..3], 3, false).unwrap();
        assert_eq!(&buf[..n], &[3 << 1 | 1, b'a', 0x04, b'b', b'c']);
    }

    fn random_extensions<'a>(
        rng: &mut StdRng,
        pool: &'a [u8],
        nb_frames: usize,
    ) -> Vec<Extension<'a>> {
        let n = rng.gen_range(0..20);
        let mut v = Vec::new();
        // Sometimes give every frame the same leading IDs, to exercise repeats.
        if rng.gen_bool(0.5) {
            let ids: Vec<u8> = (0..rng.gen_range(1..4))
                .map(|_| rng.gen_range(3..=127))
                .collect();
            let short_len = rng.gen_range(0..2);
            for f in 0..nb_frames {
                for &id in &ids {
                    let len = if id < 32 {
                        short_len
                    } else {
                        rng.gen_range(0..300)
                    };
                    let start = rng.gen_range(0..pool.len() - len);
                    v.push(Extension::new(id, f, &pool[start..start + len]));
                }
            }
        }
        for _ in 0..n {
            let id = rng.gen_range(3..=127u8);
            let len = if id < 32 {
                rng.gen_range(0..2)
            } else {
                rng.gen_range(0..600)
            };
            let start = rng.gen_range(0..pool.len() - len);
            v.push(Extension::new(
                id,
                rng.gen_range(0..nb_frames),
                &pool[start..start + len],
            ));
        }
        // Shuffle some of the time; the generator accepts any order.
        if rng.gen_bool(0.3) {
            for i in (1..v.len()).rev() {
                v.swap(i, rng.gen_range(0..=i));
            }
        }
        v
    }

    #[test]
    fn generate_parse_round_trips() {
        let mut rng = StdRng::seed_from_u64(RNG_SEED);
        let mut pool = vec![0u8; 4096];
        rng.fill(&mut pool[..]);
        let mut buf = vec![0u8; 64 * 1024];
        let mut repeats_seen = 0;
        for _ in 0..3000 {
            let nb_frames = rng.gen_range(1..=48);
            let exts = random_extensions(&mut rng, &pool, nb_frames);
            let need = generated_extensions_len(buf.len(), &exts, nb_frames).unwrap();
            let pad = rng.gen_bool(0.3);
            let target = if pad {
                need + rng.gen_range(0..50)
            } else {
                buf.len()
            };
            let n = generate_extensions(&mut buf[..target], &exts, nb_frames, pad).unwrap();
            assert_eq!(n, if pad { target } else { need });
            let data = &buf[..n];
            repeats_seen += usize::from(data.iter().any(|&b| b >> 1 == ID_REPEAT));
            let got = collect(data, nb_frames).unwrap();
            assert_eq!(by_frame(&got), by_frame(&exts));
            for e in &got {
                assert_eq!(&data[e.offset..e.offset + e.data.len()], e.data);
            }
            // Parsed extensions are generated back to the same bytes.
            let mut again = vec![0u8; need];
            assert_eq!(
                generate_extensions(&mut again, &got, nb_frames, false),
                Ok(need)
            );
            assert_eq!(&again[..], &data[n - need..]);
            // One byte short never fits.
            if need > 0 {
                assert!(matches!(
                    generate_extensions(&mut again[..need - 1], &exts, nb_frames, false),
                    Err(Error::BufferTooSmall { .. })
                ));
            }
        }
        assert!(repeats_seen > 500, "only {repeats_seen} repeats");
    }

    #[test]
    fn random_padding_never_panics_and_round_trips() {
        let mut rng = StdRng::seed_from_u64(RNG_SEED ^ 1);
        let mut payload = [0u8; 200];
        let mut ok = 0;
        for _ in 0..100_000 {
            let len = rng.gen_range(0..=200);
            rng.fill(&mut payload[..len]);
            let nb_frames = rng.gen_range(1..=48);
            let pad = &payload[..len];
            let res = collect(pad, nb_frames);
            let count = count_extensions(pad, nb_frames).unwrap();
            let mut out = [Extension::new(0, 0, &[]); 16];
            let parsed = parse_extensions(pad, nb_frames, &mut out);
            if let Ok(exts) = res {
                ok += 1;
                assert_eq!(exts.len(), count);
                if count <= out.len() {
                    assert_eq!(parsed, Ok(count));
                    assert_eq!(&out[..count], &exts[..]);
                } else {
                    assert!(matches!(parsed, Err(Error::BufferTooSmall { .. })));
                }
                for e in &exts {
                    assert!(e.frame < nb_frames && (3..=127).contains(&e.id));
                    assert!(e.offset + e.data.len() <= len);
                }
                let mut buf = [0u8; 201];
                let m = generate_extensions(&mut buf, &exts, nb_frames, false).unwrap();
                let again = collect(&buf[..m], nb_frames).unwrap();
                assert_eq!(by_frame(&again), by_frame(&exts));
            } else {
                assert!(parsed.is_err());
            }
            let mut it = ExtensionIterator::new(pad, nb_frames).unwrap();
            it.set_frame_max(rng.gen_range(0..=nb_frames));
            let _ = it.count();
        }
        assert!(ok > 30_000, "only {ok} parsed");
    }
}

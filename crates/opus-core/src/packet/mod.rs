//! Opus packets: the TOC byte, frame packing, self-delimited framing, the
//! repacketizer and padding extensions (RFC 6716 section 3 and appendix B,
//! plus libopus 1.6.1's extension format).
//!
//! One module per stage:
//!
//! - [`toc`]: the table-of-contents byte (section 3.1);
//! - [`framing`]: frame packing codes 0 to 3 and padding (section 3.2),
//!   standard and self-delimited;
//! - [`self_delimited`]: frame length coding (section 3.2.1, appendix B);
//! - [`repacketizer`]: merging and splitting packets, padding and unpadding;
//! - [`extensions`]: extensions carried in the padding of code 3 packets,
//!   which is where DRED travels.
//!
//! Every function here accepts and rejects exactly what libopus 1.6.1 does,
//! returns a `Result` instead of panicking on any input, and works in fixed
//! arrays of at most [`MAX_FRAMES`] entries. The only allocation is the
//! repacketizer's list of carried extensions, sized by the input.

pub mod extensions;
pub mod framing;
pub mod repacketizer;
pub mod self_delimited;
pub mod silk_flags;
pub mod toc;

pub use extensions::{Extension, ExtensionIterator};
pub use framing::{has_lbrr, nb_frames, nb_samples, parse, parse_self_delimited, ParsedPacket};
pub use repacketizer::{packet_pad, packet_unpad, Repacketizer};
pub use silk_flags::{silk_flags, SilkFlags};
pub use toc::{Bandwidth, FrameCountCode, Mode, Toc};

/// The most frames one packet can hold: 120 ms of 2.5 ms frames.
pub const MAX_FRAMES: usize = 48;

/// The largest frame, in bytes (RFC 6716 section 3.4, rule R2).
pub const MAX_FRAME_BYTES: usize = 1275;

/// The longest packet, in samples per channel at 48 kHz (120 ms).
pub const MAX_PACKET_SAMPLES_48K: u32 = 5760;

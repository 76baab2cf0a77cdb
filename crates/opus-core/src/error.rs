//! The error type of the core codec.
//!
//! Three kinds are kept apart, after the style guide: malformed input
//! ([`Error::InvalidPacket`]), a valid request this crate does not serve
//! ([`Error::Unsupported`]) and caller misuse ([`Error::BadArg`],
//! [`Error::BufferTooSmall`]). [`Error::libopus_code`] gives the matching
//! libopus error code, which `dred-opus demo` reports.

use core::fmt;

/// Errors returned by the core codec. None of them allocates.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The bytes are not a valid Opus packet (libopus `OPUS_INVALID_PACKET`).
    InvalidPacket(&'static str),
    /// An argument is out of range (libopus `OPUS_BAD_ARG`).
    BadArg(&'static str),
    /// An output buffer is too small (libopus `OPUS_BUFFER_TOO_SMALL`).
    BufferTooSmall {
        /// How many elements the call needed.
        needed: usize,
        /// How many the caller provided.
        got: usize,
    },
    /// Valid input that this implementation does not handle (libopus `OPUS_UNIMPLEMENTED`).
    Unsupported(&'static str),
    /// An internal step failed on data an earlier step accepted (libopus
    /// `OPUS_INTERNAL_ERROR`); the repacketizer reports malformed extensions
    /// in a packet's padding this way, as libopus does.
    Internal(&'static str),
}

impl Error {
    /// The libopus error code (`OPUS_BAD_ARG` = -1 and so on) matching this error.
    pub fn libopus_code(&self) -> i32 {
        match self {
            Error::BadArg(_) => -1,
            Error::BufferTooSmall { .. } => -2,
            Error::Internal(_) => -3,
            Error::InvalidPacket(_) => -4,
            Error::Unsupported(_) => -5,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidPacket(why) => write!(f, "opus: invalid packet: {why}"),
            Error::BadArg(why) => write!(f, "opus: bad argument: {why}"),
            Error::BufferTooSmall { needed, got } => {
                write!(f, "opus: buffer too small: needed {needed}, got {got}")
            }
            Error::Unsupported(what) => write!(f, "opus: unsupported: {what}"),
            Error::Internal(what) => write!(f, "opus: internal error: {what}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_libopus() {
        assert_eq!(Error::BadArg("x").libopus_code(), -1);
        assert_eq!(Error::BufferTooSmall { needed: 2, got: 1 }.libopus_code(), -2);
        assert_eq!(Error::InvalidPacket("x").libopus_code(), -4);
        assert_eq!(Error::Unsupported("x").libopus_code(), -5);
        assert_eq!(Error::Internal("x").libopus_code(), -3);
        assert_eq!(
            Error::BufferTooSmall { needed: 2, got: 1 }.to_string(),
            "opus: buffer too small: needed 2, got 1"
        );
    }
}

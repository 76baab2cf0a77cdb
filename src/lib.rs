//! dred-opus facade.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
pub use opus_core;

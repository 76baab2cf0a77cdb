//! DRED constants of libopus 1.6.1 (`dnn/dred_config.h`).

/// The padding-extension ID libopus uses for DRED until IANA assigns one.
pub const EXTENSION_ID: u8 = 126;
/// First payload byte of the experimental DRED extension.
pub const EXPERIMENTAL_MAGIC: u8 = b'D';
/// Second payload byte: the experimental bitstream version (12 in libopus 1.6.x).
pub const EXPERIMENTAL_VERSION: u8 = 12;
/// Bytes of the experimental header (`'D'` and the version).
pub const EXPERIMENTAL_BYTES: usize = 2;
/// Smallest DRED payload the encoder writes.
pub const MIN_BYTES: usize = 8;
/// Largest DRED payload the encoder writes.
pub const MAX_DATA_SIZE: usize = 1000;
/// Latent chunks at most (each covers 40 ms).
pub const MAX_LATENTS: usize = 26;
/// Redundancy in 20 ms units.
pub const NUM_REDUNDANCY_FRAMES: usize = 2 * MAX_LATENTS;
/// Redundancy in 10 ms feature frames.
pub const MAX_FRAMES: usize = 4 * MAX_LATENTS;
/// Feature frame length at 16 kHz.
pub const FRAME_SIZE: usize = 160;

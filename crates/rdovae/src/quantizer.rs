//! Quantiser level of each DRED latent (libopus 1.6.1 `compute_quantizer`,
//! `dnn/dred_coding.c`).
//!
//! The payload sends a starting level `q0`, a slope index `dq` and a ceiling `qmax`. The
//! latent `i` chunks back from the newest is coded at level
//! `min(qmax, q0 + (DQ_TABLE[dq]·i + 8) / 16)`: older redundancy is quantised more coarsely.

/// Slopes in sixteenths of a level per latent, indexed by the 3-bit `dq` of the payload.
pub const DQ_TABLE: [i32; 8] = [0, 2, 3, 4, 6, 8, 12, 16];

/// The quantiser level of latent `i` (0 = newest).
///
/// # Panics
/// If `dq` is 8 or more (the payload codes it in 3 bits).
pub fn compute_quantizer(q0: i32, dq: usize, qmax: i32, i: i32) -> i32 {
    let quant = q0 + (DQ_TABLE[dq] * i + 8) / 16;
    quant.min(qmax)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_and_sloped() {
        assert!((0..26).all(|i| compute_quantizer(5, 0, 15, i) == 5));
        // One level per latent, rounded: 0.5 rounds up.
        assert_eq!(compute_quantizer(3, 7, 15, 4), 7);
        // 2/16 per latent: +1 after 4 latents (8/16 + 8 = 16).
        let levels: Vec<i32> = (0..8).map(|i| compute_quantizer(0, 1, 15, i)).collect();
        assert_eq!(levels, [0, 0, 0, 0, 1, 1, 1, 1]);
        assert_eq!(compute_quantizer(10, 7, 12, 25), 12);
    }
}

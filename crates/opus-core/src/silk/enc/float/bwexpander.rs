//! Bandwidth expansion of a float AR filter (libopus `silk/float/bwexpander_FLP.c`).

/// Multiplies `ar[i]` by `chirp^(i + 1)`, the powers built up by repeated
/// multiplication in `f32` (libopus `silk_bwexpander_FLP`). Pulls the poles
/// of the filter towards the origin, widening its formant bandwidths.
pub fn bwexpander_flp(ar: &mut [f32], chirp: f32) {
    let Some((last, head)) = ar.split_last_mut() else {
        return;
    };
    let mut cfac = chirp;
    for a in head {
        *a *= cfac;
        cfac *= chirp;
    }
    *last *= cfac;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_chirp() {
        let mut a = [1.0f32, 1.0, 1.0, 2.0];
        bwexpander_flp(&mut a, 0.5);
        assert_eq!(a, [0.5, 0.25, 0.125, 0.125]);
        bwexpander_flp(&mut [], 0.5);
    }
}

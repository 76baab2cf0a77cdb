//! Scaled copy of a float vector (libopus `silk/float/scale_copy_vector_FLP.c`).

/// `out[i] = gain * input[i]` for `i < out.len()` (libopus
/// `silk_scale_copy_vector_FLP`).
///
/// # Panics
/// If `input` is shorter than `out`.
pub fn scale_copy_vector_flp(out: &mut [f32], input: &[f32], gain: f32) {
    let input = &input[..out.len()];
    for (o, &i) in out.iter_mut().zip(input) {
        *o = gain * i;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn copies_scaled() {
        let mut o = [0f32; 3];
        super::scale_copy_vector_flp(&mut o, &[1.0, 2.0, 3.0, 4.0], 2.0);
        assert_eq!(o, [2.0, 4.0, 6.0]);
    }
}

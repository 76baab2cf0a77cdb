//! In-place scaling of a float vector (libopus `silk/float/scale_vector_FLP.c`).

/// `data[i] *= gain` (libopus `silk_scale_vector_FLP`).
pub fn scale_vector_flp(data: &mut [f32], gain: f32) {
    for v in data {
        *v *= gain;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn scales() {
        let mut v = [1.0f32, -2.0, 3.0, 4.0, 5.0];
        super::scale_vector_flp(&mut v, 0.5);
        assert_eq!(v, [0.5, -1.0, 1.5, 2.0, 2.5]);
    }
}

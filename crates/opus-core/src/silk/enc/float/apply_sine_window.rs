//! Sine window slopes (libopus `silk/float/apply_sine_window_FLP.c`).

use super::PI;

/// Writes `px[..length]` times a rising (`win_type == 1`, sin from 0 to
/// pi/2) or falling (`win_type == 2`, pi/2 to pi) quarter sine into
/// `px_win` (libopus `silk_apply_sine_window_FLP`). The sine comes from the
/// recursion `s[n] = 2 cos(f) s[n-1] - s[n-2]`, started from small-angle
/// approximations, and odd samples use the mean of their neighbours. Any
/// other `win_type` is treated as 2. `length` should be a multiple of 4; a
/// remainder is left unwritten.
///
/// # Panics
/// If a slice is shorter than `length`.
pub fn apply_sine_window_flp(px_win: &mut [f32], px: &[f32], win_type: i32, length: usize) {
    let freq = PI / (length as i32 + 1) as f32;
    let c = 2.0f32 - freq * freq;
    let (mut s0, mut s1) = if win_type < 2 {
        (0.0f32, freq)
    } else {
        (1.0f32, 0.5f32 * c)
    };
    let px = &px[..length];
    let px_win = &mut px_win[..length];
    for (w, p) in px_win.chunks_exact_mut(4).zip(px.chunks_exact(4)) {
        w[0] = p[0] * 0.5f32 * (s0 + s1);
        w[1] = p[1] * s1;
        s0 = c * s1 - s0;
        w[2] = p[2] * 0.5f32 * (s1 + s0);
        w[3] = p[3] * s0;
        s1 = c * s0 - s1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slopes_rise_and_fall() {
        let x = [1.0f32; 16];
        let mut up = [0f32; 16];
        let mut down = [0f32; 16];
        apply_sine_window_flp(&mut up, &x, 1, 16);
        apply_sine_window_flp(&mut down, &x, 2, 16);
        assert!(up.windows(2).all(|w| w[0] < w[1]));
        assert!(down.windows(2).all(|w| w[0] > w[1]));
        for (n, &u) in up.iter().enumerate() {
            // Odd outputs sit on the recursion's grid: sin(((n + 1) / 2) f).
            let exact = (n.div_ceil(2) as f64 * std::f64::consts::PI / 17.0).sin() as f32;
            if n % 2 == 1 {
                assert!((u - exact).abs() < 0.01, "{n}: {u} {exact}");
            }
        }
    }
}

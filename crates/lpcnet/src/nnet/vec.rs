//! Matrix-vector kernels of libopus's generic C path (`dnn/vec.h` without SSE/AVX/NEON).
//!
//! Every kernel accumulates each output in the same order as the reference, starting from
//! +0.0, with separate multiplies and adds (no fused multiply-add), so results are bit-exact.
//!
//! Weight layouts:
//! - dense float: column-major, element (row i, column j) at `w[j·col_stride + i]`;
//! - sparse float: per group of 8 rows, a block count then that many column positions; each
//!   block holds 8×4 weights stored column by column (`w[8·c + r]`);
//! - int8 (dense and sparse): 8×4 blocks stored row by row (`w[4·r + c]`); the dense form
//!   walks the blocks by row group, then column group.
//!
//! The int8 kernels quantise the input to `floor(0.5 + 127·x)` wrapped to a signed byte, sum
//! integer products, and multiply each output by its scale at the end.

use super::activations::cvtt_f64_i32;

/// The largest input count the int8 kernels accept (`MAX_INPUTS` of libopus's generic path).
pub const MAX_INPUTS: usize = 2048;

/// Quantises one activation to the int8 input of the integer kernels.
///
/// `127·x` is a float product; adding 0.5 and flooring happen in double precision; the
/// integer conversion follows x86-64 semantics and the store into a signed byte wraps.
#[inline]
pub fn quantize_input(x: f32) -> i8 {
    let d = (0.5f64 + f64::from(127.0f32 * x)).floor();
    cvtt_f64_i32(d) as i8
}

/// Quantises `x` into `q` (up to the shorter length).
#[inline]
fn quantize_all(q: &mut [i8], x: &[f32]) {
    for (qi, &xi) in q.iter_mut().zip(x) {
        *qi = quantize_input(xi);
    }
}

/// Dense float matrix times vector: `out[i] = Σ_j w[j·col_stride + i]·x[j]`, summed in
/// increasing j from +0.0 (libopus `sgemv`, whose 16- and 8-row variants keep this order).
///
/// # Panics
/// If a slice is shorter than the dimensions require.
pub fn sgemv(out: &mut [f32], weights: &[f32], rows: usize, cols: usize, col_stride: usize, x: &[f32]) {
    let out = &mut out[..rows];
    out.fill(0.0);
    if rows == 0 {
        return;
    }
    for (j, &xj) in x[..cols].iter().enumerate() {
        let w = &weights[j * col_stride..j * col_stride + rows];
        for (y, &wi) in out.iter_mut().zip(w) {
            *y += wi * xj;
        }
    }
}

/// Block-sparse float matrix times vector (libopus `sparse_sgemv8x4`).
///
/// `idx` and `w` must describe `rows` (a multiple of 8) output rows as validated by the
/// weight loader.
///
/// # Panics
/// If the index list or weights are shorter than the layout requires, or a position is out of
/// range of `x`.
pub fn sparse_sgemv8x4(out: &mut [f32], w: &[f32], idx: &[i32], rows: usize, x: &[f32]) {
    let out = &mut out[..rows];
    out.fill(0.0);
    let mut ip = 0usize;
    let mut wp = 0usize;
    for y in out.chunks_exact_mut(8) {
        let blocks = idx[ip] as usize;
        ip += 1;
        for _ in 0..blocks {
            let pos = idx[ip] as usize;
            ip += 1;
            let xs = &x[pos..pos + 4];
            let wb = &w[wp..wp + 32];
            for (c, &xc) in xs.iter().enumerate() {
                for (r, yr) in y.iter_mut().enumerate() {
                    *yr += wb[8 * c + r] * xc;
                }
            }
            wp += 32;
        }
    }
}

/// One 8×4 int8 block applied to four quantised inputs, accumulated into eight outputs.
///
/// The reference forms each row's four products and their sum either in float (dense kernel)
/// or in int (sparse kernel); every term is an integer below 2^24 in magnitude, so both are
/// exact and equal to this integer sum converted to f32.
#[inline]
fn block8x4(y: &mut [f32], wb: &[i8], x0: i32, x1: i32, x2: i32, x3: i32) {
    for (r, yr) in y.iter_mut().enumerate() {
        let w = &wb[4 * r..4 * r + 4];
        let s = i32::from(w[0]) * x0 + i32::from(w[1]) * x1 + i32::from(w[2]) * x2 + i32::from(w[3]) * x3;
        *yr += s as f32;
    }
}

/// Dense int8 matrix times quantised vector, then per-row scale (libopus `cgemv8x4`).
///
/// `rows` must be a multiple of 8, `cols` a multiple of 4 and at most [`MAX_INPUTS`].
///
/// # Panics
/// If the dimensions break those rules or a slice is too short.
pub fn cgemv8x4(out: &mut [f32], w: &[i8], scale: &[f32], rows: usize, cols: usize, x: &[f32]) {
    assert!(rows % 8 == 0 && cols % 4 == 0 && cols <= MAX_INPUTS, "cgemv8x4: bad shape");
    let mut q = [0i8; MAX_INPUTS];
    quantize_all(&mut q[..cols], &x[..cols]);
    let out = &mut out[..rows];
    out.fill(0.0);
    if cols > 0 {
        let groups = w[..rows * cols].chunks_exact(8 * cols);
        for (y, wg) in out.chunks_exact_mut(8).zip(groups) {
            for (wb, xq) in wg.chunks_exact(32).zip(q[..cols].chunks_exact(4)) {
                block8x4(y, wb, xq[0].into(), xq[1].into(), xq[2].into(), xq[3].into());
            }
        }
    }
    for (y, &s) in out.iter_mut().zip(&scale[..rows]) {
        *y *= s;
    }
}

/// Block-sparse int8 matrix times quantised vector, then per-row scale
/// (libopus `sparse_cgemv8x4`).
///
/// # Panics
/// If `cols` exceeds [`MAX_INPUTS`], or the index list, weights or scale are shorter than the
/// layout requires.
pub fn sparse_cgemv8x4(out: &mut [f32], w: &[i8], idx: &[i32], scale: &[f32], rows: usize, cols: usize, x: &[f32]) {
    assert!(cols <= MAX_INPUTS, "sparse_cgemv8x4: too many inputs");
    let mut q = [0i8; MAX_INPUTS];
    quantize_all(&mut q[..cols], &x[..cols]);
    let out = &mut out[..rows];
    out.fill(0.0);
    let mut ip = 0usize;
    let mut wp = 0usize;
    for y in out.chunks_exact_mut(8) {
        let blocks = idx[ip] as usize;
        ip += 1;
        for _ in 0..blocks {
            let pos = idx[ip] as usize;
            ip += 1;
            let xq = &q[pos..pos + 4];
            block8x4(y, &w[wp..wp + 32], xq[0].into(), xq[1].into(), xq[2].into(), xq[3].into());
            wp += 32;
        }
    }
    for (y, &s) in out.iter_mut().zip(&scale[..rows]) {
        *y *= s;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quantiser_matches_c_rules() {
        assert_eq!(quantize_input(0.0), 0);
        assert_eq!(quantize_input(1.0), 127);
        assert_eq!(quantize_input(-1.0), -127);
        // floor(.5 + x): halves round up.
        assert_eq!(quantize_input(0.5 / 127.0), 1);
        assert_eq!(quantize_input(-0.5 / 127.0), 0);
        // Out of the int8 range, the store wraps.
        assert_eq!(quantize_input(1.1), (140i32 as i8));
        assert_eq!(quantize_input(-2.0), (-254i32 as i8));
        assert_eq!(quantize_input(f32::NAN), 0);
        assert_eq!(quantize_input(1e30), 0);
        assert_eq!(quantize_input(f32::NEG_INFINITY), 0);
    }

    #[test]
    fn dense_float_is_a_plain_matvec() {
        // 3 rows, 2 columns, column-major.
        let w = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut out = [9.0f32; 3];
        sgemv(&mut out, &w, 3, 2, 3, &[1.0, 10.0]);
        assert_eq!(out, [41.0, 52.0, 63.0]);
    }

    #[test]
    fn sparse_float_block_layout() {
        // One row group, one block at column 4 of an 8-wide input.
        let mut w = [0.0f32; 32];
        w[8 * 2 + 5] = 2.0; // row 5, column 4+2
        let x = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0];
        let mut out = [1.0f32; 8];
        sparse_sgemv8x4(&mut out, &w, &[1, 4], 8, &x);
        assert_eq!(out, [0.0, 0.0, 0.0, 0.0, 0.0, 6.0, 0.0, 0.0]);
    }

    #[test]
    fn int8_block_layout() {
        let mut w = [0i8; 32];
        w[4 * 3 + 1] = 2; // row 3, column 1
        let x = [0.0, 1.0, 0.0, 0.0];
        let scale = [0.5f32; 8];
        let mut out = [0.0f32; 8];
        cgemv8x4(&mut out, &w, &scale, 8, 4, &x);
        assert_eq!(out[3], 127.0);
        let mut out2 = [0.0f32; 8];
        sparse_cgemv8x4(&mut out2, &w, &[1, 0], &scale, 8, 4, &x);
        assert_eq!(out, out2);
    }
}

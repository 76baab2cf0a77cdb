//! The affine layer every libopus network is built from (`LinearLayer`, `compute_linear`).
//!
//! A layer maps `nb_inputs` values to `nb_outputs` values with one of four weight forms,
//! chosen the way libopus's `compute_linear_c` chooses:
//!
//! 1. float weights, dense or block-sparse (when an index list is present);
//! 2. otherwise int8 weights with a per-output scale, dense or block-sparse;
//! 3. otherwise no weights: the product is zero.
//!
//! Then the bias is added (if any), then, for GRU recurrent layers, a diagonal term
//! `diag[k·M + i]·x[i]` for each of the three gates. The `subias` array (bias corrected for
//! unsigned inputs) is kept for completeness; only libopus's x86 kernels use it.

use super::vec::{cgemv8x4, sgemv, sparse_cgemv8x4, sparse_sgemv8x4, MAX_INPUTS};
use crate::weights::{validate_sparse_index, ArrayName, WeightsError};

/// The arrays of a linear layer, owned, before validation (see [`LinearLayer::from_parts`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinearParts {
    /// Added to every output after the product.
    pub bias: Option<Vec<f32>>,
    /// Bias variant for libopus's unsigned-input x86 kernels (unused by the generic path).
    pub subias: Option<Vec<f32>>,
    /// int8 weights in 8×4 blocks (row-major inside a block).
    pub weights: Option<Vec<i8>>,
    /// float weights: column-major when dense, 8×4 column-major blocks when sparse.
    pub float_weights: Option<Vec<f32>>,
    /// Block-sparse index list: per 8 outputs, a count then that many input positions.
    pub weights_idx: Option<Vec<i32>>,
    /// GRU recurrent diagonal, `3·nb_inputs` values.
    pub diag: Option<Vec<f32>>,
    /// Per-output scale of the int8 weights.
    pub scale: Option<Vec<f32>>,
    /// Number of inputs.
    pub nb_inputs: usize,
    /// Number of outputs.
    pub nb_outputs: usize,
}

/// A validated affine layer; see the [module docs](self).
#[derive(Clone, Debug, PartialEq)]
pub struct LinearLayer {
    bias: Option<Vec<f32>>,
    subias: Option<Vec<f32>>,
    weights: Option<Vec<i8>>,
    float_weights: Option<Vec<f32>>,
    weights_idx: Option<Vec<i32>>,
    diag: Option<Vec<f32>>,
    scale: Option<Vec<f32>>,
    nb_inputs: usize,
    nb_outputs: usize,
}

fn check_len(field: &'static str, len: usize, expected: usize, elem: usize) -> Result<(), WeightsError> {
    if len == expected {
        Ok(())
    } else {
        Err(WeightsError::WrongSize {
            name: ArrayName::from(field),
            expected: expected.saturating_mul(elem),
            found: len.saturating_mul(elem),
        })
    }
}

impl LinearLayer {
    /// Validates the arrays against the dimensions as libopus's `linear_init` does, plus the
    /// shape rules of the kernels that will run.
    ///
    /// # Errors
    /// - [`WeightsError::WrongSize`] (named after the field) if an array's length does not fit
    ///   the dimensions;
    /// - [`WeightsError::BadSparseIndex`] if the index list is malformed;
    /// - [`WeightsError::InvalidSpec`] if int8 weights lack a scale, the int8 kernels cannot
    ///   handle the shape (dense: outputs a multiple of 8, inputs of 4; at most 2048 inputs),
    ///   or a diagonal is given for a layer that is not `M → 3M`.
    pub fn from_parts(parts: LinearParts) -> Result<Self, WeightsError> {
        let LinearParts { bias, subias, weights, float_weights, weights_idx, diag, scale, nb_inputs, nb_outputs } =
            parts;
        let dense_len = nb_inputs
            .checked_mul(nb_outputs)
            .ok_or(WeightsError::InvalidSpec("layer dimensions overflow"))?;
        if let Some(b) = &bias {
            check_len("bias", b.len(), nb_outputs, 4)?;
        }
        if let Some(b) = &subias {
            check_len("subias", b.len(), nb_outputs, 4)?;
        }
        let weight_len = match &weights_idx {
            Some(idx) => {
                let blocks = validate_sparse_index(idx, nb_inputs, nb_outputs)
                    .map_err(|reason| WeightsError::BadSparseIndex { name: ArrayName::from("weights_idx"), reason })?;
                blocks * 32
            }
            None => dense_len,
        };
        if let Some(w) = &weights {
            check_len("weights", w.len(), weight_len, 1)?;
        }
        if let Some(w) = &float_weights {
            check_len("float_weights", w.len(), weight_len, 4)?;
        }
        if let Some(d) = &diag {
            check_len("diag", d.len(), nb_outputs, 4)?;
            if nb_inputs.checked_mul(3) != Some(nb_outputs) {
                return Err(WeightsError::InvalidSpec("diagonal on a layer that is not M -> 3M"));
            }
        }
        if weights.is_some() {
            match &scale {
                Some(s) => check_len("scale", s.len(), nb_outputs, 4)?,
                None => return Err(WeightsError::InvalidSpec("int8 weights without a scale")),
            }
            if float_weights.is_none() {
                if nb_inputs > MAX_INPUTS {
                    return Err(WeightsError::InvalidSpec("int8 layer with more than 2048 inputs"));
                }
                if weights_idx.is_none() && (nb_outputs % 8 != 0 || nb_inputs % 4 != 0) {
                    return Err(WeightsError::InvalidSpec("dense int8 layer not made of 8x4 blocks"));
                }
            }
        } else if let Some(s) = &scale {
            check_len("scale", s.len(), nb_outputs, 4)?;
        }
        Ok(LinearLayer { bias, subias, weights, float_weights, weights_idx, diag, scale, nb_inputs, nb_outputs })
    }

    /// Number of inputs.
    pub fn nb_inputs(&self) -> usize {
        self.nb_inputs
    }
    /// Number of outputs.
    pub fn nb_outputs(&self) -> usize {
        self.nb_outputs
    }
    /// The bias, if any.
    pub fn bias(&self) -> Option<&[f32]> {
        self.bias.as_deref()
    }
    /// The unsigned-input bias, if any.
    pub fn subias(&self) -> Option<&[f32]> {
        self.subias.as_deref()
    }
    /// The int8 weights, if any.
    pub fn weights(&self) -> Option<&[i8]> {
        self.weights.as_deref()
    }
    /// The float weights, if any.
    pub fn float_weights(&self) -> Option<&[f32]> {
        self.float_weights.as_deref()
    }
    /// The sparse index list, if the layer is block-sparse.
    pub fn weights_idx(&self) -> Option<&[i32]> {
        self.weights_idx.as_deref()
    }
    /// The GRU diagonal, if any.
    pub fn diag(&self) -> Option<&[f32]> {
        self.diag.as_deref()
    }
    /// The int8 scale, if any.
    pub fn scale(&self) -> Option<&[f32]> {
        self.scale.as_deref()
    }
    /// The arrays back, e.g. to modify and re-validate them.
    pub fn into_parts(self) -> LinearParts {
        let LinearLayer { bias, subias, weights, float_weights, weights_idx, diag, scale, nb_inputs, nb_outputs } =
            self;
        LinearParts { bias, subias, weights, float_weights, weights_idx, diag, scale, nb_inputs, nb_outputs }
    }
}

/// Computes `out = W·input + bias (+ diag terms)` for `layer` (libopus `compute_linear_c`).
///
/// Only the first `nb_inputs` of `input` and `nb_outputs` of `out` are used.
///
/// # Panics
/// If `input` or `out` is shorter than the layer's dimensions.
pub fn compute_linear(layer: &LinearLayer, out: &mut [f32], input: &[f32]) {
    let m = layer.nb_inputs;
    let n = layer.nb_outputs;
    let input = &input[..m];
    let out = &mut out[..n];
    if let Some(fw) = &layer.float_weights {
        match &layer.weights_idx {
            Some(idx) => sparse_sgemv8x4(out, fw, idx, n, input),
            None => sgemv(out, fw, n, m, n, input),
        }
    } else if let (Some(w), Some(scale)) = (&layer.weights, &layer.scale) {
        match &layer.weights_idx {
            Some(idx) => sparse_cgemv8x4(out, w, idx, scale, n, m, input),
            None => cgemv8x4(out, w, scale, n, m, input),
        }
    } else {
        out.fill(0.0);
    }
    if let Some(bias) = &layer.bias {
        for (o, &b) in out.iter_mut().zip(bias) {
            *o += b;
        }
    }
    if let Some(diag) = &layer.diag {
        let (z, rest) = out.split_at_mut(m);
        let (r, h) = rest.split_at_mut(m);
        for i in 0..m {
            z[i] += diag[i] * input[i];
            r[i] += diag[i + m] * input[i];
            h[i] += diag[i + 2 * m] * input[i];
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn dense_float(nb_inputs: usize, nb_outputs: usize) -> LinearParts {
        LinearParts {
            bias: Some((0..nb_outputs).map(|i| i as f32).collect()),
            float_weights: Some(vec![1.0; nb_inputs * nb_outputs]),
            nb_inputs,
            nb_outputs,
            ..Default::default()
        }
    }

    #[test]
    fn dense_float_with_bias() {
        let l = LinearLayer::from_parts(dense_float(3, 5)).unwrap();
        let mut out = [0.0f32; 5];
        compute_linear(&l, &mut out, &[1.0, 2.0, 3.0]);
        assert_eq!(out, [6.0, 7.0, 8.0, 9.0, 10.0]);
    }

    #[test]
    fn no_weights_gives_bias() {
        let l = LinearLayer::from_parts(LinearParts {
            bias: Some(vec![1.5; 4]),
            nb_inputs: 2,
            nb_outputs: 4,
            ..Default::default()
        })
        .unwrap();
        let mut out = [9.0f32; 4];
        compute_linear(&l, &mut out, &[1.0, 1.0]);
        assert_eq!(out, [1.5; 4]);
    }

    #[test]
    fn diag_terms() {
        let l = LinearLayer::from_parts(LinearParts {
            diag: Some(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
            nb_inputs: 2,
            nb_outputs: 6,
            ..Default::default()
        })
        .unwrap();
        let mut out = [0.0f32; 6];
        compute_linear(&l, &mut out, &[1.0, 10.0]);
        assert_eq!(out, [1.0, 20.0, 3.0, 40.0, 5.0, 60.0]);
    }

    #[test]
    fn validation() {
        let mut p = dense_float(3, 5);
        p.bias = Some(vec![0.0; 4]);
        assert_eq!(
            LinearLayer::from_parts(p),
            Err(WeightsError::WrongSize { name: "bias".into(), expected: 20, found: 16 })
        );
        let p = LinearParts { weights: Some(vec![0; 32]), nb_inputs: 4, nb_outputs: 8, ..Default::default() };
        assert!(matches!(LinearLayer::from_parts(p), Err(WeightsError::InvalidSpec(_))));
        let p = LinearParts {
            weights: Some(vec![0; 30]),
            scale: Some(vec![1.0; 6]),
            nb_inputs: 5,
            nb_outputs: 6,
            ..Default::default()
        };
        assert!(matches!(LinearLayer::from_parts(p), Err(WeightsError::InvalidSpec(_))));
        let p = LinearParts {
            weights: Some(vec![0; 32]),
            scale: Some(vec![1.0; 8]),
            weights_idx: Some(vec![1, 2]),
            nb_inputs: 8,
            nb_outputs: 8,
            ..Default::default()
        };
        assert!(matches!(LinearLayer::from_parts(p), Err(WeightsError::BadSparseIndex { .. })));
        let p = LinearParts { diag: Some(vec![0.0; 6]), nb_inputs: 3, nb_outputs: 6, ..Default::default() };
        assert!(matches!(LinearLayer::from_parts(p), Err(WeightsError::InvalidSpec(_))));
    }
}

//! Building layers from named arrays (libopus `linear_init` and `conv2d_init`).
//!
//! A layer description names the arrays it needs; each is looked up in a [`WeightBlob`] and
//! its byte size checked against the layer's dimensions, with libopus's rules:
//!
//! - a named bias, subias, diagonal or int8 weight array must exist with the exact size;
//! - a named float weight array is optional, but must have the exact size when present;
//! - int8 weights require a scale;
//! - a named sparse index list must exist and be well formed
//!   ([`validate_sparse_index`]); it fixes the size of the weight arrays (32 per block).
//!
//! Loading either returns a complete layer or an error: model constructors built from these
//! functions never keep a half-loaded model.

use super::{ArrayName, WeightBlob, WeightsError};
use crate::nnet::{Conv2dLayer, Conv2dParts, LinearLayer, LinearParts};

/// Which arrays make up a linear layer, and its dimensions (the arguments of libopus's
/// `linear_init`). `None` means the layer has no such array.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinearSpec<'n> {
    /// Bias array name.
    pub bias: Option<&'n str>,
    /// Unsigned-input bias array name.
    pub subias: Option<&'n str>,
    /// int8 weight array name.
    pub weights: Option<&'n str>,
    /// float weight array name (optional in the blob).
    pub float_weights: Option<&'n str>,
    /// Sparse index array name.
    pub weights_idx: Option<&'n str>,
    /// GRU diagonal array name.
    pub diag: Option<&'n str>,
    /// int8 scale array name.
    pub scale: Option<&'n str>,
    /// Number of inputs.
    pub nb_inputs: usize,
    /// Number of outputs.
    pub nb_outputs: usize,
}

/// Which arrays make up a 2-D convolution, and its shape (the arguments of `conv2d_init`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Conv2dSpec<'n> {
    /// Bias array name.
    pub bias: Option<&'n str>,
    /// float weight array name (optional in the blob).
    pub float_weights: Option<&'n str>,
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Kernel length along time (frames).
    pub ktime: usize,
    /// Kernel length along the height axis.
    pub kheight: usize,
}

/// Checks a block-sparse index list the way libopus's loader does, and returns the total
/// number of 8×4 blocks.
///
/// The list is a sequence of groups, one per 8 outputs: a block count `n`, then `n` input
/// positions. Each position must be a multiple of 4 with `pos + 3 < nb_inputs`; the groups
/// must use up the list exactly and number `nb_outputs / 8`.
///
/// libopus 1.6.1 does not reject negative counts or negative positions (it then reads out of
/// bounds or never terminates); they are rejected here.
///
/// # Errors
/// A short description of the first problem found.
pub fn validate_sparse_index(idx: &[i32], nb_inputs: usize, nb_outputs: usize) -> Result<usize, &'static str> {
    let mut at = 0usize;
    let mut groups = 0usize;
    let mut total = 0usize;
    while at < idx.len() {
        let n = idx[at];
        at += 1;
        if n < 0 {
            return Err("negative block count");
        }
        let n = n as usize;
        if n > idx.len() - at {
            return Err("block count runs past the end of the list");
        }
        for &pos in &idx[at..at + n] {
            if pos < 0 || i64::from(pos) + 3 >= nb_inputs as i64 || pos & 3 != 0 {
                return Err("position out of range or not a multiple of 4");
            }
        }
        at += n;
        groups += 1;
        total += n;
    }
    if groups.checked_mul(8) != Some(nb_outputs) {
        return Err("number of groups does not match the outputs");
    }
    Ok(total)
}

fn lookup<'a>(blob: &WeightBlob<'a>, name: &str) -> Result<&'a [u8], WeightsError> {
    blob.find(name).map(|r| r.data()).ok_or(WeightsError::MissingArray { name: ArrayName::from(name) })
}

fn bytes_len(count: usize, elem: usize) -> Result<usize, WeightsError> {
    count.checked_mul(elem).ok_or(WeightsError::InvalidSpec("layer dimensions overflow"))
}

/// A required array of exactly `expected` bytes.
fn required<'a>(blob: &WeightBlob<'a>, name: &str, expected: usize) -> Result<&'a [u8], WeightsError> {
    let data = lookup(blob, name)?;
    if data.len() != expected {
        return Err(WeightsError::WrongSize { name: ArrayName::from(name), expected, found: data.len() });
    }
    Ok(data)
}

/// An optional array: absent is fine, present must have exactly `expected` bytes.
fn optional<'a>(blob: &WeightBlob<'a>, name: &str, expected: usize) -> Result<Option<&'a [u8]>, WeightsError> {
    match blob.find(name) {
        None => Ok(None),
        Some(r) if r.data().len() == expected => Ok(Some(r.data())),
        Some(r) => Err(WeightsError::WrongSize { name: ArrayName::from(name), expected, found: r.data().len() }),
    }
}

fn to_f32(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn to_i32(b: &[u8]) -> Vec<i32> {
    b.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn to_i8(b: &[u8]) -> Vec<i8> {
    b.iter().map(|&v| v as i8).collect()
}

impl LinearLayer {
    /// Loads a linear layer from `blob` as libopus's `linear_init` does (see the
    /// [module docs](self)), then validates it with [`LinearLayer::from_parts`].
    ///
    /// # Errors
    /// [`WeightsError::MissingArray`], [`WeightsError::WrongSize`] or
    /// [`WeightsError::BadSparseIndex`] naming the offending array, or
    /// [`WeightsError::InvalidSpec`] for int8 weights without a scale name or a shape the
    /// kernels cannot run.
    pub fn from_blob(blob: &WeightBlob<'_>, spec: &LinearSpec<'_>) -> Result<Self, WeightsError> {
        let n_out = spec.nb_outputs;
        let n_in = spec.nb_inputs;
        let out_bytes = bytes_len(n_out, 4)?;
        let mut parts = LinearParts { nb_inputs: n_in, nb_outputs: n_out, ..Default::default() };
        if let Some(name) = spec.bias {
            parts.bias = Some(to_f32(required(blob, name, out_bytes)?));
        }
        if let Some(name) = spec.subias {
            parts.subias = Some(to_f32(required(blob, name, out_bytes)?));
        }
        let weight_count = match spec.weights_idx {
            Some(name) => {
                let data = lookup(blob, name)?;
                let idx = to_i32(data);
                let blocks = validate_sparse_index(&idx, n_in, n_out)
                    .map_err(|reason| WeightsError::BadSparseIndex { name: ArrayName::from(name), reason })?;
                parts.weights_idx = Some(idx);
                bytes_len(blocks, 32)?
            }
            None => bytes_len(n_in, n_out)?,
        };
        if let Some(name) = spec.weights {
            parts.weights = Some(to_i8(required(blob, name, weight_count)?));
        }
        if let Some(name) = spec.float_weights {
            parts.float_weights = optional(blob, name, bytes_len(weight_count, 4)?)?.map(to_f32);
        }
        if let Some(name) = spec.diag {
            parts.diag = Some(to_f32(required(blob, name, out_bytes)?));
        }
        if spec.weights.is_some() {
            let name = spec.scale.ok_or(WeightsError::InvalidSpec("int8 weights without a scale array"))?;
            parts.scale = Some(to_f32(required(blob, name, out_bytes)?));
        }
        LinearLayer::from_parts(parts)
    }
}

impl Conv2dLayer {
    /// Loads a 2-D convolution from `blob` as libopus's `conv2d_init` does: the bias is
    /// required when named, the float weights are optional.
    ///
    /// # Errors
    /// [`WeightsError::MissingArray`] or [`WeightsError::WrongSize`] naming the array, or
    /// [`WeightsError::InvalidSpec`] if the shape overflows.
    pub fn from_blob(blob: &WeightBlob<'_>, spec: &Conv2dSpec<'_>) -> Result<Self, WeightsError> {
        let mut parts = Conv2dParts {
            in_channels: spec.in_channels,
            out_channels: spec.out_channels,
            ktime: spec.ktime,
            kheight: spec.kheight,
            ..Default::default()
        };
        if let Some(name) = spec.bias {
            parts.bias = Some(to_f32(required(blob, name, bytes_len(spec.out_channels, 4)?)?));
        }
        if let Some(name) = spec.float_weights {
            let count = spec
                .in_channels
                .checked_mul(spec.out_channels)
                .and_then(|v| v.checked_mul(spec.ktime))
                .and_then(|v| v.checked_mul(spec.kheight))
                .ok_or(WeightsError::InvalidSpec("layer dimensions overflow"))?;
            parts.float_weights = optional(blob, name, bytes_len(count, 4)?)?.map(to_f32);
        }
        Conv2dLayer::from_parts(parts)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::weights::write_record;

    fn f32_bytes(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }
    fn i32_bytes(v: &[i32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    /// A sparse int8 layer 8 → 16 with blocks at columns 0 and 4, then 4.
    fn sparse_blob(idx: &[i32], nweights: usize) -> Vec<u8> {
        let mut out = Vec::new();
        write_record(&mut out, b"l_bias", 0, &f32_bytes(&[0.5; 16]));
        write_record(&mut out, b"l_subias", 0, &f32_bytes(&[0.0; 16]));
        write_record(&mut out, b"l_weights_idx", 1, &i32_bytes(idx));
        write_record(&mut out, b"l_weights_int8", 3, &vec![1u8; nweights]);
        write_record(&mut out, b"l_scale", 0, &f32_bytes(&[1.0; 16]));
        out
    }

    const SPEC: LinearSpec<'static> = LinearSpec {
        bias: Some("l_bias"),
        subias: Some("l_subias"),
        weights: Some("l_weights_int8"),
        float_weights: Some("l_weights_float"),
        weights_idx: Some("l_weights_idx"),
        diag: None,
        scale: Some("l_scale"),
        nb_inputs: 8,
        nb_outputs: 16,
    };

    #[test]
    fn loads_sparse_layer() {
        let bytes = sparse_blob(&[2, 0, 4, 1, 4], 96);
        let blob = WeightBlob::parse(&bytes).unwrap();
        let layer = LinearLayer::from_blob(&blob, &SPEC).unwrap();
        assert_eq!(layer.weights().unwrap().len(), 96);
        assert!(layer.float_weights().is_none());
        let mut out = [0.0f32; 16];
        crate::nnet::compute_linear(&layer, &mut out, &[1.0; 8]);
        assert_eq!(out[0], 0.5 + 8.0 * 127.0);
        assert_eq!(out[8], 0.5 + 4.0 * 127.0);
    }

    #[test]
    fn rejects_bad_layers() {
        let name = |s: &str| ArrayName::from(s);
        // Wrong weight count for the blocks.
        let bytes = sparse_blob(&[2, 0, 4, 1, 4], 64);
        let blob = WeightBlob::parse(&bytes).unwrap();
        assert_eq!(
            LinearLayer::from_blob(&blob, &SPEC),
            Err(WeightsError::WrongSize { name: name("l_weights_int8"), expected: 96, found: 64 })
        );
        // Bad sparse lists.
        for (idx, reason) in [
            (&[2, 0, 4, 1][..], "block count runs past the end of the list"),
            (&[2, 0, 5, 1, 4][..], "position out of range or not a multiple of 4"),
            (&[2, 0, 8, 1, 4][..], "position out of range or not a multiple of 4"),
            (&[2, 0, -4, 1, 4][..], "position out of range or not a multiple of 4"),
            (&[-1, 0, 4, 1, 4][..], "negative block count"),
            (&[2, 0, 4][..], "number of groups does not match the outputs"),
            (&[2, 0, 4, 1, 4, 0][..], "number of groups does not match the outputs"),
        ] {
            let bytes = sparse_blob(idx, 96);
            let blob = WeightBlob::parse(&bytes).unwrap();
            assert_eq!(
                LinearLayer::from_blob(&blob, &SPEC),
                Err(WeightsError::BadSparseIndex { name: name("l_weights_idx"), reason }),
                "{idx:?}"
            );
        }
        // Missing required arrays; a missing optional float array is fine.
        let bytes = sparse_blob(&[2, 0, 4, 1, 4], 96);
        let blob = WeightBlob::parse(&bytes).unwrap();
        let spec = LinearSpec { scale: Some("nope"), ..SPEC };
        assert_eq!(LinearLayer::from_blob(&blob, &spec), Err(WeightsError::MissingArray { name: name("nope") }));
        let spec = LinearSpec { bias: Some("l_scale"), nb_outputs: 8, ..SPEC };
        assert_eq!(
            LinearLayer::from_blob(&blob, &spec),
            Err(WeightsError::WrongSize { name: name("l_scale"), expected: 32, found: 64 })
        );
        let spec = LinearSpec { scale: None, ..SPEC };
        assert!(matches!(LinearLayer::from_blob(&blob, &spec), Err(WeightsError::InvalidSpec(_))));
    }

    #[test]
    fn float_weights_are_optional_but_checked() {
        let mut out = Vec::new();
        write_record(&mut out, b"c_bias", 0, &f32_bytes(&[0.0; 4]));
        write_record(&mut out, b"c_weight_float", 0, &f32_bytes(&[0.0; 35]));
        let blob = WeightBlob::parse(&out).unwrap();
        let spec = Conv2dSpec {
            bias: Some("c_bias"),
            float_weights: Some("c_weight_float"),
            in_channels: 1,
            out_channels: 4,
            ktime: 3,
            kheight: 3,
        };
        assert_eq!(
            Conv2dLayer::from_blob(&blob, &spec),
            Err(WeightsError::WrongSize { name: ArrayName::from("c_weight_float"), expected: 144, found: 140 })
        );
        let spec = Conv2dSpec { float_weights: Some("absent"), ..spec };
        assert!(Conv2dLayer::from_blob(&blob, &spec).unwrap().float_weights().is_none());
    }
}

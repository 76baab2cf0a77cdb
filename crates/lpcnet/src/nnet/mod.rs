//! The neural-network primitives of libopus's `dnn/` code: activations, the affine layer and
//! its kernels, and the layer types built on them.
//!
//! Everything here reproduces libopus 1.6.1's generic C build (no SIMD,
//! `-ffp-contract=off`) bit for bit: same f32 operations in the same order, same int8
//! quantisation of activations, same approximations of tanh, sigmoid and exp. libopus's SIMD
//! builds round differently, so against them only a tolerance holds.

pub mod activations;
pub mod layers;
pub mod linear;
pub mod vec;

pub use activations::{
    compute_activation, compute_activation_inplace, lpcnet_exp, lpcnet_exp2, sigmoid_approx, tanh_approx,
    Activation,
};
pub use layers::{
    compute_conv2d, compute_generic_conv1d, compute_generic_conv1d_dilation, compute_generic_dense,
    compute_generic_gru, compute_glu, compute_glu_inplace, Conv2dLayer, Conv2dParts,
};
pub use linear::{compute_linear, LinearLayer, LinearParts};

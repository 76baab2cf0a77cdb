//! Differential tests of the `lpcnet` neural core against libopus 1.6.1's generic-C build.
//!
//! Criterion: bit-exact. Every output is compared as f32 bits (NaNs compare equal whatever
//! their payload). Layers are exercised with random weights of every form (dense and sparse,
//! float and int8, with and without bias and diagonal) and with the real layers of every
//! model, loaded by both sides: libopus from its compiled-in tables, the port from the
//! embedded DNNw blob. The blob itself must be byte-identical to what libopus's
//! `write_lpcnet_weights` writes, and to what the port's C-source converter produces.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use lpcnet::nnet::{
    compute_activation, compute_conv2d, compute_generic_conv1d, compute_generic_conv1d_dilation, compute_generic_dense,
    compute_generic_gru, compute_glu, compute_glu_inplace, compute_linear, Activation, Conv2dLayer, Conv2dParts,
    LinearLayer, LinearParts,
};
use lpcnet::weights::c_source::{self, InitCall};
use lpcnet::weights::{default_blob, default_blob_bytes, write_record, Conv2dSpec, LinearSpec, WeightBlob};
use opus_oracle::nnet::{self as c, CConv2d, CLinear, CTable, LinearArrays, Model};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const RNG_SEED: u64 = 0x4e4e_e7ed;

fn same_bits(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[track_caller]
fn assert_bits(what: &str, ours: &[f32], theirs: &[f32]) {
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
        assert!(same_bits(a, b), "{what}: index {i}: ours {a:e} ({:#010x}), libopus {b:e} ({:#010x})", a.to_bits(), b.to_bits());
    }
}

fn uniform(rng: &mut StdRng, n: usize, range: f32) -> Vec<f32> {
    (0..n).map(|_| rng.gen_range(-range..=range)).collect()
}

/// Activations: a mix of ordinary values, the quantiser's rounding points, and specials.
fn activation_inputs(rng: &mut StdRng) -> Vec<f32> {
    let mut v = vec![
        0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1e-45, -1e-45, 1e-38, f32::MIN_POSITIVE, 3.0, 8.0, 9.0, 15.0, 40.0, 88.0,
        89.0, 100.0, -100.0, 1e9, 2.3e9, 2.4e9, 1e10, -1e10, 1e19, 1e20, 1e30, f32::MAX, -f32::MAX, f32::INFINITY,
        f32::NEG_INFINITY, f32::NAN, -f32::NAN, -34.0, -35.0, -35.5, -36.0, -50.0, 2147483520.0, -2147483648.0,
    ];
    for k in -60..=60 {
        v.push(k as f32 * 0.5);
    }
    for _ in 0..4000 {
        v.push(rng.gen_range(-12.0f32..12.0));
    }
    for _ in 0..2000 {
        v.push(f32::from_bits(rng.gen()));
    }
    v
}

#[test]
fn activations_bit_exact() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED);
    let input = activation_inputs(&mut rng);
    for code in 0..=6 {
        let act = Activation::from_code(code).unwrap();
        for chunk in input.chunks(4000) {
            let mut ours = vec![0.0f32; chunk.len()];
            let mut theirs = vec![0.0f32; chunk.len()];
            compute_activation(&mut ours, chunk, act);
            c::compute_activation(&mut theirs, chunk, code);
            assert_bits(&format!("activation {act:?}"), &ours, &theirs);
        }
    }
}

/// A random layer of one weight form, as owned arrays for both sides.
struct RandomLayer {
    bias: Option<Vec<f32>>,
    weights: Option<Vec<i8>>,
    float_weights: Option<Vec<f32>>,
    idx: Option<Vec<i32>>,
    diag: Option<Vec<f32>>,
    scale: Option<Vec<f32>>,
    nb_inputs: usize,
    nb_outputs: usize,
}

#[derive(Clone, Copy, Debug)]
enum Form {
    DenseFloat,
    SparseFloat,
    DenseInt8,
    SparseInt8,
    Empty,
}

fn random_idx(rng: &mut StdRng, nb_inputs: usize, nb_outputs: usize) -> (Vec<i32>, usize) {
    let mut idx = Vec::new();
    let mut total = 0;
    for _ in 0..nb_outputs / 8 {
        let cols: Vec<i32> = (0..nb_inputs / 4).filter(|_| rng.gen_bool(0.4)).map(|c| 4 * c as i32).collect();
        idx.push(cols.len() as i32);
        total += cols.len();
        idx.extend(cols);
    }
    (idx, total)
}

fn random_layer(rng: &mut StdRng, form: Form, nb_inputs: usize, nb_outputs: usize, with_bias: bool, with_diag: bool) -> RandomLayer {
    let mut l = RandomLayer {
        bias: with_bias.then(|| uniform(rng, nb_outputs, 1.0)),
        weights: None,
        float_weights: None,
        idx: None,
        diag: with_diag.then(|| uniform(rng, nb_outputs, 1.0)),
        scale: None,
        nb_inputs,
        nb_outputs,
    };
    match form {
        Form::DenseFloat => l.float_weights = Some(uniform(rng, nb_inputs * nb_outputs, 0.5)),
        Form::SparseFloat => {
            let (idx, blocks) = random_idx(rng, nb_inputs, nb_outputs);
            l.float_weights = Some(uniform(rng, blocks * 32, 0.5));
            l.idx = Some(idx);
        }
        Form::DenseInt8 | Form::SparseInt8 => {
            let count = if matches!(form, Form::SparseInt8) {
                let (idx, blocks) = random_idx(rng, nb_inputs, nb_outputs);
                l.idx = Some(idx);
                blocks * 32
            } else {
                nb_inputs * nb_outputs
            };
            l.weights = Some((0..count).map(|_| rng.gen_range(-128i32..=127) as i8).collect());
            l.scale = Some((0..nb_outputs).map(|_| rng.gen_range(1e-5f32..1e-2)).collect());
        }
        Form::Empty => {}
    }
    l
}

impl RandomLayer {
    fn ours(&self) -> LinearLayer {
        LinearLayer::from_parts(LinearParts {
            bias: self.bias.clone(),
            subias: None,
            weights: self.weights.clone(),
            float_weights: self.float_weights.clone(),
            weights_idx: self.idx.clone(),
            diag: self.diag.clone(),
            scale: self.scale.clone(),
            nb_inputs: self.nb_inputs,
            nb_outputs: self.nb_outputs,
        })
        .expect("valid random layer")
    }

    fn theirs(&self) -> CLinear<'_> {
        CLinear::new(
            LinearArrays {
                bias: self.bias.as_deref(),
                subias: None,
                weights: self.weights.as_deref(),
                float_weights: self.float_weights.as_deref(),
                weights_idx: self.idx.as_deref(),
                diag: self.diag.as_deref(),
                scale: self.scale.as_deref(),
            },
            self.nb_inputs,
            self.nb_outputs,
        )
    }
}

#[test]
fn linear_random_layers_bit_exact() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED + 1);
    let forms = [Form::DenseFloat, Form::SparseFloat, Form::DenseInt8, Form::SparseInt8, Form::Empty];
    let mut cases = 0;
    for form in forms {
        // Output counts hitting sgemv's 16-row, 8-row and generic paths.
        for &(nb_inputs, nb_outputs) in &[(4, 8), (12, 16), (40, 24), (64, 48), (7, 5), (33, 3), (128, 96), (2048, 16)] {
            let int8 = matches!(form, Form::DenseInt8 | Form::SparseInt8);
            let sparse = matches!(form, Form::SparseFloat | Form::SparseInt8);
            if (int8 || sparse) && (nb_outputs % 8 != 0 || nb_inputs % 4 != 0) {
                continue;
            }
            for with_bias in [false, true] {
                let with_diag = nb_outputs == 3 * nb_inputs;
                let layer = random_layer(&mut rng, form, nb_inputs, nb_outputs, with_bias, with_diag);
                let (ours, theirs) = (layer.ours(), layer.theirs());
                for range in [0.5f32, 1.0, 1.5, 3.0] {
                    let x = uniform(&mut rng, nb_inputs, range);
                    let mut a = vec![0.0f32; nb_outputs];
                    let mut b = vec![0.0f32; nb_outputs];
                    compute_linear(&ours, &mut a, &x);
                    c::compute_linear(&theirs, &mut b, &x);
                    assert_bits(&format!("{form:?} {nb_inputs}x{nb_outputs} bias={with_bias} range={range}"), &a, &b);
                    cases += 1;
                }
            }
        }
    }
    // GRU-style recurrent layers with a diagonal.
    for form in [Form::DenseFloat, Form::DenseInt8, Form::SparseInt8] {
        let layer = random_layer(&mut rng, form, 16, 48, true, true);
        let x = uniform(&mut rng, 16, 1.0);
        let mut a = vec![0.0f32; 48];
        let mut b = vec![0.0f32; 48];
        compute_linear(&layer.ours(), &mut a, &x);
        c::compute_linear(&layer.theirs(), &mut b, &x);
        assert_bits(&format!("{form:?} diag"), &a, &b);
        cases += 1;
    }
    assert!(cases > 150);
}

#[test]
fn layers_random_bit_exact() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED + 2);
    for form in [Form::DenseFloat, Form::DenseInt8, Form::SparseInt8, Form::SparseFloat] {
        // Dense + every activation.
        let l = random_layer(&mut rng, form, 32, 24, true, false);
        for code in 0..=6 {
            let x = uniform(&mut rng, 32, 2.0);
            let (mut a, mut b) = (vec![0.0f32; 24], vec![0.0f32; 24]);
            compute_generic_dense(&l.ours(), &mut a, &x, Activation::from_code(code).unwrap());
            c::compute_dense(&l.theirs(), &mut b, &x, code);
            assert_bits(&format!("dense {form:?} act {code}"), &a, &b);
        }
        // GRU over several steps.
        let (n, nin) = (16, 24);
        let wi = random_layer(&mut rng, form, nin, 3 * n, true, false);
        let wr = random_layer(&mut rng, form, n, 3 * n, true, false);
        let (oi, or) = (wi.ours(), wr.ours());
        let (ti, tr) = (wi.theirs(), wr.theirs());
        let mut sa = uniform(&mut rng, n, 1.0);
        let mut sb = sa.clone();
        for step in 0..20 {
            let x = uniform(&mut rng, nin, 1.5);
            compute_generic_gru(&oi, &or, &mut sa, &x);
            c::compute_gru(&ti, &tr, &mut sb, &x);
            assert_bits(&format!("gru {form:?} step {step}"), &sa, &sb);
        }
        // GLU, both forms.
        let g = random_layer(&mut rng, form, 32, 32, true, false);
        let x = uniform(&mut rng, 32, 1.0);
        let (mut a, mut b) = (vec![0.0f32; 32], vec![0.0f32; 32]);
        compute_glu(&g.ours(), &mut a, &x);
        c::compute_glu(&g.theirs(), &mut b, &x);
        assert_bits(&format!("glu {form:?}"), &a, &b);
        let mut inplace = x.clone();
        compute_glu_inplace(&g.ours(), &mut inplace);
        assert_bits(&format!("glu in place {form:?}"), &inplace, &b);
        // conv1d, kernel 3, and dilated conv1d, kernel 3, dilation 2 and 3.
        let frame = 8;
        let cl = random_layer(&mut rng, form, 3 * frame, 16, true, false);
        let (oc, tc) = (cl.ours(), cl.theirs());
        let mut ma = vec![0.0f32; 2 * frame];
        let mut mb = ma.clone();
        for step in 0..10 {
            let x = uniform(&mut rng, frame, 1.0);
            let (mut a, mut b) = (vec![0.0f32; 16], vec![0.0f32; 16]);
            compute_generic_conv1d(&oc, &mut a, &mut ma, &x, Activation::Tanh);
            c::compute_conv1d(&tc, &mut b, &mut mb, &x, 2);
            assert_bits(&format!("conv1d {form:?} step {step}"), &a, &b);
            assert_bits("conv1d memory", &ma, &mb);
        }
        for dilation in [1usize, 2, 3] {
            let mut ma = vec![0.0f32; frame * dilation * 2];
            let mut mb = ma.clone();
            for step in 0..12 {
                let x = uniform(&mut rng, frame, 1.0);
                let (mut a, mut b) = (vec![0.0f32; 16], vec![0.0f32; 16]);
                compute_generic_conv1d_dilation(&oc, &mut a, &mut ma, &x, dilation, Activation::Tanh);
                c::compute_conv1d_dilation(&tc, &mut b, &mut mb, &x, dilation, 2);
                assert_bits(&format!("conv1d {form:?} dilation {dilation} step {step}"), &a, &b);
                assert_bits("dilated memory", &ma, &mb);
            }
        }
    }
}

#[test]
fn conv2d_random_bit_exact() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED + 3);
    // (in, out, ktime, kheight): the unrolled 3x3 kernel and the general one.
    for &(cin, cout, kt, kh) in &[(1, 4, 3, 3), (4, 1, 3, 3), (2, 3, 2, 3), (3, 2, 3, 5), (2, 2, 1, 1)] {
        let height = 20;
        let hstride = height + 3;
        let bias = uniform(&mut rng, cout, 0.5);
        let weights = uniform(&mut rng, cin * cout * kt * kh, 0.5);
        let ours = Conv2dLayer::from_parts(Conv2dParts {
            bias: Some(bias.clone()),
            float_weights: Some(weights.clone()),
            in_channels: cin,
            out_channels: cout,
            ktime: kt,
            kheight: kh,
        })
        .unwrap();
        let theirs = CConv2d::new(Some(&bias), &weights, cin, cout, kt, kh);
        let mut ma = vec![0.0f32; ours.mem_len(height)];
        let mut mb = ma.clone();
        for step in 0..5 {
            let x = uniform(&mut rng, ours.time_stride(height), 1.0);
            let mut a = vec![7.0f32; cout * hstride];
            let mut b = a.clone();
            compute_conv2d(&ours, &mut a, &mut ma, &x, height, hstride, Activation::Tanh);
            c::compute_conv2d(&theirs, &mut b, &mut mb, &x, height, hstride, 2);
            assert_bits(&format!("conv2d {cin}x{cout}x{kt}x{kh} step {step}"), &a, &b);
            assert_bits("conv2d memory", &ma, &mb);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Real model layers

fn dnn_dir() -> std::path::PathBuf {
    c::libopus_source_dir().expect("libopus 1.6.1 source (opusic-sys 0.7.7) not found").join("dnn")
}

fn init_calls(model: Model) -> Vec<InitCall> {
    let path = dnn_dir().join(model.source_file());
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    c_source::parse_init_calls(&src).expect("init calls")
}

fn names<'a>(spec: &LinearSpec<'a>) -> c::LinearNames<'a> {
    [spec.bias, spec.subias, spec.weights, spec.float_weights, spec.weights_idx, spec.diag, spec.scale]
}

/// Both sides' version of every linear layer of `model`, keyed by field.
fn real_linear_layers(model: Model) -> Vec<(String, LinearLayer, CLinear<'static>)> {
    let blob = default_blob().expect("embedded blob");
    let mut out = Vec::new();
    for call in init_calls(model) {
        let Some(spec) = call.linear_spec() else { continue };
        let ours = LinearLayer::from_blob(blob, &spec).unwrap_or_else(|e| panic!("{}: {e}", call.field()));
        let theirs = CLinear::init(model, names(&spec), spec.nb_inputs, spec.nb_outputs)
            .unwrap_or_else(|()| panic!("libopus linear_init failed for {}", call.field()));
        out.push((call.field().to_string(), ours, theirs));
    }
    assert!(!out.is_empty());
    out
}

#[test]
fn real_linear_layers_bit_exact() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED + 4);
    let mut count = 0;
    for model in Model::BLOB_ORDER {
        for (field, ours, theirs) in real_linear_layers(model) {
            // Same arrays chosen on both sides.
            assert_eq!(ours.weights().is_some(), !theirs.raw().weights.is_null(), "{field}");
            assert_eq!(ours.float_weights().is_some(), !theirs.raw().float_weights.is_null(), "{field}");
            assert_eq!(ours.weights_idx().is_some(), !theirs.raw().weights_idx.is_null(), "{field}");
            assert_eq!(ours.bias().is_some(), !theirs.raw().bias.is_null(), "{field}");
            for range in [1.0f32, 1.0, 1.3, 4.0] {
                let x = uniform(&mut rng, ours.nb_inputs(), range);
                let mut a = vec![0.0f32; ours.nb_outputs()];
                let mut b = a.clone();
                compute_linear(&ours, &mut a, &x);
                c::compute_linear(&theirs, &mut b, &x);
                assert_bits(&format!("{model:?}.{field} range {range}"), &a, &b);
                for act in [Activation::Tanh, Activation::Sigmoid] {
                    compute_generic_dense(&ours, &mut a, &x, act);
                    c::compute_dense(&theirs, &mut b, &x, act.code());
                    assert_bits(&format!("{model:?}.{field} dense {act:?}"), &a, &b);
                }
            }
            count += 1;
        }
    }
    // 8 PitchDNN conv excluded + 20 FARGAN + 6 PLC + 24 encoder + 29 decoder linear layers.
    assert_eq!(count, 6 + 20 + 6 + 24 + 29);
}

#[test]
fn real_grus_bit_exact() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED + 5);
    let mut grus = 0;
    for model in Model::BLOB_ORDER {
        let layers = real_linear_layers(model);
        for (field, oi, ti) in &layers {
            let Some(base) = field.strip_suffix("_input") else { continue };
            let rec = format!("{base}_recurrent");
            let Some((_, or, tr)) = layers.iter().find(|(f, _, _)| *f == rec) else { continue };
            let n = or.nb_inputs();
            let mut sa = vec![0.0f32; n];
            let mut sb = sa.clone();
            for step in 0..30 {
                let x = uniform(&mut rng, oi.nb_inputs(), 1.0);
                compute_generic_gru(oi, or, &mut sa, &x);
                c::compute_gru(ti, tr, &mut sb, &x);
                assert_bits(&format!("{model:?}.{base} step {step}"), &sa, &sb);
            }
            grus += 1;
        }
    }
    // PitchDNN 1, FARGAN 3, PLC 2, RDO-VAE encoder 5, decoder 5.
    assert_eq!(grus, 16);
}

#[test]
fn real_glus_bit_exact() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED + 6);
    let mut glus = 0;
    for model in [Model::Fargan, Model::RdovaeDec] {
        for (field, ours, theirs) in real_linear_layers(model) {
            if !field.contains("glu") {
                continue;
            }
            let x = uniform(&mut rng, ours.nb_inputs(), 1.0);
            let mut a = vec![0.0f32; ours.nb_outputs()];
            let mut b = a.clone();
            compute_glu(&ours, &mut a, &x);
            c::compute_glu(&theirs, &mut b, &x);
            assert_bits(&format!("{model:?}.{field}"), &a, &b);
            glus += 1;
        }
    }
    assert_eq!(glus, 5 + 5);
}

#[test]
fn real_conv1d_bit_exact() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED + 7);
    // (model, field, frame size, dilation) as the libopus models call them.
    let convs: &[(Model, &str, usize, usize)] = &[
        (Model::Fargan, "cond_net_fconv1", 64, 1),
        (Model::Fargan, "sig_net_fwc0_conv", 164, 1),
        (Model::RdovaeEnc, "enc_conv1", 64, 1),
        (Model::RdovaeEnc, "enc_conv2", 64, 2),
        (Model::RdovaeEnc, "enc_conv3", 64, 2),
        (Model::RdovaeEnc, "enc_conv4", 64, 2),
        (Model::RdovaeEnc, "enc_conv5", 64, 2),
        (Model::RdovaeDec, "dec_conv1", 32, 1),
        (Model::RdovaeDec, "dec_conv2", 32, 1),
        (Model::RdovaeDec, "dec_conv3", 32, 1),
        (Model::RdovaeDec, "dec_conv4", 32, 1),
        (Model::RdovaeDec, "dec_conv5", 32, 1),
    ];
    for &(model, name, frame, dilation) in convs {
        let layers = real_linear_layers(model);
        let (_, ours, theirs) = layers.iter().find(|(f, _, _)| f == name).expect("layer");
        let ksize = ours.nb_inputs() / frame;
        let mut ma = vec![0.0f32; frame * dilation * (ksize - 1)];
        let mut mb = ma.clone();
        for step in 0..12 {
            let x = uniform(&mut rng, frame, 1.0);
            let mut a = vec![0.0f32; ours.nb_outputs()];
            let mut b = a.clone();
            if dilation == 1 {
                compute_generic_conv1d(ours, &mut a, &mut ma, &x, Activation::Tanh);
                c::compute_conv1d(theirs, &mut b, &mut mb, &x, 2);
            } else {
                compute_generic_conv1d_dilation(ours, &mut a, &mut ma, &x, dilation, Activation::Tanh);
                c::compute_conv1d_dilation(theirs, &mut b, &mut mb, &x, dilation, 2);
            }
            assert_bits(&format!("{model:?}.{name} step {step}"), &a, &b);
            assert_bits(&format!("{model:?}.{name} memory"), &ma, &mb);
        }
    }
}

#[test]
fn real_conv2d_bit_exact() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED + 8);
    let blob = default_blob().expect("embedded blob");
    let height = 224;
    let mut n = 0;
    for call in init_calls(Model::PitchDnn) {
        let Some(spec) = call.conv2d_spec() else { continue };
        let ours = Conv2dLayer::from_blob(blob, &spec).expect("conv2d");
        let theirs = CConv2d::init(
            Model::PitchDnn,
            spec.bias,
            spec.float_weights,
            spec.in_channels,
            spec.out_channels,
            spec.ktime,
            spec.kheight,
        )
        .expect("libopus conv2d_init");
        let hstride = height + 2;
        let mut ma = vec![0.0f32; ours.mem_len(height)];
        let mut mb = ma.clone();
        for step in 0..6 {
            let x = uniform(&mut rng, ours.time_stride(height), 1.0);
            let mut a = vec![0.0f32; spec.out_channels * hstride];
            let mut b = a.clone();
            compute_conv2d(&ours, &mut a, &mut ma, &x, height, hstride, Activation::Tanh);
            c::compute_conv2d(&theirs, &mut b, &mut mb, &x, height, hstride, 2);
            assert_bits(&format!("{} step {step}", call.field()), &a, &b);
        }
        n += 1;
    }
    assert_eq!(n, 2);
}

// ---------------------------------------------------------------------------------------------
// Blob

#[test]
fn blob_matches_write_lpcnet_weights() {
    let reference = c::write_weights(&Model::BLOB_ORDER);
    let converted = c_source::blob_from_dnn_dir(&dnn_dir()).expect("converter");
    assert_eq!(converted.len(), reference.len());
    let first_diff = converted.iter().zip(&reference).position(|(a, b)| a != b);
    assert_eq!(first_diff, None, "converter output differs from write_lpcnet_weights");
    assert!(default_blob_bytes() == reference.as_slice(), "embedded blob differs from write_lpcnet_weights");
    // libopus parses it into the same records.
    let theirs = c::parse_weights(&reference).expect("libopus parses the blob");
    let ours = WeightBlob::parse_strict(&reference).expect("strict parse");
    assert_eq!(ours.len(), theirs.len());
    for (r, t) in ours.records().iter().zip(&theirs) {
        assert_eq!(r.name(), t.name.as_slice());
        assert_eq!(r.type_code(), t.type_code);
        assert_eq!(r.data().len(), t.size);
        assert_eq!(r.data().as_ptr() as usize - reference.as_ptr() as usize, t.offset);
    }
}

fn same_parse(bytes: &[u8]) -> bool {
    let theirs = c::parse_weights(bytes);
    let ours = WeightBlob::parse(bytes);
    match (ours, theirs) {
        (Ok(o), Ok(t)) => {
            assert_eq!(o.len(), t.len());
            for (r, t) in o.records().iter().zip(&t) {
                assert_eq!((r.name(), r.type_code(), r.data().len()), (t.name.as_slice(), t.type_code, t.size));
                assert_eq!(r.data().as_ptr() as usize - bytes.as_ptr() as usize, t.offset);
            }
            true
        }
        (Err(_), Err(())) => false,
        (o, t) => panic!("parsers disagree: ours {:?}, libopus {:?}", o.map(|b| b.len()), t.map(|v| v.len())),
    }
}

#[test]
fn blob_parser_agrees_with_libopus_on_bad_input() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED + 9);
    let base: Vec<u8> = default_blob_bytes()[..8192].to_vec();
    // Cut at a record boundary so the base parses.
    let mut end = 0;
    while end < base.len() {
        let block = i32::from_le_bytes(base[end + 16..end + 20].try_into().unwrap()) as usize;
        if end + 64 + block > base.len() {
            break;
        }
        end += 64 + block;
    }
    let base = &base[..end];
    assert!(same_parse(base));
    let (mut accepted, mut rejected) = (0, 0);
    for i in 0..6000 {
        let mut b = base.to_vec();
        match i % 4 {
            0 => b.truncate(rng.gen_range(0..=b.len())),
            1 => {
                // Corrupt header fields of a record.
                for _ in 0..rng.gen_range(1..4) {
                    let rec = rng.gen_range(0..b.len() / 64) * 64;
                    let at = rec + rng.gen_range(0..64);
                    b[at] = rng.gen();
                }
            }
            2 => {
                let at = rng.gen_range(0..b.len() - 4) & !3;
                let v: i32 = *[0, -1, 1, 63, 64, 65, i32::MAX, i32::MIN].get(rng.gen_range(0..8)).unwrap();
                b[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
            _ => b = (0..rng.gen_range(0..300)).map(|_| rng.gen()).collect(),
        }
        if same_parse(&b) {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    assert!(accepted > 100 && rejected > 1000, "accepted {accepted}, rejected {rejected}");
}

#[test]
fn linear_init_agrees_with_libopus() {
    let mut rng = StdRng::seed_from_u64(RNG_SEED + 10);
    let f32s = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let i32s = |v: &[i32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (nin, nout) = (16usize, 16usize);
    let names: c::LinearNames<'static> =
        [Some("l_bias"), Some("l_subias"), Some("l_weights_int8"), Some("l_weights_float"), Some("l_weights_idx"), None, Some("l_scale")];
    let spec = LinearSpec {
        bias: names[0],
        subias: names[1],
        weights: names[2],
        float_weights: names[3],
        weights_idx: names[4],
        diag: None,
        scale: names[6],
        nb_inputs: nin,
        nb_outputs: nout,
    };
    let (mut ok, mut bad) = (0, 0);
    for i in 0..3000 {
        // A valid sparse layer, then one mutation.
        let (mut idx, mut blocks) = random_idx(&mut rng, nin, nout);
        let mut bias_len = nout;
        let mut scale_len = nout;
        let mut float_len = None;
        match i % 7 {
            0 => {}
            1 => {
                let at = rng.gen_range(0..idx.len());
                idx[at] = rng.gen_range(0..20);
            }
            2 => {
                idx.truncate(rng.gen_range(0..idx.len()));
            }
            3 => idx.push(rng.gen_range(0..3)),
            4 => bias_len = rng.gen_range(0..2 * nout),
            5 => scale_len = rng.gen_range(0..2 * nout),
            _ => {
                blocks = rng.gen_range(0..10);
                float_len = Some(rng.gen_range(0..2) * 32 * blocks);
            }
        }
        let weights = vec![1u8; 32 * blocks];
        let (bias, scale) = (f32s(&vec![0.25; bias_len]), f32s(&vec![0.5; scale_len]));
        let subias = f32s(&vec![0.0; nout]);
        let idx_bytes = i32s(&idx);
        let float_bytes = float_len.map(|n| f32s(&vec![0.0; n]));
        let mut arrays: Vec<(&str, i32, &[u8])> = vec![
            ("l_bias", 0, &bias),
            ("l_subias", 0, &subias),
            ("l_weights_idx", 1, &idx_bytes),
            ("l_weights_int8", 3, &weights),
            ("l_scale", 0, &scale),
        ];
        if let Some(f) = &float_bytes {
            arrays.push(("l_weights_float", 0, f));
        }
        // Zero-length arrays cannot be stored in a blob; libopus sees them as present but empty.
        let table = CTable::new(&arrays);
        let theirs = table.linear_init_ok(names, nin, nout);
        let mut blob_bytes = Vec::new();
        let mut has_empty = false;
        for (n, t, d) in &arrays {
            if d.is_empty() {
                has_empty = true;
            }
            write_record(&mut blob_bytes, n.as_bytes(), *t, d);
        }
        if has_empty {
            // An empty record makes the whole blob invalid for libopus's parser as well.
            assert!(WeightBlob::parse(&blob_bytes).is_err());
            assert!(c::parse_weights(&blob_bytes).is_err());
            continue;
        }
        let blob = WeightBlob::parse(&blob_bytes).expect("blob");
        let ours = LinearLayer::from_blob(&blob, &spec);
        assert_eq!(ours.is_ok(), theirs, "case {i}: idx {idx:?}, ours {ours:?}");
        if theirs {
            ok += 1;
        } else {
            bad += 1;
        }
    }
    assert!(ok > 300 && bad > 300, "ok {ok}, bad {bad}");
    // conv2d_init: missing weights are tolerated, a wrong size is not.
    let w = f32s(&[0.0; 36]);
    let b = f32s(&[0.0; 4]);
    let mut bytes = Vec::new();
    write_record(&mut bytes, b"c_bias", 0, &b);
    write_record(&mut bytes, b"c_weight_float", 0, &w);
    let blob = WeightBlob::parse(&bytes).unwrap();
    let spec = Conv2dSpec { bias: Some("c_bias"), float_weights: Some("c_weight_float"), in_channels: 1, out_channels: 4, ktime: 3, kheight: 3 };
    assert!(Conv2dLayer::from_blob(&blob, &spec).is_ok());
    assert!(Conv2dLayer::from_blob(&blob, &Conv2dSpec { kheight: 2, ..spec }).is_err());
    assert!(Conv2dLayer::from_blob(&blob, &Conv2dSpec { float_weights: Some("none"), ..spec }).is_ok());
    assert!(Conv2dLayer::from_blob(&blob, &Conv2dSpec { bias: Some("none"), ..spec }).is_err());
}

//! Every table the workspace copies from libopus 1.6.1 holds exactly libopus's values.
//!
//! For each table of the manifest in `dred_opus_testvectors::ctables`, the C initialiser is
//! parsed from the libopus source the oracle builds and evaluated as the float build's compiler
//! does; the Rust constant is read directly from its crate. Integers must be equal and floats
//! must have the same `f32` bits, so a wrong digit anywhere fails. The same parse produces the
//! tables (`cargo run -p dred-opus-testvectors --bin gen_tables -- <key>`); the generator's output
//! is checked here too, and so is the header line naming it in each generated file.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dred_opus_testvectors::ctables::{
    header_line, libopus_source_dir, render_file, CSource, Flatten, Loader, Table, Value, MANIFEST,
    PRIVATE,
};

use lpcnet::tables as lt;
use opus_core::celt::{fft_tables as ft, plc as cplc, postfilter as pf, tables as ct};
use opus_core::silk::{
    resampler_rom as rr, tables_gain as tg, tables_ltp as tl, tables_nlsf_cb_nb_mb as tn,
    tables_nlsf_cb_wb as tw, tables_other as to, tables_pitch_lag as tp,
    tables_pulses_per_block as tpb,
};

/// The Rust side: (manifest key, constant name) -> flattened values.
fn rust_tables() -> HashMap<(&'static str, &'static str), Vec<Value>> {
    let mut m = HashMap::new();
    macro_rules! add {
        ($key:literal: $($m:ident :: $name:ident),* $(,)?) => {$(
            m.insert(($key, stringify!($name)), $m::$name.flat());
        )*};
    }
    add!("celt-fft": ft::FFT_TWIDDLES_48000_960, ft::FFT_BITREV480, ft::FFT_BITREV240,
        ft::FFT_BITREV120, ft::FFT_BITREV60, ft::MDCT_TWIDDLES_960);
    add!("celt-tables": ct::EBANDS_5MS, ct::BAND_ALLOCATION, ct::LOGN_400, ct::WINDOW_120,
        ct::CACHE_INDEX_50, ct::CACHE_BITS_50, ct::CACHE_CAPS_50, ct::E_MEANS, ct::PRED_COEF,
        ct::BETA_COEF, ct::BETA_INTRA, ct::E_PROB_MODEL, ct::SMALL_ENERGY_ICDF,
        ct::LOG2_FRAC_TABLE, ct::TRIM_ICDF, ct::SPREAD_ICDF, ct::TAPSET_ICDF, ct::TF_SELECT_TABLE,
        ct::SPREAD_FACTOR, ct::EXP2_TABLE8, ct::ORDERY_TABLE, ct::BIT_INTERLEAVE_TABLE,
        ct::BIT_DEINTERLEAVE_TABLE, ct::PVQ_U_DATA, ct::PVQ_U_ROW);
    add!("silk-gain": tg::GAIN_ICDF, tg::DELTA_GAIN_ICDF);
    add!("silk-ltp": tl::LTP_PER_INDEX_ICDF, tl::LTP_GAIN_ICDF_0, tl::LTP_GAIN_ICDF_1,
        tl::LTP_GAIN_ICDF_2, tl::LTP_GAIN_BITS_Q5_0, tl::LTP_GAIN_BITS_Q5_1,
        tl::LTP_GAIN_BITS_Q5_2, tl::LTP_GAIN_VQ_0, tl::LTP_GAIN_VQ_1, tl::LTP_GAIN_VQ_2,
        tl::LTP_GAIN_VQ_0_GAIN, tl::LTP_GAIN_VQ_1_GAIN, tl::LTP_GAIN_VQ_2_GAIN, tl::LTP_VQ_SIZES);
    add!("silk-nlsf-nb-mb": tn::NLSF_CB1_NB_MB_Q8, tn::NLSF_CB1_NB_MB_WGHT_Q9,
        tn::NLSF_CB1_ICDF_NB_MB, tn::NLSF_CB2_SELECT_NB_MB, tn::NLSF_CB2_ICDF_NB_MB,
        tn::NLSF_CB2_BITS_NB_MB_Q5, tn::NLSF_PRED_NB_MB_Q8, tn::NLSF_DELTA_MIN_NB_MB_Q15);
    add!("silk-nlsf-wb": tw::NLSF_CB1_WB_Q8, tw::NLSF_CB1_WB_WGHT_Q9, tw::NLSF_CB1_ICDF_WB,
        tw::NLSF_CB2_SELECT_WB, tw::NLSF_CB2_ICDF_WB, tw::NLSF_CB2_BITS_WB_Q5, tw::NLSF_PRED_WB_Q8,
        tw::NLSF_DELTA_MIN_WB_Q15);
    add!("silk-other": to::STEREO_PRED_QUANT_Q13, to::STEREO_PRED_JOINT_ICDF,
        to::STEREO_ONLY_CODE_MID_ICDF, to::LBRR_FLAGS_2_ICDF, to::LBRR_FLAGS_3_ICDF, to::LSB_ICDF,
        to::LTP_SCALE_ICDF, to::TYPE_OFFSET_VAD_ICDF, to::TYPE_OFFSET_NO_VAD_ICDF,
        to::NLSF_INTERPOLATION_FACTOR_ICDF, to::LTP_SCALES_TABLE_Q14, to::UNIFORM3_ICDF,
        to::UNIFORM4_ICDF, to::UNIFORM5_ICDF, to::UNIFORM6_ICDF, to::UNIFORM8_ICDF,
        to::NLSF_EXT_ICDF, to::LSF_COS_TAB_FIX_Q12, to::QUANTIZATION_OFFSETS_Q10);
    add!("silk-pitch-lag": tp::PITCH_LAG_ICDF, tp::PITCH_DELTA_ICDF, tp::PITCH_CONTOUR_ICDF,
        tp::PITCH_CONTOUR_NB_ICDF, tp::PITCH_CONTOUR_10_MS_ICDF, tp::PITCH_CONTOUR_10_MS_NB_ICDF,
        tp::CB_LAGS_STAGE2, tp::CB_LAGS_STAGE2_10_MS, tp::CB_LAGS_STAGE3, tp::CB_LAGS_STAGE3_10_MS);
    add!("silk-pulses": tpb::MAX_PULSES_TABLE, tpb::PULSES_PER_BLOCK_ICDF,
        tpb::PULSES_PER_BLOCK_BITS_Q5, tpb::RATE_LEVELS_ICDF, tpb::RATE_LEVELS_BITS_Q5,
        tpb::SHELL_CODE_TABLE0, tpb::SHELL_CODE_TABLE1, tpb::SHELL_CODE_TABLE2,
        tpb::SHELL_CODE_TABLE3, tpb::SHELL_CODE_TABLE_OFFSETS, tpb::SIGN_ICDF);
    add!("silk-resampler-rom": rr::DOWN_ORDER_FIR0, rr::DOWN_ORDER_FIR1, rr::DOWN_ORDER_FIR2,
        rr::ORDER_FIR_12, rr::DOWN2_0, rr::DOWN2_1, rr::UP2_HQ_0, rr::UP2_HQ_1,
        rr::RESAMPLER_3_4_COEFS, rr::RESAMPLER_2_3_COEFS, rr::RESAMPLER_1_2_COEFS,
        rr::RESAMPLER_1_3_COEFS, rr::RESAMPLER_1_4_COEFS, rr::RESAMPLER_1_6_COEFS,
        rr::RESAMPLER_2_3_COEFS_LQ, rr::RESAMPLER_FRAC_FIR_12);
    add!("lpcnet-tables": lt::FFT_TWIDDLES_320, lt::FFT_BITREV_320, lt::HALF_WINDOW,
        lt::DCT_TABLE, lt::EBAND5MS, lt::COMPENSATION);
    add!("code-constants": pf::COMB_FILTER_TAPSETS, cplc::SINC_FILTER);
    m
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn loader() -> Loader {
    Loader::new(libopus_source_dir().unwrap())
}

/// Compares two flattened tables; returns a readable report of the differences.
fn diff(t: &Table, c: &[Value], r: &[Value]) -> Option<String> {
    if c.len() != r.len() {
        return Some(format!(
            "{}: libopus `{}` has {} values, Rust {}",
            t.name,
            t.c_sym,
            c.len(),
            r.len()
        ));
    }
    let bad: Vec<String> = c
        .iter()
        .zip(r)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, (a, b))| format!("  [{i}] libopus {a}, Rust {b}"))
        .collect();
    if bad.is_empty() {
        return None;
    }
    let shown = bad.iter().take(20).cloned().collect::<Vec<_>>().join("\n");
    Some(format!(
        "{} vs libopus `{}` ({}): {} of {} values differ\n{shown}",
        t.name,
        t.c_sym,
        t.c_file,
        bad.len(),
        c.len()
    ))
}

#[test]
fn public_tables_equal_libopus() {
    let rust = rust_tables();
    let mut loader = loader();
    let mut failures = Vec::new();
    let (mut arrays, mut values) = (0, 0);
    for f in MANIFEST {
        for t in f.tables {
            let Some(r) = rust.get(&(f.key, t.name)) else {
                failures.push(format!(
                    "{}: `{}` is in the manifest but not read by this test",
                    f.key, t.name
                ));
                continue;
            };
            match loader.c_values(t) {
                Ok(c) => {
                    if let Some(d) = diff(t, &c, r) {
                        failures.push(d);
                    }
                    arrays += 1;
                    values += c.len();
                }
                Err(e) => failures.push(e),
            }
        }
    }
    for (key, name) in rust.keys() {
        if !MANIFEST
            .iter()
            .any(|f| f.key == *key && f.tables.iter().any(|t| t.name == *name))
        {
            failures.push(format!(
                "{key}: `{name}` is read by this test but not in the manifest"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{arrays} tables, {values} values equal libopus");
}

#[test]
fn private_tables_equal_libopus() {
    let mut loader = loader();
    let mut failures = Vec::new();
    for (file, t) in PRIVATE {
        let src = CSource::load_rust(&workspace_root().join(file)).unwrap();
        let r: Result<Vec<Value>, String> = src
            .rust_array(t.name)
            .and_then(|items| items.into_iter().map(|i| rust_value(t, i.value)).collect());
        match (loader.c_values(t), r) {
            (Ok(c), Ok(r)) => {
                if let Some(d) = diff(t, &c, &r) {
                    failures.push(format!("{file}: {d}"));
                }
            }
            (Err(e), _) | (_, Err(e)) => failures.push(format!("{file}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A value read from Rust source, as the Rust compiler stores it in `t`'s element type.
fn rust_value(t: &Table, v: dred_opus_testvectors::ctables::CValue) -> Result<Value, String> {
    use dred_opus_testvectors::ctables::CValue;
    Ok(match v {
        CValue::Int(i) if t.elem != dred_opus_testvectors::ctables::Elem::F32 => {
            Value::Int(i as i64)
        }
        CValue::F32(x) => Value::F32(x.to_bits()),
        other => return Err(format!("{}: unexpected Rust value {other:?}", t.name)),
    })
}

/// Every array constant of a generated file is in the manifest (pointer tables aside), so a
/// table added by hand cannot slip past the check.
#[test]
fn manifest_covers_every_table_of_generated_files() {
    let mut missing = Vec::new();
    for f in MANIFEST.iter().filter(|f| f.generated) {
        let text = std::fs::read_to_string(workspace_root().join(f.path)).unwrap();
        for line in text.lines() {
            let Some(rest) = line
                .strip_prefix("pub const ")
                .or_else(|| line.strip_prefix("pub static "))
            else {
                continue;
            };
            let Some((name, ty)) = rest.split_once(": ") else {
                continue;
            };
            if !ty.starts_with('[') || ty.starts_with("[&") {
                continue;
            }
            if !f.tables.iter().any(|t| t.name == name) {
                missing.push(format!("{}: `{name}`", f.path));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "tables not checked against libopus:\n{}",
        missing.join("\n")
    );
}

/// Each generated file names its generator and arguments on its first line.
#[test]
fn generated_files_name_their_generator() {
    for f in MANIFEST.iter().filter(|f| f.generated) {
        let text = std::fs::read_to_string(workspace_root().join(f.path)).unwrap();
        assert_eq!(
            text.lines().next(),
            Some(header_line(f.key).as_str()),
            "{}",
            f.path
        );
    }
}

/// What `gen_tables` prints reads back, under Rust's literal rules, as exactly libopus's values.
#[test]
fn generator_output_equals_libopus() {
    let mut loader = loader();
    for f in MANIFEST.iter().filter(|f| f.generated) {
        let text = render_file(&mut loader, f.key).unwrap();
        let parsed = CSource::parse_rust(&text, Path::new(f.key)).unwrap();
        for t in f.tables {
            let c = loader.c_values(t).unwrap();
            let items = parsed.rust_array(t.name).unwrap();
            let r: Vec<Value> = items
                .into_iter()
                .map(|i| rust_value(t, i.value).unwrap())
                .collect();
            if let Some(d) = diff(t, &c, &r) {
                panic!("generator output of {}: {d}", f.key);
            }
        }
    }
}

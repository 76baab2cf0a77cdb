//! The SILK decoder of RFC 6716 §4.2, bit-exact with libopus 1.6.1.
//!
//! SILK is fixed-point integer code in every libopus build, so this port keeps
//! libopus's integer arithmetic, rounding and saturation exactly (see
//! [`fixed`]). Decoding one frame runs three steps with three types
//! ([`structs`]):
//!
//! 1. [`decode_indices`] and [`decode_pulses`] read the side information
//!    ([`SideInfoIndices`]) and the excitation pulses from the range decoder
//!    (§4.2.7.3–§4.2.7.8).
//! 2. [`decode_parameters`] turns the indices into per-frame filters and gains
//!    ([`DecoderControl`]): [`gain_quant`], [`nlsf`] (§4.2.7.5), [`decode_pitch`]
//!    and the LTP codebooks (§4.2.7.6).
//! 3. [`decode_core`] synthesises the excitation through the LTP and LPC
//!    filters into the persistent [`DecoderState`] (§4.2.7.9).
//!
//! `decode_frame` drives the three and calls loss concealment and comfort
//! noise. The API layer (`dec_api`) handles the SILK header bits, stereo
//! unmixing and resampling around it.

pub mod fixed;
pub mod structs;

pub mod tables_gain;
pub mod tables_ltp;
pub mod tables_nlsf_cb_nb_mb;
pub mod tables_nlsf_cb_wb;
pub mod tables_other;
pub mod tables_pitch_lag;
pub mod tables_pulses_per_block;

/// Every SILK table in one namespace, as libopus's `silk/tables.h` declares them.
pub mod tables {
    pub use super::tables_gain::*;
    pub use super::tables_ltp::*;
    pub use super::tables_nlsf_cb_nb_mb::*;
    pub use super::tables_nlsf_cb_wb::*;
    pub use super::tables_other::*;
    pub use super::tables_pitch_lag::*;
    pub use super::tables_pulses_per_block::*;
}

pub mod decode_core;
pub mod decode_frame;
pub mod decode_indices;
pub mod decode_parameters;
pub mod decode_pitch;
pub mod decode_pulses;
pub mod gain_quant;
pub mod interpolate;
pub mod nlsf;

// Stages written alongside (SILK glue); uncomment as their files land.
pub mod resampler;
pub mod resampler_rom;
pub mod stereo;
pub mod plc;
pub mod cng;
pub mod dec_api;
pub mod enc;

pub use structs::{
    CondCoding, DecoderControl, DecoderState, LostFlag, NlsfCodebook, SideInfoIndices,
};

#[cfg(test)]
mod tests {
    use super::tables::*;

    /// An iCDF must not increase and must end in 0, or the range decoder
    /// could return an index past the table.
    fn check_icdf(name: &str, t: &[u8]) {
        assert_eq!(t.last(), Some(&0), "{name} does not end in 0");
        assert!(t.windows(2).all(|w| w[0] >= w[1]), "{name} increases");
    }

    #[test]
    fn icdfs_are_monotonic_and_end_in_zero() {
        for (i, t) in GAIN_ICDF.iter().enumerate() {
            check_icdf(&format!("GAIN_ICDF[{i}]"), t);
        }
        for (i, t) in PULSES_PER_BLOCK_ICDF.iter().enumerate() {
            check_icdf(&format!("PULSES_PER_BLOCK_ICDF[{i}]"), t);
        }
        for (i, t) in RATE_LEVELS_ICDF.iter().enumerate() {
            check_icdf(&format!("RATE_LEVELS_ICDF[{i}]"), t);
        }
        for (i, t) in LTP_GAIN_ICDF_PTRS.iter().enumerate() {
            check_icdf(&format!("LTP_GAIN_ICDF[{i}]"), t);
        }
        for (i, t) in LBRR_FLAGS_ICDF_PTR.iter().enumerate() {
            check_icdf(&format!("LBRR_FLAGS_ICDF[{i}]"), t);
        }
        let singles: [(&str, &[u8]); 19] = [
            ("DELTA_GAIN", &DELTA_GAIN_ICDF),
            ("PITCH_LAG", &PITCH_LAG_ICDF),
            ("PITCH_DELTA", &PITCH_DELTA_ICDF),
            ("PITCH_CONTOUR", &PITCH_CONTOUR_ICDF),
            ("PITCH_CONTOUR_NB", &PITCH_CONTOUR_NB_ICDF),
            ("PITCH_CONTOUR_10_MS", &PITCH_CONTOUR_10_MS_ICDF),
            ("PITCH_CONTOUR_10_MS_NB", &PITCH_CONTOUR_10_MS_NB_ICDF),
            ("LTP_PER_INDEX", &LTP_PER_INDEX_ICDF),
            ("LSB", &LSB_ICDF),
            ("LTP_SCALE", &LTP_SCALE_ICDF),
            ("TYPE_OFFSET_VAD", &TYPE_OFFSET_VAD_ICDF),
            ("TYPE_OFFSET_NO_VAD", &TYPE_OFFSET_NO_VAD_ICDF),
            ("NLSF_INTERPOLATION_FACTOR", &NLSF_INTERPOLATION_FACTOR_ICDF),
            ("UNIFORM3", &UNIFORM3_ICDF),
            ("UNIFORM4", &UNIFORM4_ICDF),
            ("UNIFORM5", &UNIFORM5_ICDF),
            ("UNIFORM6", &UNIFORM6_ICDF),
            ("UNIFORM8", &UNIFORM8_ICDF),
            ("NLSF_EXT", &NLSF_EXT_ICDF),
        ];
        for (name, t) in singles {
            check_icdf(name, t);
        }
        check_icdf("STEREO_PRED_JOINT", &STEREO_PRED_JOINT_ICDF);
        check_icdf("STEREO_ONLY_CODE_MID", &STEREO_ONLY_CODE_MID_ICDF);
        // Shell tables: one iCDF of p + 1 entries per pulse count p.
        for (name, t) in [
            ("SHELL0", &SHELL_CODE_TABLE0),
            ("SHELL1", &SHELL_CODE_TABLE1),
            ("SHELL2", &SHELL_CODE_TABLE2),
            ("SHELL3", &SHELL_CODE_TABLE3),
        ] {
            for p in 1..=16usize {
                let off = SHELL_CODE_TABLE_OFFSETS[p] as usize;
                if p > 1 {
                    assert_eq!(SHELL_CODE_TABLE_OFFSETS[p - 1] as usize + p, off);
                }
                check_icdf(name, &t[off..off + p + 1]);
            }
        }
        // Sign tables: first entries of two-symbol iCDFs [x, 0], 7 per row; x > 0.
        assert!(SIGN_ICDF.iter().all(|&v| v > 0));
        // NLSF codebooks: one iCDF per signal-type class and 8 second-stage tables.
        for cb in [&NLSF_CB_NB_MB, &NLSF_CB_WB] {
            let n = cb.n_vectors as usize;
            let d = cb.order as usize;
            assert_eq!(cb.cb1_icdf.len(), 2 * n);
            check_icdf("CB1_ICDF unvoiced", &cb.cb1_icdf[..n]);
            check_icdf("CB1_ICDF voiced", &cb.cb1_icdf[n..]);
            assert_eq!(cb.ec_icdf.len(), 72);
            for t in cb.ec_icdf.chunks_exact(9) {
                check_icdf("NLSF ec_icdf", t);
            }
            assert_eq!(cb.cb1_nlsf_q8.len(), n * d);
            assert_eq!(cb.cb1_wght_q9.len(), n * d);
            assert!(cb.cb1_wght_q9.iter().all(|&w| w > 0));
            assert_eq!(cb.ec_sel.len(), n * d / 2);
            assert_eq!(cb.pred_q8.len(), 2 * (d - 1));
            assert_eq!(cb.delta_min_q15.len(), d + 1);
        }
    }

    #[test]
    fn table_sizes() {
        assert_eq!(LSF_COS_TAB_FIX_Q12.len(), 129);
        assert!(LSF_COS_TAB_FIX_Q12.windows(2).all(|w| w[0] >= w[1]));
        assert_eq!(LTP_VQ_SIZES, [8, 16, 32]);
        for (k, cb) in LTP_VQ_PTRS_Q7.iter().enumerate() {
            assert_eq!(cb.len(), LTP_VQ_SIZES[k] as usize);
            assert_eq!(LTP_GAIN_ICDF_PTRS[k].len(), cb.len());
        }
        assert_eq!(PITCH_CONTOUR_ICDF.len(), CB_LAGS_STAGE3[0].len());
        assert_eq!(PITCH_CONTOUR_NB_ICDF.len(), CB_LAGS_STAGE2[0].len());
        assert_eq!(
            PITCH_CONTOUR_10_MS_ICDF.len(),
            CB_LAGS_STAGE3_10_MS[0].len()
        );
        assert_eq!(
            PITCH_CONTOUR_10_MS_NB_ICDF.len(),
            CB_LAGS_STAGE2_10_MS[0].len()
        );
    }
}

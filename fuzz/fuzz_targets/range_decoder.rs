//! The range decoder (RFC 6716 section 4.1) and both Laplace decoders, driven
//! by a sequence of operations read from the input. The first byte sets how
//! much of the input is the coded buffer; the operations come from the rest.
//! Every call gets arguments inside its documented contract, so any panic is
//! a bug. Checks that `tell` never decreases and `tell_frac` agrees with it.
#![no_main]

use dred_opus_fuzz::Input;
use libfuzzer_sys::fuzz_target;
use opus_core::range_coder::{laplace_decode, laplace_decode_p0, RangeDecoder};

/// A non-increasing inverse CDF ending in 0, with its first entry at most
/// `2^ftb`, built from the input.
fn icdf8(input: &mut Input<'_>, ftb: u32, out: &mut [u8; 16]) -> usize {
    let n = input.below(15) + 1;
    let top = (1u32 << ftb).min(255);
    let mut v = top;
    for slot in out.iter_mut().take(n - 1) {
        v = v.saturating_sub(u32::from(input.u8()) % (top + 1) / 2 + 1);
        *slot = v as u8;
    }
    out[n - 1] = 0;
    n
}

fn icdf16(input: &mut Input<'_>, out: &mut [u16; 16]) -> usize {
    let n = input.below(15) + 1;
    let mut v = 1u32 << 15;
    for slot in out.iter_mut().take(n - 1) {
        v = v.saturating_sub(u32::from(input.u16()) % (1 << 14) + 1);
        *slot = v as u16;
    }
    out[n - 1] = 0;
    n
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let split = usize::from(input.u8());
    let buf = input.bytes(split);
    let mut dec = RangeDecoder::new(buf);
    let mut last_tell = dec.tell();
    for _ in 0..4096 {
        if input.is_empty() {
            break;
        }
        match input.u8() % 10 {
            0 => {
                let ft = (u32::from(input.u16()) % 65536) + 1;
                let fs = dec.decode(ft);
                assert!(fs < ft);
                // Pick a symbol interval around fs.
                let lo = fs.saturating_sub(u32::from(input.u8()));
                let hi = (fs + 1 + u32::from(input.u8())).min(ft);
                dec.update(lo, hi, ft);
            }
            1 => {
                let bits = u32::from(input.u8()) % 17;
                let fs = dec.decode_bin(bits);
                assert!(fs < 1 << bits);
                dec.update(fs, fs + 1, 1 << bits);
            }
            2 => {
                let logp = u32::from(input.u8()) % 15 + 1;
                let _ = dec.bit_logp(logp);
            }
            3 => {
                let ftb = u32::from(input.u8()) % 9;
                let mut t = [0u8; 16];
                let n = icdf8(&mut input, ftb.max(1), &mut t);
                let k = dec.icdf(&t[..n], ftb.max(1));
                assert!(k < n);
            }
            4 => {
                let mut t = [0u16; 16];
                let n = icdf16(&mut input, &mut t);
                let k = dec.icdf16(&t[..n], 15);
                assert!(k < n);
            }
            5 => {
                let ft = input.u32().max(1);
                let v = dec.uint(ft);
                assert!(v < ft);
            }
            6 => {
                let nbits = u32::from(input.u8()) % 26;
                let v = dec.bits(nbits);
                assert!(nbits == 32 || v >> nbits == 0);
            }
            7 => {
                let fs = u32::from(input.u16()) % 32736 + 1;
                let decay = i32::from(input.u16() % 16384);
                let _ = laplace_decode(&mut dec, fs, decay);
            }
            8 => {
                let p0 = input.u16() % (1 << 15);
                let decay = input.u16() % (1 << 15);
                let _ = laplace_decode_p0(&mut dec, p0, decay);
            }
            _ => {
                let bytes = u32::from(input.u8());
                dec.shrink_storage(bytes);
                assert!(dec.storage() as usize <= buf.len());
            }
        }
        let tell = dec.tell();
        assert!(tell >= last_tell, "tell went back: {last_tell} -> {tell}");
        let frac = dec.tell_frac() as i64;
        assert!(frac <= i64::from(tell) * 8 && frac > (i64::from(tell) - 1) * 8);
        last_tell = tell;
    }
    let _ = dec.final_range();
    let _ = dec.error();
});

//! The Opus decoder on a stream of packets: the first bytes choose the output
//! rate, channel count, complexity, output type and whether to go through the
//! `dred_opus::Decoder` facade; the rest is split into packets, each decoded
//! with room for 120 ms. Float output must be finite and the sample count
//! must match the packet's duration.
#![no_main]

use dred_opus_fuzz::{packets, Input, RATES};
use libfuzzer_sys::fuzz_target;
use opus_core::decoder::OpusDecoder;
use opus_core::packet::framing;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let rate = input.pick(&RATES);
    let channels = 1 + input.below(2);
    let complexity = input.below(5) as i32;
    let kind = input.below(4);
    let mut dec = OpusDecoder::new(rate, channels).expect("decoder");
    dec.set_complexity(complexity).expect("complexity");
    let mut facade = dred_opus::Decoder::new(rate, channels).expect("facade");
    let max = dec.max_frame_samples();
    let mut f = vec![0f32; max * channels];
    let mut s = vec![0i16; max * channels];
    let mut w = vec![0i32; max * channels];
    for pkt in packets(input.rest()) {
        let expected = framing::nb_samples(pkt, rate);
        let r = match kind {
            0 => dec.decode_float(Some(pkt), &mut f, max, false),
            1 => dec.decode(Some(pkt), &mut s, max, false),
            2 => dec.decode24(Some(pkt), &mut w, max, false),
            _ => facade.decode(pkt, &mut f[..]),
        };
        if let Ok(n) = r {
            assert!(n <= max);
            if pkt.len() > 1 {
                assert_eq!(Ok(n), expected, "duration of {pkt:02x?}");
            }
            if kind == 0 || kind == 3 {
                if let Some(i) = f[..n * channels].iter().position(|x| !x.is_finite()) {
                    panic!("sample {i} is {}", f[i]);
                }
            }
        }
    }
});

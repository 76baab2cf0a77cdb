//! Random sequences of decoder calls on one `dred_opus::Decoder` (the facade,
//! so complexity 5 and up brings in deep PLC): decode (float, i16, 24-bit)
//! with random frame sizes, losses, FEC, reset, gain, complexity (0 to 10, and
//! invalid values), phase inversion and ignore-extensions. Checks that float output is finite, that
//! every error is typed, and that after an error the decoder still decodes a
//! valid packet (from the bundled fixture, or one libopus encoded).
#![no_main]

use dred_opus_fuzz::{frame_size, oracle_packets, sample_packets, Input, RATES};
use libfuzzer_sys::fuzz_target;
use dred_opus::Decoder;
use opus_core::Error;
use std::sync::OnceLock;

fn good() -> &'static [&'static [u8]] {
    static GOOD: OnceLock<Vec<&'static [u8]>> = OnceLock::new();
    GOOD.get_or_init(|| {
        let mut v = sample_packets(10, 4);
        // Leaked once per process: the fuzzer runs in one.
        v.extend(oracle_packets().into_iter().map(|p| &*Box::leak(p.into_boxed_slice())));
        v
    })
}

fn finite(pcm: &[f32]) {
    if let Some(i) = pcm.iter().position(|x| !x.is_finite()) {
        panic!("sample {i} is {}", pcm[i]);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let rate = input.pick(&RATES);
    let channels = 1 + input.below(2);
    let mut dec = Decoder::new(rate, channels).expect("decoder");
    dec.set_complexity(input.below(11) as i32).expect("complexity");
    let max = dec.max_frame_samples();
    let mut f = vec![0f32; max * channels + 64];
    let mut s = vec![0i16; max * channels + 64];
    let mut w = vec![0i32; max * channels + 64];
    for _ in 0..48 {
        if input.is_empty() {
            break;
        }
        let op = input.u8();
        let result: Option<Result<usize, Error>> = match op % 12 {
            0..=3 => {
                let pkt = input.chunk(1500);
                let fs = frame_size(&mut input, rate);
                let fec = op & 0x80 != 0;
                Some(match op % 3 {
                    0 => dec.decode_raw(Some(pkt), &mut f[..], fs, fec),
                    1 => dec.decode_raw(Some(pkt), &mut s[..], fs, fec),
                    _ => dec.decode_raw(Some(pkt), &mut w[..], fs, fec),
                })
            }
            4 | 5 => {
                let fs = frame_size(&mut input, rate);
                Some(if op & 0x40 != 0 {
                    dec.decode_raw(None, &mut s[..], fs, op & 0x80 != 0)
                } else {
                    dec.decode_raw(None, &mut f[..], fs, op & 0x80 != 0)
                })
            }
            6 => {
                // FEC from a valid packet.
                let pkt = good()[input.below(good().len())];
                let fs = frame_size(&mut input, rate);
                Some(dec.decode_raw(Some(pkt), &mut f[..], fs, true))
            }
            7 => {
                dec.reset();
                None
            }
            8 => {
                let g = input.u32() as i32 % 40000;
                let r = dec.set_gain(g);
                assert_eq!(r.is_ok(), (-32768..=32767).contains(&g));
                None
            }
            9 => {
                let c = i32::from(input.u8() % 14) - 1;
                let r = dec.set_complexity(c);
                assert_eq!(r.is_ok(), (0..=10).contains(&c));
                None
            }
            10 => {
                dec.set_phase_inversion_disabled(input.bool());
                dec.set_ignore_extensions(input.bool());
                None
            }
            _ => {
                let pkt = input.chunk(64);
                let _ = dec.nb_samples(pkt);
                let _ = (dec.final_range(), dec.pitch(), dec.bandwidth(), dec.last_packet_duration());
                None
            }
        };
        match result {
            Some(Ok(n)) => {
                assert!(n <= max, "{n} samples > {max}");
                finite(&f[..n * channels]);
            }
            Some(Err(e)) => {
                let _ = e.libopus_code();
                // Recovery: a valid packet decodes, with its full duration.
                let pkt = good()[input.below(good().len())];
                let n = dec
                    .decode_raw(Some(pkt), &mut f[..], max, false)
                    .unwrap_or_else(|e| panic!("valid packet refused after {e}: {e:?}"));
                assert_eq!(Ok(n), dec.nb_samples(pkt));
                finite(&f[..n * channels]);
            }
            None => {}
        }
    }
});

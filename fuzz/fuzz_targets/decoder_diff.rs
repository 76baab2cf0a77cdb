//! Differential decoding: our `OpusDecoder` against libopus 1.6.1's generic C
//! build (`opus-oracle`), on the same calls. The first bytes choose the rate,
//! channels and complexity (below 5, where no neural model is involved); the
//! rest is a sequence of decode / lost / FEC calls with random frame sizes.
//! After every call the result or error code, final range, last packet
//! duration and PCM (float bit for bit, or i16) must be identical.
//!
//! It also decodes each call a second time, on a clone of our decoder, into a
//! buffer pre-filled with different bytes: the two outputs must agree, which
//! catches samples the decoder never writes (claxon's "two buffers" check).
#![no_main]

use dred_opus_fuzz::{Input, RATES};
use libfuzzer_sys::fuzz_target;
use opus_core::decoder::OpusDecoder;
use opus_oracle::{ctl, Build, Decoder};

fn frame_size(input: &mut Input<'_>, rate: u32, max: usize) -> usize {
    let unit = (rate / 400) as usize;
    match input.u8() % 16 {
        0..=11 => unit * (input.below(48) + 1),
        12 => 0,
        13 => input.below(max + unit + 1),
        14 => max + unit,
        _ => max,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let rate = input.pick(&RATES);
    let channels = 1 + input.below(2);
    let complexity = input.below(5) as i32;
    let mut ours = OpusDecoder::new(rate, channels).expect("decoder");
    ours.set_complexity(complexity).expect("complexity");
    let mut theirs = Decoder::new(Build::Generic, rate as i32, channels).expect("libopus");
    theirs.set(ctl::SET_COMPLEXITY, complexity).expect("libopus complexity");
    let max = ours.max_frame_samples();
    let cap = (max + rate as usize / 400) * channels;
    let (mut a, mut b, mut r) = (vec![0f32; cap], vec![0f32; cap], vec![0f32; cap]);
    let (mut ai, mut bi, mut ri) = (vec![0i16; cap], vec![0i16; cap], vec![0i16; cap]);
    for call in 0..64 {
        if input.is_empty() {
            break;
        }
        let op = input.u8();
        let (packet, fec, fs) = match op % 4 {
            0 | 1 => (Some(input.chunk(1500)), false, max),
            2 => (None, false, frame_size(&mut input, rate, max)),
            _ => (Some(input.chunk(1500)), true, frame_size(&mut input, rate, max)),
        };
        let fs = if op & 0x10 != 0 && fec == false && packet.is_some() {
            frame_size(&mut input, rate, max)
        } else {
            fs
        };
        let mut twin = ours.clone();
        let float = op & 0x80 == 0;
        let (mine, other, n_ch);
        if float {
            a.fill(f32::from_bits(0x7fc0_1234));
            b.fill(-12345.0);
            mine = ours.decode_float(packet, &mut a, fs, fec).map_err(|e| e.libopus_code());
            let again = twin.decode_float(packet, &mut b, fs, fec).map_err(|e| e.libopus_code());
            assert_eq!(mine, again, "call {call}: clone disagrees");
            other = theirs.decode_float(packet, &mut r, fs, fec);
            n_ch = mine.map_or(0, |n| n * channels);
            for i in 0..n_ch {
                assert_eq!(a[i].to_bits(), b[i].to_bits(), "call {call}: sample {i} of {n_ch} never written");
            }
        } else {
            ai.fill(0x5555);
            bi.fill(-0x5556);
            mine = ours.decode(packet, &mut ai, fs, fec).map_err(|e| e.libopus_code());
            let again = twin.decode(packet, &mut bi, fs, fec).map_err(|e| e.libopus_code());
            assert_eq!(mine, again, "call {call}: clone disagrees");
            other = theirs.decode(packet, &mut ri, fs, fec);
            n_ch = mine.map_or(0, |n| n * channels);
            assert_eq!(&ai[..n_ch], &bi[..n_ch], "call {call}: samples never written");
        }
        let what = format!(
            "call {call}: {} {} fs {fs} fec {fec} packet {:02x?}",
            if float { "float" } else { "i16" },
            rate,
            packet.map(|p| &p[..p.len().min(8)])
        );
        assert_eq!(mine, other, "{what}: result");
        assert_eq!(ours.final_range(), theirs.final_range(), "{what}: final range");
        assert_eq!(ours.last_packet_duration() as i32, theirs.last_packet_duration(), "{what}: duration");
        if float {
            if let Some(i) = (0..n_ch).find(|&i| a[i].to_bits() != r[i].to_bits()) {
                panic!("{what}: float sample {i} of {n_ch}: {} vs {}", a[i], r[i]);
            }
        } else if let Some(i) = (0..n_ch).find(|&i| ai[i] != ri[i]) {
            panic!("{what}: i16 sample {i} of {n_ch}: {} vs {}", ai[i], ri[i]);
        }
    }
});

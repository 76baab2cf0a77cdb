//! Writes the sample bitstream bundled with `dred-opus inspect`: CMU ARCTIC `arctic_a0007`
//! (16 kHz mono speech) encoded by libopus 1.6.1 (generic-C build, deterministic) as VoIP at
//! 32 kb/s, 20 ms frames, in-band FEC and DRED (1 s) for 20 % expected loss, in opus_demo's
//! bitstream format.
//!
//! `cargo run -p opus-oracle --example make_sample_bitstream -- IN.wav OUT.bit [BITRATE] [FEC 0/1]`

use opus_oracle::{ctl, Build, Encoder};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let wav = std::fs::read(&args[1]).expect("read wav");
    // The ARCTIC files are canonical 44-byte-header PCM WAVs; find the "data" chunk anyway.
    let pos = wav.windows(4).position(|w| w == b"data").expect("data chunk") + 8;
    let pcm: Vec<i16> = wav[pos..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
    let mut enc = Encoder::new(Build::Generic, 16000, 1, ctl::APPLICATION_VOIP).expect("encoder");
    let bitrate: i32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(32000);
    let fec: i32 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1);
    enc.set(ctl::SET_BITRATE, bitrate).unwrap();
    enc.set(ctl::SET_INBAND_FEC, fec).unwrap();
    enc.set(ctl::SET_PACKET_LOSS_PERC, 20).unwrap();
    enc.set(ctl::SET_DRED_DURATION, 100).unwrap();
    let mut out = Vec::new();
    let mut pkt = [0u8; 1500];
    for frame in pcm.chunks_exact(320) {
        let n = enc.encode(frame, 320, &mut pkt).expect("encode");
        out.extend_from_slice(&(n as u32).to_be_bytes());
        out.extend_from_slice(&enc.final_range().to_be_bytes());
        out.extend_from_slice(&pkt[..n]);
    }
    std::fs::write(&args[2], out).expect("write");
}

//! Writes seed corpora for the fuzz targets: packets of the bundled fixture
//! (`fixtures/sample_speech_dred.bit`) and of streams libopus 1.6.1 encodes,
//! wrapped in each target's input format.
//!
//! `cargo run --release --bin make_seeds -- DIR [MAX_PER_TARGET]` writes
//! `DIR/<target>/<sha1-ish name>`; `fuzz/seeds/` holds a small committed set
//! made with `make_seeds seeds 24`, and `run.sh` makes a fuller corpus in
//! `fuzz/corpus/` on first use.
use std::fs;
use std::path::Path;

use dred_opus_fuzz::{oracle_packets, sample_packets, SAMPLE_BITSTREAM};
use opus_core::packet::{framing, packet_pad};

/// FNV-1a 64, for stable file names.
fn name(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A length-prefixed packet, as `dred_opus_fuzz::packets` splits them.
fn chunk(out: &mut Vec<u8>, p: &[u8]) {
    out.extend_from_slice(&(p.len() as u16).to_le_bytes());
    out.extend_from_slice(p);
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).map_or("corpus", String::as_str));
    let max: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(usize::MAX);
    let mut packets: Vec<Vec<u8>> = sample_packets(0, 1000).into_iter().map(<[u8]>::to_vec).collect();
    let from_fixture = packets.len();
    packets.extend(oracle_packets());
    // Interleave fixture and libopus packets so a small set has both.
    let mut order: Vec<usize> = Vec::new();
    let (mut i, mut j) = (0, from_fixture);
    while i < from_fixture || j < packets.len() {
        if j < packets.len() {
            order.push(j);
            j += 1;
        }
        if i < from_fixture {
            order.push(i);
            i += 1;
        }
    }
    let packets: Vec<&[u8]> = order.iter().map(|&k| packets[k].as_slice()).collect();

    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();
    for (k, p) in packets.iter().enumerate() {
        seeds.push(("packet_parse", p.to_vec()));
        seeds.push(("dred_find_payload", p.to_vec()));
        if let Ok(parsed) = framing::parse(p) {
            let pad = parsed.padding(p);
            if !pad.is_empty() {
                let mut e = vec![parsed.frame_count() as u8, 48];
                e.extend_from_slice(pad);
                seeds.push(("extensions", e));
            }
        }
        // Range decoder: the first 255 bytes as the buffer, then operations.
        let mut rd = vec![p.len().min(255) as u8];
        rd.extend_from_slice(&p[..p.len().min(255)]);
        rd.extend((0..64u8).map(|x| x.wrapping_mul(37)));
        seeds.push(("range_decoder", rd));
        // Repacketizer: cat this and the next packet, out, pad, unpad.
        let next = packets[(k + 1) % packets.len()];
        let mut r = vec![0];
        chunk(&mut r, p);
        r.push(0);
        chunk(&mut r, next);
        r.extend_from_slice(&[3, 0, 2, 0xff, 4, 0xff]);
        r.push(5);
        chunk(&mut r, p);
        r.extend_from_slice(&[40, 0xff]);
        r.push(6);
        chunk(&mut r, p);
        r.push(0xff);
        seeds.push(("repacketizer", r));
    }
    // Decoder streams: runs of consecutive packets under each configuration.
    for (s, run) in packets.chunks(8).enumerate() {
        let rate = (s % 5) as u8;
        let ch = (s / 5 % 2) as u8;
        let mut d = vec![rate, ch, (s % 5) as u8, (s % 4) as u8];
        for p in run {
            chunk(&mut d, p);
        }
        seeds.push(("decoder_packet", d));
        // Rate, channels, complexity (deep PLC from 5 on).
        let mut st = vec![rate, ch, (s * 3 % 11) as u8];
        for (k, p) in run.iter().enumerate() {
            match k % 4 {
                // decode float, 20 ms... then a loss, FEC and a reset.
                0 | 1 => {
                    st.push((k % 3) as u8);
                    chunk(&mut st, p);
                    st.extend_from_slice(&[0, 7]);
                }
                2 => st.extend_from_slice(&[4, 0, 7]),
                _ => {
                    st.push(0x80);
                    chunk(&mut st, p);
                    st.extend_from_slice(&[0, 7]);
                }
            }
        }
        st.extend_from_slice(&[7, 8, 0, 4, 0, 0, 9, 6]);
        seeds.push(("decoder_stateful", st));
        let mut df = vec![rate, ch, (s % 5) as u8];
        for (k, p) in run.iter().enumerate() {
            match k % 5 {
                3 => df.extend_from_slice(&[2, 7]),
                4 => {
                    df.push(3);
                    chunk(&mut df, p);
                    df.push(7);
                }
                _ => {
                    df.push(if k % 2 == 0 { 0 } else { 0x80 });
                    chunk(&mut df, p);
                }
            }
        }
        seeds.push(("decoder_diff", df));
    }
    // Bitstream files: the fixture's first records, and one of libopus packets.
    let mut bs = Vec::new();
    for p in packets.iter().take(40) {
        dred_opus::bitstream::write_record(&mut bs, p, 0);
    }
    seeds.push(("bitstream_inspect", bs));
    seeds.push(("bitstream_inspect", SAMPLE_BITSTREAM[..SAMPLE_BITSTREAM.len().min(4096)].to_vec()));
    // A padded packet whose padding holds extensions, for the parsers.
    for p in packets.iter().take(8) {
        let mut out = vec![0u8; p.len() + 40];
        if let Ok(n) = packet_pad(p, &mut out, p.len() + 40) {
            seeds.push(("packet_parse", out[..n].to_vec()));
        }
    }
    // opus_demo command lines.
    for line in [
        "-d\x0048000\x001\x00in.bit\x00out.pcm",
        "-d\x0016000\x002\x00-inbandfec\x00-loss\x0020\x00-dec_complexity\x007\x00in\x00out",
        "voip\x0048000\x002\x0032000\x00-framesize\x0060\x00-dred\x00100\x00in\x00out",
        "-e\x00audio\x0024000\x001\x00-1\x00-bandwidth\x00WB\x00-complexity\x005\x00-cbr\x00in\x00out",
        "-d\x0012000\x001\x00-f32\x00-ignore_extensions\x00-lossfile\x00l.txt\x00in\x00out",
        "restricted-lowdelay\x008000\x001\x006000\x00-sweep\x00100\x00-sweep_max\x0064000\x00-random_framesize\x00in\x00out",
    ] {
        seeds.push(("demo_args", line.as_bytes().to_vec()));
    }

    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for (target, bytes) in seeds {
        let c = counts.entry(target).or_default();
        if *c >= max {
            continue;
        }
        *c += 1;
        let d = dir.join(target);
        fs::create_dir_all(&d)?;
        fs::write(d.join(name(&bytes)), &bytes)?;
    }
    for (t, c) in &counts {
        println!("{t}: {c} seeds");
    }
    Ok(())
}

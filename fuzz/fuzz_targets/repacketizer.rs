//! The repacketizer, `packet_pad` and `packet_unpad`, driven by a sequence of
//! operations. Whatever they write must parse back, with the frames it was
//! given.
#![no_main]

use dred_opus_fuzz::Input;
use libfuzzer_sys::fuzz_target;
use opus_core::packet::{packet_pad, packet_unpad, parse, parse_self_delimited, Repacketizer};

fn frames_of(data: &[u8]) -> Option<Vec<&[u8]>> {
    let p = parse(data).ok()?;
    Some((0..p.frame_count()).filter_map(|i| p.frame(data, i)).collect())
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mut rp = Repacketizer::new();
    let mut out = vec![0u8; 8192];
    for _ in 0..64 {
        if input.is_empty() {
            break;
        }
        match input.u8() % 8 {
            0 | 1 => {
                let pkt = input.chunk(1500);
                let before = rp.nb_frames();
                match rp.cat(pkt) {
                    Ok(()) => {
                        let p = parse(pkt).expect("cat accepted an unparsable packet");
                        assert_eq!(rp.nb_frames(), before + p.frame_count());
                    }
                    Err(_) => assert_eq!(rp.nb_frames(), before),
                }
            }
            2 => {
                let pkt = input.chunk(1500);
                let before = rp.nb_frames();
                if rp.cat_self_delimited(pkt).is_err() {
                    assert_eq!(rp.nb_frames(), before);
                } else {
                    assert!(parse_self_delimited(pkt).is_ok());
                }
            }
            3 => {
                let n = rp.nb_frames() + 2;
                let begin = input.below(n);
                let end = input.below(n);
                let len = input.below(out.len() + 1);
                if let Ok(w) = rp.out_range(begin, end, &mut out[..len]) {
                    assert!(w <= len);
                    let got = frames_of(&out[..w]).expect("out_range wrote an invalid packet");
                    assert_eq!(got.len(), end - begin);
                    for (i, f) in got.iter().enumerate() {
                        assert_eq!(Some(*f), rp.frame(begin + i));
                    }
                }
            }
            4 => {
                let len = input.below(out.len() + 1);
                if let Ok(w) = rp.out(&mut out[..len]) {
                    assert_eq!(frames_of(&out[..w]).map(|f| f.len()), Some(rp.nb_frames()));
                }
            }
            5 => {
                let pkt = input.chunk(1500);
                let new_len = pkt.len() + input.below(1200);
                let room = input.below(out.len() + 1);
                if let Ok(w) = packet_pad(pkt, &mut out[..room], new_len) {
                    assert_eq!(w, new_len);
                    if pkt.len() != new_len {
                        assert_eq!(frames_of(&out[..w]), frames_of(pkt), "pad changed the frames");
                    }
                }
            }
            6 => {
                let pkt = input.chunk(1500);
                let room = input.below(out.len() + 1);
                if let Ok(w) = packet_unpad(pkt, &mut out[..room]) {
                    assert!(w <= pkt.len());
                    let p = parse(&out[..w]).expect("unpad wrote an invalid packet");
                    assert_eq!(p.padding_len(), 0);
                    assert_eq!(frames_of(&out[..w]), frames_of(pkt), "unpad changed the frames");
                }
            }
            _ => rp.reset(),
        }
        let _ = rp.toc();
        for i in 0..rp.nb_frames() + 1 {
            let _ = rp.frame(i);
        }
    }
});

//! Packet framing (RFC 6716 section 3): standard and self-delimited parsing,
//! the frame count, duration and LBRR helpers, and the SILK header flags of
//! every frame. Checks that what the parser reports lies inside the packet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opus_core::packet::{
    framing, has_lbrr, nb_frames, nb_samples, parse, parse_self_delimited, silk_flags,
    MAX_FRAMES, MAX_FRAME_BYTES,
};

fn check(data: &[u8], p: &framing::ParsedPacket) {
    assert!((1..=MAX_FRAMES).contains(&p.frame_count()));
    assert!(p.packet_len() <= data.len());
    assert!(p.padding_range().end <= data.len());
    assert!(p.payload_offset() <= p.packet_len());
    for i in 0..p.frame_count() {
        let r = p.frame_range(i).expect("frame in range");
        assert!(r.end <= p.packet_len(), "frame {i} ends past the packet");
        assert!(r.len() <= MAX_FRAME_BYTES);
        let frame = p.frame(data, i).expect("frame");
        // The SILK flags read only the front of a frame.
        let _ = silk_flags(p.toc(), frame);
    }
    assert_eq!(p.frames(data).count(), p.frame_count());
    for rate in [48000, 24000, 16000, 12000, 8000] {
        let _ = p.samples(rate);
    }
    // Walk the extensions (the iterator bounds itself).
    let mut it = p.extensions(data);
    for _ in 0..10_000 {
        match it.next_extension() {
            Ok(Some(_)) => {}
            _ => break,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let standard = parse(data);
    if let Ok(p) = &standard {
        check(data, p);
        // libopus: a parsed packet has a valid duration.
        assert!(nb_samples(data, 48000).is_ok());
        assert_eq!(nb_frames(data), Ok(p.frame_count()));
    }
    if let Ok(p) = parse_self_delimited(data) {
        check(data, &p);
    }
    for rate in [48000, 24000, 16000, 12000, 8000, 0, 1, 44100, u32::MAX] {
        let _ = nb_samples(data, rate);
    }
    let _ = nb_frames(data);
    let lbrr = has_lbrr(data);
    if standard.is_err() {
        if let Some(&toc) = data.first() {
            if opus_core::packet::Toc(toc).mode() != opus_core::packet::Mode::CeltOnly {
                assert!(lbrr.is_err());
            }
        }
    }
});

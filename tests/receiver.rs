//! `dred_opus::receiver::Receiver` on the bundled SILK WB stream with LBRR and DRED
//! (`fixtures/sample_speech_dred.bit`): lossless, lossy, reordered, late, wrapped and
//! multi-frame arrivals, checked against `Decoder` driven by hand with opus_demo's policy.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use dred_opus::bitstream::BitstreamReader;
use dred_opus::receiver::{Error, LateWindow, PushOutcome, Receiver, ReceiverConfig, Source};
use dred_opus::Decoder;
use opus_core::packet::{has_lbrr, Repacketizer};

/// Counts this thread's allocations (tests run on several threads).
struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.with(|c| c.get())
}

const RATE: u32 = 16_000;
const FIXTURE: &[u8] = include_bytes!("../fixtures/sample_speech_dred.bit");

fn packets() -> Vec<Vec<u8>> {
    let v: Vec<Vec<u8>> = BitstreamReader::new(FIXTURE)
        .map(|r| r.expect("fixture record").payload.to_vec())
        .collect();
    assert!(v.len() > 100 && v.iter().all(|p| !p.is_empty()));
    v
}

fn config(window: u32, complexity: i32) -> ReceiverConfig {
    ReceiverConfig {
        complexity,
        late_window: LateWindow::Packets(window),
        use_lbrr: true,
        use_dred: true,
        max_dred_ms: 1000,
    }
}

/// What a run produced: the PCM and one (seq, source) per pulled packet.
#[derive(Debug, Default, PartialEq)]
struct Run {
    pcm: Vec<f32>,
    frames: Vec<(u32, Source)>,
}

/// Pulls until `NotReady`.
fn drain(rx: &mut Receiver, buf: &mut [f32], run: &mut Run) {
    loop {
        match rx.pull(buf) {
            Ok(f) => {
                run.pcm.extend_from_slice(&buf[..f.samples]);
                run.frames.push((f.seq, f.source));
            }
            Err(Error::NotReady) => return,
            Err(e) => panic!("pull: {e}"),
        }
    }
}

/// Pushes `(seq, index)` in the given arrival order, pulling after each push.
fn receive(packets: &[Vec<u8>], arrivals: &[(u32, usize)], cfg: ReceiverConfig, wide: bool) -> (Run, Receiver) {
    let mut rx = Receiver::new(RATE, 1, cfg).expect("receiver");
    let mut buf = vec![0f32; rx.max_frame_samples()];
    let mut run = Run::default();
    for &(seq, i) in arrivals {
        if wide {
            rx.push_u32(seq, &packets[i]).expect("push");
        } else {
            rx.push(seq as u16, &packets[i]).expect("push");
        }
        drain(&mut rx, &mut buf, &mut run);
    }
    (run, rx)
}

/// In order, skipping the lost ones, numbered from `first`.
fn in_order(lost: &[bool], first: u32) -> Vec<(u32, usize)> {
    (0..lost.len()).filter(|&i| !lost[i]).map(|i| (first.wrapping_add(i as u32), i)).collect()
}

/// opus_demo's decode loop, by hand: LBRR for the newest lost packet, DRED of the packet
/// after the gap for older ones at offset (lost_count - fr) * n, else PLC. Trailing losses
/// produce nothing (no packet follows them). Sources: Packet, Lbrr, Dred (any DRED call) or
/// DeepPlc/ClassicPlc.
fn reference(packets: &[Vec<u8>], lost: &[bool], complexity: i32) -> (Vec<f32>, Vec<Source>) {
    let mut dec = Decoder::new(RATE, 1).expect("decoder");
    dec.set_complexity(complexity).expect("complexity");
    let mut dred = dred::Dred::with_default_model().expect("dred");
    let mut buf = vec![0f32; dec.max_frame_samples()];
    let (mut pcm, mut sources) = (Vec::new(), Vec::new());
    let plc = if complexity >= 5 { Source::DeepPlc } else { Source::ClassicPlc };
    let mut lost_count = 0i32;
    for (p, &l) in packets.iter().zip(lost) {
        if l {
            lost_count += 1;
            continue;
        }
        let mut dred_input = 0;
        if lost_count > 0 {
            let wanted = lost_count * dec.last_packet_duration() as i32;
            dred_input = dred.parse(p, (RATE as i32).min(wanted), RATE as i32, false).map_or(0, |r| r.samples);
        }
        for fr in 0..lost_count {
            let n = dec.last_packet_duration();
            let (got, src) = if fr == lost_count - 1 && has_lbrr(p).unwrap_or(false) {
                (dec.decode_fec(p, n, &mut buf), Source::Lbrr)
            } else if dred_input > 0 {
                (dec.dred_decode(&dred, (lost_count - fr) * n as i32, &mut buf, n), Source::Dred)
            } else {
                (dec.conceal(n, &mut buf), plc)
            };
            let got = got.expect("recovery");
            pcm.extend_from_slice(&buf[..got]);
            sources.push(src);
        }
        let got = dec.decode(p, &mut buf).expect("decode");
        pcm.extend_from_slice(&buf[..got]);
        sources.push(Source::Packet);
        lost_count = 0;
    }
    (pcm, sources)
}

fn same_pcm(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Sources with DeepPlc-beyond-DRED folded into Dred, to compare with `reference`.
fn folded(run: &Run, reference: &[Source]) -> Vec<Source> {
    run.frames
        .iter()
        .zip(reference)
        .map(|(&(_, s), &r)| if s == Source::DeepPlc && r == Source::Dred { Source::Dred } else { s })
        .collect()
}

fn check_against_reference(packets: &[Vec<u8>], lost: &[bool], run: &Run, complexity: i32) {
    let (pcm, sources) = reference(packets, lost, complexity);
    assert_eq!(run.frames.len(), sources.len());
    assert_eq!(folded(run, &sources), sources);
    assert!(same_pcm(&run.pcm, &pcm), "PCM differs from opus_demo's policy");
}

/// A deterministic loss pattern: about `percent` % of packets, some in bursts.
fn loss_pattern(len: usize, percent: u32, seed: u32) -> Vec<bool> {
    let mut x = seed;
    let mut lost = vec![false; len];
    let mut i = 2;
    while i < len {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        if (x >> 16) % 100 < percent {
            let burst = 1 + ((x >> 8) % 4) as usize;
            for l in lost.iter_mut().skip(i).take(burst) {
                *l = true;
            }
            i += burst;
        }
        i += 1;
    }
    lost
}

#[test]
fn in_order_lossless_matches_plain_decode() {
    let p = packets();
    let lost = vec![false; p.len()];
    let (run, rx) = receive(&p, &in_order(&lost, 100), config(2, 5), false);
    let mut dec = Decoder::new(RATE, 1).expect("decoder");
    dec.set_complexity(5).expect("complexity");
    let mut buf = vec![0f32; dec.max_frame_samples()];
    let mut pcm = Vec::new();
    for q in &p {
        let n = dec.decode(q, &mut buf).expect("decode");
        pcm.extend_from_slice(&buf[..n]);
    }
    assert!(same_pcm(&run.pcm, &pcm));
    // The last packets wait for the window only while missing: all came out.
    assert_eq!(run.frames.len(), p.len());
    assert!(run.frames.iter().enumerate().all(|(i, &(s, src))| s == 100 + i as u32 && src == Source::Packet));
    assert_eq!(rx.stats().decoded, p.len() as u64);
}

#[test]
fn single_losses_recover_from_lbrr() {
    let p = packets();
    let mut lost = vec![false; p.len()];
    let mut expect_lbrr = Vec::new();
    for i in (20..p.len() - 1).step_by(7) {
        lost[i] = true;
        if has_lbrr(&p[i + 1]).unwrap_or(false) {
            expect_lbrr.push(i);
        }
    }
    assert!(expect_lbrr.len() > 5, "the fixture should carry LBRR");
    let (run, rx) = receive(&p, &in_order(&lost, 0), config(0, 5), false);
    for &i in &expect_lbrr {
        assert_eq!(run.frames[i], (i as u32, Source::Lbrr));
    }
    assert_eq!(rx.stats().lbrr, expect_lbrr.len() as u64);
    check_against_reference(&p, &lost, &run, 5);
}

#[test]
fn bursts_take_the_dred_path_then_lbrr_for_the_newest() {
    let p = packets();
    // A burst of 5 ending before a packet with LBRR, well into the stream.
    let end = (60..p.len() - 1).find(|&i| has_lbrr(&p[i]).unwrap_or(false)).expect("LBRR packet");
    let mut lost = vec![false; p.len()];
    for l in &mut lost[end - 5..end] {
        *l = true;
    }
    let (run, rx) = receive(&p, &in_order(&lost, 0), config(0, 5), false);
    let got: Vec<Source> = run.frames[end - 5..end].iter().map(|f| f.1).collect();
    // The fixture's DRED is one latent (40 ms, reaching 15 ms before its packet): the older
    // frames go through `dred_decode` as in opus_demo (the reference checks that) but lie
    // beyond its reach, so the neural PLC predicts them.
    assert_eq!(got, [Source::DeepPlc, Source::DeepPlc, Source::DeepPlc, Source::DeepPlc, Source::Lbrr]);
    assert_eq!((rx.stats().deep_plc, rx.stats().lbrr), (4, 1));
    let (_, sources) = reference(&p, &lost, 5);
    assert_eq!(sources[end - 5..end - 1], [Source::Dred; 4]);
    check_against_reference(&p, &lost, &run, 5);
}

#[test]
fn newest_loss_without_lbrr_uses_dred() {
    let p = packets();
    let mut dred = dred::Dred::with_default_model().expect("dred");
    let mut dred_only = |q: &[u8]| {
        !has_lbrr(q).unwrap_or(true) && dred.parse(q, 320, RATE as i32, false).map_or(0, |r| r.samples) > 0
    };
    let mut lost = vec![false; p.len()];
    let mut expect = Vec::new();
    let mut i = 10;
    while i + 1 < p.len() {
        if dred_only(&p[i + 1]) {
            lost[i] = true;
            expect.push(i);
            i += 2;
        }
        i += 1;
    }
    assert!(expect.len() > 3);
    let (run, rx) = receive(&p, &in_order(&lost, 0), config(0, 5), false);
    for &i in &expect {
        assert_eq!(run.frames[i], (i as u32, Source::Dred));
    }
    assert_eq!(rx.stats().dred, expect.len() as u64);
    check_against_reference(&p, &lost, &run, 5);
}

#[test]
fn lbrr_and_dred_can_be_turned_off() {
    let p = packets();
    let end = (60..p.len() - 1).find(|&i| has_lbrr(&p[i]).unwrap_or(false)).expect("LBRR packet");
    let mut lost = vec![false; p.len()];
    lost[end - 2] = true;
    lost[end - 1] = true;
    let cfg = ReceiverConfig { use_lbrr: false, ..config(0, 5) };
    let (run, _) = receive(&p, &in_order(&lost, 0), cfg, false);
    assert_eq!(run.frames[end - 1].1, Source::Dred);
    let cfg = ReceiverConfig { use_lbrr: false, use_dred: false, ..config(0, 0) };
    let (run, rx) = receive(&p, &in_order(&lost, 0), cfg, false);
    assert_eq!((run.frames[end - 2].1, run.frames[end - 1].1), (Source::ClassicPlc, Source::ClassicPlc));
    assert_eq!(rx.stats().classic_plc, 2);
}

#[test]
fn random_losses_match_opus_demo_policy() {
    let p = packets();
    for (complexity, seed) in [(5, 1), (0, 7)] {
        let lost = loss_pattern(p.len(), 12, seed);
        assert!(lost.iter().filter(|&&l| l).count() > 10);
        let (run, _) = receive(&p, &in_order(&lost, 0), config(0, complexity), false);
        check_against_reference(&p, &lost, &run, complexity);
    }
}

/// Arrival order: blocks of `block` reversed.
fn reversed_blocks(order: &[(u32, usize)], block: usize) -> Vec<(u32, usize)> {
    order.chunks(block).flat_map(|c| c.iter().rev().copied()).collect()
}

#[test]
fn reordering_within_the_window_is_invisible() {
    let p = packets();
    let none = vec![false; p.len()];
    let (ordered, _) = receive(&p, &in_order(&none, 0), config(2, 5), false);
    let (shuffled, rx) = receive(&p, &reversed_blocks(&in_order(&none, 0), 3), config(2, 5), false);
    assert_eq!(shuffled, ordered);
    assert_eq!(rx.stats().late, 0);
    // With isolated losses too, given a window that covers the gap and the reordering.
    let mut lost = vec![false; p.len()];
    for i in (10..p.len() - 1).step_by(9) {
        lost[i] = true;
    }
    let (shuffled, _) = receive(&p, &reversed_blocks(&in_order(&lost, 0), 3), config(4, 5), false);
    check_against_reference(&p, &lost, &shuffled, 5);
}

#[test]
fn too_late_packets_are_dropped_and_counted() {
    let p = packets();
    let late = (40..p.len() - 4).find(|&i| has_lbrr(&p[i + 1]).unwrap_or(false)).expect("LBRR packet");
    // `late` arrives after late + 3 with a window of 1: recovered from LBRR, then dropped.
    let mut arrivals = in_order(&vec![false; p.len()], 0);
    let item = arrivals.remove(late);
    arrivals.insert(late + 3, item);
    let mut rx = Receiver::new(RATE, 1, config(1, 5)).expect("receiver");
    let mut buf = vec![0f32; rx.max_frame_samples()];
    let mut run = Run::default();
    let mut outcomes = Vec::new();
    for &(seq, i) in &arrivals {
        outcomes.push(rx.push(seq as u16, &p[i]).expect("push"));
        drain(&mut rx, &mut buf, &mut run);
    }
    assert_eq!(outcomes[late + 3], PushOutcome::Late);
    assert_eq!(rx.stats().late, 1);
    assert_eq!(run.frames[late], (late as u32, Source::Lbrr));
    let mut lost = vec![false; p.len()];
    lost[late] = true;
    check_against_reference(&p, &lost, &run, 5);
    // A duplicate of a played packet is told apart from a late one.
    let last = p.len() - 1;
    assert_eq!(rx.push(last as u16, &p[last]).expect("push"), PushOutcome::Duplicate);
}

#[test]
fn sequence_numbers_wrap_around() {
    let p = packets();
    let lost = loss_pattern(p.len(), 10, 3);
    let (plain, _) = receive(&p, &in_order(&lost, 0), config(1, 5), false);
    for (first, wide) in [(65_530u32, false), (u32::MAX - 5, true)] {
        let arrivals = reversed_blocks(&in_order(&lost, first), 2);
        let (run, _) = receive(&p, &arrivals, config(5, 5), wide);
        assert!(same_pcm(&run.pcm, &plain.pcm), "first = {first}");
        let seqs: Vec<u32> = run.frames.iter().map(|f| f.0).collect();
        let want: Vec<u32> = plain.frames.iter().map(|f| f.0.wrapping_add(first)).collect();
        if wide {
            assert_eq!(seqs, want);
        } else {
            let narrow = |v: &[u32]| v.iter().map(|&s| s as u16).collect::<Vec<_>>();
            assert_eq!(narrow(&seqs), narrow(&want));
        }
    }
}

#[test]
fn multi_frame_packets() {
    let p = packets();
    // Gather up to three 20 ms packets into one; a TOC change starts a new packet.
    let mut grouped = Vec::new();
    let mut i = 0;
    while i < p.len() {
        let mut rp = Repacketizer::new();
        let mut j = i;
        while j < p.len() && j < i + 3 && rp.cat(&p[j]).is_ok() {
            j += 1;
        }
        let mut out = vec![0u8; 8000];
        let len = rp.out(&mut out).expect("repacketize");
        out.truncate(len);
        grouped.push(out);
        i = j.max(i + 1);
    }
    let dec = Decoder::new(RATE, 1).expect("decoder");
    assert!(grouped.iter().any(|q| dec.nb_samples(q).expect("duration") == 960));
    let mut lost = vec![false; grouped.len()];
    for k in (5..grouped.len() - 1).step_by(6) {
        lost[k] = true;
    }
    lost[grouped.len() / 2..grouped.len() / 2 + 2].fill(true);
    let (run, _) = receive(&grouped, &in_order(&lost, 0), config(0, 5), false);
    check_against_reference(&grouped, &lost, &run, 5);
}

#[test]
fn reset_starts_a_new_stream() {
    let p = packets();
    let mut rx = Receiver::new(RATE, 1, config(1, 5)).expect("receiver");
    let mut buf = vec![0f32; rx.max_frame_samples()];
    let mut run = Run::default();
    for (i, q) in p.iter().enumerate().take(30) {
        rx.push(i as u16, q).expect("push");
        drain(&mut rx, &mut buf, &mut run);
    }
    rx.reset();
    assert_eq!((rx.next_seq(), rx.buffered(), rx.stats().decoded), (None, 0, 0));
    let mut again = Run::default();
    for (i, q) in p.iter().enumerate() {
        rx.push(40_000 + i as u16, q).expect("push");
        drain(&mut rx, &mut buf, &mut again);
    }
    let (fresh, _) = receive(&p, &in_order(&vec![false; p.len()], 40_000), config(1, 5), false);
    assert_eq!(again, fresh);
}

#[test]
fn pulling_does_not_allocate_once_warm() {
    let p = packets();
    let lost = loss_pattern(p.len(), 15, 11);
    let mut rx = Receiver::new(RATE, 1, config(2, 5)).expect("receiver");
    let mut buf = vec![0f32; rx.max_frame_samples()];
    let arrivals = reversed_blocks(&in_order(&lost, 0), 2);
    let mut pulled = 0;
    let mut pull_allocs = 0;
    for (k, &(seq, i)) in arrivals.iter().enumerate() {
        rx.push(seq as u16, &p[i]).expect("push");
        let before = allocs();
        loop {
            match rx.pull(&mut buf) {
                Ok(_) => pulled += 1,
                Err(Error::NotReady) => break,
                Err(e) => panic!("pull: {e}"),
            }
        }
        if k > 10 {
            pull_allocs += allocs() - before;
        }
    }
    assert!(pulled > p.len() - 5);
    assert_eq!(pull_allocs, 0);
}

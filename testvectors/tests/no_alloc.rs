//! Decoding does not allocate: after `OpusDecoder::new`, no call of `decode_float`, `decode`
//! or `decode24` touches the heap, whatever the mode, frame size, output rate and channel
//! count, with packets lost (concealment) and recovered through in-band FEC.
//!
//! A counting global allocator wraps the system allocator. Counting is switched on only around
//! the measured decode calls and only on the thread that switched it on (a thread-local flag),
//! so the test harness, other tests running in parallel and stream preparation are not counted.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use dred_opus_testvectors::signals::{stereo_pair, Clip, Rng};
use opus_core::decoder::OpusDecoder;
use opus_core::packet::framing;
use opus_oracle::{ctl, Build, Encoder};

// ---------------------------------------------------------------------------------------------
// The counting allocator (the only unsafe code of this test).
// ---------------------------------------------------------------------------------------------

thread_local! {
    /// Whether this thread is in a measured phase. `const` initialisation: no lazy
    /// initialisation and no destructor, so reading it never allocates.
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    /// Heap operations (allocations, reallocations, frees) seen on this thread while measuring.
    static HEAP_OPS: Cell<usize> = const { Cell::new(0) };
}

fn note_heap_op() {
    // `try_with`: the thread-locals may already be gone while a thread shuts down.
    if MEASURING.try_with(Cell::get).unwrap_or(false) {
        let _ = HEAP_OPS.try_with(|n| n.set(n.get() + 1));
    }
}

struct CountingAllocator;

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the only addition is a thread-local counter update, which does not
// allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_heap_op();
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_heap_op();
        // SAFETY: forwarded as received.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_heap_op();
        // SAFETY: forwarded as received.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_heap_op();
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `f` with counting on and returns its result with the heap operations it made.
fn measured<T>(f: impl FnOnce() -> T) -> (T, usize) {
    HEAP_OPS.with(|n| n.set(0));
    MEASURING.with(|m| m.set(true));
    let r = f();
    MEASURING.with(|m| m.set(false));
    (r, HEAP_OPS.with(Cell::get))
}

// ---------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------

const RATES: [u32; 5] = [48000, 24000, 16000, 12000, 8000];

struct Config {
    name: String,
    channels: usize,
    application: i32,
    mode: i32,
    bandwidth: i32,
    bitrate: i32,
    frame: usize,
    fec: bool,
}

fn configs() -> Vec<Config> {
    let mut v = Vec::new();
    for channels in 1..=2 {
        let c = |name: String, application, mode, bandwidth, bitrate, frame, fec| Config {
            name: format!("{name} x{channels}"),
            channels,
            application,
            mode,
            bandwidth,
            bitrate: bitrate * channels as i32,
            frame,
            fec,
        };
        // CELT: 2.5 to 20 ms, and multi-frame packets of 40, 60 and 120 ms.
        for frame in [120, 240, 480, 960, 1920, 2880, 5760] {
            v.push(c(format!("CELT FB {frame}"), ctl::APPLICATION_AUDIO, ctl::MODE_CELT_ONLY, ctl::BANDWIDTH_FULLBAND, 64000, frame, false));
        }
        v.push(c("CELT low delay 2.5 ms".into(), ctl::APPLICATION_RESTRICTED_LOWDELAY, ctl::AUTO, ctl::BANDWIDTH_FULLBAND, 96000, 120, false));
        for (bw, bws) in [(ctl::BANDWIDTH_NARROWBAND, "NB"), (ctl::BANDWIDTH_MEDIUMBAND, "MB"), (ctl::BANDWIDTH_WIDEBAND, "WB")] {
            v.push(c(format!("CELT {bws} 20 ms"), ctl::APPLICATION_AUDIO, ctl::MODE_CELT_ONLY, bw, 32000, 960, false));
            // SILK 10 to 60 ms, and 120 ms (two 60 ms frames), with LBRR for FEC.
            for frame in [480, 960, 1920, 2880, 5760] {
                v.push(c(format!("SILK {bws} {frame}"), ctl::APPLICATION_VOIP, ctl::MODE_SILK_ONLY, bw, 16000, frame, true));
            }
        }
        for (bw, bws) in [(ctl::BANDWIDTH_SUPERWIDEBAND, "SWB"), (ctl::BANDWIDTH_FULLBAND, "FB")] {
            for frame in [480, 960, 1920, 2880] {
                v.push(c(format!("Hybrid {bws} {frame}"), ctl::APPLICATION_VOIP, ctl::MODE_HYBRID, bw, 32000, frame, true));
            }
        }
        // Automatic mode decisions over a bitrate sweep: mode switches with redundancy frames.
        v.push(c("auto sweep".into(), ctl::APPLICATION_VOIP, ctl::AUTO, ctl::AUTO, 0, 960, true));
    }
    v
}

const PACKETS_PER_CONFIG: usize = 24;

fn encode(cfg: &Config, speech: &[i16], stereo: &[i16]) -> Vec<Vec<u8>> {
    let ch = cfg.channels;
    let pcm = if ch == 1 { speech } else { stereo };
    let mut enc = Encoder::new(Build::Generic, 48000, ch, cfg.application).expect("encoder");
    enc.set(ctl::SET_COMPLEXITY, 10).expect("complexity");
    enc.set(ctl::SET_BANDWIDTH, cfg.bandwidth).expect("bandwidth");
    enc.set(ctl::SET_FORCE_CHANNELS, ch as i32).expect("channels");
    if cfg.application != ctl::APPLICATION_RESTRICTED_LOWDELAY {
        enc.set(ctl::SET_FORCE_MODE, cfg.mode).expect("mode");
    }
    enc.set(ctl::SET_INBAND_FEC, i32::from(cfg.fec)).expect("fec");
    enc.set(ctl::SET_PACKET_LOSS_PERC, if cfg.fec { 20 } else { 0 }).expect("loss");
    let mut buf = vec![0u8; 4000];
    let mut out = Vec::new();
    let mut pos = 0;
    for k in 0..PACKETS_PER_CONFIG {
        let bitrate = if cfg.bitrate == 0 { 6000 + (k as i32 % 8) * 9000 } else { cfg.bitrate };
        enc.set(ctl::SET_BITRATE, bitrate).expect("bitrate");
        let len = cfg.frame * ch;
        if pos + len > pcm.len() {
            pos = 0;
        }
        let n = enc.encode(&pcm[pos..pos + len], cfg.frame, &mut buf).expect("encode");
        pos += len;
        out.push(buf[..n].to_vec());
    }
    out
}

fn all_streams() -> Vec<(String, Vec<Vec<u8>>)> {
    let speech = Clip::A0007.load_48k().expect("fixture");
    let other = Clip::A0009.load_48k().expect("fixture");
    let stereo = stereo_pair(&speech, &other);
    configs().iter().map(|c| (c.name.clone(), encode(c, &speech, &stereo))).collect()
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/// One decode call, all planned before the measured phase.
#[derive(Clone, Copy)]
enum Call {
    /// Decode packet `k`.
    Packet(usize),
    /// Conceal packet `k`, lost.
    Lost(usize),
    /// Recover lost packet `k` from the FEC data of packet `k + 1`.
    Fec(usize),
}

/// Calls over `packets`: about 20 % lost; half of the losses followed by a received packet are
/// recovered with FEC from it.
fn plan(packets: usize, rng: &mut Rng) -> Vec<Call> {
    let mut calls = Vec::with_capacity(packets + packets / 2);
    let lost: Vec<bool> = (0..packets).map(|k| k > 0 && rng.below(5) == 0).collect();
    for k in 0..packets {
        if !lost[k] {
            calls.push(Call::Packet(k));
        } else if k + 1 < packets && !lost[k + 1] && rng.below(2) == 0 {
            calls.push(Call::Fec(k));
        } else {
            calls.push(Call::Lost(k));
        }
    }
    calls
}

struct Buffers {
    f32: Vec<f32>,
    i16: Vec<i16>,
    i24: Vec<i32>,
}

impl Buffers {
    fn new() -> Self {
        Buffers { f32: vec![0.0; 5760 * 2], i16: vec![0; 5760 * 2], i24: vec![0; 5760 * 2] }
    }
}

/// Makes one call; the output API rotates between float, 16-bit and 24-bit with `turn`.
fn call(dec: &mut OpusDecoder, packets: &[Vec<u8>], c: Call, turn: usize, buf: &mut Buffers) {
    let fs = dec.sample_rate();
    let (data, k, fec) = match c {
        Call::Packet(k) => (Some(packets[k].as_slice()), k, false),
        Call::Lost(k) => (None, k, false),
        Call::Fec(k) => (Some(packets[k + 1].as_slice()), k, true),
    };
    let frame = framing::nb_samples(&packets[k], fs).expect("packet duration");
    let r = match turn % 3 {
        0 => dec.decode_float(data, &mut buf.f32, frame, fec),
        1 => dec.decode(data, &mut buf.i16, frame, fec),
        _ => dec.decode24(data, &mut buf.i24, frame, fec),
    };
    assert_eq!(r, Ok(frame), "decode call failed");
}

/// Every (stream, output rate, output channels) gets a fresh decoder, warmed up on its first
/// packets, then measured over all its calls.
#[test]
fn decoding_every_configuration_does_not_allocate() {
    let streams = all_streams();
    let mut rng = Rng::new(7);
    let mut buf = Buffers::new();
    let mut failures = Vec::new();
    let mut measured_calls = 0;
    let mut kinds = [0usize; 3];
    for (name, packets) in &streams {
        let calls = plan(packets.len(), &mut rng);
        for fs in RATES {
            for channels in 1..=2 {
                let mut dec = OpusDecoder::new(fs, channels).expect("decoder");
                for k in 0..3 {
                    call(&mut dec, packets, Call::Packet(k), k, &mut buf);
                }
                for (i, &c) in calls.iter().enumerate() {
                    let ((), ops) = measured(|| call(&mut dec, packets, c, i, &mut buf));
                    measured_calls += 1;
                    let (kind, what) = match c {
                        Call::Packet(_) => (0, "packet"),
                        Call::Lost(_) => (1, "loss"),
                        Call::Fec(_) => (2, "FEC"),
                    };
                    kinds[kind] += 1;
                    if ops > 0 {
                        failures.push(format!("{name} at {fs} Hz x{channels}, call {i} ({what}, API {}): {ops} heap ops", i % 3));
                    }
                }
            }
        }
    }
    assert!(measured_calls > 10_000, "only {measured_calls} calls measured");
    assert!(kinds.iter().all(|&n| n > 500), "calls per kind (packet, loss, FEC): {kinds:?}");
    assert!(failures.is_empty(), "{} of {measured_calls} calls allocated; first ones:\n{}", failures.len(), failures[..failures.len().min(20)].join("\n"));
}

/// One decoder per output rate and channel count decodes all streams back to back (mode,
/// bandwidth, frame size and channel switches included): one warm-up pass, then 1,000 calls
/// measured as one phase.
#[test]
fn decoding_a_switching_stream_does_not_allocate() {
    let streams = all_streams();
    let packets: Vec<Vec<u8>> = streams.iter().flat_map(|(_, p)| p.iter().cloned()).collect();
    let mut rng = Rng::new(11);
    let calls = plan(packets.len(), &mut rng);
    assert!(calls.len() >= 1000);
    let mut buf = Buffers::new();
    for fs in RATES {
        for channels in 1..=2 {
            let mut dec = OpusDecoder::new(fs, channels).expect("decoder");
            for (i, &c) in calls.iter().enumerate() {
                call(&mut dec, &packets, c, i, &mut buf);
            }
            let ((), ops) = measured(|| {
                for (i, &c) in calls.iter().cycle().skip(calls.len() / 2).take(1000).enumerate() {
                    call(&mut dec, &packets, c, i, &mut buf);
                }
            });
            assert_eq!(ops, 0, "{ops} heap operations in 1,000 calls at {fs} Hz x{channels}");
        }
    }
}

/// The counter does see allocations (guards against a test that passes because it counts
/// nothing).
#[test]
fn the_counter_counts() {
    let (v, ops) = measured(|| std::hint::black_box(vec![1u8; 100]));
    drop(v);
    assert!(ops >= 1);
}

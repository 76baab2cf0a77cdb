//! Criterion bench: decoding the rows of `dred_opus_testvectors::bench` (speech encoded by
//! libopus's generic-C encoder, decoded to 48 kHz float) with our decoder (`ours`) and with
//! libopus 1.6.1's run-time-SIMD build (`libopus_simd`), side by side in each group.
//!
//! ```text
//! cargo bench -p dred-opus-testvectors --bench decode [-- FILTER]
//! ```
//!
//! One iteration decodes a whole 2-second stream (a decoder reset first); the throughput is
//! in samples per channel. `cargo test` does not build or run this file (bench targets are
//! built only by `cargo bench` or `--benches`). For the report with ratios and the generic
//! build as a third column, run the `bench` binary.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dred_opus_testvectors::bench;
use opus_oracle::Build;

const SECONDS: f64 = 2.0;

fn decode(c: &mut Criterion) {
    let streams = bench::streams(SECONDS).expect("encoding the benchmark streams");
    let mut pcm = bench::pcm_buffer();
    for s in &streams {
        let mut group = c.benchmark_group(format!("decode/{}", s.row.id));
        group.throughput(Throughput::Elements(s.samples() as u64));
        group.sample_size(20);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(4));

        let mut ours = bench::new_ours(s).expect("our decoder");
        group.bench_function("ours", |b| {
            b.iter(|| {
                ours.reset();
                let n = bench::decode_ours(&mut ours, s, &mut pcm, |x| {
                    black_box(x);
                });
                black_box(n.expect("decoding with dred-opus"))
            })
        });

        let mut simd = bench::new_libopus(Build::Simd, s).expect("libopus decoder");
        group.bench_function("libopus_simd", |b| {
            b.iter(|| {
                simd.reset().expect("libopus reset");
                let n = bench::decode_libopus(&mut simd, s, &mut pcm, |x| {
                    black_box(x);
                });
                black_box(n.expect("decoding with libopus"))
            })
        });
        group.finish();
    }
}

criterion_group!(benches, decode);
criterion_main!(benches);

//! opus_demo's command line (`dred_opus::demo::DemoArgs::parse`): the input
//! is split into arguments at NUL bytes and read as lossy UTF-8.
#![no_main]

use dred_opus::demo::DemoArgs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let args: Vec<String> = data
        .split(|&b| b == 0)
        .take(64)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    if let Ok(parsed) = DemoArgs::parse(&args) {
        assert!((1..=2).contains(&parsed.channels), "channels {}", parsed.channels);
    }
});

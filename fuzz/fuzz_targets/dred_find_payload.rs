//! `dred::find_payload`: the DRED extension in a packet's padding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(p)) = dred::find_payload(data) {
        assert!(p.offset + p.data.len() <= data.len());
        assert_eq!(&data[p.offset..p.offset + p.data.len()], p.data);
    }
});

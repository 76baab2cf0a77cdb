//! opus_demo bitstream files: the record reader and `inspect_bitstream`,
//! which describes every packet as a JSON line.
#![no_main]

use dred_opus::bitstream::BitstreamReader;
use dred_opus::inspect::inspect_bitstream;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut records = 0;
    let mut failed = false;
    for r in BitstreamReader::new(data) {
        assert!(!failed, "reader went on after an error");
        match r {
            Ok(rec) => {
                assert_eq!(rec.index, records);
                records += 1;
            }
            Err(_) => failed = true,
        }
    }
    let mut out = Vec::new();
    if let Ok(summary) = inspect_bitstream(data, &mut out) {
        assert!(!failed);
        assert_eq!(summary.records, records);
        assert!(std::str::from_utf8(&out).is_ok());
    }
});

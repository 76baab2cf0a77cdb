//! `dred-opus inspect`: one JSON object per packet of an opus_demo bitstream.
//!
//! Each line describes one record: its index, length and recorded final range; for a packet,
//! the TOC (mode, bandwidth, frame duration, stereo), the frame count, the padding, the
//! padding extensions (id, frame, length), the DRED payload if present (ID 126 with `'D'` and
//! version 12: its frame, offset in 2.5 ms units and size), whether the packet carries LBRR
//! (SILK in-band FEC) data as libopus's `opus_packet_has_lbrr` decides it, and for SILK and
//! hybrid packets the VAD and LBRR flags of every channel and 20 ms frame of each Opus frame. Lost packets (length 0) and packets that do not parse are
//! reported as such; a malformed file ends the listing with an error.

use std::io::{self, Write};

use opus_core::packet::{framing, silk_flags, Bandwidth, Mode};

use crate::bitstream::{BitstreamError, BitstreamReader};

/// The sample bitstream bundled with the program: CMU ARCTIC speech encoded by libopus 1.6.1
/// at 32 kb/s with LBRR and DRED (see `fixtures/README.md`).
pub const SAMPLE_BITSTREAM: &[u8] = include_bytes!("../fixtures/sample_speech_dred.bit");

/// Why inspecting failed.
#[derive(Debug)]
pub enum InspectError {
    /// The bitstream file is malformed; the packets before the fault were printed.
    Bitstream(BitstreamError),
    /// Writing the output failed.
    Io(io::Error),
}

impl std::fmt::Display for InspectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InspectError::Bitstream(e) => write!(f, "{e}; the listing stops there"),
            InspectError::Io(e) => write!(f, "write error: {e}"),
        }
    }
}

impl std::error::Error for InspectError {}

impl From<io::Error> for InspectError {
    fn from(e: io::Error) -> Self {
        InspectError::Io(e)
    }
}

/// Summary counts of an inspected stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InspectSummary {
    /// Records read.
    pub records: usize,
    /// Lost packets (length 0).
    pub lost: usize,
    /// Packets that do not parse.
    pub invalid: usize,
    /// Packets with a DRED payload.
    pub with_dred: usize,
    /// Packets with LBRR data.
    pub with_lbrr: usize,
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::SilkOnly => "SILK",
        Mode::Hybrid => "hybrid",
        Mode::CeltOnly => "CELT",
    }
}

fn bandwidth_name(b: Bandwidth) -> &'static str {
    match b {
        Bandwidth::Narrowband => "NB",
        Bandwidth::Mediumband => "MB",
        Bandwidth::Wideband => "WB",
        Bandwidth::Superwideband => "SWB",
        Bandwidth::Fullband => "FB",
    }
}

/// Writes the JSON description of one packet (without a newline).
pub fn describe_packet(out: &mut impl Write, index: usize, packet: &[u8], final_range: u32) -> io::Result<PacketFacts> {
    let mut facts = PacketFacts::default();
    write!(out, "{{\"index\":{index},\"length\":{},\"final_range\":{final_range}", packet.len())?;
    if packet.is_empty() {
        facts.lost = true;
        return write!(out, ",\"lost\":true}}").map(|_| facts);
    }
    let parsed = match framing::parse(packet) {
        Ok(p) => p,
        Err(e) => {
            facts.invalid = true;
            return write!(out, ",\"lost\":false,\"error\":\"{}\"}}", json_escape(&e.to_string())).map(|_| facts);
        }
    };
    let toc = parsed.toc();
    let spf = toc.samples_per_frame(48000);
    write!(
        out,
        ",\"lost\":false,\"mode\":\"{}\",\"bandwidth\":\"{}\",\"frame_ms\":{},\"frames\":{},\"stereo\":{},\"padding\":{}",
        mode_name(toc.mode()),
        bandwidth_name(toc.bandwidth()),
        fmt_ms(spf),
        parsed.frame_count(),
        toc.is_stereo(),
        parsed.padding_len()
    )?;
    write!(out, ",\"extensions\":[")?;
    let mut iter = parsed.extensions(packet);
    let mut first = true;
    let mut ext_error = None;
    loop {
        match iter.next_extension() {
            Ok(Some(e)) => {
                if !first {
                    write!(out, ",")?;
                }
                first = false;
                write!(out, "{{\"id\":{},\"frame\":{},\"length\":{}}}", e.id, e.frame, e.data.len())?;
            }
            Ok(None) => break,
            Err(e) => {
                ext_error = Some(e);
                break;
            }
        }
    }
    write!(out, "]")?;
    if let Some(e) = ext_error {
        write!(out, ",\"extensions_error\":\"{}\"", json_escape(&e.to_string()))?;
    }
    match dred::find_payload(packet) {
        Ok(Some(d)) => {
            facts.dred = true;
            write!(
                out,
                ",\"dred\":{{\"version\":{},\"frame\":{},\"frame_offset\":{},\"bytes\":{}}}",
                dred::config::EXPERIMENTAL_VERSION,
                d.frame,
                d.frame_offset,
                d.data.len()
            )?;
        }
        _ => write!(out, ",\"dred\":null")?,
    }
    let lbrr = framing::has_lbrr(packet).unwrap_or(false);
    facts.lbrr = lbrr;
    write!(out, ",\"lbrr\":{lbrr}")?;
    if toc.mode() != Mode::CeltOnly {
        // Per Opus frame: the VAD and LBRR flags of each SILK channel and 20 ms frame.
        write!(out, ",\"silk\":[")?;
        for i in 0..parsed.frame_count() {
            if i > 0 {
                write!(out, ",")?;
            }
            match parsed.frame(packet, i).and_then(|f| silk_flags(toc, f)) {
                Some(f) => {
                    let list = |flags: &[[bool; 3]; 2]| -> String {
                        let chans: Vec<String> = flags[..f.channels]
                            .iter()
                            .map(|c| {
                                let v: Vec<&str> = c[..f.frames].iter().map(|&b| if b { "true" } else { "false" }).collect();
                                format!("[{}]", v.join(","))
                            })
                            .collect();
                        format!("[{}]", chans.join(","))
                    };
                    write!(out, "{{\"vad\":{},\"lbrr\":{}}}", list(&f.vad), list(&f.lbrr))?;
                }
                None => write!(out, "null")?,
            }
        }
        write!(out, "]")?;
    }
    write!(out, "}}")?;
    Ok(facts)
}

/// What [`describe_packet`] found, for summaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketFacts {
    /// The record is a lost packet.
    pub lost: bool,
    /// The packet does not parse.
    pub invalid: bool,
    /// A DRED payload is present.
    pub dred: bool,
    /// LBRR data is present.
    pub lbrr: bool,
}

fn fmt_ms(samples_48k: u32) -> String {
    // 120 samples = 2.5 ms; every Opus frame is a multiple of that.
    if samples_48k % 480 == 0 {
        format!("{}", samples_48k / 48)
    } else {
        format!("{}", samples_48k as f64 / 48.0)
    }
}

fn json_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o
}

/// Writes one JSON line per record of `bitstream` to `out`.
///
/// # Errors
/// [`InspectError::Bitstream`] when the file is malformed (after printing every packet before
/// the fault), [`InspectError::Io`] when writing fails.
pub fn inspect_bitstream(bitstream: &[u8], out: &mut impl Write) -> Result<InspectSummary, InspectError> {
    let mut summary = InspectSummary::default();
    for rec in BitstreamReader::new(bitstream) {
        let rec = rec.map_err(InspectError::Bitstream)?;
        let f = describe_packet(out, rec.index, rec.payload, rec.final_range)?;
        writeln!(out)?;
        summary.records += 1;
        summary.lost += f.lost as usize;
        summary.invalid += f.invalid as usize;
        summary.with_dred += f.dred as usize;
        summary.with_lbrr += f.lbrr as usize;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_stream_has_dred_and_lbrr() {
        let mut out = Vec::new();
        let s = inspect_bitstream(SAMPLE_BITSTREAM, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(s.records, text.lines().count());
        assert!(s.records > 150, "{s:?}");
        assert_eq!(s.invalid, 0);
        assert!(s.with_dred > s.records / 2, "{s:?}");
        assert!(s.with_lbrr > 0, "{s:?}");
        let first = text.lines().next().unwrap();
        assert!(first.starts_with("{\"index\":0,"), "{first}");
        assert!(text.contains("\"dred\":{\"version\":12,"));
        assert!(text.contains("{\"id\":126,\"frame\":0,"));
        assert!(text.contains("\"silk\":[{\"vad\":[[true]],\"lbrr\":[[true]]}]"));
    }

    #[test]
    fn lost_invalid_and_truncated() {
        let mut f = Vec::new();
        crate::bitstream::write_record(&mut f, &[], 0);
        crate::bitstream::write_record(&mut f, &[0x03], 0);
        crate::bitstream::write_record(&mut f, &[0xF8, 0xFF, 0xFE], 42);
        let mut out = Vec::new();
        let s = inspect_bitstream(&f, &mut out).unwrap();
        assert_eq!((s.records, s.lost, s.invalid), (3, 1, 1));
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "{\"index\":0,\"length\":0,\"final_range\":0,\"lost\":true}");
        assert!(lines[1].contains("\"error\":\"opus: invalid packet"), "{}", lines[1]);
        assert_eq!(
            lines[2],
            "{\"index\":2,\"length\":3,\"final_range\":42,\"lost\":false,\"mode\":\"CELT\",\"bandwidth\":\"FB\",\"frame_ms\":20,\"frames\":1,\"stereo\":false,\"padding\":0,\"extensions\":[],\"dred\":null,\"lbrr\":false}"
        );
        f.truncate(f.len() - 1);
        let mut out = Vec::new();
        assert!(matches!(inspect_bitstream(&f, &mut out), Err(InspectError::Bitstream(_))));
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2);
    }
}

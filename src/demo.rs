//! `dred-opus demo`: libopus's `opus_demo` command line.
//!
//! Conformance testers drive codecs through opus_demo's arguments and compare its output files
//! byte for byte, so this module accepts exactly its command line:
//!
//! ```text
//! demo [-e] <application> <rate> <channels> <bits per second> [options] <input> <output>
//! demo -d <rate> <channels> [options] <input> <output>
//! ```
//!
//! [`DemoArgs::parse`] reproduces opus_demo 1.6.1's parsing, including which options are
//! encoder-only. [`run`] executes the job; a job this build cannot run yet returns
//! [`DemoError::NotYetSupported`] before any output file is created, so no wrong audio is ever
//! written.
//!
//! Encoding (`-e`, or encoding then decoding without `-e`/`-d`) follows opus_demo's frame
//! loop: its reading of 16-bit, 24-bit or float PCM (a short last frame is zero-padded), the
//! encoder requests it makes in its order, `-sweep`, `-random_framesize`, `-random_fec` and the
//! mode-switching test lists (drawing from glibc's `rand()` in the same sequence),
//! `-delayed-decision` (two seconds of input per call, one frame coded), the loss
//! simulation (`-loss`, `-lossfile`, `-enc_loss`), the bitstream records, the immediate
//! decoding of each packet when both run, with the encoder's look-ahead trimmed, and the
//! bitrate statistics on stderr. Not available yet: `-dred` (no DRED encoder).
//!
//! Decoding (`-d`) follows opus_demo's receive loop record by record: its bitstream reading
//! and the way it stops on a bad record, simulated loss (`-loss` with glibc's `rand()`,
//! `-lossfile`), recovery of the newest lost packet from the next packet's LBRR, concealment
//! of the others, the check of the encoder's final range, the output formats (`-16`, `-24`,
//! `-f32`, all derived from `opus_decode24`'s output) and the lines it prints on stderr. After
//! a loss, the DRED data of the packet that arrives is parsed (as far back as the gap) and
//! the older lost packets are recovered from it, as opus_demo does.

use core::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};

use crate::decoder::Decoder;
use crate::encoder::{
    Application as EncApplication, Bitrate, Encoder, EncoderConfig, FrameDuration, InbandFec,
};
use opus_core::decoder::OpusDecoder;
use opus_core::packet::{framing, Bandwidth, Mode, Toc};

/// What opus_demo is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `-e`: PCM in, bitstream out.
    EncodeOnly,
    /// `-d`: bitstream in, PCM out.
    DecodeOnly,
    /// Neither flag: PCM in, encode, decode, PCM out.
    EncodeDecode,
}

/// Output (and input) sample format of the PCM files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleFormat {
    /// `-16` (default): signed 16-bit little endian.
    S16,
    /// `-24`: signed 24-bit little endian, 3 bytes a sample.
    S24,
    /// `-f32`: 32-bit float little endian.
    F32,
}

/// The application argument of the encoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Application {
    /// `voip`
    Voip,
    /// `audio`
    Audio,
    /// `restricted-lowdelay`
    RestrictedLowDelay,
    /// `restricted-silk`
    RestrictedSilk,
    /// `restricted-celt`
    RestrictedCelt,
}

/// Audio bandwidth names of `-bandwidth`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BandwidthArg {
    /// NB, 4 kHz.
    Narrow,
    /// MB, 6 kHz.
    Medium,
    /// WB, 8 kHz.
    Wide,
    /// SWB, 12 kHz.
    SuperWide,
    /// FB, 20 kHz.
    Full,
}

/// opus_demo's command line, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoArgs {
    /// Encode, decode or both.
    pub direction: Direction,
    /// Encoder application (None when decoding only).
    pub application: Option<Application>,
    /// Sampling rate of the PCM files.
    pub sample_rate: u32,
    /// Channels of the PCM files.
    pub channels: usize,
    /// Encoder bitrate (None when decoding only).
    pub bitrate: Option<i32>,
    /// Frame size in samples at `sample_rate` (default 20 ms).
    pub frame_size: usize,
    /// `-cbr` clears this (default VBR).
    pub vbr: bool,
    /// `-cvbr`.
    pub cvbr: bool,
    /// `-bandwidth`.
    pub bandwidth: Option<BandwidthArg>,
    /// `-max_payload` (default 15000, opus_demo's MAX_PACKET).
    pub max_payload: i32,
    /// `-complexity` (default 10).
    pub complexity: i32,
    /// `-dec_complexity` (default 0).
    pub dec_complexity: i32,
    /// `-inbandfec`.
    pub inband_fec: bool,
    /// `-forcemono`.
    pub force_mono: bool,
    /// `-dtx`.
    pub dtx: bool,
    /// `-delayed-decision`.
    pub delayed_decision: bool,
    /// `-loss`: expected loss for the encoder and simulated loss for the decoder, percent.
    pub loss_percent: i32,
    /// `-sim_loss`: percentage for the generative loss model.
    pub sim_loss: Option<f32>,
    /// `-lossfile`.
    pub loss_file: Option<String>,
    /// `-dred`: DRED duration in 10 ms units.
    pub dred_duration: i32,
    /// `-enc_loss`.
    pub encoder_loss: bool,
    /// `-sweep`.
    pub sweep_bps: i32,
    /// `-sweep_max`.
    pub sweep_max: i32,
    /// `-random_framesize`.
    pub random_framesize: bool,
    /// `-random_fec`.
    pub random_fec: bool,
    /// `-silk8k_test` etc.: a named mode-switching test list.
    pub mode_test: Option<&'static str>,
    /// `-ignore_extensions` (decoder): ignore padding extensions.
    pub ignore_extensions: bool,
    /// `-16`, `-24`, `-f32`.
    pub format: SampleFormat,
    /// Input file.
    pub input: String,
    /// Output file.
    pub output: String,
}

/// Why a demo command failed. Messages follow opus_demo's where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoError {
    /// The command line is malformed; opus_demo prints its usage.
    Usage(String),
    /// An option was given in the wrong direction (opus_demo's check_*_option).
    WrongDirection(String),
    /// Valid request this build cannot serve yet.
    NotYetSupported(&'static str),
    /// I/O failure on a named file.
    Io(String),
    /// The job stopped with a failure after it started writing output (opus_demo's exit
    /// status 1), such as a range coder mismatch.
    Failed(String),
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::Usage(m)
            | DemoError::WrongDirection(m)
            | DemoError::Io(m)
            | DemoError::Failed(m) => f.write_str(m),
            DemoError::NotYetSupported(what) => write!(f, "not supported yet by dred-opus: {what}"),
        }
    }
}

impl std::error::Error for DemoError {}

/// The usage text opus_demo prints, with our program name.
pub fn usage(program: &str) -> String {
    format!(
        "Usage: {program} [-e] <application> <sampling rate (Hz)> <channels (1/2)> <bits per second>  [options] <input> <output>\n       {program} -d <sampling rate (Hz)> <channels (1/2)> [options] <input> <output>\n\n\
application: voip | audio | restricted-lowdelay | restricted-silk | restricted-celt\n\
options:\n\
-e                   : only runs the encoder (output the bit-stream)\n\
-d                   : only runs the decoder (reads the bit-stream as input)\n\
-cbr                 : enable constant bitrate; default: variable bitrate\n\
-cvbr                : enable constrained variable bitrate; default: unconstrained\n\
-delayed-decision    : use look-ahead for speech/music detection (experts only); default: disabled\n\
-bandwidth <NB|MB|WB|SWB|FB> : audio bandwidth (from narrowband to fullband); default: sampling rate\n\
-framesize <2.5|5|10|20|40|60|80|100|120> : frame size in ms; default: 20 \n\
-max_payload <bytes> : maximum payload size in bytes, default: 1024\n\
-complexity <comp>   : encoder complexity, 0 (lowest) ... 10 (highest); default: 10\n\
-dec_complexity <comp> : decoder complexity, 0 (lowest) ... 10 (highest); default: 0\n\
-inbandfec           : enable SILK inband FEC\n\
-forcemono           : force mono encoding, even for stereo input\n\
-dtx                 : enable SILK DTX\n\
-loss <perc>         : optimize for loss percentage and simulate packet loss, in percent (0-100); default: 0\n\
-sim_loss <perc>     : simulate realistic (bursty) packet loss from percentage, using generative model\n\
-lossfile <file>     : simulate packet loss, reading loss from file\n\
-dred <frames>       : add Deep REDundancy (in units of 10-ms frames)\n\
-enc_loss            : Apply loss on the encoder side (store empty packets)\n\
-ignore_extensions   : ignore any extensions present in the bitstream\n"
    )
}

/// C's `atoi`: leading whitespace, optional sign, digits; anything else stops; 0 if none.
fn atoi(s: &str) -> i32 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            break;
        }
        v = (v * 10 + i64::from(b - b'0')).min(i64::from(i32::MAX) + 1);
    }
    let v = if neg { -v } else { v };
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// C's `atof` for the simple decimal forms opus_demo users pass.
fn atof(s: &str) -> f32 {
    let t = s.trim_start();
    let end = t
        .char_indices()
        .take_while(|&(i, c)| c.is_ascii_digit() || c == '.' || ((c == '-' || c == '+') && i == 0))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    t[..end].parse().unwrap_or(0.0)
}

impl DemoArgs {
    /// Parses opus_demo's arguments (without the program name).
    ///
    /// # Errors
    /// [`DemoError::Usage`] for a malformed line, [`DemoError::WrongDirection`] for an encoder
    /// option given with `-d` (or a decoder option with `-e`).
    pub fn parse(args: &[String]) -> Result<DemoArgs, DemoError> {
        let argc = args.len() + 1; // opus_demo counts the program name
        let usage_err = || DemoError::Usage(usage("dred-opus demo"));
        if argc < 5 {
            return Err(usage_err());
        }
        let mut i = 0;
        let direction = match args[0].as_str() {
            "-e" => {
                i += 1;
                Direction::EncodeOnly
            }
            "-d" => {
                i += 1;
                Direction::DecodeOnly
            }
            _ => Direction::EncodeDecode,
        };
        let decode_only = direction == Direction::DecodeOnly;
        let encode_only = direction == Direction::EncodeOnly;
        if !decode_only && argc < 7 {
            return Err(usage_err());
        }
        let application = if decode_only {
            None
        } else {
            let a = match args[i].as_str() {
                "voip" => Application::Voip,
                "restricted-lowdelay" => Application::RestrictedLowDelay,
                "restricted-silk" => Application::RestrictedSilk,
                "restricted-celt" => Application::RestrictedCelt,
                "audio" => Application::Audio,
                other => {
                    return Err(DemoError::Usage(format!(
                        "unknown application: {other}\n{}",
                        usage("dred-opus demo")
                    )))
                }
            };
            i += 1;
            Some(a)
        };
        let rate = atoi(&args[i]);
        i += 1;
        if ![8000, 12000, 16000, 24000, 48000].contains(&rate) {
            return Err(DemoError::Usage(
                "Supported sampling rates are 8000, 12000, 16000, 24000 and 48000.\n".into(),
            ));
        }
        let sample_rate = rate as u32;
        let channels = atoi(args.get(i).map(String::as_str).unwrap_or(""));
        i += 1;
        if !(1..=2).contains(&channels) {
            return Err(DemoError::Usage(
                "Opus_demo supports only 1 or 2 channels.\n".into(),
            ));
        }
        let bitrate = if decode_only {
            None
        } else {
            let b = atoi(args.get(i).map(String::as_str).unwrap_or(""));
            i += 1;
            Some(b)
        };
        let mut a = DemoArgs {
            direction,
            application,
            sample_rate,
            channels: channels as usize,
            bitrate,
            frame_size: (rate / 50) as usize,
            vbr: true,
            cvbr: false,
            bandwidth: None,
            max_payload: 15000,
            complexity: 10,
            dec_complexity: 0,
            inband_fec: false,
            force_mono: false,
            dtx: false,
            delayed_decision: false,
            loss_percent: 0,
            sim_loss: None,
            loss_file: None,
            dred_duration: 0,
            encoder_loss: false,
            sweep_bps: 0,
            sweep_max: 0,
            random_framesize: false,
            random_fec: false,
            mode_test: None,
            ignore_extensions: false,
            format: SampleFormat::S16,
            input: String::new(),
            output: String::new(),
        };
        let enc_opt = |name: &str| -> Result<(), DemoError> {
            if decode_only {
                Err(DemoError::WrongDirection(format!(
                    "option {name} is only for encoding\n"
                )))
            } else {
                Ok(())
            }
        };
        let dec_opt = |name: &str| -> Result<(), DemoError> {
            if encode_only {
                Err(DemoError::WrongDirection(format!(
                    "option {name} is only for decoding\n"
                )))
            } else {
                Ok(())
            }
        };
        // Options run up to the last two arguments, which are the files.
        let nargs = args.len();
        let value = |i: usize| -> Result<&str, DemoError> {
            args.get(i + 1).map(String::as_str).ok_or_else(usage_err)
        };
        while i + 2 < nargs {
            let opt = args[i].as_str();
            let mut step = 1;
            match opt {
                "-cbr" => {
                    enc_opt(opt)?;
                    a.vbr = false;
                }
                "-bandwidth" => {
                    enc_opt(opt)?;
                    a.bandwidth = Some(match value(i)? {
                        "NB" => BandwidthArg::Narrow,
                        "MB" => BandwidthArg::Medium,
                        "WB" => BandwidthArg::Wide,
                        "SWB" => BandwidthArg::SuperWide,
                        "FB" => BandwidthArg::Full,
                        other => {
                            return Err(DemoError::Usage(format!(
                                "Unknown bandwidth {other}. Supported are NB, MB, WB, SWB, FB.\n"
                            )))
                        }
                    });
                    step = 2;
                }
                "-framesize" => {
                    enc_opt(opt)?;
                    let r = rate as usize;
                    a.frame_size = match value(i)? {
                        "2.5" => r / 400,
                        "5" => r / 200,
                        "10" => r / 100,
                        "20" => r / 50,
                        "40" => r / 25,
                        "60" => 3 * r / 50,
                        "80" => 4 * r / 50,
                        "100" => 5 * r / 50,
                        "120" => 6 * r / 50,
                        other => {
                            return Err(DemoError::Usage(format!(
                                "Unsupported frame size: {other} ms. Supported are 2.5, 5, 10, 20, 40, 60, 80, 100, 120.\n"
                            )))
                        }
                    };
                    step = 2;
                }
                "-max_payload" => {
                    enc_opt(opt)?;
                    a.max_payload = atoi(value(i)?);
                    step = 2;
                }
                "-complexity" => {
                    enc_opt(opt)?;
                    a.complexity = atoi(value(i)?);
                    step = 2;
                }
                "-dec_complexity" => {
                    dec_opt(opt)?;
                    a.dec_complexity = atoi(value(i)?);
                    step = 2;
                }
                "-16" => a.format = SampleFormat::S16,
                "-24" => a.format = SampleFormat::S24,
                "-f32" => a.format = SampleFormat::F32,
                "-inbandfec" => a.inband_fec = true,
                "-forcemono" => {
                    enc_opt(opt)?;
                    a.force_mono = true;
                }
                "-cvbr" => {
                    enc_opt(opt)?;
                    a.cvbr = true;
                }
                "-delayed-decision" => {
                    enc_opt(opt)?;
                    a.delayed_decision = true;
                }
                "-dtx" => {
                    enc_opt(opt)?;
                    a.dtx = true;
                }
                "-loss" => {
                    a.loss_percent = atoi(value(i)?);
                    step = 2;
                }
                "-sim_loss" => {
                    a.sim_loss = Some(atof(value(i)?));
                    step = 2;
                }
                "-lossfile" => {
                    a.loss_file = Some(value(i)?.to_string());
                    step = 2;
                }
                "-dred" => {
                    a.dred_duration = atoi(value(i)?);
                    step = 2;
                }
                "-ignore_extensions" => {
                    dec_opt(opt)?;
                    a.ignore_extensions = true;
                }
                "-enc_loss" => {
                    enc_opt(opt)?;
                    a.encoder_loss = true;
                }
                "-sweep" => {
                    enc_opt(opt)?;
                    a.sweep_bps = atoi(value(i)?);
                    step = 2;
                }
                "-sweep_max" => {
                    enc_opt(opt)?;
                    a.sweep_max = atoi(value(i)?);
                    step = 2;
                }
                "-random_framesize" => {
                    enc_opt(opt)?;
                    a.random_framesize = true;
                }
                "-random_fec" => {
                    enc_opt(opt)?;
                    a.random_fec = true;
                }
                "-silk8k_test" | "-silk12k_test" | "-silk16k_test" | "-silk_bw_switch_test"
                | "-hybrid24k_test" | "-hybrid48k_test" | "-celt_test" | "-celt_hq_test" => {
                    enc_opt(opt)?;
                    a.mode_test = Some(match opt {
                        "-silk8k_test" => "silk8k",
                        "-silk12k_test" => "silk12k",
                        "-silk16k_test" => "silk16k",
                        "-silk_bw_switch_test" => "silk_bw_switch",
                        "-hybrid24k_test" => "hybrid24k",
                        "-hybrid48k_test" => "hybrid48k",
                        "-celt_test" => "celt",
                        _ => "celt_hq",
                    });
                }
                other => {
                    return Err(DemoError::Usage(format!(
                        "Error: unrecognized setting: {other}\n\n{}",
                        usage("dred-opus demo")
                    )))
                }
            }
            i += step;
        }
        if i + 2 != nargs {
            return Err(usage_err());
        }
        if a.max_payload < 0 || a.max_payload > 15000 {
            return Err(DemoError::Usage(
                "max_payload_bytes must be between 0 and 15000\n".into(),
            ));
        }
        a.input = args[nargs - 2].clone();
        a.output = args[nargs - 1].clone();
        Ok(a)
    }
}

/// Runs an opus_demo job, printing opus_demo's messages on stderr.
///
/// # Errors
/// - [`DemoError::NotYetSupported`]: `-sim_loss` or `-dred` when
///   encoding, or a bitstream holding
///   packets of a mode this build cannot decode; nothing is written.
/// - [`DemoError::Io`]: a file cannot be opened, read or written.
/// - [`DemoError::Failed`]: the decoder's final range differs from the encoder's, or the
///   encoder refused a frame (opus_demo stops there and fails; the output written so far
///   stays).
pub fn run(args: &DemoArgs) -> Result<(), DemoError> {
    let stderr = std::io::stderr();
    let mut log = stderr.lock();
    run_with_log(args, &mut log)
}

/// [`run`], writing opus_demo's stderr lines to `log` instead.
///
/// # Errors
/// As [`run`].
pub fn run_with_log(args: &DemoArgs, log: &mut dyn Write) -> Result<(), DemoError> {
    match args.direction {
        Direction::DecodeOnly => decode_file(args, log),
        Direction::EncodeOnly | Direction::EncodeDecode => encode_file(args, log),
    }
}

/// Room opus_demo gives each decode call: two seconds at 48 kHz (its `max_frame_size`).
const DEMO_MAX_FRAME_SIZE: usize = 96_000;

/// libopus's `opus_strerror`.
pub fn strerror(code: i32) -> &'static str {
    const STRINGS: [&str; 8] = [
        "success",
        "invalid argument",
        "buffer too small",
        "internal error",
        "corrupted stream",
        "request not implemented",
        "invalid state",
        "memory allocation failed",
    ];
    if !(-7..=0).contains(&code) {
        "unknown error"
    } else {
        STRINGS[(-code) as usize]
    }
}

/// glibc's `rand()` (the `random_r` additive feedback generator, state size 31), which
/// opus_demo's `-loss` draws from; unseeded, as opus_demo leaves it, it starts as `srand(1)`.
#[derive(Clone, Debug)]
pub struct GlibcRand {
    state: [u32; 31],
    front: usize,
    rear: usize,
}

impl GlibcRand {
    /// The generator after `srand(seed)`.
    pub fn new(seed: u32) -> Self {
        let mut state = [0u32; 31];
        let mut word = if seed == 0 {
            1i64
        } else {
            i64::from(seed as i32)
        };
        state[0] = word as u32;
        for s in state.iter_mut().skip(1) {
            // 16807 * word % (2^31 - 1) without overflow (Schrage's method), as glibc does.
            let hi = word / 127_773;
            let lo = word % 127_773;
            word = 16_807 * lo - 2_836 * hi;
            if word < 0 {
                word += 2_147_483_647;
            }
            *s = word as u32;
        }
        let mut r = GlibcRand {
            state,
            front: 3,
            rear: 0,
        };
        for _ in 0..310 {
            r.next_value();
        }
        r
    }

    /// The next `rand()` value, 0..=2^31-1.
    pub fn next_value(&mut self) -> i32 {
        self.state[self.front] = self.state[self.front].wrapping_add(self.state[self.rear]);
        let out = (self.state[self.front] >> 1) as i32;
        self.front = (self.front + 1) % 31;
        self.rear = (self.rear + 1) % 31;
        out
    }
}

/// `fscanf(f, "%d", &v)` over a loss file: whitespace-separated integers; once a read fails
/// every later one fails too (opus_demo then treats packets as received).
struct LossFile {
    text: Vec<u8>,
    pos: usize,
    failed: bool,
}

impl LossFile {
    fn next_int(&mut self) -> Option<i64> {
        if self.failed {
            return None;
        }
        let t = &self.text;
        let mut p = self.pos;
        while p < t.len() && t[p].is_ascii_whitespace() {
            p += 1;
        }
        let mut neg = false;
        if p < t.len() && (t[p] == b'-' || t[p] == b'+') {
            neg = t[p] == b'-';
            p += 1;
        }
        let start = p;
        let mut v: i64 = 0;
        while p < t.len() && t[p].is_ascii_digit() {
            v = v.saturating_mul(10).saturating_add(i64::from(t[p] - b'0'));
            p += 1;
        }
        if p == start {
            self.failed = true;
            return None;
        }
        self.pos = p;
        Some(if neg { -v } else { v })
    }
}

/// One bitstream record as opus_demo reads it.
enum ReadRecord<'a> {
    Packet {
        payload: &'a [u8],
        enc_final_range: u32,
    },
    /// opus_demo stops reading here; the message, if any, goes to stderr.
    Stop(Option<String>),
}

/// opus_demo's reading of one record at `*pos` (`fread` of the length, the range, then the
/// payload).
fn read_record<'a>(data: &'a [u8], pos: &mut usize, max_payload: i32) -> ReadRecord<'a> {
    let word = |p: usize| -> Option<u32> {
        data.get(p..p + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let Some(len_word) = word(*pos) else {
        return ReadRecord::Stop(None);
    };
    *pos += 4;
    let len = len_word as i32;
    if len > max_payload || len < 0 {
        return ReadRecord::Stop(Some(format!("Invalid payload length: {len}")));
    }
    let Some(enc_final_range) = word(*pos) else {
        return ReadRecord::Stop(None);
    };
    *pos += 4;
    let len = len as usize;
    let available = data.len().saturating_sub(*pos).min(len);
    if available != len {
        return ReadRecord::Stop(Some(format!(
            "Ran out of input, expecting {len} bytes got {available}"
        )));
    }
    let payload = &data[*pos..*pos + len];
    *pos += len;
    ReadRecord::Packet {
        payload,
        enc_final_range,
    }
}

fn io_err(what: &str, e: &std::io::Error) -> DemoError {
    DemoError::Io(format!("{what}: {e}"))
}

/// `opus_demo -d`.
fn decode_file(args: &DemoArgs, log: &mut dyn Write) -> Result<(), DemoError> {
    let _ = writeln!(
        log,
        "dred-opus {} (opus_demo 1.6.1 decoder)",
        env!("CARGO_PKG_VERSION")
    );
    if args.sim_loss.is_some() {
        return Err(DemoError::NotYetSupported(
            "-sim_loss: the generative loss model is not built in; no output was written",
        ));
    }
    let mut loss_file = match &args.loss_file {
        Some(path) => match std::fs::read(path) {
            Ok(text) => Some(LossFile {
                text,
                pos: 0,
                failed: false,
            }),
            Err(_) => return Err(DemoError::Io(format!("failed to open loss file {path}"))),
        },
        None => None,
    };
    let data = std::fs::read(&args.input)
        .map_err(|_| DemoError::Io(format!("Could not open input file {}", args.input)))?;

    // Refuse, before any output exists, a stream this build cannot decode.
    let mut pos = 0;
    while let ReadRecord::Packet { payload, .. } = read_record(&data, &mut pos, args.max_payload) {
        if let Some(&toc) = payload.first() {
            if !OpusDecoder::supports_mode(Toc(toc).mode()) {
                return Err(DemoError::NotYetSupported(
                    "decoding SILK or hybrid packets: the SILK decoder is not in this build yet; no output was written",
                ));
            }
        }
    }

    let out_file = File::create(&args.output)
        .map_err(|_| DemoError::Io(format!("Could not open output file {}", args.output)))?;
    let mut out = BufWriter::new(out_file);
    let rate = args.sample_rate;
    let channels = args.channels;
    let mut dec = Decoder::new(rate, channels).map_err(|e| {
        DemoError::Io(format!(
            "Cannot create decoder: {}",
            strerror(e.libopus_code())
        ))
    })?;
    // opus_demo ignores the return value: an out-of-range complexity leaves the default.
    let _ = dec.set_complexity(args.dec_complexity);
    dec.set_ignore_extensions(args.ignore_extensions);
    let _ = writeln!(log, "Decoding with {rate} Hz output ({channels} channels)");

    let result = decode_loop(args, &data, &mut dec, &mut loss_file, &mut out, log);
    let flushed = out.flush().map_err(|e| io_err(&args.output, &e));
    result?;
    flushed
}

/// Writes `samples` (interleaved `opus_decode24` output) in opus_demo's output format.
fn write_samples(
    out: &mut dyn Write,
    samples: &[i32],
    format: SampleFormat,
    bytes: &mut Vec<u8>,
) -> std::io::Result<()> {
    bytes.clear();
    for &s in samples {
        match format {
            SampleFormat::S16 => {
                let s = s.clamp(-0x007f_ff00, 0x007f_ff00);
                let v = ((s + 128) >> 8) as i16;
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            SampleFormat::S24 => {
                let s = s.clamp(-0x007f_ffff, 0x007f_ffff);
                bytes.extend_from_slice(&s.to_le_bytes()[..3]);
            }
            SampleFormat::F32 => {
                let v = s as f32 * (1.0 / 8_388_608.0);
                bytes.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    out.write_all(bytes)
}

/// opus_demo's loop over the records, then its bitrate statistics.
fn decode_loop(
    args: &DemoArgs,
    data: &[u8],
    dec: &mut Decoder,
    loss_file: &mut Option<LossFile>,
    out: &mut dyn Write,
    log: &mut dyn Write,
) -> Result<(), DemoError> {
    let channels = args.channels;
    let rate = args.sample_rate as i32;
    let use_inbandfec = i32::from(args.inband_fec);
    let mut rand = GlibcRand::new(1);
    let mut pcm = vec![0i32; dec.max_frame_samples() * channels];
    let mut bytes = Vec::with_capacity(pcm.len() * 4);
    let mut pos = 0usize;
    let mut lost_prev = true;
    let mut lost_count: i32 = 0;
    let mut count: i64 = 0;
    let (mut bits, mut bits_max, mut bits2) = (0f64, 0f64, 0f64);
    let mut tot_samples = 0f64;
    let mut dred = Box::new(dred::Dred::with_default_model().map_err(|_| {
        DemoError::Failed("the embedded RDO-VAE weights failed to load".into())
    })?);
    loop {
        let (payload, enc_final_range) = match read_record(data, &mut pos, args.max_payload) {
            ReadRecord::Packet {
                payload,
                enc_final_range,
            } => (payload, enc_final_range),
            ReadRecord::Stop(msg) => {
                if let Some(m) = msg {
                    let _ = writeln!(log, "{m}");
                }
                break;
            }
        };
        let len = payload.len() as i32;
        let mut lost = match loss_file {
            Some(f) => f.next_int().unwrap_or(0) != 0,
            None => args.loss_percent > 0 && rand.next_value() % 100 < args.loss_percent,
        };
        if len == 0 {
            lost = true;
        }
        let run_decoder = if lost {
            lost_count += 1;
            0
        } else {
            1 + lost_count
        };
        // After losses, parse the DRED of the packet that arrived, asking for just enough
        // history to fill the gap (at most one second).
        let mut dred_input: i32 = 0;
        if !lost && lost_count > 0 {
            let output_samples = dec.last_packet_duration() as i32;
            let wanted = lost_count.saturating_mul(output_samples);
            dred_input = match dred.parse(payload, rate.min(wanted.max(0)), rate, false) {
                Ok(p) if p.samples > 0 => p.samples,
                _ => 0,
            };
        }
        for fr in 0..run_decoder {
            let result = if fr == lost_count - 1 && has_lbrr(payload) {
                let n = dec.last_packet_duration();
                dec.decode_raw(Some(payload), &mut pcm[..], n, true)
            } else if fr < lost_count {
                let n = dec.last_packet_duration();
                if dred_input > 0 {
                    dec.dred_decode(&dred, (lost_count - fr) * n as i32, &mut pcm[..], n)
                } else {
                    dec.decode_raw(None, &mut pcm[..], n, false)
                }
            } else {
                dec.decode_raw(Some(payload), &mut pcm[..], DEMO_MAX_FRAME_SIZE, false)
            };
            let output_samples: i64 = match result {
                Ok(n) => n as i64,
                Err(e) => i64::from(e.libopus_code()),
            };
            if output_samples > 0 {
                let n = output_samples as usize * channels;
                write_samples(out, &pcm[..n], args.format, &mut bytes).map_err(|_| {
                    let _ = writeln!(log, "Error writing.");
                    DemoError::Io(format!("error writing {}", args.output))
                })?;
            } else {
                let _ = writeln!(
                    log,
                    "error decoding frame: {}",
                    strerror(output_samples as i32)
                );
            }
            tot_samples += output_samples as f64;
        }
        let dec_final_range = dec.final_range();
        if enc_final_range != 0 && !lost && !lost_prev && dec_final_range != enc_final_range {
            let msg = format!(
                "Error: Range coder state mismatch between encoder and decoder in frame {count}: 0x{enc_final_range:8x} vs 0x{dec_final_range:8x}"
            );
            let _ = writeln!(log, "{msg}");
            return Err(DemoError::Failed(msg));
        }
        lost_prev = lost;
        if !lost {
            lost_count = 0;
        }
        if count >= i64::from(use_inbandfec) {
            let b = f64::from(len * 8);
            bits += b;
            bits_max = if b > bits_max { b } else { bits_max };
            bits2 += f64::from(len) * f64::from(len) * 64.0;
        }
        count += 1;
    }

    let mut frame_size = i64::from(rate / 50);
    if count > 0 {
        frame_size = (tot_samples / count as f64) as i64;
    }
    count -= i64::from(use_inbandfec);
    if tot_samples >= 1.0 && count > 0 && frame_size != 0 {
        let fs = f64::from(rate);
        let frame = frame_size as f64;
        let _ = writeln!(
            log,
            "average bitrate:             {:7.3} kb/s",
            1e-3 * bits * fs / tot_samples
        );
        let _ = writeln!(
            log,
            "maximum bitrate:             {:7.3} kb/s",
            1e-3 * bits_max * fs / frame
        );
        let c = count as f64;
        let mut var = bits2 / c - bits * bits / (c * c);
        if var < 0.0 {
            var = 0.0;
        }
        let _ = writeln!(
            log,
            "bitrate standard deviation:  {:7.3} kb/s",
            1e-3 * var.sqrt() * fs / frame
        );
    } else {
        let _ = writeln!(log, "bitrate statistics are undefined");
    }
    Ok(())
}

/// `opus_packet_has_lbrr` as opus_demo tests it: an error code counts as true.
fn has_lbrr(packet: &[u8]) -> bool {
    framing::has_lbrr(packet).unwrap_or(true)
}

/// One step of opus_demo's mode-switching test lists: the forced mode and bandwidth, the
/// frame size at 48 kHz and the forced channel count.
type ModeStep = (Mode, Bandwidth, i32, usize);

/// The named test list of `-silk8k_test` and its siblings, in opus_demo's order.
fn mode_list(name: &str) -> Vec<ModeStep> {
    use Bandwidth::{Fullband as Fb, Mediumband as Mb, Narrowband as Nb, Superwideband as Swb, Wideband as Wb};
    let mut list = Vec::new();
    match name {
        "silk8k" | "silk12k" | "silk16k" => {
            let bw = match name {
                "silk8k" => Nb,
                "silk12k" => Mb,
                _ => Wb,
            };
            for ch in [1, 2] {
                for fs in [2880, 1920, 960, 480] {
                    list.push((Mode::SilkOnly, bw, fs, ch));
                }
            }
        }
        "silk_bw_switch" => {
            for fs in [960, 480] {
                for ch in [1, 2] {
                    for bw in [Wb, Nb, Mb, Swb, Fb] {
                        list.push((Mode::SilkOnly, bw, fs, ch));
                    }
                }
            }
        }
        // opus_demo's "hybrid" lists force SILK only; kept as they are.
        "hybrid24k" | "hybrid48k" => {
            let bw = if name == "hybrid24k" { Swb } else { Fb };
            for ch in [1, 2] {
                for fs in [960, 480] {
                    list.push((Mode::SilkOnly, bw, fs, ch));
                }
            }
        }
        "celt" => {
            for ch in [1, 2] {
                for fs in [960, 480, 240, 120] {
                    for bw in [Fb, Swb, Wb, Nb] {
                        list.push((Mode::CeltOnly, bw, fs, ch));
                    }
                }
            }
        }
        _ => {
            for fs in [120, 240, 480, 960] {
                list.push((Mode::CeltOnly, Fb, fs, 2));
            }
        }
    }
    list
}

/// Applies one encoder request the way `opus_encoder_ctl` does: a value out of range is
/// refused and changes nothing, and opus_demo ignores the refusal.
fn ctl(enc: &mut Encoder, f: impl FnOnce(EncoderConfig) -> EncoderConfig) {
    let _ = enc.update_config(f);
}

/// `OPUS_SET_FORCE_CHANNELS`: the request always replaces the encoder's current value, even
/// one the encoder pinned itself (mono inside a multi-frame packet), so the setting is passed
/// through a different value first.
fn set_force_channels(enc: &mut Encoder, channels: Option<usize>) {
    if channels.is_some_and(|c| c > enc.channels()) {
        return;
    }
    let other = if channels.is_some() { None } else { Some(1) };
    ctl(enc, |c| c.force_channels(other));
    ctl(enc, |c| c.force_channels(channels));
}

/// `OPUS_SET_BITRATE`'s argument: `OPUS_AUTO` (-1000), `OPUS_BITRATE_MAX` (-1) or bits per
/// second.
fn bitrate_request(bps: i32) -> Bitrate {
    match bps {
        -1000 => Bitrate::Auto,
        -1 => Bitrate::Max,
        b => Bitrate::Bps(b),
    }
}

fn to_bandwidth(b: BandwidthArg) -> Bandwidth {
    match b {
        BandwidthArg::Narrow => Bandwidth::Narrowband,
        BandwidthArg::Medium => Bandwidth::Mediumband,
        BandwidthArg::Wide => Bandwidth::Wideband,
        BandwidthArg::SuperWide => Bandwidth::Superwideband,
        BandwidthArg::Full => Bandwidth::Fullband,
    }
}

/// Bytes per sample of a PCM format.
fn format_size(format: SampleFormat) -> usize {
    match format {
        SampleFormat::S16 => 2,
        SampleFormat::S24 => 3,
        SampleFormat::F32 => 4,
    }
}

/// C's `(int)` conversion of a double as x86-64 does it: out of range or NaN gives
/// `INT_MIN`.
fn c_double_to_int(d: f64) -> i32 {
    if d.is_nan() || !(-2_147_483_648.0..2_147_483_648.0).contains(&d) {
        i32::MIN
    } else {
        d as i32
    }
}

/// Converts `out.len()` samples of opus_demo's byte buffer into 24-bit integers.
fn unpack_samples(bytes: &[u8], format: SampleFormat, out: &mut [i32]) {
    match format {
        SampleFormat::S16 => {
            for (d, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *d = i32::from(i16::from_le_bytes([b[0], b[1]])) * 256;
            }
        }
        SampleFormat::S24 => {
            for (d, b) in out.iter_mut().zip(bytes.chunks_exact(3)) {
                *d = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
            }
        }
        SampleFormat::F32 => {
            for (d, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                let f = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                *d = c_double_to_int((0.5 + f64::from(f * 8_388_608.0)).floor());
            }
        }
    }
}

/// Writes `samples` into `bytes` in opus_demo's output format and returns the bytes used.
fn pack_samples(samples: &[i32], format: SampleFormat, bytes: &mut [u8]) -> usize {
    let size = format_size(format);
    for (&s, b) in samples.iter().zip(bytes.chunks_exact_mut(size)) {
        match format {
            SampleFormat::S16 => {
                let s = s.clamp(-0x007f_ff00, 0x007f_ff00);
                b.copy_from_slice(&(((s + 128) >> 8) as i16).to_le_bytes());
            }
            SampleFormat::S24 => {
                let s = s.clamp(-0x007f_ffff, 0x007f_ffff);
                b.copy_from_slice(&s.to_le_bytes()[..3]);
            }
            SampleFormat::F32 => {
                b.copy_from_slice(&(s as f32 * (1.0 / 8_388_608.0)).to_le_bytes());
            }
        }
    }
    samples.len() * size
}

/// `opus_demo -e` and `opus_demo` without `-e`/`-d`.
fn encode_file(args: &DemoArgs, log: &mut dyn Write) -> Result<(), DemoError> {
    let _ = writeln!(log, "dred-opus {} (opus_demo 1.6.1)", env!("CARGO_PKG_VERSION"));
    let application = match args.application {
        Some(Application::Voip) => EncApplication::Voip,
        Some(Application::RestrictedLowDelay) => EncApplication::RestrictedLowDelay,
        Some(Application::RestrictedSilk) => EncApplication::RestrictedSilk,
        Some(Application::RestrictedCelt) => EncApplication::RestrictedCelt,
        Some(Application::Audio) | None => EncApplication::Audio,
    };
    if args.dred_duration > 0 {
        return Err(DemoError::NotYetSupported(
            "-dred: the DRED encoder is not in this build yet; no output was written",
        ));
    }
    if args.sim_loss.is_some() {
        return Err(DemoError::NotYetSupported(
            "-sim_loss: the generative loss model is not built in; no output was written",
        ));
    }
    let mut loss_file = match &args.loss_file {
        Some(path) => match std::fs::read(path) {
            Ok(text) => Some(LossFile { text, pos: 0, failed: false }),
            Err(_) => return Err(DemoError::Io(format!("failed to open loss file {path}"))),
        },
        None => None,
    };
    let input = std::fs::read(&args.input)
        .map_err(|_| DemoError::Io(format!("Could not open input file {}", args.input)))?;
    let modes = args.mode_test.map(mode_list).unwrap_or_default();
    let mut mode_switch_time: i32 = 48_000;
    if !modes.is_empty() {
        // ftell's long, stored in an int.
        let size = input.len() as i32;
        let _ = writeln!(log, "File size is {size} bytes");
        mode_switch_time = size / format_size(args.format) as i32 / args.channels as i32 / modes.len() as i32;
        let _ = writeln!(log, "Switching mode every {mode_switch_time} samples");
    }
    let out_file = File::create(&args.output)
        .map_err(|_| DemoError::Io(format!("Could not open output file {}", args.output)))?;
    let mut out = BufWriter::new(out_file);

    let rate = args.sample_rate;
    let channels = args.channels;
    let mut enc = Encoder::new(rate, channels, application)
        .map_err(|e| DemoError::Io(format!("Cannot create encoder: {}", strerror(e.libopus_code()))))?;
    let bitrate_bps = args.bitrate.unwrap_or(0);
    let bandwidth = args.bandwidth.map(to_bandwidth);
    ctl(&mut enc, |c| c.bitrate(bitrate_request(bitrate_bps)));
    ctl(&mut enc, |c| c.bandwidth(bandwidth));
    ctl(&mut enc, |c| c.vbr(args.vbr));
    ctl(&mut enc, |c| c.vbr_constraint(args.cvbr));
    ctl(&mut enc, |c| c.complexity(args.complexity));
    ctl(&mut enc, |c| c.inband_fec(if args.inband_fec { InbandFec::On } else { InbandFec::Off }));
    set_force_channels(&mut enc, args.force_mono.then_some(1));
    ctl(&mut enc, |c| c.dtx(args.dtx));
    ctl(&mut enc, |c| c.packet_loss_perc(args.loss_percent));
    let skip = enc.lookahead() as i32;
    let depth = if args.format == SampleFormat::S16 { 16 } else { 24 };
    ctl(&mut enc, |c| c.lsb_depth(depth));
    ctl(&mut enc, |c| c.frame_duration(FrameDuration::Arg));

    let mut dec = if args.direction == Direction::EncodeOnly {
        None
    } else {
        let mut d = Decoder::new(rate, channels).map_err(|e| {
            DemoError::Io(format!("Cannot create decoder: {}", strerror(e.libopus_code())))
        })?;
        let _ = d.set_complexity(args.dec_complexity);
        d.set_ignore_extensions(args.ignore_extensions);
        Some(d)
    };
    let bandwidth_string = match args.bandwidth {
        Some(BandwidthArg::Narrow) => "narrowband",
        Some(BandwidthArg::Medium) => "mediumband",
        Some(BandwidthArg::Wide) => "wideband",
        Some(BandwidthArg::SuperWide) => "superwideband",
        Some(BandwidthArg::Full) => "fullband",
        None => "auto bandwidth",
    };
    let _ = writeln!(
        log,
        "Encoding {rate} Hz input at {:.3} kb/s in {bandwidth_string} with {}-sample frames.",
        f64::from(bitrate_bps) * 0.001,
        args.frame_size
    );
    let mut first_frame_size = args.frame_size as i32;
    if args.delayed_decision {
        // Code frames of the chosen size, but hand the encoder two seconds per call so the
        // analysis can look ahead.
        let r = rate as i32;
        let f = first_frame_size;
        let duration = if f == r / 400 {
            FrameDuration::Ms2_5
        } else if f == r / 200 {
            FrameDuration::Ms5
        } else if f == r / 100 {
            FrameDuration::Ms10
        } else if f == r / 50 {
            FrameDuration::Ms20
        } else if f == r / 25 {
            FrameDuration::Ms40
        } else if f == 3 * r / 50 {
            FrameDuration::Ms60
        } else if f == 4 * r / 50 {
            FrameDuration::Ms80
        } else if f == 5 * r / 50 {
            FrameDuration::Ms100
        } else {
            FrameDuration::Ms120
        };
        ctl(&mut enc, |c| c.frame_duration(duration));
        first_frame_size = 2 * r;
    }
    let job = EncodeJob {
        args,
        input: &input,
        modes: &modes,
        mode_switch_time,
        skip,
        first_frame_size,
    };
    let result = job.run(&mut enc, dec.as_mut(), &mut loss_file, &mut out, log);
    let flushed = out.flush().map_err(|e| io_err(&args.output, &e));
    result?;
    flushed
}

/// The fixed inputs of opus_demo's encoding loop.
struct EncodeJob<'a> {
    args: &'a DemoArgs,
    input: &'a [u8],
    modes: &'a [ModeStep],
    mode_switch_time: i32,
    /// The encoder's look-ahead, dropped from the start of the decoded output.
    skip: i32,
    /// Samples per channel given to each encode call at first (two seconds with
    /// `-delayed-decision`).
    first_frame_size: i32,
}

impl EncodeJob<'_> {
    /// opus_demo's frame loop (read, encode, then write the record or decode the packet),
    /// then its bitrate statistics.
    fn run(
        &self,
        enc: &mut Encoder,
        mut dec: Option<&mut Decoder>,
        loss_file: &mut Option<LossFile>,
        out: &mut dyn Write,
        log: &mut dyn Write,
    ) -> Result<(), DemoError> {
        let args = self.args;
        let encode_only = dec.is_none();
        let channels = args.channels;
        let rate = args.sample_rate as i32;
        let item = format_size(args.format) * channels;
        let write_err = |log: &mut dyn Write| {
            let _ = writeln!(log, "Error writing.");
            DemoError::Io(format!("error writing {}", args.output))
        };
        // opus_demo's buffers persist from frame to frame, and its reading converts a whole
        // frame from the byte buffer whatever was read into it; they are reproduced as they
        // are (fresh large allocations start zeroed).
        let mut fbytes = vec![0u8; DEMO_MAX_FRAME_SIZE * channels * 4];
        let mut pcm_in = vec![0i32; DEMO_MAX_FRAME_SIZE * channels];
        let mut pcm_f = vec![0f32; DEMO_MAX_FRAME_SIZE * channels];
        let mut pcm_out = vec![0i32; dec.as_ref().map_or(0, |d| d.max_frame_samples() * channels)];
        let mut data = vec![0u8; args.max_payload as usize];
        let mut dred: Option<Box<dred::Dred>> = None;
        let mut rand = GlibcRand::new(1);
        let mut in_pos = 0usize;
        let mut frame_size = self.first_frame_size;
        let mut bitrate_bps = args.bitrate.unwrap_or(0);
        let mut sweep_bps = args.sweep_bps;
        let sweep_min = if args.sweep_max != 0 { bitrate_bps } else { 0 };
        let (mut stop, mut delayed_celt, mut newsize) = (false, false, 0i32);
        let mut remaining = 0i32;
        let (mut curr_mode, mut curr_mode_count) = (0usize, 0i32);
        let (mut tot_in, mut tot_out) = (0u64, 0u64);
        let mut skip = self.skip;
        let (mut lost_prev, mut lost_count) = (true, 0i32);
        let (mut count, mut count_act) = (0i32, 0i32);
        let (mut bits, mut bits_max, mut bits_act, mut bits2) = (0f64, 0f64, 0f64, 0f64);
        let mut tot_samples = 0f64;
        let use_inbandfec = i32::from(args.inband_fec);
        while !stop {
            if delayed_celt {
                frame_size = newsize;
                delayed_celt = false;
            } else if args.random_framesize && rand.next_value() % 20 == 0 {
                newsize = match rand.next_value() % 6 {
                    0 => rate / 400,
                    1 => rate / 200,
                    2 => rate / 100,
                    3 => rate / 50,
                    4 => rate / 25,
                    _ => 3 * rate / 50,
                };
                while newsize < rate / 25 && bitrate_bps.wrapping_sub(sweep_bps.wrapping_abs()) <= 3 * 12 * rate / newsize {
                    newsize *= 2;
                }
                if newsize < rate / 100 && frame_size >= rate / 100 {
                    // Switch to CELT first, and to the short frame one packet later.
                    ctl(enc, |c| c.force_mode(Some(Mode::CeltOnly)));
                    delayed_celt = true;
                } else {
                    frame_size = newsize;
                }
            }
            if args.random_fec && rand.next_value() % 30 == 0 {
                // libopus's request macro (`opus_check_int`) evaluates its argument twice, so
                // opus_demo draws twice and uses the second value.
                let _ = rand.next_value();
                let fec = if rand.next_value() % 4 == 0 { InbandFec::On } else { InbandFec::Off };
                ctl(enc, |c| c.inband_fec(fec));
            }
            if let Some(&(mode, bw, size48, ch)) = self.modes.get(curr_mode) {
                ctl(enc, |c| c.bandwidth(Some(bw)));
                ctl(enc, |c| c.force_mode(Some(mode)));
                set_force_channels(enc, Some(ch));
                frame_size = size48 * rate / 48_000;
            }

            // fread: whole samples are counted, a trailing partial one is consumed too.
            let wanted = (frame_size - remaining).max(0) as usize * item;
            let got = wanted.min(fbytes.len()).min(self.input.len() - in_pos);
            fbytes[..got].copy_from_slice(&self.input[in_pos..in_pos + got]);
            in_pos += got;
            let curr_read = (got / item) as i32;
            tot_in += curr_read as u64;
            let n = frame_size as usize * channels;
            unpack_samples(&fbytes, args.format, &mut pcm_in[..n]);
            if curr_read + remaining < frame_size {
                pcm_in[(curr_read + remaining) as usize * channels..n].fill(0);
                if encode_only {
                    stop = true;
                }
            }
            for (f, &s) in pcm_f[..n].iter_mut().zip(&pcm_in[..n]) {
                *f = s as f32 * (1.0 / 8_388_608.0);
            }
            let mut len = match enc.encode(&pcm_f[..n], &mut data) {
                Ok(l) => l as i32,
                Err(e) => {
                    let msg = format!("opus_encode() returned {}", e.libopus_code());
                    let _ = writeln!(log, "{msg}");
                    return Err(DemoError::Failed(msg));
                }
            };
            let packet = &data[..len as usize];
            let frames = match framing::nb_frames(packet) {
                Ok(f) => f as i32,
                Err(e) => e.libopus_code(),
            };
            let nb_encoded = Toc(packet[0]).samples_per_frame(rate as u32) as i32 * frames;
            remaining = frame_size - nb_encoded;
            if remaining > 0 {
                let from = nb_encoded.max(0) as usize * channels;
                pcm_in.copy_within(from..from + remaining as usize * channels, 0);
            }
            if sweep_bps != 0 {
                bitrate_bps = bitrate_bps.wrapping_add(sweep_bps);
                if args.sweep_max != 0 && (bitrate_bps > args.sweep_max || bitrate_bps < sweep_min) {
                    sweep_bps = -sweep_bps;
                }
                bitrate_bps = bitrate_bps.max(1000);
                ctl(enc, |c| c.bitrate(bitrate_request(bitrate_bps)));
            }
            let mut enc_final_range = enc.final_range();
            curr_mode_count += frame_size;
            if curr_mode_count > self.mode_switch_time && curr_mode + 1 < self.modes.len() {
                curr_mode += 1;
                curr_mode_count = 0;
            }

            let mut lost = if encode_only && !args.encoder_loss {
                false
            } else if let Some(f) = loss_file {
                f.next_int().unwrap_or(0) != 0
            } else {
                args.loss_percent > 0 && rand.next_value() % 100 < args.loss_percent
            };
            match dec.as_deref_mut() {
                None => {
                    if lost {
                        enc_final_range = 0;
                        len = 0;
                    }
                    out.write_all(&(len as u32).to_be_bytes()).map_err(|_| write_err(log))?;
                    out.write_all(&enc_final_range.to_be_bytes()).map_err(|_| write_err(log))?;
                    out.write_all(&data[..len as usize]).map_err(|_| write_err(log))?;
                    tot_samples += f64::from(nb_encoded);
                }
                Some(dec) => {
                    let payload = &data[..len as usize];
                    if len == 0 {
                        lost = true;
                    }
                    let run_decoder = if lost {
                        lost_count += 1;
                        0
                    } else {
                        1 + lost_count
                    };
                    let mut dred_input = 0;
                    if !lost && lost_count > 0 {
                        let wanted = lost_count.saturating_mul(dec.last_packet_duration() as i32);
                        if dred.is_none() {
                            dred = Some(Box::new(dred::Dred::with_default_model().map_err(|_| {
                                DemoError::Failed("the embedded RDO-VAE weights failed to load".into())
                            })?));
                        }
                        if let Some(d) = dred.as_deref_mut() {
                            dred_input = match d.parse(payload, rate.min(wanted.max(0)), rate, false) {
                                Ok(p) if p.samples > 0 => p.samples,
                                _ => 0,
                            };
                        }
                    }
                    for fr in 0..run_decoder {
                        let result = if fr == lost_count - 1 && has_lbrr(payload) {
                            let n = dec.last_packet_duration();
                            dec.decode_raw(Some(payload), &mut pcm_out[..], n, true)
                        } else if fr < lost_count {
                            let n = dec.last_packet_duration();
                            match dred.as_deref() {
                                Some(d) if dred_input > 0 => {
                                    dec.dred_decode(d, (lost_count - fr) * n as i32, &mut pcm_out[..], n)
                                }
                                _ => dec.decode_raw(None, &mut pcm_out[..], n, false),
                            }
                        } else {
                            dec.decode_raw(Some(payload), &mut pcm_out[..], DEMO_MAX_FRAME_SIZE, false)
                        };
                        let mut output_samples: i32 = match result {
                            Ok(n) => n as i32,
                            Err(e) => e.libopus_code(),
                        };
                        if output_samples > 0 {
                            if tot_out + output_samples as u64 > tot_in {
                                stop = true;
                                output_samples = (tot_in - tot_out) as i32;
                            }
                            if output_samples > skip {
                                let start = skip as usize * channels;
                                let end = output_samples as usize * channels;
                                let nbytes = pack_samples(&pcm_out[start..end], args.format, &mut fbytes);
                                out.write_all(&fbytes[..nbytes]).map_err(|_| write_err(log))?;
                                tot_out += (output_samples - skip) as u64;
                            }
                            if output_samples < skip {
                                skip -= output_samples;
                            } else {
                                skip = 0;
                            }
                        } else {
                            let _ = writeln!(log, "error decoding frame: {}", strerror(output_samples));
                        }
                        tot_samples += f64::from(output_samples);
                    }
                    let dec_final_range = dec.final_range();
                    if enc_final_range != 0 && !lost && !lost_prev && dec_final_range != enc_final_range {
                        let msg = format!(
                            "Error: Range coder state mismatch between encoder and decoder in frame {count}: 0x{enc_final_range:8x} vs 0x{dec_final_range:8x}"
                        );
                        let _ = writeln!(log, "{msg}");
                        return Err(DemoError::Failed(msg));
                    }
                }
            }
            lost_prev = lost;
            if !lost {
                lost_count = 0;
            }
            if count >= use_inbandfec {
                let b = f64::from(len * 8);
                bits += b;
                bits_max = if b > bits_max { b } else { bits_max };
                bits2 += f64::from(len) * f64::from(len) * 64.0;
                let n = frame_size as usize * channels;
                let mut nrg = 0f64;
                for &s in &pcm_in[..n] {
                    nrg += f64::from(s) * f64::from(s);
                }
                nrg /= n as f64;
                if nrg > 1e5 {
                    bits_act += b;
                    count_act += 1;
                }
            }
            count += 1;
        }

        count -= use_inbandfec;
        if tot_samples >= 1.0 && count > 0 && frame_size != 0 {
            let fs = f64::from(rate);
            let frame = f64::from(frame_size);
            let _ = writeln!(log, "average bitrate:             {:7.3} kb/s", 1e-3 * bits * fs / tot_samples);
            let _ = writeln!(log, "maximum bitrate:             {:7.3} kb/s", 1e-3 * bits_max * fs / frame);
            let _ = writeln!(
                log,
                "active bitrate:              {:7.3} kb/s",
                1e-3 * bits_act * fs / (1e-15 + frame * f64::from(count_act))
            );
            let c = f64::from(count);
            let mut var = bits2 / c - bits * bits / (c * c);
            if var < 0.0 {
                var = 0.0;
            }
            let _ = writeln!(log, "bitrate standard deviation:  {:7.3} kb/s", 1e-3 * var.sqrt() * fs / frame);
        } else {
            let _ = writeln!(log, "bitrate statistics are undefined");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn decode_line() {
        let a = DemoArgs::parse(&v("-d 48000 2 -dec_complexity 5 -f32 in.bit out.pcm")).unwrap();
        assert_eq!(a.direction, Direction::DecodeOnly);
        assert_eq!((a.sample_rate, a.channels, a.dec_complexity), (48000, 2, 5));
        assert_eq!(a.format, SampleFormat::F32);
        assert_eq!((a.input.as_str(), a.output.as_str()), ("in.bit", "out.pcm"));
        assert_eq!(a.frame_size, 960);
    }

    #[test]
    fn encode_line() {
        let a = DemoArgs::parse(&v(
            "-e voip 16000 1 24000 -framesize 60 -inbandfec -loss 10 -dred 50 -cbr in.pcm out.bit",
        ))
        .unwrap();
        assert_eq!(a.direction, Direction::EncodeOnly);
        assert_eq!(a.application, Some(Application::Voip));
        assert_eq!(a.bitrate, Some(24000));
        assert_eq!(a.frame_size, 960);
        assert!(a.inband_fec && !a.vbr);
        assert_eq!((a.loss_percent, a.dred_duration), (10, 50));
    }

    #[test]
    fn errors() {
        assert!(matches!(
            DemoArgs::parse(&v("-d 44100 1 a b")),
            Err(DemoError::Usage(_))
        ));
        assert!(matches!(
            DemoArgs::parse(&v("-d 48000 3 a b")),
            Err(DemoError::Usage(_))
        ));
        assert!(matches!(
            DemoArgs::parse(&v("-d 48000 1 -cbr a b")),
            Err(DemoError::WrongDirection(_))
        ));
        assert!(matches!(
            DemoArgs::parse(&v("-e audio 48000 1 64000 -dec_complexity 3 a b")),
            Err(DemoError::WrongDirection(_))
        ));
        assert!(matches!(
            DemoArgs::parse(&v("-d 48000 1 -bogus a b")),
            Err(DemoError::Usage(_))
        ));
        assert!(matches!(
            DemoArgs::parse(&v("fancy 48000 1 64000 a b")),
            Err(DemoError::Usage(_))
        ));
        assert!(matches!(
            DemoArgs::parse(&v("-d 48000")),
            Err(DemoError::Usage(_))
        ));
        assert!(matches!(
            DemoArgs::parse(&v("-e audio 48000 1 64000 -framesize 7 a b")),
            Err(DemoError::Usage(_))
        ));
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("dred-opus-demo-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn record(out: &mut Vec<u8>, payload: &[u8], range: u32) {
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&range.to_be_bytes());
        out.extend_from_slice(payload);
    }

    #[test]
    fn run_refuses_without_writing() {
        let dir = temp_dir("refuse");
        let out = dir.join("never.pcm");
        let missing = dir.join("missing.bit");
        let a = DemoArgs::parse(
            &[
                "-d",
                "48000",
                "1",
                missing.to_str().unwrap(),
                out.to_str().unwrap(),
            ]
            .map(String::from),
        )
        .unwrap();
        let mut log = Vec::new();
        assert!(matches!(run_with_log(&a, &mut log), Err(DemoError::Io(_))));
        assert!(!out.exists());
        // -sim_loss needs a model this build lacks.
        let bit = dir.join("celt.bit");
        let mut data = Vec::new();
        record(&mut data, &[0xF8, 0xFF, 0xFF], 0);
        std::fs::write(&bit, &data).unwrap();
        let args = [
            "-d",
            "48000",
            "1",
            "-sim_loss",
            "10",
            bit.to_str().unwrap(),
            out.to_str().unwrap(),
        ];
        let a = DemoArgs::parse(&args.map(String::from)).unwrap();
        assert!(matches!(
            run_with_log(&a, &mut log),
            Err(DemoError::NotYetSupported(_))
        ));
        assert!(!out.exists());
        // Encoding with DRED needs the DRED encoder, not built yet.
        let e = DemoArgs::parse(
            &[
                "-e",
                "audio",
                "48000",
                "1",
                "64000",
                "-dred",
                "10",
                bit.to_str().unwrap(),
                out.to_str().unwrap(),
            ]
            .map(String::from),
        )
        .unwrap();
        assert!(matches!(
            run_with_log(&e, &mut log),
            Err(DemoError::NotYetSupported(_))
        ));
        assert!(!out.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn decodes_celt_silence_and_losses() {
        let dir = temp_dir("celt");
        let bit = dir.join("in.bit");
        let out = dir.join("out.pcm");
        let mut data = Vec::new();
        // CELT FB 20 ms silence frames; the third record is lost; then a bad length.
        record(&mut data, &[0xF8, 0xFF, 0xFF], 0);
        record(&mut data, &[0xF8, 0xFF, 0xFF], 0);
        record(&mut data, &[], 0);
        record(&mut data, &[0xF8, 0xFF, 0xFF], 0);
        data.extend_from_slice(&20000u32.to_be_bytes());
        std::fs::write(&bit, &data).unwrap();
        let a = DemoArgs::parse(
            &[
                "-d",
                "16000",
                "2",
                bit.to_str().unwrap(),
                out.to_str().unwrap(),
            ]
            .map(String::from),
        )
        .unwrap();
        let mut log = Vec::new();
        run_with_log(&a, &mut log).unwrap();
        let log = String::from_utf8(log).unwrap();
        assert!(
            log.contains("Decoding with 16000 Hz output (2 channels)"),
            "{log}"
        );
        assert!(log.contains("Invalid payload length: 20000"), "{log}");
        assert!(log.contains("average bitrate:"), "{log}");
        // Four 20 ms frames at 16 kHz stereo, 16-bit.
        assert_eq!(std::fs::read(&out).unwrap().len(), 4 * 320 * 2 * 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn encodes_then_decodes() {
        let dir = temp_dir("encode");
        let pcm = dir.join("in.pcm");
        let bit = dir.join("out.bit");
        let out = dir.join("out.pcm");
        // 50 ms of a 16 kHz sine, ending in a partial frame.
        let samples: Vec<u8> = (0..800)
            .flat_map(|i| (((i as f32 * 0.2).sin() * 6000.0) as i16).to_le_bytes())
            .collect();
        std::fs::write(&pcm, &samples).unwrap();
        let p = |s: &std::path::Path| s.to_str().unwrap().to_string();
        let mut args = v("-e voip 16000 1 20000 -inbandfec");
        args.extend([p(&pcm), p(&bit)]);
        let mut log = Vec::new();
        run_with_log(&DemoArgs::parse(&args).unwrap(), &mut log).unwrap();
        let log = String::from_utf8(log).unwrap();
        assert!(
            log.contains("Encoding 16000 Hz input at 20.000 kb/s in auto bandwidth with 320-sample frames."),
            "{log}"
        );
        // Three records: two full frames and the zero-padded rest.
        let data = std::fs::read(&bit).unwrap();
        let mut pos = 0;
        let mut records = 0;
        while let ReadRecord::Packet { .. } = read_record(&data, &mut pos, 15000) {
            records += 1;
        }
        assert_eq!(records, 3);
        // Encode and decode: as many samples out as in.
        let mut args = v("voip 16000 1 20000 -loss 30");
        args.extend([p(&pcm), p(&out)]);
        run_with_log(&DemoArgs::parse(&args).unwrap(), &mut Vec::new()).unwrap();
        assert_eq!(std::fs::read(&out).unwrap().len(), samples.len());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn glibc_rand_sequence() {
        let mut r = GlibcRand::new(1);
        let first: Vec<i32> = (0..5).map(|_| r.next_value()).collect();
        assert_eq!(
            first,
            [1804289383, 846930886, 1681692777, 1714636915, 1957747793]
        );
    }

    #[test]
    fn error_strings() {
        assert_eq!(strerror(-1), "invalid argument");
        assert_eq!(strerror(-4), "corrupted stream");
        assert_eq!(strerror(-8), "unknown error");
        assert_eq!(strerror(1), "unknown error");
    }

    #[test]
    fn c_number_parsing() {
        assert_eq!(atoi("  42abc"), 42);
        assert_eq!(atoi("-7"), -7);
        assert_eq!(atoi("x"), 0);
        assert_eq!(atoi("99999999999"), i32::MAX);
        assert!((atof("12.5%") - 12.5).abs() < 1e-6);
    }
}

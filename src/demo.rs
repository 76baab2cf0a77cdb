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
use opus_core::decoder::OpusDecoder;
use opus_core::packet::{framing, Toc};

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
                "-silk8k_test" | "-silk12k_test" | "-silk16k_test" | "-silk_bw_switch_test" => {
                    enc_opt(opt)?;
                    a.mode_test = Some(match opt {
                        "-silk8k_test" => "silk8k",
                        "-silk12k_test" => "silk12k",
                        "-silk16k_test" => "silk16k",
                        _ => "silk_bw_switch",
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
/// - [`DemoError::NotYetSupported`]: encoding, `-sim_loss`, or a bitstream holding packets
///   of a mode this build cannot decode; nothing is written.
/// - [`DemoError::Io`]: a file cannot be opened, read or written.
/// - [`DemoError::Failed`]: the decoder's final range differs from the encoder's (opus_demo
///   stops there and fails; the output written so far stays).
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
        Direction::EncodeOnly | Direction::EncodeDecode => Err(DemoError::NotYetSupported(
            "encoding: the Opus encoder is not implemented in this build; no output was written",
        )),
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
        let e = DemoArgs::parse(
            &[
                "-e",
                "audio",
                "48000",
                "1",
                "64000",
                "a",
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

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
//! encoder-only. [`run`] executes the job; a direction this build cannot run yet returns
//! [`DemoError::NotYetSupported`] before any output file is created, so no wrong audio is ever
//! written.

use core::fmt;

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
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::Usage(m) | DemoError::WrongDirection(m) | DemoError::Io(m) => f.write_str(m),
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
-enc_loss            : Apply loss on the encoder side (store empty packets)\n"
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
            return Err(DemoError::Usage("Opus_demo supports only 1 or 2 channels.\n".into()));
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
            return Err(DemoError::Usage("max_payload_bytes must be between 0 and 15000\n".into()));
        }
        a.input = args[nargs - 2].clone();
        a.output = args[nargs - 1].clone();
        Ok(a)
    }
}

/// Runs an opus_demo job.
///
/// # Errors
/// Returns [`DemoError::NotYetSupported`] for the directions this build cannot run yet (the
/// decoder and encoder land with their issues); nothing is written in that case.
pub fn run(args: &DemoArgs) -> Result<(), DemoError> {
    match args.direction {
        Direction::DecodeOnly => Err(DemoError::NotYetSupported(
            "decoding (-d): the Opus decoder is not implemented in this build; no output was written",
        )),
        Direction::EncodeOnly | Direction::EncodeDecode => Err(DemoError::NotYetSupported(
            "encoding: the Opus encoder is not implemented in this build; no output was written",
        )),
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
        assert!(matches!(DemoArgs::parse(&v("-d 44100 1 a b")), Err(DemoError::Usage(_))));
        assert!(matches!(DemoArgs::parse(&v("-d 48000 3 a b")), Err(DemoError::Usage(_))));
        assert!(matches!(DemoArgs::parse(&v("-d 48000 1 -cbr a b")), Err(DemoError::WrongDirection(_))));
        assert!(matches!(
            DemoArgs::parse(&v("-e audio 48000 1 64000 -dec_complexity 3 a b")),
            Err(DemoError::WrongDirection(_))
        ));
        assert!(matches!(DemoArgs::parse(&v("-d 48000 1 -bogus a b")), Err(DemoError::Usage(_))));
        assert!(matches!(DemoArgs::parse(&v("fancy 48000 1 64000 a b")), Err(DemoError::Usage(_))));
        assert!(matches!(DemoArgs::parse(&v("-d 48000")), Err(DemoError::Usage(_))));
        assert!(matches!(DemoArgs::parse(&v("-e audio 48000 1 64000 -framesize 7 a b")), Err(DemoError::Usage(_))));
    }

    #[test]
    fn run_refuses_without_writing() {
        let dir = std::env::temp_dir().join(format!("dred-opus-demo-{}", std::process::id()));
        let out = dir.join("never.pcm");
        let a = DemoArgs::parse(&["-d", "48000", "1", "in.bit", out.to_str().unwrap()].map(String::from)).unwrap();
        assert!(matches!(run(&a), Err(DemoError::NotYetSupported(_))));
        assert!(!out.exists());
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

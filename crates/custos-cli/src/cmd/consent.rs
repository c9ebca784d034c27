//! `custos consent ...`: IAB consent strings (TCF v2.2/v2.3 TC strings, GPP strings) decoded,
//! encoded and validated, strictly by default.

use std::{
    io::{BufRead, BufReader, Read, Write},
    path::PathBuf,
};

use anyhow::{Context, bail};
use clap::Subcommand;
use custos_consent_signals::Mode;

/// Consent-string commands.
#[derive(Debug, Subcommand)]
pub enum ConsentCommand {
    /// Print a TC or GPP string as JSON (the format is told by its first character).
    Decode {
        /// The string.
        string: String,
        /// Refuse a string that breaks any rule of its specification (the default).
        #[arg(long, conflicts_with = "lenient")]
        strict: bool,
        /// Decode what can be decoded and list the rules broken (`violations`).
        #[arg(long)]
        lenient: bool,
    },
    /// Print the string for a decoded JSON value (as `decode` prints it).
    Encode {
        /// The JSON file (`-` for standard input).
        #[arg(long)]
        input: PathBuf,
    },
    /// Check one string per line: `valid` or `invalid <rule>: <detail>` per line; exits
    /// non-zero if any is invalid.
    Validate {
        /// The file (`-` for standard input).
        #[arg(long)]
        input: PathBuf,
        /// Judge leniently (only strings that cannot be read at all are invalid).
        #[arg(long)]
        lenient: bool,
    },
}

fn open(path: &PathBuf) -> anyhow::Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Box::new(BufReader::new(file)))
}

/// Runs a consent command.
pub fn run(command: ConsentCommand) -> anyhow::Result<()> {
    match command {
        ConsentCommand::Decode { string, strict: _, lenient } => {
            let mode = if lenient { Mode::Lenient } else { Mode::Strict };
            let decoded = custos_consent_signals::decode_json(string.trim(), mode).map_err(|v| anyhow::anyhow!("invalid string: {v}"))?;
            println!("{}", serde_json::to_string_pretty(&decoded)?);
        }
        ConsentCommand::Encode { input } => {
            let mut text = String::new();
            let mut reader = open(&input)?;
            (&mut reader).take(16 << 20).read_to_string(&mut text).with_context(|| format!("cannot read {}", input.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", input.display()))?;
            let s = custos_consent_signals::encode_json(&value).map_err(|v| anyhow::anyhow!("cannot encode: {v}"))?;
            println!("{s}");
        }
        ConsentCommand::Validate { input, lenient } => {
            let mode = if lenient { Mode::Lenient } else { Mode::Strict };
            let (mut valid, mut invalid) = (0u64, 0u64);
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for (i, line) in open(&input)?.lines().enumerate() {
                let line = line.with_context(|| format!("cannot read line {}", i + 1))?;
                let s = line.trim();
                if s.is_empty() {
                    continue;
                }
                match custos_consent_signals::validate(s, mode) {
                    Ok(()) => {
                        valid += 1;
                        writeln!(out, "{}\tvalid", i + 1)?;
                    }
                    Err(v) => {
                        invalid += 1;
                        writeln!(out, "{}\tinvalid\t{}\t{}", i + 1, v.rule, v.detail)?;
                    }
                }
            }
            out.flush()?;
            if invalid > 0 {
                bail!("{invalid} of {} strings are invalid", valid + invalid);
            }
        }
    }
    Ok(())
}

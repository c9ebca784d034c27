//! `custos drift profile` and `custos drift merge`: a table's column sketches written to a
//! profile file (bounded memory whatever the table's size), and shards' profiles merged.
//! `custos drift --reference-profile` compares against a profile instead of the raw table.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use custos_frames::drift::Profiler;
use custos_monitor::Profile;
use custos_tabular::TableReader;

/// Largest profile file read (10,000 columns of 16 KB sketches in base64 fit well inside).
const MAX_PROFILE_BYTES: u64 = 512 << 20;

/// Arguments of `custos drift profile`.
#[derive(Debug, clap::Args)]
pub struct ProfileArgs {
    /// The table to profile (CSV, JSONL or Parquet, by extension).
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the profile.
    #[arg(long)]
    pub output: PathBuf,
    /// Only these columns (comma-separated; default: every column).
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Treat these columns as categories even if they hold numbers.
    #[arg(long, value_delimiter = ',')]
    pub categorical: Vec<String>,
}

/// Arguments of `custos drift merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' profiles (repeat `--input`), all of the same columns.
    #[arg(long, required = true)]
    pub input: Vec<PathBuf>,
    /// Where to write the merged profile.
    #[arg(long)]
    pub output: PathBuf,
}

/// Reads a profile file.
pub fn read_profile(path: &Path) -> anyhow::Result<Profile> {
    let size = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    if size > MAX_PROFILE_BYTES {
        bail!("{} is larger than {} MB: not a drift profile", path.display(), MAX_PROFILE_BYTES >> 20);
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Profile::from_json(&text, custos_monitor::sketch::MAX_COLUMNS).with_context(|| format!("{}", path.display()))
}

fn write_profile(profile: &Profile, path: &Path) -> anyhow::Result<()> {
    // Written beside the target, flushed and renamed: a profile is whole or absent.
    use std::io::Write as _;
    let mut name = path.file_name().context("--output names no file")?.to_os_string();
    name.push(".partial");
    let tmp = path.with_file_name(name);
    let written = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(profile.to_json().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        bail!("cannot write {}: {e}", path.display());
    }
    Ok(())
}

/// Profiles `path`: the named columns, numeric or categorical as `kinds` says (`None`: decided
/// from the first rows; text that parses as numbers is numeric unless forced categorical).
pub fn profile_table(
    path: &Path,
    columns: &[String],
    forced: &BTreeSet<String>,
    kinds: Option<&Profile>,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<Profile> {
    let reader = TableReader::open_with(path, 65_536, true)?;
    let mut profiler = Profiler::new(&reader.schema(), &path.display().to_string(), columns, forced, kinds)?;
    for batch in reader {
        let batch = batch?;
        profiler.add_batch(&batch)?;
        bar.inc(batch.num_rows() as u64);
    }
    Ok(profiler.finish())
}

/// Runs `custos drift profile`.
pub fn run_profile(args: ProfileArgs) -> anyhow::Result<()> {
    let all: Vec<String> = TableReader::open(&args.input, 1)?.schema().fields().iter().map(|f| f.name().clone()).collect();
    let columns = if args.columns.is_empty() { all.clone() } else { args.columns.clone() };
    for c in columns.iter().chain(&args.categorical) {
        if !all.contains(c) {
            bail!("{c:?} is not a column of {}", args.input.display());
        }
    }
    let forced: BTreeSet<String> = args.categorical.iter().cloned().collect();
    let bar = super::pii::progress(None);
    let profile = profile_table(&args.input, &columns, &forced, None, &bar)?;
    bar.finish_and_clear();
    write_profile(&profile, &args.output)?;
    eprintln!("profiled {} rows, {} columns into {}", profile.rows, profile.columns.len(), args.output.display());
    Ok(())
}

/// Runs `custos drift merge`.
pub fn run_merge(args: MergeArgs) -> anyhow::Result<()> {
    let profiles = args.input.iter().map(|p| read_profile(p)).collect::<anyhow::Result<Vec<_>>>()?;
    let merged = Profile::merge_all(&profiles)?;
    write_profile(&merged, &args.output)?;
    eprintln!("merged {} profiles: {} rows, {} columns", args.input.len(), merged.rows, merged.columns.len());
    Ok(())
}

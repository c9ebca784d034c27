//! Reports as PDF: the one rendering path. Every report (model cards, assessment reports,
//! incident files, and the compliance reports after them) is an askama HTML page first; its
//! PDF is that same page printed by the machine's headless Chromium. A Rust PDF crate would
//! need a second layout of every report (none renders HTML and CSS), so the two formats would
//! drift; Chromium prints exactly the page people see, tables, SVG charts and all. Measured
//! here: about 0.9 s and 220 MB (the browser process at its peak) per report (`docs/REPORTS.md`).
//!
//! Chromium runs without a network (every host name resolves to nothing), without a sandbox
//! profile of its own, with a fresh temporary profile, at most two at a time, and is killed
//! after 60 seconds.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No Chromium on this machine (install Debian's `chromium`, or set `CUSTOS_CHROMIUM`).
    #[error("PDF reports need Chromium on the server: install it (Debian: apt-get install chromium) or set CUSTOS_CHROMIUM to its path")]
    NoBrowser,
    /// Chromium ran but printed nothing usable.
    #[error("Chromium could not print the report: {0}")]
    Failed(String),
}

/// How long one print may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The Chromium binary: `CUSTOS_CHROMIUM`, else the first of the usual names on `PATH`.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CUSTOS_CHROMIUM").map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

fn permits() -> std::sync::Arc<tokio::sync::Semaphore> {
    static PERMITS: OnceLock<std::sync::Arc<tokio::sync::Semaphore>> = OnceLock::new();
    PERMITS.get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(2))).clone()
}

/// Prints `html` (a complete, self-contained page) to PDF with headless Chromium.
pub async fn html_to_pdf(html: &str) -> Result<Vec<u8>, PdfError> {
    let browser = chromium().ok_or(PdfError::NoBrowser)?;
    let permit = permits().acquire_owned().await.map_err(|e| PdfError::Failed(e.to_string()))?;
    let html = html.to_owned();
    // The permit travels with the blocking work: a client that goes away cancels this future,
    // not the browser it started, so the permit is released only when the browser is done.
    tokio::task::spawn_blocking(move || {
        let printed = print(&browser, &html);
        drop(permit);
        printed
    })
    .await
    .map_err(|e| PdfError::Failed(e.to_string()))?
}

fn print(browser: &std::path::Path, html: &str) -> Result<Vec<u8>, PdfError> {
    let dir = tempfile::tempdir().map_err(|e| PdfError::Failed(e.to_string()))?;
    let page = dir.path().join("report.html");
    let out = dir.path().join("report.pdf");
    std::fs::write(&page, html).map_err(|e| PdfError::Failed(e.to_string()))?;
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--disable-background-networking",
            "--no-first-run",
            "--no-pdf-header-footer",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| PdfError::Failed(e.to_string()))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PdfError::Failed("it took longer than 60 seconds".into()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(PdfError::Failed(e.to_string())),
        }
    }
    let bytes = std::fs::read(&out).map_err(|_| PdfError::Failed("no PDF was written".into()))?;
    if !bytes.starts_with(b"%PDF") {
        return Err(PdfError::Failed("the output is not a PDF".into()));
    }
    Ok(bytes)
}

/// A console report as its page or (`format=pdf`) its PDF; a PDF that cannot be made says why.
pub(crate) async fn page_or_pdf(
    staff: &crate::session::SignedInStaff,
    format: Option<&str>,
    page: String,
    name: &str,
) -> Result<axum::response::Response, crate::layout::Refusal> {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse;
    if format != Some("pdf") {
        return Ok(([(CONTENT_TYPE, "text/html; charset=utf-8".to_owned())], page).into_response());
    }
    match html_to_pdf(&page).await {
        Ok(bytes) => {
            Ok(([(CONTENT_TYPE, "application/pdf".to_owned()), (CONTENT_DISPOSITION, format!("inline; filename=\"{name}.pdf\""))], bytes)
                .into_response())
        }
        Err(e) => Err(crate::layout::Refusal::from(crate::layout::message(
            crate::layout::Page::staff(staff, ""),
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "The PDF could not be made",
            &e.to_string(),
            &[],
        ))),
    }
}

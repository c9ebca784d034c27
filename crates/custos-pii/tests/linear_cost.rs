//! The analyzer's cost grows linearly with its input, for the shapes that used to make it
//! quadratic (issue 14: a million digits took 67 s) and their relatives. Each shape is timed
//! at two sizes eight times apart (best of three runs each); linear work grows about 8x,
//! quadratic work 64x, so the bound of 24x leaves room for a busy machine and a debug build
//! without letting a quadratic path through.

use std::time::{Duration, Instant};

use custos_pii::{AnalyzeOptions, Analyzer};

fn best_of_three(analyzer: &Analyzer, text: &str) -> Duration {
    let options = AnalyzeOptions::default();
    (0..3)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(analyzer.analyze(text, &options));
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

type Shape = (&'static str, fn(usize) -> String);

const SHAPES: &[Shape] = &[
    ("a run of ones (base58 and e-mail look-alikes)", |n| "1".repeat(n)),
    ("a run of threes", |n| "3".repeat(n)),
    ("dotted digits (dates glued together)", |n| "12.".repeat(n / 3)),
    ("dashed digits", |n| "12-".repeat(n / 3)),
    ("plus and digits", |n| "+1".repeat(n / 2)),
    ("capitalized words", |n| "Anna ".repeat(n / 5)),
    ("a comma list of names", |n| "Anna, ".repeat(n / 6)),
    ("dates in words", |n| "May 1 ".repeat(n / 6)),
    ("dotted codes (host-name look-alikes)", |n| "A1.".repeat(n / 3)),
    ("dotted names", |n| "Anna.".repeat(n / 5)),
    ("e-mail-like runs", |n| "a.b".repeat(n / 3)),
    ("e-mail addresses", |n| "a@b.co ".repeat(n / 7)),
    ("street words", |n| "Main Street ".repeat(n / 12)),
];

#[test]
fn cost_grows_linearly_on_adversarial_shapes() {
    let analyzer = Analyzer::default();
    let _ = analyzer.analyze("warm up: call 555-0100 or mail a@b.co, Anna Smith", &AnalyzeOptions::default());
    let small = 16_000;
    let large = 8 * small;
    let mut report = Vec::new();
    for (name, make) in SHAPES {
        let t_small = best_of_three(&analyzer, &make(small)).max(Duration::from_micros(200));
        let t_large = best_of_three(&analyzer, &make(large));
        let ratio = t_large.as_secs_f64() / t_small.as_secs_f64();
        report.push(format!("{name}: {t_small:?} -> {t_large:?} ({ratio:.1}x)"));
        assert!(ratio < 24.0, "{name}: 8x the input took {ratio:.1}x the time\n{}", report.join("\n"));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn a_million_digits_are_read_in_seconds() {
    let analyzer = Analyzer::default();
    let text = "1".repeat(1_000_000);
    let started = Instant::now();
    let found = analyzer.analyze(&text, &AnalyzeOptions::default());
    assert!(found.is_empty());
    // The quadratic scan took 67 s in a release build; a debug build of the linear one takes
    // a few seconds at most.
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
}

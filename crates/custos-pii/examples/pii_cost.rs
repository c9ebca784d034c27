//! Times the analyzer on adversarial shapes of growing size (a debugging aid for linearity).
fn main() {
    let a = custos_pii::Analyzer::default();
    let opts = custos_pii::AnalyzeOptions::default();
    let _ = a.analyze("warm up 555-1234", &opts);
    type Shape = (&'static str, Box<dyn Fn(usize) -> String>);
    let shapes: Vec<Shape> = vec![
        ("digits", Box::new(|n| "1".repeat(n))),
        ("digits0-9", Box::new(|n| (0..n).map(|i| char::from(b'0' + (i % 10) as u8)).collect())),
        ("digit groups", Box::new(|n| "1234 ".repeat(n / 5))),
        ("dotted digits", Box::new(|n| "12.".repeat(n / 3))),
        ("capitalized", Box::new(|n| "Anna ".repeat(n / 5))),
        ("capitalized glued", Box::new(|n| "Ab".repeat(n / 2))),
        ("email-like", Box::new(|n| "a.".repeat(n / 2))),
        ("email-like @", Box::new(|n| "a@b.".repeat(n / 4))),
        ("url-like", Box::new(|n| "www.a".repeat(n / 5))),
        ("hex colons", Box::new(|n| "ab:".repeat(n / 3))),
        ("iban-like", Box::new(|n| format!("DE89{}", "3704 ".repeat(n / 5)))),
        ("base58", Box::new(|n| "1A".repeat(n / 2))),
        ("threes", Box::new(|n| "3".repeat(n))),
        ("comma names", Box::new(|n| "Anna, ".repeat(n / 6))),
        ("comma names and", Box::new(|n| format!("{} and Bob", "Anna, ".repeat(n / 6)))),
        ("times", Box::new(|n| "12:".repeat(n / 3))),
        ("dashes", Box::new(|n| "12-".repeat(n / 3))),
        ("slashes", Box::new(|n| "1/".repeat(n / 2))),
        ("upper words", Box::new(|n| "ANNA ".repeat(n / 5))),
        ("name the", Box::new(|n| "Anna of ".repeat(n / 8))),
        ("hex run", Box::new(|n| "a".repeat(n))),
        ("alnum", Box::new(|n| "a1".repeat(n / 2))),
        ("months", Box::new(|n| "May 1 ".repeat(n / 6))),
        ("alnum dots", Box::new(|n| "A1.".repeat(n / 3))),
        ("name dots", Box::new(|n| "Anna.".repeat(n / 5))),
        ("plus digits", Box::new(|n| "+1".repeat(n / 2))),
        ("hex dashes", Box::new(|n| "ab-".repeat(n / 3))),
        ("mixed word", Box::new(|n| "x1-y2_".repeat(n / 6))),
    ];
    for (name, make) in &shapes {
        let mut line = format!("{name:<18}");
        for n in [10_000usize, 40_000, 160_000] {
            let text = make(n);
            let t = std::time::Instant::now();
            let found = a.analyze(&text, &opts).len();
            line.push_str(&format!(" {n}: {:>8.1} ms ({found})", t.elapsed().as_secs_f64() * 1e3));
        }
        println!("{line}");
    }
}

//! Prints every finding for each `text` of a JSON Lines file on stdin (for before/after diffs).
use std::io::BufRead;

fn main() {
    let a = custos_pii::Analyzer::default();
    let opts = custos_pii::AnalyzeOptions { threshold: Some(0.0), ..Default::default() };
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let Some(start) = line.find("\"text\":\"") else { continue };
        let rest = &line[start + 8..];
        let Some(end) = rest.find("\",\"spans\"") else { continue };
        let text = rest[..end].replace("\\\"", "\"");
        let found: Vec<String> =
            a.analyze(&text, &opts).iter().map(|f| format!("{}:{}-{}:{:.2}", f.entity_type, f.start, f.end, f.score)).collect();
        println!("{}", found.join(" "));
    }
}

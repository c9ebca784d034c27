//! Prints what the analyzer finds in each line of stdin (a debugging aid).
use std::io::BufRead;

fn main() {
    let a = custos_pii::Analyzer::default();
    let opts = custos_pii::AnalyzeOptions { threshold: Some(0.0), ..Default::default() };
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        println!("{line}");
        for f in a.analyze(&line, &opts) {
            println!("  {:<16} {:>4.2} {:?}", f.entity_type, f.score, &line[f.start..f.end]);
        }
    }
}

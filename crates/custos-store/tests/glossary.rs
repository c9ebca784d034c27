//! Every table and column the migrations leave is named in `docs/GLOSSARY.md` (under the
//! table's `### `table`` heading), so a new column is a new word someone has to write down.

use std::collections::BTreeMap;
use std::path::Path;

/// The statements of a migration file, comments dropped, whitespace collapsed.
fn statements(sql: &str) -> Vec<String> {
    let without_comments: String = sql.lines().map(|l| l.split("--").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    without_comments.split(';').map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|s| !s.is_empty()).collect()
}

/// The columns of a `CREATE TABLE` body (constraints skipped).
fn columns(body: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut current) = (0, String::new());
    for c in body.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    let constraint = ["PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "CONSTRAINT"];
    parts
        .iter()
        .filter_map(|p| p.split_whitespace().next())
        .filter(|first| !constraint.contains(&first.to_uppercase().as_str()))
        .map(str::to_owned)
        .collect()
}

/// The tables and columns after every migration in `folder` ran, in order.
fn final_schema(folder: &Path) -> BTreeMap<String, Vec<String>> {
    let mut files: Vec<_> = std::fs::read_dir(folder).expect("migrations").flatten().map(|e| e.path()).collect();
    files.sort();
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files {
        for s in statements(&std::fs::read_to_string(&file).expect("migration")) {
            let words: Vec<&str> = s.split(' ').collect();
            let upper: Vec<String> = words.iter().map(|w| w.to_uppercase()).collect();
            let up: Vec<&str> = upper.iter().map(String::as_str).collect();
            match up.as_slice() {
                ["CREATE", "TABLE", ..] => {
                    let name = words[2].to_owned();
                    let body = &s[s.find('(').expect("(") + 1..s.rfind(')').expect(")")];
                    tables.insert(name, columns(body));
                }
                ["ALTER", "TABLE", _, "ADD", "COLUMN", ..] => tables.get_mut(words[2]).expect("table").push(words[5].to_owned()),
                ["ALTER", "TABLE", _, "RENAME", "COLUMN", _, "TO", _] => {
                    let t = tables.get_mut(words[2]).expect("table");
                    let i = t.iter().position(|c| c == words[5]).expect("renamed column exists");
                    t[i] = words[7].to_owned();
                }
                ["ALTER", "TABLE", _, "RENAME", "TO", _] => {
                    let t = tables.remove(words[2]).expect("renamed table exists");
                    tables.insert(words[5].to_owned(), t);
                }
                ["ALTER", "TABLE", _, "DROP", "COLUMN", _] => tables.get_mut(words[2]).expect("table").retain(|c| c != words[5]),
                ["DROP", "TABLE", ..] => {
                    tables.remove(words.last().copied().unwrap_or(""));
                }
                _ => {}
            }
        }
    }
    tables
}

#[test]
fn every_column_is_in_the_glossary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let glossary = std::fs::read_to_string(root.join("../../docs/GLOSSARY.md")).expect("docs/GLOSSARY.md");
    let schema = final_schema(&root.join("migrations/sqlite"));
    assert_eq!(schema, final_schema(&root.join("migrations/postgres")), "the two engines end with the same tables and columns");
    assert!(schema.len() > 20 && schema.contains_key("dsrs") && !schema.contains_key("dsr"), "{:?}", schema.keys());
    let mut missing = Vec::new();
    for (table, cols) in &schema {
        let heading = format!("### `{table}`");
        let Some(start) = glossary.find(&heading) else {
            missing.push(format!("table {table}"));
            continue;
        };
        let section = &glossary[start + heading.len()..];
        let section = &section[..section.find("\n### ").unwrap_or(section.len())];
        missing.extend(cols.iter().filter(|c| !section.contains(&format!("`{c}`"))).map(|c| format!("{table}.{c}")));
    }
    assert!(missing.is_empty(), "not in docs/GLOSSARY.md: {missing:?}");
    // And the words the issue unified are the ones the schema uses.
    assert!(schema["purposes"].contains(&"purpose".to_owned()) && schema["notices"].contains(&"notice_language".to_owned()));
    assert!(schema["subjects"].contains(&"opted_out_of_sale_or_share".to_owned()));
}

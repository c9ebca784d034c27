//! TCF purposes mapped to fideslang data uses (the project's copy of fideslang's
//! `gvl_purpose_to_data_use.json`, embedded): which TCF purposes speak for a custos purpose.

use std::sync::OnceLock;

/// The embedded mapping.
const GVL_PURPOSES: &str = include_str!("../data/gvl_purpose_to_data_use.json");

/// (TCF purpose id, its name, the fideslang data uses it covers).
fn table() -> &'static [(u8, String, Vec<String>)] {
    static TABLE: OnceLock<Vec<(u8, String, Vec<String>)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let v: serde_json::Value = serde_json::from_str(GVL_PURPOSES).unwrap_or_default();
        let mut out: Vec<(u8, String, Vec<String>)> = v["purposes"]
            .as_object()
            .map(|m| {
                m.values()
                    .filter_map(|p| {
                        let id = u8::try_from(p["id"].as_u64()?).ok()?;
                        let name = p["name"].as_str()?.to_owned();
                        let uses = p["data_uses"].as_array()?.iter().filter_map(|u| u.as_str().map(str::to_owned)).collect();
                        Some((id, name, uses))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by_key(|(id, _, _)| *id);
        out
    })
}

/// Whether one data use is the other or lies under it (`marketing.advertising` and
/// `marketing.advertising.first_party.targeted`).
fn related(a: &str, b: &str) -> bool {
    let under = |x: &str, y: &str| x.len() > y.len() && x.starts_with(y) && x.as_bytes()[y.len()] == b'.';
    a == b || under(a, b) || under(b, a)
}

/// The TCF purposes whose data uses are, contain or lie under `data_use` (a custos purpose key
/// is a fideslang data use), ascending.
pub fn tcf_purposes_for(data_use: &str) -> Vec<u8> {
    table().iter().filter(|(_, _, uses)| uses.iter().any(|u| related(u, data_use))).map(|(id, _, _)| *id).collect()
}

/// A TCF purpose's name.
pub fn tcf_purpose_name(id: u8) -> Option<&'static str> {
    table().iter().find(|(i, _, _)| *i == id).map(|(_, n, _)| n.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_is_embedded_and_follows_the_taxonomy_tree() {
        assert_eq!(table().len(), 11);
        assert_eq!(tcf_purposes_for("marketing.advertising.first_party.targeted"), vec![4]);
        assert_eq!(tcf_purposes_for("personalize.content.profiled"), vec![6]);
        assert_eq!(tcf_purposes_for("analytics.reporting.campaign_insights"), vec![9]);
        assert_eq!(tcf_purposes_for("marketing.advertising"), vec![2, 3, 4], "a broader purpose needs every TCF purpose under it");
        assert!(tcf_purposes_for("train_ai_system").is_empty());
        assert!(tcf_purposes_for("marketing.advertisingx").is_empty(), "prefixes end at a dot");
        assert_eq!(tcf_purpose_name(1), Some("Store and/or access information on a device"));
    }
}

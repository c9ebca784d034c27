// Shared by the model-loader targets: read under tight limits (so the fuzzer explores the
// checks, not the size of what it can build), then predict and explain a row of zeros and a
// row of NaNs: whatever is accepted must be safe to use.

use custos_explain::{Limits, Model, ShapMode};

pub fn exercise(data: &[u8]) {
    let limits = Limits { max_depth: 32, max_nodes: 20_000, max_leaves: 10_000, max_features: 1_000, max_outputs: 16, table_bytes: 1 << 20 };
    let Ok(model) = Model::parse_with(data, &limits) else { return };
    let n = model.feature_names().len();
    model.prepare();
    for row in [vec![0.0; n], vec![f64::NAN; n]] {
        let _ = model.predict(&row);
        let _ = model.shap(&row, ShapMode::PathDependent, &[]);
        let _ = model.shap(&row, ShapMode::Interventional, &[vec![1.0; n]]);
        let _ = model.shap_many(std::slice::from_ref(&row));
    }
}

//! The house rules of `docs/ARCHITECTURE.md`, checked over `cargo metadata` (cargo-deny is not
//! installed here): engines do no I/O, only the service reaches the store, the store knows
//! nothing of the service, and OpenAPI belongs to the server.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Crates that compute and never touch a database, a socket or a runtime.
const ENGINES: &[&str] = &[
    "custos-core",
    "custos-policy",
    "custos-authz",
    "custos-govern",
    "custos-ledger",
    "custos-pii",
    "custos-fairness",
    "custos-explain",
    "custos-tabular",
    "custos-consent-signals",
];

/// Packages an engine must not reach, even through another crate.
const IO: &[&str] = &["tokio", "sqlx", "sqlx-core", "axum", "hyper", "rusqlite", "reqwest"];

/// The dependency graph of the workspace as cargo resolved it.
struct Graph {
    /// Package id -> name.
    names: BTreeMap<String, String>,
    /// Package id -> (dependency id, kinds: "normal", "dev", "build").
    edges: BTreeMap<String, Vec<(String, Vec<String>)>>,
    /// Workspace member name -> package id.
    members: BTreeMap<String, String>,
}

impl Graph {
    fn load() -> Self {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
        // This machine's platform only: what other platforms would pull in is neither built here
        // nor downloaded, and `--offline` must not need it.
        let rustc = std::process::Command::new("rustc").arg("-vV").output().expect("rustc -vV");
        let host = String::from_utf8_lossy(&rustc.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
            .expect("rustc names its host");
        let out = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", &host, "--manifest-path", manifest])
            .output()
            .expect("run cargo metadata");
        assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
        let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
        let names: BTreeMap<String, String> = meta["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .map(|p| (p["id"].as_str().expect("id").to_owned(), p["name"].as_str().expect("name").to_owned()))
            .collect();
        let members = meta["workspace_members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|id| {
                let id = id.as_str().expect("id").to_owned();
                (names[&id].clone(), id)
            })
            .collect();
        let edges = meta["resolve"]["nodes"]
            .as_array()
            .expect("resolve")
            .iter()
            .map(|node| {
                let deps = node["deps"]
                    .as_array()
                    .expect("deps")
                    .iter()
                    .map(|d| {
                        let kinds = d["dep_kinds"]
                            .as_array()
                            .expect("dep_kinds")
                            .iter()
                            .map(|k| k["kind"].as_str().unwrap_or("normal").to_owned())
                            .collect();
                        (d["pkg"].as_str().expect("pkg").to_owned(), kinds)
                    })
                    .collect();
                (node["id"].as_str().expect("id").to_owned(), deps)
            })
            .collect();
        Self { names, edges, members }
    }

    fn id(&self, member: &str) -> &str {
        self.members.get(member).unwrap_or_else(|| panic!("{member} is not a workspace member"))
    }

    /// Direct dependencies of `id` of any kind.
    fn direct(&self, id: &str) -> impl Iterator<Item = &str> {
        self.edges[id].iter().map(|(dep, _)| dep.as_str())
    }

    /// Everything `from` pulls in at build and run time (normal and build edges, not dev),
    /// with the path that reaches it.
    fn reach(&self, from: &str) -> BTreeMap<String, Vec<String>> {
        let mut seen = BTreeMap::new();
        let mut stack = vec![(from.to_owned(), vec![self.names[from].clone()])];
        while let Some((id, path)) = stack.pop() {
            for (dep, kinds) in &self.edges[&id] {
                if kinds.iter().all(|k| k == "dev") || seen.contains_key(dep) {
                    continue;
                }
                let mut path = path.clone();
                path.push(self.names[dep].clone());
                seen.insert(dep.clone(), path.clone());
                stack.push((dep.clone(), path));
            }
        }
        seen
    }

    /// Who among the workspace members names the package `target` as a dependency of any kind.
    fn dependents(&self, target: &str) -> BTreeSet<String> {
        let ids: BTreeSet<&str> = self.names.iter().filter(|(_, name)| *name == target).map(|(id, _)| id.as_str()).collect();
        self.members.iter().filter(|(_, id)| self.direct(id).any(|d| ids.contains(d))).map(|(name, _)| name.clone()).collect()
    }
}

#[test]
fn engines_do_no_io() {
    let graph = Graph::load();
    let mut broken = Vec::new();
    for engine in ENGINES {
        for (dep, path) in graph.reach(graph.id(engine)) {
            if IO.contains(&graph.names[&dep].as_str()) {
                broken.push(path.join(" -> "));
            }
        }
    }
    assert!(broken.is_empty(), "engines must not reach I/O crates:\n{}", broken.join("\n"));
}

#[test]
fn only_the_service_reaches_the_store() {
    let graph = Graph::load();
    let dependents = graph.dependents("custos-store");
    assert_eq!(dependents, BTreeSet::from(["custos-service".to_owned()]), "custos-store is the service's alone");
}

#[test]
fn the_store_knows_nothing_of_the_service() {
    let graph = Graph::load();
    let service = graph.id("custos-service").to_owned();
    let store = graph.id("custos-store");
    // Its tests included: a dev-dependency that reaches the service would make the store's
    // tests exercise the service.
    for dep in graph.direct(store) {
        let reach = graph.reach(dep);
        assert!(dep != service && !reach.contains_key(&service), "custos-store reaches custos-service: {:?}", reach.get(&service));
    }
}
#[test]
fn openapi_lives_in_the_server() {
    let graph = Graph::load();
    let dependents = graph.dependents("utoipa");
    assert_eq!(dependents, BTreeSet::from(["custos-server".to_owned()]), "OpenAPI derives belong to the server's DTO module");
}

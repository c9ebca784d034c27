//! Test support, used only as a dev-dependency: each test gets its own database on either
//! backend (a SQLite file in a temporary directory, or a fresh schema in the PostgreSQL
//! database named by `CUSTOS_TEST_DATABASE_URL`) and, if it wants, the real HTTP server on an
//! ephemeral port with an admin key.
//!
//! [`backend_tests!`] turns one async story `async fn name(backend: Backend)` into one test per
//! backend. When `CI` is set and `CUSTOS_TEST_DATABASE_URL` is not, the PostgreSQL tests fail
//! instead of silently skipping.

use custos_service::{KeyIssuer, Scope, Service, ServiceConfig, StoreOptions, keys::ApiKeyInput};

pub use custos_testdb::{Backend, backend_tests, find_in_files, postgres_url};

/// One test's private database (see `custos-testdb`), with the options to open custos on it.
pub struct TestDb {
    /// How to open it.
    pub options: StoreOptions,
    db: custos_testdb::TestDatabase,
}

impl std::ops::Deref for TestDb {
    type Target = custos_testdb::TestDatabase;

    fn deref(&self) -> &Self::Target {
        &self.db
    }
}

impl TestDb {
    /// Creates an empty database on `backend`. Returns `None` for PostgreSQL when it is not
    /// configured (outside CI).
    pub async fn new(backend: Backend) -> Option<Self> {
        let db = custos_testdb::TestDatabase::new(backend).await?;
        Some(Self { options: StoreOptions::new(db.url.clone(), db.master_key_file.clone()), db })
    }

    /// `--database-url ... --master-key-file ...` for running the `custos` binary on this database.
    pub fn cli_args(&self) -> Vec<String> {
        vec![
            "--database-url".into(),
            self.options.database_url.clone(),
            "--master-key-file".into(),
            self.options.master_key_file.display().to_string(),
        ]
    }

    /// Opens a service on this database. Decisions may name unregistered models here (as
    /// with `--allow-unregistered-models`): the stories of other features log decisions under
    /// made-up model names. The approval stories use [`TestDb::strict_service`].
    pub async fn service(&self) -> Service {
        // Tests receive webhooks on loopback, which production refuses unless allow-listed.
        let config =
            ServiceConfig { webhook_allow_hosts: vec!["127.0.0.1".into()], allow_unregistered_models: true, ..ServiceConfig::default() };
        Service::open(&self.options, config).await.expect("open service")
    }

    /// Opens a service with the production default: decisions naming an unregistered model
    /// are refused.
    pub async fn strict_service(&self) -> Service {
        let config = ServiceConfig { webhook_allow_hosts: vec!["127.0.0.1".into()], ..ServiceConfig::default() };
        Service::open(&self.options, config).await.expect("open service")
    }
}

/// Approves a registered model version through the real sign-off: a new owner account is
/// made its owner and asks; new legal and compliance accounts sign. Returns the approval id.
pub async fn approve_model(service: &Service, model_id: &str) -> String {
    use custos_core::{Role, Verdict};
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let mut people = Vec::new();
    for role in [Role::ModelOwner, Role::Legal, Role::Compliance] {
        let email = format!("{}-{tag}@test.custos", role.as_str());
        let (user_id, _) = service.staff().create_user(&email, &[role], None).await.expect("staff");
        people.push(custos_service::staff::StaffIdentity { user_id, email, roles: vec![role] });
    }
    service
        .models()
        .update(model_id, custos_service::lifecycle::ModelUpdate { owner: Some(people[0].email.clone()), ..Default::default() }, "test")
        .await
        .expect("owner");
    let request = service
        .approvals()
        .request(custos_service::approvals::ApprovalInput { model_id: model_id.into(), ..Default::default() }, &people[0])
        .await
        .expect("request");
    let id = request.approval.approval_id;
    for (who, role) in [(&people[1], Role::Legal), (&people[2], Role::Compliance)] {
        service
            .approvals()
            .sign(&id, custos_service::approvals::SignOffInput { verdict: Verdict::Approve, role, comment: "validated".into() }, who)
            .await
            .expect("sign");
    }
    id
}

/// The real HTTP server on an ephemeral port, with an admin API key.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// An API key with scope `all`.
    pub admin_key: String,
    /// The service behind the server.
    pub service: Service,
    /// An HTTP client.
    pub client: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The database (dropped last).
    pub db: TestDb,
}

impl TestServer {
    /// Starts a server on a fresh database; `None` if the backend is not configured.
    pub async fn start(backend: Backend) -> Option<Self> {
        Self::start_with(backend, |state| state).await
    }

    /// Like [`TestServer::start`], with the app state adjusted by `configure` (e.g. Presidio's paths).
    pub async fn start_with(backend: Backend, configure: impl FnOnce(custos_server::AppState) -> custos_server::AppState) -> Option<Self> {
        Self::start_full(backend, configure, custos_server::ServeOptions::default()).await
    }

    /// Like [`TestServer::start`], with connection limits and timeouts of its own.
    pub async fn start_with_options(backend: Backend, options: custos_server::ServeOptions) -> Option<Self> {
        Self::start_full(backend, |state| state, options).await
    }

    /// Like [`TestServer::start`], with the production default for models: decisions naming
    /// an unregistered model are refused (see [`TestDb::strict_service`]).
    pub async fn start_strict(backend: Backend) -> Option<Self> {
        Self::start_on(backend, |state| state, custos_server::ServeOptions::default(), true).await
    }

    async fn start_full(
        backend: Backend,
        configure: impl FnOnce(custos_server::AppState) -> custos_server::AppState,
        options: custos_server::ServeOptions,
    ) -> Option<Self> {
        Self::start_on(backend, configure, options, false).await
    }

    async fn start_on(
        backend: Backend,
        configure: impl FnOnce(custos_server::AppState) -> custos_server::AppState,
        options: custos_server::ServeOptions,
        strict: bool,
    ) -> Option<Self> {
        let db = TestDb::new(backend).await?;
        let service = if strict { db.strict_service().await } else { db.service().await };
        let admin = service
            .keys()
            .create(ApiKeyInput { scopes: vec![Scope::All], label: "test admin".into(), ..Default::default() }, KeyIssuer::Host)
            .await
            .expect("admin key");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = configure(custos_server::AppState::new(service.clone()));
        let task = tokio::spawn(async move {
            let _ = custos_server::serve_with(listener, state, options, async {
                let _ = rx.await;
            })
            .await;
        });
        Some(Self {
            base_url,
            admin_key: admin.key.expect("key").expose().to_owned(),
            service,
            client: reqwest::Client::new(),
            shutdown: Some(tx),
            task: Some(task),
            db,
        })
    }

    /// Creates an API key with the given scopes (names of today or of 0.1) and returns it.
    pub async fn key(&self, scopes: &[&str]) -> String {
        let scopes = scopes.iter().flat_map(|s| Scope::expand(s).expect("a scope name")).collect();
        let view = self
            .service
            .keys()
            .create(ApiKeyInput { scopes, label: "test".into(), ..Default::default() }, KeyIssuer::Host)
            .await
            .expect("key");
        view.key.expect("key").expose().to_owned()
    }

    /// Creates a staff account with `roles` and returns a personal access token for it with
    /// `scopes` (what `custos admin create-user-token` mints).
    pub async fn person(&self, email: &str, roles: &[custos_core::Role], scopes: &[&str]) -> String {
        self.service.staff().create_user(email, roles, Some("a long enough password".into())).await.expect("staff account");
        let scopes = scopes.iter().flat_map(|s| Scope::expand(s).expect("a scope name")).collect();
        let view = self.service.keys().create_user_token(email, scopes, 1).await.expect("personal token");
        view.key.expect("key").expose().to_owned()
    }

    /// Sends `method path` with an optional JSON body as `key`; returns status and JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base_url));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    /// `POST path` with a JSON body as the admin.
    pub async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::POST, path, Some(&self.admin_key.clone()), Some(body)).await
    }

    /// `GET path` as the admin.
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::GET, path, Some(&self.admin_key.clone()), None).await
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) -> TestDb {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.service.close().await;
        let Self { db, .. } = self;
        db
    }
}

/// A cookie-keeping HTTP client for the web pages (no redirects followed, so tests see them).
pub struct Browser {
    /// The client.
    pub client: reqwest::Client,
    base: String,
    /// The session cookie (`name=value`), once set.
    pub cookie: Option<String>,
    /// Headers sent with every request (e.g. `Sec-GPC: 1`, `Accept-Language`).
    pub headers: Vec<(String, String)>,
}

impl Browser {
    /// A browser for `s`.
    pub fn new(s: &TestServer) -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { client, base: s.base_url.clone(), cookie: None, headers: Vec::new() }
    }

    /// `GET path`: status, body, `Location`.
    pub async fn get(&self, path: &str) -> (u16, String, Option<String>) {
        let mut req = self.client.get(format!("{}{path}", self.base));
        for (name, value) in &self.headers {
            req = req.header(name.as_str(), value.as_str());
        }
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
        (status, resp.text().await.expect("body"), location)
    }

    /// Signs in to the console (and keeps the session cookie).
    pub async fn login(&mut self, email: &str, password: &str) {
        let (status, page, _) = self.post("/console/login", &[("email", email), ("password", password)]).await;
        assert_eq!(status, 303, "console sign-in failed: {page}");
    }

    /// The CSRF token of the form on the page at `path`.
    pub async fn csrf(&self, path: &str) -> String {
        let (_, page, _) = self.get(path).await;
        page.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_owned()
    }

    /// `POST path` with a form: status, body, `Location`; keeps a `Set-Cookie`.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(urlencoded(form));
        for (name, value) in &self.headers {
            req = req.header(name.as_str(), value.as_str());
        }
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        if let Some(set) = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()) {
            let pair = set.split(';').next().unwrap_or("").to_owned();
            self.cookie = if pair.ends_with('=') { None } else { Some(pair) };
        }
        let location = resp.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
        (status, resp.text().await.expect("body"), location)
    }
}

/// `application/x-www-form-urlencoded` (reqwest's form feature is not enabled).
pub fn urlencoded(form: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// Hostile inputs shared by the security tests.
pub mod hostile {
    use serde_json::json;

    /// An XGBoost JSON model of one tree from its child arrays (a node is a leaf when its left
    /// child is negative), splitting on `features` features in turn.
    pub fn xgboost_tree(left: &[i64], right: &[i64], features: usize) -> String {
        let n = left.len();
        let split_indices: Vec<i64> = (0..n).map(|i| (i % features) as i64).collect();
        let conditions: Vec<f64> = (0..n).map(|i| if left[i] < 0 { 0.25 } else { 0.5 }).collect();
        let tree = json!({
            "left_children": left, "right_children": right, "split_indices": split_indices,
            "split_conditions": conditions, "default_left": vec![1; n], "sum_hessian": vec![1.0; n],
            "split_type": vec![0; n], "categories": [], "categories_nodes": [], "categories_segments": [],
            "categories_sizes": [], "base_weights": vec![0.0; n], "loss_changes": vec![0.0; n], "parents": vec![0; n], "id": 0,
        });
        json!({"learner": {
            "feature_names": [], "feature_types": [],
            "gradient_booster": {"name": "gbtree", "model": {"trees": [tree], "tree_info": [0]}},
            "learner_model_param": {"base_score": "5E-1", "num_class": "0", "num_feature": features.to_string()},
            "objective": {"name": "binary:logistic"}
        }, "version": [2, 0, 0]})
        .to_string()
    }

    /// A chain `depth` splits deep: split `2k` has leaf `2k+1` on the left and split `2k+2`.
    pub fn xgboost_chain(depth: usize) -> String {
        let mut left = Vec::with_capacity(2 * depth + 1);
        let mut right = Vec::with_capacity(2 * depth + 1);
        for k in 0..depth {
            left.extend([(2 * k + 1) as i64, -1]);
            right.extend([(2 * k + 2) as i64, -1]);
        }
        left.push(-1);
        right.push(-1);
        xgboost_tree(&left, &right, 4)
    }

    /// `depth` splits whose two children are both the next split: 2^depth paths in a small file.
    pub fn xgboost_shared(depth: usize) -> String {
        let mut left: Vec<i64> = (1..=depth as i64).collect();
        let mut right = left.clone();
        left.push(-1);
        right.push(-1);
        xgboost_tree(&left, &right, 4)
    }
}

/// The text of a PDF, as `pdftotext` (Debian's poppler-utils) reads it back in reading order,
/// every run of whitespace (line breaks inside table cells included) made one space.
pub fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}

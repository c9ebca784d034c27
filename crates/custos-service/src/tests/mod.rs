//! The service's own tests: stories that need the service and a look inside the store (its
//! private `store` field), on both backends through `custos-testdb`.

mod erasure;
mod ledger;
mod lifecycle;
mod privacy;
mod story;

use custos_testdb::{Backend, TestDatabase};

use crate::{Service, ServiceConfig, StoreOptions};

/// A private database with the options to open the service on it.
pub(crate) struct TestDb {
    pub(crate) options: StoreOptions,
    db: TestDatabase,
}

impl std::ops::Deref for TestDb {
    type Target = TestDatabase;

    fn deref(&self) -> &TestDatabase {
        &self.db
    }
}

impl TestDb {
    pub(crate) async fn new(backend: Backend) -> Option<Self> {
        let db = TestDatabase::new(backend).await?;
        Some(Self { options: StoreOptions::new(db.url.clone(), db.master_key_file.clone()), db })
    }

    pub(crate) async fn service(&self) -> Service {
        // Decisions here name made-up models (as `--allow-unregistered-models` allows); the
        // approval stories run over HTTP with the production default.
        Service::open(&self.options, ServiceConfig { allow_unregistered_models: true, ..ServiceConfig::default() })
            .await
            .expect("open service")
    }
}

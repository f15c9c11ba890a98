//! A fresh PostgreSQL schema per test, dropped afterwards, so tests never see each other's rows.

/// The server tests may use, from `MINIPLAT_TEST_POSTGRES_URL`.
pub fn admin_url() -> Option<String> {
    std::env::var("MINIPLAT_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

pub struct TestSchema {
    pub name: String,
    /// The admin URL with `search_path` set to this schema.
    pub url: String,
    admin_url: String,
}

impl TestSchema {
    pub async fn create() -> Self {
        let admin_url = admin_url().expect("MINIPLAT_TEST_POSTGRES_URL is set for Postgres tests");
        let name = format!("t_{}", miniplat_crypto::random::hex(8));
        let (url, create) = (admin_url.clone(), format!("CREATE SCHEMA {name}"));
        tokio::task::spawn_blocking(move || {
            let mut client = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap_or_else(|e| {
                panic!("MINIPLAT_TEST_POSTGRES_URL is set but the server is unreachable: {e}")
            });
            client.batch_execute(&create).expect("schema is created");
        })
        .await
        .expect("schema task");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-c%20search_path%3D{name}");
        Self { name, url, admin_url }
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let (url, drop) = (self.admin_url.clone(), format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        // Runs on a plain thread: Drop may be called inside the async runtime.
        let _ = std::thread::spawn(move || {
            if let Ok(mut client) = ::postgres::Client::connect(&url, ::postgres::NoTls) {
                let _ = client.batch_execute(&drop);
            }
        })
        .join();
    }
}

//! Tier 3: the built `miniplat` binary — started, used through its CLI and over HTTP, stopped
//! with SIGTERM, restarted — with nothing lost. Runs on SQLite, and on PostgreSQL when
//! `MINIPLAT_TEST_POSTGRES_URL` is set.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_miniplat");

struct Server {
    child: Child,
    base_url: String,
    log: PathBuf,
}

impl Server {
    fn start(data_dir: &Path, database_url: Option<&str>, log: PathBuf) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = Command::new(BIN);
        command.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"]).arg(data_dir);
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        let log_file = std::fs::OpenOptions::new().create(true).append(true).open(&log).unwrap();
        let child = command
            .env_remove("MINIPLAT_DATABASE_URL")
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .expect("miniplat starts");
        let server = Self { child, base_url: format!("http://127.0.0.1:{port}"), log };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(response) = reqwest::blocking::get(format!("{}/healthz", self.base_url)) {
                if response.status().is_success() {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "server did not become healthy; log:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// SIGTERM, then the process must exit 0 within 10 seconds.
    fn stop(mut self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status}");
                return;
            }
            assert!(Instant::now() < deadline, "server did not stop within 10 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_remove("MINIPLAT_SERVER")
        .env_remove("MINIPLAT_API_KEY")
        .env_remove("MINIPLAT_DATABASE_URL");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("miniplat runs")
}

fn json_of(output: &Output) -> Value {
    assert!(output.status.success(), "command failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

fn wx(base: &str, path: &str, body: Option<Value>) -> Value {
    let client = reqwest::blocking::Client::new();
    let response = match body {
        Some(body) => client.post(format!("{base}{path}")).json(&body).send().unwrap(),
        None => client.get(format!("{base}{path}")).send().unwrap(),
    };
    assert_eq!(response.status(), 200);
    response.json().unwrap()
}

fn lifecycle(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let log = dir.path().join("server.log");
    let mut db_args = vec!["--data-dir", data_arg];
    if let Some(url) = database_url {
        db_args.extend(["--database-url", url]);
    }

    let migrated = cli(&[&["migrate", "--json"][..], &db_args].concat(), &[]);
    assert_eq!(json_of(&migrated), json!({ "migrated": true }));

    let server = Server::start(&data, database_url, log.clone());
    let startup = std::fs::read_to_string(&log).unwrap();
    assert!(startup.contains("/console/link/"), "first start prints a one-time sign-in link: {startup}");
    assert_eq!(
        std::fs::metadata(data.join("master.key"))
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
            .unwrap(),
        0o600
    );

    let created = json_of(&cli(
        &[&["admin", "developer", "create", "--email", "dev@example.com", "--json"][..], &db_args].concat(),
        &[],
    ));
    let api_key = created["api_key"].as_str().unwrap().to_owned();
    let env = [("MINIPLAT_SERVER", server.base_url.as_str()), ("MINIPLAT_API_KEY", api_key.as_str())];
    let app = json_of(&cli(&["app", "create", "--name", "Binary Shop", "--json"], &env));
    let appid = app["appid"].as_str().unwrap().to_owned();
    let secret = app["secret"].as_str().unwrap().to_owned();

    // `login` stores credentials for later commands.
    let config_dir = dir.path().join("cli");
    let config_env = [("MINIPLAT_CONFIG_DIR", config_dir.to_str().unwrap())];
    let login = cli(&["login", "--server", &server.base_url, "--api-key", &api_key], &config_env);
    assert!(login.status.success(), "{}", String::from_utf8_lossy(&login.stderr));
    let listed = json_of(&cli(&["app", "list", "--json"], &config_env));
    assert_eq!(listed["apps"][0]["appid"], appid.as_str());
    let human = cli(&["app", "show", &appid], &config_env);
    assert!(String::from_utf8_lossy(&human.stdout).contains("Binary Shop"));
    upload_and_list(&server.base_url, &api_key, &appid, dir.path(), &config_env);

    let token = wx(
        &server.base_url,
        &format!("/cgi-bin/token?grant_type=client_credential&appid={appid}&secret={secret}"),
        None,
    );
    let access = token["access_token"].as_str().unwrap().to_owned();
    let quota_path = format!("/cgi-bin/openapi/quota/get?access_token={access}");
    for _ in 0..3 {
        assert_eq!(
            wx(&server.base_url, &quota_path, Some(json!({"cgi_path": "/cgi-bin/token"})))["errcode"],
            0
        );
    }
    server.stop();

    // Restarted: the token, the app and every counted call are still there.
    let server = Server::start(&data, database_url, log.clone());
    let usage = wx(&server.base_url, &quota_path, Some(json!({"cgi_path": "/cgi-bin/openapi/quota/get"})));
    assert_eq!(
        usage["quota"]["used"], 4,
        "calls counted before the restart were flushed at shutdown: {usage}"
    );
    let env = [("MINIPLAT_SERVER", server.base_url.as_str()), ("MINIPLAT_API_KEY", api_key.as_str())];
    let reset = json_of(&cli(&["app", "secret", "reset", &appid, "--json"], &env));
    assert_ne!(reset["secret"], secret.as_str());
    assert_eq!(
        wx(&server.base_url, &quota_path, Some(json!({"cgi_path": "/cgi-bin/token"})))["errcode"],
        40001
    );

    // Errors are clear and exit non-zero.
    let missing = cli(&["app", "show", "wx0000000000000000"], &env);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("mini program not found"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    let anonymous =
        cli(&["app", "list"], &[("MINIPLAT_CONFIG_DIR", dir.path().join("empty").to_str().unwrap())]);
    assert!(!anonymous.status.success());
    assert!(String::from_utf8_lossy(&anonymous.stderr).contains("not signed in"));
    let duplicate =
        cli(&[&["admin", "developer", "create", "--email", "DEV@example.com"][..], &db_args].concat(), &[]);
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already used"));
    server.stop();

    let logged = std::fs::read_to_string(&log).unwrap();
    for secret_value in [&secret, &access, &api_key] {
        assert!(!logged.contains(secret_value.as_str()), "a secret reached the server log");
    }
}

/// `app upload` (API key and upload key) and `app versions`; a broken project exits non-zero
/// with file:line:col diagnostics.
fn upload_and_list(base: &str, api_key: &str, appid: &str, dir: &Path, env: &[(&str, &str)]) {
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let shop = shop.to_str().unwrap();
    let args =
        ["app", "upload", "--appid", appid, "--project", shop, "--version", "1.0.0", "--desc", "first"];
    let uploaded = json_of(&cli(&[&args[..], &["--json"]].concat(), env));
    assert!(!uploaded["report"]["privacy_uses"].as_array().unwrap().is_empty(), "{uploaded}");
    let human = cli(&args, env);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(human.status.success() && text.contains("Privacy-relevant APIs used"), "{text}");

    let created: Value = reqwest::blocking::Client::new()
        .post(format!("{base}/api/v1/apps/{appid}/upload-keys"))
        .bearer_auth(api_key)
        .json(&json!({ "label": "CI" }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let key_file = dir.join("upload.key");
    std::fs::write(&key_file, created["upload_key"].as_str().unwrap()).unwrap();
    let robot_args = ["--robot", "7", "--key-file", key_file.to_str().unwrap(), "--server", base, "--json"];
    let by_robot = json_of(&cli(&[&args[..], &robot_args[..]].concat(), &[]));
    assert_eq!(by_robot["uploader"]["robot"], 7);

    let listed = json_of(&cli(&["app", "versions", appid, "--json"], env));
    assert_eq!(listed["versions"].as_array().unwrap().len(), 2, "{listed}");
    let human = cli(&["app", "versions", appid], env);
    assert!(String::from_utf8_lossy(&human.stdout).contains("robot 7"));

    let broken = dir.join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("app.json"), "{\n  \"pages\": [\"pages/index/index\"]\n}\n").unwrap();
    let refused = cli(
        &["app", "upload", "--appid", appid, "--project", broken.to_str().unwrap(), "--version", "1"],
        env,
    );
    assert!(!refused.status.success());
    let text = String::from_utf8_lossy(&refused.stdout);
    assert!(text.contains("app.json:"), "diagnostics name file:line:col: {text}");
}

#[test]
fn binary_lifecycle_on_sqlite() {
    lifecycle(None);
}

#[test]
fn binary_lifecycle_on_postgres() {
    let Ok(admin_url) = std::env::var("MINIPLAT_TEST_POSTGRES_URL") else {
        eprintln!("MINIPLAT_TEST_POSTGRES_URL is not set: skipping the PostgreSQL lifecycle");
        return;
    };
    let schema = format!("bin_{}", std::process::id());
    let mut client = postgres::Client::connect(&admin_url, postgres::NoTls)
        .expect("the test PostgreSQL server is reachable");
    client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{separator}options=-c%20search_path%3D{schema}");
    lifecycle(Some(&url));
    client.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).unwrap();
}

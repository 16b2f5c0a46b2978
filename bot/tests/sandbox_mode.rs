//! `medcab sandbox` as a newcomer meets it: the banner, the portals' API
//! with its printed key, and a restart that keeps the sandbox's users.

mod common;
use common::{free_addr, url_of};

use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use medcab_sandbox::{Client, NewUser};
use sqlx::PgPool;

const MEDCAB: &str = env!("CARGO_BIN_EXE_medcab");

/// A running `medcab sandbox` and what it printed up to its banner's end.
struct Running {
    child: Child,
    banner: String,
}

fn start(database_url: &str, data_dir: &std::path::Path, extra: &[&str]) -> (Running, String) {
    let addr = free_addr();
    let api_addr = free_addr();
    let mut child = Command::new(MEDCAB)
        .args([
            "sandbox",
            "--addr",
            &addr,
            "--api-addr",
            &api_addr,
            "--data-dir",
        ])
        .arg(data_dir)
        .args(extra)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        // Read to the end, so the sandbox never writes into a closed pipe.
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut banner = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(line) => {
                banner.push_str(&line);
                banner.push('\n');
                if line.contains("Press Ctrl+C to stop") {
                    break;
                }
            }
            Err(_) => {
                let _ = child.kill();
                panic!("no banner within 60 s; printed:\n{banner}");
            }
        }
    }
    (Running { child, banner }, format!("http://{addr}"))
}

/// A test that fails half-way leaves no sandbox running (it would hold
/// the test's database, and the next run could not drop it).
impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Running {
    fn line_with(&self, text: &str) -> &str {
        self.banner
            .lines()
            .find(|line| line.contains(text))
            .unwrap_or_else(|| panic!("no {text:?} in the banner:\n{}", self.banner))
    }

    fn api_key(&self) -> String {
        let line = self.line_with("key: ");
        line.rsplit("key: ").next().unwrap().trim().to_owned()
    }

    fn api_url(&self) -> String {
        let line = self.line_with("API:");
        line.split_whitespace().nth(1).unwrap().to_owned()
    }

    fn stop(&mut self) {
        match common::terminate(&mut self.child) {
            Some(status) => assert!(status.success(), "the sandbox stops cleanly: {status}"),
            None => panic!("the sandbox did not stop within 45 s"),
        }
    }
}

#[sqlx::test(migrations = false)]
async fn the_sandbox_serves_the_api_and_keeps_its_users_across_a_restart(db: PgPool) {
    let database_url = url_of(&db).await;
    let data_dir = std::env::temp_dir().join(format!("medcab-sandbox-mode-{}", uuid()));

    let (mut sandbox, web) = start(&database_url, &data_dir, &[]);
    // Both demo practitioners, the database and a ready grant line.
    for expected in [
        "Иванова Анна Сергеевна",
        "+79991234567",
        "112-233-445 95",
        "Петров Пётр Иванович",
        "+79997654321",
        "128-459-363 89",
    ] {
        sandbox.line_with(expected);
    }
    sandbox.line_with(&format!("Database:  {database_url}"));
    assert!(
        sandbox
            .line_with("admin grant-operator")
            .contains(&format!("DATABASE_URL='{database_url}'")),
        "{}",
        sandbox.banner
    );
    // The API answers, and only with the printed key.
    let api = format!(
        "{}/login-confirmations/5f0c0e3c-8a2b-4b7e-9f3e-2d1c0b9a8f7e",
        sandbox.api_url()
    );
    let anonymous = reqwest::get(&api).await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let key = sandbox.api_key();
    let with_key = reqwest::Client::new()
        .get(&api)
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(with_key.status().as_u16(), 404);

    let client = Client::new(web.clone());
    let anna = client
        .create_user(NewUser::named("Анна").with_language("ru"))
        .await
        .unwrap();
    client.send_text(anna.id, "/start").await.unwrap();
    client
        .wait_for(anna.id, |chat| chat.last_bot_message().is_some())
        .await
        .unwrap();
    sandbox.stop();

    // Started again: the same user and chat, the same key, and the grant
    // line names her.
    let (mut sandbox, web) = start(&database_url, &data_dir, &[]);
    let client = Client::new(web);
    assert_eq!(client.users().await.unwrap(), vec![anna.clone()]);
    let chat = client.chat(anna.id).await.unwrap();
    assert!(
        chat.bot_messages()
            .any(|m| m.body().starts_with("Здравствуйте, Анна!")),
        "{chat:#?}"
    );
    assert_eq!(sandbox.api_key(), key);
    assert!(
        sandbox
            .line_with("admin grant-operator")
            .ends_with(&format!("grant-operator {}", anna.id))
    );
    sandbox.stop();

    // --reset: no users, a new key.
    let (mut sandbox, web) = start(&database_url, &data_dir, &["--reset"]);
    assert!(Client::new(web).users().await.unwrap().is_empty());
    assert_ne!(sandbox.api_key(), key);
    sandbox.stop();
    let _ = std::fs::remove_dir_all(&data_dir);
    // The stopped sandbox's sessions end on the server a moment after it
    // exits; end them now, or dropping the test's database races them.
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&db)
    .await
    .unwrap();
}

fn uuid() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

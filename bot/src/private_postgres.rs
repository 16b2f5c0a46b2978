//! A PostgreSQL of our own, for `medcab sandbox` on a machine where none is
//! configured: the installed server binaries, data in a local folder, a free
//! port on 127.0.0.1, trust authentication, stopped on exit.
//!
//! PostgreSQL refuses to run as root, so as root the server runs as the
//! `postgres` user (which Debian's packages create) and owns its folder.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use tokio::process::Command;

pub struct PrivatePostgres {
    data_dir: PathBuf,
    bin_dir: PathBuf,
    port: u16,
    run_as: Option<&'static str>,
}

impl PrivatePostgres {
    /// Starts a server on `data_dir`, creating the cluster on first use, and
    /// makes sure `database` exists.
    pub async fn start(data_dir: &Path, database: &str) -> anyhow::Result<PrivatePostgres> {
        let bin_dir = find_bin_dir()?;
        let data_dir = std::path::absolute(data_dir)?;
        let run_as = running_as_root().then_some("postgres");
        let port = free_port()?;
        let server = PrivatePostgres {
            data_dir,
            bin_dir,
            port,
            run_as,
        };

        if !server.data_dir.join("PG_VERSION").exists() {
            server.init().await?;
        } else if server.pg_ctl(&["status"]).await.is_ok() {
            // Left running by a sandbox that was killed: it may hold another port.
            server.pg_ctl(&["stop", "-m", "fast", "-w"]).await?;
        }
        let options = format!(
            "-p {port} -k {dir} -c listen_addresses=127.0.0.1",
            dir = server.data_dir.display()
        );
        let log = server.data_dir.join("server.log");
        server
            .pg_ctl(&[
                "start",
                "-w",
                "-t",
                "60",
                "-l",
                &log.to_string_lossy(),
                "-o",
                &options,
            ])
            .await
            .with_context(|| format!("PostgreSQL did not start; see {}", log.display()))?;
        server.create_database(database).await?;
        Ok(server)
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    pub async fn stop(self) {
        if let Err(error) = self.pg_ctl(&["stop", "-m", "fast", "-w"]).await {
            tracing::warn!(%error, "cannot stop the private PostgreSQL");
        }
    }

    async fn init(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create {}", self.data_dir.display()))?;
        if let Some(user) = self.run_as {
            run(Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(&self.data_dir))
            .await?;
        }
        let initdb = self.bin_dir.join("initdb");
        let mut command = self.command(&initdb);
        command.arg("-D").arg(&self.data_dir).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        ]);
        run(&mut command).await.context("initdb failed")
    }

    async fn create_database(&self, database: &str) -> anyhow::Result<()> {
        use sqlx::Connection as _;
        let mut admin = sqlx::PgConnection::connect(&self.url("postgres")).await?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(database)
                .fetch_one(&mut admin)
                .await?;
        if !exists {
            // An identifier cannot be a bind parameter; the name is ours, not a user's.
            sqlx::query(&format!("CREATE DATABASE \"{database}\""))
                .execute(&mut admin)
                .await?;
        }
        Ok(())
    }

    async fn pg_ctl(&self, args: &[&str]) -> anyhow::Result<()> {
        let pg_ctl = self.bin_dir.join("pg_ctl");
        let mut command = self.command(&pg_ctl);
        command.arg("-D").arg(&self.data_dir).args(args);
        run(&mut command).await
    }

    fn command(&self, program: &Path) -> Command {
        match self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(program);
                command
            }
            None => Command::new(program),
        }
    }
}

async fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command
        .output()
        .await
        .with_context(|| format!("cannot run {command:?}"))?;
    if output.status.success() {
        Ok(())
    } else {
        bail!(
            "{:?} failed: {}",
            command.as_std().get_program(),
            String::from_utf8_lossy(&output.stderr).trim()
        )
    }
}

/// The newest installed server, as Debian lays them out.
fn find_bin_dir() -> anyhow::Result<PathBuf> {
    let mut candidates: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    candidates.sort();
    match candidates.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "no PostgreSQL server is installed (looked in /usr/lib/postgresql); \
             install it (apt-get install postgresql) or set DATABASE_URL"
        ),
    }
}

fn running_as_root() -> bool {
    // /proc/self belongs to the effective user of this process.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

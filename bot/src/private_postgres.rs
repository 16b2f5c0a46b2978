//! A PostgreSQL of our own, for `medcab sandbox` and for `scripts/test`
//! (through `medcab local-services`) on a machine where none is
//! configured: the installed server binaries (`initdb` on PATH, or the
//! newest of the usual install folders), data in a local folder, a free
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
        PrivatePostgres::start_with(data_dir, database, &[]).await
    }

    /// [`PrivatePostgres::start`] with server settings (`-c name=value`).
    pub async fn start_with(
        data_dir: &Path,
        database: &str,
        settings: &[&str],
    ) -> anyhow::Result<PrivatePostgres> {
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
        let mut options = format!(
            "-p {port} -k {dir} -c listen_addresses=127.0.0.1",
            dir = server.data_dir.display()
        );
        for setting in settings {
            options.push_str(" -c ");
            options.push_str(setting);
        }
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

    /// Stops a server left running on `data_dir` and removes the folder.
    pub async fn remove(data_dir: &Path) -> anyhow::Result<()> {
        if data_dir.join("PG_VERSION").exists() {
            let server = PrivatePostgres {
                data_dir: std::path::absolute(data_dir)?,
                bin_dir: find_bin_dir()?,
                port: 0,
                run_as: running_as_root().then_some("postgres"),
            };
            if server.pg_ctl(&["status"]).await.is_ok() {
                server.pg_ctl(&["stop", "-m", "fast", "-w"]).await?;
            }
        }
        match std::fs::remove_dir_all(data_dir) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => {
                Err(error).with_context(|| format!("cannot remove {}", data_dir.display()))
            }
        }
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

/// Where the server's programs are: `initdb` on PATH first (Homebrew,
/// Nix, Arch, Fedora, a source build), else the newest of the version
/// folders Debian and Ubuntu (`/usr/lib/postgresql/N/bin`) and the PGDG
/// packages for RHEL (`/usr/pgsql-N/bin`) install without touching PATH.
fn find_bin_dir() -> anyhow::Result<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) = on_path.into_iter().find(|dir| is_server_bin(dir)) {
        return Ok(dir);
    }
    let mut candidates: Vec<(u32, PathBuf)> = Vec::new();
    for (parent, prefix, suffix) in [
        ("/usr/lib/postgresql", "", "bin"),
        ("/usr", "pgsql-", "bin"),
    ] {
        for entry in std::fs::read_dir(parent).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let Some(version) = name
                .to_str()
                .and_then(|name| name.strip_prefix(prefix))
                .and_then(|version| version.parse().ok())
            else {
                continue;
            };
            let bin = entry.path().join(suffix);
            if is_server_bin(&bin) {
                candidates.push((version, bin));
            }
        }
    }
    candidates.sort();
    match candidates.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "no PostgreSQL server is installed (no initdb on PATH, in /usr/lib/postgresql \
             or /usr/pgsql-*); install it (apt-get install postgresql, dnf install \
             postgresql-server, brew install postgresql) or set DATABASE_URL"
        ),
    }
}

fn is_server_bin(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("pg_ctl").is_file()
}

fn running_as_root() -> bool {
    // /proc/self belongs to the effective user of this process.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

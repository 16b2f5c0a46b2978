//! A database of the run's own, on the server DATABASE_URL names.

use std::str::FromStr;

use anyhow::Context as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions as _, Connection as _, PgConnection, PgPool};

/// A database of its own for one run, made on the server of DATABASE_URL
/// and dropped at the end (unless kept).
pub struct ScratchDatabase {
    /// The server's maintenance connection (the database of DATABASE_URL).
    admin: PgConnectOptions,
    pub name: String,
    /// The scratch database's URL, for the bots.
    pub url: String,
}

impl ScratchDatabase {
    pub async fn create(database_url: &str) -> anyhow::Result<ScratchDatabase> {
        let admin = PgConnectOptions::from_str(database_url)
            .context("DATABASE_URL is malformed")?
            .disable_statement_logging();
        let name = format!("medcab_bench_{}", std::process::id());
        let mut connection = PgConnection::connect_with(&admin)
            .await
            .context("connecting to PostgreSQL (DATABASE_URL)")?;
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut connection)
            .await?;
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .with_context(|| format!("creating the database {name}"))?;
        connection.close().await?;
        let url = scratch_url(database_url, &name)?;
        Ok(ScratchDatabase { admin, name, url })
    }

    pub async fn pool(&self) -> anyhow::Result<PgPool> {
        let options = self.admin.clone().database(&self.name);
        PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .context("connecting to the scratch database")
    }

    pub async fn drop_database(&self) {
        let result = async {
            let mut connection = PgConnection::connect_with(&self.admin).await?;
            sqlx::raw_sql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut connection)
            .await?;
            connection.close().await
        }
        .await;
        if let Err(error) = result {
            eprintln!("could not drop the database {}: {error}", self.name);
        }
    }
}

/// DATABASE_URL with its database replaced by `name`.
fn scratch_url(database_url: &str, name: &str) -> anyhow::Result<String> {
    let mut url = reqwest::Url::parse(database_url).context("DATABASE_URL is malformed")?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

/// Runs `bench` with a scratch database and a work folder for the bots'
/// logs (`<temp>/<folder>_<pid>`), both dropped afterwards — also on
/// Ctrl+C or an error, when the logs are kept to look at — unless `keep`.
pub async fn run_in_scratch(
    database_url: &str,
    folder: &str,
    keep: bool,
    bench: impl AsyncFnOnce(&ScratchDatabase, &std::path::Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let scratch = ScratchDatabase::create(database_url).await?;
    let work_dir = std::env::temp_dir().join(format!("{folder}_{}", std::process::id()));
    std::fs::create_dir_all(&work_dir).context("creating the work directory")?;
    let outcome = tokio::select! {
        outcome = bench(&scratch, &work_dir) => outcome,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    if keep {
        eprintln!(
            "kept: database {} and the bots' logs in {}",
            scratch.name,
            work_dir.display()
        );
    } else {
        scratch.drop_database().await;
        if outcome.is_ok() {
            let _ = std::fs::remove_dir_all(&work_dir);
        } else {
            eprintln!("the bots' logs are in {}", work_dir.display());
        }
    }
    outcome
}

//! `gatehouse`: parses flags, opens the database and serves until SIGINT or SIGTERM.

use std::process::ExitCode;
use std::time::Duration;

use app::clock::Clock;
use app::ops::Actor;
use app::store::{KeySource, Store, StoreConfig};
use leptos::prelude::LeptosOptions;
use tracing_subscriber::EnvFilter;

use app::auth::session::CookiePolicy;
use server::bootstrap;
use server::capture::limits::ApiLimits;
use server::config::{
    AuditCommand, Cli, Command, ConfigCommand, LogFormat, OwnerCommand, Setting, UserCommand,
};
use server::{AppState, TrustedProxies};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Worker threads get 8 MiB of stack: rendering deep pages must never abort the server.
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

fn main() -> ExitCode {
    let (cli, settings) = match server::config::load_from(std::env::args_os()) {
        Ok(loaded) => loaded,
        Err(error) => error.exit(),
    };
    if let Some(Command::Config(ConfigCommand::Check)) = &cli.command {
        print_settings(&settings);
        return ExitCode::SUCCESS;
    }
    init_logging(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("gatehouse: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gatehouse: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `config check`: every effective setting, and where it came from.
fn print_settings(settings: &[Setting]) {
    let width = settings.iter().map(|s| s.key.len()).max().unwrap_or(0);
    for setting in settings {
        let value = if setting.value.is_empty() {
            "(unset)"
        } else {
            &setting.value
        };
        println!("{:<width$}  {value}  [{}]", setting.key, setting.source);
    }
}

fn init_logging(cli: &Cli) {
    let filter = EnvFilter::try_new(&cli.log_level).unwrap_or_else(|_| {
        eprintln!(
            "gatehouse: ignoring unreadable log filter {:?}; using \"info\"",
            cli.log_level
        );
        EnvFilter::new("info")
    });
    // Logs go to standard error: standard output carries what commands print (`--json` answers,
    // credentials banners, `audit export`), which scripts read.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(cli: Cli) -> Result<(), BoxError> {
    // A restore replaces the database file: it must not open (and so create or migrate) it first.
    if let Some(Command::Restore { path }) = &cli.command {
        return restore(&cli.database, path).await;
    }
    if matches!(
        cli.command,
        Some(Command::Backup { .. }) | Some(Command::Export { .. })
    ) && !cli.database.exists()
    {
        return Err(format!("there is no database at {}", cli.database.display()).into());
    }
    let config = StoreConfig {
        key: match &cli.master_key_file {
            Some(path) => KeySource::File(path.clone()),
            None => KeySource::BesideDatabase,
        },
        durability: cli.durability,
    };
    let store = Store::open_with(&cli.database, &config)
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", cli.database.display()))?;
    match cli.command {
        None | Some(Command::Serve) => serve(cli, store).await,
        Some(Command::Owner(OwnerCommand::ResetSecret { json })) => {
            let credentials = bootstrap::reset_owner_secret(&store, &operator()).await?;
            store.close().await;
            print_credentials(&credentials, json, bootstrap::owner_banner(&credentials, "Gatehouse: the owner API client has a new secret. The old one no longer works.", &bootstrap::base_url(cli.listen)))?;
            Ok(())
        }
        Some(Command::Audit(AuditCommand::Export { since })) => {
            let since = match since {
                Some(text) => server::audit::parse_since(&text)?,
                None => i64::MIN,
            };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let result = server::audit::export(&store, since, &mut out).await;
            std::io::Write::flush(&mut out)?;
            store.close().await;
            result.map(|_| ())
        }
        Some(Command::Backup { path }) => {
            let result = store.backup_to(&path).await;
            store.close().await;
            let report = result?;
            println!(
                "Gatehouse: backup written to {} ({} bytes, {} properties, schema version {}); \
                 integrity check ok.\nThe secrets in it are sealed: keep the master key ({}) \
                 backed up apart from it.",
                report.path.display(),
                report.bytes,
                report.properties,
                report.schema_version,
                store.key_file().display()
            );
            Ok(())
        }
        Some(Command::Restore { .. }) | Some(Command::Config(_)) => {
            unreachable!("handled before the database is opened")
        }
        Some(Command::RotateMasterKey { new_key_file }) => {
            let result = rotate_master_key(&store, &new_key_file).await;
            store.close().await;
            result
        }
        Some(Command::User(command)) => {
            let result = user_command(&store, command).await;
            store.close().await;
            result
        }
        Some(Command::Export {
            search,
            features,
            output,
        }) => {
            let result =
                server::transfer::export(&store, search, &features, output.as_deref()).await;
            store.close().await;
            result
        }
        Some(Command::Import {
            file,
            dry_run,
            yes,
            prune,
        }) => {
            let options = server::transfer::ImportOptions {
                dry_run,
                yes,
                prune,
            };
            let stdin = std::io::stdin();
            let mut answers = stdin.lock();
            let result = server::transfer::import(
                &store,
                &file,
                &options,
                &mut answers,
                &mut std::io::stdout(),
            )
            .await;
            store.close().await;
            result
        }
    }
}

/// `gatehouse restore PATH`: replaces the database with a checked backup.
async fn restore(database: &std::path::Path, backup: &std::path::Path) -> Result<(), BoxError> {
    let suffix = server::backup::timestamp(Clock::System.now());
    let report = app::store::backup::restore(database, backup, &suffix).await?;
    println!(
        "Gatehouse: {} restored from {} ({} properties, schema version {}).",
        database.display(),
        backup.display(),
        report.restored.properties,
        report.restored.schema_version
    );
    if let Some(kept) = report.replaced_kept_at {
        println!("The replaced database is kept at {}.", kept.display());
    }
    println!(
        "Start the server with the master key the backup's secrets were sealed with (the key \
         in use when the backup was taken)."
    );
    Ok(())
}

/// Prints fresh credentials once: one JSON object for scripts, else a banner for people.
fn print_credentials<T: serde::Serialize>(
    credentials: &T,
    json: bool,
    banner: String,
) -> Result<(), BoxError> {
    if json {
        println!("{}", serde_json::to_string(credentials)?);
    } else {
        println!("{banner}");
    }
    Ok(())
}

/// `gatehouse rotate-master-key`: re-seals every secret under the key in `new_key_file`.
async fn rotate_master_key(store: &Store, new_key_file: &std::path::Path) -> Result<(), BoxError> {
    use app::store::sealed::{KeyError, MasterKey};
    let new = match MasterKey::load(new_key_file) {
        Ok(key) => key,
        Err(KeyError::Missing { .. }) => MasterKey::create(new_key_file)?,
        Err(error) => return Err(error.into()),
    };
    let count = app::ops::keys::rotate_master_key(store, &operator(), &new).await?;
    println!(
        "Gatehouse: {count} client secrets are now sealed with {}.\n\
         Start the server with --master-key-file {} (or GATEHOUSE_MASTER_KEY_FILE); the old key \
         {} no longer opens this database. Back the new key up apart from the database.",
        new_key_file.display(),
        new_key_file.display(),
        store.key_file().display()
    );
    Ok(())
}

/// The operator at this terminal, as the actor of an audited operation.
fn operator() -> Actor {
    Actor::operator(
        server::capture::error::new_request_id(),
        Clock::System.now(),
    )
}

/// `gatehouse user ...`: console accounts from the terminal, through the same operations as the
/// Users page (so they are audited, with the operating-system user as actor).
async fn user_command(store: &Store, command: UserCommand) -> Result<(), BoxError> {
    use app::domain::accounts::Role;
    use app::ops::users;
    let role = |text: &str| text.parse::<Role>();
    match command {
        UserCommand::Add {
            username,
            role: role_text,
            json,
        } => {
            let (username, password) =
                users::add(store, &operator(), &username, role(&role_text)?).await?;
            let credentials = bootstrap::AccountCredentials { username, password };
            print_credentials(
                &credentials,
                json,
                bootstrap::account_banner(&credentials, "Gatehouse: console account added."),
            )?;
        }
        UserCommand::SetRole {
            username,
            role: role_text,
        } => {
            users::set_role(store, &operator(), &username, role(&role_text)?).await?;
            println!("{username} is now {role_text}.");
        }
        UserCommand::ResetPassword { username, json } => {
            let (username, password) = users::reset_password(store, &operator(), &username).await?;
            let credentials = bootstrap::AccountCredentials { username, password };
            print_credentials(
                &credentials,
                json,
                bootstrap::account_banner(
                    &credentials,
                    "Gatehouse: new password set; the account's sessions have ended.",
                ),
            )?;
        }
        UserCommand::List => {
            for user in store.users().await? {
                println!("{:<40} {}", user.username, user.role);
            }
        }
    }
    Ok(())
}

async fn serve(cli: Cli, store: Store) -> Result<(), BoxError> {
    let leptos_options = LeptosOptions::builder()
        .output_name("gatehouse")
        .site_root(cli.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .hash_files(server::bundle_is_hashed())
        .site_addr(cli.listen)
        .build();
    // One server per database; a restore waits for it to stop.
    let _lock = app::store::backup::lock_database(&cli.database)?;
    let mut state = AppState::new(leptos_options, store.clone(), Clock::System);
    state.trusted_proxies = TrustedProxies::new(cli.trusted_proxies.clone());
    state.cookies = CookiePolicy {
        secure: cli.secure_cookies,
    };
    state.api_limits = ApiLimits::new(cli.api_rate_limit);
    if cli.metrics {
        state.metrics = server::metrics::install();
    }
    server::usage::spawn_flusher(store.clone(), Clock::System);
    // Loads the list index now (about a second per million properties) so the first list view
    // does not wait for it.
    let warming = store.clone();
    tokio::spawn(async move {
        if let Err(error) = warming.load_list_index().await {
            tracing::warn!(%error, "could not load the list index yet; the first list view will");
        }
    });
    if let Some(dir) = cli.backup_dir.clone() {
        let schedule = server::backup::Schedule {
            dir,
            every: cli.backup_every,
            keep: cli.backup_keep as usize,
        };
        tracing::info!(
            folder = %schedule.dir.display(),
            every = %humantime::format_duration(schedule.every),
            keep = schedule.keep,
            "scheduled backups on"
        );
        server::backup::spawn(
            store.clone(),
            Clock::System,
            schedule,
            state.backups.clone(),
        );
    }
    if let Some(days) = cli.audit_retention_days {
        server::audit::spawn_retention(store.clone(), Clock::System, days);
    }
    // Bound first, so the banners name the address the server really answers on.
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.listen))?;
    let local = listener.local_addr()?;
    let base = bootstrap::base_url(local);
    if let Some(key_file) = store.created_key_file() {
        println!("{}", bootstrap::key_banner(key_file));
    }
    if let Some(credentials) = bootstrap::ensure_owner(&store, Clock::System.now()).await? {
        println!(
            "{}",
            bootstrap::owner_banner(
                &credentials,
                "Gatehouse created the owner API client for this database.",
                &base
            )
        );
    }
    if let Some(credentials) = bootstrap::ensure_admin(&store, Clock::System.now()).await? {
        println!(
            "{}",
            bootstrap::account_banner(
                &credentials,
                &format!("Gatehouse created the console account for signing in at {base}/sign-in")
            )
        );
    }
    let stop = shutdown_signal()?;
    tracing::info!(address = %local, database = %cli.database.display(), "Gatehouse is listening");
    println!("Gatehouse is running at {base}/  (console: {base}/sign-in; Ctrl+C to stop)");
    serve_until_stopped(
        listener,
        state,
        stop,
        Duration::from_secs(cli.shutdown_timeout),
    )
    .await?;
    store.close().await;
    tracing::info!("Gatehouse stopped");
    Ok(())
}

/// Serves until Ctrl+C or SIGTERM, then stops accepting and lets requests in flight finish for at
/// most `drain` before their connections are closed.
async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    state: AppState,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    drain: Duration,
) -> std::io::Result<()> {
    let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        stop.await;
        let _ = stopping.send(());
    };
    let drain_limit = async move {
        match stopped.await {
            Ok(()) => tokio::time::sleep(drain).await,
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        result = server::serve(listener, state, signal) => result,
        () = drain_limit => {
            tracing::warn!(
                seconds = drain.as_secs(),
                "requests still in flight after the shutdown timeout; closing their connections"
            );
            Ok(())
        }
    }
}

/// Resolves on Ctrl+C or SIGTERM, so in-flight requests finish and the database closes cleanly.
/// The handlers are installed when this is called, not when it is first awaited: a SIGTERM that
/// comes right after the "running at" line must not kill the process uncleanly.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let (mut terminate, mut interrupt) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate())?,
            signal(SignalKind::interrupt())?,
        )
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests in flight");
    })
}

//! `gatehouse`: parses flags, opens the database and serves until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;

use app::clock::Clock;
use app::store::Store;
use clap::Parser;
use leptos::prelude::LeptosOptions;
use tracing_subscriber::EnvFilter;

use server::bootstrap;
use server::config::{Cli, Command, LogFormat, OwnerCommand};
use server::{router, AppState, TrustedProxies};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gatehouse: {error}");
            ExitCode::FAILURE
        }
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
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(cli: Cli) -> Result<(), BoxError> {
    let store = Store::open(&cli.database)
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", cli.database.display()))?;
    match cli.command {
        None | Some(Command::Serve) => serve(cli, store).await,
        Some(Command::Owner(OwnerCommand::ResetSecret { json })) => {
            let credentials = bootstrap::reset_owner_secret(&store, Clock::System.now()).await?;
            store.close().await;
            if json {
                println!("{}", serde_json::to_string(&credentials)?);
            } else {
                println!("{}", bootstrap::owner_banner(&credentials, "Gatehouse: the owner API client has a new secret. The old one no longer works."));
            }
            Ok(())
        }
    }
}

async fn serve(cli: Cli, store: Store) -> Result<(), BoxError> {
    let leptos_options = LeptosOptions::builder()
        .output_name("gatehouse")
        .site_root(cli.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(cli.listen)
        .build();
    let state = AppState {
        leptos_options,
        store: store.clone(),
        clock: Clock::System,
        trusted_proxies: TrustedProxies::new(cli.trusted_proxies.clone()),
    };
    if let Some(credentials) = bootstrap::ensure_owner(&store, Clock::System.now()).await? {
        println!(
            "{}",
            bootstrap::owner_banner(
                &credentials,
                "Gatehouse created the owner API client for this database."
            )
        );
    }
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.listen))?;
    let local = listener.local_addr()?;
    tracing::info!(address = %local, database = %cli.database.display(), "Gatehouse is listening");
    println!("Gatehouse is running at http://{local}/  (Ctrl+C to stop)");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    store.close().await;
    tracing::info!("Gatehouse stopped");
    Ok(())
}

/// Resolves on Ctrl+C or SIGTERM, so in-flight requests finish and the database closes cleanly.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

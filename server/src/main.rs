use std::{io::BufRead, net::SocketAddr, sync::Arc, time::Duration};

use app::{
    domain::clock::SystemClock,
    housekeeping::{self, Housekeeping},
};
use clap::Parser;
use server::{
    config::{Cli, Command, CreateOffice},
    router, seed,
    state::AppState,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();

    let cli = Cli::parse();
    if let Some(Command::Precompress) = cli.command {
        return precompress(&cli.config);
    }
    let clock = Arc::new(SystemClock);
    match cli.command {
        Some(Command::CreateOffice(args)) => {
            create_office(&cli.config.admin_state(clock).await?, args).await
        }
        _ => {
            // `state` refuses an unsafe configuration before anything starts.
            let state = cli.config.state(clock).await?;
            serve(cli.config, state).await
        }
    }
}

fn precompress(config: &server::config::Config) -> anyhow::Result<()> {
    let options = config.leptos_options();
    let dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    for file in server::precompress::pkg_dir(&dir)? {
        println!(
            "{}: {} B, gzip {} B, brotli {} B",
            file.file.display(),
            file.raw,
            file.gzip,
            file.brotli
        );
    }
    Ok(())
}

async fn serve(config: server::config::Config, state: AppState) -> anyhow::Result<()> {
    tracing::info!("{}", config.summary());
    if config.demo_seed {
        if seed::demo(&state.core).await? {
            tracing::info!(
                "demo office seeded; every demo login has password {}",
                seed::DEMO_PASSWORD
            );
        } else {
            tracing::info!("database already has data; demo seed skipped");
        }
    }
    spawn_housekeeping(&state, config.housekeeping(), config.date_reminders);
    spawn_invitation_sender(&state, config.mail_per_minute);
    // A signing key before the first token; every instance may try, the
    // database keeps one.
    if let Err(err) = app::flows::oidc::housekeeping(&state.core).await {
        tracing::warn!("OpenID Connect keys: {err:?}");
    }
    server::oidc::backchannel::spawn(state.core.clone());
    if let Some(listen) = config.metrics_listen {
        let at = server::metrics::serve(listen, state.core.clone()).await?;
        tracing::info!("metrics on http://{at}/metrics");
    }

    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    // The peer address feeds the client address (`client_ip`).
    let app = router::build(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// Every instance looks each period; the database gives the turn to one
/// of them (see `app::housekeeping`).
fn spawn_housekeeping(state: &AppState, settings: Housekeeping, date_reminders: bool) {
    let core = state.core.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(settings.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let lifetime = core.sessions.lifetime;
            match housekeeping::purge_if_due(&core.db, &settings, &lifetime, core.now()).await {
                Ok(Some(purged)) if !purged.is_empty() => {
                    let counts: Vec<String> = purged
                        .iter()
                        .map(|(kind, n)| format!("{}={n}", kind.name()))
                        .collect();
                    tracing::info!("purged {}", counts.join(" "));
                }
                Ok(_) => {}
                Err(err) => tracing::warn!("purge failed: {err}"),
            }
            // Every instance looks; each reminder's claim in the database
            // lets one of them send it.
            if date_reminders {
                match app::flows::reminders::send_due(&core).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("sent {n} 'verplicht vanaf' reminders"),
                    Err(err) => tracing::warn!("reminders failed: {err:?}"),
                }
            }
            // The offices' dormant rule: each warning and block claimed once.
            match app::flows::dormant::run_due(&core).await {
                Ok(done) if done.warned + done.blocked > 0 => tracing::info!(
                    "dormant accounts: {} warned, {} blocked",
                    done.warned,
                    done.blocked
                ),
                Ok(_) => {}
                Err(err) => tracing::warn!("dormant rule failed: {err:?}"),
            }
            // Signing keys rotate; lapsed codes and tokens go.
            if let Err(err) = app::flows::oidc::housekeeping(&core).await {
                tracing::warn!("OpenID Connect housekeeping failed: {err:?}");
            }
        }
    });
}

/// An import's invitations, one at a time at `per_minute`: every instance
/// looks, and the database's claim lets one of them send each.
fn spawn_invitation_sender(state: &AppState, per_minute: u32) {
    let core = state.core.clone();
    let every = Duration::from_millis(60_000 / u64::from(per_minute.clamp(1, 6_000)));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = app::flows::office::send_waiting_invitations(&core, 1).await {
                tracing::warn!("import invitation not sent: {err:?}");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut sig) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            sig.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

async fn create_office(state: &AppState, args: CreateOffice) -> anyhow::Result<()> {
    let password = match std::env::var("TWEESTAP_INITIAL_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("Wachtwoord voor {} (één regel):", args.login);
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    seed::first_office(
        &state.core,
        seed::FirstOffice {
            office: &args.office,
            branch: &args.branch,
            login: &args.login,
            name: &args.name,
            email: args.email.as_deref(),
            password,
        },
    )
    .await?;
    println!(
        "Kantoor {:?} met vestiging {:?} en beheerder {:?} aangemaakt.",
        args.office, args.branch, args.login
    );
    Ok(())
}

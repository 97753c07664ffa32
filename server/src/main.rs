//! `kith-server serve [--addr 127.0.0.1:8787] [--db data/kith.db]`
//! `kith-server token create <account> [--db data/kith.db]`
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use kith_server::store::{SqliteStore, Store};
use kith_server::{app, new_token, token_hash, AppState, Clock, Config, SystemClock};

const USAGE: &str = "usage:
  kith-server serve [--addr 127.0.0.1:8787] [--db data/kith.db]
                    [--per-token-per-minute 300] [--per-address-per-minute 600]
  kith-server token create <account> [--db data/kith.db]";

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let db = PathBuf::from(option(&args, "--db").unwrap_or_else(|| "data/kith.db".into()));
    let result = match args.first().map(String::as_str) {
        Some("serve") => limits(&args)
            .and_then(|config| serve(&db, option(&args, "--addr").unwrap_or_else(|| "127.0.0.1:8787".into()), config)),
        Some("token") if args.get(1).map(String::as_str) == Some("create") => match args.get(2) {
            Some(account) if !account.starts_with("--") => create_token(&db, account),
            _ => Err(USAGE.into()),
        },
        _ => Err(USAGE.into()),
    };
    if let Err(message) = result {
        eprintln!("{message}");
        std::process::exit(2);
    }
}

fn create_token(db: &std::path::Path, account: &str) -> Result<(), String> {
    let store = SqliteStore::open(db).map_err(|e| e.to_string())?;
    let token = new_token().map_err(|e| format!("no randomness from the OS: {e}"))?;
    store.create_token(account, &token_hash(&token), SystemClock.now()).map_err(|e| e.to_string())?;
    // The only time the token is shown: the database keeps its hash.
    println!("{token}");
    Ok(())
}

/// The configuration, with any rate limits given on the command line.
fn limits(args: &[String]) -> Result<Config, String> {
    let mut config = Config::default();
    for (flag, field) in [
        ("--per-token-per-minute", &mut config.per_token_per_minute),
        ("--per-address-per-minute", &mut config.per_address_per_minute),
    ] {
        if let Some(value) = option(args, flag) {
            *field = value.parse().map_err(|_| format!("{flag} {value}: expected a whole number"))?;
        }
    }
    Ok(config)
}

fn serve(db: &std::path::Path, addr: String, config: Config) -> Result<(), String> {
    let addr: SocketAddr = addr.parse().map_err(|_| format!("--addr {addr}: expected host:port"))?;
    let store = SqliteStore::open(db).map_err(|e| e.to_string())?;
    let state =
        AppState::new(Arc::new(store), Arc::new(SystemClock), config, Arc::new(|line: &str| println!("{line}")));
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let purger = state.clone();
        tokio::spawn(async move {
            let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                every_hour.tick().await;
                if let Err(e) = purger.purge() {
                    eprintln!("kith-server: tombstone purge failed: {e}");
                }
            }
        });
        println!("kith-server listening on http://{addr} (database {})", db.display());
        axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| e.to_string())
    })
}

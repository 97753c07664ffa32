//! `kith-server serve [--addr 127.0.0.1:8787] [--db data/kith.db | postgres://…] [limits…]`
//! `kith-server token create <account> [--db data/kith.db | postgres://…]`
//!
//! `--db` is an SQLite file (the default) or a PostgreSQL URL; several instances may serve one
//! PostgreSQL database.
//!
//! Every flag and its default is listed in [`USAGE`] and in `docs/sync-protocol.md`.
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use kith_server::store;
use kith_server::{is_extension_id, new_token, token_hash, AppState, Clock, Config, SystemClock};

const USAGE: &str = "usage:
  kith-server serve [--addr 127.0.0.1:8787] [--db data/kith.db | postgres://user:password@host/database]
      [--per-token-per-minute 300] [--per-address-per-minute 600] [--failed-auth-per-minute 30]
      [--max-contacts 100000] [--max-state-bytes 67108864] [--tombstone-days 30] [--batch-key-days 30]
      [--header-timeout 10] [--body-timeout 30] [--idle-timeout 30]   (seconds)
      [--max-connections 1024] [--max-connections-per-address 32]
      [--trusted-proxy <ip>]...     use X-Forwarded-For's last hop on connections from <ip>
      [--allow-extension <id>]...   CORS for chrome-extension://<id> only (default: any extension)
  kith-server token create <account> [--db data/kith.db | postgres://…]";

/// Flags that take a value; any other `--flag` is a mistake worth reporting.
const FLAGS: [&str; 18] = [
    "--addr",
    "--db",
    "--per-token-per-minute",
    "--per-address-per-minute",
    "--failed-auth-per-minute",
    "--max-contacts",
    "--max-state-bytes",
    "--tombstone-days",
    "--batch-key-days",
    "--header-timeout",
    "--body-timeout",
    "--idle-timeout",
    "--max-connections",
    "--max-connections-per-address",
    "--trusted-proxy",
    "--allow-extension",
    "--body-limit",
    "--max-page",
];

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// Every value of a flag that may be repeated.
fn options(args: &[String], name: &str) -> Vec<String> {
    args.windows(2).filter(|w| w[0] == name).map(|w| w[1].clone()).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let db = option(&args, "--db").unwrap_or_else(|| "data/kith.db".into());
    let result = match args.first().map(String::as_str) {
        Some("serve") => configure(&args)
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

fn create_token(db: &str, account: &str) -> Result<(), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let token = new_token().map_err(|e| format!("no randomness from the OS: {e}"))?;
    runtime.block_on(async {
        let store = store::open(db).await.map_err(|e| e.to_string())?;
        store.create_token(account, &token_hash(&token), SystemClock.now()).await.map_err(|e| e.to_string())
    })?;
    // The only time the token is shown: the database keeps its hash.
    println!("{token}");
    Ok(())
}

fn number<T: std::str::FromStr>(args: &[String], flag: &str, field: &mut T) -> Result<(), String> {
    if let Some(value) = option(args, flag) {
        *field = value.parse().map_err(|_| format!("{flag} {value}: expected a whole number"))?;
    }
    Ok(())
}

fn seconds(args: &[String], flag: &str, field: &mut Duration) -> Result<(), String> {
    if let Some(value) = option(args, flag) {
        let s: f64 = value.parse().map_err(|_| format!("{flag} {value}: expected seconds"))?;
        if !(s.is_finite() && s > 0.0 && s <= 86_400.0) {
            return Err(format!("{flag} {value}: expected seconds, more than 0 and at most 86400"));
        }
        *field = Duration::from_secs_f64(s);
    }
    Ok(())
}

/// The configuration, with the limits given on the command line.
fn configure(args: &[String]) -> Result<Config, String> {
    if let Some(unknown) = args.iter().skip(1).find(|a| a.starts_with("--") && !FLAGS.contains(&a.as_str())) {
        return Err(format!("unknown option {unknown}\n{USAGE}"));
    }
    let mut c = Config::default();
    number(args, "--per-token-per-minute", &mut c.per_token_per_minute)?;
    number(args, "--per-address-per-minute", &mut c.per_address_per_minute)?;
    number(args, "--failed-auth-per-minute", &mut c.failed_auth_per_minute)?;
    number(args, "--max-contacts", &mut c.max_contacts)?;
    number(args, "--max-state-bytes", &mut c.max_state_bytes)?;
    number(args, "--tombstone-days", &mut c.tombstone_days)?;
    number(args, "--batch-key-days", &mut c.batch_key_days)?;
    number(args, "--max-connections", &mut c.max_connections)?;
    number(args, "--max-connections-per-address", &mut c.max_connections_per_address)?;
    number(args, "--body-limit", &mut c.body_limit)?;
    number(args, "--max-page", &mut c.max_page)?;
    seconds(args, "--header-timeout", &mut c.header_timeout)?;
    seconds(args, "--body-timeout", &mut c.body_timeout)?;
    seconds(args, "--idle-timeout", &mut c.idle_timeout)?;
    if c.tombstone_days < 1 || c.batch_key_days < 1 || c.max_connections < 1 || c.max_connections_per_address < 1 {
        return Err("--tombstone-days, --batch-key-days and the connection caps are at least 1".into());
    }
    for proxy in options(args, "--trusted-proxy") {
        c.trusted_proxies
            .push(proxy.parse::<IpAddr>().map_err(|_| format!("--trusted-proxy {proxy}: expected an IP address"))?);
    }
    for id in options(args, "--allow-extension") {
        if !is_extension_id(&id) {
            return Err(format!("--allow-extension {id}: expected a Chrome extension id (32 letters a to p)"));
        }
        c.allow_extensions.push(id);
    }
    Ok(c)
}

fn serve(db: &str, addr: String, config: Config) -> Result<(), String> {
    let addr: SocketAddr = addr.parse().map_err(|_| format!("--addr {addr}: expected host:port"))?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let store = store::open(db).await.map_err(|e| e.to_string())?;
        let state = AppState::new(store, Arc::new(SystemClock), config, Arc::new(|line: &str| println!("{line}")));
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let purger = state.clone();
        tokio::spawn(async move {
            let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                every_hour.tick().await;
                if let Err(e) = purger.purge().await {
                    eprintln!("kith-server: purge of tombstones and batch keys failed: {e}");
                }
            }
        });
        // A PostgreSQL URL may carry a password: name the backend, not the URL.
        let database = if store::is_postgres_url(db) { "PostgreSQL".to_string() } else { db.to_string() };
        println!("kith-server listening on http://{addr} (database {database})");
        kith_server::net::serve(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
    })
}

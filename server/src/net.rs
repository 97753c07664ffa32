//! Connections, before any request exists: how many, from where, and for how long.
//!
//! `axum::serve` has no header timeout, no idle timeout and no connection cap, so a client
//! that opens connections and never finishes a request holds them forever, and no rate limit
//! sees it (a limit counts requests, and there is none yet). This loop serves the same router
//! on hyper directly, with:
//! - a cap on open connections ([`Config::max_connections`]): at the cap the loop stops
//!   accepting, so new clients wait in the kernel's backlog until a slot frees;
//! - a cap per client address ([`Config::max_connections_per_address`]): one address cannot
//!   take the whole server; beyond it a connection is answered `503` and closed at once
//!   (a [`Config::trusted_proxies`] address is exempt: every client arrives through it);
//! - a header timeout ([`Config::header_timeout`]): a request's line and headers must arrive
//!   within it, counted from the connection's start or the end of the previous response, so
//!   it also closes keep-alive connections that wait too long for their next request;
//! - an idle timeout ([`Config::idle_timeout`]): a connection on which no byte moves either way
//!   while the server waits to read or write is closed (a client that stops reading a reply);
//! - the body timeout ([`Config::body_timeout`]) is applied where bodies are read, in the push
//!   handler, so the answer can be a `408` in the error shape.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::time::{Instant, Sleep};

use crate::{app, AppState, Config};

/// What a connection over its address's cap gets before it is closed.
fn refusal() -> Vec<u8> {
    let body = r#"{"error":{"code":"too_many_connections","message":"Too many open connections from your address; try again in a few seconds."}}"#;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\nretry-after: 5\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// How long a graceful shutdown waits for open connections before it stops anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves [`app`] on `listener` until `shutdown` resolves, then lets open requests finish
/// (at most [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let config = state.config.clone();
    let router = app(state);
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let per_address = Arc::new(Mutex::new(HashMap::<IpAddr, usize>::new()));
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: wait instead of spinning.
                    eprintln!("kith-server: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let ip = peer.ip().to_canonical();
        let address_slot = if config.trusted_proxies.contains(&ip) {
            None
        } else {
            match AddressSlot::take(&per_address, ip, config.max_connections_per_address) {
                Some(slot) => Some(slot),
                None => {
                    let _ = stream.try_write(&refusal());
                    continue;
                }
            }
        };
        let router = router.clone();
        let config = config.clone();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _address_slot = address_slot;
            connection(stream, peer, router, &config, &mut stopping).await;
        });
    }
    let _ = stop.send(true);
    let everyone = u32::try_from(config.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(everyone)).await;
    Ok(())
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    config: &Config,
    stopping: &mut watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(IdleTimeout::new(stream, config.idle_timeout));
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        async move { tower_service::Service::call(&mut router, request).await }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(config.header_timeout).keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stopping.changed() => conn.as_mut().graceful_shutdown(),
    }
    let _ = conn.await;
}

/// One connection counted against its address; uncounted when dropped.
struct AddressSlot {
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl AddressSlot {
    fn take(counts: &Arc<Mutex<HashMap<IpAddr, usize>>>, ip: IpAddr, cap: usize) -> Option<AddressSlot> {
        let mut map = counts.lock().unwrap_or_else(|p| p.into_inner());
        let open = map.entry(ip).or_insert(0);
        if *open >= cap {
            return None;
        }
        *open += 1;
        Some(AddressSlot { counts: Arc::clone(counts), ip })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = map.get_mut(&self.ip) {
            *open -= 1;
            if *open == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// A stream that fails with `TimedOut` when the server has waited `timeout` to read or write
/// and no byte moved either way.
struct IdleTimeout {
    stream: TcpStream,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl IdleTimeout {
    fn new(stream: TcpStream, timeout: Duration) -> Self {
        IdleTimeout { stream, timeout, deadline: Box::pin(tokio::time::sleep(timeout)) }
    }

    fn moved(&mut self) {
        let next = Instant::now() + self.timeout;
        self.deadline.as_mut().reset(next);
    }

    fn waiting<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "idle connection"))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for IdleTimeout {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.moved();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.waiting(cx),
        }
    }
}

impl AsyncWrite for IdleTimeout {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    this.moved();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.waiting(cx),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_flush(cx) {
            Poll::Pending => this.waiting(cx),
            ready => ready,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_shutdown(cx) {
            Poll::Pending => this.waiting(cx),
            ready => ready,
        }
    }
}

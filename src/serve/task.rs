//! The task that serves one connection until it ends, times out or is
//! closed by the server: hyper's HTTP/1.1 connection over the tracking
//! wrappers, raced against the deadline of the connection's phase.

use std::sync::Arc;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::Watcher;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::connection::Connection;
use super::registry::Registration;
use super::tracking::{TrackedIo, TrackedService};

/// Serves `stream` with `router` until the client closes it, a timeout of
/// its phase passes, or the server closes it (evicted at the cap, drained).
/// `registration` is dropped, and the registry's count lowered, on return.
pub(super) async fn serve(
    stream: TcpStream,
    router: Router,
    connection: Arc<Connection>,
    registration: Registration,
    watcher: Watcher,
    draining: CancellationToken,
) {
    let io = TokioIo::new(TrackedIo::new(stream, connection.clone()));
    let service = TrackedService::new(router, connection.clone(), draining.clone());
    // Our own deadlines replace hyper's header timeout, which would also
    // time out idle keep-alive waits (and runs only with a timer set).
    let mut builder = http1::Builder::new();
    builder.header_read_timeout(None);
    // With upgrades: a WebSocket handshake (`/graphql`) hands the
    // connection over to the handler's task, and this one ends. The drain
    // calls its graceful_shutdown, which stops keep-alive after the response
    // in flight; `watcher`, held to the end, tells the drain when it is over.
    let served = builder.serve_connection(io, service).with_upgrades();
    let mut served = std::pin::pin!(served);
    let mut draining_seen = false;
    let timer = tokio::time::sleep_until(connection.accepted_at);
    let mut timer = std::pin::pin!(timer);
    loop {
        let deadline = connection.phase().deadline(connection.timeouts);
        if let Some(deadline) = deadline {
            timer.as_mut().reset(deadline);
        }
        tokio::select! {
            biased;
            () = draining.cancelled(), if !draining_seen => {
                draining_seen = true;
                served.as_mut().graceful_shutdown();
            }
            () = connection.wake.notified() => {
                if connection.is_closing() {
                    tracing::debug!(id = registration.id(), "connection closed by the server");
                    break;
                }
            }
            () = &mut timer, if deadline.is_some() => {
                let phase = connection.phase();
                if phase.deadline(connection.timeouts).is_some_and(|at| at <= Instant::now()) {
                    tracing::debug!(id = registration.id(), ?phase, "connection timed out");
                    break;
                }
            }
            result = &mut served => {
                if let Err(error) = result {
                    tracing::debug!(id = registration.id(), %error, "connection ended with an error");
                }
                break;
            }
        }
    }
    // Dropping `served` closes the socket; dropping `registration` makes
    // room under the cap, and `watcher` lets the drain end.
    drop(watcher);
}

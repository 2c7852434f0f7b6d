//! The wrappers that tell a [`Connection`] what its client and hyper are
//! doing:
//! - [`TrackedIo`], around the socket: bytes arrived, a write is stuck;
//! - [`TrackedService`], around the router: a request started, and (through
//!   the [`ResponseBody`] it returns) its response body is finished with;
//! - [`RequestBody`], around each request body: once the drain has begun, a
//!   body still incomplete fails its next read instead of waiting for the
//!   client.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};

use axum::Router;
use axum::body::{Body, Bytes};
use http_body::{Body as _, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tower::ServiceExt;

use super::connection::Connection;

/// The socket, reporting to its [`Connection`] when bytes arrive and when a
/// write is stuck (returns `Pending`: the client is not reading) or moves.
#[derive(Debug)]
pub(super) struct TrackedIo {
    stream: TcpStream,
    connection: Arc<Connection>,
}

impl TrackedIo {
    pub(super) fn new(stream: TcpStream, connection: Arc<Connection>) -> TrackedIo {
        TrackedIo { stream, connection }
    }

    fn track_write<T>(&self, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        self.connection.write_stuck(poll.is_pending());
        poll
    }
}

impl AsyncRead for TrackedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = ready!(Pin::new(&mut self.stream).poll_read(cx, buf));
        if buf.filled().len() > before {
            self.connection.bytes_received();
        }
        Poll::Ready(result)
    }
}

impl AsyncWrite for TrackedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.track_write(poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.track_write(poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_flush(cx);
        self.track_write(poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The router as a hyper service, reporting each request's start and the
/// end of its response body to the [`Connection`].
#[derive(Debug, Clone)]
pub(super) struct TrackedService {
    router: Router,
    connection: Arc<Connection>,
    draining: CancellationToken,
}

impl TrackedService {
    pub(super) fn new(
        router: Router,
        connection: Arc<Connection>,
        draining: CancellationToken,
    ) -> TrackedService {
        TrackedService {
            router,
            connection,
            draining,
        }
    }
}

impl hyper::service::Service<Request<Incoming>> for TrackedService {
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let in_flight = InFlight::start(self.connection.clone());
        let draining = self.draining.clone();
        let read = Arc::new(AtomicBool::new(request.body().is_end_stream()));
        let body_read = read.clone();
        let request = request.map(|body| Body::new(RequestBody::new(body, draining, body_read)));
        let response = self.router.clone().oneshot(request);
        Box::pin(async move {
            // The guard moves into the body: dropped with the future if the
            // connection goes first, else when hyper is done with the body.
            let mut response = response.await?;
            // Answered before its body was read (a 401, a 503 of a full
            // limit): hyper cannot read the next request on this connection
            // and closes it; say so (RFC 9112 §9.6), or a client that reuses
            // it meets a broken pipe.
            if !read.load(Ordering::Acquire) {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            Ok(response.map(|body| ResponseBody {
                body,
                _in_flight: in_flight,
            }))
        })
    }
}

/// One request in flight on its connection, from its head to the end of its
/// response body.
#[derive(Debug)]
struct InFlight(Arc<Connection>);

impl InFlight {
    fn start(connection: Arc<Connection>) -> InFlight {
        connection.request_started();
        InFlight(connection)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// A response body that ends its request's [`InFlight`] when dropped.
#[derive(Debug)]
pub(super) struct ResponseBody {
    body: Body,
    _in_flight: InFlight,
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The error a [`RequestBody`] fails with once the drain has begun.
#[derive(Debug, thiserror::Error)]
#[error("the server is shutting down: the request body was not complete when it began to drain")]
pub(super) struct ShuttingDown;

/// A request body that fails its read, once the drain has begun, instead of
/// waiting for bytes the client has not sent: the handler answers with an
/// error and the connection closes, so a stalled upload cannot hold the
/// shutdown.
#[derive(Debug)]
pub(super) struct RequestBody {
    body: Incoming,
    draining: CancellationToken,
    /// Made on the first wait only: most bodies never wait.
    drain_begun: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    /// Set once the body has been read to its end.
    read: Arc<AtomicBool>,
}

impl RequestBody {
    fn new(body: Incoming, draining: CancellationToken, read: Arc<AtomicBool>) -> RequestBody {
        RequestBody {
            body,
            draining,
            drain_begun: None,
            read,
        }
    }
}

impl http_body::Body for RequestBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            if frame.is_none() || this.body.is_end_stream() {
                this.read.store(true, Ordering::Release);
            }
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        let draining = &this.draining;
        let drain_begun = this
            .drain_begun
            .get_or_insert_with(|| Box::pin(draining.clone().cancelled_owned()));
        ready!(drain_begun.as_mut().poll(cx));
        Poll::Ready(Some(Err(ShuttingDown.into())))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

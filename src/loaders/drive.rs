//! Driving a request's batch loads inside its own task: [`drive`] runs a
//! request future and the loads its resolvers start, so that a batch starts
//! only once every ready resolver of a level has added its key.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::Stream;
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::LoadQueue;

/// Runs `request` together with the batch loads its resolvers start.
///
/// A batch load only starts once `request` can make no more progress, so every
/// resolver of a level that is ready has already added its key: the batch is
/// the whole level, whatever the machine's speed. (Spawning loads on the
/// runtime with a fixed delay races the resolvers on a busy machine and splits
/// levels into several statements.)
pub fn drive<F: Future>(request: F, queue: LoadQueue) -> Drive<F> {
    Drive {
        request: Box::pin(request),
        queue,
        loads: FuturesUnordered::new(),
    }
}

/// Bound on back-to-back polls of a request that keeps waking itself, so a
/// pathological resolver cannot hold the loads back for ever.
const MAX_POLLS_PER_LEVEL: usize = 10_000;

/// A waker that remembers whether it was woken, then passes the wake on.
struct WakeFlag {
    woken: AtomicBool,
    waker: Waker,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, AtomicOrdering::Release);
        self.waker.wake_by_ref();
    }
}

/// The future [`drive`] returns.
pub struct Drive<F: Future> {
    request: Pin<Box<F>>,
    queue: LoadQueue,
    loads: FuturesUnordered<BoxFuture<'static, ()>>,
}

impl<F: Future> Future for Drive<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let request = &mut this.request;
        run_levels(&this.queue, &mut this.loads, cx, |cx| {
            request.as_mut().poll(cx)
        })
    }
}

/// Runs a stream (a subscription's answers) together with the batch loads
/// its resolvers start, as [`drive`] runs a request: each item is resolved
/// level by level, one statement per level, with no timer.
pub fn drive_stream<S: Stream>(stream: S, queue: LoadQueue) -> DriveStream<S> {
    DriveStream {
        stream: Box::pin(stream),
        queue,
        loads: FuturesUnordered::new(),
    }
}

/// The stream [`drive_stream`] returns.
pub struct DriveStream<S: Stream> {
    stream: Pin<Box<S>>,
    queue: LoadQueue,
    loads: FuturesUnordered<BoxFuture<'static, ()>>,
}

impl<S: Stream> Stream for DriveStream<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = &mut *self;
        let stream = &mut this.stream;
        run_levels(&this.queue, &mut this.loads, cx, |cx| {
            stream.as_mut().poll_next(cx)
        })
    }
}

/// Polls `inner` until it can make no more progress, then starts the loads
/// its resolvers queued and runs them; again while a load finishes.
fn run_levels<T>(
    queue: &LoadQueue,
    loads: &mut FuturesUnordered<BoxFuture<'static, ()>>,
    cx: &mut Context<'_>,
    mut inner: impl FnMut(&mut Context<'_>) -> Poll<T>,
) -> Poll<T> {
    loop {
        // Resolvers of long lists yield cooperatively (they wake themselves
        // and return Pending after a few dozen items): keep polling until
        // the request waits on something real, so the level is complete.
        let mut polls = 0;
        loop {
            let flag = Arc::new(WakeFlag {
                woken: AtomicBool::new(false),
                waker: cx.waker().clone(),
            });
            let waker = Waker::from(flag.clone());
            if let Poll::Ready(output) = inner(&mut Context::from_waker(&waker)) {
                return Poll::Ready(output);
            }
            polls += 1;
            if !flag.woken.load(AtomicOrdering::Acquire) || polls >= MAX_POLLS_PER_LEVEL {
                break;
            }
        }
        let started = std::mem::take(&mut *queue.0.lock().expect("BUG: load queue lock poisoned"));
        loads.extend(started);
        let mut finished_any = false;
        while let Poll::Ready(Some(())) = loads.poll_next_unpin(cx) {
            finished_any = true;
        }
        // A finished load has answered resolvers: let them run now.
        if !finished_any {
            return Poll::Pending;
        }
    }
}

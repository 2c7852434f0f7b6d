//! Driving a request's batch loads inside its own task: [`drive`] runs a
//! request future and the loads its resolvers start, so that a batch starts
//! only once every ready resolver of a level has added its key.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::task::{Context, Poll, Wake, Waker};

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
                if let Poll::Ready(output) =
                    self.request.as_mut().poll(&mut Context::from_waker(&waker))
                {
                    return Poll::Ready(output);
                }
                polls += 1;
                if !flag.woken.load(AtomicOrdering::Acquire) || polls >= MAX_POLLS_PER_LEVEL {
                    break;
                }
            }
            let started =
                std::mem::take(&mut *self.queue.0.lock().expect("BUG: load queue lock poisoned"));
            self.loads.extend(started);
            let mut finished_any = false;
            while let Poll::Ready(Some(())) = self.loads.poll_next_unpin(cx) {
                finished_any = true;
            }
            // A finished load has answered resolvers: let them run now.
            if !finished_any {
                return Poll::Pending;
            }
        }
    }
}

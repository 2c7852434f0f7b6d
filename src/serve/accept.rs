//! Accept errors: those of one peer (skipped), and those of the listener or
//! the process (out of files, buffers or memory), which pause accepting —
//! 10 ms, doubling to 1 s — rather than spin, and are logged at most once
//! every [`LOG_INTERVAL`] with the count of those not logged.

use std::io;
use std::time::Duration;

use tokio::time::Instant;

/// The first pause after a failed accept.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause: the pause doubles after each failure up to this.
const MAX_PAUSE: Duration = Duration::from_secs(1);
/// At most one log line per kind of trouble this often.
pub(super) const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Whether `error` is the peer's (it reset or aborted the connection before
/// it was accepted): skip it and accept the next.
fn is_peer_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    ) || error.raw_os_error() == Some(libc::EPROTO)
}

/// Whether `error` says the process or the kernel ran out of files, socket
/// buffers or memory (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`).
pub(super) fn is_out_of_resources(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

/// One line every [`LOG_INTERVAL`] at most, counting the events in between.
#[derive(Debug, Default)]
struct RateLimit {
    last: Option<Instant>,
    unlogged: u64,
}

impl RateLimit {
    /// Whether to log this event now, and how many were not logged since the
    /// last line.
    fn admit(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < LOG_INTERVAL)
        {
            self.unlogged += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.unlogged))
    }
}

/// The accept loop's troubles: the pause after failed accepts and the
/// rate-limited logs of those and of waits at the cap.
#[derive(Debug)]
pub(super) struct AcceptErrors {
    pause: Duration,
    failed_log: RateLimit,
    cap_log: RateLimit,
}

impl Default for AcceptErrors {
    fn default() -> Self {
        AcceptErrors {
            pause: FIRST_PAUSE,
            failed_log: RateLimit::default(),
            cap_log: RateLimit::default(),
        }
    }
}

impl AcceptErrors {
    /// A connection was accepted: the next failure pauses briefly again.
    pub(super) fn accepted(&mut self) {
        self.pause = FIRST_PAUSE;
    }

    /// An accept failed with `error`: how long to pause before the next, or
    /// `None` when the error was the peer's and the next may come at once.
    pub(super) fn failed(&mut self, error: &io::Error) -> Option<Duration> {
        if is_peer_error(error) {
            tracing::debug!(%error, "a connection failed before it was accepted");
            return None;
        }
        let pause = self.pause;
        self.pause = (self.pause * 2).min(MAX_PAUSE);
        if let Some(unlogged) = self.failed_log.admit() {
            tracing::error!(
                %error,
                pause_ms = pause.as_millis() as u64,
                unlogged,
                "accept error: pausing accepts (unlogged: failures since the last such line)"
            );
        }
        Some(pause)
    }

    /// Every connection is busy at the cap: accepting waits for one to close
    /// or become idle.
    pub(super) fn at_cap(&mut self, max_connections: usize) {
        if let Some(unlogged) = self.cap_log.admit() {
            tracing::warn!(
                max_connections,
                unlogged,
                "connection cap reached with no idle connection: not accepting until one closes or becomes idle"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn failed_accepts_pause_longer_and_longer_and_log_rarely() {
        let mut errors = AcceptErrors::default();
        let out_of_files = io::Error::from_raw_os_error(libc::EMFILE);
        assert!(is_out_of_resources(&out_of_files));
        let pauses: Vec<Duration> = (0..9)
            .map(|_| errors.failed(&out_of_files).expect("a pause"))
            .collect();
        assert_eq!(pauses[0], FIRST_PAUSE);
        assert_eq!(pauses[1], FIRST_PAUSE * 2);
        assert_eq!(pauses[8], MAX_PAUSE);
        // Nine failures within the interval: one line, eight unlogged.
        assert_eq!(errors.failed_log.unlogged, 8);
        tokio::time::advance(LOG_INTERVAL).await;
        assert_eq!(errors.failed_log.admit(), Some(8));
        errors.accepted();
        assert_eq!(errors.failed(&out_of_files), Some(FIRST_PAUSE));
    }

    #[test]
    fn a_peer_reset_is_skipped_without_a_pause() {
        let mut errors = AcceptErrors::default();
        let reset = io::Error::from(io::ErrorKind::ConnectionAborted);
        assert_eq!(errors.failed(&reset), None);
        assert_eq!(errors.pause, FIRST_PAUSE);
    }
}

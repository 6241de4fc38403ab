//! Retrying Discord REST calls that failed on Discord's side.
//!
//! serenity's rate limiter already waits out a 429 and sends the request
//! again (it reads `Retry-After` and the `X-RateLimit-*` headers), but it
//! hands a 5xx straight back. A 500 or 502 often means Discord did the work
//! and lost the answer, so only calls that cannot take effect twice go
//! through [`retry`]: posts with a nonce Discord enforces, edits, and
//! interaction callbacks (a second one is refused as already acknowledged).
//! A 429 that reaches us (the rate limiter is off behind a REST proxy) is
//! retried too, after at least a second: its `Retry-After` header is not kept
//! in serenity's error.

use poise::serenity_prelude as serenity;
use std::future::Future;
use std::time::Duration;

/// Attempts in all, the first included.
pub(super) const ATTEMPTS: u32 = 3;
/// The wait before the second attempt; doubled for each one after.
const FIRST_WAIT: Duration = Duration::from_millis(200);

/// Discord's JSON error code for an interaction token that expired (after
/// 15 minutes) or was never valid.
const INVALID_WEBHOOK_TOKEN: isize = 50027;
/// Discord's JSON error code for a webhook (an interaction's, once its
/// token expired) that does not exist.
const UNKNOWN_WEBHOOK: isize = 10015;

/// Run `call` until it succeeds, fails for good, or [`ATTEMPTS`] are spent.
/// `what` names the call in the log.
pub(super) async fn retry<T, F, Fut>(what: &str, mut call: F) -> serenity::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = serenity::Result<T>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Err(e) if attempt < ATTEMPTS && transient(&e) => {
                let wait = wait_before(attempt + 1, status(&e));
                let metrics = super::metrics::global();
                metrics.rest_error(&e);
                if status(&e) == Some(429) {
                    metrics.rate_limited(false, wait);
                }
                tracing::warn!(
                    what,
                    attempt,
                    error = %describe(&e),
                    wait_ms = wait.as_millis() as u64,
                    "Discord call failed; retrying"
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(e) => {
                super::metrics::global().rest_error(&e);
                if attempt > 1 {
                    tracing::warn!(what, attempt, error = %describe(&e), "Discord call failed; giving up");
                }
                return Err(e);
            }
            Ok(v) => {
                if attempt > 1 {
                    tracing::info!(what, attempt, "Discord call succeeded after a retry");
                }
                return Ok(v);
            }
        }
    }
}

/// The wait before attempt `n` (2 or more).
fn wait_before(n: u32, status: Option<u16>) -> Duration {
    let backoff = FIRST_WAIT * 2u32.pow(n.saturating_sub(2));
    if status == Some(429) {
        backoff.max(Duration::from_secs(1))
    } else {
        backoff
    }
}

/// The HTTP status of a failed call, if Discord answered.
pub(super) fn status(e: &serenity::Error) -> Option<u16> {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => {
            Some(r.status_code.as_u16())
        }
        _ => None,
    }
}

/// Discord's JSON error code of a failed call, if Discord answered.
pub(super) fn code(e: &serenity::Error) -> Option<isize> {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => Some(r.error.code),
        _ => None,
    }
}

/// Worth another attempt: Discord failed (5xx), asked us to slow down
/// (429), or the connection broke before an answer came.
pub(super) fn transient(e: &serenity::Error) -> bool {
    match e {
        serenity::Error::Http(serenity::HttpError::Request(r)) => {
            r.is_timeout() || r.is_connect() || r.is_request()
        }
        _ => matches!(status(e), Some(429 | 500..=599)),
    }
}

/// The interaction's token no longer works (it lasts 15 minutes): an edit
/// or follow-up can never be delivered, and neither can an error reply.
pub(super) fn expired_token(e: &serenity::Error) -> bool {
    matches!(
        (status(e), code(e)),
        (Some(401), Some(INVALID_WEBHOOK_TOKEN)) | (Some(404), Some(UNKNOWN_WEBHOOK))
    )
}

/// A failed call for the log: status, Discord's code and message. Never the
/// URL, which holds interaction tokens.
pub(super) fn describe(e: &serenity::Error) -> String {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => format!(
            "{} (code {}): {}",
            r.status_code.as_u16(),
            r.error.code,
            r.error.message
        ),
        serenity::Error::Http(serenity::HttpError::Request(r)) => {
            let kind = if r.is_timeout() {
                "timed out"
            } else if r.is_connect() {
                "could not connect"
            } else {
                "request failed"
            };
            format!("HTTP {kind}")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_a_429_waits_at_least_a_second() {
        assert_eq!(wait_before(2, Some(500)), Duration::from_millis(200));
        assert_eq!(wait_before(3, Some(502)), Duration::from_millis(400));
        assert_eq!(wait_before(2, Some(429)), Duration::from_secs(1));
    }

    #[tokio::test]
    async fn gives_up_after_the_attempts_and_stops_on_a_lasting_error() {
        let mut calls = 0;
        let out: serenity::Result<()> = retry("test", || {
            calls += 1;
            async { Err(serenity::Error::Other("not transient")) }
        })
        .await;
        assert!(out.is_err());
        assert_eq!(calls, 1, "a lasting error is not retried");
    }
}

//! Sending text messages. The channel is pluggable; the demo channel appends one JSON line
//! per message to `<data>/outbox/sms.jsonl` so a person (or a test) can read the code.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use std::future::Future;
use std::pin::Pin;

/// A send in progress; a gateway channel will do network IO here.
pub type SmsFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// Where one-time codes go.
pub trait SmsChannel: Send + Sync + 'static {
    fn send(&self, to_e164: &str, text: &str) -> SmsFuture;
}

/// Appends `{"to": "+20…", "text": "…"}` lines to a file.
pub struct FileOutbox {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileOutbox {
    pub fn new(path: PathBuf) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        Ok(FileOutbox {
            path,
            lock: Mutex::new(()),
        })
    }

    fn append(&self, to: &str, text: &str) -> Result<(), String> {
        let line = serde_json::json!({ "to": to, "text": text }).to_string();
        let _guard = self
            .lock
            .lock()
            .map_err(|_| "outbox lock poisoned".to_string())?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| format!("cannot open SMS outbox: {e}"))?;
        writeln!(file, "{line}").map_err(|e| format!("cannot write SMS outbox: {e}"))
    }
}

impl SmsChannel for FileOutbox {
    fn send(&self, to_e164: &str, text: &str) -> SmsFuture {
        let result = self.append(to_e164, text);
        Box::pin(async move { result })
    }
}

/// How long a gateway may take over one text before it counts as failed: a hung gateway must
/// not pile up waiting sends without end.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Hands a text to `channel` without making the request wait for it: a gateway's latency
/// (hundreds of milliseconds) must not tell a caller whether a text went out (a code goes
/// only to the number registered for an ID, and the answer is the same either way). A failed
/// or timed-out send is logged without the number or the text, and the citizen asks again; a
/// channel's errors must not carry them.
pub fn send_detached(channel: &std::sync::Arc<dyn SmsChannel>, to_e164: &str, text: &str) {
    let send = channel.send(to_e164, text);
    tokio::spawn(async move {
        match tokio::time::timeout(SEND_TIMEOUT, send).await {
            Ok(Ok(())) => {}
            Ok(Err(cause)) => tracing::warn!(%cause, "a text message could not be sent"),
            Err(_) => tracing::warn!("a text message timed out at the gateway"),
        }
    });
}

/// How many texts this node may send per minute, whoever asks: a cap on what a flood of
/// sign-in requests (many IDs, many numbers) can cost in SMS fees. A token bucket refilled
/// continuously; in memory, so N nodes send at most N times the budget.
pub struct SmsBudget {
    per_minute: u32,
    state: std::sync::Mutex<(f64, i64)>,
}

impl SmsBudget {
    pub fn new(per_minute: u32) -> SmsBudget {
        SmsBudget {
            per_minute,
            state: std::sync::Mutex::new((f64::from(per_minute), 0)),
        }
    }

    /// True when at least one text is left at `now_ms` (nothing is taken).
    pub fn has_left(&self, now_ms: i64) -> bool {
        let state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.refilled(*state, now_ms) >= 1.0
    }

    fn refilled(&self, (tokens, last): (f64, i64), now_ms: i64) -> f64 {
        let capacity = f64::from(self.per_minute);
        if last == 0 {
            capacity
        } else {
            let elapsed = (now_ms - last).max(0) as f64 / 60_000.0;
            (tokens + elapsed * capacity).min(capacity)
        }
    }

    /// Takes one text from the budget at `now_ms`; false when it is spent.
    pub fn try_take(&self, now_ms: i64) -> bool {
        // A panic elsewhere while holding the lock leaves a usable count behind.
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let refilled = self.refilled(*state, now_ms);
        if refilled >= 1.0 {
            *state = (refilled - 1.0, now_ms);
            true
        } else {
            *state = (refilled, now_ms);
            false
        }
    }
}

#[cfg(test)]
mod detached_tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::{SmsChannel, SmsFuture, send_detached};

    /// A gateway that takes its time, then reports what it sent.
    struct SlowGateway(tokio::sync::mpsc::UnboundedSender<String>);

    impl SmsChannel for SlowGateway {
        fn send(&self, to_e164: &str, _text: &str) -> SmsFuture {
            let sent = self.0.clone();
            let to = to_e164.to_owned();
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                sent.send(to).map_err(|e| e.to_string())
            })
        }
    }

    #[tokio::test]
    async fn the_caller_does_not_wait_for_the_gateway_and_the_text_still_goes() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let channel: Arc<dyn SmsChannel> = Arc::new(SlowGateway(tx));
        let started = tokio::time::Instant::now();
        send_detached(&channel, "+201001234567", "code");
        assert!(started.elapsed() < Duration::from_millis(100));
        assert!(rx.try_recv().is_err(), "not sent yet");
        let sent = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert_eq!(sent.ok().flatten().as_deref(), Some("+201001234567"));
    }
}

#[cfg(test)]
mod budget_tests {
    use super::SmsBudget;

    #[test]
    fn the_budget_is_spent_then_refills_with_time() {
        let budget = SmsBudget::new(3);
        let t0 = 1_000_000;
        assert!((0..3).all(|_| budget.try_take(t0)));
        assert!(!budget.try_take(t0), "a fourth text in the same instant");
        assert!(
            !budget.try_take(t0 + 10_000),
            "a sixth of a minute is half a text"
        );
        assert!(
            budget.try_take(t0 + 20_000),
            "a third of a minute is one text"
        );
        assert!(budget.try_take(t0 + 120_000));
        assert!(budget.has_left(t0 + 120_000), "looking takes nothing");
        assert!((0..2).all(|_| budget.try_take(t0 + 120_000)));
        assert!(!budget.has_left(t0 + 120_000));
    }
}

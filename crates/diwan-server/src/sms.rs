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

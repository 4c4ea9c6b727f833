//! A small pool of read-only connections. WAL lets them read concurrently with each other and
//! with the writer; each read runs on tokio's blocking pool so it never stalls a runtime thread.

use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::Connection;
use tokio::sync::Semaphore;

use crate::{StoreError, StoreResult};

pub(super) struct Readers {
    idle: Mutex<Vec<Connection>>,
    /// One permit per connection: a read waits here (asynchronously) rather than on a thread.
    permits: Arc<Semaphore>,
}

impl Readers {
    pub(super) fn new(connections: Vec<Connection>) -> Readers {
        let permits = Arc::new(Semaphore::new(connections.len()));
        Readers {
            idle: Mutex::new(connections),
            permits,
        }
    }

    /// Runs `read` on an idle connection.
    pub(super) async fn run<T, F>(self: &Arc<Self>, read: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Backend("the reader pool is closed".to_owned()))?;
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let lease = Lease::take(&pool)?;
            let result = read(lease.connection()?);
            // The connection goes back before the permit is released (drop order: lease
            // first), so a permit always finds an idle connection.
            drop(lease);
            drop(permit);
            result
        })
        .await
        .map_err(|e| StoreError::Backend(format!("read task failed: {e}")))?
    }
}

/// A connection borrowed from the pool; returned on drop, even if the read panicked.
struct Lease<'a> {
    pool: &'a Readers,
    conn: Option<Connection>,
}

impl<'a> Lease<'a> {
    fn take(pool: &'a Readers) -> StoreResult<Lease<'a>> {
        // A panic elsewhere while holding the lock cannot leave the Vec half-updated (push
        // and pop are atomic for our purpose), so a poisoned lock is safe to keep using.
        let conn = pool
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match conn {
            Some(conn) => Ok(Lease {
                pool,
                conn: Some(conn),
            }),
            None => Err(StoreError::Backend("no idle reader connection".to_owned())),
        }
    }

    fn connection(&self) -> StoreResult<&Connection> {
        self.conn
            .as_ref()
            .ok_or_else(|| StoreError::Backend("reader connection missing".to_owned()))
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
        }
    }
}

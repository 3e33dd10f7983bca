//! Admission control for TCP connections: at most a fixed number at once
//! (below the process's file limit, so that the server never runs out of
//! descriptors and stops answering everyone), and none kept once it has been
//! idle — no byte read or written — for a while: a client that sends half its
//! headers, or keeps an unused connection open, is let go.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// Descriptors kept back from connections: the database pool, files, logs.
const RESERVED_DESCRIPTORS: u64 = 256;

/// Raises the soft limit on open files to the hard limit; returns the limit in force.
pub fn raise_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    }
}

/// How many connections to admit: `configured`, or (0) what the file limit allows.
pub fn connection_cap(configured: usize, file_limit: u64) -> usize {
    let allowed = file_limit.saturating_sub(RESERVED_DESCRIPTORS).max(16) as usize;
    if configured == 0 {
        allowed
    } else {
        configured.min(allowed)
    }
}

/// A listener that admits at most `cap` connections and drops idle ones.
pub struct Guarded {
    listener: TcpListener,
    permits: Arc<Semaphore>,
    idle: Duration,
}

impl Guarded {
    pub fn new(listener: TcpListener, cap: usize, idle: Duration) -> Self {
        Self {
            listener,
            permits: Arc::new(Semaphore::new(cap)),
            idle,
        }
    }
}

/// Answers a connection over the cap and closes it.
fn refuse(mut stream: TcpStream) {
    tokio::spawn(async move {
        let busy = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(busy)).await;
        let _ = stream.shutdown().await;
    });
}

impl axum::serve::Listener for Guarded {
    type Io = GuardedIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            match self.permits.clone().try_acquire_owned() {
                Ok(permit) => {
                    let _ = stream.set_nodelay(true);
                    crate::telemetry_metrics::connection(1.0);
                    return (GuardedIo::new(stream, permit, self.idle), addr);
                }
                Err(_) => {
                    crate::telemetry_metrics::connection_refused();
                    tracing::warn!(%addr, "too many connections; refusing one");
                    refuse(stream);
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// An admitted connection: holds its place until dropped, and fails once idle.
///
/// Each read or write only notes the time; the timer is moved to the last
/// activity's deadline when it fires, so a busy connection touches the
/// runtime's timer wheel once per idle period, not once per read or write.
pub struct GuardedIo {
    io: TcpStream,
    idle: Pin<Box<Sleep>>,
    limit: Duration,
    /// When a byte was last read or written.
    last: Instant,
    _permit: OwnedSemaphorePermit,
}

impl GuardedIo {
    fn new(io: TcpStream, permit: OwnedSemaphorePermit, limit: Duration) -> Self {
        Self {
            io,
            idle: Box::pin(tokio::time::sleep(limit)),
            limit,
            last: Instant::now(),
            _permit: permit,
        }
    }

    fn active(&mut self) {
        self.last = Instant::now();
    }

    /// Whether nothing moved for `limit`; otherwise the timer waits (with
    /// `cx`'s waker) for the deadline of the last activity.
    fn timed_out(&mut self, cx: &mut Context<'_>) -> bool {
        while self.idle.as_mut().poll(cx).is_ready() {
            let deadline = self.last + self.limit;
            if deadline <= Instant::now() {
                return true;
            }
            self.idle.as_mut().reset(deadline);
        }
        false
    }
}

impl Drop for GuardedIo {
    fn drop(&mut self) {
        crate::telemetry_metrics::connection(-1.0);
    }
}

fn idle_error() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the connection was idle too long")
}

impl AsyncRead for GuardedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.active();
                Poll::Ready(result)
            }
            Poll::Pending if this.timed_out(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for GuardedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_write(cx, buf) {
            Poll::Ready(result) => {
                this.active();
                Poll::Ready(result)
            }
            Poll::Pending if this.timed_out(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_write_vectored(cx, bufs) {
            Poll::Ready(result) => {
                this.active();
                Poll::Ready(result)
            }
            Poll::Pending if this.timed_out(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_file_limit() {
        assert_eq!(connection_cap(0, 1024), 768);
        assert_eq!(connection_cap(100, 1024), 100);
        assert_eq!(connection_cap(5000, 1024), 768);
        assert_eq!(connection_cap(0, 100), 16);
    }
}

//! Deterministic batching of nested fields, per request.
//!
//! async-graphql's own `DataLoader` runs a batch a fixed delay after its
//! first key. Sibling fields resolve concurrently on several worker threads;
//! in a slow pass (a debug build, a busy machine) the delay ends before every
//! sibling has asked, so a page of 100 would cost more statements than a page
//! of 10, and the count would vary from run to run.
//!
//! Here the batches follow the request instead of a timer, as JavaScript's
//! DataLoader follows the event loop: [`run`] polls the request's execution,
//! and only when the execution is stalled (nothing left to do but wait) and no
//! batch is in flight does it start one batch per loader with every key asked
//! for since. So each level of a nested query costs one statement per loader,
//! whatever the page size, with no waiting on a timer.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Poll, Wake, Waker};

use async_graphql::dataloader::Loader;
use tokio::sync::oneshot;

use crate::error::ApiError;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Something with keys waiting for a batch.
trait Flush: Send + Sync {
    /// Starts a batch if keys are waiting; says whether it did.
    fn flush(&self, scope: &Arc<Scope>) -> bool;
}

/// The batching state of one request.
#[derive(Default)]
pub struct Scope {
    batchers: Mutex<Vec<Arc<dyn Flush>>>,
    in_flight: AtomicUsize,
    waker: Mutex<Option<Waker>>,
    /// No [`run`] drives this scope (a subscription's events): a batch
    /// starts a moment after its first key instead.
    timed: bool,
    scheduled: AtomicBool,
}

impl Scope {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// A scope for work that no [`run`] drives: batches start on a short timer.
    pub fn timed() -> Arc<Self> {
        Arc::new(Self {
            timed: true,
            ..Self::default()
        })
    }

    fn schedule(self: &Arc<Self>) {
        if self.timed && !self.scheduled.swap(true, Ordering::SeqCst) {
            let scope = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                scope.scheduled.store(false, Ordering::SeqCst);
                scope.flush_all();
            });
        }
    }

    fn wake(&self) {
        if let Some(waker) = lock(&self.waker).as_ref() {
            waker.wake_by_ref();
        }
    }

    fn flush_all(self: &Arc<Self>) {
        let batchers: Vec<Arc<dyn Flush>> = lock(&self.batchers).clone();
        for batcher in batchers {
            batcher.flush(self);
        }
    }
}

/// A batch's rows go to every waiter as one shared map: each waiter copies
/// out only the rows of its own keys.
type Reply<K, V> = oneshot::Sender<Result<Arc<HashMap<K, V>>, ApiError>>;
/// The keys asked for since the last batch, and who asked.
type Waiting<K, V> = (HashSet<K>, Vec<Reply<K, V>>);

struct Queue<L, K>
where
    L: Loader<K, Error = ApiError>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    loader: Arc<L>,
    pending: Mutex<Waiting<K, L::Value>>,
}

impl<L, K> Flush for Queue<L, K>
where
    L: Loader<K, Error = ApiError>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    fn flush(&self, scope: &Arc<Scope>) -> bool {
        let (keys, waiters) = {
            let mut pending = lock(&self.pending);
            if pending.1.is_empty() {
                return false;
            }
            (
                std::mem::take(&mut pending.0),
                std::mem::take(&mut pending.1),
            )
        };
        scope.in_flight.fetch_add(1, Ordering::SeqCst);
        let loader = self.loader.clone();
        let scope = scope.clone();
        tokio::spawn(async move {
            let keys: Vec<K> = keys.into_iter().collect();
            let result = loader.load(&keys).await.map(Arc::new);
            // In flight until every waiter has its answer: a poll of the
            // request that runs meanwhile (woken by another batch) must not
            // start the next batches before these waiters have asked for
            // their keys. The wake below polls the request once more, and
            // that poll may start them.
            for waiter in waiters {
                let _ = waiter.send(result.clone());
            }
            scope.in_flight.fetch_sub(1, Ordering::SeqCst);
            scope.wake();
        });
        true
    }
}

/// Collects the keys a request asks of one loader and loads them in batches.
pub struct Batcher<L, K>
where
    L: Loader<K, Error = ApiError>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    queue: Arc<Queue<L, K>>,
    scope: Arc<Scope>,
    /// Rows the request already holds, because its own mutation wrote them:
    /// loads of their keys are answered without a batch.
    primed: OnceLock<Mutex<HashMap<K, L::Value>>>,
}

impl<L, K> Batcher<L, K>
where
    L: Loader<K, Error = ApiError>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    pub fn new(scope: &Arc<Scope>, loader: L) -> Self {
        let queue = Arc::new(Queue {
            loader: Arc::new(loader),
            pending: Mutex::new((HashSet::new(), Vec::new())),
        });
        lock(&scope.batchers).push(queue.clone());
        Self {
            queue,
            scope: scope.clone(),
            primed: OnceLock::new(),
        }
    }

    /// Answers later loads of `key` with `value`: a row this request's
    /// mutation wrote and committed, which its answer is rendered from.
    pub fn prime(&self, key: K, value: L::Value) {
        lock(self.primed.get_or_init(Mutex::default)).insert(key, value);
    }

    fn primed(&self, key: &K) -> Option<L::Value> {
        self.primed
            .get()
            .and_then(|primed| lock(primed).get(key).cloned())
    }

    /// Asks for keys (those `ask` adds to the waiting ones) in the next
    /// batch and waits for it: the batch's whole answer, shared by everyone
    /// who waited for it.
    async fn batch(
        &self,
        ask: impl FnOnce(&mut HashSet<K>),
    ) -> Result<Arc<HashMap<K, L::Value>>, ApiError> {
        let (tx, rx) = oneshot::channel();
        {
            let mut pending = lock(&self.queue.pending);
            ask(&mut pending.0);
            pending.1.push(tx);
        }
        self.scope.schedule();
        rx.await.map_err(|_| {
            ApiError::broken("a batch's answer is sent before its sender is dropped")
        })?
    }

    /// Loads several keys in the next batch.
    pub async fn load_many(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<HashMap<K, L::Value>, ApiError> {
        let mut found = HashMap::new();
        let mut keys: Vec<K> = keys.into_iter().collect();
        if self.primed.get().is_some() {
            keys.retain(|k| match self.primed(k) {
                Some(value) => {
                    found.insert(k.clone(), value);
                    false
                }
                None => true,
            });
        }
        if keys.is_empty() {
            return Ok(found);
        }
        let all = self
            .batch(|waiting| waiting.extend(keys.iter().cloned()))
            .await?;
        found.extend(keys.into_iter().filter_map(|k| {
            let value = all.get(&k)?.clone();
            Some((k, value))
        }));
        Ok(found)
    }

    /// Loads one key in the next batch.
    pub async fn load_one(&self, key: K) -> Result<Option<L::Value>, ApiError> {
        if let Some(value) = self.primed(&key) {
            return Ok(Some(value));
        }
        // Many fields ask for the same key (a page's mandates name the same
        // States): it is copied only for the first.
        let all = self
            .batch(|waiting| {
                if !waiting.contains(&key) {
                    waiting.insert(key.clone());
                }
            })
            .await?;
        Ok(all.get(&key).cloned())
    }
}

/// Notes whether the execution woke itself while it was being polled.
struct FlagWaker {
    inner: Waker,
    woken: AtomicBool,
}

impl Wake for FlagWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.inner.wake_by_ref();
    }
}

/// Runs `execution`, starting the batches of `scope` whenever it stalls.
///
/// The execution runs outside tokio's cooperative budget: a task that has
/// used its budget sees ready channels answer `Pending` and is woken only
/// after its poll returns, so a poll that ran out of budget would look
/// stalled, and the batches would start before every key was asked for.
pub async fn run<F: Future>(scope: Arc<Scope>, execution: F) -> F::Output {
    let mut execution = pin!(tokio::task::unconstrained(execution));
    std::future::poll_fn(move |cx| {
        *lock(&scope.waker) = Some(cx.waker().clone());
        let flag = Arc::new(FlagWaker {
            inner: cx.waker().clone(),
            woken: AtomicBool::new(false),
        });
        let waker = Waker::from(flag.clone());
        if let Poll::Ready(output) = execution
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&waker))
        {
            return Poll::Ready(output);
        }
        // Woken while polled: more work is ready, and we will be polled again.
        if !flag.woken.load(Ordering::SeqCst) && scope.in_flight.load(Ordering::SeqCst) == 0 {
            scope.flush_all();
        }
        Poll::Pending
    })
    .await
}

/// Counts a database call made outside the loaders as in flight, so that no
/// batch starts while it runs: the keys its results lead to join the same
/// batch as everyone else's.
struct InFlight(Arc<Scope>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.0.wake();
    }
}

/// Runs a resolver's own database call (not through a loader) as part of the batching.
pub async fn direct<F: Future>(ctx: &async_graphql::Context<'_>, call: F) -> F::Output {
    let guard = ctx.data_opt::<Arc<Scope>>().map(|scope| {
        scope.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(scope.clone())
    });
    let output = call.await;
    drop(guard);
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loader that answers when told to, and notes that it got to the end.
    struct Held {
        answer: Mutex<Option<oneshot::Receiver<()>>>,
        finished: Arc<AtomicBool>,
    }

    impl Loader<u32> for Held {
        type Value = u32;
        type Error = ApiError;

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u32>, ApiError> {
            let answer = lock(&self.answer).take();
            if let Some(answer) = answer {
                let _ = answer.await;
            }
            self.finished.store(true, Ordering::SeqCst);
            Ok(keys.iter().map(|k| (*k, *k)).collect())
        }
    }

    /// A request dropped while its batch is in flight (a client that hung
    /// up): the batch still runs to its end, and then nothing holds the
    /// request's scope (nor the database connection the batch held).
    #[tokio::test]
    async fn a_batch_outlives_the_request_that_dropped_it_and_is_then_freed() {
        let (tell, answer) = oneshot::channel();
        let finished = Arc::new(AtomicBool::new(false));
        let scope = Scope::new();
        let batcher = Arc::new(Batcher::new(
            &scope,
            Held {
                answer: Mutex::new(Some(answer)),
                finished: finished.clone(),
            },
        ));
        let asking = batcher.clone();
        let request = run(scope.clone(), async move { asking.load_one(7).await });
        let freed = Arc::downgrade(&scope);
        drop((scope, batcher));
        // Polled until its batch is in flight, then dropped.
        let outcome = tokio::time::timeout(std::time::Duration::from_millis(50), request).await;
        assert!(outcome.is_err(), "the batch waits for its answer");
        assert!(!finished.load(Ordering::SeqCst));
        tell.send(()).expect("the batch is still waiting");
        for _ in 0..100 {
            if finished.load(Ordering::SeqCst) && freed.upgrade().is_none() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!(
            "finished: {}, scope freed: {}",
            finished.load(Ordering::SeqCst),
            freed.upgrade().is_none()
        );
    }
}

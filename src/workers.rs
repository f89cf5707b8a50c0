//! A fixed set of threads for the CPU-bound step of an item (extraction).
//!
//! Why not a semaphore in front of `spawn_blocking`: there a finished
//! extraction frees its permit, the permit wakes a waiting task on an async
//! worker, and only when that worker runs does the next page reach a
//! blocking thread. Under load every hand-off leaves a core idle for a
//! while (a load benchmark measured 1.7 of 2 cores busy with 28 pages
//! waiting). Here each worker takes the next job itself as soon as it is
//! free: the queue is never waiting on the async runtime.
//!
//! The queue is unbounded; the caller bounds it (the article stage never
//! has more than `concurrency.articles` items in flight). Dropping the pool
//! lets its threads finish the queued jobs and exit.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A job could not give its result.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The job panicked; the worker survives it.
    #[error("a worker thread panicked")]
    Panicked,
    /// The pool is gone (shutdown).
    #[error("the worker pool has shut down")]
    Gone,
}

/// Threads that run jobs in the order they were submitted.
pub struct Workers {
    jobs: mpsc::Sender<Job>,
}

impl Workers {
    /// Starts `threads` threads (at least one) named `name-<n>`.
    pub fn start(threads: usize, name: &str) -> std::io::Result<Workers> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held while waiting: the other idle
                        // workers queue behind it, and the one that gets a
                        // job releases it before running the job.
                        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        match job {
                            Ok(job) => job(),
                            Err(mpsc::RecvError) => break,
                        }
                    }
                })?;
        }
        Ok(Workers { jobs })
    }

    /// Runs `f` on a worker and waits (asynchronously) for its result.
    pub async fn run<T, F>(&self, f: F) -> Result<T, WorkerError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
        });
        self.jobs.send(job).map_err(|_| WorkerError::Gone)?;
        match rx.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(WorkerError::Panicked),
            Err(_) => Err(WorkerError::Gone),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_the_named_threads_and_a_panic_costs_only_its_job() {
        let workers = Workers::start(2, "test-worker").unwrap();
        let name = workers
            .run(|| std::thread::current().name().map(str::to_owned))
            .await
            .unwrap();
        assert!(name.is_some_and(|n| n.starts_with("test-worker-")));
        let panicked = workers.run(|| -> u32 { panic!("boom") }).await;
        assert!(matches!(panicked, Err(WorkerError::Panicked)));
        // The pool still works after the panic.
        for n in 0..8u32 {
            assert_eq!(workers.run(move || n * 2).await.unwrap(), n * 2);
        }
    }

    #[tokio::test]
    async fn a_busy_worker_does_not_hold_up_the_others() {
        let workers = Arc::new(Workers::start(2, "test-worker").unwrap());
        let (started, running) = tokio::sync::oneshot::channel::<()>();
        let (release, wait) = mpsc::channel::<()>();
        let blocked = tokio::spawn({
            let workers = workers.clone();
            async move {
                workers
                    .run(move || {
                        let _ = started.send(());
                        wait.recv().is_ok()
                    })
                    .await
            }
        });
        // One worker is now blocked until released; these jobs can only
        // finish if the other thread serves the queue meanwhile.
        running.await.unwrap();
        for n in 0..4u32 {
            assert_eq!(workers.run(move || n + 1).await.unwrap(), n + 1);
        }
        release.send(()).unwrap();
        assert!(blocked.await.unwrap().unwrap());
    }
}

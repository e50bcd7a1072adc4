//! A bridge from the app's synchronous store traits to the async SDK: one thread of its own
//! runs the calls on a current-thread runtime, and the caller waits at most a deadline. So a
//! store call works from a test thread and from inside the app's runtime alike, and a hung
//! network costs the caller the deadline, not the terminal.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;
use std::time::Duration;

type Job = Box<dyn FnOnce(&tokio::runtime::Runtime) + Send>;

#[derive(Debug)]
pub struct Blocking {
    jobs: mpsc::Sender<Job>,
}

impl Blocking {
    pub fn new(name: &str) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new().name(name.to_owned()).spawn(move || {
            while let Ok(job) = rx.recv() {
                job(&runtime);
            }
        })?;
        Ok(Self { jobs })
    }

    /// Start `future` and return at once; it runs (at most `deadline`) after the calls
    /// already queued. For what the caller must not wait for (a refresh, a lease renewal).
    pub fn spawn(&self, future: impl Future<Output = ()> + Send + 'static, deadline: Duration) {
        let job: Job = Box::new(move |runtime| {
            runtime.block_on(async move {
                let _ = tokio::time::timeout(deadline, future).await;
            });
        });
        let _ = self.jobs.send(job);
    }

    /// Run `future` to its end, waiting at most `deadline`; `None` when it did not finish
    /// in time (it is then abandoned) or the worker is gone.
    pub fn run<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
        deadline: Duration,
    ) -> Option<T> {
        let (tx, rx) = mpsc::sync_channel(1);
        let future: Pin<Box<dyn Future<Output = T> + Send>> = Box::pin(future);
        let job: Job = Box::new(move |runtime| {
            let out = runtime.block_on(async move { tokio::time::timeout(deadline, future).await.ok() });
            let _ = tx.send(out);
        });
        self.jobs.send(job).ok()?;
        rx.recv_timeout(deadline + Duration::from_millis(500)).ok().flatten()
    }
}

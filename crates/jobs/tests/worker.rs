use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rapport_domain::Timestamp;
use rapport_jobs::Worker;
use rapport_store::both_backends;
use rapport_store::testing::TestDb;

both_backends!(
    due_jobs_run_once_and_failures_are_retried_later,
    |db: TestDb| async move {
        let runs = Arc::new(AtomicUsize::new(0));
        let counter = runs.clone();
        let worker = Worker::new(db.store.clone(), "node-a").handle(
            "count",
            Arc::new(move |_store, job| {
                let counter = counter.clone();
                Box::pin(async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    if job.payload["fail"] == true {
                        Err("asked to fail".into())
                    } else {
                        Ok(())
                    }
                })
            }),
        );
        let now = Timestamp::now();
        db.store
            .enqueue_job("count", &serde_json::json!({}), now, 3)
            .await
            .unwrap();
        db.store
            .enqueue_job("count", &serde_json::json!({"fail": true}), now, 3)
            .await
            .unwrap();
        db.store
            .enqueue_job("count", &serde_json::json!({}), now.plus_seconds(3600), 3)
            .await
            .unwrap();
        assert_eq!(worker.run_due().await, 2, "only the due jobs run");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        // The succeeded job is done and the failed one waits for its backoff.
        assert_eq!(worker.run_due().await, 0);
    }
);

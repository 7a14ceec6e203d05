//! The ceiling a password login cannot beat: Argon2id with the login's own
//! parameters and code, hashed in a tight loop on every core (each thread
//! keeping its work area, as a busy hashing worker does), nothing else
//! running.

use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    thread,
    time::{Duration, Instant},
};

use app::domain::password::{hash_with, WorkArea};

/// Hashes per second over `duration`, one thread per core.
pub fn ceiling(duration: Duration) -> f64 {
    let threads = thread::available_parallelism().map_or(2, |n| n.get());
    let stop = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let start = Instant::now();
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut work = WorkArea::new().expect("memory for Argon2");
                while !stop.load(Ordering::Relaxed) {
                    hash_with(&mut work, "ceiling-measure-password").expect("argon2 hashes");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        thread::sleep(duration);
        stop.store(true, Ordering::Relaxed);
    });
    // The last hash of each thread may end after `duration`; count the
    // time until it did.
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

//! Live countdowns: a signal that ticks every second in the browser
//! (gloo-timers) and stays still on the server. Every deadline is sent by
//! the server as "seconds from now", so a wrong clock in the browser does
//! not matter.

use leptos::prelude::*;

/// Seconds since the calling component was created.
pub fn use_ticks() -> ReadSignal<i64> {
    let (ticks, set_ticks) = signal(0_i64);
    #[cfg(feature = "hydrate")]
    {
        let interval =
            gloo_timers::callback::Interval::new(1_000, move || set_ticks.update(|t| *t += 1));
        // The interval lives in the single wasm thread; the wrapper only
        // satisfies `on_cleanup`'s `Send` bound and drops it on that thread.
        let interval = send_wrapper::SendWrapper::new(interval);
        on_cleanup(move || drop(interval));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_ticks;
    ticks
}

/// `seconds` counted down from the tick at which it was received.
pub fn remaining(
    ticks: ReadSignal<i64>,
    seconds: i64,
) -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let base = ticks.get_untracked();
    move || (seconds - (ticks.get() - base)).max(0)
}

/// Seconds left in a repeating window (the app's 30-second codes),
/// starting from `seconds_left` at the tick it was received.
pub fn window_left(
    ticks: ReadSignal<i64>,
    seconds_left: i64,
) -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let base = ticks.get_untracked();
    move || {
        let left = (seconds_left - (ticks.get() - base)).rem_euclid(30);
        if left == 0 {
            30
        } else {
            left
        }
    }
}

/// A `HH:MM:SS` clock received from the server, moving on each tick.
pub fn clock_from(
    ticks: ReadSignal<i64>,
    hh_mm_ss: &str,
) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let base = ticks.get_untracked();
    let parts: Vec<i64> = hh_mm_ss.split(':').filter_map(|p| p.parse().ok()).collect();
    let start = match parts.as_slice() {
        [h, m, s] => Some(h * 3600 + m * 60 + s),
        _ => None,
    };
    move || match start {
        Some(start) => {
            let t = (start + ticks.get() - base).rem_euclid(24 * 3600);
            format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
        }
        None => String::new(),
    }
}

/// `4:05`
pub fn minutes_seconds(seconds: i64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn minutes_seconds_reads_like_a_clock() {
        assert_eq!(super::minutes_seconds(300), "5:00");
        assert_eq!(super::minutes_seconds(65), "1:05");
        assert_eq!(super::minutes_seconds(9), "0:09");
    }
}

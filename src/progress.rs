//! The progress bar of a long read: files done of the total, bytes read and events found so far,
//! on standard error.
//!
//! Shown only when the settings ask for it (standard error is a terminal and `--quiet` is off:
//! `config` decides) and only once a read has taken a second, so short runs, pipes and CI logs
//! never see it. Workers report once per file, never per event. Owns nothing of the results and
//! never writes anywhere else than the bar's line, which it clears when the read is done.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a read runs before its bar appears.
const DELAY: Duration = Duration::from_secs(1);

/// Redraws per second, at most.
const REDRAWS: u8 = 4;

/// The bar's line: `reading [=====>    ] 120/800 files, 1.20 GiB, 3,456,789 events, 12s`.
const TEMPLATE: &str = "{prefix} [{wide_bar}] {pos}/{len} files, {msg}, {elapsed}";

/// The progress of one pass over the files; every call does nothing when it is not shown.
pub struct Progress {
    meter: Option<Meter>,
}

/// A bar that may be shown.
struct Meter {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
    bytes: AtomicU64,
    events: AtomicU64,
}

impl Progress {
    /// The progress of reading `files` files, named `what` on the bar (`reading`); with `show`
    /// false, nothing is ever drawn and every call returns at once.
    pub fn new(show: bool, files: usize, what: &'static str) -> Progress {
        let meter = show.then(|| {
            // Hidden until the read has taken DELAY: a short run never draws a frame.
            let hidden = ProgressDrawTarget::hidden();
            let bar = ProgressBar::with_draw_target(Some(files as u64), hidden);
            let style = ProgressStyle::with_template(TEMPLATE)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(what);
            Meter {
                bar,
                started: Instant::now(),
                shown: AtomicBool::new(false),
                bytes: AtomicU64::new(0),
                events: AtomicU64::new(0),
            }
        });
        Progress { meter }
    }

    /// One file done, with `events` events read from it; `bytes` tells its stored size, asked
    /// only when there is a bar. Called from the workers, once per file.
    pub fn file_done(&self, bytes: impl FnOnce() -> u64, events: u64) {
        if let Some(meter) = &self.meter {
            meter.file_done(bytes(), events);
        }
    }

    /// Clears the bar: call before anything else is written to standard error.
    pub fn finish(&self) {
        if let Some(meter) = &self.meter
            && !meter.bar.is_finished()
        {
            meter.bar.finish_and_clear();
        }
    }
}

impl Meter {
    fn file_done(&self, bytes: u64, events: u64) {
        let bytes = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let events = self.events.fetch_add(events, Ordering::Relaxed) + events;
        if !self.shown.load(Ordering::Relaxed) {
            if self.started.elapsed() < DELAY {
                self.bar.inc(1);
                return;
            }
            if !self.shown.swap(true, Ordering::Relaxed) {
                let target = ProgressDrawTarget::stderr_with_hz(REDRAWS);
                self.bar.set_draw_target(target);
            }
        }
        let message = format!("{}, {} events", HumanBytes(bytes), HumanCount(events));
        self.bar.set_message(message);
        self.bar.inc(1);
    }
}

impl Drop for Progress {
    /// A pass that ended early (an error, a panic) leaves no bar behind either.
    fn drop(&mut self) {
        self.finish();
    }
}

//! Ctrl-C during a build: SIGINT, SIGTERM and SIGHUP are blocked in every thread and
//! received by one waiting thread, which raises a flag the scheduler polls; the scheduler
//! then kills every builder's process group. Builders get the default signal mask back
//! before they start.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A flag raised when the user asks the build to stop.
#[derive(Clone, Default)]
pub struct Interrupt {
    raised: Arc<AtomicBool>,
}

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

fn signal_set() -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset initialise and fill a plain C struct we own.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in SIGNALS {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

impl Interrupt {
    /// A flag nothing raises except [`Interrupt::raise`] (for library callers and tests).
    pub fn manual() -> Interrupt {
        Interrupt::default()
    }

    /// Blocks the stop signals in this thread (and so in threads started after it) and
    /// starts a thread that waits for them. Call it before starting other threads.
    pub fn on_signals() -> Interrupt {
        let flag = Interrupt::default();
        let set = signal_set();
        // SAFETY: changes this thread's signal mask; `set` is initialised.
        let blocked =
            unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) } == 0;
        if blocked {
            let raised = flag.raised.clone();
            let spawned = std::thread::Builder::new()
                .name("signals".into())
                .spawn(move || {
                    let mut sig: libc::c_int = 0;
                    // SAFETY: sigwait on an initialised set with a valid out pointer.
                    if unsafe { libc::sigwait(&set, &mut sig) } == 0 {
                        raised.store(true, Ordering::SeqCst);
                    }
                });
            if spawned.is_err() {
                // Without the waiting thread the signals must stay deliverable.
                // SAFETY: as above.
                unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) };
            }
        }
        flag
    }

    /// Whether a stop was asked for.
    pub fn is_raised(&self) -> bool {
        self.raised.load(Ordering::SeqCst)
    }

    /// Asks the build to stop.
    pub fn raise(&self) {
        self.raised.store(true, Ordering::SeqCst);
    }
}

/// Restores the default mask in a freshly forked child (async-signal-safe).
pub(super) fn unblock_in_child() {
    let set = signal_set();
    // SAFETY: sigprocmask is async-signal-safe; `set` lives on this stack.
    unsafe {
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
}

//! Where measured runs wait for the calibration pilots running beside them.
//!
//! Pilots hand in their activity; the one that hands in the last calibrates (outside
//! the lock) and opens the gate. A run waits only after every pilot job has been taken
//! by some thread, so the pilots it waits for are in progress and never wait
//! themselves: no deadlock. A pilot that panics closes the gate for good, so nothing
//! waits forever.

use crate::payment::run::Pilot;
use crate::payment::spec::PaymentCalibration;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// The state of the calibration.
enum Outcome {
    /// Pilots still running.
    Pending,
    /// Calibrated, indexed by scenario.
    Ready(Arc<Vec<PaymentCalibration>>),
    /// Calibration failed or a pilot panicked: runs that need it stop.
    Failed,
}

struct State {
    /// Each pilot job's output, in job order, as they come in.
    pilots: Vec<Option<Pilot>>,
    /// Pilot jobs not yet handed in.
    remaining: usize,
    outcome: Outcome,
}

/// Hands the calibration from the pilot jobs to the runs that need it.
pub(crate) struct CalibrationGate {
    state: Mutex<State>,
    opened: Condvar,
}

impl CalibrationGate {
    /// A gate for `pilots` pilot jobs.
    pub(crate) fn new(pilots: usize) -> Self {
        Self {
            state: Mutex::new(State {
                pilots: (0..pilots).map(|_| None).collect(),
                remaining: pilots,
                outcome: Outcome::Pending,
            }),
            opened: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock; a poisoned state is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn open(&self, outcome: Outcome) {
        self.lock().outcome = outcome;
        self.opened.notify_all();
    }

    /// Runs pilot job `job` with `run`; if it is the last one in, calibrates from every
    /// pilot (in job order) with `calibrate` and opens the gate. The calibration's error,
    /// if any, is returned to this caller alone; the waiting runs then stop.
    pub(crate) fn pilot<E>(
        &self,
        job: usize,
        run: impl FnOnce() -> Pilot,
        calibrate: impl FnOnce(Vec<Pilot>) -> Result<Vec<PaymentCalibration>, E>,
    ) -> Result<(), E> {
        // Closes the gate if `run` or `calibrate` unwinds.
        struct Unwind<'g>(&'g CalibrationGate, bool);
        impl Drop for Unwind<'_> {
            fn drop(&mut self) {
                if self.1 {
                    self.0.open(Outcome::Failed);
                }
            }
        }
        let mut guard = Unwind(self, true);
        let pilot = run();
        let all = {
            let mut state = self.lock();
            state.pilots[job] = Some(pilot);
            state.remaining -= 1;
            if state.remaining > 0 { None } else { Some(std::mem::take(&mut state.pilots)) }
        };
        let result = match all {
            None => Ok(()),
            Some(pilots) => match calibrate(pilots.into_iter().flatten().collect()) {
                Ok(c) => {
                    self.open(Outcome::Ready(Arc::new(c)));
                    Ok(())
                }
                Err(e) => {
                    self.open(Outcome::Failed);
                    Err(e)
                }
            },
        };
        guard.1 = false;
        result
    }

    /// Waits for the calibration: `None` when it failed (the error goes to the caller of
    /// the last [`CalibrationGate::pilot`]).
    pub(crate) fn wait(&self) -> Option<Arc<Vec<PaymentCalibration>>> {
        let mut state = self.lock();
        loop {
            match &state.outcome {
                Outcome::Ready(c) => return Some(Arc::clone(c)),
                Outcome::Failed => return None,
                Outcome::Pending => state = self.opened.wait(state).unwrap_or_else(PoisonError::into_inner),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::activity::ActivityLog;
    use crate::record::RunKey;

    fn pilot(r: u32) -> Pilot {
        (ActivityLog::default(), (r, r + 1), RunKey { scenario: 0, sample: 0, replication: r }, Default::default())
    }

    #[test]
    fn the_last_pilot_in_calibrates_from_all_in_job_order_and_wakes_the_waiters() {
        let gate = CalibrationGate::new(3);
        let seen = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            let waiters: Vec<_> = (0..2).map(|_| s.spawn(|| gate.wait())).collect();
            // Handed in out of order, from different threads.
            for job in [2usize, 0, 1] {
                let (gate, seen) = (&gate, &seen);
                s.spawn(move || {
                    gate.pilot::<()>(
                        job,
                        || pilot(job as u32),
                        |all| {
                            seen.lock().expect("lock").extend(all.iter().map(|p| p.1.0));
                            Ok(vec![PaymentCalibration::default(); 4])
                        },
                    )
                })
                .join()
                .expect("pilot")
                .expect("calibrates");
            }
            for w in waiters {
                assert_eq!(w.join().expect("waiter").map(|c| c.len()), Some(4));
            }
        });
        assert_eq!(*seen.lock().expect("lock"), vec![0, 1, 2], "every pilot, in job order");
        assert!(gate.wait().is_some(), "stays open");
    }

    #[test]
    fn a_failed_calibration_goes_to_the_last_pilot_and_stops_the_waiters() {
        let gate = CalibrationGate::new(2);
        assert_eq!(gate.pilot::<&str>(0, || pilot(0), |_| unreachable!("not the last")), Ok(()));
        assert_eq!(gate.pilot(1, || pilot(1), |_| Err("no cohort")), Err("no cohort"));
        assert!(gate.wait().is_none());
    }

    #[test]
    fn a_pilot_that_panics_closes_the_gate_instead_of_leaving_runs_waiting() {
        let gate = CalibrationGate::new(2);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| gate.wait());
            let panicked = s.spawn(|| gate.pilot::<()>(0, || panic!("a bug in a pilot"), |_| Ok(Vec::new()))).join();
            assert!(panicked.is_err());
            assert!(waiter.join().expect("waiter").is_none(), "woken, told the calibration failed");
        });
    }
}

//! Delays between medically ready and leaving, inside a replication: process delays
//! (assessment, funding, choice, ...) that run from the end of a stay, capacity delays
//! (blocked waiting for a place downstream), both recorded in a
//! [`DelayBook`](crate::capacity::delay_book::DelayBook) segment by segment with the
//! reason in force, and the deadlock check of blocking.
//!
//! A patient's delay is a chain of segments: zero or more process segments (each with
//! the process's reason and responsible organisation), then, if the next pool is full,
//! one capacity segment (with the reason and responsible organisation of the pool
//! waited for). Exactly one segment is open while the patient is delayed; it is closed
//! when the next begins or the patient leaves (or at the horizon).

use super::{FlowEvent, Replication};
use crate::capacity::PatientId;
use crate::capacity::PoolId;
use crate::capacity::delay_book::{DelayKey, midnights};
use crate::capacity::{CapacityUnit, Responsible, Setting};
use crate::pathway::Next;
use crate::time::{SimDuration, SimTime};

/// A run that locked: every place of a set of pools is held by a patient blocked
/// waiting for another pool of the set, so nobody in them can ever move again.
#[derive(Clone, Debug, PartialEq)]
pub struct Deadlock {
    /// The pools of the locked set, by name.
    pub pools: Vec<String>,
    /// When it happened, days from the start of the run.
    pub day: f64,
}

impl std::fmt::Display for Deadlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "deadlock at day {:.3}: every place of pools {} is held by a patient blocked waiting for a place in \
             another of them, so nobody can leave; give one of these pools more places, make one `when_full = \
             \"turn_away\"`, or break the routing cycle between them (`caresim validate` lists such cycles)",
            self.day,
            self.pools.join(", ")
        )
    }
}

impl std::error::Error for Deadlock {}

impl<'m> Replication<'m> {
    /// The stay of patient `id` in `held` is over and they are bound for `next`: runs
    /// the step's process delays, if any apply, before they leave. Returns true when a
    /// process is running (the patient leaves when it ends).
    pub(super) fn begin_processes(&mut self, id: PatientId, held: PoolId, next: Next) -> bool {
        let p = &mut self.patients[id.0 as usize];
        p.pending = Some(next);
        p.process_index = 0;
        if self.next_process(id, held) {
            self.pools[held.0 as usize].block(self.queue.now());
            return true;
        }
        self.patients[id.0 as usize].pending = None;
        false
    }

    /// Starts the next process delay of the patient's step that applies (closing the
    /// segment of the one before); false when none is left.
    fn next_process(&mut self, id: PatientId, held: PoolId) -> bool {
        let now = self.queue.now();
        let model = self.model;
        let in_acute = model.pool(held).setting == Setting::Acute;
        let p = &mut self.patients[id.0 as usize];
        let step = model.pathway(p.pathway).step(p.step);
        let next = p.pending.unwrap_or(Next::Exit);
        while (p.process_index as usize) < step.process_delays.len() {
            let delay = &step.process_delays[p.process_index as usize];
            p.process_index += 1;
            if let Some(d) = delay.draw(&mut p.rng, next, in_acute, &step.levers) {
                let waited_for = match next {
                    Next::Step(s) => Some(model.pathway(p.pathway).step(s).pool),
                    Next::Exit => None,
                };
                let key = DelayKey { held, waited_for, reason: delay.reason, responsible: delay.responsible };
                let generation = p.generation;
                self.open_segment(id, key);
                self.queue.schedule(now + d, FlowEvent::ProcessEnd { patient: id, generation });
                return true;
            }
        }
        false
    }

    /// A process delay of patient `id` is complete: the next one starts, or the patient
    /// moves on as their route says.
    pub(super) fn on_process_end(&mut self, id: PatientId) {
        let now = self.queue.now();
        let held = self.patients[id.0 as usize].held.expect("invariant: a patient in a process holds a place");
        if self.next_process(id, held) {
            return;
        }
        self.pools[held.0 as usize].unblock(now);
        let next = self.patients[id.0 as usize].pending.take().unwrap_or(Next::Exit);
        self.leave_step(id, held, next);
    }

    /// Opens a delay segment for patient `id` (closing the one open, if any).
    pub(super) fn open_segment(&mut self, id: PatientId, key: DelayKey) {
        self.close_segment(id, false);
        let now = self.queue.now();
        let p = &mut self.patients[id.0 as usize];
        p.segment = Some(key);
        p.segment_since = now;
    }

    /// Closes patient `id`'s open delay segment at now, if any: its time goes to the
    /// book under its key, and when `leaves` the delay counts as one delayed transfer.
    /// Acute delayed days the council alone is responsible for are noted for the
    /// Care Act reimbursement.
    pub(super) fn close_segment(&mut self, id: PatientId, leaves: bool) {
        let now = self.queue.now();
        let p = &mut self.patients[id.0 as usize];
        let Some(key) = p.segment.take() else {
            return;
        };
        self.delay_book.add(key, p.segment_since, now, p.ready_at, leaves);
        if key.responsible == Responsible::Council && self.model.pool(key.held).setting == Setting::Acute {
            let from = p.segment_since.max(self.warmup);
            self.reimbursable_days.extend(midnights(from, now));
        }
    }

    /// Closes every open segment at the horizon (time only: nobody leaves).
    pub(super) fn close_segments_at_horizon(&mut self) {
        for i in 0..self.patients.len() {
            if self.patients[i].segment.is_some() && self.patients[i].held.is_some() {
                self.close_segment(PatientId(i as u32), false);
            }
        }
    }

    /// Units patient `id` asks of `pool`: one place, or for a pool of carer hours the
    /// package's hours a week (drawn from the pool's package size, rounded to whole
    /// hours, at least 1).
    pub(super) fn units_for(&mut self, id: PatientId, pool: PoolId) -> u32 {
        let spec = self.model.pool(pool);
        if spec.unit != CapacityUnit::CarerHoursPerWeek {
            return 1;
        }
        let p = &mut self.patients[id.0 as usize];
        let hours = spec.package_hours_per_week.map_or(1.0, |d| d.sample(&mut p.rng));
        p.hours_per_week = hours;
        (hours.round() as u32).max(1)
    }

    /// Patient `id`, holding `held`, has just joined the waiting list of `target`:
    /// counts the block and stops the run if it locked a set of pools.
    pub(super) fn note_blocked(&mut self, id: PatientId, held: PoolId, target: PoolId) {
        let spec = self.model.pool(target);
        let key = DelayKey { held, waited_for: Some(target), reason: spec.delay_reason, responsible: spec.responsible };
        self.open_segment(id, key);
        if self.blocked_graph.block(held, target) {
            let locked = self.blocked_graph.locked();
            if !locked.is_empty() && self.deadlock.is_none() {
                self.deadlock = Some(Deadlock {
                    pools: locked.iter().map(|p| self.model.pool(*p).name.clone()).collect(),
                    day: self.queue.now().as_days_f64(),
                });
            }
        }
    }

    /// The patience of patient `id` asking for `pool`, when the pool has `renege_after`:
    /// drawn at every request, served or not, so that the patient's later draws stay
    /// aligned across scenarios that change the pool's capacity (common random numbers).
    pub(super) fn draw_patience(&mut self, id: PatientId, pool: PoolId) -> Option<SimDuration> {
        let dist = self.model.pool(pool).renege_after.as_ref()?;
        Some(dist.sample(&mut self.patients[id.0 as usize].rng))
    }

    /// Patient `id` has just joined a waiting list: with a `patience`, they give up when
    /// it runs out unless served before.
    pub(super) fn schedule_renege(&mut self, id: PatientId, patience: Option<SimDuration>) {
        let Some(patience) = patience else {
            return;
        };
        let at = self.queue.now() + patience;
        let p = &mut self.patients[id.0 as usize];
        p.renege_at = Some(at);
        let generation = p.generation;
        self.queue.schedule(at, FlowEvent::Renege { patient: id, generation });
    }

    /// Patient `id`'s patience runs out: if they still wait (not served since), they
    /// leave the waiting list and the modelled system (home with informal or privately
    /// arranged care). A patient blocked in a place leaves it, and the delay up to now
    /// is recorded with the reason of the pool waited for.
    pub(super) fn on_renege(&mut self, id: PatientId) {
        let now = self.queue.now();
        let p = &self.patients[id.0 as usize];
        if p.renege_at != Some(now) {
            return;
        }
        let target = self.model.pathway(p.pathway).step(p.step).pool;
        self.pools[target.0 as usize].renege(now);
        match p.held {
            Some(held) => {
                self.pools[held.0 as usize].unblock(now);
                self.blocked_graph.unblock(held, target);
                self.leave_system(id, held);
            }
            None => self.end_journey(id),
        }
    }

    /// The time a patient waited outside any place for `pool`, from the decision to
    /// admit (the request) to now, counted in the pool's long-wait statistics.
    pub(super) fn note_outside_wait(&mut self, pool: PoolId, requested_at: SimTime) {
        let now = self.queue.now();
        if now > requested_at {
            self.pools[pool.0 as usize].note_wait_from_outside(now.since(requested_at));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::capacity::{DelayReason, Responsible};
    use crate::config::RunSettings;
    use crate::flow::{Deadlock, RunOutput, run};
    use crate::record::RunKey;

    fn plan(toml: &str) -> crate::config::ExperimentPlan {
        crate::config::load_resolved(std::path::Path::new("test.toml"), toml).expect("valid config")
    }

    fn run_of(toml: &str, episodes: bool) -> Result<RunOutput, Deadlock> {
        let plan = plan(toml);
        let settings = RunSettings { record_episodes: episodes, ..plan.run_settings(false) };
        run(&plan.scenarios[0].model, settings, RunKey { scenario: 0, sample: 0, replication: 0 })
    }

    const DAY: f64 = 1.0;

    /// Process delays alone: 10 patients a day, each delayed with probability 0.5 for an
    /// exponential time of mean 2 days. Over ~2,000 delays the mean delay has standard
    /// error 2 / sqrt(2000) = 0.045 days, and the share delayed 0.5 has standard error
    /// sqrt(0.25 / 4000) = 0.008: 4 standard errors each. (Delays still running at the
    /// horizon add about 10 patients x 2 days without a transfer: a bias of 0.5%.)
    #[test]
    fn process_delays_alone_give_the_configured_mean_delay() {
        let out = run_of(
            r#"
            seed = 16
            replications = 1
            horizon_days = 400
            [pools.ward]
            capacity = "unlimited"
            setting = "acute"
            [arrivals.a]
            rate_per_day = 10
            pathway = "stay"
            [pathways.stay]
            start = "ward"
            [pathways.stay.steps.ward]
            pool = "ward"
            stay = { dist = "fixed", days = 1 }
            process_delays = [
              { reason = "awaiting_assessment", responsible = "council", p = 0.5, duration = { dist = "exponential", mean_days = 2 } },
            ]
            "#,
            false,
        )
        .expect("no deadlock");
        let d = &out.delays;
        assert_eq!(d.held_pool.len(), 1, "one row: {d:?}");
        assert_eq!(
            (d.waiting_for_pool[0], d.reason[0], d.responsible[0]),
            (None, DelayReason::AwaitingAssessment, Responsible::Council)
        );
        let arrivals = out.pools[0].stats.arrivals as f64;
        let delayed = d.delayed_transfers[0] as f64;
        let share = delayed / arrivals;
        assert!((share - 0.5).abs() < 4.0 * (0.25 / arrivals).sqrt(), "share delayed {share}");
        let mean = d.delayed_days[0] / delayed;
        assert!((mean - 2.0).abs() < 4.0 * 2.0 / delayed.sqrt() + 0.01, "mean delay {mean} days");
        // Delayed patients are blocked in the ward while the process runs.
        let blocked_days = out.pools[0].stats.blocked_area as f64 / 1440.0;
        assert!((blocked_days - d.delayed_days[0]).abs() < 1e-6 * blocked_days);
        let _ = DAY;
    }

    /// A fixed 2-day process before a transfer to a one-place pool with 3-day stays:
    /// every patient leaves the ward no earlier than 2 days after ready, exactly then
    /// when a place is free, later otherwise; the process days are recorded under the
    /// process's reason and the rest under the reason of the pool waited for.
    #[test]
    fn with_capacity_the_later_of_process_and_place_holds() {
        let out = run_of(
            r#"
            seed = 3
            replications = 1
            horizon_days = 300
            [pools.ward]
            capacity = "unlimited"
            setting = "acute"
            [pools.care]
            capacity = 1
            delay_reason = "awaiting_care_home"
            responsible = "council"
            [arrivals.a]
            rate_per_day = 0.3
            pathway = "stay"
            [pathways.stay]
            start = "ward"
            [pathways.stay.steps.ward]
            pool = "ward"
            stay = { dist = "fixed", days = 0.5 }
            next = [{ to = "care", p = 1 }]
            process_delays = [
              { reason = "patient_or_family_choice", responsible = "nhs", p = 1, duration = { dist = "fixed", days = 2 } },
            ]
            [pathways.stay.steps.care]
            pool = "care"
            stay = { dist = "fixed", days = 3 }
            "#,
            true,
        )
        .expect("no deadlock");
        let e = out.episodes.as_ref().expect("episodes recorded");
        let (mut exact, mut later, mut ward_exits) = (0, 0, 0);
        for i in 0..e.pool.len() {
            if e.pool[i] != 1 {
                continue; // pools sorted by name: care = 0, ward = 1
            }
            ward_exits += 1;
            let blocked = e.blocked_days[i];
            assert!(blocked >= 2.0 - 1e-6, "left {blocked} days after ready, before the process ended");
            if (blocked - 2.0).abs() < 1e-6 { exact += 1 } else { later += 1 }
        }
        assert!(exact > 10 && later > 10, "both cases occur: {exact} at process end, {later} later");
        // Reasons: 2 days of choice per patient who left, the rest waiting for care.
        let d = &out.delays;
        let row = |reason| (0..d.reason.len()).find(|&i| d.reason[i] == reason).expect("a row");
        let choice = row(DelayReason::PatientOrFamilyChoice);
        let capacity = row(DelayReason::AwaitingCareHome);
        assert_eq!((d.responsible[choice], d.responsible[capacity]), (Responsible::Nhs, Responsible::Council));
        let total_blocked: f64 = (0..e.pool.len()).filter(|&i| e.pool[i] == 1).map(|i| e.blocked_days[i]).sum();
        // Patients still in the ward at the horizon add to the table but not to episodes.
        assert!(d.delayed_days[choice] >= 2.0 * ward_exits as f64 - 1e-6);
        assert!(d.delayed_days[choice] <= 2.0 * (ward_exits + 2) as f64);
        assert!(d.delayed_days[choice] + d.delayed_days[capacity] >= total_blocked - 1e-6);
        assert_eq!(d.delayed_transfers[choice] + d.delayed_transfers[capacity], ward_exits);
        assert_eq!(d.delayed_transfers[capacity], later);
    }

    /// Two one-place queue pools that send patients to each other lock as soon as each
    /// holds a patient waiting for the other: the run stops with an error naming both.
    #[test]
    fn a_two_pool_cycle_deadlocks_and_the_run_says_so() {
        let cycle = |b_when_full: &str| {
            format!(
                r#"
                seed = 1
                replications = 1
                horizon_days = 100
                [pools.a]
                capacity = 1
                [pools.b]
                capacity = 1
                when_full = "{b_when_full}"
                [arrivals.x]
                rate_per_day = 5
                pathway = "loop"
                [pathways.loop]
                start = "in_a"
                [pathways.loop.steps.in_a]
                pool = "a"
                stay = {{ dist = "exponential", mean_days = 1 }}
                next = [{{ to = "in_b", p = 1 }}]
                [pathways.loop.steps.in_b]
                pool = "b"
                stay = {{ dist = "exponential", mean_days = 1 }}
                next = [{{ to = "in_a", p = 0.5 }}, {{ to = "exit", p = 0.5 }}]
                "#
            )
        };
        let err = run_of(&cycle("queue"), false).expect_err("the cycle locks");
        assert_eq!(err.pools, vec!["a".to_string(), "b".to_string()]);
        assert!(err.day > 0.0 && err.day < 100.0);
        assert!(err.to_string().contains("pools a, b"), "{err}");
        let cycles = crate::config::delays::queue_cycles(&plan(&cycle("queue")).scenarios[0].model);
        assert_eq!(cycles.len(), 1);
        // Turning patients away from b breaks the cycle: no lock, and no warning.
        assert!(run_of(&cycle("turn_away"), false).is_ok());
        assert!(crate::config::delays::queue_cycles(&plan(&cycle("turn_away")).scenarios[0].model).is_empty());
    }

    /// A pool of 1,000 carer hours a week with packages of mean 12.4 hours (sd 7.44):
    /// at a light load nobody waits, so by Little's law the hours in use average
    /// arrival rate x mean package x mean duration = 4/day x 12.4 x 10 days = 496 hours
    /// (rounding to whole hours, at least 1, adds ~0.05 h a package). The time average
    /// over 1,900 days spans 190 mean durations: an M/G/infinity occupancy of ~40
    /// packages has relative sd about sqrt(1 + 0.6^2) / sqrt(40) = 18% at an instant,
    /// and about 18% / sqrt(190 / 2) = 2% averaged; 8% (4 sd) is allowed.
    #[test]
    fn a_pool_of_carer_hours_holds_each_package_s_hours() {
        let out = run_of(
            r#"
            seed = 5
            replications = 1
            horizon_days = 2000
            warmup_days = 100
            [pools.home_care]
            capacity = 1000
            capacity_unit = "carer_hours_per_week"
            package_hours_per_week = { mean = 12.4, sd = 7.44 }
            setting = "home_care"
            [arrivals.a]
            rate_per_day = 4
            pathway = "care"
            [pathways.care]
            start = "package"
            [pathways.care.steps.package]
            pool = "home_care"
            stay = { dist = "exponential", mean_days = 10 }
            "#,
            false,
        )
        .expect("no deadlock");
        let p = &out.pools[0];
        let mean_hours = p.stats.occupied_area as f64 / (p.window_days * 1440.0);
        assert!((mean_hours - 496.0).abs() < 0.08 * 496.0, "mean carer hours in use {mean_hours}");
        assert!(mean_hours <= 1000.0);
    }

    /// Electives of a pathway that rebooks are never queued: when the bed is full they
    /// are cancelled and come back later; emergencies that find it full wait and their
    /// long waits from the decision to admit are counted.
    #[test]
    fn full_beds_cancel_electives_and_make_emergencies_wait() {
        let out = run_of(
            r#"
            seed = 9
            replications = 1
            horizon_days = 365
            [pools.beds]
            capacity = 3
            setting = "acute"
            [arrivals.planned]
            rate_per_day = 1
            pathway = "elective"
            [arrivals.urgent]
            rate_per_day = 1.5
            pathway = "emergency"
            [pathways.elective]
            start = "ward"
            rebook_when_full_days = 28
            [pathways.elective.steps.ward]
            pool = "beds"
            stay = { dist = "exponential", mean_days = 1 }
            [pathways.emergency]
            start = "ward"
            [pathways.emergency.steps.ward]
            pool = "beds"
            stay = { dist = "exponential", mean_days = 1 }
            "#,
            true,
        )
        .expect("no deadlock");
        let s = out.pools[0].stats;
        assert!(s.cancelled > 10, "cancelled {}", s.cancelled);
        let e = out.episodes.as_ref().expect("episodes");
        let over = |hours: f64| e.wait_days.iter().filter(|w| **w > hours / 24.0 + 1e-9).count() as u64;
        assert!(s.waits_over_4h > 0);
        // The counts are taken at admission, episodes at leaving: the (at most 3)
        // patients in a bed at the horizon are counted only in the first.
        for (count, hours) in [(s.waits_over_4h, 4.0), (s.waits_over_12h, 12.0)] {
            assert!((over(hours)..=over(hours) + 3).contains(&count), "{count} vs {} over {hours} h", over(hours));
        }
        // Every request was admitted, cancelled, or is still waiting at the horizon.
        assert!(s.admitted + s.cancelled <= s.arrivals);
    }

    /// Reneging: one care place taken for good by the first patient; everyone after
    /// waits for it, blocked in the ward (from a ward stay) or outside (asking for it
    /// directly), and gives up after exactly 3 days. Each blocked patient leaves the ward
    /// 3 days after ready with 3 delayed days under the care pool's reason; outside
    /// waiters leave without an episode; the waiting list holds (rate x 3 days) on
    /// average and never grows.
    #[test]
    fn a_waiter_gives_up_after_its_patience_and_leaves_the_place_it_holds() {
        let out = run_of(
            r#"
            seed = 5
            replications = 1
            horizon_days = 200
            [pools.care]
            capacity = 1
            delay_reason = "awaiting_care_home"
            responsible = "council"
            renege_after = { dist = "fixed", days = 3 }
            [pools.ward]
            capacity = "unlimited"
            setting = "acute"
            [arrivals.a]
            rate_per_day = 1
            pathway = "stay"
            [arrivals.b]
            rate_per_day = 0.5
            pathway = "direct"
            [pathways.stay]
            start = "ward"
            [pathways.stay.steps.ward]
            pool = "ward"
            stay = { dist = "fixed", days = 0.5 }
            next = [{ to = "care", p = 1 }]
            [pathways.stay.steps.care]
            pool = "care"
            stay = { dist = "fixed", days = 1000 }
            [pathways.direct]
            start = "care"
            [pathways.direct.steps.care]
            pool = "care"
            stay = { dist = "fixed", days = 1000 }
            "#,
            true,
        )
        .expect("a pool whose waiters give up cannot lock");
        let (care, ward) = (&out.pools[0].stats, &out.pools[1].stats);
        let e = out.episodes.as_ref().expect("episodes recorded");
        let ward_exits: Vec<usize> = (0..e.pool.len()).filter(|&i| e.pool[i] == 1).collect();
        assert!(ward_exits.len() > 150, "{} ward episodes", ward_exits.len());
        let gave_up = ward_exits.iter().filter(|&&i| (e.blocked_days[i] - 3.0).abs() < 1e-9).count();
        assert!(gave_up + 1 >= ward_exits.len(), "all but the first wait exactly 3 days: {gave_up}");
        // Everyone but the one admitted gave up, or still waits at the horizon (3 days'
        // worth of each stream at most).
        assert_eq!(care.admitted, 1);
        let waiting_at_end = care.arrivals - care.admitted - care.reneged;
        assert!(waiting_at_end <= 3 + 2 + 2, "{waiting_at_end} still waiting");
        assert!(care.reneged as usize > gave_up, "outside waiters give up too: {} vs {gave_up}", care.reneged);
        let mean_waiting = care.waiting_area as f64 / (200.0 * 1440.0);
        assert!((mean_waiting - 1.5 * 3.0).abs() < 0.5, "mean waiting {mean_waiting}");
        // The ward's blocked time is the episodes' (plus those still blocked at the end).
        let blocked_days = ward.blocked_area as f64 / 1440.0;
        let episodes_blocked: f64 = ward_exits.iter().map(|&i| e.blocked_days[i]).sum();
        assert!((0.0..=12.0).contains(&(blocked_days - episodes_blocked)), "{blocked_days} vs {episodes_blocked}");
        let d = &out.delays;
        let row = (0..d.held_pool.len()).find(|&i| d.held_pool[i] == 1 && d.waiting_for_pool[i] == Some(0));
        let row = row.expect("a delay row ward -> care");
        assert_eq!(d.reason[row], DelayReason::AwaitingCareHome);
        // 3 days per delayed transfer, plus the days of those still waiting at the end.
        let beyond = d.delayed_days[row] - 3.0 * d.delayed_transfers[row] as f64;
        assert!(
            (-1e-6..=12.0).contains(&beyond),
            "{} days, {} transfers",
            d.delayed_days[row],
            d.delayed_transfers[row]
        );
        assert!((d.delayed_days[row] - blocked_days).abs() < 1e-6 * blocked_days, "delay book = blocked time");
    }
}

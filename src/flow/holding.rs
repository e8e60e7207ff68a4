//! Packages and placements held at home: a home care package, a care home placement or
//! a community nursing episode holds a place in its pool without a patient, in an arena
//! of holdings reused through a free list (a stale end event is recognised by the
//! holding's generation).

use super::person::Leave;
use super::{FlowEvent, Replication};
use crate::capacity::{PatientId, PoolId, Setting};
use crate::cohort::population::PersonId;
use crate::pathway::Hold;
use crate::time::{MINUTES_PER_WEEK, SimDuration, SimTime};
use rand_distr::{Distribution, Gamma};

/// A package or placement held at home.
#[derive(Clone, Copy, Debug)]
pub(super) struct Holding {
    pub(super) person: u32,
    pub(super) pool: PoolId,
    pub(super) setting: Setting,
    pub(super) admitted_at: SimTime,
    pub(super) accounted_from: SimTime,
    pub(super) hours_per_week: f64,
    pub(super) generation: u32,
}

/// Which of a person's holding slots a setting uses.
pub(super) fn slot_of(setting: Setting) -> usize {
    match setting {
        Setting::CareHome => 0,
        Setting::HomeCare => 1,
        _ => 2,
    }
}

impl<'m> Replication<'m> {
    pub(super) fn add_holding(&mut self, person: u32, pool: PoolId, setting: Setting, ends_after: Option<SimDuration>) {
        let now = self.now();
        let params = self.params();
        let c = self.cohort();
        let hours_per_week = if setting == Setting::HomeCare {
            let (mean, sd) = params.home_care_hours_per_week;
            let shape = (mean / sd).powi(2);
            Gamma::new(shape, sd * sd / mean).map_or(mean, |g| g.sample(&mut c.people[person as usize].state.rng))
        } else {
            0.0
        };
        let holding =
            Holding { person, pool, setting, admitted_at: now, accounted_from: now, hours_per_week, generation: 0 };
        let h = match c.free_holdings.pop() {
            Some(h) => {
                let generation = c.holdings[h as usize].generation.wrapping_add(1);
                c.holdings[h as usize] = Holding { generation, ..holding };
                h
            }
            None => {
                c.holdings.push(holding);
                (c.holdings.len() - 1) as u32
            }
        };
        c.people[person as usize].state.holding_of[slot_of(setting)] = Some(h);
        if let Some(d) = ends_after {
            let generation = c.holdings[h as usize].generation;
            self.queue.schedule(now + d, FlowEvent::HoldingEnd { holding: h, generation });
        }
    }

    /// A cohort patient has just been given a place held at home (a package) or for
    /// life (a placement): the place becomes a holding and the journey ends.
    pub(super) fn convert_to_holding(
        &mut self,
        id: PatientId,
        pool: PoolId,
        person: PersonId,
        hold: Hold,
        stay: SimDuration,
    ) {
        let i = person.0 as usize;
        let now = self.now();
        self.record_episode(id, pool, Leave::To(pool));
        let setting = self.model.pool(pool).setting;
        // A new package of the same kind replaces the old one.
        if let Some(old) = self.cohort().people[i].state.holding_of[slot_of(setting)] {
            self.end_holding(old);
        }
        if setting == Setting::CareHome {
            for slot in [1, 2] {
                if let Some(h) = self.cohort().people[i].state.holding_of[slot] {
                    self.end_holding(h);
                }
            }
            let in_window = now >= self.warmup;
            let c = self.cohort();
            c.people[i].person.care_home = true;
            if c.people[i].person.age_years(now) >= 65.0 {
                if in_window {
                    c.calib.care_home_admissions_65_plus += 1;
                }
                // Survival is followed from any placement a year before the horizon.
                c.placements.push((now, i as u32));
            }
        }
        let ends_after = (hold == Hold::Package).then_some(stay);
        self.add_holding(i as u32, pool, setting, ends_after);
        self.end_journey(id);
    }

    /// Accrues a holding's activity to its person-year, up to now.
    pub(super) fn accrue_holding(&mut self, h: u32) {
        let now = self.now();
        let visits_per_week = self.params().nursing_visits_per_week;
        let c = self.cohort();
        let holding = &mut c.holdings[h as usize];
        let minutes = now.since(holding.accounted_from).minutes();
        let (from, setting, person) = (holding.accounted_from, holding.setting, holding.person as usize);
        let per_week = if setting == Setting::HomeCare { holding.hours_per_week } else { visits_per_week };
        holding.accounted_from = now;
        let acc = &mut c.acc[holding.person as usize];
        match holding.setting {
            Setting::HomeCare => {
                acc.home_care_hours += minutes as f64 / MINUTES_PER_WEEK as f64 * holding.hours_per_week
            }
            Setting::CareHome => acc.care_home_minutes += minutes,
            Setting::CommunityNursing => {
                acc.nursing_visits += minutes as f64 / MINUTES_PER_WEEK as f64 * visits_per_week
            }
            Setting::IntermediateCare => acc.ic_minutes += minutes,
            Setting::Reablement => acc.reablement_minutes += minutes,
            Setting::Acute => acc.bed_minutes += minutes,
            Setting::Other => {}
        }
        self.record_holding(person, setting, from, per_week);
    }

    /// Ends a holding: its activity is counted and its place released.
    pub(super) fn end_holding(&mut self, h: u32) {
        self.accrue_holding(h);
        let c = self.cohort();
        let holding = c.holdings[h as usize];
        c.holdings[h as usize].generation = holding.generation.wrapping_add(1);
        c.people[holding.person as usize].state.holding_of[slot_of(holding.setting)] = None;
        c.free_holdings.push(h);
        self.release_place(holding.pool, holding.admitted_at);
    }

    /// A package held at home ends.
    pub(super) fn on_holding_end(&mut self, h: u32) {
        let person = self.cohort().holdings[h as usize].person as usize;
        self.end_holding(h);
        if self.cohort().people[person].state.active.is_none() {
            self.account_interval(person);
            self.reschedule(person);
        }
    }
}

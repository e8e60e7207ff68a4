//! The hazards of one person, as pure functions of the parameters and the person's state:
//! the rate of each demand and life event in force now ([`rates`]), the time to death
//! under a Gompertz-Makeham hazard ([`years_to_death`]), the emergency admission rate at
//! home ([`emergency_rate`]), and the normalisers that keep the published age (and
//! deprivation) tables' margins when hazard ratios are applied ([`Normalisers`]).
//!
//! The event handlers that draw from these hazards live in `flow` (the person events of
//! a replication); nothing here draws a random number.

use super::population::{Person, Population};
use super::{AGE_BANDS, CohortParams, EmergencyParams, MortalityParams, age_band};
use crate::time::SimTime;

named_enum! {
    /// What a person's pending event is (one byte of a `FlowEvent::Person`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum PersonEvent {
        /// Death.
        Death = 0 => "death",
        /// The onset of a long-term condition.
        Onset = 1 => "condition_onset",
        /// One step up in frailty.
        Frailty = 2 => "frailty_step",
        /// An emergency admission (or its avoidance).
        Emergency = 3 => "emergency_admission",
        /// An elective admission.
        Elective = 4 => "elective_admission",
        /// A care home admission.
        CareHome = 5 => "care_home_admission",
        /// An episode of community nursing.
        Nursing = 6 => "community_nursing",
        /// A review: the hazards are recomputed (a birthday, the end of a readmission
        /// window); nothing else happens.
        Review = 7 => "review",
    }
}

/// Hazards per year of a person's competing events other than death (whose time is
/// drawn exactly by [`years_to_death`]), constant until the person's next review.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rates {
    /// Onset of any condition not yet held.
    pub onset_per_year: f64,
    /// A step up in frailty.
    pub frailty_per_year: f64,
    /// Emergency admission (the year-of-care lever applied).
    pub emergency_per_year: f64,
    /// Elective admission.
    pub elective_per_year: f64,
    /// Care home admission.
    pub care_home_per_year: f64,
    /// A community nursing episode.
    pub nursing_per_year: f64,
}

impl Rates {
    /// The rates with their events, in the order an event is chosen in.
    #[inline]
    pub fn by_event(&self) -> [(PersonEvent, f64); 6] {
        [
            (PersonEvent::Onset, self.onset_per_year),
            (PersonEvent::Frailty, self.frailty_per_year),
            (PersonEvent::Emergency, self.emergency_per_year),
            (PersonEvent::Elective, self.elective_per_year),
            (PersonEvent::CareHome, self.care_home_per_year),
            (PersonEvent::Nursing, self.nursing_per_year),
        ]
    }

    /// The total hazard per year (summed in the order of [`Rates::by_event`]).
    #[inline]
    pub fn total(&self) -> f64 {
        self.by_event().iter().map(|(_, r)| r).sum()
    }

    /// The event of a draw `target` uniform on `[0, total)`: the first whose cumulative
    /// rate, in the order of [`Rates::by_event`], exceeds `target` ([`PersonEvent::Review`]
    /// when none does, as rounding may leave for a target at the very top).
    #[inline]
    pub fn choose(&self, target: f64) -> PersonEvent {
        let mut acc = 0.0;
        self.by_event()
            .into_iter()
            .find(|(_, r)| {
                acc += *r;
                target < acc
            })
            .map_or(PersonEvent::Review, |(event, _)| event)
    }
}

/// The hazards per year of a person aged `age` now, given their total onset hazard
/// (`onset_per_year`) and emergency admission hazard at home (`emergency_per_year`, the
/// year-of-care lever applied). A person on a journey (`on_journey`: admitted, waiting
/// or in a step of a pathway) only ages, develops conditions and grows frailer; at
/// home, they are also admitted, and at 65+ outside a care home they may move into one
/// or, unless they already have a nursing episode (`nursing_held`), start one.
#[inline]
pub fn rates(
    params: &CohortParams,
    person: &Person,
    age: f64,
    onset_per_year: f64,
    on_journey: bool,
    nursing_held: bool,
    emergency_per_year: f64,
) -> Rates {
    let f = person.frailty as usize;
    let frailty = if age >= 50.0 { params.frailty.progression(age, f as u8) } else { 0.0 };
    let mut out = Rates { onset_per_year, frailty_per_year: frailty, ..Rates::default() };
    if !on_journey {
        let row = params.emergency.row(age);
        out.emergency_per_year = emergency_per_year;
        out.elective_per_year = params.elective_per_year_by_age[row];
        if age >= 65.0 && !person.care_home {
            out.care_home_per_year = params.care_home_per_year_fit * params.care_home_frailty_hr[f];
            if !nursing_held {
                out.nursing_per_year = params.nursing_per_year_by_frailty[f];
            }
        }
    }
    out
}

/// Years until a person aged `age` dies, from two exponential draws `e1`, `e2`: the
/// death hazard `k (bg + A e^{b t})` is the sum of a constant (Makeham) and a Gompertz
/// part, so death comes at the first of two independent clocks, each inverted in closed
/// form: `e1 / (k bg)` and `ln(1 + e2 b / (k A)) / b`. `k` is the person's frailty (and
/// care home) hazard ratio over its mean in their sex and age band. None if the hazard
/// is zero.
#[inline]
pub fn years_to_death(
    m: &MortalityParams,
    person: &Person,
    age: f64,
    norms: &Normalisers,
    e1: f64,
    e2: f64,
) -> Option<f64> {
    let sex = usize::from(!person.male);
    let k = m.frailty_hr[person.frailty as usize] / norms.mortality[sex][age_band(age)]
        * if person.care_home { m.care_home_hr } else { 1.0 };
    let (bg, b) = (m.background, m.gompertz_b);
    let level = m.gompertz_a[sex] * (b * (age - 65.0)).exp();
    let makeham = (k * bg > 0.0).then(|| e1 / (k * bg));
    let gompertz = (k * level > 0.0 && b > 0.0).then(|| (e2 * b / (k * level)).ln_1p() / b);
    match (makeham, gompertz) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// Emergency admission hazard per year of a person at home at `now`: the care home
/// rate for residents, otherwise the age-by-deprivation table's rate times the frailty
/// and condition-count ratios over their mean in the person's age row; times the
/// readmission multiplier within the window after the last discharge.
#[inline]
pub fn emergency_rate(
    e: &EmergencyParams,
    person: &Person,
    norms: &Normalisers,
    last_discharge: Option<SimTime>,
    now: SimTime,
) -> f64 {
    let base = if person.care_home {
        e.care_home_per_year
    } else {
        let age = person.age_years(now);
        let row = e.row(age);
        e.per_year[row][person.imd as usize - 1]
            * e.frailty_hr[person.frailty as usize]
            * e.condition_factor(person.n_conditions())
            / norms.emergency[row]
    };
    let readmission = last_discharge.is_some_and(|d| now < d + e.readmission_window);
    base * if readmission { e.readmission_multiplier } else { 1.0 }
}

/// The divisors that keep a published table's margins when individual hazard ratios
/// are applied: the mean ratio in each group of the population at the start.
#[derive(Clone, Debug, PartialEq)]
pub struct Normalisers {
    /// Per row of the emergency age table: the mean frailty x condition-count ratio of
    /// the people at home, counting care home residents (who have their own rate) at
    /// their rate's share of the row's.
    pub emergency: Vec<f64>,
    /// Per sex (male, female) and age band: the mean frailty mortality ratio.
    pub mortality: [[f64; AGE_BANDS]; 2],
}

/// Mean of `f` over people grouped by `group`, as a normaliser (1 where a group is empty).
fn group_means(n_groups: usize, items: impl Iterator<Item = (usize, f64)>) -> Vec<f64> {
    let mut sum = vec![0.0; n_groups];
    let mut count = vec![0u64; n_groups];
    for (g, v) in items {
        sum[g] += v;
        count[g] += 1;
    }
    sum.iter().zip(&count).map(|(s, c)| if *c > 0 && *s > 0.0 { s / *c as f64 } else { 1.0 }).collect()
}

impl Normalisers {
    /// The normalisers of population `pop` at the start of a run.
    pub fn of(params: &CohortParams, pop: &Population) -> Normalisers {
        let n = pop.len();
        // Normalise hazard ratios so the age (x IMD) margins of the tables are kept,
        // counting care home residents (who have their own rate) in each row's mean.
        let e = &params.emergency;
        let rows = e.age_from.len();
        let mut weight = vec![0.0; rows];
        let mut people_in_row = vec![0.0; rows];
        let mut residents_share_of_rate = vec![0.0; rows];
        for i in 0..n {
            let row = e.row(pop.age_years(i, SimTime::ZERO));
            people_in_row[row] += 1.0;
            if pop.people[i].care_home {
                let table = e.per_year[row].iter().sum::<f64>() / 5.0;
                residents_share_of_rate[row] += e.care_home_per_year / table.max(1e-9);
            } else {
                weight[row] += e.frailty_hr[pop.people[i].frailty as usize] * e.condition_factor(pop.n_conditions(i));
            }
        }
        let emergency: Vec<f64> = (0..rows)
            .map(|r| {
                let rest = people_in_row[r] - residents_share_of_rate[r];
                if weight[r] > 0.0 && rest > 0.0 { weight[r] / rest } else { 1.0 }
            })
            .collect();
        let mut mortality = [[1.0; AGE_BANDS]; 2];
        for (sex, row) in mortality.iter_mut().enumerate() {
            let means = group_means(
                AGE_BANDS,
                (0..n).filter(|i| usize::from(!pop.people[*i].male) == sex).map(|i| {
                    (
                        age_band(pop.age_years(i, SimTime::ZERO)),
                        params.mortality.frailty_hr[pop.people[i].frailty as usize],
                    )
                }),
            );
            row.copy_from_slice(&means);
        }
        Normalisers { emergency, mortality }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> CohortParams {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/small.toml");
        let plan = crate::config::load(&path, &Default::default()).expect("configs/small.toml loads");
        plan.scenarios[0].model.cohort.clone().expect("a cohort")
    }

    fn person(age_years: f64, frailty: u8, care_home: bool) -> Person {
        let age0_days = (age_years * crate::time::MEAN_DAYS_PER_YEAR) as u32;
        Person { age0_days, imd: 3, frailty, male: true, care_home, ..Person::default() }
    }

    fn unit_norms() -> Normalisers {
        Normalisers { emergency: vec![1.0; 32], mortality: [[1.0; AGE_BANDS]; 2] }
    }

    #[test]
    fn an_event_is_chosen_by_its_share_of_the_cumulative_rate() {
        let r = Rates {
            onset_per_year: 1.0,
            frailty_per_year: 0.0,
            emergency_per_year: 2.0,
            elective_per_year: 0.5,
            care_home_per_year: 0.0,
            nursing_per_year: 0.5,
        };
        assert_eq!(r.total(), 4.0);
        assert_eq!(r.choose(0.0), PersonEvent::Onset);
        assert_eq!(r.choose(0.999), PersonEvent::Onset);
        // A zero rate is never chosen, even at its boundary.
        assert_eq!(r.choose(1.0), PersonEvent::Emergency);
        assert_eq!(r.choose(2.999), PersonEvent::Emergency);
        assert_eq!(r.choose(3.0), PersonEvent::Elective);
        assert_eq!(r.choose(3.5), PersonEvent::Nursing);
        assert_eq!(r.choose(4.0), PersonEvent::Review);
        assert_eq!(Rates::default().choose(0.0), PersonEvent::Review);
    }

    #[test]
    fn on_a_journey_a_person_only_ages_and_grows_frailer() {
        let p = params();
        let old = person(80.0, 1, false);
        let home = rates(&p, &old, 80.0, 0.3, false, false, 0.4);
        assert_eq!((home.onset_per_year, home.emergency_per_year), (0.3, 0.4));
        assert!(home.frailty_per_year > 0.0 && home.elective_per_year > 0.0);
        assert!(home.care_home_per_year > 0.0 && home.nursing_per_year > 0.0);
        let away = rates(&p, &old, 80.0, 0.3, true, false, 0.4);
        assert_eq!(away, Rates { onset_per_year: 0.3, frailty_per_year: home.frailty_per_year, ..Rates::default() });
        // A nursing episode under way, or a care home, stops those events.
        assert_eq!(rates(&p, &old, 80.0, 0.3, false, true, 0.4).nursing_per_year, 0.0);
        let resident = rates(&p, &person(80.0, 1, true), 80.0, 0.3, false, false, 0.4);
        assert_eq!((resident.care_home_per_year, resident.nursing_per_year), (0.0, 0.0));
        // Under 65: no care home or nursing; under 50: no frailty steps.
        let young = rates(&p, &person(40.0, 0, false), 40.0, 0.3, false, false, 0.4);
        assert_eq!((young.care_home_per_year, young.nursing_per_year, young.frailty_per_year), (0.0, 0.0, 0.0));
    }

    #[test]
    fn the_time_to_death_inverts_each_clock_of_the_hazard() {
        let p = params();
        let m = &p.mortality;
        let (who, age) = (person(72.0, 2, false), 72.0);
        let norms = unit_norms();
        let k = m.frailty_hr[2];
        let level = m.gompertz_a[0] * (m.gompertz_b * (age - 65.0)).exp();
        // The Makeham clock alone (the Gompertz one set far off by its draw).
        let t = years_to_death(m, &who, age, &norms, 0.3, 1e300).expect("a hazard");
        assert!((t - 0.3 / (k * m.background)).abs() < 1e-12 * t);
        // The Gompertz clock: its cumulative hazard k A (e^{b t} - 1) / b reaches the draw.
        let t = years_to_death(m, &who, age, &norms, 1e300, 0.7).expect("a hazard");
        let cumulative = k * level * ((m.gompertz_b * t).exp() - 1.0) / m.gompertz_b;
        assert!((cumulative - 0.7).abs() < 1e-9, "{cumulative}");
        // Both: the first clock wins; a care home multiplies the hazard.
        let both = years_to_death(m, &who, age, &norms, 0.3, 0.7).expect("a hazard");
        assert_eq!(both, t.min(0.3 / (k * m.background)));
        let resident = years_to_death(m, &person(72.0, 2, true), age, &norms, 1e300, 0.7).expect("a hazard");
        assert!(resident < t || m.care_home_hr <= 1.0);
    }

    #[test]
    fn the_emergency_rate_is_multiplied_within_the_readmission_window() {
        let p = params();
        let e = &p.emergency;
        let (who, norms) = (person(75.0, 1, false), unit_norms());
        let now = SimTime::from_days(400);
        let base = emergency_rate(e, &who, &norms, None, now);
        let row = e.row(who.age_years(now));
        assert_eq!(base, e.per_year[row][2] * e.frailty_hr[1] * e.condition_factor(0));
        let just_discharged = Some(SimTime::from_days(399));
        assert_eq!(emergency_rate(e, &who, &norms, just_discharged, now), base * e.readmission_multiplier);
        let long_ago = Some(SimTime::ZERO);
        assert_eq!(emergency_rate(e, &who, &norms, long_ago, now), base);
        assert_eq!(emergency_rate(e, &person(75.0, 1, true), &norms, None, now), e.care_home_per_year);
    }

    #[test]
    fn the_normalisers_keep_the_tables_margins() {
        let p = params();
        let pop = Population::generate(&p, 7, 0, 0, 300);
        let norms = Normalisers::of(&p, &pop);
        let e = &p.emergency;
        // Each age row's expected emergency admissions equal its people times the row's
        // table rate (averaged over deprivation): residents at their own rate, everyone
        // else at the row's rate times their ratios over the mean.
        let rows = e.age_from.len();
        let (mut expected, mut people, mut at_home) = (vec![0.0; rows], vec![0.0; rows], vec![0; rows]);
        for (i, who) in pop.people.iter().enumerate() {
            let row = e.row(pop.age_years(i, SimTime::ZERO));
            let table = e.per_year[row].iter().sum::<f64>() / 5.0;
            people[row] += 1.0;
            at_home[row] += usize::from(!who.care_home);
            expected[row] += if who.care_home {
                e.care_home_per_year / table.max(1e-9)
            } else {
                e.frailty_hr[who.frailty as usize] * e.condition_factor(who.n_conditions()) / norms.emergency[row]
            };
        }
        assert!(at_home.iter().filter(|n| **n > 0).count() >= 3, "rows to check: {at_home:?}");
        for r in (0..rows).filter(|r| at_home[*r] > 0) {
            assert!(
                (expected[r] - people[r]).abs() < 1e-9 * people[r].max(1.0),
                "row {r}: {} vs {}",
                expected[r],
                people[r]
            );
        }
        // The mean mortality ratio over its normaliser is 1 in every sex and age band.
        for sex in 0..2 {
            for band in 0..AGE_BANDS {
                let ratios: Vec<f64> = (0..pop.len())
                    .filter(|&i| {
                        usize::from(!pop.people[i].male) == sex && age_band(pop.age_years(i, SimTime::ZERO)) == band
                    })
                    .map(|i| p.mortality.frailty_hr[pop.people[i].frailty as usize] / norms.mortality[sex][band])
                    .collect();
                if !ratios.is_empty() {
                    let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
                    assert!((mean - 1.0).abs() < 1e-12, "sex {sex} band {band}: {mean}");
                }
            }
        }
    }
}

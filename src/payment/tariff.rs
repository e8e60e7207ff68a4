//! Episode tariff (Payment by Results / National Tariff) for acute trusts, rules R1–R10
//! of brief §2.1.2, applied in the brief's order.
//!
//! Per spell ([`price_spell`]): R1 base price by HRG group and admission class, R2 excess
//! bed days beyond the trim point, R3 short-stay emergency adjustment (on the base
//! price), R4 specialised top-up, R5 market forces factor (on the tariff including the
//! adjustments), then R7 the 30-day emergency readmission rule on the MFF-adjusted
//! price. R6 (MRET) applies afterwards to the **annual** value of a provider's paid
//! emergency spells from one commissioner ([`apply_mret`], [`mret_monthly`]): "apply R7
//! per spell first, then R6 on the paid value" (brief §2.1.2 implementation notes,
//! ASSUMPTION on ordering). R8 and R9 price attendances, R10 is CQUIN.
//!
//! Each multiplicative step rounds once to whole pence by [`Pence::scale`].

use super::{PaymentError, check_fraction, check_non_negative, fraction_of};
use crate::money::Pence;

/// Index of an HRG group in [`TariffParams::groups`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HrgGroupId(pub u16);

/// Admission class for tariff and trim point purposes. Elective spells are admission
/// methods 11, 12, 13; all others are non-elective \[HSCIC-TRIM\].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdmissionClass {
    /// Elective ordinary admission.
    Elective,
    /// Elective day case (planned same-day).
    DayCase,
    /// Emergency (non-elective) admission.
    Emergency,
}

impl AdmissionClass {
    /// True for elective and day-case spells (elective trim points apply).
    pub const fn is_elective(self) -> bool {
        matches!(self, AdmissionClass::Elective | AdmissionClass::DayCase)
    }
}

/// Prices of one HRG group (brief §2.1.3: a small set of groups, ASSUMPTION).
#[derive(Clone, Debug, PartialEq)]
pub struct HrgGroup {
    /// Name, e.g. `NEL_medical_older`.
    pub name: String,
    /// R1 elective spell price, pence.
    pub elective_pence: Pence,
    /// R1 non-elective (emergency) spell price, pence.
    pub non_elective_pence: Pence,
    /// R1 day-case price, pence.
    pub day_case_pence: Pence,
    /// R2 elective trim point, days.
    pub elective_trimpoint_days: u32,
    /// R2 non-elective trim point, days.
    pub non_elective_trimpoint_days: u32,
    /// R2 excess bed-day price (same for elective and non-elective), pence per day.
    pub excess_bed_day_pence: Pence,
    /// R3 fraction of the base price paid for an emergency spell of under 2 days;
    /// 1.0 = no reduction (ASSUMPTION default, brief §2.1.2 R3).
    pub short_stay_emergency_fraction: f64,
}

impl HrgGroup {
    /// One group priced at the brief's §5 reference-cost averages, used as proxy tariffs
    /// (brief §2.1.3): non-elective £2,358 per spell (DERIVED \[NAO-2013\]), elective
    /// £3,684 and day case £738 \[REFCOST-1617\], excess bed day £313 \[REFCOST-1617\].
    /// Trim points are ASSUMPTIONs until computed by [`trimpoint_days`] from simulated
    /// length of stay: non-elective 21 days, elective 14 days (rationale: about
    /// Q3 + 1.5 IQR of a mean-5.8-day emergency stay, brief §4.4; elective trim points
    /// are usually shorter, R2).
    pub fn reference_cost_average() -> HrgGroup {
        HrgGroup {
            name: "all".into(),
            elective_pence: Pence(368_400),
            non_elective_pence: Pence(235_800),
            day_case_pence: Pence(73_800),
            elective_trimpoint_days: 14,
            non_elective_trimpoint_days: 21,
            excess_bed_day_pence: Pence(31_300),
            short_stay_emergency_fraction: 1.0,
        }
    }
}

/// Non-payment of 30-day emergency readmissions (R7).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReadmissionRule {
    /// Readmissions are paid in full.
    Off,
    /// 2011/12 rule: no payment after an elective index admission; after a
    /// non-elective index, paid at `non_elective_paid_fraction` (0.75 in practice:
    /// "at most 75% of the 2010/11 rate") \[HFMA-2011b\].
    ElectiveIndexUnpaid {
        /// Fraction paid after a non-elective index admission.
        non_elective_paid_fraction: f64,
    },
    /// 2012/13 onwards: a clinical review judges a fraction of readmissions avoidable,
    /// which is not paid. Applied as an expected value on every readmission (ASSUMPTION:
    /// no random draw of which ones).
    ClinicalReview {
        /// Fraction withheld.
        unpaid_fraction: f64,
    },
}

impl Default for ReadmissionRule {
    /// `ClinicalReview { unpaid_fraction: 0.30 }`: ASSUMPTION from Blunt et al., 30.0%
    /// of 30-day readmissions potentially preventable \[BLUNT-2015\] (brief §2.1.2, §7.6).
    fn default() -> Self {
        ReadmissionRule::ClinicalReview { unpaid_fraction: 0.30 }
    }
}

/// Why a readmission is exempt from R7 (the provider is paid) \[HFMA-2011b\]\[HFMA-2012\].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadmissionExclusion {
    /// Activity with no national tariff.
    NoNationalTariff,
    /// Maternity and childbirth.
    Maternity,
    /// Cancer, chemotherapy or radiotherapy.
    Cancer,
    /// Aged under 4 at readmission (also detected from [`Spell::age_years`]).
    AgedUnderFour,
    /// Self-discharge against medical advice (of the index spell).
    SelfDischarge,
    /// Emergency transfer from another provider.
    TransferIn,
    /// Cross-border activity.
    CrossBorder,
    /// Renal dialysis.
    RenalDialysis,
    /// Post-transplant care.
    PostTransplant,
    /// Multiple trauma HRGs VA14/VA15.
    MultipleTrauma,
    /// Transport accident causes.
    TransportAccident,
}

/// The earlier spell a readmission follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexSpell {
    /// Discharge day of the index spell (run day).
    pub discharge_day: u32,
    /// True when the index admission was elective (or a day case).
    pub elective: bool,
}

/// One admitted-patient spell, as the tariff needs it (brief §2.1.1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spell {
    /// HRG group.
    pub hrg_group: HrgGroupId,
    /// Elective, day case or emergency.
    pub class: AdmissionClass,
    /// Admission day (run day).
    pub admission_day: u32,
    /// Discharge day (run day, ≥ admission day; equal for a zero-day stay).
    pub discharge_day: u32,
    /// Age at admission, whole years.
    pub age_years: u8,
    /// The person's previous discharge (any provider), if any: the candidate index
    /// spell for R7. Whether it is within the window is decided here.
    pub previous_discharge: Option<IndexSpell>,
    /// An R7 exclusion, if the spell has one.
    pub exclusion: Option<ReadmissionExclusion>,
    /// True for specialised services attracting the R4 top-up.
    pub specialised: bool,
}

impl Spell {
    /// Length of stay in whole days (0 for a zero-day stay).
    pub fn los_days(&self) -> u32 {
        self.discharge_day.saturating_sub(self.admission_day)
    }
}

/// Marginal rate emergency rule parameters (R6).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MretParams {
    /// Whether MRET applies.
    pub enabled: bool,
    /// Fraction of emergency value above baseline that is paid: 0.30 from 2010/11 to
    /// 2014/15 (default, the baseline scenario's 2014/15 \[HFMA-2013a\]); 0.50 proposed
    /// for 2015/16 (ETO); 0.70 by 2016/17 \[NHSE-2015\]\[HFMA-2017\].
    pub rate: f64,
    /// Annual baseline value of emergency admissions for one provider and commissioner,
    /// pence. `None`: take it from a baseline run (two-pass; the integrator supplies it),
    /// dated back to the base year by [`MretParams::base_year`].
    pub baseline_pence: Option<Pence>,
    /// The base year of a calibrated baseline.
    pub base_year: MretBaseYear,
}

impl Default for MretParams {
    fn default() -> Self {
        MretParams { enabled: true, rate: 0.30, baseline_pence: None, base_year: MretBaseYear::default() }
    }
}

/// The year a calibrated MRET baseline stands for (R6). The 2014/15 rule paid emergency
/// activity in full up to its **2008/09** value and at the marginal rate above it
/// \[HFMA-MRET-2013\]\[DH-MRET-2014\] (brief §2.1.2, §10.5); a pilot run measures the
/// model year's value, so the baseline is that value dated back by the growth of
/// emergency activity between the two years: `baseline = value / (1 + growth)^years`.
/// Zero years (or zero growth) make the baseline the model year's own value, as before
/// this rule, when almost nothing is withheld.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MretBaseYear {
    /// Years from the baseline year to the model year: 6, from 2008/09 to 2014/15.
    pub years_before_model_year: u32,
    /// Growth of the value of emergency activity per year between them: 0.0282,
    /// DERIVED from emergency admissions of 4.03m (2014/15) and 4.26m (2016/17),
    /// `(4.26 / 4.03)^(1/2) − 1` \[HSJ-EA-2017\] (brief §10.1), at constant prices
    /// (ASSUMPTION: the tariff's price changes between the years are not applied).
    pub growth_per_year: f64,
}

impl Default for MretBaseYear {
    fn default() -> Self {
        MretBaseYear { years_before_model_year: 6, growth_per_year: 0.0282 }
    }
}

impl MretBaseYear {
    /// The base year's value of activity worth `model_year_value` in the model year.
    pub fn baseline_from_model_year(&self, model_year_value: Pence) -> Pence {
        let years = i32::try_from(self.years_before_model_year).unwrap_or(i32::MAX);
        model_year_value.scale((1.0 + self.growth_per_year).powi(-years))
    }
}

/// All episode tariff parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct TariffParams {
    /// HRG groups, indexed by [`HrgGroupId`].
    pub groups: Vec<HrgGroup>,
    /// R4 specialised top-up fraction (`pay *= 1 + topup`); 0 = off (default; low
    /// relevance for an older-LTC cohort \[HFMA-2011a\]).
    pub specialised_topup: f64,
    /// R5 market forces factor payment index; 1.0 (ASSUMPTION, non-London area
    /// \[HFMA-2011a\]\[MONITOR-MFF\]).
    pub mff: f64,
    /// R6 MRET.
    pub mret: MretParams,
    /// R7 readmission rule.
    pub readmission: ReadmissionRule,
    /// R7 window: readmission within this many days of the previous discharge; 30 from
    /// 1 April 2011 \[HFMA-2010\].
    pub readmission_window_days: u32,
    /// R8 price per A&E attendance: £148 \[REFCOST-1617\].
    pub ae_attendance_pence: Pence,
    /// R9 price per first outpatient attendance: £120 \[REFCOST-1617\] (single price).
    pub outpatient_first_pence: Pence,
    /// R9 price per follow-up outpatient attendance: £120 \[REFCOST-1617\] (single price,
    /// ASSUMPTION until split by first/follow-up).
    pub outpatient_follow_up_pence: Pence,
    /// R10 CQUIN fraction of contract value: 0.025 in 2015/16 \[HFMA-2015\].
    pub cquin_fraction: f64,
}

impl Default for TariffParams {
    fn default() -> Self {
        TariffParams {
            groups: vec![HrgGroup::reference_cost_average()],
            specialised_topup: 0.0,
            mff: 1.0,
            mret: MretParams::default(),
            readmission: ReadmissionRule::default(),
            readmission_window_days: 30,
            ae_attendance_pence: Pence(14_800),
            outpatient_first_pence: Pence(12_000),
            outpatient_follow_up_pence: Pence(12_000),
            cquin_fraction: 0.025,
        }
    }
}

impl TariffParams {
    /// Checks ranges: fractions in `[0, 1]`, factors non-negative, at least one group.
    pub fn validate(&self) -> Result<(), PaymentError> {
        if self.groups.is_empty() {
            return Err(PaymentError::InvalidParameter { name: "tariff.groups", reason: "no HRG group".into() });
        }
        for g in &self.groups {
            check_fraction("tariff.groups.short_stay_emergency_fraction", g.short_stay_emergency_fraction)?;
        }
        check_non_negative("tariff.specialised_topup", self.specialised_topup)?;
        check_non_negative("tariff.mff", self.mff)?;
        check_fraction("tariff.mret.rate", self.mret.rate)?;
        check_fraction("tariff.mret.base_year.growth_per_year", self.mret.base_year.growth_per_year)?;
        check_fraction("tariff.cquin_fraction", self.cquin_fraction)?;
        match self.readmission {
            ReadmissionRule::Off => {}
            ReadmissionRule::ElectiveIndexUnpaid { non_elective_paid_fraction } => {
                check_fraction("tariff.readmission.non_elective_paid_fraction", non_elective_paid_fraction)?
            }
            ReadmissionRule::ClinicalReview { unpaid_fraction } => {
                check_fraction("tariff.readmission.unpaid_fraction", unpaid_fraction)?
            }
        }
        Ok(())
    }

    /// The HRG group of `id`.
    pub fn group(&self, id: HrgGroupId) -> Result<&HrgGroup, PaymentError> {
        self.groups.get(id.0 as usize).ok_or(PaymentError::InvalidParameter {
            name: "spell.hrg_group",
            reason: format!("HRG group {} is not configured", id.0),
        })
    }
}

/// How R7 treated a spell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadmissionStatus {
    /// Not an emergency readmission within the window (or no previous discharge).
    NotReadmission,
    /// A readmission exempt from R7.
    Excluded(ReadmissionExclusion),
    /// A readmission to which R7 applied (possibly withholding nothing if the rule is off).
    Readmission,
}

/// The price of one spell, step by step (pence at each step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpellPrice {
    /// R1 base price before the short-stay adjustment.
    pub base_pence: Pence,
    /// R2 days beyond the trim point.
    pub excess_bed_days: u32,
    /// R2 excess bed-day payment.
    pub excess_pence: Pence,
    /// R3 change to the base price (≤ 0).
    pub short_stay_adjustment_pence: Pence,
    /// R4 top-up.
    pub topup_pence: Pence,
    /// R5 change from the market forces factor.
    pub mff_adjustment_pence: Pence,
    /// Tariff after R1–R5.
    pub tariff_pence: Pence,
    /// R7 readmission status.
    pub readmission: ReadmissionStatus,
    /// R7 amount withheld (stays with the commissioner).
    pub readmission_withheld_pence: Pence,
    /// Amount payable before MRET: `tariff − withheld`.
    pub paid_pence: Pence,
}

/// R2a: trim point of a length-of-stay sample, `TP = Q3 + 1.5 × (Q3 − Q1)` \[HSCIC-TRIM\],
/// with quartiles by linear interpolation between order statistics (R/NumPy "type 7",
/// ASSUMPTION: HSCIC's quartile method is not stated), rounded down to whole days
/// (ASSUMPTION). `None` for an empty sample.
pub fn trimpoint_days(los_days: &[u32]) -> Option<u32> {
    if los_days.is_empty() {
        return None;
    }
    let mut v: Vec<u32> = los_days.to_vec();
    v.sort_unstable();
    let q = |p: f64| {
        let h = (v.len() - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(v.len() - 1);
        v[lo] as f64 + (h - lo as f64) * (v[hi] as f64 - v[lo] as f64)
    };
    let (q1, q3) = (q(0.25), q(0.75));
    Some((q3 + 1.5 * (q3 - q1)).floor() as u32)
}

/// R7: the readmission status of `spell` under `params` (emergency admission within
/// the window after the previous discharge, then exclusions).
pub fn readmission_status(spell: &Spell, params: &TariffParams) -> ReadmissionStatus {
    let Some(index) = spell.previous_discharge else { return ReadmissionStatus::NotReadmission };
    if spell.class != AdmissionClass::Emergency
        || spell.admission_day < index.discharge_day
        || spell.admission_day - index.discharge_day > params.readmission_window_days
    {
        return ReadmissionStatus::NotReadmission;
    }
    if let Some(e) = spell.exclusion {
        return ReadmissionStatus::Excluded(e);
    }
    if spell.age_years < 4 {
        return ReadmissionStatus::Excluded(ReadmissionExclusion::AgedUnderFour);
    }
    ReadmissionStatus::Readmission
}

/// Prices one spell by R1–R5 and R7 (MRET, R6, is annual: [`apply_mret`]).
pub fn price_spell(spell: &Spell, params: &TariffParams) -> Result<SpellPrice, PaymentError> {
    let g = params.group(spell.hrg_group)?;
    // R1
    let base = match spell.class {
        AdmissionClass::Elective => g.elective_pence,
        AdmissionClass::DayCase => g.day_case_pence,
        AdmissionClass::Emergency => g.non_elective_pence,
    };
    // R2
    let los = spell.los_days();
    let trim = if spell.class.is_elective() { g.elective_trimpoint_days } else { g.non_elective_trimpoint_days };
    let excess_bed_days = los.saturating_sub(trim);
    let excess = Pence(g.excess_bed_day_pence.0 * excess_bed_days as i64);
    // R3: emergency spells of under 2 days.
    let short_stay_adjustment = if spell.class == AdmissionClass::Emergency && los < 2 {
        base.scale(g.short_stay_emergency_fraction) - base
    } else {
        Pence::ZERO
    };
    let adjusted = base + short_stay_adjustment + excess;
    // R4
    let topup = if spell.specialised { adjusted.scale(params.specialised_topup) } else { Pence::ZERO };
    // R5: on the tariff including adjustments.
    let before_mff = adjusted + topup;
    let tariff = before_mff.scale(params.mff);
    // R7
    let readmission = readmission_status(spell, params);
    let withheld = if readmission == ReadmissionStatus::Readmission {
        match params.readmission {
            ReadmissionRule::Off => Pence::ZERO,
            ReadmissionRule::ElectiveIndexUnpaid { non_elective_paid_fraction } => {
                let index_elective = spell.previous_discharge.is_some_and(|i| i.elective);
                if index_elective { tariff } else { tariff - tariff.scale(non_elective_paid_fraction) }
            }
            ReadmissionRule::ClinicalReview { unpaid_fraction } => tariff.scale(unpaid_fraction),
        }
    } else {
        Pence::ZERO
    };
    Ok(SpellPrice {
        base_pence: base,
        excess_bed_days,
        excess_pence: excess,
        short_stay_adjustment_pence: short_stay_adjustment,
        topup_pence: topup,
        mff_adjustment_pence: tariff - before_mff,
        tariff_pence: tariff,
        readmission,
        readmission_withheld_pence: withheld,
        paid_pence: tariff - withheld,
    })
}

/// R6 applied to one value against one baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MretOutcome {
    /// Value of emergency activity (after R7), pence.
    pub value_pence: Pence,
    /// Part up to the baseline, paid in full.
    pub full_pence: Pence,
    /// Part above the baseline.
    pub marginal_pence: Pence,
    /// Paid to the provider: `full + rate × marginal`.
    pub paid_pence: Pence,
    /// Retained by the commissioner ("MRET reinvestment fund"): `marginal − rate × marginal`,
    /// so that `paid + retained = value` exactly.
    pub retained_pence: Pence,
}

/// R6: `full = min(value, baseline)`, `marginal = max(0, value − baseline)`,
/// `paid = full + rate × marginal`, `retained = (1 − rate) × marginal` \[HFMA-2013a\].
pub fn apply_mret(value: Pence, baseline: Pence, rate: f64) -> MretOutcome {
    let full = value.min(baseline.max(Pence::ZERO)).max(Pence::ZERO);
    let marginal = (value - full).max(Pence::ZERO);
    let paid_marginal = marginal.scale(rate);
    MretOutcome {
        value_pence: value,
        full_pence: full,
        marginal_pence: marginal,
        paid_pence: full + paid_marginal,
        retained_pence: marginal - paid_marginal,
    }
}

/// R6 in year: accrue monthly on a pro-rata baseline and reconcile at year end (brief
/// §2.1.2). `monthly_values` are the year's emergency values month by month (at most
/// 12, April first). Month k's outcome is the difference between MRET on the cumulative
/// value to month k against `baseline × (k+1)/12` and the same to month k − 1, so the
/// months sum to [`apply_mret`] on the year's total against the full baseline whenever
/// all 12 months are given: the year-end reconciliation is built into the last month.
pub fn mret_monthly(monthly_values: &[Pence], annual_baseline: Pence, rate: f64) -> Vec<MretOutcome> {
    let mut out = Vec::with_capacity(monthly_values.len());
    let mut cumulative_value = Pence::ZERO;
    let mut previous = apply_mret(Pence::ZERO, Pence::ZERO, rate);
    for (k, &v) in monthly_values.iter().enumerate() {
        cumulative_value += v;
        let baseline_to_date = fraction_of(annual_baseline, k as u64 + 1, 12);
        let now = apply_mret(cumulative_value, baseline_to_date, rate);
        out.push(MretOutcome {
            value_pence: v,
            full_pence: now.full_pence - previous.full_pence,
            marginal_pence: now.marginal_pence - previous.marginal_pence,
            paid_pence: now.paid_pence - previous.paid_pence,
            retained_pence: now.retained_pence - previous.retained_pence,
        });
        previous = now;
    }
    out
}

/// R8: price of one A&E attendance, `price × MFF`.
pub fn ae_attendance_price(params: &TariffParams) -> Pence {
    params.ae_attendance_pence.scale(params.mff)
}

/// R9: price of one outpatient attendance, first or follow-up, `price × MFF`.
pub fn outpatient_price(first: bool, params: &TariffParams) -> Pence {
    let p = if first { params.outpatient_first_pence } else { params.outpatient_follow_up_pence };
    p.scale(params.mff)
}

/// R10: CQUIN on a contract value, `fraction × contract_value` (paid in full by
/// default, ASSUMPTION \[HFMA-2015\]).
pub fn cquin(contract_value: Pence, params: &TariffParams) -> Pence {
    contract_value.scale(params.cquin_fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mret_base_year_dates_the_baseline_back() {
        // £10m in 2014/15 at 2.82% a year for 6 years: 10m / 1.0282^6 = £8.4659m.
        let b = MretBaseYear::default();
        let base = b.baseline_from_model_year(Pence(1_000_000_000));
        assert_eq!(base, Pence::round_from_pence_f64(1e9 / 1.0282f64.powi(6)));
        assert!(base > Pence(846_000_000) && base < Pence(847_000_000), "{base}");
        // No years or no growth: the model year's own value.
        let same = MretBaseYear { years_before_model_year: 0, ..b };
        assert_eq!(same.baseline_from_model_year(Pence(123_456)), Pence(123_456));
        let flat = MretBaseYear { growth_per_year: 0.0, ..b };
        assert_eq!(flat.baseline_from_model_year(Pence(123_456)), Pence(123_456));
        // With the dated baseline MRET withholds (1 − rate) of the growth's share.
        let o = apply_mret(Pence(1_000_000_000), base, 0.3);
        let expect = (Pence(1_000_000_000) - base).scale(0.7);
        assert!((o.retained_pence - expect).0.abs() <= 1);
        let mut t = TariffParams::default();
        t.mret.base_year.growth_per_year = 1.5;
        assert!(t.validate().is_err());
    }

    fn group() -> HrgGroup {
        HrgGroup {
            name: "NEL_medical_older".into(),
            elective_pence: Pence(300_000),
            non_elective_pence: Pence(200_000),
            day_case_pence: Pence(70_000),
            elective_trimpoint_days: 10,
            non_elective_trimpoint_days: 32,
            excess_bed_day_pence: Pence(31_300),
            short_stay_emergency_fraction: 0.6,
        }
    }

    fn params() -> TariffParams {
        TariffParams { groups: vec![group()], readmission: ReadmissionRule::Off, ..TariffParams::default() }
    }

    fn spell(class: AdmissionClass, admission_day: u32, discharge_day: u32) -> Spell {
        Spell {
            hrg_group: HrgGroupId(0),
            class,
            admission_day,
            discharge_day,
            age_years: 80,
            previous_discharge: None,
            exclusion: None,
            specialised: false,
        }
    }

    #[test]
    fn defaults_validate() {
        TariffParams::default().validate().unwrap();
        let mut p = params();
        p.mret.rate = 1.5;
        assert!(p.validate().is_err());
        assert!(
            price_spell(&Spell { hrg_group: HrgGroupId(7), ..spell(AdmissionClass::Emergency, 0, 3) }, &p).is_err()
        );
    }

    #[test]
    fn trim_point_brief_example() {
        // Brief R2a: TP 32, LOS 50 → 32 truncated + 18 excess bed days.
        // Pay = £2,000 base + 18 × £313 = £2,000 + £5,634 = £7,634.
        let p = price_spell(&spell(AdmissionClass::Emergency, 100, 150), &params()).unwrap();
        assert_eq!(p.excess_bed_days, 18);
        assert_eq!(p.excess_pence, Pence(18 * 31_300));
        assert_eq!(p.tariff_pence, Pence(200_000 + 563_400));
        // At the trim point exactly: no excess.
        assert_eq!(price_spell(&spell(AdmissionClass::Emergency, 0, 32), &params()).unwrap().excess_bed_days, 0);
        // Elective spells use the elective trim point: LOS 12, TP 10 → 2 days, £3,000 + £626.
        let e = price_spell(&spell(AdmissionClass::Elective, 0, 12), &params()).unwrap();
        assert_eq!((e.excess_bed_days, e.tariff_pence), (2, Pence(300_000 + 62_600)));
    }

    #[test]
    fn trimpoint_from_sample() {
        // LOS 1..=8: type-7 quartiles Q1 = 1 + 0.25×7 = 2.75, Q3 = 1 + 0.75×7 = 6.25;
        // TP = 6.25 + 1.5 × 3.5 = 11.5 → 11 days.
        assert_eq!(trimpoint_days(&[8, 1, 2, 3, 4, 5, 6, 7]), Some(11));
        // Constant sample: IQR 0, TP = the value.
        assert_eq!(trimpoint_days(&[5, 5, 5]), Some(5));
        assert_eq!(trimpoint_days(&[]), None);
    }

    #[test]
    fn short_stay_emergency_and_day_case() {
        // Zero-day and 1-day emergency: £2,000 × 0.6 = £1,200 (adjustment −£800).
        for los in [0, 1] {
            let p = price_spell(&spell(AdmissionClass::Emergency, 10, 10 + los), &params()).unwrap();
            assert_eq!(p.short_stay_adjustment_pence, Pence(-80_000));
            assert_eq!(p.tariff_pence, Pence(120_000));
        }
        // 2 days: full price. Day case: day-case price, no short-stay rule.
        assert_eq!(
            price_spell(&spell(AdmissionClass::Emergency, 10, 12), &params()).unwrap().tariff_pence,
            Pence(200_000)
        );
        assert_eq!(
            price_spell(&spell(AdmissionClass::DayCase, 10, 10), &params()).unwrap().tariff_pence,
            Pence(70_000)
        );
    }

    #[test]
    fn topup_then_mff_on_adjusted_tariff() {
        // LOS 40 emergency, specialised 24% top-up, MFF 1.05:
        // base £2,000 + 8 × £313 = £4,504; × 1.24 = £5,584.96; × 1.05 = £5,864.208 → £5,864.21.
        let mut p = params();
        p.specialised_topup = 0.24;
        p.mff = 1.05;
        let s = Spell { specialised: true, ..spell(AdmissionClass::Emergency, 0, 40) };
        let r = price_spell(&s, &p).unwrap();
        assert_eq!(r.topup_pence, Pence(108_096));
        assert_eq!(r.tariff_pence, Pence(586_421));
        assert_eq!(r.mff_adjustment_pence, Pence(586_421 - 558_496));
        // R8/R9 also carry the MFF: £148 × 1.05 = £155.40; £120 × 1.05 = £126.
        assert_eq!(ae_attendance_price(&p), Pence(15_540));
        assert_eq!(outpatient_price(true, &p), Pence(12_600));
    }

    fn readmission(previous_discharge_day: u32, admission_day: u32, index_elective: bool) -> Spell {
        Spell {
            previous_discharge: Some(IndexSpell { discharge_day: previous_discharge_day, elective: index_elective }),
            ..spell(AdmissionClass::Emergency, admission_day, admission_day + 5)
        }
    }

    #[test]
    fn readmission_within_and_after_30_days() {
        let p = TariffParams { readmission: ReadmissionRule::ClinicalReview { unpaid_fraction: 0.30 }, ..params() };
        // Discharged day 100, readmitted day 130 (30 days): readmission; £2,000 × 0.30 = £600 withheld.
        let r = price_spell(&readmission(100, 130, false), &p).unwrap();
        assert_eq!(r.readmission, ReadmissionStatus::Readmission);
        assert_eq!(r.readmission_withheld_pence, Pence(60_000));
        assert_eq!(r.paid_pence, Pence(140_000));
        // Day 131 (31 days): not a readmission, paid in full.
        let r = price_spell(&readmission(100, 131, false), &p).unwrap();
        assert_eq!((r.readmission, r.paid_pence), (ReadmissionStatus::NotReadmission, Pence(200_000)));
        // An elective readmission is never an emergency readmission.
        let s = Spell { class: AdmissionClass::Elective, ..readmission(100, 110, false) };
        assert_eq!(readmission_status(&s, &p), ReadmissionStatus::NotReadmission);
    }

    #[test]
    fn readmission_exclusions_are_paid() {
        let p = TariffParams { readmission: ReadmissionRule::ClinicalReview { unpaid_fraction: 0.30 }, ..params() };
        let s = Spell { exclusion: Some(ReadmissionExclusion::Cancer), ..readmission(100, 110, false) };
        let r = price_spell(&s, &p).unwrap();
        assert_eq!(r.readmission, ReadmissionStatus::Excluded(ReadmissionExclusion::Cancer));
        assert_eq!(r.paid_pence, Pence(200_000));
        // Aged 3 at readmission: excluded without a flag.
        let s = Spell { age_years: 3, ..readmission(100, 110, false) };
        assert_eq!(readmission_status(&s, &p), ReadmissionStatus::Excluded(ReadmissionExclusion::AgedUnderFour));
    }

    #[test]
    fn readmission_2011_rule() {
        // After an elective index: nothing paid. After a non-elective index: 75% paid,
        // £2,000 × 0.75 = £1,500, £500 withheld.
        let p = TariffParams {
            readmission: ReadmissionRule::ElectiveIndexUnpaid { non_elective_paid_fraction: 0.75 },
            ..params()
        };
        let r = price_spell(&readmission(100, 110, true), &p).unwrap();
        assert_eq!((r.paid_pence, r.readmission_withheld_pence), (Pence::ZERO, Pence(200_000)));
        let r = price_spell(&readmission(100, 110, false), &p).unwrap();
        assert_eq!((r.paid_pence, r.readmission_withheld_pence), (Pence(150_000), Pence(50_000)));
    }

    #[test]
    fn mret_above_and_below_baseline() {
        // Above: value £12m, baseline £10m, rate 30%: full £10m, marginal £2m,
        // paid £10m + £0.6m = £10.6m, retained £1.4m.
        let o = apply_mret(Pence(1_200_000_000), Pence(1_000_000_000), 0.30);
        assert_eq!(o.full_pence, Pence(1_000_000_000));
        assert_eq!(o.marginal_pence, Pence(200_000_000));
        assert_eq!(o.paid_pence, Pence(1_060_000_000));
        assert_eq!(o.retained_pence, Pence(140_000_000));
        // Below: value £9m < baseline £10m: all paid, nothing retained.
        let o = apply_mret(Pence(900_000_000), Pence(1_000_000_000), 0.30);
        assert_eq!((o.paid_pence, o.retained_pence), (Pence(900_000_000), Pence::ZERO));
        // Rate 70% (2016/17): paid £10m + £1.4m, retained £0.6m.
        let o = apply_mret(Pence(1_200_000_000), Pence(1_000_000_000), 0.70);
        assert_eq!((o.paid_pence, o.retained_pence), (Pence(1_140_000_000), Pence(60_000_000)));
    }

    #[test]
    fn mret_monthly_accrual_reconciles_to_annual() {
        // Baseline £1.2m a year (£100k a month pro rata). Months: £90k ×6 then £130k ×6:
        // total £1.32m, marginal £120k, paid £1.2m + 0.3 × £120k = £1.236m, retained £84k.
        let mut months = vec![Pence(9_000_000); 6];
        months.extend(vec![Pence(13_000_000); 6]);
        let m = mret_monthly(&months, Pence(120_000_000), 0.3);
        // The first six months are under the pro-rata baseline: all paid.
        assert_eq!(m[0].paid_pence, Pence(9_000_000));
        assert_eq!(m[0].retained_pence, Pence::ZERO);
        let paid: Pence = m.iter().map(|o| o.paid_pence).sum();
        let retained: Pence = m.iter().map(|o| o.retained_pence).sum();
        let annual = apply_mret(months.iter().copied().sum(), Pence(120_000_000), 0.3);
        assert_eq!(annual.paid_pence, Pence(123_600_000));
        assert_eq!(paid, annual.paid_pence);
        assert_eq!(retained, annual.retained_pence);
        assert_eq!(retained, Pence(8_400_000));
        // Month 7 (index 6): cumulative £670k vs baseline £700k: still all paid.
        assert_eq!(m[6].retained_pence, Pence::ZERO);
        // Month 8: cumulative £800k vs £800k: all paid; month 9: £930k vs £900k: £30k marginal, £21k retained.
        assert_eq!(m[8].retained_pence, Pence(2_100_000));
    }

    #[test]
    fn cquin_two_and_a_half_percent() {
        // £10m contract × 2.5% = £250k.
        assert_eq!(cquin(Pence(1_000_000_000), &TariffParams::default()), Pence(25_000_000));
    }
}

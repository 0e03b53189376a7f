"""Request and response bodies. Requests forbid unknown fields (422, never dropped);
responses declare every field so the OpenAPI schema can be checked against them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic import Strict as StrictType

from guidance.recommend.types import (
    MAX_DISTANCE_KM,
    BatchRow,
    Change,
    DistanceKm,
    Item,
    LearnerProfile,
    Preferences,
    Recommendation,
    TopK,
    Weights,
)

MAX_BATCH = 500


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecommendRequest(Strict):
    profile: LearnerProfile
    preferences: Preferences | None = None
    k: TopK = Field(10, description="1 to 50 offerings")
    weights: Weights | None = None


# a signed whole number of km, 0 to MAX_DISTANCE_KM (3,000)
_RELATIVE_KM = r"^[+-](?:[0-2]?[0-9]{1,3}|3000)$"  # ASCII digits: \d is Unicode


def _changes_model() -> type[BaseModel]:
    """Every profile and preference field, optional, with its own constraints; distance
    also as a relative change such as ``"+50"``."""
    from pydantic import create_model
    from pydantic.fields import FieldInfo

    fields: dict[str, Any] = {}
    for model in (LearnerProfile, Preferences):
        for name, f in model.model_fields.items():
            if name == "learner_id":
                continue
            info = FieldInfo.merge_field_infos(f, default=None)
            fields[name] = (f.annotation, info)
    fields["max_distance_km"] = (
        Annotated[DistanceKm, StrictType()]  # "5.5": not absolute km
        | Annotated[str, Field(pattern=_RELATIVE_KM, max_length=5)],
        Field(
            None,
            description=f"0 to {MAX_DISTANCE_KM:,} km, or a change of at most "
            f'{MAX_DISTANCE_KM:,} km such as "+50" or "-20" (the result is again '
            f"0 to {MAX_DISTANCE_KM:,} km)",
        ),
    )
    return create_model(
        "WhatIfChanges",
        __config__=ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1}),
        **fields,
    )


if TYPE_CHECKING:
    WhatIfChanges = BaseModel
else:
    WhatIfChanges = _changes_model()


class WhatIfRequest(Strict):
    profile: LearnerProfile
    preferences: Preferences | None = None
    changes: WhatIfChanges = Field(description="profile or preference fields to change")
    k: TopK = Field(10, description="1 to 50 offerings")


class BatchLearner(Strict):
    profile: LearnerProfile
    preferences: Preferences | None = None


class BatchRequest(Strict):
    learners: list[BatchLearner] = Field(min_length=1, max_length=MAX_BATCH)
    k: TopK = Field(10, description="1 to 50 offerings per learner")


# --- recommendations: the core's types are published as they are ----------------------


class RecommendationOut(Recommendation):
    """``Recommendation`` and the request id."""

    request_id: str


class WhatIfOut(BaseModel):
    request_id: str
    model_version: str
    demand_period: str
    changes: dict[str, Any]
    before: list[Item]
    after: list[Item]
    entered: list[Change]
    left: list[Change]
    changed: list[Change]  # in both lists: at another institution, or with other figures


class BatchOut(BaseModel):
    request_id: str
    model_version: str
    demand_period: str
    results: list[BatchRow]


class ProgrammeOut(BaseModel):
    programme_id: str
    programme_code: str
    name_vi: str
    name_en: str | None
    level: str
    field_code: str
    institution_id: str
    institution_name: str
    province_code: str
    duration_months: int | None
    tuition_vnd_per_year: int | None
    min_education: int | None
    target_occupations: str
    mode: str | None
    capacity: int | None
    predecessor_id: str | None
    active: bool | None


class ProgrammePage(BaseModel):
    items: list[ProgrammeOut]
    total: int
    page: int
    page_size: int
    pages: int


class OutcomesOut(BaseModel):
    n_graduates: int
    small_cell: bool
    observed_employed_12m: float | None = Field(
        description="shown only with at least 20 graduates (small-cell rule)"
    )
    observed_job_matches_training: float | None
    flags: list[str] = Field(
        default_factory=list,
        description="small_sample (fewer than 20 graduates), new_programme (cold start)",
    )


class DemandRowOut(BaseModel):
    period: str
    province_code: str
    occupation_code: str
    vacancies: int
    job_seekers: int | None
    median_wage_vnd: int | None
    source: str | None


class ProgrammeDetail(BaseModel):
    programme: ProgrammeOut
    outcomes: OutcomesOut | None = Field(description="null while no model is loaded")
    demand_period: str | None
    demand: list[DemandRowOut]


class OccupationOut(BaseModel):
    occupation_code: str
    name_en: str
    name_vi: str | None
    riasec: str | None
    skill_level: int | None


class RiasecLetterOut(BaseModel):
    """One Holland letter of an occupation, strongest first, explained in plain words."""

    letter: str = Field(description="R, I, A, S, E or C")
    weight: float = Field(description="its weight in the interest fit (1, 0.6, 0.3)")
    name_vi: str
    name_en: str
    about_vi: str
    about_en: str


class OccupationDemandOut(BaseModel):
    """The published demand figures of one occupation in one province (``demand_figures``:
    the mean of the newest 3 months, the trend against the same months a year earlier)."""

    province_code: str
    province_name_vi: str
    province_name_en: str
    vacancies: float | None
    job_seekers: float | None
    vacancies_per_seeker: float | None
    trend_12m: float | None = Field(description="null when the snapshots do not reach back")
    median_wage_vnd: int | None = Field(description="of the newest month that reported one")


class NearProgrammeOut(BaseModel):
    """An offering in a list (near the learner, or the same programme elsewhere)."""

    programme_id: str
    programme_code: str
    name_vi: str
    name_en: str | None
    level: str
    institution_id: str
    institution_name: str
    province_code: str
    province_name_vi: str
    province_name_en: str
    duration_months: int | None
    tuition_vnd_per_year: int | None
    distance_km: float | None = Field(
        description="from the learner's (or this offering's) province"
    )


class OccupationDetail(BaseModel):
    occupation: OccupationOut
    minor_group: str
    description_vi: str | None = Field(description="what the work is (the ISCO minor group's)")
    description_en: str | None
    riasec: list[RiasecLetterOut]
    demand_period: str | None
    demand: list[OccupationDemandOut]
    wage_min_vnd: int | None
    wage_max_vnd: int | None
    province: str | None = Field(description="the learner's province the list is sorted from")
    programmes: list[NearProgrammeOut]
    programmes_total: int


class OccupationBrief(BaseModel):
    occupation_code: str
    name_vi: str | None
    name_en: str | None
    riasec: str | None


class ProgrammeOccupationsOut(BaseModel):
    programme_id: str
    occupations: list[OccupationBrief]


class InstitutionOut(BaseModel):
    institution_id: str
    institution_name: str
    province_code: str
    province_name_vi: str
    province_name_en: str
    address: str | None = None
    phone: str | None = None
    website: str | None = None


class ProgrammeFull(ProgrammeDetail):
    """``GET /programmes/{id}``: the details, plus what the programme page shows."""

    total_tuition_vnd: int | None = Field(
        description="per year × years (a programme shorter than a year pays one year)"
    )
    institution: InstitutionOut
    occupations: list[OccupationBrief]
    also_at: list[NearProgrammeOut] = Field(description="the same programme elsewhere")
    also_at_total: int
    stats_url: str


class DemandPage(BaseModel):
    period: str | None
    total: int
    items: list[DemandRowOut]


class UploadOut(BaseModel):
    period: str
    row_count: int
    content_hash: str
    replaced: bool
    serving_demand_period: str | None


GUARDIAN_AGE = 16  # a saved case of a learner younger than this needs a guardian's consent


class FeedbackIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "dependencies": {
                "case": {
                    "required": ["consent_case"],
                    "properties": {"consent_case": {"const": True}},
                }
            },
            # a case (an object) of a learner under 16 also needs consent_guardian: true
            "allOf": [
                {
                    "if": {
                        "required": ["case"],
                        "properties": {
                            "case": {
                                "type": "object",
                                "required": ["age"],
                                "properties": {"age": {"maximum": GUARDIAN_AGE - 1}},
                            }
                        },
                    },
                    "then": {
                        "required": ["consent_guardian"],
                        "properties": {"consent_guardian": {"const": True}},
                    },
                }
            ],
        },
    )

    request_id: str | None = Field(None, max_length=64)
    programme_id: str | None = Field(None, max_length=64, description="the learner's choice")
    recommended_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=50, description="at most 50 catalogue programme ids"
    )
    override: StrictBool | None = Field(None, description="JSON true or false only")
    reason: str | None = Field(None, max_length=2000)
    consent_research: StrictBool = Field(False, description="JSON true or false only")
    consent_case: StrictBool = Field(False, description="consent only by JSON true")
    consent_guardian: StrictBool = Field(
        False,
        description="a parent's or guardian's consent "
        "(JSON true only); required to save the case of a "
        f"learner under {GUARDIAN_AGE}",
    )
    case: LearnerProfile | None = Field(
        None, description="the learner's profile, saved only with consent_case: true"
    )


class FeedbackOut(BaseModel):
    id: int
    override: bool


class AuditOut(BaseModel):
    id: int
    created_at: str
    request_id: str
    route: str
    role: str
    api_key_id: int | None
    profile_hash: str | None
    model_version: str | None
    demand_period: str | None
    top_k: list[dict[str, Any]] | None
    latency_ms: float | None
    status: int


class AuditPage(BaseModel):
    """One keyset page of the audit log, oldest first; pass ``next_cursor`` as ``cursor``
    for the next page (null: this is the last page)."""

    items: list[AuditOut]
    next_cursor: str | None


class JobAccepted(BaseModel):
    job_id: str
    status: str
    status_url: str


class JobOut(BaseModel):
    job_id: str
    kind: str
    status: str
    message: str | None
    created_at: str
    updated_at: str
    progress_done: int
    progress_total: int | None
    cancel_requested: bool
    result: dict[str, Any] | None
    warnings: list[dict[str, Any]]
    warning_count: int
    errors: list[dict[str, Any]]
    error_count: int


class ErrorDetail(BaseModel):
    code: str
    message: str = Field(max_length=1000)
    request_id: str | None
    details: Any = None
    details_total: int | None = Field(
        None,
        ge=0,
        description="how many details there were "
        "when the list was cut (first 20 for request "
        "validation, first 1,000 otherwise)",
    )
    details_truncated: bool | None = Field(None, description="true when details was cut")
    error_file_url: str | None = Field(
        None,
        description="a refused tracer submission: "
        "where to download the clerk's file with an error "
        "column (null when the file could not be read at all)",
    )


class ErrorOut(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (401, 403, 413, 422, 429, 503)
}


# --- the tracer database (api/routes/tracer.py) ---------------------------------------


class TracerIssue(BaseModel):
    """One finding of a tracer submission: the spreadsheet row (header = 1), column and
    rule, in Vietnamese and English."""

    row: int | None
    column: str | None
    rule: str
    message_vi: str
    message_en: str
    severity: str = "error"


class TracerSubmissionResult(BaseModel):
    """A stored submission version, and what changed against the previous current one."""

    submission_id: int
    institution_id: str
    cohort: str
    wave: str
    version: int
    kind: str = Field(description="records | aggregates")
    rows: int
    added: int
    changed: int
    removed: int
    warnings: list[TracerIssue]


class TracerSubmissionOut(BaseModel):
    submission_id: int
    institution_id: str
    cohort: str
    wave: str
    version: int
    kind: str
    created_at: str
    rows: int
    content_hash: str
    warning_count: int
    withdrawn: bool
    withdrawn_at: str | None
    withdrawn_reason: str | None


class TracerSubmissionList(BaseModel):
    """Every submission version, newest first; withdrawn ones are flagged with the reason."""

    total: int
    items: list[TracerSubmissionOut]


class TracerRowsPage(BaseModel):
    """The stored rows of one version (``learner_ref`` as its pseudonym only)."""

    institution_id: str
    cohort: str
    wave: str
    version: int
    kind: str
    withdrawn: bool
    total: int
    items: list[dict[str, Any]]


# Text that must say something: at least one character that is not white space, and no NUL
# (which the edge refuses everywhere; app.NO_NUL): the schema states both rules, so a client
# and the property tests know what is refused.
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


class TracerWithdrawRequest(Strict):
    reason: str = Field(min_length=1, max_length=500, pattern=NOT_BLANK)
    version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="default: the current version"
    )


class TracerWithdrawOut(BaseModel):
    institution_id: str
    cohort: str
    wave: str
    version: int
    reason: str


class TracerCoverageRow(BaseModel):
    institution_id: str
    cohort: str
    wave: str
    version: int | None
    kind: str | None
    graduates_known: int | None
    surveyed: int | None
    responded: int | None
    response_rate: float | None = Field(None, ge=0, le=1)


class TracerCoverage(BaseModel):
    items: list[TracerCoverageRow]


class TracerNationalRow(TracerCoverageRow):
    institution_name: str | None
    status: str = Field(description="submitted | withdrawn | missing")


class TracerNationalCoverage(BaseModel):
    """Every institution of the catalogue × every (cohort, wave) any institution has
    submitted: who has submitted, withdrawn, or not submitted (``missing``)."""

    cohort_waves: list[str]
    institutions: int
    submitted: int
    withdrawn: int
    missing: int
    items: list[TracerNationalRow]


class TracerForgetRequest(Strict):
    learner_ref: str = Field(
        min_length=1,
        max_length=200,
        pattern=NOT_BLANK,
        description="the graduate's reference as the institutions send "
        "it; pseudonymised at once, never stored or logged",
    )


class TracerForgetOut(BaseModel):
    rows_deleted: int


# --- published statistics (api/routes/stats.py) ---------------------------------------
# Only disclosure-controlled columns (stats.disclosure.publish and what is built on it):
# counts rounded to 5, rates in whole percent, wages to 100,000 VND; a withheld row keeps
# only its keys, cohorts and the reason (Vietnamese and English).


def _stats_row(name: str, doc: str, fields: dict[str, tuple]) -> type[BaseModel]:
    from pydantic import create_model

    return create_model(name, __doc__=doc, **fields)  # type: ignore[call-overload]


_KEYS = {
    c: (str | None, Field(None, description=d))
    for c, d in (
        ("cohort", "graduation year (e.g. 2025) or pooled years (e.g. 2024-2025)"),
        ("cohorts", "the years the row covers, comma-separated"),
        ("programme_id", "offering (programme × institution)"),
        ("institution_id", None),
        ("institution_name", None),
        ("programme_code", None),
        ("level", "so_cap | trung_cap | cao_dang"),
        ("province_code", "one of the 34 provinces"),
        ("trade_occupation", "training occupation (ISCO-08, 4 digits)"),
        ("isco2", "trade group (ISCO-08, 2 digits)"),
    )
}
_SUPPRESSION = {
    "suppressed": (bool, Field(description="true: the row's figures are withheld")),
    "suppressed_reason": (
        str | None,
        Field(None, description="few_respondents | low_response | complementary"),
    ),
    "suppressed_vi": (str | None, Field(None, description="why, in Vietnamese")),
    "suppressed_en": (str | None, Field(None, description="why, in English")),
}


def _outcome_fields() -> dict[str, tuple]:
    from guidance.stats.definitions import RATES

    f: dict[str, tuple] = {**_KEYS, "pooled": (bool, Field(description="pooled cohorts"))}
    for c in ("graduates", "surveyed", "respondents"):
        f[c] = (int | None, Field(None, ge=0, description=f"{c}, rounded to 5"))
    for r in RATES:
        f[f"{r}_pct"] = (int | None, Field(None, ge=0, le=100, description="whole percent"))
        if r != "response_rate":
            f[f"{r}_lo_pct"] = (
                int | None,
                Field(None, ge=0, le=100, description="95% Wilson interval, lower"),
            )
            f[f"{r}_hi_pct"] = (
                int | None,
                Field(None, ge=0, le=100, description="95% Wilson interval, upper"),
            )
    for c in ("wage_p25", "wage_median", "wage_p75"):
        f[c] = (int | None, Field(None, ge=0, description="monthly VND, to 100,000"))
    f.update(_SUPPRESSION)
    f["wage_suppressed_vi"] = (str | None, None)
    f["wage_suppressed_en"] = (str | None, None)
    for wave in ("6m", "12m"):
        for lang in ("vi", "en"):
            f[f"answered_{wave}_suppressed_{lang}"] = (
                str | None,
                Field(
                    None,
                    description=f"why the {wave} rates alone are withheld "
                    "(too few answered that wave)",
                ),
            )
    return f


StatsOutcomeRow = _stats_row("StatsOutcomeRow", "One published outcome cell.", _outcome_fields())
StatsValueAddedRow = _stats_row(
    "StatsValueAddedRow",
    "Published value added of an institution (percentage points).",
    {
        **{k: _KEYS[k] for k in ("cohort", "cohorts", "institution_id", "province_code")},
        "pooled": (bool, ...),
        "respondents": (int | None, Field(None, ge=0)),
        "response_rate_pct": (int | None, Field(None, ge=0, le=100)),
        "observed_12m_pct": (int | None, Field(None, ge=0, le=100)),
        "expected_12m_pct": (int | None, Field(None, ge=0, le=100)),
        "value_added_pp": (int | None, Field(None, ge=-100, le=100)),
        "value_added_lo_pp": (int | None, Field(None, ge=-100, le=100)),
        "value_added_hi_pp": (int | None, Field(None, ge=-100, le=100)),
        **_SUPPRESSION,
    },
)
_F = float | None
StatsSupplyDemandRow = _stats_row(
    "StatsSupplyDemandRow",
    "Supply against demand of one trade × province (docs/statistics.md).",
    {
        "trade_level": (str, Field(description="isco2 | trade4")),
        "trade": (str, Field(description="ISCO-08 code")),
        "province_code": (str, ...),
        "offerings": (int | None, Field(None, ge=0)),
        "capacity": (int | None, Field(None, ge=0)),
        "expected_graduates": (int | None, Field(None, ge=0)),
        "completion_source": (str | None, None),
        "vacancies": (_F, None),
        "job_seekers": (_F, None),
        "vacancies_per_job_seeker": (_F, None),
        "vacancy_trend_12m": (_F, None),
        "vacancies_projected": (_F, None),
        "vacancies_per_job_seeker_projected": (_F, None),
        "graduates_per_vacancy": (_F, None),
        "employment_change_pp": (_F, None),
        "wage_change_pct": (_F, None),
        "respondents": (int | None, Field(None, ge=0)),
        "response_rate_pct": (int | None, Field(None, ge=0, le=100)),
        "z_tension": (_F, None),
        "z_employment_change": (_F, None),
        "z_wage_change": (_F, None),
        "indicator": (_F, None),
        "components": (int, Field(ge=0, le=3)),
        "flag": (str | None, Field(None, description="shortage | balanced | surplus")),
        "suppressed": (bool, False),
        "suppressed_vi": (str | None, None),
        "suppressed_en": (str | None, None),
    },
)
StatsQuadrantRow = _stats_row(
    "StatsQuadrantRow",
    "An offering's employment and in-trade rate against the national average.",
    {
        **_KEYS,
        "pooled": (bool, ...),
        "respondents": (int | None, Field(None, ge=0)),
        "response_rate_pct": (int | None, Field(None, ge=0, le=100)),
        "employment_12m_pct": (int | None, Field(None, ge=0, le=100)),
        "in_occupation_12m_pct": (int | None, Field(None, ge=0, le=100)),
        "employment_vs_national_pp": (int | None, None),
        "in_trade_vs_national_pp": (int | None, None),
        "quadrant": (str, ...),
        "quadrant_vi": (str, ...),
        "quadrant_en": (str, ...),
        "suppressed": (bool, False),
    },
)


class StatsPage(BaseModel):
    """A page of published rows (``items`` typed per route)."""

    table: str
    cohort: str
    as_of: str
    total: int
    page: int
    page_size: int
    pages: int
    notes: list[str] = Field(
        default_factory=list,
        description="e.g. a filter that does not apply to this table (Vietnamese / English)",
    )


class StatsOutcomesPage(StatsPage):
    items: list[StatsOutcomeRow]  # type: ignore[valid-type]


class StatsValueAddedPage(StatsPage):
    items: list[StatsValueAddedRow]  # type: ignore[valid-type]


class StatsSupplyDemandPage(StatsPage):
    items: list[StatsSupplyDemandRow]  # type: ignore[valid-type]


class StatsQuadrantPage(StatsPage):
    national: dict[str, float | None] = Field(default_factory=dict)
    items: list[StatsQuadrantRow]  # type: ignore[valid-type]


class StatsSource(BaseModel):
    id: str
    vi: str
    en: str


class StatsMetaOut(BaseModel):
    """Source and last update of the published statistics, and the rules they follow."""

    as_of: str
    cohorts: list[str]
    years: list[str]
    latest_cohort: str | None
    groupings: list[str]
    sources: list[StatsSource]
    disclosure: dict[str, Any]
    audited: bool
    demand_period: str | None
    value_added: str
    supply_demand: dict[str, Any]
    model_version: str | None
    data_version: str

"""Request and result types of the recommender.

Requests are pydantic models (validated once at the edge: CLI, batch, API); results are
plain dataclasses (built on every request, so they must be cheap).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["so_cap", "trung_cap", "cao_dang"]


class LearnerProfile(BaseModel):
    """The learner columns of the contract's ``outcomes`` table (request side)."""

    model_config = ConfigDict(extra="forbid")

    learner_id: str | None = None
    age: int = Field(ge=14, le=70)
    home_province_code: str = Field(min_length=2, max_length=2)
    education_level: int = Field(ge=0, le=13)
    gpa: float | None = Field(None, ge=0, le=10)
    math_score: float | None = Field(None, ge=0, le=10)
    literature_score: float | None = Field(None, ge=0, le=10)
    english_score: float | None = Field(None, ge=0, le=10)
    riasec_r: float | None = Field(None, ge=0, le=1)
    riasec_i: float | None = Field(None, ge=0, le=1)
    riasec_a: float | None = Field(None, ge=0, le=1)
    riasec_s: float | None = Field(None, ge=0, le=1)
    riasec_e: float | None = Field(None, ge=0, le=1)
    riasec_c: float | None = Field(None, ge=0, le=1)
    prior_work_months: int | None = Field(None, ge=0)
    # audit only: accepted so a whole record can be passed, never read by the ranking
    sex: Literal["F", "M", "X"] | None = None
    ethnic_minority: bool | None = None

    def model_inputs(self) -> dict:
        """The columns the models may see (protected attributes removed)."""
        return self.model_dump(exclude={"learner_id", "sex", "ethnic_minority"})


class Preferences(BaseModel):
    """What the learner accepts. No province list, no distance and no relocation means:
    study provinces in the learner's home region (the default)."""

    model_config = ConfigDict(extra="forbid")

    levels: list[Level] | None = None
    field_codes: list[str] | None = None
    max_duration_months: int | None = Field(None, ge=1)
    max_tuition_vnd_per_year: int | None = Field(None, ge=0)
    provinces: list[str] | None = None
    max_distance_km: float | None = Field(None, ge=0)
    willing_to_relocate: bool = False
    start_period: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class Weights(BaseModel):
    """The utility: ``score = Σ weight × component`` (components in docs/recommend.md).

    Defaults: the match probability decides, the other components only break near-ties.
    On 2,500 held-out demo learners this captured 0.80 of the achievable uplift in
    in-trade employment against 0.71 for a balanced utility (``BALANCED``); see
    docs/recommend.md. Counsellors who want to trade outcomes for cost, distance or
    interests pass their own weights.
    """

    model_config = ConfigDict(extra="forbid")

    match: float = 1.0        # P(job in the trained occupation at 12 months)
    employed: float = 0.01    # P(employed at 12 months)
    completion: float = 0.0   # P(completes the programme) (already inside ``match``)
    wage: float = 0.01        # log(median wage / reference wage), clipped to ±1
    demand: float = 0.01      # projected vacancies per job seeker at graduation, in [-1, 1]
    interest: float = 0.01    # interest fit (RIASEC cosine), in [0, 1]
    cost: float = 0.005       # −total tuition / 100 million VND
    distance: float = 0.005   # −distance / 500 km (0 when willing to relocate)


BALANCED = Weights(match=1.0, employed=0.25, completion=0.15, wage=0.1, demand=0.1,
                   interest=0.1, cost=0.05, distance=0.05)
COMPONENTS = tuple(Weights.model_fields)


@dataclass
class Basis:
    """What an item's figures rest on."""

    n_graduates: int
    first_cohort: str | None
    last_cohort: str | None
    observed_employed_12m: float | None  # only when n_graduates >= MIN_CELL
    observed_job_matches_training: float | None
    small_cell: bool          # 0 < n < MIN_CELL: shrunk, never shown as observed
    cold_start: bool
    cold_start_method: str | None  # "predecessor" | "attributes"


@dataclass
class DemandFigures:
    occupation_code: str | None
    occupation_name_vi: str | None
    occupation_name_en: str | None
    province_code: str
    vacancies: float                  # monthly mean of the last 3 months, target occupations
    vacancies_per_seeker: float | None
    trend_12m: float | None           # relative change on the same months a year earlier
    projected_per_seeker: float | None  # at the learner's graduation month


@dataclass
class Item:
    rank: int
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
    duration_months: int
    tuition_vnd_per_year: int
    distance_km: float
    graduation_period: str
    score: float
    components: dict[str, float]
    p_employed_12m: float
    p_employed_12m_interval: tuple[float, float]
    p_job_matches_training: float
    p_completed: float
    wage_q25: float
    wage_q50: float
    wage_q75: float
    interest_fit: float | None
    total_tuition_vnd: float
    demand: DemandFigures
    basis: Basis
    flags: list[str] = field(default_factory=list)
    reasons_vi: list[str] = field(default_factory=list)
    reasons_en: list[str] = field(default_factory=list)
    alternatives: list[dict] = field(default_factory=list)


@dataclass
class Recommendation:
    items: list[Item]
    model_version: str
    demand_period: str
    start_period: str
    n_eligible: int
    n_scored: int
    weights: dict[str, float]
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def ids(self) -> list[str]:
        return [it.programme_id for it in self.items]

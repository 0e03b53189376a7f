"""The recommender's domain types, defined once: the core builds them, the CLI and batch
read them and the API publishes them (pydantic, no web framework).

Requests (``LearnerProfile``, ``Preferences``, ``Weights``) are validated once at the edge
(CLI, batch, API). Results (``Item``, ``Recommendation``, ``WhatIf``, ``BatchRow`` …) are
built on every request with ``model_construct`` (no validation: the core's own numbers),
so they stay cheap. Non-finite numbers become ``null`` in one place: the JSON serializer
of ``Num`` (JSON has no NaN).
"""

from __future__ import annotations

import functools
import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainSerializer,
    PrivateAttr,
    StrictBool,
    model_validator,
)
from pydantic_core import PydanticCustomError

Level = Literal["so_cap", "trung_cap", "cao_dang"]

# Bounds of the request numbers (each also stated in its field's description, so OpenAPI
# documents it). Every float also refuses NaN and ±infinity, and no number accepts
# true/false: a JSON boolean is not a number.
MAX_MONTHS = 600  # 50 years: longer than any programme or working life so far
MAX_TUITION_VND = 10**10  # 10 billion VND a year, ~100x the dearest vocational programme
MAX_DISTANCE_KM = 3_000  # Vietnam spans ~1,650 km north to south; 3,000 km is "anywhere"
MAX_WEIGHT = 10.0  # weights are relative: 10 against the default 0.01 already dominates
MAX_LIST = 200  # entries of a preference list (there are 34 provinces, ~300 field codes)
MAX_CODE = 16  # characters of one code in a list
# the contract's education levels (DATA_CONTRACT.md, outcomes.education_level): the models
# know no other value, so serving refuses the rest
EDUCATION_LEVELS = (5, 9, 12, 13)
EDUCATION_LEVELS_TEXT = ", ".join(map(str, EDUCATION_LEVELS))  # as the rules say them


def not_a_bool(value: Any) -> Any:
    # pydantic's lax mode reads true/false as 1/0; a number field must not
    if isinstance(value, bool):
        raise PydanticCustomError("number_not_bool", "a number is expected, not true/false")
    return value


def true_false(value: Any) -> Any:
    """``true``/``false`` text in any case (as JSON and spreadsheets write them) as a bool;
    anything else (``1``, ``yes``) is left for the field's rule to refuse."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


# Bounded numbers: finite, never true/false; the bounds sit inside the type so that OpenAPI
# shows them as minimum/maximum, also when the field is optional.
_NOT_BOOL = BeforeValidator(not_a_bool)
Score = Annotated[float, Field(ge=0, le=10, allow_inf_nan=False), _NOT_BOOL]  # 0-10 grade
Unit = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), _NOT_BOOL]  # a RIASEC share
Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT, allow_inf_nan=False), _NOT_BOOL]
DistanceKm = Annotated[float, Field(ge=0, le=MAX_DISTANCE_KM, allow_inf_nan=False), _NOT_BOOL]
Age = Annotated[int, Field(ge=14, le=70), _NOT_BOOL]
Months = Annotated[int, Field(ge=0, le=MAX_MONTHS), _NOT_BOOL]
Duration = Annotated[int, Field(ge=1, le=MAX_MONTHS), _NOT_BOOL]
TuitionVnd = Annotated[int, Field(ge=0, le=MAX_TUITION_VND), _NOT_BOOL]
TopK = Annotated[int, Field(ge=1, le=50), _NOT_BOOL]  # offerings per answer
Code = Annotated[str, Field(min_length=1, max_length=MAX_CODE)]


def _education_level(value: int) -> int:
    if value not in EDUCATION_LEVELS:
        raise PydanticCustomError(
            "education_level",
            "education_level must be one of {levels} / "
            "trình độ học vấn (education_level) phải là một trong các giá trị {levels}",
            {"levels": EDUCATION_LEVELS_TEXT},
        )
    return value


@functools.cache
def _old_codes() -> dict[str, str]:
    """Pre-2025 province code → its 2025 code, for the old codes that are not 2025 codes
    (each read by THE resolver, ``reference.resolve_province``; built once)."""
    from guidance.reference import province_crosswalk, resolve_province

    out = {}
    for old in province_crosswalk()["old_code"].astype(str):
        code, was_old = resolve_province(old)
        if code is not None and was_old and code != old:
            out[old] = code
    return out


def _as_code(value: Any) -> str | None:
    """The 2-digit text of a code typed as text or a JSON number (None: not such a code)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:02d}" if 0 <= value < 100 else None
    if isinstance(value, str):
        text = value.strip()
        return text.zfill(2) if text.isdigit() and len(text) <= 2 else None
    return None


def _province_code(value: Any) -> Any:
    """A province code as typed: a JSON number (``40``) is read as the code ``"40"``, a
    one-digit code is zero-padded, and a pre-2025 code (``49``, Quảng Nam) becomes its
    2025 province through the packaged crosswalk (each old province maps to exactly one
    new one). Any other value is left for the field's own rules (and the catalogue: an
    unknown code is a 422 naming the field)."""
    value = not_a_bool(value)
    text = _as_code(value)
    if text is None:
        return value
    return _old_codes().get(text, text)


def province_mapping(value: Any) -> tuple[str, str] | None:
    """``(old, new)`` when ``value`` is a pre-2025 province code that
    ``_province_code`` maps to another 2025 code, else None (the note a response gives)."""
    text = _as_code(value)
    new = _old_codes().get(text) if text is not None else None
    return (text, new) if text is not None and new is not None else None


# a code as text, or as a JSON number 0-99 (read as the 2-digit code)
_CODE_NUMBER = Annotated[int, Field(ge=0, le=99)]
HomeProvinceCode = Annotated[
    str,
    BeforeValidator(
        _province_code,
        json_schema_input_type=Annotated[str, Field(min_length=2, max_length=2)] | _CODE_NUMBER,
    ),
]
ProvinceCode = Annotated[
    str,
    Field(min_length=1, max_length=MAX_CODE),
    BeforeValidator(
        _province_code,
        json_schema_input_type=Annotated[str, Field(min_length=1, max_length=MAX_CODE)]
        | _CODE_NUMBER,
    ),
]


class RemembersProvinces(BaseModel):
    """A request model whose province fields accept pre-2025 codes: after validation,
    ``province_mappings`` lists ``(field, old code, 2025 code)`` for each code mapped
    (the API, CLI and batch say so: ``Recommendation.notes_vi``/``notes_en``)."""

    _province_mappings: list[tuple[str, str, str]] = PrivateAttr(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_old_provinces(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        mapped: list[tuple[str, str, str]] = []
        if isinstance(data, dict):
            for name in ("home_province_code", "provinces"):
                value = data.get(name)
                if value is None:
                    continue
                for v in value if isinstance(value, list) else [value]:
                    hit = province_mapping(v)
                    if hit is not None:
                        mapped.append((name, *hit))
        obj = handler(data)
        if mapped and isinstance(obj, RemembersProvinces):
            obj.set_province_mappings(mapped)
        return obj

    def set_province_mappings(self, mapped: list[tuple[str, str, str]]) -> None:
        self._province_mappings = list(mapped)

    @property
    def province_mappings(self) -> list[tuple[str, str, str]]:
        return list(self._province_mappings)


EducationLevel = Annotated[
    int,
    BeforeValidator(not_a_bool),
    AfterValidator(_education_level),
    Field(
        description=f"years of schooling completed: {EDUCATION_LEVELS_TEXT}",
        json_schema_extra={
            "enum": list(EDUCATION_LEVELS),
            "minimum": min(EDUCATION_LEVELS),
            "maximum": max(EDUCATION_LEVELS),
        },
    ),
]


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# a result number: NaN and ±infinity are written as null (the one place that does it)
Num = Annotated[float, PlainSerializer(_finite_or_none, return_type=float | None, when_used="json")]


class LearnerProfile(RemembersProvinces):
    """The learner columns of the contract's ``outcomes`` table (request side)."""

    model_config = ConfigDict(extra="forbid")

    learner_id: str | None = Field(None, max_length=100)
    age: Age = Field(description="years, 14 to 70")
    home_province_code: HomeProvinceCode = Field(
        min_length=2,
        max_length=2,
        description="2025 province code; a pre-2025 code (e.g. 49) or a JSON number (40) "
        "is read through the packaged crosswalk",
    )
    education_level: EducationLevel
    gpa: Score | None = Field(None, description="0 to 10")
    math_score: Score | None = Field(None, description="0 to 10")
    literature_score: Score | None = Field(None, description="0 to 10")
    english_score: Score | None = Field(None, description="0 to 10")
    riasec_r: Unit | None = Field(None, description="0 to 1")
    riasec_i: Unit | None = Field(None, description="0 to 1")
    riasec_a: Unit | None = Field(None, description="0 to 1")
    riasec_s: Unit | None = Field(None, description="0 to 1")
    riasec_e: Unit | None = Field(None, description="0 to 1")
    riasec_c: Unit | None = Field(None, description="0 to 1")
    prior_work_months: Months | None = Field(None, description=f"0 to {MAX_MONTHS} months")
    # audit only: accepted so a whole record can be passed, never read by the ranking
    sex: Literal["F", "M", "X"] | None = None
    ethnic_minority: StrictBool | None = Field(None, description="JSON true or false only")

    @classmethod
    def from_cells(cls, cells: dict[str, str]) -> LearnerProfile:
        """A profile from text cells (a CSV row): numbers are parsed as usual; a boolean
        cell must read ``true`` or ``false`` (any case), like JSON, never ``1`` or ``yes``."""
        values: dict[str, Any] = dict(cells)
        if "ethnic_minority" in values:
            values["ethnic_minority"] = true_false(values["ethnic_minority"])
        return cls.model_validate(values)

    def model_inputs(self) -> dict[str, Any]:
        """The columns the models may see (protected attributes removed)."""
        return self.model_dump(exclude={"learner_id", "sex", "ethnic_minority"})


class Preferences(RemembersProvinces):
    """What the learner accepts. No province list, no distance and no relocation means:
    the learner's home province and its neighbouring provinces (the default,
    ``geo.near_area``)."""

    model_config = ConfigDict(extra="forbid")

    levels: list[Level] | None = Field(None, max_length=MAX_LIST)
    field_codes: list[Code] | None = Field(
        None, max_length=MAX_LIST, description=f"at most {MAX_LIST} codes"
    )
    max_duration_months: Duration | None = Field(None, description=f"1 to {MAX_MONTHS} months")
    max_tuition_vnd_per_year: TuitionVnd | None = Field(
        None, description=f"0 to {MAX_TUITION_VND:,} VND a year"
    )
    provinces: list[ProvinceCode] | None = Field(
        None,
        max_length=MAX_LIST,
        description=f"at most {MAX_LIST} province codes (pre-2025 codes are mapped)",
    )
    max_distance_km: DistanceKm | None = Field(None, description=f"0 to {MAX_DISTANCE_KM:,} km")
    willing_to_relocate: StrictBool = Field(False, description="JSON true or false only")
    start_period: str | None = Field(None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def _weight(default: float, what: str) -> Any:
    return Field(default, description=f"{what}; 0 to {MAX_WEIGHT:g}")


class Weights(BaseModel):
    """The utility: ``score = Σ weight × component`` (components in docs/recommend.md).

    Defaults: the match probability decides, the other components only break near-ties.
    They were chosen on VALIDATION learners of all four demo-world variants at once
    (``benchmarks/recs_weights.py``: 4,321 weight vectors, the highest mean uplift among
    those whose worst variant is within 0.005 of the best worst; no per-world tuning):
    worst-variant captured uplift 0.770 and mean 0.857 against 0.743 and 0.842 for the
    previous defaults (wage 0.01, cost 0.005, distance 0.005). Wage and cost get 0: on
    no variant did they raise the in-trade outcome; a learner who wants them sets them.
    Test figures per variant: docs/recommend.md. Counsellors who want to trade outcomes
    for cost, distance or interests pass their own weights. Every weight lies in [0, 10]: each component is
    oriented so that more is better (cost and distance enter negated), so a negative
    weight would invert its documented meaning, and 10 already outweighs the defaults by
    three orders of magnitude; with finite components the score stays finite.
    """

    model_config = ConfigDict(extra="forbid")

    match: Weight = _weight(1.0, "P(job in the trained occupation at 12 months)")
    employed: Weight = _weight(0.01, "P(employed at 12 months)")
    completion: Weight = _weight(0.0, "P(completes the programme) (already inside ``match``)")
    wage: Weight = _weight(0.0, "log(median wage / reference wage), clipped to ±1")
    demand: Weight = _weight(0.01, "projected vacancies per job seeker at graduation, in [-1, 1]")
    interest: Weight = _weight(0.01, "interest fit (RIASEC cosine), in [0, 1]")
    cost: Weight = _weight(0.0, "−total tuition / 100 million VND")
    distance: Weight = _weight(0.02, "−distance / 500 km (0 when willing to relocate)")


BALANCED = Weights(
    match=1.0,
    employed=0.25,
    completion=0.15,
    wage=0.1,
    demand=0.1,
    interest=0.1,
    cost=0.05,
    distance=0.05,
)
COMPONENTS = tuple(Weights.model_fields)


class Result(BaseModel):
    """A result type: built by the core with ``model_construct``; only the API validates
    (its response model), and NaN passes validation (``Num`` writes it as null)."""

    # every field is always written, so the response schema marks them all required
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


class Basis(Result):
    """What an item's figures rest on.

    Every ``observed_*`` share is the offering's own history (its lineage, the training
    data's records), shown only when the offering has ``MIN_CELL`` graduates and ``MIN_CELL``
    of them answered that wave (``None`` otherwise, like the observed rates before them);
    the denominators are the ``n_*_known`` counts (``stats.definitions``: a share of the
    wave's respondents).

    - ``headline``: which employment figure the card leads with: ``"observed"`` (the
      observed 12-month rate, when it is shown) or ``"estimate"`` (the model's
      ``p_employed_12m``).
    - ``n_cohort_years``: the number of graduating years with graduates, between the years of
      ``first_cohort`` and ``last_cohort``.
    - ``observed_employed_6m`` / ``n_employed_6m_known``: in work 6 months after graduating.
    - ``observed_formal_12m``, ``observed_informal_12m``, ``observed_self_employed_12m``: in
      formal, informal and self-employment at 12 months, each a share of the 12-month
      respondents (``n_employed_12m_known``); the three add up to ``observed_employed_12m``.
    """

    n_graduates: int
    first_cohort: str | None
    last_cohort: str | None
    observed_employed_12m: Num | None  # only when n_graduates >= MIN_CELL
    observed_job_matches_training: Num | None
    small_cell: bool  # 0 < n < MIN_CELL: shrunk, never shown as observed
    cold_start: bool
    cold_start_method: str | None  # "predecessor" | "attributes"
    # graduates with employed_12m known (v1.1: a 6-month-only graduate is not counted)
    n_employed_12m_known: int | None = None
    headline: Literal["observed", "estimate"] = "estimate"
    n_cohort_years: int | None = None
    observed_employed_6m: Num | None = None
    n_employed_6m_known: int | None = None
    observed_formal_12m: Num | None = None
    observed_informal_12m: Num | None = None
    observed_self_employed_12m: Num | None = None


class TuitionExemption(Result):
    """Tuition after an exemption the law gives (``recommend.tuition``): the rule, where it
    comes from, whether it was checked against the current legal text, and the figures
    after it (per year and for the whole course)."""

    rule_id: str
    rule_vi: str
    rule_en: str
    legal_source: str
    verified: bool
    note_vi: str
    note_en: str
    exempt_share: Num
    tuition_vnd_per_year: Num
    total_tuition_vnd: Num | None


class AgeRule(Result):
    """A legal minimum age behind an item's age flag (``reference.legal_min_ages``):
    ``flag`` ``age_at_graduation`` (under it now, old enough at graduation) or
    ``age_law_unclear`` (under a minimum whose legal source we could not verify: shown,
    not excluded). Ages in years; ``age_at_graduation`` to one decimal."""

    flag: str
    rule_id: str
    min_age: int
    status: str  # "law" | "unclear"
    trade_vi: str
    trade_en: str
    source: str
    age_now: Num
    age_at_graduation: Num


class DemandFigures(Result):
    occupation_code: str | None
    occupation_name_vi: str | None
    occupation_name_en: str | None
    province_code: str
    vacancies: Num | None  # monthly mean of the last 3 months, target occupations
    vacancies_per_seeker: Num | None
    trend_12m: Num | None  # relative change on the same months a year earlier
    projected_per_seeker: Num | None  # at the learner's graduation month


class Alternative(Result):
    """The same programme code at another institution (diversity cap)."""

    programme_id: str
    institution_name: str
    province_code: str
    province_name_vi: str
    score: Num
    p_job_matches_training: Num | None
    distance_km: Num | None
    flags: list[str] = Field(default_factory=list)  # ``small_sample``, ``new_programme``


class Item(Result):
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
    distance_km: Num | None
    graduation_period: str
    score: Num  # the utility; null in JSON only when not finite
    components: dict[str, Num | None]
    # None: the bundle did not learn that target (flag ``missing_<target>``)
    p_employed_12m: Num | None
    # [low, high] = intervals["employed_12m"] (the Wilson interval of older bundles)
    p_employed_12m_interval: list[Num | None]
    p_job_matches_training: Num | None
    p_completed: Num | None
    wage_q25: Num | None
    wage_q50: Num | None
    wage_q75: Num | None
    # [low, high] per figure (employed_12m, job_matches_training, completed, wage_q50):
    # where the observed value of a year's graduates of this offering falls with
    # probability ``interval_level``, the models' error included (docs/recommend.md);
    # [null, null] when the figure is missing
    intervals: dict[str, list[Num | None]] = Field(default_factory=dict)
    interval_level: Num = 0.8
    interest_fit: Num | None
    total_tuition_vnd: Num | None
    # the tuition after a legal exemption this learner qualifies for (None: none known)
    tuition_exemption: TuitionExemption | None = None
    demand: DemandFigures
    basis: Basis
    flags: list[str] = Field(default_factory=list)
    reasons_vi: list[str] = Field(default_factory=list)
    reasons_en: list[str] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list)
    # the legal minimum ages behind the flags age_at_graduation / age_law_unclear
    age_rules: list[AgeRule] = Field(default_factory=list)


class Recommendation(Result):
    items: list[Item]
    model_version: str
    demand_period: str
    start_period: str
    n_eligible: int
    n_scored: int
    weights: dict[str, float]
    # about the request as read: e.g. a pre-2025 province code mapped to its 2025 province
    notes_vi: list[str] = Field(default_factory=list)
    notes_en: list[str] = Field(default_factory=list)
    # where the time went (benchmarks, logs); not part of a published answer
    timings_ms: dict[str, float] = Field(default_factory=dict, exclude=True)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (non-finite numbers as None), timings included."""
        out: dict[str, Any] = self.model_dump(mode="json")
        out["timings_ms"] = dict(self.timings_ms)
        return out

    def ids(self) -> list[str]:
        return [it.programme_id for it in self.items]


class FigureChange(Result):
    """One figure of a what-if change, before → after (None: not in that list). ``name``:
    ``rank``, ``p_employed_12m``, ``p_job_matches_training``, ``wage_q50`` (VND a month),
    ``distance_km`` or ``total_tuition_vnd``."""

    name: str
    before: Num | None
    after: Num | None


class Change(Result):
    """A programme that entered, left or changed in the top-k of a what-if, and why.

    A programme is its code: the same code at another institution is one programme that
    ``moved`` (``programme_id_before`` and ``*_before`` name the old offering), not one
    entering and one leaving. The offering named is the one after (before, when it left).
    ``reason``: ``newly_eligible`` / ``no_longer_eligible`` (``rules`` names the rules,
    ``candidates.RULES``), ``ranked_higher`` / ``displaced`` (the scores moved), or
    ``figures`` (same offering, other figures)."""

    programme_id: str
    rank_before: int | None
    rank_after: int | None
    why: str
    why_vi: str
    kind: Literal["entered", "left", "moved", "changed"] = "entered"
    reason: str = ""
    rules: list[str] = Field(default_factory=list)
    programme_code: str = ""
    name_vi: str = ""
    name_en: str | None = None
    level: str = ""
    institution_name: str = ""
    province_code: str = ""
    province_name_vi: str = ""
    province_name_en: str = ""
    programme_id_before: str | None = None
    institution_name_before: str | None = None
    province_name_vi_before: str | None = None
    province_name_en_before: str | None = None
    figures: list[FigureChange] = Field(default_factory=list)
    # the flags of the offering named (``Item.flags``), shown beside it like on a card
    flags: list[str] = Field(default_factory=list)


class WhatIf(Result):
    changes: dict[str, Any]
    before: Recommendation
    after: Recommendation
    entered: list[Change] = Field(default_factory=list)
    left: list[Change] = Field(default_factory=list)
    # in both lists, at another institution (``moved``) or with other figures (``changed``)
    changed: list[Change] = Field(default_factory=list)


class BatchItem(Result):
    """One offering of a batch answer (a short item: no figures, no reasons)."""

    programme_id: str
    rank: int
    score: Num
    flags: list[str] = Field(default_factory=list)


class BatchRow(Result):
    """One learner of a batch result: its offerings, or why it could not be ranked."""

    index: int
    learner_id: str | None
    items: list[BatchItem] = Field(default_factory=list)
    error: str | None = None

    @classmethod
    def of(cls, index: int, learner_id: str | None, rec: Recommendation) -> BatchRow:
        return cls.model_construct(
            index=index,
            learner_id=learner_id,
            items=[
                BatchItem.model_construct(
                    programme_id=it.programme_id, rank=it.rank, score=it.score, flags=it.flags
                )
                for it in rec.items
            ],
            error=None,
        )

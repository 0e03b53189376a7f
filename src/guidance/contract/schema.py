"""Data contract v1.3 as data: every table, column, type and per-column rule.

v1.1 (issue 11): outcome cells of a survey wave a graduate did not answer may be empty.
v1.2 (issue 17): optional institution contact columns in ``programmes``
(``institution_address``, ``institution_phone``, ``institution_website``).
v1.3 (issue 16): optional admission ages in ``programmes`` (``min_age``, ``max_age``,
14–70, ``min_age`` ≤ ``max_age``: a cross-column rule in ``cross.py``). Each minor
version only adds: every v1, v1.1 and v1.2 directory stays valid and loads as before.

The tables here are the single source of truth for the validator (which turns
them into pandera schemas) and for the loaded dtypes everyone downstream relies
on. Keep them in step with ``DATA_CONTRACT.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from guidance.reference import LEVELS, REGIONS

MODES = ("full_time", "part_time", "apprenticeship")
EMPLOYMENT_TYPES = ("formal", "informal", "self_employed", "none")
SEXES = ("F", "M", "X")

PERIOD_RE = r"^\d{4}-(0[1-9]|1[0-2])$"
# v1.2 contact columns: a phone number as printed (digits, spaces, dots, dashes,
# parentheses, a leading +), and a web address starting http:// or https://
PHONE_RE = r"^\+?[0-9(][0-9 .()\-]{5,23}$"
WEBSITE_RE = r"^https?://[^\s<>\"']{1,190}$"
PROVINCE_RE = r"^\d{2}$"
ISCO_RE = r"^\d{4}$"

# v1.3: admission ages of an offering, the bounds of a learner's age (recommend.types.Age)
AGE_MIN, AGE_MAX = 14, 70

# Bounds the database holds (``store/schema.py``), so a value the contract accepts is one
# both engines store: Integer columns are 32-bit signed; money columns are BIGINT, capped
# at a plausibility bound far below 2^63 (100 billion VND a month or a year).
INT32_MAX = 2_147_483_647
MONEY_MAX = 100_000_000_000
# an unknown column this close (Levenshtein) to a known column is taken as a misspelling
MISSPELT_DISTANCE = 1
MISSPELT_DISTANCE_LONG = 2  # for known names of at least LONG_NAME characters
LONG_NAME = 10

# kind -> loaded pandas dtype (see the loaded-table conventions)
DTYPES = {"str": "str", "period": "str", "int": "Int64", "float": "float64", "bool": "boolean"}


@dataclass(frozen=True)
class Col:
    """One contract column: its kind and the rules its non-empty cells obey."""

    name: str
    kind: str = "str"  # str | period | int | float | bool
    required: bool = False
    min: float | None = None
    max: float | None = None
    choices: tuple = ()
    pattern: str | None = None
    pattern_desc: str = ""  # what the pattern means, for messages
    unique: bool = False
    text: bool = False  # free text: normalised to NFC on load
    max_len: int | None = None  # str/period: longest value in characters (the DB's String(n))
    neutralise: bool = False  # formula-like text gets a leading apostrophe (with a warning)
    # v1.1: a required column whose cells may be empty (an outcome of a survey wave the
    # graduate did not answer): the column must be present, an empty cell means unknown
    nullable: bool = False

    def __post_init__(self) -> None:
        # every integer has a finite upper bound: the database's 32-bit Integer unless given
        if self.kind == "int" and self.max is None and not self.choices:
            object.__setattr__(self, "max", INT32_MAX)
        if self.kind == "int" and self.min is None and not self.choices:
            object.__setattr__(self, "min", -INT32_MAX - 1)

    @property
    def dtype(self) -> str:
        return DTYPES[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Col, ...]
    required_table: bool = True
    unique_together: tuple[str, ...] = ()
    by_name: dict[str, Col] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _code(name: str, pattern: str, desc: str, **kw) -> Col:
    return Col(name, "str", pattern=pattern, pattern_desc=desc, **kw)


def _province(name: str, **kw) -> Col:
    return _code(name, PROVINCE_RE, "a 2-digit province code", max_len=8, **kw)


def _isco(name: str, **kw) -> Col:
    return _code(name, ISCO_RE, "a 4-digit ISCO-08 code", max_len=8, **kw)


def _period(name: str, **kw) -> Col:
    return Col(
        name,
        "period",
        pattern=PERIOD_RE,
        pattern_desc="a period YYYY-MM with a real month",
        max_len=7,
        **kw,
    )


def _score(name: str, hi: float) -> Col:
    return Col(name, "float", min=0, max=hi)


def _money(name: str, **kw) -> Col:
    return Col(name, "int", min=0, max=MONEY_MAX, **kw)


PROVINCES = Table(
    "provinces",
    (
        _province("province_code", required=True, unique=True),
        Col("name_vi", required=True, text=True, max_len=200),
        Col("name_en", text=True, max_len=200),
        Col("region", required=True, choices=REGIONS, max_len=64),
        Col("lat", "float", required=True, min=-90, max=90),
        Col("lon", "float", required=True, min=-180, max=180),
    ),
    required_table=False,
)

OCCUPATIONS = Table(
    "occupations",
    (
        _isco("occupation_code", required=True, unique=True),
        Col("name_en", required=True, text=True, max_len=300),
        Col("name_vi", text=True, max_len=300),
        _code("riasec", r"^[RIASEC]{1,3}$", "1–3 Holland letters from RIASEC", max_len=3),
        Col("skill_level", "int", min=1, max=4),
    ),
    required_table=False,
)

PROGRAMMES = Table(
    "programmes",
    (
        Col("programme_id", required=True, unique=True, max_len=64),
        Col("programme_code", required=True, max_len=32),
        Col("name_vi", required=True, text=True, max_len=300),
        Col("name_en", text=True, max_len=300),
        Col("level", required=True, choices=LEVELS, max_len=16),
        _code(
            "field_code",
            r"^\d{4}$",
            "a 4-digit ISCED-F detailed field code",
            required=True,
            max_len=8,
        ),
        Col("institution_id", required=True, max_len=64),
        Col("institution_name", required=True, text=True, max_len=300),
        _province("province_code", required=True),
        Col("duration_months", "int", required=True, min=1, max=48),
        _money("tuition_vnd_per_year", required=True),
        Col("min_education", "int", required=True, choices=(0, 9, 12)),
        _code(
            "target_occupations",
            r"^\d{4}(;\d{4})*$",
            "';'-separated 4-digit ISCO-08 codes",
            required=True,
            max_len=10_000,
        ),
        Col("mode", choices=MODES, max_len=16),
        Col("capacity", "int", min=0),
        Col("predecessor_id", max_len=64),
        Col("active", "bool"),
        # v1.2: the institution's contact, optional (shown on the programme page)
        Col("institution_address", text=True, max_len=300),
        _code(
            "institution_phone",
            PHONE_RE,
            "a phone number (digits, spaces, dots, dashes, brackets, a leading +)",
            max_len=24,
        ),
        _code(
            "institution_website",
            WEBSITE_RE,
            "a web address starting with http:// or https://",
            max_len=200,
        ),
        # v1.3: admission ages (years at enrolment), optional; min_age <= max_age
        Col("min_age", "int", min=AGE_MIN, max=AGE_MAX),
        Col("max_age", "int", min=AGE_MIN, max=AGE_MAX),
    ),
)

OUTCOMES = Table(
    "outcomes",
    (
        Col("record_id", required=True, unique=True, max_len=64),
        Col("programme_id", required=True, max_len=64),
        _period("cohort", required=True),
        Col("age", "int", required=True, min=14, max=70),
        _province("home_province_code", required=True),
        Col("education_level", "int", required=True, choices=(5, 9, 12, 13)),
        _score("gpa", 10),
        _score("math_score", 10),
        _score("literature_score", 10),
        _score("english_score", 10),
        *(_score(f"riasec_{x}", 1) for x in "riasec"),
        Col("prior_work_months", "int", min=0),
        Col("sex", choices=SEXES),
        Col("ethnic_minority", "bool"),
        Col("completed", "bool", required=True),
        Col("employed_6m", "bool", required=True, nullable=True),
        Col("employed_12m", "bool", required=True, nullable=True),
        Col("employment_type", required=True, nullable=True, choices=EMPLOYMENT_TYPES),
        _isco("occupation_code"),
        _province("job_province_code"),
        _money("monthly_wage_vnd"),
        Col("job_matches_training", "bool", required=True, nullable=True),
    ),
)

DEMAND = Table(
    "demand",
    (
        _period("period", required=True),
        _province("province_code", required=True),
        _isco("occupation_code", required=True),
        Col("vacancies", "int", required=True, min=0),
        Col("job_seekers", "int", min=0),
        _money("median_wage_vnd"),
        Col("source", max_len=200, neutralise=True),
    ),
    unique_together=("period", "province_code", "occupation_code"),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (PROVINCES, OCCUPATIONS, PROGRAMMES, OUTCOMES, DEMAND)
}

# columns holding province codes (other than provinces.province_code itself)
PROVINCE_COLUMNS = {
    "programmes": ("province_code",),
    "outcomes": ("home_province_code", "job_province_code"),
    "demand": ("province_code",),
}
OCCUPATION_COLUMNS = {"outcomes": ("occupation_code",), "demand": ("occupation_code",)}


def pandera_schema(table: Table):
    """The pandera schema for the *typed* frame of ``table`` (per-column rules only).

    Check order matters: ``check_rules(table)`` gives, per column, the rule name
    of each check by position so failures can be reported in contract terms.
    """
    # lazy: pandera is heavy to import (the API and CLI load this module at startup)
    import pandera.pandas as pa

    columns = {}
    for col in table.columns:
        columns[col.name] = pa.Column(
            col.dtype,
            checks=[check for _, check in _checks(col, pa)],
            nullable=not col.required or col.nullable,
            required=col.required,
            unique=col.unique,
            report_duplicates="exclude_first",
        )
    return pa.DataFrameSchema(
        columns,
        strict=False,
        unique=list(table.unique_together) or None,
        report_duplicates="exclude_first",
    )


def check_rules(col: Col) -> list[str]:
    """Rule names of ``col``'s pandera checks, in check order."""
    # lazy: pandera is heavy to import (the API and CLI load this module at startup)
    import pandera.pandas as pa

    return [rule for rule, _ in _checks(col, pa)]


def _checks(col: Col, pa) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    if col.min is not None and col.max is not None:
        out.append(("range", pa.Check.in_range(col.min, col.max)))
    elif col.min is not None:
        out.append(("range", pa.Check.ge(col.min)))
    if col.choices:
        out.append(("enum", pa.Check.isin(list(col.choices))))
    if col.pattern:
        out.append(("format", pa.Check.str_matches(col.pattern)))
    if col.max_len is not None:
        out.append(("max_length", pa.Check.str_length(max_value=col.max_len)))
    return out


def _num(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return f"{v:,}" if isinstance(v, int) and abs(v) >= 10_000 else str(v)


def range_detail(col: Col):  # noqa: ANN201 - value -> message
    """The message of a ``range`` failure. A column whose upper bound is only the storage
    bound (``INT32_MAX``, ``MONEY_MAX``) says below/above rather than outside."""
    lo, hi = col.min, col.max
    if hi is None:
        return lambda v: f"{_num(v)} is below {_num(lo)}"
    if hi in (INT32_MAX, MONEY_MAX):

        def storage(v: object) -> str:
            try:
                above = lo is None or float(v) > lo
            except (TypeError, ValueError):
                above = True
            if above:
                return f"{_num(v)} is above {_num(hi)}, the largest value the column holds"
            return f"{_num(v)} is below {_num(lo)}"

        return storage
    return lambda v: f"{_num(v)} is outside {_num(lo)}–{_num(hi)}"


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance of ``a`` and ``b`` (stops counting beyond ``limit``)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def likely_column(table: Table, unknown: str, present: set[str]) -> str | None:
    """The known column of ``table`` (not present in the file) that ``unknown`` is one
    edit from (two for names of at least ``LONG_NAME`` characters), if exactly one is."""
    found = []
    for col in table.columns:
        if col.name in present:
            continue
        limit = MISSPELT_DISTANCE_LONG if len(col.name) >= LONG_NAME else MISSPELT_DISTANCE
        if edit_distance(unknown.lower(), col.name, limit) <= limit:
            found.append(col.name)
    return found[0] if len(found) == 1 else None

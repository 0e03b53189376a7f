"""The published statistics bundle (issue 12 §1–§4): everything that may leave the service,
built once from the contract tables (pure core: no I/O, no API, no model).

``build_bundle(tables, demand, expected, settings)`` runs the outcome tables, disclosure
control (``disclosure.publish``), pooling (``disclosure.headline``), value added
(``value_added``) and supply against demand (``supply_demand``) and keeps ONLY their
disclosure-controlled output in a frozen ``StatsBundle``. The raw tables are dropped: nothing
in a bundle holds a numerator count or an unrounded figure (the API, the pages and the report
read bundles, never the raw tables).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from guidance.stats import supply_demand as sd
from guidance.stats.disclosure import REASONS, DisclosureSettings, headline, publish
from guidance.stats.tables import GROUPINGS, outcome_tables
from guidance.stats.value_added import publish_value_added, value_added

TRADE_LEVELS = ("isco2", "trade4")
"""Supply against demand is given per ISCO-08 2-digit trade and per training occupation
(4-digit), each × province."""

SOURCES = (
    {
        "id": "tracer",
        "en": "Graduate tracer surveys submitted by training institutions "
        "(guidance tracer database)",
        "vi": "Khảo sát lần vết người tốt nghiệp do các cơ sở đào tạo nộp (cơ sở dữ liệu "
        "lần vết của hệ thống)",
    },
    {
        "id": "catalogue",
        "en": "Training catalogue (programmes, institutions, capacity)",
        "vi": "Danh mục đào tạo (chương trình, cơ sở, chỉ tiêu)",
    },
)
DISCLOSURE_SOURCES = (
    "France InserJeunes: a rate only with at least 20 in the denominator",
    "UK Discover Uni: at least 10 respondents and a 50% response rate; pooling of two years",
    "Australia NCVER: estimates from five or fewer withheld",
)


class NoOutcomes(ValueError):
    """No outcome record to publish from (the tracer database holds no data yet)."""


@dataclass(frozen=True)
class StatsBundle:
    """Disclosure-controlled statistics only.

    - ``outcomes[grouping]``: the published table of every grouping of ``tables.GROUPINGS``,
      every cohort label (years and pooled labels);
    - ``headline[grouping]``: one row per key, pooling applied (``disclosure.headline``);
    - ``value_added``: published value added per institution and label (None when no
      expected probabilities were given: ``meta["value_added"]`` says why);
    - ``supply_demand[trade_level]`` (``isco2``, ``trade4``): supply against demand per
      trade × province (empty frames without demand);
    - ``quadrant``: per offering (headline, published only), employment and in-trade rate
      against the national averages;
    - ``meta``: ``as_of``, ``cohorts``, ``latest_cohort``, ``data_hash``, ``settings``,
      ``audited``, ``sources``, ``demand_period``, ``value_added``, ``disclosure``.
    """

    outcomes: MappingProxyType
    headline: MappingProxyType
    value_added: pd.DataFrame | None
    supply_demand: MappingProxyType
    quadrant: pd.DataFrame
    meta: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))


def data_hash(*frames: pd.DataFrame | pd.Series | None) -> str:
    """sha256 over the row hashes of the inputs (order- and content-sensitive)."""
    h = hashlib.sha256()
    for f in frames:
        if f is None:
            h.update(b"<none>")
            continue
        h.update(str(len(f)).encode())
        if isinstance(f, pd.DataFrame):
            h.update(",".join(map(str, f.columns)).encode())
        if len(f):
            h.update(pd.util.hash_pandas_object(f, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _disclosure_meta(s: DisclosureSettings) -> dict[str, Any]:
    return {
        "min_respondents": s.min_respondents,
        "min_response_rate": s.min_response_rate,
        "min_wage_respondents": s.min_wage_respondents,
        "round_counts_to": s.round_counts_to,
        "round_wages_to": s.round_wages_to,
        "pooling": "latest year, else the latest 2 years pooled, else 3",
        "reasons": {k: {"en": en, "vi": vi} for k, (en, vi) in REASONS.items()},
        "sources": list(DISCLOSURE_SOURCES),
    }


def _value_added(raw: dict, pub, s: DisclosureSettings) -> pd.DataFrame:
    va = publish_value_added(value_added(raw["institution"]), pub.tables["institution"], s)
    # every published row carries its respondents and response rate
    va["response_rate_pct"] = pd.array(
        pub.tables["institution"]["response_rate_pct"].to_numpy(dtype="float64", na_value=np.nan),
        dtype="Int64",
    )
    return va


def build_bundle(
    tables: dict[str, pd.DataFrame],
    demand: pd.DataFrame | None = None,
    expected: pd.Series | np.ndarray | None = None,
    settings: DisclosureSettings | None = None,
    *,
    as_of: datetime | str | None = None,
    months_ahead: int | None = None,
) -> StatsBundle:
    """Build the published bundle.

    ``tables``: contract tables (``programmes``, ``outcomes``; optional ``provinces``,
    ``occupations``); ``demand``: the contract demand frame (None: no supply against
    demand); ``expected``: per outcome row (aligned with ``tables["outcomes"]``) the
    predicted probability of employment at 12 months (None: no value added);
    ``months_ahead``: months from the newest demand month to the graduation date of the
    projection (default ``supply_demand.MONTHS_AHEAD``). Raises ``NoOutcomes`` when there
    is no outcome record."""

    s = settings or DisclosureSettings()
    outcomes = tables.get("outcomes")
    if outcomes is None or not len(outcomes):
        raise NoOutcomes("no outcome records: nothing to publish")
    exp = None
    if expected is not None:
        exp = pd.Series(np.asarray(expected, dtype="float64"))
        if len(exp) != len(outcomes):
            raise ValueError(f"expected has {len(exp)} values for {len(outcomes)} outcome rows")
    raw = outcome_tables(tables, expected=exp)
    pub = publish(raw, s)
    published = {g: pub.tables[g] for g in GROUPINGS if g in pub.tables}
    heads = {g: headline(t, g) for g, t in published.items()}
    va = _value_added(raw, pub, s) if exp is not None else None
    del raw  # nothing raw is kept
    sdem = sd.supply_demand(
        published,
        tables["programmes"],
        demand,
        months_ahead=months_ahead,
        heads=heads,
        count_step=s.round_counts_to,
    )
    quad = sd.quadrant(heads)
    labels = published["nation"][["cohort", "cohorts", "pooled"]].drop_duplicates("cohort")
    years = sorted(labels.loc[~labels["pooled"], "cohort"].tolist())
    if as_of is None:
        as_of = datetime.now(UTC)
    periods = (
        None if demand is None or not len(demand) else sorted(demand["period"].astype(str).unique())
    )
    demand_sources = (
        []
        if demand is None or "source" not in demand
        else sorted({str(x) for x in demand["source"].dropna().unique()})[:20]
    )
    meta = {
        "as_of": as_of.isoformat(timespec="seconds") if isinstance(as_of, datetime) else str(as_of),
        "cohorts": labels["cohort"].tolist(),
        "years": years,
        "latest_cohort": years[-1] if years else None,
        "data_hash": data_hash(tables["programmes"], outcomes, demand, exp),
        "settings": asdict(s),
        "disclosure": _disclosure_meta(s),
        "audited": bool(pub.audited),
        "sources": [
            *SOURCES,
            *(
                [
                    {
                        "id": "demand",
                        "en": "Labour demand snapshots: " + ", ".join(demand_sources),
                        "vi": "Số liệu cầu lao động: " + ", ".join(demand_sources),
                    }
                ]
                if periods
                else []
            ),
        ],
        "demand_period": periods[-1] if periods else None,
        "demand_periods": len(periods) if periods else 0,
        "months_ahead": sd.MONTHS_AHEAD if months_ahead is None else int(months_ahead),
        "value_added": (
            "published per institution"
            if va is not None
            else "not available: no outcome model predictions were given"
        ),
        "supply_demand": sd.METHOD,
    }
    frozen = MappingProxyType
    return StatsBundle(
        outcomes=frozen(published),
        headline=frozen(heads),
        value_added=va,
        supply_demand=frozen(dict(sdem)),
        quadrant=quad,
        meta=frozen(meta),
    )

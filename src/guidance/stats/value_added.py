"""Value added per institution (issue 12 §3): observed employment at 12 months minus the
employment expected for the institution's intake, so that an institution that takes weaker
learners is not punished for it (in the spirit of InserJeunes' "valeur ajoutée").

The caller passes, per outcome record, the outcome model's predicted probability of
employment at 12 months ``p_i`` (``tables.outcome_tables(..., expected=p)``); this module
needs no model. Over an institution's respondents (n):

- observed ``O = Σ employed_i``, expected ``E = Σ p_i``;
- value added ``VA = (O − E) / n`` (a difference of rates, in percentage points when
  published);
- its variance ``Var(VA) = (Σ p_i(1 − p_i) + n·p̂(1 − p̂)) / n²`` with ``p̂ = O / n``: the
  Poisson-binomial variance of the employed count under the model's probabilities plus the
  binomial sampling of the observed rate — a deliberately conservative sum (the two are not
  independent), so the interval errs on the wide side;
- the 95 % interval ``VA ± 1.96·sqrt(Var)``, clipped to [−1, 1].

Publication follows the institution's cell in the outcome tables: withheld there (primary or
complementary suppression) ⇒ withheld here with the same reason; otherwise counts rounded to
5, rates and value added to whole percent (interval outwards).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from guidance.stats.definitions import Z95, employment_rate, rate
from guidance.stats.disclosure import DisclosureSettings, percent, publish, round_to
from guidance.stats.tables import GROUPINGS, outcome_tables


def value_added(institution: pd.DataFrame, z: float = Z95) -> pd.DataFrame:
    """Raw value added of every row of a raw institution table (needs ``expected_12m`` and
    ``expected_var_12m``, i.e. ``outcome_tables`` called with ``expected``)."""
    if "expected_12m" not in institution.columns:
        raise ValueError(
            "the outcome tables carry no expected employment: call "
            "outcome_tables(..., expected=p_employed_12m)"
        )
    n = institution["answered_12m"].to_numpy(dtype="float64")
    o = institution["employed_12m"].to_numpy(dtype="float64")
    e = institution["expected_12m"].to_numpy(dtype="float64")
    obs = employment_rate(o, n)
    exp = rate(e, n)
    va = rate(o - e, n)
    p_hat = np.nan_to_num(obs)
    var = rate(
        institution["expected_var_12m"].to_numpy(dtype="float64") + n * p_hat * (1 - p_hat), n * n
    )
    half = z * np.sqrt(var)
    keys = ["cohort", *GROUPINGS["institution"], "cohorts", "pooled"]
    out = institution[[c for c in keys if c in institution.columns]].copy()
    out["respondents"] = institution["respondents"].to_numpy()
    out["observed_12m"], out["expected_12m"] = obs, exp
    out["value_added"] = va
    out["value_added_lo"] = np.clip(va - half, -1.0, 1.0)
    out["value_added_hi"] = np.clip(va + half, -1.0, 1.0)
    return out


def publish_value_added(
    va: pd.DataFrame,
    published_institution: pd.DataFrame,
    settings: DisclosureSettings | None = None,
) -> pd.DataFrame:
    """``va`` (aligned row by row with the institution table) under the disclosure rules of
    the published institution table."""
    s = settings or DisclosureSettings()
    pub = published_institution
    if len(pub) != len(va) or not (pub["cohort"].to_numpy() == va["cohort"].to_numpy()).all():
        raise ValueError("value added and the published institution table are not aligned")
    # shown where the institution's 12-month employment rate is published (enough graduates
    # answered the 12-month wave)
    ok = ~pub["suppressed"].to_numpy(dtype=bool) & pub["employment_12m_pct"].notna().to_numpy()
    out = va[
        [
            c
            for c in va.columns
            if c in ("cohort", "institution_id", "province_code", "cohorts", "pooled")
        ]
    ].copy()

    def shown(x):
        return pd.array(np.where(ok, x, np.nan), dtype="Int64")

    out["respondents"] = shown(round_to(va["respondents"], s.round_counts_to))
    out["observed_12m_pct"] = shown(percent(va["observed_12m"]))
    out["expected_12m_pct"] = shown(percent(va["expected_12m"]))
    out["value_added_pp"] = shown(percent(va["value_added"]))
    out["value_added_lo_pp"] = shown(np.floor(va["value_added_lo"].to_numpy() * 100 + 1e-9))
    out["value_added_hi_pp"] = shown(np.ceil(va["value_added_hi"].to_numpy() * 100 - 1e-9))
    for c in ("suppressed", "suppressed_reason", "suppressed_en", "suppressed_vi"):
        out[c] = pub[c].to_numpy()
    return out


def institution_value_added(
    tables: dict[str, pd.DataFrame], p_employed_12m, settings: DisclosureSettings | None = None
) -> pd.DataFrame:
    """All tables, disclosure control, and the published value added per institution (and
    cohort label). ``p_employed_12m``: per outcome row, the predicted probability."""
    raw = outcome_tables(tables, expected=pd.Series(np.asarray(p_employed_12m, float)))
    pub = publish(raw, settings)
    return publish_value_added(value_added(raw["institution"]), pub.tables["institution"], settings)

"""French master's graduates' outcomes (``fr-esr-insertion_professionnelle-master``,
university × discipline × cohort, 18 and 30 months after graduation) → the tracer
cohort-aggregate table ``cohort_aggregates.csv`` (one row per offering × cohort × wave).

These are aggregates, not individual records, so they do not become contract ``outcomes``:
the CSV is the input for the coming tracer database. ``ns`` (not significant) and ``nd``
(not available) become empty cells. Columns and choices: docs/real_data.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from guidance.importers import MAX_REPORTED, ImportSourceError, check_source

REQUIRED = (
    "annee",
    "diplome",
    "numero_de_l_etablissement",
    "etablissement",
    "code_de_l_academie",
    "academie",
    "code_du_domaine",
    "code_de_la_discipline",
    "discipline",
    "situation",
    "nombre_de_reponses",
    "taux_de_reponse",
    "taux_dinsertion",
)
# ns = not significant, nd = not available; "." also marks a blank in this file, and "fe"
# ("France entière") stands in the regional columns of the national-total rows
MISSING_MARKS = ("ns", "nd", "", ".", "fe")
NATIONAL_TOTAL = "Toutes universités et établissements assimilés"
WAVES = {"18 mois après le diplôme": 18, "30 mois après le diplôme": 30}
# output column -> (source column, low, high): published percentages and euro amounts
RATES = {
    "response_rate_pct": ("taux_de_reponse", 0, 100),
    "employment_rate_pct": ("taux_dinsertion", 0, 100),
    "managerial_or_intermediate_pct": ("emplois_cadre_ou_professions_intermediaires", 0, 100),
    "managerial_pct": ("emplois_cadre", 0, 100),
    "stable_job_pct": ("emplois_stables", 0, 100),
    "full_time_pct": ("emplois_a_temps_plein", 0, 100),
    "outside_region_pct": ("emplois_exterieurs_a_la_region_de_luniversite", 0, 100),
    "women_pct": ("femmes", 0, 100),
    "scholarship_holders_pct": ("de_diplomes_boursiers", 0, 100),
    "wage_median": ("salaire_net_median_des_emplois_a_temps_plein", 0, 20_000),
    "gross_annual_wage_estimate": ("salaire_brut_annuel_estime", 0, 300_000),
    "regional_unemployment_pct": ("taux_de_chomage_regional", 0, 100),
    "regional_wage_median": ("salaire_net_mensuel_median_regional", 0, 20_000),
    "regional_wage_q25": ("salaire_net_mensuel_regional_1er_quartile", 0, 20_000),
    "regional_wage_q75": ("salaire_net_mensuel_regional_3eme_quartile", 0, 20_000),
}
COLUMNS = (
    "offering_id",
    "institution_id",
    "institution_name",
    "academy_code",
    "academy",
    "domain_code",
    "discipline_code",
    "discipline_name",
    "diploma",
    "cohort",
    "wave_months",
    "graduates",
    "surveyed",
    "respondents",
    "employed",
    "employed_formal",
    "employed_informal",
    "employed_self",
    "employed_in_trained_occupation",
    "wage_q25",
    "wage_q75",
    *RATES,
    "wage_currency",
    "wage_basis",
    "national_total",
    "remark",
)


def _number(s: pd.Series) -> pd.Series:
    """Published cells → floats; ``ns``/``nd``/empty → NaN (decimal comma accepted)."""
    t = (
        s.astype("str")
        .str.strip()
        .str.replace(",", ".", regex=False)
        .str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    )  # thousands separators
    t = t.where(~t.str.lower().isin(MISSING_MARKS) & s.notna())
    return pd.to_numeric(t, errors="coerce")


def import_fr_master(source: str | Path, out: str | Path) -> dict[str, int]:
    """Write ``out/cohort_aggregates.csv``; returns counts. Bad cells refuse the import."""
    check_source(source)
    try:
        df = pd.read_csv(source, sep=";", dtype="str", keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise ImportSourceError(f"{source}: not a readable ';'-separated CSV ({exc})") from None
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ImportSourceError(f"{source}: columns missing: {', '.join(missing)}")
    if df.empty:
        raise ImportSourceError(f"{source}: no rows")
    bad: list[str] = []

    def flag(mask, col, what):
        for i in np.flatnonzero(np.asarray(mask))[:MAX_REPORTED]:
            bad.append(f"row {i + 2} {col} {df[col].iloc[i]!r} {what}")

    year = pd.to_numeric(df["annee"], errors="coerce")
    flag(~year.between(1990, 2100), "annee", "is not a year 1990–2100")
    wave = df["situation"].str.strip().map(WAVES)
    flag(wave.isna(), "situation", f"is not one of {', '.join(WAVES)}")
    resp = _number(df["nombre_de_reponses"])
    flag(
        resp.notna() & ~((resp >= 0) & (resp <= 1e6) & (resp == resp.round())),
        "nombre_de_reponses",
        "is not a whole number 0–1,000,000",
    )
    rates = {}
    for name, (col, lo, hi) in RATES.items():
        v = _number(df[col]) if col in df.columns else pd.Series(np.nan, index=df.index)
        if col in df.columns:
            flag(v.notna() & ~v.between(lo, hi), col, f"outside {lo}–{hi}")
            raw = (
                df[col]
                .astype("str")
                .str.strip()
                .str.lower()
                .str.replace(r"[\s\u00a0\u202f]", "", regex=True)
            )
            flag(v.isna() & ~raw.isin(MISSING_MARKS), col, "is neither a number nor ns/nd")
        rates[name] = v
    if bad:
        raise ImportSourceError(
            f"{source}: {len(bad)} bad cell(s) (first {MAX_REPORTED} per "
            "rule): " + "; ".join(bad[:MAX_REPORTED])
        )
    rate = rates["response_rate_pct"]
    with np.errstate(divide="ignore", invalid="ignore"):
        graduates = np.where(rate > 0, np.round(resp / (rate / 100)), np.nan)
    out_df = pd.DataFrame(
        {
            "offering_id": df["numero_de_l_etablissement"].str.strip()
            + ":"
            + df["code_de_la_discipline"].str.strip(),
            "institution_id": df["numero_de_l_etablissement"].str.strip(),
            "institution_name": df["etablissement"].str.strip(),
            "academy_code": df["code_de_l_academie"].str.strip(),
            "academy": df["academie"].str.strip(),
            "domain_code": df["code_du_domaine"].str.strip(),
            "discipline_code": df["code_de_la_discipline"].str.strip(),
            "discipline_name": df["discipline"].str.strip(),
            "diploma": df["diplome"].str.strip(),
            "cohort": year.astype("Int64").astype("str"),
            "wave_months": wave.astype("Int64"),
            "graduates": pd.array(graduates, dtype="Float64").round(0).astype("Int64"),
            "surveyed": pd.NA,
            "respondents": resp.astype("Int64"),
            "employed": pd.NA,
            "employed_formal": pd.NA,
            "employed_informal": pd.NA,
            "employed_self": pd.NA,
            "employed_in_trained_occupation": pd.NA,
            "wage_q25": pd.NA,
            "wage_q75": pd.NA,
            **rates,
            "wage_currency": "EUR",
            "wage_basis": "net monthly, full-time jobs",
            "national_total": df["etablissement"].str.strip() == NATIONAL_TOTAL,
            "remark": df["remarque"].str.strip() if "remarque" in df.columns else "",
        }
    )[list(COLUMNS)]
    key = ["offering_id", "diploma", "cohort", "wave_months"]
    dup = out_df.duplicated(key, keep="first")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    out_df[~dup].to_csv(out / "cohort_aggregates.csv", index=False)
    return {
        "rows": int((~dup).sum()),
        "duplicates_dropped": int(dup.sum()),
        "offerings": int(out_df["offering_id"].nunique()),
        "with_employment_rate": int(rates["employment_rate_pct"].notna().sum()),
        "with_wage_median": int(rates["wage_median"].notna().sum()),
    }

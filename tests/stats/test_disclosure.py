"""Disclosure control: thresholds, rounding, reasons, pooling, and the differencing attack
mounted on every published table of generated worlds.

What counts as **recovered**: a withheld cell is recovered when some exact-sum relation
between published rows (a total and its parts, in any table, any cohort or pool) leaves it
as the only unknown. With the true figures of the published cells the attacker then has its
value exactly; with the published figures (counts rounded to 5) within ±2.5 per published
term (``test_rounded_attack_is_bounded_by_the_rounding``). Rounding is NOT relied upon: any
such cell fails the test, for respondents and for the employed count alike (both are sums
over the same relations).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from guidance.stats import disclosure as D
from guidance.stats.tables import GROUPINGS, outcome_tables

from .conftest import WORLDS

# -- the attacker: relations from the published tables alone ---------------------------------


def _years(cohorts: str) -> tuple[str, ...]:
    return tuple(cohorts.split(","))


def attacker_relations(tables: dict[str, pd.DataFrame]) -> list[tuple[tuple, list[tuple]]]:
    """(total, parts) with rows named (table, position): every row of every table that is the
    exact union of rows of one table under a split of its years into published labels. The
    attacker knows each offering's attributes and years from the published offering table
    (withheld rows included: they keep their keys)."""
    off = tables["offering"]
    single = off[~off["pooled"]]
    attrs = off.drop_duplicates("programme_id")
    elems_of: dict[tuple, frozenset] = {}
    labels: dict[str, tuple] = {}
    by_key: dict[str, dict] = {}
    for name, t in tables.items():
        keys = list(GROUPINGS[name])
        offer_key = dict(
            zip(
                attrs["programme_id"],
                zip(*[attrs[k].astype(str) for k in keys], strict=True)
                if keys
                else [()] * len(attrs),
                strict=True,
            )
        )
        years_of_key = defaultdict(set)
        for pid, y in zip(single["programme_id"], single["cohort"], strict=True):
            years_of_key[offer_key[pid]].add((pid, y))
        by_key[name] = {}
        for i, r in enumerate(t.itertuples(index=False)):
            k = tuple(str(getattr(r, c)) for c in keys)
            ys = set(_years(r.cohorts))
            labels[r.cohort] = _years(r.cohorts)
            elems_of[(name, i)] = frozenset(e for e in years_of_key[k] if e[1] in ys)
            by_key[name][(r.cohort, k)] = (name, i)
    # per table and label: element -> row
    owner: dict[tuple[str, str], dict] = defaultdict(dict)
    for (name, i), es in elems_of.items():
        lab = tables[name]["cohort"].iat[i]
        for e in es:
            owner[(name, lab)][e] = (name, i)

    def splits(label):
        ys = labels[label]
        out = [[label]]
        if len(ys) > 1:
            out.append(list(ys))
            out += [
                [o, *[y for y in ys if y not in oy]]
                for o, oy in labels.items()
                if 1 < len(oy) < len(ys) and set(oy) < set(ys)
            ]
        return out

    rels = []
    for (bname, bi), belems in elems_of.items():
        if not belems:
            continue
        blabel = tables[bname]["cohort"].iat[bi]
        for split in splits(blabel):
            for aname in tables:
                if aname == bname and split == [blabel]:
                    continue
                parts = set()
                for e in belems:
                    lab = next(x for x in split if e[1] in labels[x])
                    row = owner[(aname, lab)].get(e)
                    if row is None:
                        break
                    parts.add(row)
                else:
                    if all(elems_of[p] <= belems for p in parts) and parts != {(bname, bi)}:
                        rels.append(((bname, bi), sorted(parts)))
    return rels


def differencing_attack(pub, rels, column: str) -> dict[tuple, int]:
    """Every withheld cell left alone in a relation, with the value the attacker computes
    from the TRUE figures of the published members (the strongest attacker)."""
    withheld = {(n, i) for n, w in pub.withheld.items() for i in np.flatnonzero(w)}
    raw = pub.raw
    got = {}
    for total, parts in rels:
        members = [total, *parts]
        unknown = [m for m in members if m in withheld]
        if len(unknown) != 1:
            continue
        u = unknown[0]
        val = lambda m: int(raw[m[0]][column].iat[m[1]])  # noqa: E731
        if u == total:
            got[u] = sum(val(p) for p in parts)
        else:
            got[u] = val(total) - sum(val(p) for p in parts if p != u)
    return got


@pytest.fixture(scope="module")
def attacked(publications):
    cache = {}

    def get(scale, seed, **settings):
        key = (scale, seed, tuple(sorted(settings.items())))
        if key not in cache:
            pub = publications(scale, seed, **settings)
            cache[key] = (pub, attacker_relations(pub.tables))
        return cache[key]

    return get


@pytest.mark.parametrize(("scale", "seed"), WORLDS)
def test_differencing_attack_recovers_nothing(attacked, scale, seed):
    pub, rels = attacked(scale, seed)
    assert len(rels) > 100  # the attack really has relations to work with
    assert any(any(pub.withheld[p[0]][p[1]] for p in parts) for _, parts in rels)
    for column in ("respondents", "employed_12m", "graduates"):
        assert differencing_attack(pub, rels, column) == {}


@pytest.mark.parametrize(("scale", "seed"), [("tiny", 1), ("demo", 1)])
def test_attack_succeeds_without_complementary_suppression(attacked, scale, seed):
    """The same attack finds cells when only the primary rule is applied: the test can fail,
    and what it recovers is the truth."""
    pub, rels = attacked(scale, seed, complementary=False)
    got = differencing_attack(pub, rels, "respondents")
    assert len(got) > 0
    for (name, i), v in got.items():
        assert v == pub.raw[name]["respondents"].iat[i]


def test_rounded_attack_is_bounded_by_the_rounding(attacked):
    """From the published (rounded) counts the unprotected cell comes out within ±2.5 per
    published term, and not always exactly: rounding alone narrows, it does not protect."""
    pub, rels = attacked("tiny", 1, complementary=False)
    withheld = {(n, i) for n, w in pub.withheld.items() for i in np.flatnonzero(w)}
    seen = 0
    for total, parts in rels:
        members = [total, *parts]
        unknown = [m for m in members if m in withheld]
        if len(unknown) != 1:
            continue
        u = unknown[0]
        pubv = lambda m: int(pub.tables[m[0]]["respondents"].iat[m[1]])  # noqa: E731
        known = [m for m in members if m != u]
        est = (
            sum(pubv(p) for p in parts)
            if u == total
            else pubv(total) - sum(pubv(p) for p in parts if p != u)
        )
        truth = int(pub.raw[u[0]]["respondents"].iat[u[1]])
        assert abs(est - truth) <= 2.5 * len(known)
        seen += 1
    assert seen > 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tiny_no_linear_combination_reveals_a_withheld_cell(publications, seed):
    """Stronger than single subtractions: with offering-years as unknowns, no withheld cell's
    atom vector lies in the span of the published cells' (dense SVD over the whole world,
    independent of the module's peeling and blocks)."""
    pub = publications("tiny", seed)
    assert pub.audited
    off = pub.tables["offering"]
    single = off[~off["pooled"]]
    attrs = off.drop_duplicates("programme_id").set_index("programme_id")
    a = attrs.loc[single["programme_id"]].reset_index()
    a["year"] = single["cohort"].to_numpy()
    rows, sup = [], []
    for name, t in pub.tables.items():
        for r in t.itertuples(index=False):
            m = a["year"].isin(_years(r.cohorts)).to_numpy().copy()
            for k in GROUPINGS[name]:
                m &= (a[k].astype(str) == str(getattr(r, k))).to_numpy()
            rows.append(m)
            sup.append(bool(r.suppressed))
    M, sup = np.array(rows, float), np.array(sup)
    _, s, vt = np.linalg.svd(M[~sup], full_matrices=False)
    v = vt[: int((s > 1e-9 * s[0]).sum())].T
    C = M[sup]
    resid = np.linalg.norm(C - (C @ v) @ v.T, axis=1)
    assert (resid > 1e-6).all()


# -- the rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(("scale", "seed"), WORLDS)
def test_no_published_figure_from_a_small_cell(publications, scale, seed):
    pub = publications(scale, seed)
    for name, t in pub.tables.items():
        raw = pub.raw[name]
        shown = ~t["suppressed"].to_numpy()
        assert (raw["respondents"].to_numpy()[shown] >= 20).all()
        assert (raw["response_rate"].to_numpy()[shown] >= 0.5).all()
        wage_shown = t["wage_median"].notna().to_numpy()
        assert (raw["wage_n"].to_numpy()[wage_shown] >= 20).all()
        assert not (wage_shown & ~shown).any()
        hidden = t.loc[
            ~shown,
            ["respondents", "graduates", "employment_12m_pct", "wage_median", "response_rate_pct"],
        ]
        assert hidden.isna().all().all()
        assert t.loc[~shown, "suppressed_en"].notna().all()
        assert t.loc[~shown, "suppressed_vi"].notna().all()


def test_rounding(publications):
    pub = publications("demo", 1)
    for t in pub.tables.values():
        shown = t[~t["suppressed"]]
        for c in D.COUNTS_PUBLISHED:
            assert (shown[c] % 5 == 0).all()
        for c in [c for c in t.columns if c.endswith("_pct")]:
            v = shown[c].dropna()
            assert ((v >= 0) & (v <= 100)).all()
        for c in D.WAGES:
            assert (shown[c].dropna() % 100_000 == 0).all()
    nat = pub.tables["nation"].iloc[-1]
    raw = pub.raw["nation"].iloc[-1]
    assert nat["respondents"] == D.round_to(raw["respondents"], 5)
    assert nat["employment_12m_pct"] == round(raw["employment_12m"] * 100)
    assert nat["employment_12m_lo_pct"] <= raw["employment_12m_lo"] * 100
    assert nat["employment_12m_hi_pct"] >= raw["employment_12m_hi"] * 100


def test_round_to_halves_up():
    assert D.round_to([12, 12.5, 13, 17.5, 0], 5).tolist() == [10, 15, 15, 20, 0]
    assert D.percent([0.125, 0.994, 0.995]).tolist() == [13, 99, 100]


def test_reasons_in_english_and_vietnamese(publications):
    t = publications("tiny", 1).tables["offering"]
    few = t[t["suppressed_reason"] == "few_respondents"].iloc[0]
    assert few["suppressed_en"] == "fewer than 20 respondents"
    assert few["suppressed_vi"] == "ít hơn 20 người trả lời"
    comp = t[t["suppressed_reason"] == "complementary"].iloc[0]
    assert "subtraction" in comp["suppressed_en"] and "phép trừ" in comp["suppressed_vi"]


def test_response_rate_rule_with_tracer_status(world_tables):
    """Tracer v1.1 survey status: non-respondents count in graduates only; a cell under 50 %
    response is withheld with its rate in the reason, in English and Vietnamese."""
    tables = dict(world_tables("tiny", 1))
    out = tables["outcomes"].copy()
    prog = tables["programmes"].set_index("programme_id")["province_code"]
    prov = out["programme_id"].map(prog)
    top = prov.value_counts().index[0]
    rows = np.flatnonzero((prov == top).to_numpy())
    status = np.array(["responded"] * len(out), dtype=object)
    status[rows[np.arange(len(rows)) % 20 < 11]] = "no_response"  # 55 % do not answer
    out["survey_status"] = status
    tables["outcomes"] = out
    raw = outcome_tables(tables)
    pub = D.publish(raw)
    t, r = pub.tables["province"], raw["province"]
    i = int(
        np.flatnonzero(((t["province_code"] == top) & (t["cohort"] == "2023-2025")).to_numpy())[0]
    )
    assert r["respondents"].iat[i] >= 20 and r["response_rate"].iat[i] < 0.5
    assert r["graduates"].iat[i] > r["respondents"].iat[i]
    pct = int(D.percent(r["response_rate"].iat[i]))
    assert 40 <= pct <= 50
    assert t["suppressed_reason"].iat[i] == "low_response"
    assert t["suppressed_en"].iat[i] == f"response rate {pct}%, below 50%"
    assert t["suppressed_vi"].iat[i] == f"tỷ lệ phản hồi {pct}%, dưới 50%"
    # graduates include non-respondents; employment is over respondents
    nat = raw["nation"].iloc[-1]
    assert nat["graduates"] > nat["respondents"]
    assert nat["employment_12m"] == pytest.approx(nat["employed_12m"] / nat["respondents"])


def test_a_wave_with_few_answers_withholds_its_rates_alone(world_tables):
    """A published cell whose graduates mostly answered only the 6-month wave (the newest
    cohort, before its 12-month survey) shows the 6-month rate and withholds every 12-month
    figure with the reason; the 12-month rate is never computed over 6-month answers."""
    tables = dict(world_tables("tiny", 1))
    out = tables["outcomes"].copy()
    for c in ("employed_12m", "job_matches_training"):
        out[c] = out[c].astype("boolean")
    out["monthly_wage_vnd"] = out["monthly_wage_vnd"].astype("Int64")
    out["employment_type"] = out["employment_type"].astype("object")
    newest = out["cohort"].astype(str).str[:4] == out["cohort"].astype(str).str[:4].max()
    keep = newest & (np.arange(len(out)) % 50 == 0)  # 1 in 50 answered the 12-month wave
    gone = (newest & ~keep).to_numpy()
    out.loc[gone, ["employed_12m", "job_matches_training"]] = pd.NA
    out.loc[gone, ["employment_type", "monthly_wage_vnd"]] = None
    tables["outcomes"] = out
    raw = outcome_tables(tables)
    year = str(out["cohort"].astype(str).str[:4].max())
    r = raw["nation"].set_index("cohort").loc[year]
    assert r["answered_12m"] < 20 <= r["answered_6m"] == r["respondents"]
    assert r["employment_12m"] == pytest.approx(r["employed_12m"] / r["answered_12m"])
    t = D.publish(raw).tables["nation"].set_index("cohort").loc[year]
    assert not t["suppressed"]
    assert pd.notna(t["employment_6m_pct"])
    for c in (
        "employment_12m_pct",
        "formal_12m_pct",
        "in_occupation_12m_pct",
        "employment_12m_lo_pct",
        "wage_median",
    ):
        assert pd.isna(t[c]), c
    assert t["answered_12m_suppressed_vi"].startswith("ít hơn 20 người trả lời khảo sát sau 12")
    assert "12-month" in t["answered_12m_suppressed_en"]
    assert t["answered_6m_suppressed_en"] is None


def test_pooled_cells_say_which_cohorts(publications):
    pub = publications("demo", 1)
    for t in pub.tables.values():
        pooled = t[t["pooled"]]
        assert len(pooled)
        for r in pooled.itertuples():
            ys = r.cohorts.split(",")
            assert len(ys) >= 2 and r.cohort == f"{ys[0]}-{ys[-1]}"
        assert (t.loc[~t["pooled"], "cohorts"] == t.loc[~t["pooled"], "cohort"]).all()
    h = D.headline(pub.tables["offering"], "offering")
    assert h["programme_id"].is_unique
    latest = pub.tables["offering"]["cohort"][~pub.tables["offering"]["pooled"]].max()
    # a pooled figure is shown only where the latest year is withheld or absent
    off = pub.tables["offering"]
    latest_ok = set(off.loc[(off["cohort"] == latest) & ~off["suppressed"], "programme_id"])
    assert set(h.loc[h["cohort"] == latest, "programme_id"]) == latest_ok
    assert (h.loc[h["pooled"] & ~h["suppressed"], "programme_id"].isin(latest_ok)).sum() == 0
    assert h["pooled"].any()


def test_complementary_on_a_hand_made_group():
    # group 0: total T (cell 3) = A (0) + B (1) + C (2); A withheld -> B (fewest published)
    rel = pd.DataFrame(
        {"group": [0, 0, 0, 0], "cell": [3, 0, 1, 2], "is_total": [True, False, False, False]}
    )
    w = np.array([True, False, False, False])
    extra, _ = D.complementary(w, np.array([5, 30, 40, 75]), rel)
    assert extra.tolist() == [False, True, False, False]
    # the total alone withheld -> its smallest part
    extra, _ = D.complementary(
        np.array([False, False, False, True]), np.array([5, 30, 40, 75]), rel
    )
    assert extra.tolist() == [True, False, False, False]
    # a chain: the new cell (1) is alone in group 1 -> its partner (4) follows
    rel2 = pd.concat(
        [
            rel,
            pd.DataFrame({"group": [1, 1, 1], "cell": [5, 1, 4], "is_total": [True, False, False]}),
        ]
    )
    w = np.array([True, False, False, False, False, False])
    extra, passes = D.complementary(w, np.array([5, 30, 40, 75, 25, 55]), rel2)
    assert extra.tolist() == [False, True, False, False, True, False] and passes == 3

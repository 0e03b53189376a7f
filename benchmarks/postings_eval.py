"""Score the posting classifier on the hand-labelled postings.

    python benchmarks/postings_eval.py            # dev only: 5-fold CV, temperature, threshold
    python benchmarks/postings_eval.py --heldout  # the held-out table for docs/postings.md
    python benchmarks/postings_eval.py --check-draw [--shared ../shared]
                                                  # redo the seeded draw of the labelled
                                                  # postings and compare with the shipped file

Dev mode is what the classifier was developed with; the held-out split is
scored only with ``--heldout`` (run once the classifier is frozen).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd


def _softmax(scores: np.ndarray, t: float) -> np.ndarray:
    z = scores / t
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def dev_cross_validation(dev: pd.DataFrame, folds: int = 5, seed: int = 0):
    """Out-of-fold codes and decision scores (aligned to each fold's classes)."""
    from sklearn.model_selection import KFold

    from guidance.postings.classify import PostingClassifier, frame

    codes = np.empty(len(dev), dtype=object)
    true_scores, all_scores = [], []
    for tr, te in KFold(folds, shuffle=True, random_state=seed).split(dev):
        clf = PostingClassifier().fit(dev.iloc[tr])
        X = frame(
            dev["title"].iloc[te].tolist(),
            dev["industry"].iloc[te].tolist(),
            dev["skills_excerpt"].iloc[te].tolist(),
        )
        s = clf.pipeline_.decision_function(X)
        codes[te] = clf.classes_[s.argmax(axis=1)]
        idx = {c: i for i, c in enumerate(clf.classes_)}
        for row, y in zip(s, dev["isco_code"].iloc[te], strict=True):
            all_scores.append(row)
            true_scores.append(idx.get(y, -1))
    return codes, all_scores, true_scores


def fit_temperature(all_scores, true_idx) -> float:
    """The temperature minimising the out-of-fold log-loss (rows whose true class
    was absent from the fold's training data are skipped)."""
    from scipy.optimize import minimize_scalar

    rows = [(s, i) for s, i in zip(all_scores, true_idx, strict=True) if i >= 0]

    def nll(t: float) -> float:
        return -float(np.mean([np.log(_softmax(s[None, :], t)[0, i] + 1e-12) for s, i in rows]))

    return float(minimize_scalar(nll, bounds=(0.01, 2.0), method="bounded").x)


def choose_threshold(conf: np.ndarray, target_coverage: float = 0.92) -> float:
    """Highest threshold (0.01 steps) that still keeps ``target_coverage`` on dev."""
    best = 0.0
    for t in np.arange(0.0, 1.0, 0.01):
        if (conf >= t).mean() >= target_coverage:
            best = float(t)
    return round(best, 2)


def score_table(y: np.ndarray, pred: np.ndarray, covered: np.ndarray) -> dict[str, float]:
    """Top-1 accuracy (all rows; a not-covered row counts as wrong), 2-digit accuracy,
    macro-F1 at 4 digits, coverage, and accuracy on the covered rows."""
    from sklearn.metrics import f1_score

    pred = np.where(covered, pred, "none").astype(str)
    y = y.astype(str)
    return {
        "acc4": float((pred == y).mean()),
        "acc2": float((pd.Series(pred).str[:2] == pd.Series(y).str[:2]).mean()),
        "macro_f1_4": float(
            f1_score(y, pred, labels=sorted(set(y)), average="macro", zero_division=0)
        ),
        "coverage": float(covered.mean()),
        "acc4_covered": float((pred[covered] == y[covered]).mean()) if covered.any() else 0.0,
        "acc2_covered": float(
            (pd.Series(pred[covered]).str[:2] == pd.Series(y[covered]).str[:2]).mean()
        )
        if covered.any()
        else 0.0,
    }


_IT_INDUSTRY = r"CNTT|IT -|Phần Mềm|Phần mềm|Hệ thống CNTT|Viễn thông|Internet"
_MAIN_DRAW = {
    ("careerviet", "it"): 55,
    ("careerviet", "other"): 55,
    ("topcv", "it"): 60,
    ("topcv", "other"): 60,
    ("vietnamworks", "it"): 55,
    ("vietnamworks", "other"): 55,
    ("itviec", "all"): 90,
}
_TOPUP = {  # folded-title pattern, number drawn (99 = all)
    "acc": (r"ke toan|accountant|kiem toan|accounting|auditor", 99),
    "sales": (r"kinh doanh|sales|ban hang|tu van vien", 20),
    "mkt": (r"marketing|content|seo|truyen thong", 12),
    "eng": (
        r"ky su (?:co khi|dien|xay dung|ket cau|san xuat|qa|qc)|mechanical|civil|electrical",
        99,
    ),
    "work": (r"cong nhan|lao dong|\btho\b|operator|van hanh may|may mac", 99),
    "hr": (r"nhan su|hanh chinh|tuyen dung|\bhr\b", 10),
    "teach": (r"giao vien|teacher|giang vien|tro giang", 12),
    "cs": (r"cham soc khach hang|cskh|customer service|le tan", 99),
    "logi": (r"\bkho\b|logistics|xuat nhap khau|mua hang|purchas", 12),
}


def _held_out(df: pd.DataFrame, rng) -> pd.Series:
    split = pd.Series("dev", index=df.index)
    for _, g in df.groupby("source"):
        split[rng.choice(g.index.to_numpy(), int(round(0.3 * len(g))), replace=False)] = "heldout"
    return split


def draw_labelled_sample(shared) -> pd.DataFrame:
    """Redo the seeded draw described in labels/LABELLING_RULES.md: (source, job_id, split)."""
    import hashlib
    from pathlib import Path

    from guidance.text import fold

    real = Path(shared) / "real" / "vn_job_postings_2025"
    u = pd.read_csv(real / "careerviet_topcv_vietnamworks_unified.csv", dtype=str)
    it = pd.read_csv(real / "itviec_clean.csv", dtype=str)
    rows = [
        dict(
            source=r.source,
            job_id=r.job_id,
            title=r.title,
            company=r.company,
            industry=r.industry if isinstance(r.industry, str) else "",
        )
        for r in u.itertuples()
    ]
    for r in it.itertuples():
        key = "|".join(
            str(x) for x in (r.job_names, r.company_names, r.locate_names, r.post_dates_formatted)
        )
        rows.append(
            dict(
                source="itviec",
                job_id=hashlib.sha1(key.encode()).hexdigest()[:12],
                title=r.job_names,
                company=r.company_names,
                industry=r.domain_arr if isinstance(r.domain_arr, str) else "",
            )
        )
    df = pd.DataFrame(rows)
    df["k"] = df["title"].map(fold) + "|" + df["company"].map(fold)
    df = df.drop_duplicates("k").drop_duplicates(["source", "job_id"])
    first = df["industry"].str.split(r" , |,").str[0].fillna("")
    df["stratum"] = np.where(first.str.contains(_IT_INDUSTRY), "it", "other")
    df.loc[df["source"] == "itviec", "stratum"] = "all"
    rng = np.random.default_rng(20251221)
    parts = [
        g.iloc[rng.choice(len(g), _MAIN_DRAW[key], replace=False)]
        for key, g in df.groupby(["source", "stratum"])
    ]
    main = pd.concat(parts)
    main["split"] = _held_out(main, rng)
    # top-up of non-IT titles from the unified file
    rest = u[~u["job_id"].isin(main["job_id"])].copy()
    rest["k"] = rest["title"].map(fold) + "|" + rest["company"].map(fold)
    rest = rest.drop_duplicates("k").drop_duplicates(["source", "job_id"])
    t = rest["title"].map(fold)
    rng2 = np.random.default_rng(20251222)
    taken: set[str] = set()
    picks = []
    for name, (pat, n) in _TOPUP.items():
        m = (
            t.str.contains(pat)
            & ~t.str.contains(r"phan mem|software|\bit\b|cntt|developer")
            & ~rest["job_id"].isin(taken)
        )
        g = rest[m]
        g = g.iloc[rng2.choice(len(g), min(n, len(g)), replace=False)]
        taken |= set(g["job_id"])
        picks.append(g.assign(stratum="topup_" + name))
    top = pd.concat(picks)[["source", "job_id", "title", "stratum"]].reset_index(drop=True)
    top["split"] = _held_out(top, rng2)
    top = top[~top["title"].map(fold).isin(set(main["title"].map(fold)))]
    return pd.concat([main, top])[["source", "job_id", "stratum", "split"]]


def main(argv: list[str] | None = None) -> int:
    from guidance.postings.classify import PostingClassifier, load_labels
    from guidance.postings.lexicon import keyword_code

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heldout", action="store_true", help="score the held-out split")
    ap.add_argument(
        "--check-draw",
        action="store_true",
        help="redo the seeded draw and compare with the shipped labels",
    )
    ap.add_argument("--shared", default=None, help="the shared/ folder (default: beside the repo)")
    args = ap.parse_args(argv)
    labels = load_labels()
    if args.check_draw:
        from pathlib import Path

        shared = args.shared or Path(__file__).resolve().parents[1].parent / "shared"
        drawn = draw_labelled_sample(shared)
        key = ["source", "job_id", "stratum", "split"]
        same = (
            drawn[key]
            .sort_values(key)
            .reset_index(drop=True)
            .equals(labels[key].sort_values(key).reset_index(drop=True))
        )
        print(f"redrawn {len(drawn)} postings; identical to the shipped labels: {same}")
        return 0 if same else 1
    dev = labels[labels["split"] == "dev"].reset_index(drop=True)
    t0 = time.perf_counter()
    codes, scores, true_idx = dev_cross_validation(dev)
    temp = fit_temperature(scores, true_idx)
    conf = np.array([_softmax(s[None, :], temp).max() for s in scores])
    thr = choose_threshold(conf)
    y = dev["isco_code"].to_numpy()
    cv = score_table(y, codes, conf >= thr)
    print(f"dev: {len(dev)} postings, 5-fold CV ({time.perf_counter() - t0:.1f} s)")
    print(f"  temperature={temp:.3f}  threshold={thr:.2f}")
    print("  " + "  ".join(f"{k}={v:.3f}" for k, v in cv.items()))
    if not args.heldout:
        return 0
    from guidance.postings.classify import DEFAULT_MIN_CONFIDENCE, TEMPERATURE

    held = labels[labels["split"] == "heldout"].reset_index(drop=True)
    clf = PostingClassifier().fit(dev)
    pred, cconf = clf.predict(
        held["title"].tolist(), held["industry"].tolist(), held["skills_excerpt"].tolist()
    )
    yh = held["isco_code"].to_numpy()
    kw = np.array([keyword_code(t) or "none" for t in held["title"]], dtype=object)
    rows = {
        f"classifier (threshold {DEFAULT_MIN_CONFIDENCE:.2f}, T={TEMPERATURE:.2f})": score_table(
            yh, pred, cconf >= DEFAULT_MIN_CONFIDENCE
        ),
        "classifier, no threshold": score_table(yh, pred, np.ones(len(yh), bool)),
        "keyword rules (lexicon)": score_table(yh, kw, kw != "none"),
    }
    print(
        f"\nheld-out: {len(held)} postings "
        f"({', '.join(f'{k} {v}' for k, v in held['source'].value_counts().items())})"
    )
    print(
        "| method | top-1 acc (4-digit) | top-1 acc (2-digit) | macro-F1 (4-digit) | coverage "
        "| acc (4-digit) on covered | acc (2-digit) on covered |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['acc4']:.1%} | {r['acc2']:.1%} | {r['macro_f1_4']:.3f} | "
            f"{r['coverage']:.1%} | {r['acc4_covered']:.1%} | {r['acc2_covered']:.1%} |"
        )
    print("\nby source (classifier at threshold):")
    for src, g in held.groupby("source"):
        m = held.index.isin(g.index)
        r = score_table(yh[m], pred[m], cconf[m] >= DEFAULT_MIN_CONFIDENCE)
        print(
            f"  {src:13s} n={m.sum():3d} acc4={r['acc4']:.1%} acc2={r['acc2']:.1%} "
            f"coverage={r['coverage']:.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``guidance info``: versions, settings and what reference data ships inside the package.

Kept light so that it answers in well under a second: library versions come from the
installed distributions' metadata (not by importing numpy, pandas and scikit-learn) and the
shipped reference tables are counted with the standard ``csv`` module (not read by pandas)."""

from __future__ import annotations

import argparse
import csv
import io
import platform
from importlib import metadata, resources

# the files behind guidance.reference's loaders, by the name ``summary()`` gives them
REFERENCE_FILES = {
    "provinces": "provinces.csv",
    "province_crosswalk": "province_crosswalk.csv",
    "isco08": "isco08.csv",
    "occupations": "occupations.csv",
    "isced_f": "isced_f.csv",
    "training_occupations": "training_occupations.csv",
    "wards": "wards.csv",
    "isco_onet_map": "isco_onet_map.csv",
    "legal_min_ages": "legal_min_ages.csv",
}


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def reference_counts() -> dict[str, int]:
    """Data rows of every shipped reference table (header excluded, quoted newlines kept)."""
    # not resources.files("guidance.reference"): importing that package imports pandas
    base = resources.files("guidance").joinpath("reference", "data")
    out = {}
    for name, file in REFERENCE_FILES.items():
        text = base.joinpath(file).read_text(encoding="utf-8-sig")
        out[name] = max(sum(1 for row in csv.reader(io.StringIO(text, newline="")) if row) - 1, 0)
    return out


def info_command(args: argparse.Namespace) -> int:
    # lazy: settings (pydantic-settings) load only when the command runs
    from guidance import CONTRACT_VERSION, __version__
    from guidance.settings import get_settings

    s = get_settings()
    print(f"guidance {__version__} (data contract v{CONTRACT_VERSION})")
    print(
        f"python {platform.python_version()}  numpy {_version('numpy')}  "
        f"pandas {_version('pandas')}  scikit-learn {_version('scikit-learn')}"
    )
    print("settings:")
    for k, v in s.model_dump().items():
        print(f"  GUIDANCE_{k.upper()} = {v}")
    print("reference data (inside the package):")
    for name, n in reference_counts().items():
        print(f"  {name:<24} {n:>6} rows")
    if args.data_dir:
        # lazy: reading a data directory needs pandas, only when one is named
        from guidance.contract import load_dir

        tables = load_dir(args.data_dir)
        print(f"data directory {args.data_dir}:")
        for name, df in tables.items():
            print(f"  {name:<24} {len(df):>9} rows")
    return 0

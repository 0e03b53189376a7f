"""``guidance info``: versions, settings and what reference data ships inside the package."""

from __future__ import annotations

import argparse
import platform


def info_command(args: argparse.Namespace) -> int:
    import numpy
    import pandas
    import sklearn

    from guidance import CONTRACT_VERSION, __version__, reference
    from guidance.settings import get_settings

    s = get_settings()
    print(f"guidance {__version__} (data contract v{CONTRACT_VERSION})")
    print(
        f"python {platform.python_version()}  numpy {numpy.__version__}  "
        f"pandas {pandas.__version__}  scikit-learn {sklearn.__version__}"
    )
    print("settings:")
    for k, v in s.model_dump().items():
        print(f"  GUIDANCE_{k.upper()} = {v}")
    print("reference data (inside the package):")
    for name, n in reference.summary().items():
        print(f"  {name:<24} {n:>6} rows")
    if args.data_dir:
        from guidance.contract import load_dir

        tables = load_dir(args.data_dir)
        print(f"data directory {args.data_dir}:")
        for name, df in tables.items():
            print(f"  {name:<24} {len(df):>9} rows")
    return 0

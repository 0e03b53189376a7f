"""``guidance demo-data``: write the demo world to a directory."""

from __future__ import annotations

import argparse
import json
import sys
import time

from guidance.world.generate import generate_world


def demo_data_command(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    s = generate_world(
        args.out,
        seed=args.seed,
        scale=args.scale,
        fmt=getattr(args, "format", None),
        progress=True,
        variant=getattr(args, "variant", "base"),
    )
    took = time.perf_counter() - start
    h = s.headline
    variant = getattr(args, "variant", "base")
    print(
        f"wrote {s.scale} world (seed {s.seed}, {s.fmt}, variant {variant}) "
        f"to {s.out_dir} in {took:.1f} s"
    )
    print("sizes: " + json.dumps(s.sizes))
    print(f"employment at 12 months (completers): {h['employment_12m_completers']}")
    print(
        f"completion rate: {h['completion_rate']['all']}; "
        f"informal share: {h['informal_share']['all']}; "
        f"pandemic dip: {h['pandemic_dip_pp']} pp"
    )
    print(f"mean wage earliest cohorts: {h['mean_wage_earliest']}", file=sys.stdout)
    return 0

"""The one way this project starts a local Dask cluster (batch recommendations, the
hyperparameter search, their benchmarks). ``dask`` is imported only when it is called.

Why not a bare ``LocalCluster``: Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in every
worker it spawns (``distributed.nanny.pre-spawn-environ``). Setting that glibc variable at
all switches off glibc's dynamic mmap threshold, so every large numpy array is mmap'd and
unmapped again, page faults included. Measured on the national catalogue
(``benchmarks/scale.py --national --learners 8000 --partition-rows 2000``, quiet 2-core
machine, same run): one worker 180 → 253 learners/s (single process: 288). The workers
here keep glibc's defaults; the other pre-spawn settings (one OpenMP/BLAS thread) stay.
"""

from __future__ import annotations

from typing import Any

UNSET_WORKER_ENV = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


def local_cluster(n_workers: int, **kwargs: Any) -> Any:
    """A ``distributed.LocalCluster`` of ``n_workers`` single-threaded worker processes on
    127.0.0.1 (no dashboard port fixed), without the malloc trim setting (see above)."""
    import dask
    from distributed import LocalCluster

    opts = {
        "threads_per_worker": 1,
        "processes": True,
        "host": "127.0.0.1",
        "dashboard_address": ":0",
        **kwargs,
    }
    with dask.config.set(UNSET_WORKER_ENV):  # read by each nanny when it is created
        return LocalCluster(n_workers=n_workers, **opts)

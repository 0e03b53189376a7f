"""Switching the served demand after an upload: one refresh does the work however many
threads ask at once (job runner, status polls, watcher), and only the changed snapshot is
read from the database, in one query (both engines)."""

from __future__ import annotations

import threading

import pandas as pd


def _count_reads(monkeypatch) -> list:  # noqa: ANN001
    import guidance.store.demand as store_demand

    calls: list = []
    real = store_demand.get_demand

    def counting(engine, period=None, **kw):  # noqa: ANN001, ANN202
        calls.append(period)
        return real(engine, period=period, **kw)

    monkeypatch.setattr(store_demand, "get_demand", counting)
    return calls


def test_read_demand_reads_only_snapshots_it_has_not_seen(seeded, monkeypatch):
    from guidance.store.serving import demand_key, read_demand

    calls = _count_reads(monkeypatch)
    key = demand_key(seeded.engine, 15)
    assert [p for p, _ in key] == seeded.periods
    cache: dict = {}
    first = read_demand(seeded.engine, key, cache)
    assert calls == [seeded.periods]  # one query for every snapshot it lacks
    assert list(first["period"].unique()) == seeded.periods
    again = read_demand(seeded.engine, key, cache)
    assert calls == [seeded.periods]  # nothing read the second time
    pd.testing.assert_frame_equal(first, again)
    # one period replaced (new content hash): only that one is read, the cache keeps key's
    changed = (*key[:-1], (key[-1][0], "another-hash"))
    read_demand(seeded.engine, changed, cache)
    assert calls == [seeded.periods, [seeded.periods[-1]]]
    assert set(cache) == set(changed)


def test_concurrent_refreshes_do_the_work_once(api, world, monkeypatch):
    from guidance.store.demand import load_demand

    holder = api.app.state.ctx.holder
    holder.stop()  # the watcher would refresh too: here only the four threads ask
    served = holder.current
    newest = world["demand"][world["demand"]["period"] == api.seeded.periods[-1]].copy()
    newest["period"] = "2031-01"
    load_demand(api.seeded.engine, newest.reset_index(drop=True))
    swaps: list = []
    real = served.recommender.set_demand
    monkeypatch.setattr(served.recommender, "set_demand", lambda d: swaps.append(len(d)) or real(d))
    start = threading.Barrier(4)
    results: list = []

    def ask() -> None:
        start.wait()
        results.append(holder.refresh_demand())

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(swaps) == 1, swaps
    assert sorted(results) == [False, False, False, True]
    assert holder.current.demand_period == "2031-01"

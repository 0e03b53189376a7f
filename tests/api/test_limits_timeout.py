"""The request budget covers the time until the answer begins: a streamed answer that has
begun (the audit CSV export) is not cut off mid-file; one that has not begun gets 503."""

from __future__ import annotations

import asyncio

import httpx

from guidance.api.limits import LimitMiddleware


class _Metrics:
    class _Shed:
        def __init__(self) -> None:
            self.n = 0

        def labels(self, *_: str) -> _Metrics._Shed:
            return self

        def inc(self) -> None:
            self.n += 1

    class _Gauge:
        def __init__(self) -> None:
            self.value = 0

        def inc(self) -> None:
            self.value += 1

        def dec(self) -> None:
            self.value -= 1

    def __init__(self) -> None:
        self.shed = self._Shed()
        self.in_flight = self._Gauge()


def _app(delay_before: float, delay_during: float):  # noqa: ANN202 - an ASGI app
    async def app(scope, receive, send) -> None:  # noqa: ANN001
        await asyncio.sleep(delay_before)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/csv")],
            }
        )
        for i in range(3):
            await send(
                {"type": "http.response.body", "body": f"row{i}\n".encode(), "more_body": True}
            )
            await asyncio.sleep(delay_during)
        await send({"type": "http.response.body", "body": b"end\n"})

    return app


async def _get(app, path: str = "/api/v1/audit.csv", method: str = "GET") -> httpx.Response:  # noqa: ANN001
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        return await c.request(method, path)


def _wrap(inner, metrics: _Metrics, timeout: float = 0.2, upload_timeout: float = 0.2):  # noqa: ANN001, ANN202
    return LimitMiddleware(
        inner,
        max_body=1024,
        limits=[("PUT", "/up/", True, 1 << 20)],
        max_concurrency=4,
        timeout=timeout,
        metrics=metrics,
        upload_timeout=upload_timeout,
    )


def test_a_stream_that_has_begun_runs_to_its_end():
    metrics = _Metrics()
    r = asyncio.run(_get(_wrap(_app(0.0, 0.15), metrics)))  # 0.45 s in all, budget 0.2 s
    assert r.status_code == 200 and r.text == "row0\nrow1\nrow2\nend\n"
    assert metrics.shed.n == 0
    assert metrics.in_flight.value == 0  # counted in and out again


def test_an_answer_that_has_not_begun_in_time_is_a_503():
    metrics = _Metrics()
    r = asyncio.run(_get(_wrap(_app(0.6, 0.0), metrics)))
    assert r.status_code == 503 and r.json()["error"]["code"] == "timeout"
    assert metrics.shed.n == 1


def test_uploads_get_their_own_budget():
    metrics = _Metrics()
    slow = _app(0.4, 0.0)
    assert (
        asyncio.run(_get(_wrap(slow, metrics, upload_timeout=2.0), "/up/x", "PUT")).status_code
        == 200
    )
    assert (
        asyncio.run(_get(_wrap(slow, metrics, upload_timeout=2.0), "/other", "PUT")).status_code
        == 503
    )

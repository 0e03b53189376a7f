"""``/docs`` renders offline: Swagger UI from the service's own files, under its CSP, with
every request to another host blocked."""

from __future__ import annotations

from urllib.parse import urlsplit


def test_docs_render_offline_under_the_csp(page, live):
    own = urlsplit(live.url).netloc
    foreign: list[str] = []
    requested: list[str] = []

    def gate(route) -> None:  # noqa: ANN001 - playwright Route
        url = route.request.url
        requested.append(url)
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own:
            foreign.append(url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", gate)
    r = page.goto(live.url + "/docs")
    # Swagger UI says so (and renders nothing) when it cannot read the document's version
    unreadable = page.get_by_text("Unable to render this definition")
    assert r is not None and r.status == 200
    csp = r.headers["content-security-policy"]
    assert "cdn" not in csp and "unsafe-inline" not in csp and "*" not in csp, csp
    # Swagger UI puts zero-width spaces after the slashes it shows; data-path is exact
    path = page.locator('[data-path="/api/v1/recommendations"]').first
    page.locator(".opblock").or_(unreadable).first.wait_for(timeout=30_000)
    assert unreadable.count() == 0, page.locator("#swagger-ui").inner_text()[:500]
    path.wait_for(timeout=30_000)
    text = path.inner_text().replace("\u200b", "")
    assert text == "/api/v1/recommendations", text
    assert page.locator(".opblock").count() > 5
    assert any("/docs/assets/swagger-ui-bundle.js" in u for u in requested), requested
    assert any(u.endswith("/openapi.json") for u in requested), requested
    assert foreign == [], foreign
    csp_errors = [e for e in page.errors if "Content Security Policy" in e]
    assert csp_errors == [], csp_errors

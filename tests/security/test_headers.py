"""Security headers on every response, and templates that the page policy allows."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from flask import url_for

from marketplace.web.security import PAGE_POLICY
from tests.security.test_authorization_matrix import MATRIX
from tests.security.world import build_world

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I | re.S)
STYLE_TAG = re.compile(r"<style\b", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def directives(policy: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


def assert_page_headers(response, where: str) -> None:
    h = response.headers
    assert h["X-Content-Type-Options"] == "nosniff", where
    assert h["X-Frame-Options"] == "DENY", where
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin", where
    policy = directives(h["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "'none'", where
    if response.mimetype == "text/html":
        assert policy["script-src"] == "'self'", where
        assert policy["style-src"] == "'self'", where
        assert policy["object-src"] == "'none'", where
    else:
        assert policy["default-src"] == "'none'", where
    assert "Strict-Transport-Security" not in h, where  # plain HTTP


def page_urls(app, world) -> list[str]:
    """Every page of the views blueprint, with the targets the authorization matrix uses."""
    return [
        c.url(app, endpoint, world)
        for (endpoint, method), cases in MATRIX.items()
        if method == "GET" and endpoint.startswith("views.")
        for c in cases
    ]


def test_every_html_page_for_every_role_sends_the_headers(app, make):
    world = build_world(app, make)
    seen = 0
    for role, client in world.clients().items():
        for url in page_urls(app, world):
            response = client.get(url)
            assert response.status_code < 500, (role, url)
            assert_page_headers(response, f"{role} {url} {response.status_code}")
            if response.mimetype != "text/html":
                continue  # a downloaded attachment
            seen += response.status_code == 200
            body = response.get_data(as_text=True)
            assert not INLINE_SCRIPT.search(body), (role, url)
            assert not EVENT_HANDLER.search(body), (role, url)
            assert not STYLE_ATTR.search(body), (role, url)
    assert seen > 40  # the pages really rendered, not only redirects and errors


def test_json_errors_and_files_send_the_headers(client):
    for url in ("/api/v1/listings", "/api/v1/auth/me", "/api/openapi.json", "/nope"):
        assert_page_headers(client.get(url), url)
    css = client.get("/static/css/app.css")
    assert css.status_code == 200
    assert_page_headers(css, "css")


def test_hsts_only_over_https(app, client):
    plain = client.get("/")
    assert "Strict-Transport-Security" not in plain.headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_swagger_ui_gets_its_own_policy_that_allows_exactly_its_inline_script(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    body = page.get_data()
    scripts = re.findall(rb"<script>(.*?)</script>", body, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0]).digest()).decode()
    policy = directives(page.headers["Content-Security-Policy"])
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["frame-ancestors"] == "'none'"
    for src in re.findall(rb'<script src="([^"]+)"', body):
        assert src.startswith(b"/api/docs/static/")  # same origin: no CDN
        assert client.get(src.decode()).status_code == 200
    # The relaxed policy is for that page only.
    assert client.get("/").headers["Content-Security-Policy"] == PAGE_POLICY


def test_session_cookie_flags(app, make):
    user = make.user()
    client = app.test_client()
    r = client.post("/login", data={"email": user.email, "password": "correct-horse-42"})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # SESSION_COOKIE_SECURE is off in development


def test_secure_cookies_when_configured(database_url):
    from marketplace import create_app
    from marketplace.extensions import limiter

    try:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SESSION_COOKIE_SECURE": True,
            }
        )
    finally:
        limiter.enabled = False  # init_app switched the shared limiter back on
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        response = app.make_response("x")
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def template_files() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_script_handler_or_style(path):
    """The page policy allows no inline code: scripts live in templates/static/js."""
    source = path.read_text()
    assert not INLINE_SCRIPT.search(source), "move inline <script> to templates/static/js"
    assert not EVENT_HANDLER.search(source), "use addEventListener in a static file, not on*="
    assert not STYLE_ATTR.search(source), "use a class in app.css, not style="
    assert not STYLE_TAG.search(source), "use app.css, not <style>"
    assert not JS_URL.search(source), "no javascript: URLs"


def test_static_scripts_build_no_html_from_strings():
    """JavaScript under static/js sets text, never HTML, and evaluates no strings."""
    for path in (TEMPLATES / "static" / "js").glob("*.js"):
        source = path.read_text()
        for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert risky not in source, (path.name, risky)
        assert not re.search(r"setAttribute\(\s*[\"']on", source), path.name
        assert not re.search(r"setAttribute\(\s*[\"']style", source), path.name


def test_url_for_static_is_same_origin(app):
    with app.test_request_context("/"):
        assert url_for("static", filename="js/app.js").startswith("/static/")

"""No user-controlled redirect leaves the site: ``next`` accepts same-site paths only."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD

HOSTILE = [
    "//evil.example",
    "//evil.example/path",
    "https://evil.example",
    "http://evil.example/login",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "https:evil.example",
    "///evil.example",
    "",
]


def stays_here(location: str) -> bool:
    parts = urlsplit(location)
    return parts.scheme in ("", "http") and parts.netloc in ("", "localhost")


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_redirects_off_site(client, make, target):
    user = make.user()
    r = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert r.status_code == 303
    assert r.headers["Location"] == "/", target


@pytest.mark.parametrize("target", HOSTILE)
def test_a_logged_in_visit_to_the_login_page_never_redirects_off_site(app, make, target):
    client = app.test_client(user=make.user())
    r = client.get("/login", query_string={"next": target})
    assert r.status_code == 302
    assert r.headers["Location"] == "/", target


@pytest.mark.parametrize("target", HOSTILE)
def test_workflow_forms_never_redirect_off_site(app, make, target):
    owner = make.user()
    item = make.listing(owner)
    client = app.test_client(user=owner)
    r = client.post(f"/listings/{item.id}/submit", data={"next": target})
    assert r.status_code == 303
    assert r.headers["Location"] == f"/listings/{item.id}", target


def test_a_same_site_path_is_kept(client, make):
    user = make.user()
    r = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "/listings?page=2"}
    )
    assert r.headers["Location"] == "/listings?page=2"


def test_the_login_redirect_carries_the_path_only(client):
    r = client.get("/my/organization?x=1", base_url="http://localhost")
    assert r.status_code == 302
    location = r.headers["Location"]
    assert stays_here(location)
    assert "next=/my/organization" in location.replace("%2F", "/")


def test_the_next_field_is_escaped_in_the_form(client):
    r = client.get("/login", query_string={"next": '"><script>alert(1)</script>'})
    html = r.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&#34;&gt;&lt;script&gt;" in html or "&quot;&gt;&lt;script&gt;" in html

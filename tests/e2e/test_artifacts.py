"""What a failing browser test leaves behind: a screenshot and the HTML of every page."""

from tests.e2e.conftest import save_artifacts
from tests.e2e.helpers import t


def test_saved_artifacts_hold_a_screenshot_the_html_and_the_address(
    browser_page, request, tmp_path, monkeypatch
):
    monkeypatch.setenv("E2E_ARTIFACTS", str(tmp_path))
    buyer, visitor = browser_page("buyer"), browser_page("visitor")
    buyer.goto("/login")
    visitor.goto("/")

    folder = save_artifacts(request.node.e2e_sessions, "test_something[zh/en]")

    assert folder.parent == tmp_path and folder.name.endswith("test_something_zh_en_")
    assert sorted(p.name for p in folder.iterdir()) == [
        "1-buyer.html",
        "1-buyer.png",
        "1-buyer.txt",
        "2-visitor.html",
        "2-visitor.png",
        "2-visitor.txt",
    ]
    assert (folder / "1-buyer.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert t("Where technology meets industry") in (folder / "2-visitor.html").read_text()
    assert (folder / "1-buyer.txt").read_text().startswith(f"url: {buyer.url}\n")
    assert buyer.url.endswith("/login")

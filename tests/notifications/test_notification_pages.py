"""The bell, the notification list, the settings form, "save this search" and "my saved
searches" pages, in Chinese first."""

from __future__ import annotations

import re

from marketplace.discovery import saved_searches
from marketplace.extensions import db
from marketplace.models import SavedSearch
from marketplace.notifications import inbox as notifications
from tests.notifications.test_notifications_api import _notify


def test_bell_counts_unread_and_the_list_marks_read(app, make):
    reader, other = make.user("enterprise_member"), make.user("enterprise_member")
    seller = make.user("researcher")
    listing = make.listing(seller, status="published")
    first = _notify(app, reader, listing.id)
    mine = app.test_client(user=reader)

    home = mine.get("/").get_data(as_text=True)
    assert re.search(r'class="bell-count">1<', home)
    assert "bell-count" not in app.test_client(user=other).get("/").get_data(as_text=True)
    assert "bell" not in app.test_client().get("/").get_data(as_text=True).split("<main")[0]

    page = mine.get("/notifications").get_data(as_text=True)
    assert "通知" in page and "保存的搜索「钠电」有新结果" in page
    assert "标为已读" in page

    # Someone else's notification: 404, and it stays unread.
    assert app.test_client(user=other).get(f"/notifications/{first}/open").status_code == 404
    r = mine.get(f"/notifications/{first}/open")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/listings/{listing.id}")
    assert "bell-count" not in mine.get("/").get_data(as_text=True)

    second = _notify(app, reader, make.listing(seller, status="published").id)
    r = mine.post(f"/notifications/{second}/read", data={"next": "/notifications?unread=1"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/notifications?unread=1")
    _notify(app, reader, make.listing(seller, status="published").id)
    assert mine.post("/notifications/read-all").status_code == 303
    assert "bell-count" not in mine.get("/notifications").get_data(as_text=True)
    assert app.test_client().get("/notifications").status_code == 302  # to the login page


def test_english_notification_text(app, make):
    reader = make.user("enterprise_member")
    _notify(app, reader, make.listing(make.user("researcher"), status="published").id)
    page = app.test_client(user=reader).get("/notifications?lang=en").get_data(as_text=True)
    assert "New result for your saved search “钠电”" in page


def test_settings_form(app, make):
    user = make.user("enterprise_member")
    c = app.test_client(user=user)
    page = c.get("/notifications/preferences").get_data(as_text=True)
    assert page.count("checked") == 8 and "通知设置" in page
    r = c.post("/notifications/preferences", data={"saved_search_alerts": "on"})
    assert r.status_code == 303
    with app.app_context():
        prefs = notifications.preferences(db.session, user)
    assert (prefs.match_alerts, prefs.saved_search_alerts, prefs.email) == (False, True, False)
    # The other groups were unticked too: every box on the page is one preference.
    others = (prefs.deal_events, prefs.broker_events, prefs.publication_events)
    assert others + (prefs.auction_events, prefs.challenge_events) == (False,) * 5
    assert c.get("/notifications/preferences").get_data(as_text=True).count("checked") == 1


def test_save_this_search_and_my_saved_searches(search_app, make):
    user, other = make.user("enterprise_member"), make.user("enterprise_member")
    c = search_app.test_client(user=user)
    page = c.get("/search?q=钠离子电池&domain=new_energy").get_data(as_text=True)
    assert "保存此搜索" in page
    assert "保存此搜索" not in search_app.test_client().get("/search?q=x").get_data(as_text=True)

    form = {
        "doc_type": "listings",
        "name": "钠电",
        "q": "钠离子电池",
        "domain": "new_energy",
        "sort": "newest",
        "page": "3",
        "next": "/search?q=钠离子电池",
    }
    r = c.post("/my/saved-searches", data=form)
    assert r.status_code == 303 and "/search?q=" in r.headers["Location"]
    with search_app.app_context():
        (saved,) = db.session.query(SavedSearch).all()
        assert saved.query == {"q": "钠离子电池", "domain": ["new_energy"]}
        saved_id = saved.id

    # The same name again, and a bad facet value: a message, not a 500.
    r = c.post("/my/saved-searches", data=form, follow_redirects=True)
    assert r.status_code == 200 and "已有同名的保存的搜索" in r.get_data(as_text=True)
    r = c.post(
        "/my/saved-searches",
        data={**form, "name": "坏", "domain": "moon_mining"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "无法保存此搜索" in r.get_data(as_text=True)

    page = c.get("/my/saved-searches").get_data(as_text=True)
    assert "钠电" in page and "新能源" in page and "关闭提醒" in page
    assert c.get(f"/my/saved-searches/{saved_id}").status_code == 200
    assert (
        search_app.test_client(user=other).get(f"/my/saved-searches/{saved_id}").status_code == 404
    )
    assert "钠电" not in search_app.test_client(user=other).get("/my/saved-searches").get_data(
        as_text=True
    )
    assert (
        search_app.test_client(user=other).post(f"/my/saved-searches/{saved_id}/delete").status_code
        == 404
    )

    assert c.post(f"/my/saved-searches/{saved_id}/alerts", data={}).status_code == 303
    with search_app.app_context():
        assert db.session.get(SavedSearch, saved_id).alerts is False
    assert c.post(f"/my/saved-searches/{saved_id}/delete").status_code == 303
    with search_app.app_context():
        assert saved_searches.list_saved(db.session, db.session.merge(user)) == []

"""Broker profiles: verification by operators, the public directory."""

from __future__ import annotations

import pytest

from marketplace.accounts import brokers
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from tests.brokers.fixtures import profile_data, verified_broker
from tests.deals.fixtures import user


def test_only_brokers_keep_a_profile_and_it_starts_pending(ctx, make):
    researcher = make.user("researcher")
    with pytest.raises(Forbidden):
        brokers.save_profile(ctx, user(researcher), profile_data())
    broker = make.user("broker")
    profile = brokers.save_profile(ctx, user(broker), profile_data())
    ctx.commit()
    assert profile.status == "pending"
    assert profile.domains == ["new_energy", "new_materials"]
    # Not public before verification, but its owner and operators see it.
    with pytest.raises(NotFound):
        brokers.get_profile(ctx, user(researcher), broker.id)
    assert brokers.get_profile(ctx, user(broker), broker.id).id == profile.id
    assert brokers.get_profile(ctx, user(make.operator()), broker.id).id == profile.id


def test_profile_input_is_checked(ctx, make):
    broker = make.user("broker")
    with pytest.raises(Invalid) as exc:
        brokers.save_profile(ctx, user(broker), profile_data(domains=["astrology"]))
    assert "domains" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        brokers.save_profile(ctx, user(broker), profile_data(regions=[]))
    assert "regions" in exc.value.fields
    brokers.save_profile(ctx, user(broker), profile_data(certificate_number="dup-1"))
    ctx.commit()
    other = make.user("broker")
    with pytest.raises(Invalid) as exc:
        brokers.save_profile(ctx, user(other), profile_data(certificate_number="DUP-1"))
    assert "certificate_number" in exc.value.fields


def test_rejection_needs_a_reason_and_an_edit_asks_for_review_again(ctx, make):
    broker = make.user("broker")
    operator = make.operator()
    profile = brokers.save_profile(ctx, user(broker), profile_data())
    ctx.commit()
    with pytest.raises(Forbidden):
        brokers.review(ctx, user(broker), profile.id, "verify")
    with pytest.raises(Invalid) as exc:
        brokers.review(ctx, user(operator), profile.id, "reject", "  ")
    assert "reason" in exc.value.fields
    brokers.review(ctx, user(operator), profile.id, "reject", "证书编号与证书不符")
    ctx.commit()
    assert profile.status == "rejected" and profile.rejection_reason == "证书编号与证书不符"
    with pytest.raises(Conflict):
        brokers.review(ctx, user(operator), profile.id, "verify")
    brokers.save_profile(ctx, user(broker), profile_data(certificate_number="JJR-FIXED"))
    ctx.commit()
    assert profile.status == "pending"
    assert [p.id for p in brokers.pending_profiles(ctx, user(operator))] == [profile.id]
    brokers.review(ctx, user(operator), profile.id, "verify")
    ctx.commit()
    assert profile.status == "verified" and profile.rejection_reason == ""


def test_directory_shows_verified_brokers_filtered_by_domain_region_and_text(ctx, make):
    operator = make.operator()
    a = verified_broker(
        ctx, make, operator, display_name="李材料", domains=["new_materials"], bio="高分子复合材料"
    )
    b = verified_broker(
        ctx, make, operator, display_name="赵能源", domains=["new_energy"], regions=["杭州"]
    )
    pending = make.user("broker")
    brokers.save_profile(ctx, user(pending), profile_data(display_name="待审核"))
    ctx.commit()

    def names(**kw):
        return [p.display_name for p in brokers.directory(ctx, **kw).items]

    assert set(names()) == {"李材料", "赵能源"}
    assert names(domain="new_energy") == ["赵能源"]
    assert names(region="宁波") == ["李材料"]
    assert names(q="能源") == ["赵能源"]
    assert names(q="杭州") == ["赵能源"]
    assert names(q="nobody") == []
    assert brokers.known_regions(ctx) == sorted(["宁波", "杭州"])
    assert {a.id, b.id} == {p.user_id for p in brokers.directory(ctx).items}

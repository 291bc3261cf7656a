"""Brokerage records: only the broker writes, private entries stay private, entries become
immutable after 24 hours and every edit keeps the earlier version."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.brokers import records
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.models import Deal
from tests.brokers.fixtures import deal_with_broker
from tests.deals.fixtures import parties, user


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


def entry(**overrides) -> dict:
    data = {
        "kind": "meeting",
        "occurred_at": datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        "participants": ["张伟（供方）", "李娜（需方）"],
        "notes": "双方确认技术指标，约定下周现场考察。",
        "visibility": "shared",
    }
    return data | overrides


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))


def test_only_the_broker_writes_and_input_is_checked(ctx, make, clock):
    p = parties(make)
    deal_id, broker = deal_with_broker(ctx, make, p)
    for who in (p.buyer, p.supplier, p.operator):
        with pytest.raises(Forbidden):
            records.add_record(ctx, user(who), deal_id, entry(), now=clock)
        ctx.rollback()
    with pytest.raises(NotFound):
        records.add_record(ctx, user(p.stranger), deal_id, entry(), now=clock)
    ctx.rollback()
    with pytest.raises(Invalid) as exc:
        records.add_record(
            ctx,
            user(broker),
            deal_id,
            entry(kind="lunch", notes=" ", occurred_at=clock.now + timedelta(days=1)),
            now=clock,
        )
    assert set(exc.value.fields) == {"kind", "notes", "occurred_at"}


def test_parties_never_see_private_entries(ctx, make, clock):
    p = parties(make)
    deal_id, broker = deal_with_broker(ctx, make, p)
    shared = records.add_record(ctx, user(broker), deal_id, entry(), now=clock)
    private = records.add_record(
        ctx,
        user(broker),
        deal_id,
        entry(kind="negotiation_note", visibility="private", notes="买方底价约 90 万"),
        now=clock,
    )
    ctx.commit()
    for party in (p.buyer, p.supplier):
        assert [r.id for r in records.list_records(ctx, user(party), deal_id)] == [shared.id]
        with pytest.raises(NotFound):
            records.get_record(ctx, user(party), private.id)
    for insider in (broker, p.operator):
        seen = {r.id for r in records.list_records(ctx, user(insider), deal_id)}
        assert seen == {shared.id, private.id}
    deal = ctx.get(Deal, deal_id)
    assert [r.id for r in records.shared_records(ctx, deal)] == [shared.id]


def test_edits_keep_versions_and_stop_after_24_hours(ctx, make, clock):
    p = parties(make)
    deal_id, broker = deal_with_broker(ctx, make, p)
    record = records.add_record(ctx, user(broker), deal_id, entry(), now=clock)
    ctx.commit()
    clock.advance(hours=2)
    records.edit_record(ctx, user(broker), record.id, entry(notes="改：确认指标 A、B"), now=clock)
    ctx.commit()
    clock.advance(hours=3)
    records.edit_record(
        ctx, user(broker), record.id, entry(notes="再改", visibility="private"), now=clock
    )
    ctx.commit()
    ctx.expire_all()
    record = records.get_record(ctx, user(broker), record.id)
    assert record.revision == 3 and record.notes == "再改"
    assert [(v.revision, v.notes, v.visibility) for v in record.versions] == [
        (1, entry()["notes"], "shared"),
        (2, "改：确认指标 A、B", "shared"),
    ]
    # Saving the same content again makes no version.
    records.edit_record(
        ctx, user(broker), record.id, entry(notes="再改", visibility="private"), now=clock
    )
    ctx.commit()
    assert len(records.get_record(ctx, user(broker), record.id).versions) == 2
    with pytest.raises(Forbidden):
        records.edit_record(ctx, user(p.operator), record.id, entry(), now=clock)
    ctx.rollback()
    clock.advance(hours=18, minutes=59)  # 23:59 after creation: still editable
    records.edit_record(ctx, user(broker), record.id, entry(notes="最后一次"), now=clock)
    ctx.commit()
    clock.advance(minutes=1)  # exactly 24 hours
    with pytest.raises(Conflict, match="immutable"):
        records.edit_record(ctx, user(broker), record.id, entry(notes="太晚了"), now=clock)
    ctx.rollback()
    with pytest.raises(Conflict):
        records.add_attachment(
            ctx,
            user(broker),
            record.id,
            io.BytesIO(b"notes"),
            "a.txt",
            storage_dir="/nonexistent",
            now=clock,
        )
    ctx.rollback()
    assert records.get_record(ctx, user(broker), record.id).notes == "最后一次"


def test_attachments_follow_the_record_visibility(ctx, make, clock, app):
    p = parties(make)
    deal_id, broker = deal_with_broker(ctx, make, p)
    storage = app.config["ATTACHMENTS_DIR"]
    private = records.add_record(ctx, user(broker), deal_id, entry(visibility="private"), now=clock)
    ctx.commit()
    with pytest.raises(Invalid):
        records.add_attachment(
            ctx,
            user(broker),
            private.id,
            io.BytesIO(b"%PDF-1.4 fake"),
            "x.txt",
            storage_dir=storage,
            now=clock,
        )
    ctx.rollback()
    attachment = records.add_attachment(
        ctx,
        user(broker),
        private.id,
        io.BytesIO("评估报告".encode()),
        "评估.txt",
        storage_dir=storage,
        now=clock,
    )
    ctx.commit()
    found, path = records.open_attachment(
        ctx, user(p.operator), private.id, attachment.id, storage_dir=storage
    )
    assert open(path, "rb").read() == "评估报告".encode()
    with pytest.raises(NotFound):
        records.open_attachment(ctx, user(p.buyer), private.id, attachment.id, storage_dir=storage)

"""The unit of work (core/uow.py): one commit per outermost service call, a rollback on
any exception, and after-commit callbacks only once the change is committed."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from marketplace.core.errors import Conflict
from marketplace.core.uow import UnitOfWork, on_commit, unit_of_work
from marketplace.extensions import db
from marketplace.models import Organization

# What another connection sees is the point here: these tests commit for real.
pytestmark = pytest.mark.real_commits


@pytest.fixture
def commits(ctx):
    """The number of commits on the test's session so far (a list, read at the end)."""
    seen: list[int] = []
    session = ctx()  # the Session behind the scoped session

    def count(_session):
        seen.append(1)

    event.listen(session, "after_commit", count)
    yield seen
    event.remove(session, "after_commit", count)


def committed_names(app) -> set[str]:
    """What another connection sees: only committed rows."""
    with Session(db.engine) as other:
        return set(other.scalars(select(Organization.name)))


@unit_of_work
def add_org(session, name: str, *, fail: bool = False, after=None) -> Organization:
    org = Organization(kind="university", name=name, region="宁波")
    session.add(org)
    session.flush()
    if after is not None:
        on_commit(session, after)
    if fail:
        raise Conflict("Refused after the flush.")
    return org


@unit_of_work
def add_two(session, first: str, second: str, *, fail_second: bool = False, after=None):
    add_org(session, first, after=after)
    return add_org(session, second, fail=fail_second)


def test_nested_service_calls_commit_once_at_the_end_of_the_outermost(app, ctx, commits):
    add_two(ctx, "甲大学", "乙大学")
    assert len(commits) == 1
    assert {"甲大学", "乙大学"} <= committed_names(app)


def test_an_exception_rolls_back_the_whole_unit_and_goes_on(app, ctx, commits):
    with pytest.raises(Conflict):
        add_two(ctx, "甲大学", "乙大学", fail_second=True)
    assert commits == []
    assert not {"甲大学", "乙大学"} & committed_names(app)
    # The session is usable again: the next unit commits.
    add_org(ctx, "丙大学")
    assert "丙大学" in committed_names(app)


def test_after_commit_callbacks_run_after_the_commit_and_only_then(app, ctx):
    seen: list[set[str]] = []

    def after() -> None:
        seen.append(committed_names(app))

    with UnitOfWork(ctx):
        add_org(ctx, "甲大学", after=after)
        assert seen == []  # the inner unit ended, but nothing is committed yet
    assert len(seen) == 1 and "甲大学" in seen[0]

    with pytest.raises(Conflict):
        add_two(ctx, "乙大学", "丙大学", fail_second=True, after=after)
    assert len(seen) == 1  # rolled back: dropped


def test_a_refused_inner_unit_drops_its_callbacks_when_the_outer_goes_on(app, ctx):
    ran: list[str] = []
    with UnitOfWork(ctx):
        add_org(ctx, "甲大学", after=lambda: ran.append("kept"))
        with pytest.raises(Conflict), ctx.begin_nested():
            add_org(ctx, "乙大学", fail=True, after=lambda: ran.append("dropped"))
    assert ran == ["kept"]
    assert "乙大学" not in committed_names(app)


def test_on_commit_outside_a_unit_of_work_is_a_mistake(ctx):
    with pytest.raises(RuntimeError):
        on_commit(ctx, lambda: None)

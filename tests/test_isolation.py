"""The suite's own isolation (tests/conftest.py): a test's commits are released savepoints
of one transaction rolled back at its end, unless it is marked ``real_commits``."""

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import User
from tests.conftest import rolled_back


def users_seen_by_another_connection(app) -> int:
    with app.app_context(), db.engine.connect() as other:
        return other.scalar(select(func.count()).select_from(User))


def users_seen_by_the_app(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_a_tests_commits_stay_in_its_transaction(app, make, client):
    make.user("researcher")  # committed by the factory's own session
    assert client.get("/api/v1/auth/me").status_code == 401  # a request's session, too
    assert users_seen_by_the_app(app) == 1  # every session of the test sees it
    assert users_seen_by_another_connection(app) == 0  # nothing was committed for real


@pytest.mark.real_commits
def test_rolled_back_undoes_what_was_committed_inside(app, make):
    with rolled_back(app):
        make.user("researcher")
        assert users_seen_by_the_app(app) == 1
    assert users_seen_by_the_app(app) == 0


@pytest.mark.real_commits
def test_real_commits_are_seen_by_other_connections(app, make):
    make.user("researcher")
    assert users_seen_by_another_connection(app) == 1

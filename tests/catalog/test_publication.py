"""Every workflow transition, allowed and refused, for every kind of actor."""

import pytest

from marketplace.catalog import publication
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.models import Demand, Listing, User
from marketplace.models.vocab import PUBLICATION_STATUSES

KINDS = {"listing": Listing, "demand": Demand}


@pytest.fixture(params=sorted(KINDS))
def kind(request):
    return request.param


def _make(make, kind, owner, status):
    return getattr(make, kind)(owner, status=status)


@pytest.mark.parametrize("status", PUBLICATION_STATUSES)
@pytest.mark.parametrize("action", publication.ACTIONS)
@pytest.mark.parametrize("who", ["owner", "colleague", "stranger", "operator", "anonymous"])
def test_transition_matrix(app, make, ctx, kind, status, action, who):
    owner = make.user("enterprise_member" if kind == "demand" else "researcher")
    item = _make(make, kind, owner, status)
    actors = {
        "owner": owner,
        "colleague": make.user(owner.roles.pop(), organization=owner.organization),
        "stranger": make.user("researcher"),
        "operator": make.operator(),
        "anonymous": None,
    }
    actor = ctx.get(User, actors[who].id) if actors[who] else None
    # (next state, the role that may take it): a user's action has one role per state.
    rule = next(
        (
            (to, role)
            for (s, a, role), to in publication.TRANSITIONS.items()
            if (s, a) == (status, action)
        ),
        None,
    )
    visible = status in publication.PUBLIC_STATES or who in ("owner", "colleague", "operator")

    def apply():
        return publication.transition(ctx, KINDS[kind], item.id, action, actor, reason="why")

    if who == "anonymous":
        expected = Unauthorized
    elif not visible:
        expected = NotFound
    elif rule is None:
        expected = Conflict
    elif rule[1] == publication.OWNER and who not in ("owner", "colleague"):
        expected = Forbidden
    elif rule[1] == publication.OPERATOR and who != "operator":
        expected = Forbidden
    else:
        expected = None

    if expected is None:
        result = apply()
        assert result.status == rule[0]
        ctx.commit()
        assert ctx.get(KINDS[kind], item.id).status == rule[0]
    else:
        with pytest.raises(expected):
            apply()
        ctx.rollback()
        assert ctx.get(KINDS[kind], item.id).status == status


def test_reject_requires_a_reason(make, ctx, kind):
    owner = make.user("researcher")
    item = _make(make, kind, owner, "pending_review")
    op = ctx.get(User, make.operator().id)
    with pytest.raises(Invalid) as err:
        publication.transition(ctx, KINDS[kind], item.id, "reject", op, reason="  ")
    assert "reason" in err.value.fields
    publication.transition(ctx, KINDS[kind], item.id, "reject", op, reason="缺少专利证明")
    ctx.commit()
    assert ctx.get(KINDS[kind], item.id).rejection_reason == "缺少专利证明"


def test_publish_sets_published_at_and_clears_old_rejection(make, ctx, kind):
    owner = make.user("researcher")
    item = _make(make, kind, owner, "rejected")
    o = ctx.get(User, owner.id)
    op = ctx.get(User, make.operator().id)
    publication.transition(ctx, KINDS[kind], item.id, "submit", o)
    done = publication.transition(ctx, KINDS[kind], item.id, "publish", op)
    assert done.published_at is not None and done.rejection_reason == ""


def test_unknown_action_is_invalid(make, ctx):
    owner = make.user("researcher")
    item = make.listing(owner)
    with pytest.raises(Invalid):
        publication.transition(ctx, Listing, item.id, "explode", ctx.get(User, owner.id))


def test_allowed_actions_agree_with_transition(make, ctx, kind):
    owner = make.user("researcher")
    item = _make(make, kind, owner, "pending_review")
    row = ctx.get(KINDS[kind], item.id)
    assert publication.allowed_actions(ctx.get(User, owner.id), row) == ["withdraw"]
    op_actions = publication.allowed_actions(ctx.get(User, make.operator().id), row)
    assert sorted(op_actions) == ["publish", "reject"]
    assert publication.allowed_actions(None, row) == []

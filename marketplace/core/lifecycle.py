"""One mechanism for every lifecycle: a table of (state, action, role) → next state.

A lifecycle (a listing's publication, a deal, a milestone, a broker invitation, a
mediation offer) is declared as a literal table beside the code that uses it; this module
reads and applies it, and is the only place that assigns a governed status field:

    LIFECYCLE.check(obj, action, roles)   the role in which one of ``roles`` may act now,
                                          or the lifecycle's Conflict / Forbidden
    LIFECYCLE.apply(obj, action, role)    move ``obj`` to the next state; returns it

The caller locks the row first (core/locking.py, or the domain's own ``lock_…``
helper), so that two requests on one row run one after the other and the second one's
``check`` sees the first one's result. What a transition does besides changing the state
(timestamps, timeline events, money) stays with the caller: the table says only where a
row may go and who may move it.

Refusals keep each domain's own words: ``wrong_state`` builds the Conflict for an action
that no row of the table allows in the current state, ``wrong_role`` the Forbidden for an
action allowed now to other roles only. The defaults are coded templates
(core/messages.py): "Cannot %(action)s a %(name)s that is %(state)s." (followed by the
action's entry in ``refusals``, if any; code ``conflict`` or the lifecycle's ``code``) and
"Only the %(roles)s may %(action)s now.". Their values are vocabulary terms: the API's
English says the codes ("Cannot submit a listing that is published."), a page says the
labels the lifecycle's ``words`` give (``{"name": …, "state": {…}, "action": {…}, "role":
{…}}``, lazy translations), so nothing has to parse the sentence to translate it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar

from marketplace.core.errors import Conflict, DomainError, Forbidden, Invalid
from marketplace.core.messages import N_, Message, OneOf, Term

T = TypeVar("T")

# (state, action, role) → next state
Table = Mapping[tuple[str, str, str], str]


@dataclass(frozen=True)
class Lifecycle(Generic[T]):
    """A named transition table over one status attribute of a model."""

    name: str  # what the rows are called in messages: "deal", "milestone"
    attribute: str  # the governed column: "status" or "state"
    table: Table
    initial: tuple[str, ...]  # the states a new row may be created in
    # Why an action is refused in a state where nobody may take it (appended to the
    # default Conflict message).
    refusals: Mapping[str, str] = field(default_factory=dict)
    wrong_state: Callable[[T, str], DomainError] | None = None
    wrong_role: Callable[[T, str, frozenset[str]], DomainError] | None = None
    # The default Conflict's code ("deal_state"); "conflict" if not given.
    code: str | None = None
    # Labels for pages: {"name": label, "state": {code: label}, "action": {…}, "role": {…}}.
    words: Mapping[str, Any] = field(default_factory=dict)

    # Words --------------------------------------------------------------------------

    def term(self, kind: str, code: str) -> Term:
        """A state, action or role (or, with kind "name", the lifecycle's name) as a
        message value: the code in English messages, its label on pages."""
        if kind == "name":
            return Term(code, self.words.get("name", code))
        return Term(code, self.words.get(kind, {}).get(code, code))

    def roles_term(self, roles: Iterable[str]) -> OneOf:
        """Roles as one value: "buyer or supplier" (on pages, their labels)."""
        return OneOf(self.term("role", r) for r in sorted(roles))

    # Reading the table ----------------------------------------------------------------

    @cached_property
    def actions(self) -> tuple[str, ...]:
        return tuple(sorted({action for _, action, _ in self.table}))

    @cached_property
    def states(self) -> tuple[str, ...]:
        """Every state the table names, as a source or a target."""
        names = {state for state, _, _ in self.table} | set(self.table.values())
        return tuple(sorted(names | set(self.initial)))

    def state_of(self, obj: T) -> str:
        return getattr(obj, self.attribute)

    def sources(self, action: str) -> tuple[str, ...]:
        """The states in which someone may take ``action``, in table order."""
        return tuple(dict.fromkeys(s for s, a, _ in self.table if a == action))

    def roles_for(self, action: str, state: str | None = None) -> frozenset[str]:
        """Who may take ``action`` in ``state`` (in any state if ``state`` is None)."""
        return frozenset(
            r for s, a, r in self.table if a == action and (state is None or s == state)
        )

    def allowed(self, obj: T, action: str, roles: Iterable[str]) -> bool:
        """Whether one of ``roles`` may take ``action`` on ``obj`` now."""
        state = self.state_of(obj)
        return any((state, action, role) in self.table for role in roles)

    def available(self, obj: T, roles: Iterable[str]) -> list[str]:
        """The actions one of ``roles`` may take on ``obj`` now, in table order."""
        state, mine = self.state_of(obj), set(roles)
        return list(dict.fromkeys(a for s, a, r in self.table if s == state and r in mine))

    # Acting ---------------------------------------------------------------------------

    def check(self, obj: T, action: str, roles: Iterable[str]) -> str:
        """The first of ``roles`` (the caller orders them by preference) that may take
        ``action`` on ``obj`` now. Invalid for an action the table does not know,
        Conflict if nobody may take it in this state, Forbidden if only others may."""
        if action not in self.actions:
            raise Invalid({"action": Message(N_("Unknown action '%(action)s'."), action=action)})
        allowed = self.roles_for(action, self.state_of(obj))
        if not allowed:
            raise self._wrong_state(obj, action)
        for role in roles:
            if role in allowed:
                return role
        raise self._wrong_role(obj, action, allowed)

    def apply(self, obj: T, action: str, role: str) -> str:
        """Move ``obj`` along the table; the caller has locked its row (and usually
        called ``check``). Returns the new state."""
        next_state = self.table.get((self.state_of(obj), action, role))
        if next_state is None:
            raise self._wrong_state(obj, action)
        setattr(obj, self.attribute, next_state)
        return next_state

    # Refusals -------------------------------------------------------------------------

    def conflict(self, obj: T, action: str) -> DomainError:
        """The refusal of ``action`` in ``obj``'s state (for a caller that checks a
        condition of its own first)."""
        return self._wrong_state(obj, action)

    def _wrong_state(self, obj: T, action: str) -> DomainError:
        if self.wrong_state is not None:
            return self.wrong_state(obj, action)
        values = {
            "action": self.term("action", action),
            "name": self.term("name", self.name),
            "state": self.term("state", self.state_of(obj)),
        }
        reason = self.refusals.get(action)
        if reason:
            return Conflict(
                N_("Cannot %(action)s a %(name)s that is %(state)s. %(reason)s"),
                code=self.code,
                reason=Message(reason),
                **values,
            )
        return Conflict(
            N_("Cannot %(action)s a %(name)s that is %(state)s."), code=self.code, **values
        )

    def _wrong_role(self, obj: T, action: str, allowed: frozenset[str]) -> DomainError:
        if self.wrong_role is not None:
            return self.wrong_role(obj, action, allowed)
        return Forbidden(
            N_("Only the %(roles)s may %(action)s now."),
            roles=self.roles_term(allowed),
            action=self.term("action", action),
        )

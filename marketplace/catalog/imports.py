"""Bulk import of listings and demands from the interchange format (shared/data/dev/README.md).

A file is JSON Lines, CSV or XLSX (chosen by its extension). Each line is converted to the
API's input dict and validated by the same marshmallow schemas as the API, so the rules live
in one place. A bad line is reported with its line number and reason, and the good lines
still go in: lines are written in batches, each batch in a SAVEPOINT, and a batch the
database refuses is written again one SAVEPOINT per line. Records are keyed by
(source, external_id), so importing the same file again changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from marketplace.catalog import demands, listings, publication
from marketplace.catalog.import_formats import Line, Source, check_content, read_lines
from marketplace.catalog.publication import PUBLICATION, SYSTEM
from marketplace.core.errors import Forbidden, Invalid
from marketplace.core.messages import N_, Joined, Message, as_message
from marketplace.core.money import to_minor
from marketplace.core.uow import UnitOfWork
from marketplace.models import Demand, Listing, Organization, Patent, User
from marketplace.models.types import utcnow
from marketplace.schemas.demands import DemandIn
from marketplace.schemas.listings import ListingIn

KINDS = ("listings", "demands")
BATCH_SIZE = 500
SUMMARY_LENGTH = 200

PATENT_LINE_FIELDS = frozenset(
    "id patent_number title abstract claims ipc applicant inventors filing_date patent_type"
    " legal_status trl transfer_modes price_type price_cny region domain language".split()
)
DEMAND_LINE_FIELDS = frozenset(
    "id title description enterprise region domain budget_min_cny budget_max_cny"
    " cooperation_modes deadline language".split()
)
# Schema field → the line's field, so that errors speak the file's language.
LINE_NAMES = {
    "listings": {
        "description": "abstract",
        "summary": "abstract",
        "price_amount": "price_cny",
        "ipc_codes": "ipc",
        "first_claim": "claims",
    },
    "demands": {"budget_min": "budget_min_cny", "budget_max": "budget_max_cny"},
}
# The fields an import sets on an existing record (tags, currency… stay as edited).
IMPORTED_FIELDS = {
    "listings": (
        "title",
        "summary",
        "description",
        "domain",
        "trl",
        "transfer_modes",
        "price_type",
        "price_amount",
        "region",
        "language",
    ),
    "demands": (
        "title",
        "description",
        "domain",
        "budget_min",
        "budget_max",
        "cooperation_modes",
        "deadline",
        "region",
        "language",
    ),
}
_UNIVERSITY = re.compile(r"大学|学院|university|college", re.IGNORECASE)


@dataclass
class LineError:
    line: int
    external_id: str | None
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LineError] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed


# -- validation ----------------------------------------------------------------
def _drop_nulls(data: dict[str, Any]) -> dict[str, Any]:
    # A null cell means "not given": the schema's default applies, or "required" is reported.
    return {k: v for k, v in data.items() if v is not None}


def _about(field: str, message: str, end: str = "") -> Message:
    """'field: message', the field named as the line names it (not translated)."""
    return Message("%(field)s: %(message)s" + end, field=field, message=as_message(message))


def _yuan(line: dict[str, Any], key: str, messages: list[str]) -> int | None:
    value = line.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        messages.append(_about(key, N_("Not a number.")))
        return None
    try:
        return to_minor(value)
    except ValueError as exc:
        messages.append(_about(key, exc.args[0], "."))
        return None


def _summary(abstract: str) -> str:
    if len(abstract) <= SUMMARY_LENGTH:
        return abstract
    cut = abstract[:SUMMARY_LENGTH]
    end = max(cut.rfind("。"), cut.rfind(". "), cut.rfind("；"))
    if end >= SUMMARY_LENGTH // 2:
        return cut[: end + 1]
    return cut[: SUMMARY_LENGTH - 1] + "…"


def listing_input(line: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A patents.jsonl line → the API's ListingIn input (and conversion errors)."""
    messages: list[str] = []
    abstract = line.get("abstract")
    abstract_text = abstract if isinstance(abstract, str) else ""
    patent = {
        "patent_number": line.get("patent_number"),
        "patent_type": line.get("patent_type"),
        "legal_status": line.get("legal_status"),
        "ipc_codes": line.get("ipc"),
        "applicant": line.get("applicant"),
        "inventors": line.get("inventors"),
        "filing_date": line.get("filing_date"),
        "abstract": abstract,
        "first_claim": line.get("claims"),
    }
    data = {
        "title": line.get("title"),
        "summary": _summary(abstract_text),
        "description": abstract,
        "domain": line.get("domain"),
        "trl": line.get("trl"),
        "transfer_modes": line.get("transfer_modes"),
        "price_type": line.get("price_type"),
        "price_amount": _yuan(line, "price_cny", messages),
        "region": line.get("region"),
        "language": line.get("language"),
        "patents": [_drop_nulls(patent)],
    }
    return _drop_nulls(data), messages


def demand_input(line: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A demands.jsonl line → the API's DemandIn input (and conversion errors)."""
    messages: list[str] = []
    data = {
        "title": line.get("title"),
        "description": line.get("description"),
        "domain": line.get("domain"),
        "budget_min": _yuan(line, "budget_min_cny", messages),
        "budget_max": _yuan(line, "budget_max_cny", messages),
        "cooperation_modes": line.get("cooperation_modes"),
        "deadline": line.get("deadline"),
        "region": line.get("region"),
        "language": line.get("language"),
    }
    return _drop_nulls(data), messages


def _flatten(errors: Any, names: dict[str, str], path: str = "") -> Iterator[str]:
    """marshmallow's nested messages → "field: message" in the line's field names."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == "patents" or (path == "" and isinstance(key, int)):
                yield from _flatten(value, names, path)  # one patent per line: no prefix
            elif isinstance(key, int):
                yield from _flatten(value, names, f"{path}[{key}]")
            elif key == "_schema":
                yield from _flatten(value, names, path or "line")
            else:
                yield from _flatten(value, names, names.get(key, key))
    elif isinstance(errors, list):
        for value in errors:
            yield from _flatten(value, names, path)
    else:
        yield _about(path or "line", errors)


def _external_id(line: dict[str, Any]) -> str | None:
    value = line.get("id")
    if value is None or isinstance(value, bool | dict | list):
        return None
    value = str(value).strip()
    return value or None


# -- writing ---------------------------------------------------------------------
@dataclass
class _Prepared:
    line: int
    external_id: str
    values: dict[str, Any]
    owner: str
    owner_kind: str
    region: str


@dataclass(frozen=True)
class _Member:
    id: int
    name: str
    kind: str


class _Importer:
    def __init__(
        self,
        session: Session,
        kind: str,
        source: str,
        publish: bool,
        actor: User | None,
        progress: Callable[[int], Any] | None,
    ):
        self.session = session
        self.kind = kind
        self.model = Listing if kind == "listings" else Demand
        self.schema = ListingIn() if kind == "listings" else DemandIn()
        self.allowed = PATENT_LINE_FIELDS if kind == "listings" else DEMAND_LINE_FIELDS
        self.names = LINE_NAMES[kind]
        self.source = source
        self.publish = publish
        self.actor_id = actor.id if actor is not None else None
        self.organizations: dict[str, int] = {}  # name → id, cached for the whole file
        self.ids: dict[type, Iterator[int]] = {}
        self.seen: dict[str, int] = {}  # external id → line, to report duplicates
        # An operator (or the command line, without actor) imports for the organizations the
        # lines name; a member imports into their own organization, under the members' rules.
        self.member: _Member | None = None
        if actor is not None and not actor.is_operator:
            org = actor.organization
            self.member = _Member(org.id, org.name, org.kind)
            self.organizations[org.name] = org.id
        self.progress = progress
        self.report = ImportReport()
        dialect = session.get_bind().dialect.name
        self.sqlite, self.postgresql = dialect == "sqlite", dialect == "postgresql"

    def run(self, lines: Iterable[Line]) -> ImportReport:
        iterator = iter(lines)
        while batch := list(islice(iterator, BATCH_SIZE)):
            with UnitOfWork(self.session):  # each batch commits on its own
                self._batch(batch)
            if self.progress is not None:
                self.progress(len(batch))
        return self.report

    def _fail(self, line: int, external_id: str | None, message: str) -> None:
        self.report.errors.append(LineError(line, external_id, message))

    # validation: no database access
    def _prepare(self, number: int, line: dict[str, Any]) -> _Prepared | None:
        external_id = _external_id(line)
        if external_id is None:
            self._fail(number, None, _about("id", N_("Missing: every line needs a stable id.")))
            return None
        if len(external_id) > 100:
            self._fail(number, external_id[:100], _about("id", N_("Longer than 100 characters.")))
            return None
        if external_id in self.seen:
            used = Message(N_("Already used on line %(line)s."), line=self.seen[external_id])
            self._fail(number, external_id, _about("id", used))
            return None
        self.seen[external_id] = number
        messages = [_about(k, N_("Unknown field.")) for k in sorted(set(line) - self.allowed)]
        if self.kind == "listings":
            data, conversion = listing_input(line)
            owner, owner_key = line.get("applicant"), "applicant"
        else:
            data, conversion = demand_input(line)
            owner, owner_key = line.get("enterprise"), "enterprise"
        messages += conversion
        owner = owner.strip() if isinstance(owner, str) else ""
        if self.member is not None:
            owner = self.member.name
        elif not owner:
            messages.append(
                _about(owner_key, N_("Required: the organization that owns the record."))
            )
        elif len(owner) > 200:
            messages.append(_about(owner_key, N_("Longer than 200 characters.")))
        try:
            values = self.schema.load(data)
        except ValidationError as exc:
            messages += _flatten(exc.messages, self.names)
            values = None
        if values is not None and not conversion and self.kind == "listings":
            try:
                listings.check_price(values)
            except Invalid as exc:
                messages += _flatten(exc.fields, self.names)
        if messages:
            self._fail(number, external_id, Joined(dict.fromkeys(messages)))
            return None
        region = line.get("region") if isinstance(line.get("region"), str) else ""
        if self.member is not None:
            owner_kind = self.member.kind
        elif self.kind == "listings":
            owner_kind = "university" if _UNIVERSITY.search(owner) else "institute"
        else:
            owner_kind = "enterprise"
        return _Prepared(number, external_id, values, owner, owner_kind, region)

    def _batch(self, batch: list[Line]) -> None:
        prepared = []
        for number, line, error in batch:
            if error is not None or line is None:
                self._fail(number, None, error or N_("Unreadable line."))
                continue
            item = self._prepare(number, line)
            if item is not None:
                prepared.append(item)
        if not prepared:
            return
        if self.postgresql:
            # The preload below runs as a prepared statement; a generic plan made while the
            # table was small (a sequential scan) would stay as it grows: plan every batch.
            self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        model = self.model
        existing = {
            row.external_id: row
            for row in self.session.scalars(
                select(model).where(
                    model.source == self.source,
                    model.external_id.in_([p.external_id for p in prepared]),
                )
            ).unique()
        }
        if self.member is not None:
            prepared = [p for p in prepared if self._member_may_change(p, existing)]
        self._preload_organizations(prepared)
        if self.sqlite:
            # pysqlite only opens a transaction before DML, so a SAVEPOINT would start (and
            # its RELEASE commit) one of its own; a no-op UPDATE opens the real one first.
            self.session.execute(text("UPDATE organization SET id = id WHERE 1 = 0"))
        # Optimistically the whole batch in one SAVEPOINT and one flush (bulk INSERTs); if
        # the database refuses any of it, roll back that SAVEPOINT and go line by line, each
        # line in its own, so only the bad lines are lost.
        if len(prepared) > 1 and self._write_lines(prepared, existing, report_errors=False):
            return
        for item in prepared:
            self._write_lines([item], existing, report_errors=True)

    def _write_lines(
        self, items: list[_Prepared], existing: dict[str, Any], *, report_errors: bool
    ) -> bool:
        created_orgs: list[str] = []
        try:
            with self.session.begin_nested():
                self._create_organizations(items, created_orgs)
                self._reserve_ids(sum(1 for item in items if item.external_id not in existing))
                outcomes = [self._write(item, existing.get(item.external_id)) for item in items]
                self.session.flush()
        except (DBAPIError, StaleDataError) as exc:
            for name in created_orgs:
                self.organizations.pop(name, None)
            if report_errors:
                for item in items:
                    self._fail(item.line, item.external_id, _about("database", _db_message(exc)))
            return False
        for outcome in outcomes:
            setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        return True

    def _reserve_ids(self, count: int) -> None:
        """On PostgreSQL, take the new rows' ids from their sequences in one query each: rows
        with known ids are inserted with a pipelined executemany, much faster than the
        INSERT … RETURNING that psycopg must parse again for every batch."""
        self.ids: dict[type, Iterator[int]] = {}
        if not self.postgresql or count == 0:
            return
        models = (self.model, Patent) if self.kind == "listings" else (self.model,)
        for model in models:
            ids = self.session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id'))"
                    " FROM generate_series(1, :count)"
                ),
                {"table": model.__tablename__, "count": count},
            )
            self.ids[model] = iter(list(ids))

    def _next_id(self, model: type) -> int | None:
        ids = self.ids.get(model)
        return next(ids) if ids is not None else None

    def _member_may_change(self, item: _Prepared, existing: dict[str, Any]) -> bool:
        row = existing.get(item.external_id)
        if row is None:
            return True
        if row.organization_id != self.member.id:
            message = _about("id", N_("Used by a record of another organization."))
        elif row.status not in publication.EDITABLE_STATES:
            message = _about(
                "status",
                Message(
                    N_("A %(status)s record can no longer be changed."),
                    status=PUBLICATION.term("state", row.status),
                ),
            )
        else:
            return True
        self._fail(item.line, item.external_id, message)
        return False

    def _preload_organizations(self, prepared: list[_Prepared]) -> None:
        missing = {p.owner for p in prepared} - set(self.organizations)
        if missing:
            rows = self.session.execute(
                select(Organization.name, Organization.id).where(Organization.name.in_(missing))
            )
            self.organizations.update({name: org_id for name, org_id in rows})

    def _create_organizations(self, items: list[_Prepared], created: list[str]) -> None:
        """Create the owners not found in the database yet (one flush for all of them)."""
        new = {}
        for item in items:
            if item.owner not in self.organizations and item.owner not in new:
                new[item.owner] = Organization(
                    kind=item.owner_kind, name=item.owner, region=item.region
                )
        if new:
            self.session.add_all(new.values())
            self.session.flush()
            created.extend(new)
            self.organizations.update({name: org.id for name, org in new.items()})

    def _write(self, item: _Prepared, row: Listing | Demand | None) -> str:
        org_id = self.organizations[item.owner]
        values = item.values
        columns = listings.LISTING_FIELDS if self.kind == "listings" else demands.DEMAND_FIELDS
        now = utcnow()
        if row is None:
            row = self.model(
                **{k: values[k] for k in columns if k in values},
                id=self._next_id(self.model),
                organization_id=org_id,
                created_by_id=self.actor_id,
                source=self.source,
                external_id=item.external_id,
                status="draft",
                submitted_at=now,
                published_at=now if self.publish else None,
            )
            action = "import_publish" if self.publish else "import"
            PUBLICATION.apply(row, action, SYSTEM)
            self.session.add(row)
            if self.kind == "listings":
                listings.set_patents(self.session, row, values["patents"])
                for patent in row.patents:
                    patent.id = self._next_id(Patent)
            return "created"
        changes = {k: values[k] for k in IMPORTED_FIELDS[self.kind] if k in values}
        changes["organization_id"] = org_id
        changed = publication.apply_changes(row, changes)
        if self.kind == "listings":
            changed = listings.set_patents(self.session, row, values["patents"]) or changed
        # Existing drafts, pending and rejected records publish (see publication.TRANSITIONS).
        if self.publish and PUBLICATION.allowed(row, "import_publish", [SYSTEM]):
            PUBLICATION.apply(row, "import_publish", SYSTEM)
            row.submitted_at = row.submitted_at or now
            row.published_at = now
            row.rejection_reason = ""
            changed = True
        if not changed:
            return "unchanged"
        if self.member is not None:
            publication.after_edit(row)  # what the operator approved is no longer what is shown
        row.updated_at = now  # also when only a patent changed: the listing's row is bumped
        return "updated"


def _db_message(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0][:300]


def import_file(
    session: Session,
    kind: str,
    source_file: Source,
    filename: str,
    *,
    source: str = "import",
    publish: bool = False,
    actor: User | None = None,
    progress: Callable[[int], Any] | None = None,
) -> ImportReport:
    """Import a JSONL, CSV or XLSX file of listings (patents.jsonl format) or demands.

    Every BATCH_SIZE lines are a unit of work of their own (committed as they are done).
    ``progress(n)`` is called with the number of lines just processed. New records wait in pending_review unless ``publish``; existing ones
    keep their status unless ``publish`` (then drafts, pending and rejected ones publish).

    Without an actor (the command line) or with an operator, each record belongs to the
    organization its line names (applicant / enterprise), created when missing. A member
    imports into their own organization under the members' rules: no ``publish``, only
    their organization's records change, and a changed published record goes back to review.
    """
    if kind not in KINDS:
        raise Invalid(
            {"kind": Message(N_("Import listings or demands, not '%(kind)s'."), kind=kind)}
        )
    source = (source or "").strip()
    if not source or len(source) > 50:
        raise Invalid({"source": N_("A name of 1 to 50 characters.")})
    if actor is not None and not actor.is_operator:
        if actor.organization_id is None:
            raise Forbidden(N_("Only members of an organization or operators may import."))
        if publish:
            raise Forbidden(N_("Only operators may publish without review."))
    check_content(source_file, filename)  # refuse a wrong extension or content up front
    importer = _Importer(session, kind, source, publish, actor, progress)
    return importer.run(read_lines(source_file, filename))

"""What the matcher knows about a listing or a demand: plain values, built from rows
(duck-typed, so search/ does not import the models) or directly in tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ListingFacts:
    id: int
    organization_id: int
    status: str
    title: str
    domain: str
    transfer_modes: tuple[str, ...]
    price_type: str
    price_amount: int | None  # minor units
    currency: str = "CNY"
    trl: int = 5
    region: str = ""
    summary: str = ""
    description: str = ""
    abstracts: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    ipc_codes: tuple[str, ...] = ()
    legal_statuses: tuple[str, ...] = ()
    filing_dates: tuple[date, ...] = ()
    tags: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, listing) -> ListingFacts:
        patents = list(listing.patents)
        return cls(
            id=listing.id,
            organization_id=listing.organization_id,
            status=listing.status,
            title=listing.title or "",
            domain=listing.domain,
            transfer_modes=tuple(listing.transfer_modes or ()),
            price_type=listing.price_type,
            price_amount=listing.price_amount,
            currency=listing.currency or "CNY",
            trl=listing.trl,
            region=listing.region or "",
            summary=listing.summary or "",
            description=listing.description or "",
            abstracts=tuple(p.abstract for p in patents if p.abstract),
            claims=tuple(p.first_claim for p in patents if p.first_claim),
            ipc_codes=tuple(sorted({c for p in patents for c in (p.ipc_codes or ())})),
            legal_statuses=tuple(sorted({p.legal_status for p in patents})),
            filing_dates=tuple(p.filing_date for p in patents if p.filing_date),
            tags=tuple(listing.tags or ()),
        )

    @property
    def fields(self) -> dict[str, str]:
        """The listing's text by field, lower-cased; the field weights live in scoring."""
        return {
            "title": self.title.lower(),
            "abstract": "\n".join((self.summary, self.description, *self.abstracts)).lower(),
            "claims": "\n".join(self.claims).lower(),
            "tags": " ".join(self.tags).lower(),
        }

    @property
    def text(self) -> str:
        return "\n".join(self.fields.values())


@dataclass(frozen=True)
class DemandFacts:
    id: int
    organization_id: int
    status: str
    title: str
    domain: str
    cooperation_modes: tuple[str, ...]
    budget_max: int | None = None  # minor units
    budget_min: int | None = None
    currency: str = "CNY"
    description: str = ""
    region: str = ""
    deadline: date | None = None

    @classmethod
    def from_row(cls, demand) -> DemandFacts:
        return cls(
            id=demand.id,
            organization_id=demand.organization_id,
            status=demand.status,
            title=demand.title or "",
            domain=demand.domain,
            cooperation_modes=tuple(demand.cooperation_modes or ()),
            budget_max=demand.budget_max,
            budget_min=demand.budget_min,
            currency=demand.currency or "CNY",
            description=demand.description or "",
            region=demand.region or "",
            deadline=demand.deadline,
        )

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}".lower()

"""Fast generation of published rows for search tests (bypasses the outbox on purpose:
the tests then build the index with a reindex, as an operator would)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from marketplace.core.validators import cn_check_digit
from marketplace.extensions import db
from marketplace.models import Listing, Organization, Patent
from marketplace.models.vocab import DOMAINS, LEGAL_STATUSES, TRANSFER_MODES

REGIONS = ("宁波", "杭州", "余姚", "慈溪", "绍兴")
IPC = ("H01M4/505", "H01F1/057", "B22F10/28", "G06N3/08", "A61K9/00", "C22C14/00", "H01L21/02")
WORDS = ("电池", "磁体", "合金", "算法", "传感器", "涂层", "膜材料", "催化剂")


def patent_number(serial: int, kind: str = "1") -> str:
    digits = f"2022{kind}{serial:07d}"
    return f"CN{digits}.{cn_check_digit(digits)}"


def generate_listings(app, n: int, seed: int = 7, status: str = "published") -> list[int]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with app.app_context():
        org = Organization(kind="university", name=f"生成大学{seed}-{n}", region="宁波")
        db.session.add(org)
        db.session.flush()
        rows = []
        for i in range(n):
            price_type = rng.choice(("fixed", "fixed", "negotiable", "auction"))
            rows.append(
                {
                    "title": f"一种{rng.choice(WORDS)}的制备方法 {i}",
                    "summary": f"关于{rng.choice(WORDS)}与{rng.choice(WORDS)}的技术",
                    "description": "",
                    "domain": rng.choice(DOMAINS),
                    "tags": [],
                    "trl": rng.randint(1, 9),
                    "transfer_modes": rng.sample(TRANSFER_MODES, rng.randint(1, 3)),
                    "price_type": price_type,
                    "price_amount": None
                    if price_type == "negotiable"
                    else rng.randint(1, 900) * 1_000_000,
                    "currency": "CNY",
                    "region": rng.choice(REGIONS),
                    "organization_id": org.id,
                    "status": status,
                    "rejection_reason": "",
                    "source": "generated",
                    "external_id": f"G{seed}-{i}",
                    "language": "zh",
                    "created_at": now,
                    "updated_at": now,
                    "published_at": now - timedelta(minutes=rng.randint(0, 100_000)),
                    "version": 1,
                }
            )
        ids = list(db.session.scalars(insert(Listing).returning(Listing.id), rows))
        patents = [
            {
                "listing_id": lid,
                "patent_number": patent_number(lid, rng.choice("12")),
                "patent_type": "invention",
                "legal_status": rng.choice(LEGAL_STATUSES),
                "ipc_codes": rng.sample(IPC, rng.randint(1, 2)),
                "applicant": org.name,
                "inventors": [],
                "abstract": "",
                "first_claim": "",
            }
            for lid in ids
        ]
        for p in patents:
            p["patent_type"] = "invention" if p["patent_number"][6] == "1" else "utility_model"
        db.session.execute(insert(Patent), patents)
        db.session.commit()
        return ids

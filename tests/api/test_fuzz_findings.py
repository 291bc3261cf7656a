"""Regression tests for what the API fuzzer (tests/fuzz, `make fuzz`) found."""

from __future__ import annotations

from datetime import datetime


def test_timestamps_carry_their_utc_offset(make, client):
    # SQLite keeps no offset: times came back naive and were printed without one, which
    # is not an RFC 3339 date-time as the document promises.
    listing = make.listing(make.user("researcher"), status="published")
    body = client.get(f"/api/v1/listings/{listing.id}").json
    for name in ("created_at", "updated_at", "submitted_at", "published_at"):
        stamp = datetime.fromisoformat(body[name])
        assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0, name

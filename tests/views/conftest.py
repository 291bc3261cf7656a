"""Helpers for the HTML page tests."""

from __future__ import annotations

import re
from typing import Any

import pytest


def listing_form(**overrides: Any) -> dict[str, Any]:
    """What a browser sends for the new-listing form, filled in correctly."""
    data: dict[str, Any] = {
        "title": "一种高电压稳定的钠离子电池正极材料",
        "summary": "4.3V 循环 500 次容量保持 90%",
        "description": "通过镁钛共掺杂抑制高电压相变。",
        "domain": "new_energy",
        "tags": "钠离子电池，正极材料",
        "trl": "6",
        "transfer_modes": ["assignment", "license_exclusive"],
        "price_type": "fixed",
        "price_amount": "600000",
        "currency": "CNY",
        "region": "宁波",
        "language": "zh",
        "patents-0-patent_number": "CN202113530829.1",
        "patents-0-patent_type": "",
        "patents-0-legal_status": "pending",
        "patents-0-ipc_codes": "H01M4/505, H01M10/054",
        "patents-0-applicant": "华中科技大学",
        "patents-0-inventors": "张伟, 朱琳",
        "patents-0-filing_date": "2021-09-04",
        "patents-0-abstract": "本发明公开了一种钠离子电池层状氧化物正极材料。",
        "patents-0-first_claim": "一种钠离子电池正极材料，其特征在于……",
        # Blocks left empty by the user, as the browser sends them.
        "patents-1-patent_number": "",
        "patents-1-legal_status": "pending",
        "patents-2-patent_number": "",
        "patents-2-legal_status": "pending",
    }
    data.update(overrides)
    return data


def demand_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "两轮车换电柜想换用钠电池降成本",
        "description": "希望找到长寿命的钠电正负极材料技术。",
        "domain": "new_energy",
        "budget_min": "500000",
        "budget_max": "2000000",
        "currency": "CNY",
        "cooperation_modes": ["license_exclusive", "co_development"],
        "deadline": "2027-01-28",
        "region": "余姚",
        "language": "zh",
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return response.get_data(as_text=True)


def field_error(html: str) -> list[str]:
    """The messages the page shows next to fields."""
    return re.findall(r'<p class="field-error">(.*?)</p>', html)


@pytest.fixture
def english(app):
    """A client factory whose session asks for English."""

    def make(user=None):
        client = app.test_client(user=user) if user is not None else app.test_client()
        client.get("/?lang=en")
        return client

    return make

"""The concept dictionary's mechanical rules (the content is reviewed by people)."""

from __future__ import annotations

import re

import pytest

from marketplace.models.vocab import DOMAINS
from search.matching.concepts import (
    DOMAIN_IPC,
    NEIGHBOURS,
    concepts_in,
    contains,
    domain_agreement,
    load_concepts,
    parse_concepts,
)

IPC_PREFIX = re.compile(r"^[A-H]\d{2}([A-Z](\d{1,4}(/\d{1,6})?)?)?$")


def test_every_concept_is_well_formed():
    concepts = load_concepts()
    assert len(concepts) >= 60
    names = [c.name for c in concepts]
    assert len(names) == len(set(names)), "concept names are unique"
    for c in concepts:
        assert c.domain in DOMAINS, c
        assert c.terms, c
        for word in c.words:
            assert len(word) >= 2, (c.name, word)
            assert word == word.lower(), (c.name, word)
        for prefix in c.ipc:
            assert IPC_PREFIX.match(prefix), (c.name, prefix)
    assert {c.domain for c in concepts} == set(DOMAINS), "every field has concepts"


def test_domain_dictionaries_cover_every_field():
    assert set(DOMAIN_IPC) == set(DOMAINS)
    for prefixes in DOMAIN_IPC.values():
        assert all(IPC_PREFIX.match(p) for p in prefixes), prefixes
    for a, near in NEIGHBOURS.items():
        assert a not in near and all(a in NEIGHBOURS[b] for b in near)
    assert domain_agreement("ai", "ai") == 1.0
    assert domain_agreement("hci", "medical_devices") == 0.5
    assert domain_agreement("ai", "agriculture") == 0.0


def test_a_malformed_line_is_refused_with_its_number():
    with pytest.raises(ValueError, match="line 2"):
        parse_concepts("# comment\nai | only | three\n")


def test_latin_words_match_whole_words_only():
    assert contains("基于 mes 系统", "mes")
    assert not contains("many times over", "mes")
    assert contains("采用激光slam", "激光slam")
    names = {c.name for c in concepts_in("我们的agv小车经常跑丢")}
    assert "移动机器人定位" in names

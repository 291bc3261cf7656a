"""The synonym list: well-formed, accepted by the search server, and bridging enterprise
words to patent words end to end."""

from __future__ import annotations

import re
import uuid
from collections import Counter

import pytest
from elasticsearch import Elasticsearch

from search.analysis import SYNONYMS_FILE, index_settings, load_synonyms, segment
from search.mappings import mappings
from tests.search.conftest import refresh

URL = "/api/v1/search/listings"

# Words so broad that putting one in a set would drag a whole field into every query of it.
GENERIC = {
    "电池",
    "材料",
    "传感器",
    "设备",
    "系统",
    "装置",
    "方法",
    "技术",
    "检测",
    "机器人",
    "涂层",
}


def raw_rules() -> list[list[str]]:
    """The file's rules as written (load_synonyms lower-cases and de-duplicates, which
    would hide the mistakes these tests look for)."""
    rules = []
    for raw in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            rules.append([t.strip() for t in line.split(",")])
    return rules


def test_the_file_parses_into_a_few_hundred_rules():
    rules = load_synonyms()
    assert len(rules) >= 300
    assert len(rules) == len(raw_rules())  # no line lost to a malformed rule


def test_every_rule_is_well_formed():
    problems = []
    for terms in raw_rules():
        line = ", ".join(terms)
        if any(not t for t in terms):
            problems.append(f"empty term: {line}")
        if len(set(terms)) < 2:
            problems.append(f"fewer than two distinct terms: {line}")
        for t in terms:
            if t != t.lower():
                problems.append(f"not lower-case: {t!r}")
            if "=>" in t or "\t" in t or re.search(r"\s{2,}", t):
                problems.append(f"not a plain term: {t!r}")
            if t in GENERIC:
                problems.append(f"too generic to be a synonym: {t!r}")
    assert problems == []


def test_no_term_appears_in_two_rules():
    """A term on two lines would merge both sets into one at query time."""
    counts = Counter(t for terms in raw_rules() for t in set(terms))
    assert [t for t, n in counts.items() if n > 1] == []


def test_every_term_reaches_the_synonym_filter_whole():
    """Query words are jieba's words; a term the segmenter splits (a hyphenated English
    word, a CJK term jieba cuts differently) could never match a query word."""
    split = {
        t: segment(t, for_query=True)
        for terms in raw_rules()
        for t in terms
        if segment(t, for_query=True) != t
    }
    assert split == {}


@pytest.fixture
def analyzer_index(search_server):
    client = Elasticsearch(search_server.url, request_timeout=30)
    name = f"synonyms-{uuid.uuid4().hex[:8]}"
    client.indices.create(index=name, settings=index_settings(), mappings=mappings("listings"))
    yield client, name
    client.indices.delete(index=name)
    client.close()


def analyzed(client: Elasticsearch, index: str, text: str) -> list[str]:
    found = client.indices.analyze(index=index, analyzer="tm_words_search", text=text)
    return [t["token"] for t in found["tokens"]]


def test_the_search_server_accepts_the_rules_and_expands_query_words(analyzer_index):
    client, index = analyzer_index
    assert {"锂电池", "锂离子电池", "锂离子二次电池", "锂电"} <= set(
        analyzed(client, index, "锂电池")
    )
    assert "光致抗蚀剂" in analyzed(client, index, "光刻胶")
    assert "增材制造" in analyzed(client, index, "3d打印")
    assert "钕铁硼磁体" in analyzed(client, index, "ndfeb")
    assert "废水处理" in analyzed(client, index, "污水处理")
    # A broad word stays itself: no hypernym chain pulls in every kind of battery.
    assert analyzed(client, index, "电池") == ["电池"]
    assert analyzed(client, index, "量子计算") == ["量子计算"]


def test_every_rule_survives_on_the_server(analyzer_index):
    """The filter is lenient: a rule the server cannot parse is dropped silently. Send the
    first single-token term of every rule and expect each rule's other single-token terms."""
    client, index = analyzer_index
    single = [[t for t in terms if " " not in t] for terms in raw_rules()]
    single = [terms for terms in single if len(terms) >= 2]
    tokens = set(analyzed(client, index, "\n".join(terms[0] for terms in single)))
    missing = [terms for terms in single if not set(terms) <= tokens]
    assert missing == []


def publish(make, owner, title, summary, domain):
    return make.listing(
        owner,
        status="published",
        title=title,
        summary=summary,
        description="",
        domain=domain,
        patents=[],
        tags=[],
    )


def test_enterprise_words_find_listings_written_in_patent_words(search_app, make):
    owner = make.user("researcher")
    resist = publish(
        make,
        owner,
        "一种化学放大型光致抗蚀剂组合物及图案形成方法",
        "高分辨率的光致抗蚀剂组合物，用于半导体图形转移",
        "semiconductors",
    )
    residue = publish(
        make,
        owner,
        "一种基于酶抑制的蔬菜农药残留速测卡",
        "十分钟内判断有机磷类农药残留是否超标",
        "agriculture",
    )
    agv = publish(
        make,
        owner,
        "一种仓储自动导引车的激光定位方法",
        "货架变动环境下自动导引车的重新定位",
        "ai",
    )
    grease = publish(
        make,
        owner,
        "一种高温长寿命锂基润滑脂",
        "用于轴承的锂基稠化剂润滑脂配方",
        "mechanical_parts",
    )
    refresh(search_app)
    c = search_app.test_client()

    def ids(q):
        response = c.get(URL, query_string={"q": q})
        assert response.status_code == 200
        assert response.json["degraded"] is False
        return {h["id"] for h in response.json["items"]}

    assert ids("光刻胶") == {resist.id}
    assert ids("photoresist") == {resist.id}
    assert ids("农残") == {residue.id}
    assert ids("AGV小车") == {agv.id}
    assert ids("黄油") == {grease.id}
    # Related words that are not equivalents find nothing: a lithography machine is not a
    # photoresist, a drone is not a warehouse AGV (though both are "unmanned vehicles").
    assert ids("光刻机") == set()
    assert ids("无人机") == set()

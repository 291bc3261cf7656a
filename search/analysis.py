"""Text analysis that works on a stock Elasticsearch 8, without plugins.

Three views of every text:
- ``cjk``: standard tokenizer + cjk_width + lowercase + cjk_bigram, so two-character
  queries (电池, 磁体) match and highlights land on the original text;
- ``words``: text segmented into words by jieba (rjieba, at index and at query time)
  and indexed with a whitespace tokenizer; at query time a synonym_graph filter maps
  enterprise words to patent words (锂电池 ↔ 锂离子电池, 3D打印 ↔ 增材制造);
- ``en``: Elasticsearch's english analyzer, for English listings and mixed text.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")
_jieba_lock = threading.Lock()
_jieba = None


def load_synonyms(path: Path = SYNONYMS_FILE) -> list[str]:
    """Synonym rules in Solr format, one equivalence set per line (``a, b, c``).

    Lines starting with ``#`` are comments. Terms are lower-cased, since the analyzers
    lower-case before the synonym filter. Multi-word terms (``laser powder bed fusion``)
    are kept with their spaces replaced by nothing only when they are CJK; English
    phrases stay phrases and match through the synonym graph.
    """
    rules = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        terms = [t.strip().lower() for t in line.split(",") if t.strip()]
        if len(terms) >= 2:
            rules.append(", ".join(dict.fromkeys(terms)))
    return rules


@lru_cache(maxsize=1)
def synonym_terms() -> tuple[str, ...]:
    return tuple({t.strip() for rule in load_synonyms() for t in rule.split(",")})


def _segmenter():
    """The segmenter, loaded once, taught every synonym term so each is cut as one word.

    rjieba (jieba-rs): jieba's algorithm and dictionary in Rust; the same cuts as the
    Python jieba (checked on the development set) at some 40× the speed, which is what
    lets a reindex keep up with bulk sending."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import rjieba

                tokenizer = rjieba.Jieba()
                for term in synonym_terms():
                    if re.search(r"[\u4e00-\u9fff]", term) and " " not in term:
                        tokenizer.add_word(term, 50_000, None)
                _jieba = tokenizer
    return _jieba


# Characters jieba keeps inside a word block (c++, c#, 3.5, li-ion) stay for the cut; every
# other non-word character is a separator either way, so it becomes a space before the cut.
_SEPARATORS = re.compile(r"[^\w\s+#&.%\-]+")
# What is left of those after the cut, standing alone ("-", "."), carries nothing.
_LONE_SYMBOLS = re.compile(r"(?<!\S)[+#&.%\-]+(?!\S)")


def segment(text: str | None, *, for_query: bool = False) -> str:
    """Words of ``text`` separated by single spaces.

    Documents are segmented in search mode (long words and their parts, for recall);
    queries in precise mode, so that a query word reaches the synonym filter whole.
    """
    if not text:
        return ""
    seg = _segmenter()
    text = _SEPARATORS.sub(" ", text.lower())
    # HMM off on both sides: the same dictionary-driven cut for documents and queries, and
    # about a third faster; words jieba does not know still match through the CJK view.
    words = seg.cut(text, False) if for_query else seg.cut_for_search(text, False)
    # Punctuation-only tokens ("-", "/", "（") carry nothing and would split phrases; done
    # with two regular expressions over the whole text rather than a test per token, the
    # tokens being the bulk of a reindex's work (tests/search/test_analysis.py checks the
    # result against the per-token filter).
    return " ".join(_LONE_SYMBOLS.sub(" ", " ".join(words)).split())


def index_settings(shards: int = 1, replicas: int = 0) -> dict:
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "max_result_window": 10_000,
        "analysis": {
            "filter": {
                "tm_synonyms": {
                    "type": "synonym_graph",
                    "synonyms": load_synonyms(),
                    "lenient": True,
                },
            },
            "analyzer": {
                "tm_cjk": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["cjk_width", "lowercase", "cjk_bigram"],
                },
                "tm_words": {
                    "type": "custom",
                    "tokenizer": "whitespace",
                    "filter": ["cjk_width", "lowercase"],
                },
                "tm_words_search": {
                    "type": "custom",
                    "tokenizer": "whitespace",
                    "filter": ["cjk_width", "lowercase", "tm_synonyms"],
                },
            },
        },
    }

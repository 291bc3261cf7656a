"""The concept dictionary (enterprise wording ↔ patent wording ↔ IPC) and the domain
dictionary (which IPC classes a field usually files under, which fields border it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CONCEPTS_FILE = Path(__file__).with_name("concepts.txt")
_LATIN = re.compile(r"^[a-z0-9 .+\-]+$")


@dataclass(frozen=True)
class Concept:
    domain: str
    name: str
    cues: tuple[str, ...]  # enterprise wording
    terms: tuple[str, ...]  # patent wording
    ipc: tuple[str, ...]  # IPC prefixes, without spaces ("H01M4", "G05B19/404")

    @property
    def words(self) -> tuple[str, ...]:
        return self.cues + self.terms


def _split(field: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.strip().lower() for t in field.split(",") if t.strip()))


def parse_concepts(text: str) -> tuple[Concept, ...]:
    concepts = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 5:
            raise ValueError(f"concepts line {number}: expected 5 fields, got {len(parts)}")
        domain, name, cues, terms, ipc = parts
        concepts.append(
            Concept(
                domain=domain,
                name=name,
                cues=_split(cues),
                terms=_split(terms),
                ipc=tuple(ipc.upper().split()),
            )
        )
    return tuple(concepts)


@lru_cache(maxsize=1)
def load_concepts(path: Path = CONCEPTS_FILE) -> tuple[Concept, ...]:
    return parse_concepts(path.read_text(encoding="utf-8"))


def contains(text: str, word: str) -> bool:
    """``word`` occurs in lower-cased ``text``: a substring for Chinese, a whole word for
    Latin (so "mes" does not hit "times")."""
    if _LATIN.match(word):
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None
    return word in text


def concepts_in(text: str, concepts: tuple[Concept, ...] | None = None) -> list[Concept]:
    """The concepts that lower-cased ``text`` mentions through a cue or a term."""
    concepts = load_concepts() if concepts is None else concepts
    return [c for c in concepts if any(contains(text, w) for w in c.words)]


# Where each field usually files its patents (IPC prefixes), for domain–IPC agreement when
# no concept is recognised. Broad on purpose: a class, or a subclass where a class is mixed.
DOMAIN_IPC: dict[str, tuple[str, ...]] = {
    "new_energy": ("H01M", "H02J", "H02S", "H10K30", "H01L31", "F03D", "C25B", "B60L", "H02M"),
    "new_materials": ("C04B", "C08", "C22C", "C01B", "C09D", "C09K", "B32B"),
    "rare_earth_magnets": ("H01F", "C22C38", "C22C33", "B22F", "H02K1"),
    "additive_manufacturing": ("B33Y", "B22F10", "B22F12", "B29C64", "B22C"),
    "semiconductors": ("H01L", "G03F", "H10B", "H10N"),
    "marine_materials": ("C09D5/16", "C23F", "B63B", "C02F1/44", "C22C"),
    "smart_components": ("G01D", "G01L", "G01P", "H01R", "H02K", "G01K"),
    "big_data": ("G06F16", "H03M", "G06F17", "G06F21", "G06Q"),
    "hci": ("G06F3", "G02B27", "G06T19", "G10L", "A61B5", "H04N7"),
    "industrial_internet": ("G05B19", "G05B23", "H04L67", "H04L12", "G06Q50"),
    "ai": ("G06N", "G06V", "G06T", "G05D", "G06F18", "B25J"),
    "flexible_electronics": ("H10K", "H05K", "G01L1", "H01L27", "G09F9"),
    "biomedicine": ("A61K", "A61P", "C12N", "C12Q", "C07K", "G01N33"),
    "medical_devices": ("A61B", "A61M", "A61F", "A61N", "A61H", "G16H"),
    "agriculture": ("A01", "A23", "G01N33", "B07C"),
    "smart_city": ("G08G", "G08B", "H04L12/28", "G06Q50/26", "E03B", "F17D"),
    "blockchain": ("H04L9", "G06Q20", "G06Q40"),
    "edge_cloud": ("H04L67", "H04L69", "H04L12", "G06F9", "H04W4"),
    "environment": ("B01D", "C02F", "B09B", "B09C", "F23G", "B01J"),
    "mechanical_parts": ("B23", "F16", "B22", "G05B19/404", "G01B", "F15B"),
}

# Fields that border each other: posters sometimes pick the neighbour (an AR glasses need
# posted under ai, a glucose sensor under hci). Symmetric by construction below.
_NEIGHBOURS = (
    ("new_energy", "new_materials"),
    ("new_energy", "environment"),
    ("new_energy", "smart_components"),
    ("new_energy", "ai"),
    ("new_materials", "rare_earth_magnets"),
    ("new_materials", "marine_materials"),
    ("new_materials", "additive_manufacturing"),
    ("new_materials", "environment"),
    ("new_materials", "flexible_electronics"),
    ("additive_manufacturing", "mechanical_parts"),
    ("semiconductors", "flexible_electronics"),
    ("semiconductors", "smart_components"),
    ("smart_components", "mechanical_parts"),
    ("smart_components", "industrial_internet"),
    ("big_data", "ai"),
    ("big_data", "edge_cloud"),
    ("big_data", "blockchain"),
    ("big_data", "industrial_internet"),
    ("hci", "ai"),
    ("hci", "medical_devices"),
    ("hci", "flexible_electronics"),
    ("industrial_internet", "edge_cloud"),
    ("industrial_internet", "ai"),
    ("industrial_internet", "mechanical_parts"),
    ("ai", "smart_city"),
    ("ai", "medical_devices"),
    ("biomedicine", "medical_devices"),
    ("biomedicine", "agriculture"),
    ("agriculture", "environment"),
    ("smart_city", "edge_cloud"),
    ("smart_city", "environment"),
    ("blockchain", "edge_cloud"),
    ("marine_materials", "environment"),
)
NEIGHBOURS: dict[str, frozenset[str]] = {}
for _a, _b in _NEIGHBOURS:
    NEIGHBOURS[_a] = NEIGHBOURS.get(_a, frozenset()) | {_b}
    NEIGHBOURS[_b] = NEIGHBOURS.get(_b, frozenset()) | {_a}


def domain_agreement(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return 0.5 if b in NEIGHBOURS.get(a, ()) else 0.0


def ipc_matches(code: str, prefix: str) -> bool:
    return code.replace(" ", "").upper().startswith(prefix)

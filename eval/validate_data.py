"""Checks a matcher evaluation directory: patents.jsonl, demands.jsonl, qrels.tsv.

The format is the one in ../shared/data/dev/README.md. Standard library only.

    python3 eval/validate_data.py DIR [--prefix sample_] [--style] [--strict]

Errors (exit status 1):
  * every line parses as a JSON object; ids are unique;
  * required fields are present with the right types; domains, transfer modes, price types,
    patent types, legal statuses and languages come from the README's vocabularies;
  * patent numbers: CN + 4-digit year + type digit + 7-digit serial + '.' + check digit
    (weights 2,3,4,5,6,7,8,9,2,3,4,5, sum mod 11, 10 -> X); the type digit agrees with
    patent_type and the year with filing_date;
  * price_cny is an integer for fixed and auction prices and null for negotiable ones;
    budget_min_cny <= budget_max_cny; dates are real YYYY-MM-DD dates; trl is 1-9;
  * qrels: the header, three tab-separated fields, grades 0-3, no pair judged twice,
    every id exists;
  * every demand has >= 3 judged patents, at least one graded 3 and one graded <= 1;
  * the README's hard-constraint rule: a patent graded 2 or 3 for a demand has a fixed
    price no higher than the demand's budget_max_cny and shares a transfer mode with its
    cooperation_modes.
Warnings (errors with --strict): unknown fields; text that does not look like the record's
declared language; with --style, the style targets for new hand-written data -- a Chinese
abstract of 80-200 characters, a demand description of 40-250 characters (the development
set predates these targets: its abstracts are shorter).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

DOMAINS = {
    "new_materials",
    "rare_earth_magnets",
    "additive_manufacturing",
    "semiconductors",
    "marine_materials",
    "smart_components",
    "big_data",
    "hci",
    "new_energy",
    "industrial_internet",
    "ai",
    "flexible_electronics",
    "biomedicine",
    "medical_devices",
    "agriculture",
    "smart_city",
    "blockchain",
    "edge_cloud",
    "environment",
    "mechanical_parts",
}
TRANSFER_MODES = {
    "assignment",
    "license_exclusive",
    "license_sole",
    "license_nonexclusive",
    "equity",
    "co_development",
}
PRICE_TYPES = {"fixed", "negotiable", "auction"}
PATENT_TYPES = {"invention": "1", "utility_model": "2", "design": "3"}
LEGAL_STATUSES = {"pending", "granted", "lapsed"}
LANGUAGES = {"zh", "en"}

PATENT_FIELDS = {
    "id": str,
    "patent_number": str,
    "title": str,
    "abstract": str,
    "claims": str,
    "ipc": list,
    "applicant": str,
    "inventors": list,
    "filing_date": str,
    "patent_type": str,
    "legal_status": str,
    "trl": int,
    "transfer_modes": list,
    "price_type": str,
    "price_cny": (int, type(None)),
    "region": str,
    "domain": str,
    "language": str,
}
DEMAND_FIELDS = {
    "id": str,
    "title": str,
    "description": str,
    "enterprise": str,
    "region": str,
    "domain": str,
    "budget_min_cny": int,
    "budget_max_cny": int,
    "cooperation_modes": list,
    "deadline": str,
    "language": str,
}

NUMBER_RE = re.compile(r"^CN(\d{4})(\d)(\d{7})\.([0-9X])$")
IPC_RE = re.compile(r"^[A-H]\d{2}[A-Z] ?\d{1,4}/\d{2,6}$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def check_digit(twelve: str) -> str:
    s = sum(int(c) * w for c, w in zip(twelve, WEIGHTS, strict=False)) % 11
    return "X" if s == 10 else str(s)


class Report:
    style = False

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def error(self, where: str, msg: str) -> None:
        self.errors.append(f"{where}: {msg}")

    def warn(self, where: str, msg: str) -> None:
        self.warnings.append(f"{where}: {msg}")


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def parse_date(s) -> dt.date | None:
    if not isinstance(s, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return None
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        return None


def read_jsonl(path: Path, rep: Report) -> list[tuple[str, dict]]:
    out = []
    if not path.exists():
        rep.error(path.name, "missing")
        return out
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            where = f"{path.name}:{n}"
            if not line.strip():
                rep.error(where, "blank line")
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                rep.error(where, f"not JSON ({e.msg})")
                continue
            if not isinstance(rec, dict):
                rep.error(where, "not a JSON object")
                continue
            out.append((where, rec))
    return out


def check_fields(where: str, rec: dict, fields: dict, rep: Report) -> bool:
    ok = True
    for name, typ in fields.items():
        if name not in rec:
            rep.error(where, f"missing field {name}")
            ok = False
            continue
        v = rec[name]
        if typ is int:
            good = is_int(v)
        elif isinstance(typ, tuple) and int in typ:
            good = v is None or is_int(v)
        else:
            good = isinstance(v, typ)
        if not good:
            rep.error(where, f"{name} has the wrong type ({type(v).__name__})")
            ok = False
        elif isinstance(v, str) and not v.strip():
            rep.error(where, f"{name} is empty")
            ok = False
    for name in rec.keys() - fields.keys():
        rep.warn(where, f"unknown field {name}")
    return ok


def check_language(where: str, lang: str, text: str, rep: Report) -> None:
    cjk = len(CJK_RE.findall(text))
    if lang == "zh" and cjk < max(1, len(text) // 4):
        rep.warn(where, "declared zh but the text is mostly not Chinese")
    if lang == "en" and cjk > len(text) // 10:
        rep.warn(where, "declared en but the text is largely Chinese")


def check_patents(recs, rep: Report) -> dict[str, dict]:
    patents: dict[str, dict] = {}
    numbers = Counter()
    for where, p in recs:
        if not check_fields(where, p, PATENT_FIELDS, rep):
            if isinstance(p.get("id"), str):
                patents.setdefault(p["id"], p)
            continue
        where = f"{where} {p['id']}"
        if p["id"] in patents:
            rep.error(where, "duplicate id")
        patents[p["id"]] = p
        numbers[p["patent_number"]] += 1

        m = NUMBER_RE.match(p["patent_number"])
        if not m:
            rep.error(where, f"patent_number {p['patent_number']!r} is not CN+12 digits+.+check")
        else:
            year, tdigit, serial, check = m.groups()
            twelve = year + tdigit + serial
            if check_digit(twelve) != check:
                rep.error(
                    where,
                    f"patent_number {p['patent_number']}: check digit should be {check_digit(twelve)}",
                )
            if p["patent_type"] in PATENT_TYPES and PATENT_TYPES[p["patent_type"]] != tdigit:
                rep.error(
                    where,
                    f"patent_number type digit {tdigit} does not match patent_type {p['patent_type']}",
                )
            fd = parse_date(p["filing_date"])
            if fd and str(fd.year) != year:
                rep.error(
                    where, f"patent_number year {year} differs from filing_date {p['filing_date']}"
                )

        if parse_date(p["filing_date"]) is None:
            rep.error(where, f"filing_date {p['filing_date']!r} is not a YYYY-MM-DD date")
        if p["patent_type"] not in PATENT_TYPES:
            rep.error(where, f"patent_type {p['patent_type']!r} not in {sorted(PATENT_TYPES)}")
        if p["legal_status"] not in LEGAL_STATUSES:
            rep.error(where, f"legal_status {p['legal_status']!r} not in {sorted(LEGAL_STATUSES)}")
        if not 1 <= p["trl"] <= 9:
            rep.error(where, f"trl {p['trl']} outside 1-9")
        if p["domain"] not in DOMAINS:
            rep.error(where, f"domain {p['domain']!r} not in the vocabulary")
        if p["language"] not in LANGUAGES:
            rep.error(where, f"language {p['language']!r} not zh/en")
        modes = p["transfer_modes"]
        if (
            not modes
            or any(m not in TRANSFER_MODES for m in modes)
            or len(set(modes)) != len(modes)
        ):
            rep.error(
                where,
                f"transfer_modes {modes} must be a non-empty set from {sorted(TRANSFER_MODES)}",
            )
        if p["price_type"] not in PRICE_TYPES:
            rep.error(where, f"price_type {p['price_type']!r} not in {sorted(PRICE_TYPES)}")
        elif p["price_type"] == "negotiable":
            if p["price_cny"] is not None:
                rep.error(where, "negotiable price must have price_cny null")
        elif not is_int(p["price_cny"]) or p["price_cny"] <= 0:
            rep.error(where, f"{p['price_type']} price needs a positive integer price_cny")
        if not p["ipc"] or any(not isinstance(c, str) or not IPC_RE.match(c) for c in p["ipc"]):
            rep.error(where, f"ipc {p['ipc']} must be a non-empty list of codes like H01M10/0567")
        if not p["inventors"] or any(
            not isinstance(i, str) or not i.strip() for i in p["inventors"]
        ):
            rep.error(where, "inventors must be a non-empty list of names")

        if rep.style and p["language"] == "zh" and not 80 <= len(p["abstract"]) <= 200:
            rep.warn(where, f"abstract has {len(p['abstract'])} characters (target 80-200)")
        if p["language"] in LANGUAGES:
            check_language(where, p["language"], p["title"] + p["abstract"], rep)
    for num, n in numbers.items():
        if n > 1:
            rep.error("patents.jsonl", f"patent_number {num} used {n} times")
    return patents


def check_demands(recs, rep: Report) -> dict[str, dict]:
    demands: dict[str, dict] = {}
    for where, d in recs:
        if not check_fields(where, d, DEMAND_FIELDS, rep):
            if isinstance(d.get("id"), str):
                demands.setdefault(d["id"], d)
            continue
        where = f"{where} {d['id']}"
        if d["id"] in demands:
            rep.error(where, "duplicate id")
        demands[d["id"]] = d
        if d["domain"] not in DOMAINS:
            rep.error(where, f"domain {d['domain']!r} not in the vocabulary")
        if d["language"] not in LANGUAGES:
            rep.error(where, f"language {d['language']!r} not zh/en")
        if d["budget_min_cny"] < 0 or d["budget_min_cny"] > d["budget_max_cny"]:
            rep.error(where, f"budget {d['budget_min_cny']}..{d['budget_max_cny']} is not a range")
        modes = d["cooperation_modes"]
        if (
            not modes
            or any(m not in TRANSFER_MODES for m in modes)
            or len(set(modes)) != len(modes)
        ):
            rep.error(
                where,
                f"cooperation_modes {modes} must be a non-empty set from {sorted(TRANSFER_MODES)}",
            )
        if parse_date(d["deadline"]) is None:
            rep.error(where, f"deadline {d['deadline']!r} is not a YYYY-MM-DD date")
        if rep.style and not 40 <= len(d["description"]) <= 250:
            rep.warn(where, f"description has {len(d['description'])} characters (target 40-250)")
        if d["language"] in LANGUAGES:
            check_language(where, d["language"], d["title"] + d["description"], rep)
    return demands


def violates_constraint(p: dict, d: dict) -> str | None:
    why = []
    if (
        p.get("price_type") == "fixed"
        and is_int(p.get("price_cny"))
        and is_int(d.get("budget_max_cny"))
    ):
        if p["price_cny"] > d["budget_max_cny"]:
            why.append(f"fixed price {p['price_cny']} > budget_max {d['budget_max_cny']}")
    pm, dm = p.get("transfer_modes"), d.get("cooperation_modes")
    if isinstance(pm, list) and isinstance(dm, list) and not set(pm) & set(dm):
        why.append("no shared transfer mode")
    return "; ".join(why) or None


def check_qrels(path: Path, patents: dict, demands: dict, rep: Report) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    if not path.exists():
        rep.error(path.name, "missing")
        return qrels
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0].rstrip("\r") != "demand_id\tpatent_id\tgrade":
        rep.error(f"{path.name}:1", "header must be 'demand_id<TAB>patent_id<TAB>grade'")
    for n, line in enumerate(lines[1:], 2):
        where = f"{path.name}:{n}"
        parts = line.rstrip("\r").split("\t")
        if len(parts) != 3:
            rep.error(where, f"expected 3 tab-separated fields, got {len(parts)}")
            continue
        did, pid, g = parts
        if not re.fullmatch(r"[0-3]", g):
            rep.error(where, f"grade {g!r} is not 0-3")
            continue
        if did not in demands:
            rep.error(where, f"unknown demand {did}")
        if pid not in patents:
            rep.error(where, f"unknown patent {pid}")
        if pid in qrels[did]:
            rep.error(where, f"{did} {pid} judged twice")
        qrels[did][pid] = int(g)
        if did in demands and pid in patents and int(g) >= 2:
            why = violates_constraint(patents[pid], demands[did])
            if why:
                rep.error(
                    where,
                    f"{did} {pid} graded {g} but violates a hard constraint ({why}); at most 1",
                )
    for did in demands:
        grades = qrels.get(did, {})
        if len(grades) < 3:
            rep.error(did, f"{len(grades)} judged patents (need >= 3)")
        if 3 not in grades.values():
            rep.error(did, "no patent graded 3")
        if not any(g <= 1 for g in grades.values()):
            rep.error(did, "no patent graded 0 or 1 (hard negative)")
    return qrels


def summary(patents: dict, demands: dict, qrels: dict) -> str:
    grades = Counter(g for q in qrels.values() for g in q.values())
    langs_p = Counter(p.get("language") for p in patents.values())
    langs_d = Counter(d.get("language") for d in demands.values())
    traps = sum(
        1
        for did, q in qrels.items()
        for pid, g in q.items()
        if did in demands and pid in patents and violates_constraint(patents[pid], demands[did])
    )
    dom = Counter(d.get("domain") for d in demands.values())
    return (
        f"{len(patents)} patents {dict(langs_p)}, {len(demands)} demands {dict(langs_d)}, "
        f"{sum(len(q) for q in qrels.values())} judgments {dict(sorted(grades.items()))}, "
        f"{traps} judged pairs violating a hard constraint\n"
        f"demand domains: {dict(sorted(dom.items()))}"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--prefix", default="", help="file name prefix, e.g. sample_")
    ap.add_argument(
        "--style",
        action="store_true",
        help="also warn on the style targets (abstract and description length)",
    )
    ap.add_argument("--strict", action="store_true", help="treat warnings as errors")
    args = ap.parse_args(argv)
    d, pre = args.directory, args.prefix
    rep = Report()
    rep.style = args.style
    patents = check_patents(read_jsonl(d / f"{pre}patents.jsonl", rep), rep)
    demands = check_demands(read_jsonl(d / f"{pre}demands.jsonl", rep), rep)
    qrels = check_qrels(d / f"{pre}qrels.tsv", patents, demands, rep)
    for w in rep.warnings:
        print(f"warning: {w}")
    for e in rep.errors:
        print(f"error: {e}")
    print(summary(patents, demands, qrels))
    failed = rep.errors or (args.strict and rep.warnings)
    print(
        f"{d}/{pre}*: {'FAIL' if failed else 'OK'} ({len(rep.errors)} errors, {len(rep.warnings)} warnings)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

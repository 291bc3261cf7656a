#!/usr/bin/env python3
"""Check a matcher evaluation set (patents.jsonl, demands.jsonl, qrels.tsv) against the
interchange format described in shared/data/dev/README.md.

    python eval/validate_data.py DIR [DIR ...]
    python eval/validate_data.py --prefix sample_ DIR     # the sample_* files

Exit status 0 when every directory passes, 1 otherwise. Standard library only.

Errors (the README's rules, plus what an evaluation set needs):
  * every line is a JSON object; required fields present with the right types
  * vocabularies: domain, transfer_modes / cooperation_modes, price_type,
    patent_type, legal_status, language
  * patent_number: CN + 4-digit year + type digit + 7-digit serial + '.' + check digit
    (weights 2,3,4,5,6,7,8,9,2,3,4,5 over the 12 digits, sum mod 11, 10 -> X);
    the type digit matches patent_type and the year matches filing_date
  * price_cny is an integer for fixed and auction prices and null for negotiable
  * dates are real YYYY-MM-DD dates; trl is 1..9; budget_min <= budget_max
  * ids are unique; every qrels id exists; grades are 0..3; no pair judged twice
  * each demand has >= 3 judged patents, >= 1 of grade 3 and >= 1 of grade <= 1
  * a patent that violates a demand's hard constraint (fixed price above
    budget_max_cny, or no transfer mode in cooperation_modes) is graded at most 1
Warnings (reported, do not fail): unknown extra fields, IPC codes that do not look
like IPC, patents no demand judges.
"""

import argparse
import datetime
import json
import os
import re
import sys

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

PATENT_FIELDS = [
    "id",
    "patent_number",
    "title",
    "abstract",
    "claims",
    "ipc",
    "applicant",
    "inventors",
    "filing_date",
    "patent_type",
    "legal_status",
    "trl",
    "transfer_modes",
    "price_type",
    "price_cny",
    "region",
    "domain",
    "language",
]
DEMAND_FIELDS = [
    "id",
    "title",
    "description",
    "enterprise",
    "region",
    "domain",
    "budget_min_cny",
    "budget_max_cny",
    "cooperation_modes",
    "deadline",
    "language",
]

WEIGHTS = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
NUMBER_RE = re.compile(r"^CN(\d{4})([123])(\d{7})\.([0-9X])$")
IPC_RE = re.compile(r"^[A-H]\d{2}[A-Z] ?\d{1,4}/\d{2,6}$")


def check_digit(twelve_digits):
    remainder = sum(int(c) * w for c, w in zip(twelve_digits, WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_date(value):
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


class Report:
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, where, message):
        self.errors.append(f"{where}: {message}")

    def warn(self, where, message):
        self.warnings.append(f"{where}: {message}")


def read_jsonl(path, report):
    records = []
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, 1):
        where = f"{os.path.basename(path)}:{number}"
        if not line.strip():
            report.error(where, "blank line")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            report.error(where, f"not JSON ({exc})")
            continue
        if not isinstance(record, dict):
            report.error(where, "not a JSON object")
            continue
        records.append((where, record))
    return records


def check_fields(where, record, fields, report):
    missing = [f for f in fields if f not in record]
    if missing:
        report.error(where, f"missing fields {missing}")
    extra = [f for f in record if f not in fields]
    if extra:
        report.warn(where, f"unknown fields {extra}")
    return not missing


def check_text(where, record, names, report):
    for name in names:
        if not isinstance(record.get(name), str) or not record[name].strip():
            report.error(where, f"{name} must be a non-empty string")


def check_modes(where, value, name, report):
    if not isinstance(value, list) or not value:
        report.error(where, f"{name} must be a non-empty list")
        return
    unknown = [m for m in value if m not in TRANSFER_MODES]
    if unknown:
        report.error(where, f"{name} has unknown modes {unknown}")
    if len(set(map(str, value))) != len(value):
        report.error(where, f"{name} repeats a mode")


def check_patent(where, p, report):
    if not check_fields(where, p, PATENT_FIELDS, report):
        return
    check_text(where, p, ["id", "title", "abstract", "claims", "applicant", "region"], report)
    number = p["patent_number"]
    match = NUMBER_RE.match(number) if isinstance(number, str) else None
    if not match:
        report.error(where, f"patent_number {number!r} is not CN + 12 digits + '.' + check digit")
    else:
        digits = match.group(1) + match.group(2) + match.group(3)
        if check_digit(digits) != match.group(4):
            report.error(
                where,
                f"patent_number {number} has check digit {match.group(4)}, "
                f"expected {check_digit(digits)}",
            )
        if PATENT_TYPES.get(p["patent_type"]) not in (None, match.group(2)):
            report.error(
                where,
                f"patent_number type digit {match.group(2)} does not match "
                f"patent_type {p['patent_type']}",
            )
        if is_date(p["filing_date"]) and p["filing_date"][:4] != match.group(1):
            report.error(
                where,
                f"patent_number year {match.group(1)} does not match "
                f"filing_date {p['filing_date']}",
            )
    if (
        not isinstance(p["ipc"], list)
        or not p["ipc"]
        or not all(isinstance(c, str) for c in p["ipc"])
    ):
        report.error(where, "ipc must be a non-empty list of strings")
    else:
        odd = [c for c in p["ipc"] if not IPC_RE.match(c)]
        if odd:
            report.warn(where, f"ipc codes that do not look like IPC: {odd}")
    if (
        not isinstance(p["inventors"], list)
        or not p["inventors"]
        or not all(isinstance(n, str) and n.strip() for n in p["inventors"])
    ):
        report.error(where, "inventors must be a non-empty list of names")
    if not is_date(p["filing_date"]):
        report.error(where, f"filing_date {p['filing_date']!r} is not a YYYY-MM-DD date")
    if p["patent_type"] not in PATENT_TYPES:
        report.error(where, f"patent_type {p['patent_type']!r} not in {sorted(PATENT_TYPES)}")
    if p["legal_status"] not in LEGAL_STATUSES:
        report.error(where, f"legal_status {p['legal_status']!r} not in {sorted(LEGAL_STATUSES)}")
    if not is_int(p["trl"]) or not 1 <= p["trl"] <= 9:
        report.error(where, f"trl {p['trl']!r} is not an integer 1-9")
    check_modes(where, p["transfer_modes"], "transfer_modes", report)
    if p["price_type"] not in PRICE_TYPES:
        report.error(where, f"price_type {p['price_type']!r} not in {sorted(PRICE_TYPES)}")
    elif p["price_type"] == "negotiable":
        if p["price_cny"] is not None:
            report.error(where, "price_cny must be null for a negotiable price")
    elif not is_int(p["price_cny"]) or p["price_cny"] <= 0:
        report.error(
            where,
            f"price_cny {p['price_cny']!r} must be a positive integer "
            f"for a {p['price_type']} price",
        )
    if p["domain"] not in DOMAINS:
        report.error(where, f"domain {p['domain']!r} not in the README's vocabulary")
    if p["language"] not in LANGUAGES:
        report.error(where, f"language {p['language']!r} not in {sorted(LANGUAGES)}")


def check_demand(where, d, report):
    if not check_fields(where, d, DEMAND_FIELDS, report):
        return
    check_text(where, d, ["id", "title", "description", "enterprise", "region"], report)
    if d["domain"] not in DOMAINS:
        report.error(where, f"domain {d['domain']!r} not in the README's vocabulary")
    low, high = d["budget_min_cny"], d["budget_max_cny"]
    if not is_int(low) or not is_int(high) or low < 0:
        report.error(where, "budget_min_cny and budget_max_cny must be non-negative integers")
    elif low > high:
        report.error(where, f"budget_min_cny {low} is above budget_max_cny {high}")
    check_modes(where, d["cooperation_modes"], "cooperation_modes", report)
    if not is_date(d["deadline"]):
        report.error(where, f"deadline {d['deadline']!r} is not a YYYY-MM-DD date")
    if d["language"] not in LANGUAGES:
        report.error(where, f"language {d['language']!r} not in {sorted(LANGUAGES)}")


def violates_hard_constraint(patent, demand):
    try:
        over_budget = (
            patent["price_type"] == "fixed" and patent["price_cny"] > demand["budget_max_cny"]
        )
        no_mode = not set(patent["transfer_modes"]) & set(demand["cooperation_modes"])
    except (KeyError, TypeError):
        return None
    if over_budget:
        return f"fixed price {patent['price_cny']} above budget_max_cny {demand['budget_max_cny']}"
    if no_mode:
        return "no transfer mode in cooperation_modes"
    return None


def validate(directory, prefix=""):
    report = Report()
    paths = {
        name: os.path.join(directory, prefix + name)
        for name in ("patents.jsonl", "demands.jsonl", "qrels.tsv")
    }
    for name, path in paths.items():
        if not os.path.isfile(path):
            report.error(directory, f"{prefix + name} is missing")
    if report.errors:
        return report, {}

    patents, demands = {}, {}
    for kind, store, check in (
        ("patents.jsonl", patents, check_patent),
        ("demands.jsonl", demands, check_demand),
    ):
        for where, record in read_jsonl(paths[kind], report):
            check(where, record, report)
            rid = record.get("id")
            if isinstance(rid, str):
                if rid in store:
                    report.error(where, f"duplicate id {rid}")
                store[rid] = record
    numbers = {}
    for pid, p in patents.items():
        n = p.get("patent_number")
        if isinstance(n, str):
            if n in numbers:
                report.error(f"patents.jsonl {pid}", f"patent_number {n} also used by {numbers[n]}")
            numbers[n] = pid

    judged = {}
    with open(paths["qrels.tsv"], encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    qname = os.path.basename(paths["qrels.tsv"])
    if not lines or lines[0].split("\t") != ["demand_id", "patent_id", "grade"]:
        report.error(f"{qname}:1", "header must be 'demand_id<TAB>patent_id<TAB>grade'")
        lines = lines[1:] if lines and lines[0].startswith("demand_id") else lines
    else:
        lines = lines[1:]
    for number, line in enumerate(lines, 2):
        where = f"{qname}:{number}"
        cells = line.split("\t")
        if len(cells) != 3:
            report.error(where, f"expected 3 tab-separated columns, got {len(cells)}")
            continue
        did, pid, grade = cells
        if did not in demands:
            report.error(where, f"unknown demand_id {did}")
        if pid not in patents:
            report.error(where, f"unknown patent_id {pid}")
        if grade not in {"0", "1", "2", "3"}:
            report.error(where, f"grade {grade!r} is not 0-3")
            continue
        if (did, pid) in judged:
            report.error(where, f"pair {did} {pid} judged twice")
        judged[(did, pid)] = int(grade)
        if did in demands and pid in patents and int(grade) > 1:
            reason = violates_hard_constraint(patents[pid], demands[did])
            if reason:
                report.error(
                    where,
                    f"{did} {pid} graded {grade} but the patent violates the "
                    f"demand's hard constraint ({reason}); at most 1",
                )

    by_demand = {}
    for (did, _pid), grade in judged.items():
        by_demand.setdefault(did, []).append(grade)
    for did in demands:
        grades = by_demand.get(did, [])
        where = f"{qname} {did}"
        if len(grades) < 3:
            report.error(where, f"{len(grades)} judged patents, need at least 3")
        if 3 not in grades:
            report.error(where, "no patent graded 3")
        if not any(g <= 1 for g in grades):
            report.error(where, "no patent graded 0 or 1 (hard negative)")
    judged_patents = {pid for _, pid in judged}
    unjudged = sorted(set(patents) - judged_patents)
    if unjudged:
        report.warn(
            qname,
            f"{len(unjudged)} patents no demand judges (distractors?): "
            f"{', '.join(unjudged[:10])}{' ...' if len(unjudged) > 10 else ''}",
        )
    stats = {"patents": len(patents), "demands": len(demands), "judgments": len(judged)}
    return report, stats


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directories", nargs="+")
    parser.add_argument("--prefix", default="", help="file-name prefix, e.g. sample_")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not print warnings")
    args = parser.parse_args(argv)
    failed = False
    for directory in args.directories:
        report, stats = validate(directory, args.prefix)
        status = "FAIL" if report.errors else "ok"
        counts = ", ".join(f"{v} {k}" for k, v in stats.items())
        print(
            f"{status}: {directory}{' (' + counts + ')' if counts else ''}: "
            f"{len(report.errors)} errors, {len(report.warnings)} warnings"
        )
        for line in report.errors:
            print(f"  error   {line}")
        if not args.quiet:
            for line in report.warnings:
                print(f"  warning {line}")
        failed = failed or bool(report.errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

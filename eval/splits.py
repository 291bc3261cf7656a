"""The honest split of the evaluation demands: `tune` (look, fit, choose) and `untouched`
(report once per design decision, never look at per-demand results).

    python3 eval/splits.py            # check eval/splits.json against the rule and the data
    python3 eval/splits.py --write    # (re)write it, after a data set was added

The rule, stated in eval/splits.json too: every demand of a set in ``ALL_TUNE`` is tune
(the development set was read while the concept dictionary was written: it can never be
evidence of generalization); any other demand is tune when the first 8 hex digits of
sha256("<set>/<demand id>") are even as an integer, else untouched. A demand is named
"<set>/<demand id>" (the set is the data folder's name), because sets may reuse ids.
Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
SPLITS_FILE = ROOT / "splits.json"
SETS = ("dev", "plant_a", "plant_b")
ALL_TUNE = ("dev",)
RULE = (
    'demands of "dev" are all tune (read while the concept dictionary was written); any '
    'other demand is tune when int(sha256("<set>/<demand id>").hexdigest()[:8], 16) is '
    "even, else untouched"
)


def split_of(set_name: str, demand_id: str) -> str:
    if set_name in ALL_TUNE:
        return "tune"
    digest = hashlib.sha256(f"{set_name}/{demand_id}".encode()).hexdigest()
    return "tune" if int(digest[:8], 16) % 2 == 0 else "untouched"


def demand_ids(set_dir: Path) -> list[str]:
    lines = (set_dir / "demands.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["id"] for line in lines if line.strip()]


def compute(data: Path = DATA, sets: tuple[str, ...] = SETS) -> dict:
    out: dict = {"rule": RULE, "sets": list(sets), "tune": [], "untouched": []}
    for name in sets:
        for demand_id in demand_ids(data / name):
            out[split_of(name, demand_id)].append(f"{name}/{demand_id}")
    return out


def load(path: Path = SPLITS_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    expected = compute()
    if args.write:
        SPLITS_FILE.write_text(
            json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    elif load() != expected:
        print(
            "eval/splits.json does not follow its rule over the data (python3 eval/splits.py --write)"
        )
        return 1
    print(f"tune {len(expected['tune'])}, untouched {len(expected['untouched'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

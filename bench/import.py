"""Benchmark the bulk import: generate N patent lines, import them into a fresh database,
then import the same file again (the idempotent pass). Prints figures; not a test.

    .venv/bin/python bench/import.py                       # 100,000 lines, SQLite
    .venv/bin/python bench/import.py --n 20000 --repeat 3
    createdb -h 127.0.0.1 -U postgres bench
    .venv/bin/python bench/import.py --database-url postgresql://postgres@127.0.0.1:5432/bench

The target database is emptied first: a PostgreSQL URL must name a database whose name
contains "bench" (or pass --force).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.catalog.imports import import_file  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.core.validators import cn_check_digit  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.models.vocab import DOMAINS, TRANSFER_MODES  # noqa: E402

CITIES = ("宁波", "杭州", "余姚", "慈溪", "绍兴", "温州", "嘉兴", "湖州", "台州", "金华")
STEMS = ("海洋", "材料", "智能", "信息", "工程", "理工", "医学", "农林", "能源", "先进制造")
IPC = ("H01M4/505", "C08L23/06", "G06N3/08", "B22F10/28", "A61K9/16", "H01L29/78", "C22C38/02")
SUBJECTS = (
    "钠离子电池正极",
    "高熵合金粉末",
    "柔性压力传感器",
    "工业视觉检测",
    "海水淡化膜",
    "永磁电机转子",
    "边缘计算网关",
    "可降解支架",
    "智能灌溉控制",
    "区块链溯源",
)
NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周婷", "吴强")


def applicants(count: int) -> list[str]:
    result = []
    for i in range(count):
        city, stem = CITIES[i % len(CITIES)], STEMS[(i // len(CITIES)) % len(STEMS)]
        suffix = "大学" if i % 3 else "研究院"
        result.append(f"{city}{stem}{suffix}{'' if i < 100 else f'第{i // 100}分部'}")
    return result


def generate(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    orgs = applicants(200)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            year = 2015 + i % 10
            type_digit = "1" if i % 4 else "2"
            digits = f"{year}{type_digit}{i:07d}"
            subject = SUBJECTS[i % len(SUBJECTS)]
            price_type = ("fixed", "negotiable", "auction")[i % 3]
            abstract = (
                f"本发明公开了一种{subject}技术方案（编号{i}），通过结构优化与工艺改进，"
                f"在关键指标上较现有技术提升{rng.randint(10, 60)}%，适合规模化生产与推广应用。"
            )
            line = {
                "id": f"BENCH{i:07d}",
                "patent_number": f"CN{digits}.{cn_check_digit(digits)}",
                "title": f"一种{subject}的制备方法及其应用（{i}）",
                "abstract": abstract,
                "claims": f"一种{subject}，其特征在于包括以下步骤……",
                "ipc": rng.sample(IPC, 2),
                "applicant": orgs[i % len(orgs)],
                "inventors": rng.sample(NAMES, 2),
                "filing_date": f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "patent_type": "invention" if type_digit == "1" else "utility_model",
                "legal_status": ("pending", "granted", "lapsed")[i % 3],
                "trl": 1 + i % 9,
                "transfer_modes": rng.sample(TRANSFER_MODES, 1 + i % 3),
                "price_type": price_type,
                "price_cny": None if price_type == "negotiable" else 10_000 * (1 + i % 500),
                "region": CITIES[i % len(CITIES)],
                "domain": DOMAINS[i % len(DOMAINS)],
                "language": "zh",
            }
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def reset_database(url: str, force: bool) -> str:
    if url.startswith("sqlite"):
        return url
    name = url.rsplit("/", 1)[-1].split("?")[0]
    if "bench" not in name and not force:
        sys.exit(f"Refusing to empty database '{name}': use one named *bench* or pass --force.")
    engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def run_once(data: Path, url: str, force: bool, second_pass: bool, trace: bool) -> dict:
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="techmarket-bench-"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": reset_database(url, force), "SEARCH_SYNC": "worker"}
    )
    figures: dict = {}
    with app.app_context():
        upgrade()
        if trace:
            tracemalloc.start()
        start = time.perf_counter()
        report = import_file(db.session, "listings", data, data.name, publish=True)
        figures["first_seconds"] = time.perf_counter() - start
        if trace:
            figures["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        figures["first"] = report
        if second_pass:
            start = time.perf_counter()
            figures["second"] = import_file(db.session, "listings", data, data.name, publish=True)
            figures["second_seconds"] = time.perf_counter() - start
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="lines to generate")
    parser.add_argument("--repeat", type=int, default=1, help="first-pass runs on fresh DBs")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a temp SQLite file)")
    parser.add_argument("--force", action="store_true", help="empty a database not named *bench*")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations (slower)"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="techmarket-bench-"))
    data = workdir / "patents.jsonl"
    generate(data, args.n)
    size_mb = data.stat().st_size / 2**20
    print(f"data: {args.n} lines, {size_mb:.1f} MiB ({data})")
    backend = "postgresql" if args.database_url else "sqlite"

    rates = []
    for run in range(args.repeat):
        url = args.database_url or f"sqlite:///{workdir / f'bench-{run}.sqlite3'}"
        figures = run_once(data, url, args.force, second_pass=run == 0, trace=args.tracemalloc)
        first = figures["first"]
        rate = first.total / figures["first_seconds"]
        rates.append(rate)
        print(
            f"[{backend}] run {run + 1}: first pass {figures['first_seconds']:.1f} s,"
            f" {rate:,.0f} records/s (created {first.created}, failed {first.failed})"
        )
        if "tracemalloc_peak_mb" in figures:
            print(f"  tracemalloc peak: {figures['tracemalloc_peak_mb']:.1f} MiB")
        if "second" in figures:
            second = figures["second"]
            print(
                f"  second pass {figures['second_seconds']:.1f} s,"
                f" {second.total / figures['second_seconds']:,.0f} records/s"
                f" (created {second.created}, updated {second.updated},"
                f" unchanged {second.unchanged}, failed {second.failed})"
            )
            if second.created or second.updated:
                print("  ERROR: the second pass should create and update nothing")
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if len(rates) > 1:
        print(
            f"first pass over {len(rates)} runs: median {statistics.median(rates):,.0f}"
            f" records/s (min {min(rates):,.0f}, max {max(rates):,.0f})"
        )
    print(f"peak RSS of the process: {maxrss_mb:.0f} MiB")


if __name__ == "__main__":
    main()

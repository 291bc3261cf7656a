"""Which vector features a search server answers, one line each (search/vectors.py relies
on the ones marked "used").

    .venv/bin/python bench/vector_probe.py [--url http://127.0.0.1:9200]

Without --url it starts noida-db on a free loopback port and removes it afterwards.
Run it against a real Elasticsearch 8 before trusting noida-db's answers for a new feature.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from elasticsearch import ApiError, Elasticsearch

INDEX = "vector-probe"
Q = [1.0, 0.0, 0.0]
DOCS = {
    "a": ([1.0, 0.0, 0.0], "x", 10),
    "b": ([0.9, 0.1, 0.0], "y", 20),
    "c": ([0.0, 1.0, 0.0], "x", 30),
    "d": ([0.7, 0.7, 0.0], "x", 40),
    "e": (None, "x", 5),
}


@contextmanager
def noida() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tempfile.mkdtemp(prefix="vector-probe-")
    binary = shutil.which("noida-db") or str(Path(sys.executable).with_name("noida-db"))
    args = ["start", "--data-dir", data, "--only", "elasticsearch"]
    proc = subprocess.Popen(
        [binary, *args, "--elasticsearch-port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the wrapper and the server it runs: one group to stop
        # A background job inherits an ignored SIGINT; noida-db must get it to stop cleanly.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # SIGTERM to the wrapper alone leaves the server
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(data, ignore_errors=True)


def hits(response) -> list[str]:
    return [h["_id"] for h in response["hits"]["hits"]]


def checks(es: Elasticsearch) -> list[tuple[str, str, Callable[[], object]]]:
    """(what, whether search/ uses it, a call returning what to print)."""

    def knn(**extra):
        return es.search(index=INDEX, knn={"field": "v", "query_vector": Q, **extra}, source=False)

    def script(source: str):
        query = {"exists": {"field": "v"}}
        body = {"script_score": {"query": query, "script": {"source": source, "params": {"q": Q}}}}
        return hits(es.search(index=INDEX, query=body, source=False))

    mode_x = {"term": {"mode": "x"}}
    cheap = {"bool": {"must_not": [{"range": {"price": {"gt": 35}}}]}}
    return [
        ("knn top level", "used", lambda: hits(knn(k=3, num_candidates=10))),
        ("knn score = (1+cos)/2", "used", lambda: knn(k=2, num_candidates=10)["hits"]["hits"]),
        ("knn filter (one)", "used", lambda: hits(knn(k=3, num_candidates=10, filter=mode_x))),
        (
            "knn filter (list, bool must_not)",
            "used",
            lambda: hits(knn(k=3, num_candidates=10, filter=[mode_x, cheap])),
        ),
        (
            "knn similarity (cosine floor)",
            "",
            lambda: hits(knn(k=5, num_candidates=10, similarity=0.8)),
        ),
        (
            "knn beside query (scores add)",
            "",
            lambda: hits(
                es.search(
                    index=INDEX,
                    knn={"field": "v", "query_vector": Q, "k": 2, "num_candidates": 10},
                    query={"term": {"mode": "y"}},
                    source=False,
                )
            ),
        ),
        (
            "knn query inside bool (ES ≥ 8.12)",
            "",
            lambda: hits(
                es.search(
                    index=INDEX,
                    query={"knn": {"field": "v", "query_vector": Q, "num_candidates": 10}},
                    size=3,
                    source=False,
                )
            ),
        ),
        (
            "script_score cosineSimilarity",
            "",
            lambda: script("cosineSimilarity(params.q, 'v') + 1.0"),
        ),
        ("script_score dotProduct", "", lambda: script("dotProduct(params.q, 'v') + 1.0")),
        (
            "rank.rrf (ES: paid licence)",
            "never",
            lambda: hits(
                es.search(
                    index=INDEX,
                    knn={"field": "v", "query_vector": Q, "k": 3, "num_candidates": 10},
                    query={"term": {"mode": "x"}},
                    rank={"rrf": {}},
                    source=False,
                )
            ),
        ),
        (
            "num_candidates > 10000 refused",
            "",
            lambda: hits(knn(k=3, num_candidates=10_001)),
        ),
        (
            "zero vector refused (cosine)",
            "",
            lambda: es.index(index=INDEX, document={"v": [0, 0, 0]}),
        ),
        ("_source.excludes: get gives", "", lambda: es.get(index=INDEX + "-ex", id="a")["_source"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server; default: start noida-db")
    args = parser.parse_args()
    with noida() if args.url is None else _given(args.url) as url:
        es = Elasticsearch(url, request_timeout=30)
        print(f"{url}: version {es.info()['version']['number']}")
        es.options(ignore_status=404).indices.delete(index=[INDEX, INDEX + "-ex"])
        vector = {"type": "dense_vector", "dims": 3, "index": True, "similarity": "cosine"}
        properties = {"v": vector, "mode": {"type": "keyword"}, "price": {"type": "long"}}
        es.indices.create(index=INDEX, mappings={"dynamic": "strict", "properties": properties})
        es.indices.create(
            index=INDEX + "-ex", mappings={"_source": {"excludes": ["v"]}, "properties": properties}
        )
        es.index(index=INDEX + "-ex", id="a", document={"v": Q}, refresh=True)
        for doc_id, (v, mode, price) in DOCS.items():
            source = {"mode": mode, "price": price} | ({"v": v} if v else {})
            es.index(index=INDEX, id=doc_id, document=source)
        es.indices.refresh(index=INDEX)
        print("mapping:", es.indices.get_mapping(index=INDEX)[INDEX]["mappings"]["properties"]["v"])
        for what, used, call in checks(es):
            try:
                result = f"ok     {call()}"
            except ApiError as exc:
                result = f"error  {exc.meta.status} {str(exc.body.get('error', {}).get('reason', ''))[:90]}"
            print(f"{what:36} {used:6} {result[:150]}")
        es.indices.delete(index=[INDEX, INDEX + "-ex"])
    return 0


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


if __name__ == "__main__":
    sys.exit(main())

"""Index lifecycle: create, write in bulk, reindex into a new version, swap the alias."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from elasticsearch import Elasticsearch, NotFoundError, helpers

from search.analysis import index_settings
from search.client import IndexNames
from search.mappings import mappings

if TYPE_CHECKING:
    from search.embedding import Embedder

CHUNK = 500
_DONE = object()
META_TTL = 30.0  # seconds an index's embedding model is remembered (a reindex elsewhere)


@dataclass
class BulkResult:
    ok: set[str] = field(default_factory=set)  # doc ids Elasticsearch acknowledged
    failed: dict[str, str] = field(default_factory=dict)  # doc id → reason


class SearchIndex:
    def __init__(
        self,
        client: Elasticsearch,
        names: IndexNames,
        *,
        replicas: int = 0,
        embedder: Embedder | None = None,
    ):
        self.client = client
        self.names = names
        self.replicas = replicas
        self.embedder = embedder  # new indexes get its dense_vector field (search.mappings)
        self._models: dict[str, tuple[float, str | None]] = {}  # alias → (when, model)

    # -- indexes and aliases -------------------------------------------------
    def current_index(self, doc_type: str) -> str | None:
        try:
            found = self.client.indices.get_alias(name=self.names.alias(doc_type))
        except NotFoundError:
            return None
        return sorted(found.body)[-1] if found.body else None

    def versions(self, doc_type: str) -> list[str]:
        try:
            found = self.client.indices.get(index=self.names.alias(doc_type) + "-v*")
        except NotFoundError:
            return []
        return sorted(
            (i for i in found.body if self.names.version_of(doc_type, i) is not None),
            key=lambda i: self.names.version_of(doc_type, i),
        )

    def embedding_model(self, doc_type: str) -> str | None:
        """The model whose vectors the index behind the alias holds (its mapping's
        ``_meta``), None when it has no vector field or there is no index. Remembered for
        META_TTL seconds: searches ask on every request."""
        alias = self.names.alias(doc_type)
        now = time.monotonic()
        known = self._models.get(alias)
        if known is not None and now - known[0] < META_TTL:
            return known[1]
        try:
            found = self.client.indices.get_mapping(index=alias).body
        except NotFoundError:
            found = {}
        models = {
            (m.get("mappings", {}).get("_meta") or {}).get("embedding_model")
            for m in found.values()
        }
        model = models.pop() if len(models) == 1 else None
        self._models[alias] = (now, model)
        return model

    def vectors_usable(self, doc_type: str) -> bool:
        """Documents may carry, and queries may use, this embedder's vectors: the index
        behind the alias was built for its model (else a reindex is due)."""
        return self.embedder is not None and self.embedding_model(doc_type) == (
            self.embedder.model_id
        )

    def create_index(self, doc_type: str, version: int) -> str:
        name = self.names.versioned(doc_type, version)
        self.client.indices.create(
            index=name,
            settings=index_settings(replicas=self.replicas),
            mappings=mappings(doc_type, self.embedder),
        )
        return name

    def ensure(self, doc_type: str) -> str:
        """The index behind the alias, created (as v1) if there is none."""
        current = self.current_index(doc_type)
        if current:
            return current
        versions = self.versions(doc_type)
        version = (self.names.version_of(doc_type, versions[-1]) or 0) + 1 if versions else 1
        name = self.create_index(doc_type, version)
        self.client.indices.update_aliases(
            actions=[{"add": {"index": name, "alias": self.names.alias(doc_type)}}]
        )
        self._models.pop(self.names.alias(doc_type), None)
        return name

    def swap_alias(self, doc_type: str, new_index: str) -> str | None:
        """Point the alias at ``new_index`` in one atomic request; return the old index."""
        alias = self.names.alias(doc_type)
        old = self.current_index(doc_type)
        actions: list[dict[str, Any]] = [{"add": {"index": new_index, "alias": alias}}]
        if old and old != new_index:
            actions.insert(0, {"remove": {"index": old, "alias": alias}})
        self.client.indices.update_aliases(actions=actions)
        self._models.pop(alias, None)
        return old

    # -- documents -----------------------------------------------------------
    def bulk(
        self, index: str, actions: Iterable[dict[str, Any]], refresh: bool = False
    ) -> BulkResult:
        """Send index/delete actions; report which doc ids were acknowledged.

        Each action is ``{"_op_type": "index"|"delete", "_id", "_version"?, "_source"?}``;
        the version is the database row's version (external_gte), so a late, stale write
        never overwrites a newer one: its 409 counts as acknowledged.

        The caller's thread produces the actions (database reads, segmentation) while a
        sender thread streams them to Elasticsearch, so building the next chunk overlaps
        with the server indexing the current one.
        """
        result = BulkResult()
        pending: queue.Queue = queue.Queue(maxsize=2 * CHUNK)
        failure: list[BaseException] = []

        finished = threading.Event()  # the producer's end marker was taken off the queue

        def from_queue() -> Iterator[dict[str, Any]]:
            while (item := pending.get()) is not _DONE:
                yield item
            finished.set()

        def send() -> None:
            try:
                for ok, item in helpers.streaming_bulk(
                    self.client,
                    from_queue(),
                    raise_on_error=False,
                    raise_on_exception=True,
                    chunk_size=CHUNK,
                    refresh=refresh,
                ):
                    ((op, info),) = item.items()
                    doc_id = str(info.get("_id"))
                    status = info.get("status", 500)
                    if ok or status == 409 or (op == "delete" and status == 404):
                        result.ok.add(doc_id)
                    else:
                        result.failed[doc_id] = str(info.get("error", status))[:500]
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                failure.append(exc)
                while not finished.is_set() and pending.get() is not _DONE:
                    pass  # drain so the producer never blocks on a full queue

        sender = threading.Thread(target=send, name="search-bulk", daemon=True)
        sender.start()
        try:
            for action in actions:
                if failure:
                    break
                if "_version" in action:
                    action = {**action, "version_type": "external_gte"}
                pending.put({**action, "_index": index})
        finally:
            pending.put(_DONE)
            sender.join()
        if failure:
            raise failure[0]
        return result

    def refresh(self, doc_type: str) -> None:
        self.client.indices.refresh(index=self.names.alias(doc_type))

    def reindex(
        self,
        doc_type: str,
        documents: Callable[[], Iterator[tuple[str, int, dict[str, Any]]]],
        progress: Callable[[int], None] | None = None,
    ) -> tuple[str, str | None, int]:
        """Build a new version from ``documents()`` (id, version, source), swap the alias,
        delete the old index. Searches keep answering from the old index until the swap."""
        versions = self.versions(doc_type)
        latest = max((self.names.version_of(doc_type, v) or 0 for v in versions), default=0)
        new_index = self.create_index(doc_type, latest + 1)
        count = 0

        def actions():
            nonlocal count
            for doc_id, version, source in documents():
                count += 1
                if progress:
                    progress(1)
                yield {"_op_type": "index", "_id": doc_id, "_version": version, "_source": source}

        result = self.bulk(new_index, actions())
        if result.failed:
            self.client.indices.delete(index=new_index)
            sample = next(iter(result.failed.items()))
            raise RuntimeError(f"{len(result.failed)} documents failed, e.g. {sample}")
        self.client.indices.refresh(index=new_index)
        old = self.swap_alias(doc_type, new_index)
        if old and old != new_index:
            self.client.indices.delete(index=old)
        return new_index, old, count

    def count(self, doc_type: str) -> int:
        try:
            return int(self.client.count(index=self.names.alias(doc_type))["count"])
        except NotFoundError:
            return 0

    def ids(self, doc_type: str) -> dict[str, int]:
        """Every doc id in the alias with its version (for status and consistency checks)."""
        found: dict[str, int] = {}
        for hit in helpers.scan(
            self.client,
            index=self.names.alias(doc_type),
            query={"query": {"match_all": {}}},
            _source=False,
            version=True,
        ):
            found[hit["_id"]] = hit.get("_version", 0)
        return found

"""The Elasticsearch client and index naming, configured from the app's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from elasticsearch import Elasticsearch

DOC_TYPES = ("listings", "demands")


def make_client(config: Mapping[str, Any]) -> Elasticsearch:
    """Client for ELASTICSEARCH_URL; API key or basic auth and a CA certificate in production."""
    options: dict[str, Any] = {
        "request_timeout": float(config.get("ELASTICSEARCH_TIMEOUT", 10)),
        "max_retries": int(config.get("ELASTICSEARCH_MAX_RETRIES", 1)),
        "retry_on_timeout": False,
    }
    if config.get("ELASTICSEARCH_API_KEY"):
        options["api_key"] = config["ELASTICSEARCH_API_KEY"]
    elif config.get("ELASTICSEARCH_USERNAME"):
        options["basic_auth"] = (
            config["ELASTICSEARCH_USERNAME"],
            config.get("ELASTICSEARCH_PASSWORD", ""),
        )
    if config.get("ELASTICSEARCH_CA_CERTS"):
        options["ca_certs"] = config["ELASTICSEARCH_CA_CERTS"]
    return Elasticsearch(config["ELASTICSEARCH_URL"], **options)


class IndexNames:
    """``<prefix>-listings`` is the alias; ``<prefix>-listings-v<N>`` are the real indexes."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def alias(self, doc_type: str) -> str:
        return f"{self.prefix}-{doc_type}"

    def versioned(self, doc_type: str, version: int) -> str:
        return f"{self.alias(doc_type)}-v{version}"

    def version_of(self, doc_type: str, index: str) -> int | None:
        stem = self.alias(doc_type) + "-v"
        if index.startswith(stem) and index[len(stem) :].isdigit():
            return int(index[len(stem) :])
        return None

"""The app's Elasticsearch index accessor: one SearchIndex per app, built from its
configuration on first use, with the app's embedder (new indexes get its vector field).
Everything in discovery that speaks to the index gets it here."""

from __future__ import annotations

from elasticsearch import ApiError, TransportError
from flask import Flask, current_app

from marketplace.discovery.vectors import app_embedder
from search.client import IndexNames, make_client
from search.indexes import SearchIndex

# What an unreachable or refusing cluster raises; callers degrade or back off on these.
SEARCH_ERRORS = (TransportError, ApiError, ConnectionError, OSError)


def search_index(app: Flask | None = None) -> SearchIndex:
    app = app or current_app._get_current_object()
    index = app.extensions.get("search_index")
    if index is None:
        index = SearchIndex(
            make_client(app.config),
            IndexNames(app.config["ELASTICSEARCH_INDEX_PREFIX"]),
            replicas=int(app.config.get("ELASTICSEARCH_REPLICAS", 0)),
            embedder=app_embedder(app),
        )
        app.extensions["search_index"] = index
    return index

"""The OpenAPI 3.1 description of the HTTP API (served at `/openapi.json`)."""

from __future__ import annotations

from typing import Any

from ltgraph import __version__
from ltgraph.config import Settings
from ltgraph.corpus import ENTRY_TYPES, EVIDENCE_GRADES, ROLES
from ltgraph.corpus import KINDS as _KINDS
from ltgraph.retrieval.intent import TYPES
from ltgraph.retrieval.search import MAX_K, MAX_QUESTION_CHARS
from ltgraph.sparql.results import GRAPH_TYPES, SELECT_TYPES

KINDS = list(_KINDS)  # one list: the corpus's sections decide the kinds


def _problem_responses(*codes: int) -> dict[str, Any]:
    titles = {400: "Bad request", 403: "Forbidden", 404: "Not found", 413: "Body too large",
              415: "Unsupported media type", 422: "Unprocessable", 503: "Data not ready"}
    return {str(c): {"description": titles.get(c, "Error"),
                     "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for c in codes}


def _param(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


QUESTION = {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": "\\S"}


def _search_params(slugs: list[str]) -> list[dict[str, Any]]:
    return [
        _param("q", QUESTION, f"The question, in plain language (at most {MAX_QUESTION_CHARS} characters).", True),
        _param("k", {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": 10}, "Number of results."),
        _param("theory", {"type": "string", "enum": ["", *slugs]},
               "Only passages of this entry (slug); empty means all."),
        _param("kind", {"type": "string", "enum": ["", *KINDS]}, "Only passages of this kind."),
        _param("type", {"type": "string", "enum": ["", *ENTRY_TYPES]}, "Only entries of this type."),
    ]


SPARQL_PARAMS = [
    _param("query", {"type": "string", "minLength": 1, "pattern": "\\S"},
           "A SPARQL 1.1 query (read-only). The server refuses request lines over 8190 bytes "
           f"(414): send longer queries by POST, up to {Settings.sparql_max_query_bytes} bytes by "
           "default (LTGRAPH_SPARQL_MAX_QUERY_BYTES)."),
    _param("format", {"type": "string", "enum": [*SELECT_TYPES, *GRAPH_TYPES]},
           "Result format, overriding the Accept header (for browsers)."),
]

SPARQL_RESULTS = {
    "description": "Query results: SELECT/ASK in the W3C results formats, CONSTRUCT/DESCRIBE as RDF. "
                   "X-Result-Truncated: true when the row limit cut the result.",
    "headers": {
        "X-Result-Rows": {"schema": {"type": "integer"}, "description": "Rows (or triples) returned."},
        "X-Result-Truncated": {"schema": {"type": "string", "enum": ["true"]},
                               "description": "Present when the row limit was reached."},
    },
    "content": {m: {"schema": {}} for m in [
        "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
        "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json",
        "application/rdf+xml",
        "text/html",  # GET without a query, from a browser: the query console
    ]},
}


def openapi_document(slugs: list[str]) -> dict[str, Any]:
    """The document; `slugs` (the live entries) enumerate valid `theory` filters."""
    def ref(name: str) -> dict[str, Any]:
        return {"$ref": f"#/components/schemas/{name}"}

    def json_of(schema: dict[str, Any]) -> dict[str, Any]:
        return {"application/json": {"schema": schema}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "ltgraph", "version": __version__,
                 "description": "Knowledge graph and semantic search over learning theories and "
                                "instructional-design models.",
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "paths": {
            "/api/search": {
                "get": {"summary": "Search passages with a natural-language question",
                        "operationId": "searchGet", "parameters": _search_params(slugs),
                        "responses": {"200": {"description": "Ranked passages, entities and an answer",
                                              "content": json_of(ref("SearchResponse"))},
                                      **_problem_responses(400, 503)}},
                "post": {"summary": "Search (JSON body)", "operationId": "searchPost",
                         "requestBody": {"required": True, "content": json_of(_search_request(slugs))},
                         "responses": {"200": {"description": "Ranked passages, entities and an answer",
                                               "content": json_of(ref("SearchResponse"))},
                                       **_problem_responses(400, 413, 503)}},
            },
            "/api/theories": {
                "get": {"summary": "List entries", "operationId": "listTheories",
                        "parameters": [_param("type", {"type": "string", "enum": list(ENTRY_TYPES)},
                                              "Only entries of this type.")],
                        "responses": {"200": {"description": "Entries",
                                              "content": json_of({"type": "array", "items": ref("EntrySummary")})},
                                      **_problem_responses(400, 503)}},
            },
            "/api/theories/{slug}": {
                "get": {"summary": "One entry, whole, with IRIs", "operationId": "getTheory",
                        "parameters": [{"name": "slug", "in": "path", "required": True,
                                        "schema": {"type": "string"},
                                        "examples": {"connectivism": {"value": "connectivism"}}}],
                        "responses": {"200": {"description": "The entry", "content": json_of(ref("Entry"))},
                                      **_problem_responses(404, 503)}},
            },
            "/api/graph": {
                "get": {"summary": "Nodes and edges of the whole graph (the explorer's data)",
                        "operationId": "graph",
                        "responses": {"200": {"description": "Entries and people as nodes (with the "
                                                             "server picture's positions), relations "
                                                             "and roles as edges",
                                              "content": json_of(ref("GraphData"))},
                                      **_problem_responses(503)}},
            },
            "/api/health": {
                "get": {"summary": "Counts and consistency of the live data", "operationId": "health",
                        "responses": {"200": {"description": "Health", "content": json_of(ref("Health"))},
                                      **_problem_responses(503)}},
            },
            "/sparql": {
                "get": {"summary": "SPARQL 1.1 Protocol query (read-only)", "operationId": "sparqlGet",
                        "parameters": SPARQL_PARAMS,
                        "responses": {"200": SPARQL_RESULTS, **_problem_responses(400, 403, 503),
                                      "414": {"description": "Request line over 8190 bytes (from "
                                                             "the HTTP server; use POST)",
                                              "content": {"text/html": {"schema": {}}}}}},
                "post": {"summary": "SPARQL 1.1 Protocol query by POST (read-only)",
                         "operationId": "sparqlPost",
                         "requestBody": {"required": True, "content": {
                             "application/sparql-query": {"schema": {"type": "string", "minLength": 1,
                                                                     "pattern": "\\S"}},
                             "application/x-www-form-urlencoded": {"schema": {
                                 "type": "object",
                                 "properties": {"query": {"type": "string", "minLength": 1, "pattern": "\\S"}},
                                 "required": ["query"]}}}},
                         "responses": {"200": SPARQL_RESULTS,
                                       **_problem_responses(400, 403, 413, 415, 503)}},
            },
        },
        "components": {"schemas": SCHEMAS},
    }


def _search_request(slugs: list[str]) -> dict[str, Any]:
    return {"type": "object", "required": ["q"], "additionalProperties": False, "properties": {
        "q": QUESTION,
        "k": {"type": "integer", "minimum": 1, "maximum": MAX_K},
        "theory": {"enum": [None, "", *slugs]},
        "kind": {"enum": [None, "", *KINDS]},
        "type": {"enum": [None, "", *ENTRY_TYPES]}}}


_IRI = {"type": "string", "format": "uri"}
SCHEMAS: dict[str, Any] = {
    "Problem": {"type": "object", "required": ["type", "title", "status", "detail"],
                "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                               "status": {"type": "integer"}, "detail": {"type": "string"}}},
    "Hit": {"type": "object", "required": ["theory", "theory_iri", "theory_label", "kind", "item_iri",
                                           "label", "text", "score"],
            "properties": {"theory": {"type": "string"}, "theory_iri": _IRI,
                           "theory_label": {"type": "string"}, "type": {"type": "string"},
                           "kind": {"type": "string", "enum": KINDS}, "item_iri": _IRI,
                           "passage_iri": _IRI, "label": {"type": "string"},
                           "text": {"type": "string"}, "score": {"type": "number"}}},
    "Answer": {"type": "object", "required": ["kind", "text", "subject", "facts", "links", "evidence",
                                              "sources"],
               "properties": {"kind": {"type": "string",
                                       "enum": ["fact", "comparison", "description", "situation"]},
                              "text": {"type": "string", "description": "Plain sentences"},
                              "subject": _IRI,
                              "facts": {"type": "array", "items": {"type": "object"}},
                              "links": {"type": "array", "description": "Names in the text, with IRIs",
                                        "items": {"type": "object", "properties": {
                                            "text": {"type": "string"}, "iri": _IRI}}},
                              "evidence": {"type": "array", "items": {"type": "object", "properties": {
                                  "iri": _IRI, "title": {"type": "string"}}}},
                              "sources": {"type": "array", "items": {"type": "string"}},
                              "entries": {"type": "array", "items": _IRI},
                              "compare_url": {"type": "string",
                                              "description": "Comparisons: the compare page"}}},
    "SearchResponse": {"type": "object", "required": ["query", "did_you_mean", "match", "results",
                                                      "entities", "answer", "intent", "took_ms"],
                       "properties": {"query": {"type": "string"},
                                      "did_you_mean": {"type": ["string", "null"],
                                                       "description": "The question as searched, "
                                                       "when a misspelled name was corrected"},
                                      "match": {"type": "string", "enum": ["strong", "weak", "none"],
                                                "description": "How well the corpus answers the "
                                                "question; none: off-topic or nonsense"},
                                      "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                                      "entities": {"type": "array", "items": {"type": "object"}},
                                      "answer": {"oneOf": [{"$ref": "#/components/schemas/Answer"},
                                                           {"type": "null"}]},
                                      "intent": {"type": "object", "properties": {
                                          "type": {"type": "string", "enum": list(TYPES)},
                                          "kinds": {"type": "array",
                                                    "items": {"type": "string", "enum": KINDS}}}},
                                      "took_ms": {"type": "number"}}},
    "EntrySummary": {"type": "object", "required": ["id", "iri", "name", "type", "year", "researchers"],
                     "properties": {"id": {"type": "string"}, "iri": _IRI, "name": {"type": "string"},
                                    "type": {"type": "string", "enum": list(ENTRY_TYPES)},
                                    "year": {"type": "integer"},
                                    "aliases": {"type": "array", "items": {"type": "string"}},
                                    "researchers": {"type": "array", "items": {"type": "object"}},
                                    "evidence": {"enum": [None, *EVIDENCE_GRADES]}}},
    "Entry": {"type": "object", "required": ["id", "iri", "name", "type", "year", "overview",
                                             "researchers", "seminal_works", "related"],
              "properties": {"id": {"type": "string"}, "iri": _IRI, "name": {"type": "string"},
                             "type": {"type": "string"}, "year": {"type": "integer"},
                             "overview": {"type": "array", "items": {"type": "string"}},
                             "researchers": {"type": "array", "items": {
                                 "type": "object", "properties": {
                                     "role": {"type": "string", "enum": list(ROLES)}}}},
                             "seminal_works": {"type": "array"}, "related": {"type": "array"},
                             "evidence": {"oneOf": [{"type": "null"}, {
                                 "type": "object", "required": ["grade", "summary", "sources"],
                                 "properties": {"grade": {"enum": list(EVIDENCE_GRADES)}}}]},
                             "revisions": {"type": "array"}}},
    "GraphData": {"type": "object", "required": ["nodes", "edges", "relations"], "properties": {
        "nodes": {"type": "array", "items": {"type": "object", "required": ["id", "label", "kind", "href"],
                                             "properties": {"kind": {"enum": [*ENTRY_TYPES, "person"]}}}},
        "edges": {"type": "array", "items": {"type": "object", "required": ["source", "target", "relation"]}},
        "relations": {"type": "object"}}},
    "Health": {"type": "object", "required": ["status", "generation", "entries", "triples", "passages",
                                              "vectors", "model", "consistent"],
               "properties": {"status": {"type": "string", "enum": ["ok", "inconsistent"]},
                              "generation": {"type": "string"}, "entries": {"type": "integer"},
                              "triples": {"type": "integer"}, "passages": {"type": "integer"},
                              "vectors": {"type": "integer"}, "keyword_documents": {"type": "integer"},
                              "model": {"type": "string"}, "index": {"type": "string"},
                              "consistent": {"type": "boolean"}}},
}

"""The graph on a SPARQL 1.1 server (`LTGRAPH_GRAPH_URL`): mirrored by writers, queried by `/sparql`.

The data directory stays the source of what is served; a configured server holds the same
named graphs (one per entry, plus the ontology's) and answers the public SPARQL endpoint, so
operators can run, back up and replicate it like any other store. Consistency model:

- A writer (one at a time: the data directory's lock) publishes a generation, then sends
  **one SPARQL Update request** that drops and re-inserts exactly the named graphs whose
  content changed and drops those of removed entries. A SPARQL server applies one Update
  request as a whole (Oxigraph: one transaction), so a reader sees an entry's statements
  entirely old or entirely new, never torn. Only a push over `UPDATE_BYTES` (the full load
  of a corpus of thousands of entries; servers cap a request's size) goes in several
  requests, each replacing whole graphs: then entries change one batch after another.
- What was last pushed (generation, and a digest per named graph) is recorded in PostgreSQL
  when it is configured (every writer host then knows), else in the data directory
  (`graph-server.json`); the next push sends only the difference from it (for a delta
  generation, worked out from the change alone: `graph_delta`). A push
  that fails leaves the record as it was, so the next write or `ltgraph migrate --to-server`
  sends everything still missing; `ltgraph doctor` compares the server's triple count per
  named graph with the generation's.
- The server must see the union of the named graphs as its default graph (Oxigraph: the
  `union-default-graph` query parameter, sent on every query; Fuseki: `tdb2:unionDefaultGraph`).
  Servers differ on whether a statement in two graphs then counts once or twice (Oxigraph:
  twice), so each statement is in exactly one graph: those several entries make (a person's
  name, a tool, a symmetric link) are in `…/graph/shared`, sent again whenever they change.

Only stdlib HTTP here (`urllib`): requests carry a timeout, responses a size cap.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ltgraph.config import Settings
from ltgraph.errors import DataDirError, QueryError, QueryTimeout
from ltgraph.rdf.iris import Iris
from ltgraph.store.datadir import MANIFEST, Manifest
from ltgraph.store.graph_delta import generation_graphs, server_graphs

RECORD = "graph-server.json"


class Refused(QueryError):
    """The server answered with an HTTP error: its status and its own words."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(f"the graph server refused the request ({code}): {detail}")
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class GraphServer:
    """A SPARQL 1.1 server: its base URL and the paths of its query and update endpoints."""

    url: str
    query_path: str = "/query"
    update_path: str = "/update"
    timeout: float = 30.0

    @classmethod
    def of(cls, settings: Settings, timeout: float = 30.0) -> GraphServer:
        """The graph server the settings name (`LTGRAPH_GRAPH_URL` and its endpoint paths)."""
        return cls(settings.graph_url, settings.graph_query_path, settings.graph_update_path, timeout)

    def _post(self, path: str, body: bytes, content_type: str, accept: str = "*/*",
              params: dict[str, str] | None = None, max_bytes: int = 64 * 1024 * 1024,
              query: bool = False) -> tuple[bytes, str]:
        target = self.url.rstrip("/") + path + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(target, data=body, method="POST",
                                         headers={"Content-Type": content_type, "Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data: bytes = response.read(max_bytes + 1)
                media = str(response.headers.get("Content-Type", "")).split(";")[0].strip()
        except urllib.error.HTTPError as exc:
            raise Refused(exc.code, exc.read(2000).decode("utf-8", "replace").strip()) from None
        except TimeoutError:  # connected, but no answer in time: the query ran too long
            if query:
                raise QueryTimeout(f"the query took longer than the time limit of {self.timeout:g} s "
                                   "and was stopped; add LIMIT or narrow its patterns") from None
            raise DataDirError(f"the graph server at {self.url} did not answer within "
                               f"{self.timeout:g} s; check that it runs") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DataDirError(f"the graph server at {self.url} did not answer ({reason}); check "
                               "LTGRAPH_GRAPH_URL and that the server runs") from None
        if len(data) > max_bytes:
            raise QueryError(f"the graph server's answer is over {max_bytes} bytes; add a LIMIT")
        return data, media

    def update(self, text: str) -> None:
        self._post(self.update_path, text.encode("utf-8"), "application/sparql-update")

    def query(self, text: str, accept: str, max_bytes: int = 64 * 1024 * 1024) -> tuple[bytes, str]:
        """Run a query over the union of the named graphs: the answer and its media type."""
        return self._post(self.query_path, text.encode("utf-8"), "application/sparql-query",
                          accept, {"union-default-graph": ""}, max_bytes, query=True)

    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph on the server."""
        body, _ = self.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                             "application/sparql-results+json")
        rows = json.loads(body)["results"]["bindings"]
        return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


# --------------------------------------------------------------------------- a generation's graphs


def _record(datadir_root: Path, index_url: str = "") -> dict[str, object]:
    if index_url:
        from ltgraph.store.pg_index import graph_record

        return graph_record(index_url)
    try:
        data: dict[str, object] = json.loads((datadir_root / RECORD).read_text("utf-8"))
        return data
    except (OSError, ValueError):
        return {}


#: The largest Update request sent (Oxigraph's server refuses bodies over 128 MiB).
UPDATE_BYTES = 32 * 1024 * 1024


def push(server: GraphServer, datadir_root: Path, generation: Path, everything: bool = False,
         index_url: str = "") -> dict[str, int]:
    """Bring the server to `generation`; returns what it changed.

    Only named graphs whose digest differs from the last successful push are sent (all of
    them with `everything`, after dropping every graph on the server the generation does not
    have). A change goes in one Update request; one over `UPDATE_BYTES` (a full load of a
    large corpus) in several, each replacing whole graphs, the shared graph last.

    What was pushed is recorded in PostgreSQL when `index_url` is given (writers on every host
    then know what the server holds), else in the data directory: before sending, as pending
    beside what the server held; after, as what it holds. A writer killed in between leaves
    both, and the next push sends every graph either one leaves in doubt.
    """
    graphs = server_graphs(generation)
    wanted = graphs.digests
    record = _record(datadir_root, index_url)
    same = record.get("url") == server.url and not everything
    known = _graphs(record.get("graphs")) if same else {}
    pending = _doubts(record.get("pending")) if same else {}  # graph -> digests it may hold
    if not known:
        removed = sorted(set(server.graph_sizes()) - set(wanted))
    else:
        removed = sorted(name for name in known.keys() | pending.keys() if name not in wanted)
    shared = Iris(Manifest.read(generation / MANIFEST).base_iri).shared_graph
    changed = sorted((name for name, sha in wanted.items()
                      if known.get(name) != sha or any(d != sha for d in pending.get(name, []))),
                     key=lambda name: name == shared)  # the shared graph last
    if known:
        _record_push(server, datadir_root, str(record.get("generation")), known, index_url,
                     pending={name: sorted(set(pending.get(name, [])) | {wanted.get(name, "")})
                              for name in pending.keys() | wanted.keys()})
    parts = [f"DROP SILENT GRAPH <{name}>" for name in removed]
    for name in changed:
        body = " .\n".join(str(t) for t in graphs.content(name))
        parts.append(f"DROP SILENT GRAPH <{name}>"
                     + (f" ;\nINSERT DATA {{ GRAPH <{name}> {{\n{body} .\n}} }}" if body else ""))
    batch: list[str] = []
    size = 0
    for part in parts:
        if batch and size + len(part) > UPDATE_BYTES:
            server.update(" ;\n".join(batch))
            batch, size = [], 0
        batch.append(part)
        size += len(part.encode("utf-8")) + 3
    if batch:
        server.update(" ;\n".join(batch))
    _record_push(server, datadir_root, generation.name, wanted, index_url)
    return {"replaced": len(changed), "removed": len(removed)}


def _graphs(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _doubts(value: object) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {}
    return {str(k): [str(d) for d in v] for k, v in value.items() if isinstance(v, list)}


def _record_push(server: GraphServer, datadir_root: Path, name: str, graphs: dict[str, str],
                 index_url: str = "", pending: dict[str, list[str]] | None = None) -> None:
    record: dict[str, object] = {"url": server.url, "generation": name, "graphs": graphs}
    if pending is not None:
        record["pending"] = pending
    if index_url:
        from ltgraph.store.pg_index import save_graph_record

        save_graph_record(index_url, record)
        return
    staged = datadir_root / (RECORD + ".tmp")  # replaced whole: never half a record
    staged.write_text(json.dumps(record, indent=1), "utf-8")
    os.replace(staged, datadir_root / RECORD)


def compare(server: GraphServer, generation: Path) -> list[str]:
    """Problems between the server and a generation (triples per named graph), in words."""
    graphs = generation_graphs(generation)
    sizes = server.graph_sizes()
    problems = []
    for name, triples in sorted(graphs.items()):
        if sizes.get(name) != len(set(triples)):
            problems.append(f"graph server: {name} holds {sizes.get(name, 0)} triples, the data "
                            f"directory {len(set(triples))}")
    for name in sorted(set(sizes) - set(graphs)):
        problems.append(f"graph server: {name} is not in the data directory's generation")
    return problems

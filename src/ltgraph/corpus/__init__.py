"""The corpus: entry files (Markdown with YAML front matter) to records, and back.

The format is documented in `docs/corpus-format.md`. This package knows nothing of RDF or of
the embedding model: it turns files into `Entry` records and back, and cuts entries into the
`Passage` records that the graph and the indexes share. Every error names the file and line.
"""

from __future__ import annotations

from ltgraph.corpus.files import (
    check_references,
    corpus_hash,
    entry_files,
    listing_hash,
    load_corpus,
    read_bytes,
    read_entry,
)
from ltgraph.corpus.parse import parse_entry
from ltgraph.corpus.records import (
    ENTRY_TYPES,
    EVIDENCE_GRADES,
    EVIDENCE_ITEM,
    ITEM_KINDS,
    KINDS,
    MAX_PASSAGE_CHARS,
    NETWORK_TYPES,
    RELATIONS,
    REQUIRED_SECTIONS,
    ROLES,
    SECTIONS,
    SLUG_RE,
    SYMMETRIC_RELATIONS,
    Entry,
    Evidence,
    Item,
    Passage,
    Person,
    Relation,
    Revision,
    Work,
    names_a_situation,
    passages,
    slugify,
)
from ltgraph.corpus.write import template, write_entry

__all__ = [
    "ENTRY_TYPES", "EVIDENCE_GRADES", "EVIDENCE_ITEM", "ITEM_KINDS", "KINDS", "MAX_PASSAGE_CHARS", "NETWORK_TYPES", "RELATIONS",
    "REQUIRED_SECTIONS", "ROLES", "SECTIONS", "SLUG_RE", "SYMMETRIC_RELATIONS", "Entry", "Evidence", "Item",
    "Passage", "Person", "Relation", "Revision", "Work", "check_references", "corpus_hash", "entry_files", "listing_hash", "names_a_situation",
    "load_corpus", "parse_entry", "passages", "read_bytes", "read_entry", "slugify", "template", "write_entry",
]

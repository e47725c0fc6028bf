"""Builds Wayfinder's own blank English spaCy pipeline: lookup lemmatizer + catalogue entity ruler."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.catalogue import Catalogue

PIPELINE_NAME = "wayfinder_en"
RULER_PIPE = "entity_ruler"


def build_nlp(catalogue: Catalogue):
    """Return an in-memory pipeline whose entity ruler knows every service and problem phrase."""
    import spacy

    nlp = spacy.blank("en")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["description"] = "Blank English + lookup lemmatizer + entity ruler from the service catalogue"
    # Lookup tables come from spacy-lookups-data, installed as a package: no download.
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe(
        "entity_ruler",
        name=RULER_PIPE,
        config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True},
    )
    # initialize() loads the lemma tables (and empties the ruler), so patterns come after it.
    nlp.initialize()
    ruler.add_patterns(catalogue.entity_patterns())
    return nlp


def build_pipeline(catalogue: Catalogue, target: Path) -> Path:
    """Write the pipeline to `target` atomically (a half-written pipeline is never left behind)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp = build_nlp(catalogue)
    staging = Path(tempfile.mkdtemp(prefix=".spacy-", dir=target.parent))
    try:
        nlp.to_disk(staging / "pipeline")
        if target.exists():
            shutil.rmtree(target)
        (staging / "pipeline").rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target

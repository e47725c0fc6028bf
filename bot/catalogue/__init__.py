"""The service catalogue: what the assistant knows of each online service (data/services/)."""

from bot.catalogue.issues import CatalogueError, Issue, Location
from bot.catalogue.loader import load_catalogue
from bot.catalogue.models import (
    Catalogue,
    Completion,
    CompletionField,
    Instruction,
    Problem,
    ProsCons,
    Related,
    Service,
    Step,
)
from bot.catalogue.validate import drift, validate

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Completion",
    "CompletionField",
    "Instruction",
    "Issue",
    "Location",
    "Problem",
    "ProsCons",
    "Related",
    "Service",
    "Step",
    "drift",
    "load_catalogue",
    "validate",
]

"""`python -m bot.catalogue check|patterns`: check the catalogue, or print its NLU patterns."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from bot.catalogue.issues import CatalogueError
from bot.catalogue.loader import DEFAULT_DIRECTORY, load_catalogue
from bot.catalogue.site import SiteError, fetch_site, local_site
from bot.catalogue.validate import drift, validate

OK, ISSUES, CANNOT_CHECK = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.catalogue", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check", help="check the catalogue; one `file:line: message` per issue, exit 1 if any"
    )
    check.add_argument(
        "--dir", default=DEFAULT_DIRECTORY, help="catalogue folder (default: %(default)s)"
    )
    check.add_argument(
        "--portal",
        metavar="URL",
        help="check against this running portal (default: demo_portal in-process)",
    )
    check.add_argument(
        "--timeout", type=float, default=5, help="seconds to wait for the portal (default: 5)"
    )
    check.add_argument("--strict", action="store_true", help="treat drift warnings as issues too")
    patterns = commands.add_parser(
        "patterns", help="print the entity ruler patterns, one JSON object a line"
    )
    patterns.add_argument(
        "--dir", default=DEFAULT_DIRECTORY, help="catalogue folder (default: %(default)s)"
    )
    return parser


def main(argv: list[str] | None = None, site: Mapping[str, Any] | None = None) -> int:
    """Run a command; `site` replaces the portal's site map (for tests)."""
    args = _parser().parse_args(argv)
    if args.command == "patterns":
        return _patterns(args.dir)
    return _check(args.dir, args.portal, args.timeout, args.strict, site)


def _check(
    directory: str, portal: str | None, timeout: float, strict: bool, site: Mapping[str, Any] | None
) -> int:
    try:
        catalogue = load_catalogue(directory)
    except CatalogueError as exc:
        for issue in exc.issues:
            print(issue)
        print(f"the catalogue could not be loaded: {len(exc.issues)} issues")
        return ISSUES
    if site is None:
        try:
            site = fetch_site(portal, timeout=timeout) if portal else local_site()
        except SiteError as exc:
            print(f"cannot check against the portal: {exc}", file=sys.stderr)
            return CANNOT_CHECK
    issues = validate(catalogue, site)
    warnings = drift(catalogue, site)
    for issue in sorted(issues + warnings):
        print(issue)
    failing = len(issues) + (len(warnings) if strict else 0)
    steps = sum(len(s.steps) for s in catalogue.services.values())
    summary = f"{len(catalogue.services)} services, {steps} steps, {len(issues)} issues"
    if warnings:
        summary += f", {len(warnings)} warnings"
    print(summary)
    return ISSUES if failing else OK


def _patterns(directory: str) -> int:
    try:
        patterns = load_catalogue(directory).entity_patterns()
    except CatalogueError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return ISSUES
    for pattern in patterns:
        print(json.dumps(pattern, ensure_ascii=False))
    return OK


if __name__ == "__main__":
    sys.exit(main())

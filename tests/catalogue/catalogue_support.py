"""Test helpers for the catalogue: the portal contract read from the docs, and a small catalogue to break."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES_DIR = ROOT / "data" / "services"
CONTRACT_DOC = ROOT / "docs" / "demo-portal.md"
SYSTEM_CODES = ["SERVICE_UNAVAILABLE", "SERVICE_ERROR"]


def parse_contract(text: str) -> dict[str, list[dict]]:
    """Each service's screens from the contract's tables: id, screen, fields, error codes."""
    services: dict[str, list[dict]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith(("## ", "### ")):
            heading = re.match(r"^### (\w+) —", line)
            current = heading.group(1) if heading else None
            if current:
                services.setdefault(current, [])
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        screens = re.findall(r"`(/[^`]*)`", cells[1]) if len(cells) >= 4 else []
        if current is None or not line.startswith("|") or not screens:
            continue
        services[current].append(
            {
                "id": cells[0],
                "screen": screens[0],
                "fields": re.findall(r"`(#[\w<>-]+)`", cells[2]),
                "error_codes": re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`", cells[3]),
                "fields_as_for": "as for parking" in cells[2],
                "codes_as_for": "as for parking" in cells[3],
            }
        )
    parking_pay = next(r for r in services["apply_parking_permit"] if r["id"] == "pay")
    for rows in services.values():
        for row in rows:
            if row.pop("fields_as_for"):
                row["fields"] = parking_pay["fields"] + row["fields"]
            if row.pop("codes_as_for"):
                row["error_codes"] = parking_pay["error_codes"] + [
                    c for c in row["error_codes"] if c not in parking_pay["error_codes"]
                ]
    return services


def site_from_contract(contract: dict[str, list[dict]]) -> dict:
    """The `GET /api/site` answer the contract describes (with per-step detail)."""
    services, every_code = {}, []
    for service_id, rows in contract.items():
        codes = [c for row in rows for c in row["error_codes"]] + ["SERVICE_UNAVAILABLE"]
        codes = list(dict.fromkeys(codes))
        services[service_id] = {
            "screens": [row["screen"] for row in rows],
            "error_codes": codes,
            "steps": [dict(row) for row in rows],
        }
        every_code.extend(c for c in codes if c not in every_code)
    every_code.extend(c for c in SYSTEM_CODES if c not in every_code)
    return {"services": services, "error_codes": every_code}


# A small catalogue of two services, for breaking one thing at a time.
ALPHA = """\
# A test service.
id: alpha
name: Alpha service
summary: Does alpha things.
synonyms: [alpha thing, do alpha]
start_url: /alpha
done_url: /alpha/done
status_key: alpha
can_complete_for_customer: true
identity_fields: [account_reference, postcode]
completion:
  fields:
    - name: amount
      prompt: How much?
      required: false
  pros_cons:
    self: You will know how next time.
    assisted: We can do it now.
related:
  - service: beta
    benefit: Beta helps too.
steps:
  - id: start
    screen: /alpha
    title: Start alpha
    instruction:
      new: Select the start button.
      familiar: Start.
    why: So you know what you need.
    highlight: "#start-button"
  - id: details
    screen: /alpha/details
    title: Your details
    instruction:
      new: Type your postcode in the box.
      familiar: Enter your postcode.
    why: To find your account.
    highlight: "#postcode"
    problems:
      - id: postcode_invalid
        phrases:
          - alpha postcode not valid
          - postcode is wrong
        error_codes: [POSTCODE_INVALID]
        help: Check the postcode.
problems:
  - id: service_unavailable
    phrases: [alpha is down]
    error_codes: [SERVICE_UNAVAILABLE]
    help: Sorry, it is down.
    system_fault: true
"""

BETA = """\
id: beta
name: Beta service
summary: Does beta things.
synonyms:
  - beta thing
start_url: /beta
done_url: /beta/done
related:
  - service: alpha
    benefit: Alpha helps too.
steps:
  - id: pay
    screen: /beta/pay
    title: Pay
    instruction:
      new: Type your card details.
      familiar: Pay.
    why: To take the payment.
    highlight: "#card-number"
    problems:
      - id: card_declined
        phrases:
          - card declined
        error_codes: [CARD_DECLINED]
        help: Your bank said no; try another card.
"""

MINI_SITE = {
    "services": {
        "alpha": {
            "screens": ["/alpha", "/alpha/details", "/alpha/done"],
            "error_codes": ["POSTCODE_INVALID", "SERVICE_UNAVAILABLE"],
        },
        "beta": {"screens": ["/beta", "/beta/pay", "/beta/done"], "error_codes": ["CARD_DECLINED"]},
    },
    "error_codes": ["POSTCODE_INVALID", "CARD_DECLINED", "SERVICE_UNAVAILABLE"],
}


def line_of(text: str, marker: str, after: str = "") -> int:
    """1-based line of the first line containing `marker` (after the line containing `after`)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i + 1 for i, line in enumerate(lines) if i >= start and marker in line)


class MiniCatalogue:
    """Writes the two-service catalogue to a folder, with edits; knows where each file is."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.texts = {"alpha": ALPHA, "beta": BETA}

    def edit(self, service: str, old: str, new: str) -> str:
        assert old in self.texts[service], f"{old!r} is not in {service}"
        self.texts[service] = self.texts[service].replace(old, new, 1)
        return self.texts[service]

    def write(self) -> Path:
        for name, text in self.texts.items():
            (self.folder / f"{name}.yml").write_text(text, encoding="utf-8")
        return self.folder

    def path(self, service: str) -> str:
        return str(self.folder / f"{service}.yml")

"""The NLU data's self-report features (data/nlu/regexes.yml) point the way the examples do.

"not a newbie" and "not very techy" share words with the opposite kind of self-report; the
`says_familiar` and `says_new` regex features tell DIET which way a message points. A feature that
fired on the opposite kind of example would teach DIET the confusion it is there to prevent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).resolve().parents[2] / "data" / "nlu"
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")


def regexes() -> dict[str, list[re.Pattern]]:
    found = {}
    for item in yaml.safe_load((DATA / "regexes.yml").read_text())["nlu"]:
        if str(item.get("regex", "")).startswith("says_"):
            found[item["regex"]] = [re.compile(line[2:], re.IGNORECASE)
                                    for line in item["examples"].splitlines() if line.startswith("- ")]
    return found


def examples(intent: str) -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.yml")):
        for item in yaml.safe_load(path.read_text()).get("nlu") or []:
            if item.get("intent") == intent:
                texts += [ANNOTATION.sub(r"\1", line.strip()[2:]) for line in item["examples"].splitlines()
                          if line.strip().startswith("- ")]
    return texts


def fires(patterns: list[re.Pattern], text: str) -> bool:
    return any(p.search(text) for p in patterns)


@pytest.mark.parametrize("intent, own, opposite", [
    ("express_new_user", "says_new", "says_familiar"),
    ("express_experienced_user", "says_familiar", "says_new"),
])
def test_each_self_report_feature_fires_on_its_own_kind_and_never_the_opposite(intent, own, opposite):
    features = regexes()
    texts = examples(intent)
    assert texts, f"no examples of {intent}"
    wrong = [t for t in texts if fires(features[opposite], t)]
    assert not wrong, f"{opposite} fires on {intent} examples: {wrong[:5]}"
    covered = sum(fires(features[own], t) for t in texts) / len(texts)
    assert covered >= 0.6, f"{own} fires on only {covered:.0%} of {intent}"


@pytest.mark.parametrize("text, direction", [
    ("i'm not a newbie", "says_familiar"), ("not my first time", "says_familiar"),
    ("i've never had a problem with websites", "says_familiar"), ("i use it all the time", "says_familiar"),
    ("i'm not very techy", "says_new"), ("never done this before", "says_new"),
    ("i don't feel confident using computers", "says_new"), ("first time online", "says_new"),
])
def test_negation_turns_a_self_report_round(text, direction):
    features = regexes()
    other = "says_new" if direction == "says_familiar" else "says_familiar"
    assert fires(features[direction], text) and not fires(features[other], text)

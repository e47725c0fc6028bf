"""`make evaluate`: 5-fold NLU cross-validation and the test stories, reported in reports/.

    .venv/bin/python -m bot.evaluate [--folds 5] [--run-folds K] [--out DIR] [--skip-stories] [--skip-nlu]

Cross-validation trains the NLU pipeline of config.yml (FallbackClassifier left out, so raw
confidences are seen) on 4/5 of data/nlu and parses the other 1/5, five times. Each fold
learns only the synonyms its own messages teach (Rasa's folds would hand it those of the
held-out messages too), and the hub's EXTERNAL_* intents, which no customer types, are
trained on but never held out. From those predictions it writes:
  reports/nlu/intent_report.json        per-intent precision, recall, F1 (and macro / weighted)
  reports/nlu/intent_confusion_matrix.png
  reports/nlu/entity_report.json        per-entity precision, recall, F1 (entity type and value,
                                        read the way the actions read them)
  reports/nlu/entity_report_raw.json    the same on the raw values the NLU returned
  reports/nlu/errors.json               every wrong intent or entity, with the text
  reports/nlu/predictions.json          every held-out prediction with its confidences
  reports/nlu/fallback_thresholds.json  the FallbackClassifier thresholds the predictions support
  reports/nlu/cross_validation.json     the headline figures (reused by --skip-nlu)
and runs the test stories (tests/stories) against the trained model into reports/stories/.
reports/summary.md has the headline figures and the targets (intent macro-F1 >= 0.95,
entity F1 >= 0.90); it is committed, the rest of reports/ is not.

Quick check while editing the data (one training instead of five, reports out of the tree):
    .venv/bin/python -m bot.evaluate --run-folds 1 --skip-stories --out /tmp/wayfinder-eval
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from bot.config import PROJECT_ROOT

logger = logging.getLogger("wayfinder.evaluate")
REPORTS = PROJECT_ROOT / "reports"
TARGET_INTENT_MACRO_F1 = 0.95
TARGET_ENTITY_F1 = 0.90
# Entities the NLU must find in what customers type (page / error_code from the widget are metadata).
ENTITIES = ("service", "problem", "familiarity", "error_code", "account_reference", "postcode")
EXTERNAL_PREFIX = "EXTERNAL_"
CV_SUMMARY = "cross_validation.json"
RASA_ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def headline(value: float, target: float) -> str:
    """A figure beside its target, to three places, or to five where three would round it up to
    the target it misses: 0.94995 against 0.95 reads "0.94995", never "0.950" beside "NOT met"."""
    return f"{value:.5f}" if round(value, 3) >= target > value else f"{value:.3f}"


def rasa_bin() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def config_without_fallback(target: Path, source: Path | None = None) -> Path:
    config = yaml.safe_load((source or PROJECT_ROOT / "config.yml").read_text())
    config["pipeline"] = [c for c in config["pipeline"] if c.get("name") != "FallbackClassifier"]
    config.pop("policies", None)
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


def folds(n: int, seed: int = 7, nlu: Path | None = None):
    """Stratified folds of data/nlu (regexes, lookups and synonyms go with every fold).

    Intents the hub triggers (EXTERNAL_*) are never typed by a customer, so they are trained
    on in every fold but never held out: the figures are about what customers write.
    """
    import numpy as np
    from rasa.nlu.test import generate_folds
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    np.random.seed(seed)
    data = load_data(str(nlu or PROJECT_ROOT / "data" / "nlu"))
    external = [e for e in data.training_examples if str(e.get("intent") or "").startswith(EXTERNAL_PREFIX)]
    typed = data.filter_training_examples(lambda e: not str(e.get("intent") or "").startswith(EXTERNAL_PREFIX))
    return [(without_unseen_synonyms(train.merge(TrainingData(training_examples=external))), test)
            for train, test in generate_folds(n, typed)]


def without_unseen_synonyms(train):
    """Rasa's folds give every fold all the synonyms of data/nlu, including the span -> id pairs
    written only in held-out messages, which would map those spans for free. Keep the synonyms
    the fold's own messages teach."""
    seen = {
        example.get("text")[e["start"]:e["end"]]
        for example in train.training_examples
        for e in example.get("entities") or []
        if "start" in e and "end" in e
    }
    train.entity_synonyms = {span: value for span, value in train.entity_synonyms.items() if span in seen}
    return train


def gold_entities(example) -> list[tuple[str, str]]:
    return [(e["entity"], str(e.get("value"))) for e in example.get("entities") or [] if e["entity"] in ENTITIES]


def entities_from_intents(domain: Path | None = None) -> dict[str, dict[str, str | None]]:
    """{intent: {entity: value or None}}: what the entity's slot takes after that intent, read from
    the slot mappings (domain/) as Rasa reads them. A value: a `from_intent` mapping comes before the
    `from_entity` one (Rasa fills the slot from the first mapping that gives a value), so the
    entity's words are not what the conversation acts on. None: the `from_entity` mapping leaves
    out that intent (`not_intent`, e.g. no goal is set from an out-of-scope question)."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.slot_mappings import SlotMapping

    slots = Domain.load(str(domain or PROJECT_ROOT / "domain")).as_dict().get("slots") or {}
    found: dict[str, dict[str, str | None]] = {}
    for slot in slots.values():
        intents: dict[str, str | None] = {}
        for mapping in slot.get("mappings") or []:
            if mapping.get("conditions"):
                continue
            if mapping.get("type") == "from_intent" and mapping.get("intent") and "value" in mapping:
                intents[mapping["intent"]] = str(mapping["value"])
            elif mapping.get("type") == "from_entity" and mapping.get("entity") in ENTITIES:
                for intent in SlotMapping.to_list(mapping.get("not_intent")):
                    intents.setdefault(intent, None)
                for intent, value in intents.items():
                    found.setdefault(intent, {})[mapping["entity"]] = value
                break
    return found


def predicted_entities(parse: dict[str, Any], as_used: bool = True,
                       from_intents: dict[str, dict[str, str | None]] | None = None) -> list[tuple[str, str]]:
    """(type, value) pairs the NLU found, once each.

    `as_used`: read the way the conversation uses them: references and postcodes only when they
    have that shape (a value the assistant cannot use is dropped), and after an intent that fills
    the entity's slot itself (`from_intents`, e.g. express_new_user -> familiarity new) the value
    the slot takes, whatever spans were tagged, and nothing after an intent the slot leaves out
    (out_of_scope -> no service or problem). Otherwise the raw values, as typed.
    (Familiarity spans already arrive as new / familiar: bot.nlp.familiarity is in the pipeline.)
    """
    from actions.parsing import normalise_postcode, normalise_reference

    found: list[tuple[str, str]] = []
    by_intent = (from_intents or {}).get((parse.get("intent") or {}).get("name") or "", {}) if as_used else {}
    for e in parse.get("entities") or []:
        kind, value = e.get("entity"), str(e.get("value"))
        if kind not in ENTITIES or kind in by_intent:
            continue
        if as_used and kind == "account_reference":
            value = normalise_reference(value) or ""
        elif as_used and kind == "postcode":
            value = normalise_postcode(value) or ""
        if value and (kind, value) not in found:
            found.append((kind, value))
    found += [(kind, value) for kind, value in by_intent.items() if value is not None and (kind, value) not in found]
    return found


def normalise(entity: tuple[str, str]) -> tuple[str, str]:
    kind, value = entity
    if kind in ("postcode", "account_reference", "error_code"):
        value = "".join(value.split()).upper()
    return kind, value


def train_and_parse(train, test, workdir: Path, config: Path,
                    from_intents: dict[str, dict[str, str | None]]) -> list[dict[str, Any]]:
    """Train the NLU on one fold and parse its held-out messages; full intent rankings kept."""
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    data = workdir / "train.yml"
    data.write_text(RasaYAMLWriter().dumps(train))
    trained = subprocess.run(
        [rasa_bin(), "train", "nlu", "--config", str(config), "--nlu", str(data), "--out", str(workdir),
         "--fixed-model-name", "nlu"],
        cwd=PROJECT_ROOT, env=RASA_ENV, capture_output=True, text=True, check=False,
    )
    if trained.returncode != 0:
        tail = "\n".join((trained.stdout + trained.stderr).splitlines()[-20:])
        raise SystemExit(f"rasa train nlu failed on {data}:\n{tail}")
    agent = Agent.load(str(workdir / "nlu.tar.gz"))

    async def parse_all():
        results = []
        for example in test.intent_examples:
            parse = await agent.parse_message(example.get("text"))
            ranking = parse.get("intent_ranking") or [parse.get("intent") or {}]
            results.append({
                "text": example.get("text"),
                "intent": example.get("intent"),
                "predicted": (parse.get("intent") or {}).get("name"),
                "confidence": float((parse.get("intent") or {}).get("confidence") or 0.0),
                "second": float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0,
                "entities": sorted({tuple(normalise(e)) for e in gold_entities(example)}),
                "predicted_entities": sorted({tuple(normalise(e)) for e in predicted_entities(parse, from_intents=from_intents)}),
                "raw_entities": sorted({tuple(normalise(e)) for e in predicted_entities(parse, as_used=False)}),
            })
        return results

    return asyncio.run(parse_all())


def intent_report(results: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    from sklearn.metrics import classification_report

    gold = [r["intent"] for r in results]
    predicted = [r["predicted"] for r in results]
    report = classification_report(gold, predicted, output_dict=True, zero_division=0)
    (out / "intent_report.json").write_text(json.dumps(report, indent=2))
    confusion_png(gold, predicted, out / "intent_confusion_matrix.png")
    return report


def confusion_png(gold: list[str], predicted: list[str], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    labels = sorted(set(gold) | set(predicted))
    matrix = confusion_matrix(gold, predicted, labels=labels)
    fig, ax = plt.subplots(figsize=(12, 10))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=70, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_title("Intent confusion matrix (5-fold cross-validation)")
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    plt.close(fig)


def entity_report(results: list[dict[str, Any]], out: Path, key: str = "predicted_entities",
                  name: str = "entity_report.json") -> dict[str, Any]:
    """Precision / recall / F1 of (entity type, value) pairs per message, per type and micro overall."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        gold, predicted = Counter(map(tuple, r["entities"])), Counter(map(tuple, r[key]))
        for kind, value in gold | predicted:
            hit = min(gold[(kind, value)], predicted[(kind, value)])
            counts[kind]["tp"] += hit
            counts[kind]["fn"] += gold[(kind, value)] - hit
            counts[kind]["fp"] += predicted[(kind, value)] - hit
    report: dict[str, Any] = {}
    total = Counter()
    for kind in ENTITIES:
        total.update(counts[kind])
        report[kind] = scores(counts[kind])
    report["micro avg"] = scores(total)
    (out / name).write_text(json.dumps(report, indent=2))
    return report


def scores(c: Counter) -> dict[str, float]:
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1-score": round(f1, 4),
            "support": c["tp"] + c["fn"]}


def choose_thresholds(results: list[dict[str, Any]], budget: float = 0.03, extra: float = 0.02) -> dict[str, Any]:
    """The FallbackClassifier settings the held-out predictions support.

    Asking "could you say that another way?" after a message we did understand costs the
    customer a turn, so `threshold` is the highest that sends at most `budget` (3%) of the
    correct predictions to the fallback; `ambiguity_threshold` (gap between the top two
    intents) is then the highest that sends at most `extra` (2%) more. Both are reported with
    how many wrong predictions they catch.
    """
    grid = [round(0.05 * i, 2) for i in range(20)]
    correct = [r for r in results if r["predicted"] == r["intent"]]
    wrong = [r for r in results if r["predicted"] != r["intent"]]

    def falls_back(r: dict[str, Any], threshold: float, ambiguity: float) -> bool:
        return r["confidence"] < threshold or (r["confidence"] - r["second"]) < ambiguity

    def lost(threshold: float, ambiguity: float) -> int:
        return sum(falls_back(r, threshold, ambiguity) for r in correct)

    def caught(threshold: float, ambiguity: float) -> int:
        return sum(falls_back(r, threshold, ambiguity) for r in wrong)

    threshold = max(t for t in grid if lost(t, 0.0) <= budget * len(correct))
    ambiguity = max(a for a in grid if a <= 0.5 and lost(threshold, a) <= (budget + extra) * len(correct))
    return {"threshold": threshold, "ambiguity_threshold": ambiguity,
            "correct_sent_to_fallback": lost(threshold, ambiguity), "errors_caught": caught(threshold, ambiguity),
            "errors": len(wrong), "messages": len(results),
            "table": [{"threshold": t, "correct_lost": lost(t, 0.0), "errors_caught": caught(t, 0.0)} for t in grid]}


def configured_thresholds() -> dict[str, float]:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    fallback = next((c for c in config["pipeline"] if c.get("name") == "FallbackClassifier"), {})
    return {"threshold": fallback.get("threshold"), "ambiguity_threshold": fallback.get("ambiguity_threshold")}


def cross_validate(n: int, out: Path, run: int | None = None, source: Path | None = None,
                   nlu: Path | None = None) -> dict[str, Any]:
    from bot.build import ensure_spacy_pipeline

    ensure_spacy_pipeline()
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="wayfinder-cv-") as tmp:
        config = config_without_fallback(Path(tmp) / "config.yml", source)
        from_intents = entities_from_intents()
        for i, (train, test) in enumerate(folds(n, nlu=nlu)[:run], start=1):
            logger.info("fold %d of %d: training on %d, testing on %d", i, n, len(train.intent_examples),
                        len(test.intent_examples))
            workdir = Path(tmp) / f"fold{i}"
            workdir.mkdir()
            results += train_and_parse(train, test, workdir, config, from_intents)
    (out / "predictions.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    intents = intent_report(results, out)
    entities = entity_report(results, out)
    raw = entity_report(results, out, key="raw_entities", name="entity_report_raw.json")
    errors = [r for r in results if r["predicted"] != r["intent"]
              or sorted(map(tuple, r["entities"])) != sorted(map(tuple, r["predicted_entities"]))]
    (out / "errors.json").write_text(json.dumps(errors, indent=2, ensure_ascii=False))
    thresholds = choose_thresholds(results)
    (out / "fallback_thresholds.json").write_text(json.dumps(thresholds, indent=2))
    cv = {"intents": intents, "entities": entities, "raw_entities": raw, "thresholds": thresholds,
          "messages": len(results), "folds": f"{n}-fold" if not run or run >= n else f"{run} of {n} folds of",
          "minutes": (time.monotonic() - started) / 60}
    (out / CV_SUMMARY).write_text(json.dumps(cv, indent=2))
    return cv


def last_cross_validation(out: Path) -> dict[str, Any] | None:
    """The figures of the last cross-validation written to `out` (for --skip-nlu), if any."""
    path = out / CV_SUMMARY
    return json.loads(path.read_text()) if path.exists() else None


def test_stories(out: Path) -> dict[str, Any]:
    from bot.build import ensure_model

    model = ensure_model()
    out.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [rasa_bin(), "test", "core", "--model", str(model), "--stories", "tests/stories",
         "--out", str(out), "--fail-on-prediction-errors"],
        cwd=PROJECT_ROOT, env=RASA_ENV, capture_output=True, text=True, check=False,
    )
    (out / "rasa_test.log").write_text(result.stdout + result.stderr)
    report = out / "story_report.json"
    stories = json.loads(report.read_text()) if report.exists() else {}
    return {"passed": result.returncode == 0, "report": stories}


def summary(cv: dict[str, Any] | None, stories: dict[str, Any] | None) -> str:
    lines = ["# Wayfinder evaluation", ""]
    if cv:
        macro = cv["intents"]["macro avg"]["f1-score"]
        entity = cv["entities"]["micro avg"]["f1-score"]
        lines += [
            f"{cv['folds']} NLU cross-validation on {cv['messages']} messages ({cv['minutes']:.0f} min).", "",
            "| measure | result | target |", "|---|---|---|",
            f"| intent macro-F1 | {headline(macro, TARGET_INTENT_MACRO_F1)} | >= {TARGET_INTENT_MACRO_F1} {'met' if macro >= TARGET_INTENT_MACRO_F1 else 'NOT met'} |",
            f"| intent accuracy | {cv['intents']['accuracy']:.3f} | |",
            f"| entity F1 (type and value, as the actions use them) | {headline(entity, TARGET_ENTITY_F1)} | >= {TARGET_ENTITY_F1} {'met' if entity >= TARGET_ENTITY_F1 else 'NOT met'} |",
            f"| entity F1 (raw NLU values) | {cv['raw_entities']['micro avg']['f1-score']:.3f} | |",
            "", "## Intents", "", "| intent | precision | recall | F1 | support |", "|---|---|---|---|---|",
        ]
        for name, row in sorted(cv["intents"].items()):
            if isinstance(row, dict) and name not in ("macro avg", "weighted avg"):
                lines.append(f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1-score']:.3f} | {row['support']:.0f} |")
        lines += ["", "## Entities", "", "| entity | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for name, row in cv["entities"].items():
            lines.append(f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1-score']:.3f} | {row['support']} |")
        t = cv["thresholds"]
        chosen = (
            f"Chosen from the held-out predictions: threshold **{t['threshold']}**, ambiguity_threshold "
            f"**{t['ambiguity_threshold']}** (config.yml has {configured_thresholds()}). With them, "
            f"{t['correct_sent_to_fallback']} of {t['messages'] - t['errors']} correct predictions would be "
            f"sent to the fallback and {t['errors_caught']} of {t['errors']} wrong ones caught."
        )
        lines += ["", "## FallbackClassifier thresholds", "", chosen, "",
                  "Confusion matrix: nlu/intent_confusion_matrix.png; every error: nlu/errors.json."]
    if stories is not None:
        verdict = "all passed" if stories["passed"] else "FAILED (see stories/failed_test_stories.yml)"
        lines += ["", "## Test stories", "",
                  f"`rasa test core --fail-on-prediction-errors` on tests/stories: {verdict}."]
        conversation = stories["report"].get("conversation_accuracy") if stories["report"] else None
        if conversation:
            lines.append(f"Conversation accuracy {conversation.get('accuracy')}, "
                         f"{conversation.get('correct')} of {conversation.get('total')} stories.")
    return "\n".join(lines) + "\n"


def main(argv: Iterable[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5, help="number of cross-validation folds (default 5)")
    parser.add_argument("--run-folds", type=int, metavar="K",
                        help="train and test only the first K of the folds: a quick check while editing the data "
                             "(--folds 5 --run-folds 1 is one 80/20 split, one training)")
    parser.add_argument("--out", type=Path, default=REPORTS,
                        help="where the reports go (default reports/); use a temporary directory for quick checks")
    parser.add_argument("--skip-nlu", action="store_true",
                        help="no cross-validation: the summary repeats the last one written to --out, if any")
    parser.add_argument("--skip-stories", action="store_true", help="no test stories")
    parser.add_argument("--nlu", type=Path, help="cross-validate this NLU data (a file or directory) instead "
                        "of data/nlu")
    parser.add_argument("--config", type=Path, help="cross-validate this config's NLU pipeline instead of "
                        "config.yml's (trying a pipeline change before making it)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    cv = last_cross_validation(out / "nlu") if args.skip_nlu else cross_validate(args.folds, out / "nlu", args.run_folds,
                                                                             args.config, args.nlu)
    stories = None if args.skip_stories else test_stories(out / "stories")
    text = summary(cv, stories)
    (out / "summary.md").write_text(text)
    print(text)
    ok = stories is None or stories["passed"]
    if cv and not args.skip_nlu:
        ok = ok and cv["intents"]["macro avg"]["f1-score"] >= TARGET_INTENT_MACRO_F1
        ok = ok and cv["entities"]["micro avg"]["f1-score"] >= TARGET_ENTITY_F1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

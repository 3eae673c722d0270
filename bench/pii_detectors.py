"""Measure the personal-data detectors: precision and recall per kind on the labelled set, and speed.

    .venv/bin/python bench/pii_detectors.py                 # quality only, rewrites the docs table
    .venv/bin/python bench/pii_detectors.py --rows 100000   # also anonymise generated samples
    .venv/bin/python bench/pii_detectors.py --holdout before  # the holdout set only, once per tag
    .venv/bin/python bench/pii_detectors.py --holdout after --set v2  # the second holdout set

``--holdout TAG`` scores one set only and writes a stamped results file; it does not touch the
doc. ``--set`` picks the set: ``v1`` tests/data/pii_holdout.jsonl (-> pii_holdout_TAG.json), ``v2``
tests/data/pii_holdout_v2.jsonl (-> pii_holdout_v2_TAG.json), ``labelled`` the tuning set
(-> pii_labelled_TAG.json). Holdout sets are never tuned on (see their READMEs): measure each once.

With ``--rows``, the anonymise() timings are also written to bench/results/anonymise_speed.json.

Quality is span-level exact match on tests/data/pii_labelled.jsonl. With ``--rows``, samples from
the sample generator are anonymised too: time, and the personal values it planted in free text
against the redactions made (a check on text this project's detectors were not written from).
Speed is measured here, never asserted in tests. The block between the bench markers in
docs/anonymisation.md is rewritten.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stamp import stamped, write  # noqa: E402
from dgti_data.anonymise.detectors import detect  # noqa: E402
from dgti_data.anonymise.evaluate import Evaluation, evaluate, load_labelled  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "pii_labelled.jsonl"
HOLDOUT = ROOT / "tests" / "data" / "pii_holdout.jsonl"
# --set NAME: the file scored and the prefix of its results file
SETS = {
    "v1": (HOLDOUT, "pii_holdout"),
    "v2": (ROOT / "tests" / "data" / "pii_holdout_v2.jsonl", "pii_holdout_v2"),
    "labelled": (LABELLED, "pii_labelled"),
}
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "anonymisation.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
SPEED_HEAD = ("| dataset | rows | anonymise() | rows/s | planted in free text | redacted | "
              "redacted − planted | leaks |")
SPEED_RULE = "|---|---:|---:|---:|---:|---:|---|---:|"


def quality_table(ev: Evaluation) -> str:
    lines = ["| kind | spans | found | precision | recall |", "|---|---:|---:|---:|---:|"]
    for kind, s in ev.scores.items():
        lines.append(f"| {kind} | {s.tp + s.fn} | {s.tp + s.fp} | {s.precision:.3f} | {s.recall:.3f} |")
    t = ev.total
    lines.append(f"| **all** | {t.tp + t.fn} | {t.tp + t.fp} | {t.precision:.3f} | {t.recall:.3f} |")
    lines.append(f"\nClean sentences changed: {ev.clean_changed} of {ev.clean} "
                 f"({ev.clean_changed / max(ev.clean, 1):.1%}).")
    return "\n".join(lines)


def score_holdout(tag: str, which: str = "v1") -> None:
    """Score one set and record it in bench/results/<prefix>_<tag>.json (prefix from ``SETS``)."""
    path, prefix = SETS[which]
    result: dict = {}
    with stamped(result):
        ev = evaluate(load_labelled(path))
    print(quality_table(ev))
    result.update({
        "set": str(path.relative_to(ROOT)), "tag": tag, "sentences": ev.sentences,
        "clean_sentences": ev.clean, "clean_changed": ev.clean_changed,
        "kinds": {k: {"spans": s.tp + s.fn, "found": s.tp + s.fp, "precision": round(s.precision, 4),
                      "recall": round(s.recall, 4)} for k, s in ev.scores.items()},
        "misses": ev.misses, "false_alarms": ev.false_alarms,
    })
    out = write(RESULTS / f"{prefix}_{tag}.json", result)
    print(f"-> {out.relative_to(ROOT)}")


def detector_speed(texts: list[str], repeat: int = 20) -> tuple[float, float]:
    start = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            detect(text)
    elapsed = time.perf_counter() - start
    n = repeat * len(texts)
    return n / elapsed, sum(map(len, texts)) / len(texts)


def anonymise_speed(rows: int) -> list[str]:
    """Time anonymise() on ``rows`` generated rows of each dataset; the table's lines, also written
    with the machine and commit to bench/results/anonymise_speed.json."""
    result: dict = {"rows": rows, "datasets": {}}
    with stamped(result):
        lines = _anonymise_speed(rows, result["datasets"])
    out = write(RESULTS / "anonymise_speed.json", result)
    print(f"-> {out.relative_to(ROOT)}")
    return lines


def _anonymise_speed(rows: int, record: dict) -> list[str]:
    from pydantic import SecretStr

    from dgti_data.anonymise import anonymise
    from dgti_data.datasets import load_catalog
    from dgti_data.normalise import normalise
    from dgti_data.read import read_table
    from dgti_data.sample import generate
    from dgti_data.sample.manifest import iter_entries

    catalog = load_catalog(ROOT / "schemas")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in catalog.names():
            dataset = catalog.get(name)
            path = Path(tmp) / f"{name}.csv"
            generate(dataset, path, rows, 11, "csv-utf8-bom", ROOT / "schemas" / "reference")
            table = normalise(read_table(path), dataset)
            start = time.perf_counter()
            result = anonymise(table.frame, table.row_numbers, dataset, SecretStr("bench-key-" + "x" * 24))
            elapsed = time.perf_counter() - start
            r = result.report
            free_text = {f.name for f in dataset.fields if f.treatment == "redact"}
            entries = iter_entries(Path(f"{path}.manifest.json"), "personal_values")
            planted = Counter(e["kind"] for e in entries if e["field"] in free_text)
            redacted = r.redactions_by_kind
            diff = ", ".join(f"{k} {redacted.get(k, 0) - n:+d}" for k, n in sorted(planted.items())
                             if redacted.get(k, 0) != n) or "none"
            record[name] = {"seconds": round(elapsed, 3), "rows_per_s": round(rows / elapsed),
                            "planted": dict(planted), "redacted": dict(redacted), "leaks": len(result.leaks)}
            out.append(
                f"| {name} | {rows:,} | {elapsed:.1f} s | {rows / elapsed:,.0f} | "
                f"{sum(planted.values()):,} | {sum(redacted.values()):,} | {diff} | {len(result.leaks)} |"
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=0, help="also time anonymise() on generated samples")
    parser.add_argument("--no-doc", action="store_true", help="print only, do not rewrite the doc")
    parser.add_argument("--holdout", metavar="TAG", help="score one set only, record it as TAG")
    parser.add_argument("--set", choices=sorted(SETS), default="v1",
                        help="with --holdout: the set to score (default v1, the first holdout)")
    args = parser.parse_args()
    if args.holdout:
        score_holdout(args.holdout, args.set)
        return

    records = load_labelled(LABELLED)
    ev = evaluate(records)
    holdout = evaluate(r for r in records if r["group"] == "holdout")
    fresh = evaluate(load_labelled(HOLDOUT))
    per_sec, mean_len = detector_speed([r["text"] for r in records])
    parts = [
        f"Labelled set: {ev.sentences} sentences, {ev.total.tp + ev.total.fn} personal-data spans "
        f"({sum(1 for r in records if not r['spans'])} sentences without any).",
        "",
        quality_table(ev),
        "",
        f"`holdout` group of the labelled set only ({holdout.sentences} sentences, now also tuned on):",
        "",
        quality_table(holdout),
        "",
        f"Holdout set `tests/data/pii_holdout.jsonl` ({fresh.sentences} sentences, never tuned on; "
        "see its README):",
        "",
        quality_table(fresh),
    ]
    # Printed only: no results file keeps it, so the doc does not quote it.
    print(f"Detector speed: {per_sec:,.0f} texts/s on the labelled sentences "
          f"(mean {mean_len:.0f} characters), one core.")
    if args.rows:
        parts += ["", SPEED_HEAD, SPEED_RULE, *anonymise_speed(args.rows)]
    if ev.misses or ev.false_alarms:
        parts += ["", "Misses and false alarms:", ""]
        parts += [f"- miss `{m['id']}` {m['kind']}" for m in ev.misses]
        parts += [f"- false alarm `{m['id']}` {m['kind']}" for m in ev.false_alarms]
    block = "\n".join(parts)
    print(block)
    if not args.no_doc and DOC.exists():
        text = DOC.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
        if not args.rows:  # keep the last speed table when only quality is measured
            old = pattern.search(text)
            kept = [line for line in (old.group().splitlines() if old else [])
                    if line.startswith("| local-digital") or line.startswith("| lao-digital")]
            if kept:
                block += f"\n\n{SPEED_HEAD}\n{SPEED_RULE}\n" + "\n".join(kept)
        DOC.write_text(pattern.sub(lambda _: f"{START}\n{block}\n{END}", text), encoding="utf-8")


if __name__ == "__main__":
    main()

"""The real-feed labels (data/realfeeds/labels.tsv) and the benchmark that reads them.

With ../shared present: every labelled (file, key) is an item the bot's parser finds in the
corpus, every label is a category slug, no item is labelled twice, and there are at least 600
rows. Without it, those tests skip. The benchmark's arithmetic (false alerts per 1,000 ordinary
items, recall, warnings for labels that no longer join) is checked on a tiny corpus of our own.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO, Item, rss, shared_path

LABELS = REPO / "data" / "realfeeds" / "labels.tsv"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realfeeds_bench", REPO / "bench" / "realfeeds.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


realfeeds = _bench()


def test_labels_are_well_formed() -> None:
    rows = realfeeds.read_labels(LABELS)
    assert len(rows) >= 600
    pairs = [(r.file, r.key) for r in rows]
    assert len(set(pairs)) == len(pairs), "an item is labelled twice"
    for row in rows:
        assert row.labels <= set(realfeeds.SLUGS), f"line {row.line}: {sorted(row.labels)}"
        assert row.why.strip(), f"line {row.line}: no reasoning"
    assert any(r.labels for r in rows) and any(not r.labels for r in rows)


def test_every_label_joins_an_item_of_the_parsed_corpus() -> None:
    corpus = shared_path("feeds")
    items = {(i.file, i.story.key) for i in realfeeds.corpus_items(corpus)}
    missing = [(r.line, r.file, r.key) for r in realfeeds.read_labels(LABELS) if (r.file, r.key) not in items]
    assert not missing, f"labels whose item no longer parses with that key: {missing[:5]}"


RULES = """\
version: 1
rules:
  - id: spyware
    category: privacy-spyware
    query: spyware
"""


def _corpus(tmp_path: Path) -> Path:
    (tmp_path / "real").mkdir(parents=True)
    items = [
        Item("Vendor sold spyware to a ministry", link="https://example.org/1"),  # relevant, found
        Item("Spyware museum opens its doors", link="https://example.org/2"),  # ordinary, alerts
        Item("Police bought a phone-hacking tool", link="https://example.org/3"),  # relevant, missed
        Item("Quarterly results", link="https://example.org/4"),  # ordinary, quiet
        Item("Spyware sellers meet at a fair", link="https://example.org/5"),  # no verdict, alerts
    ]
    (tmp_path / "real" / "a.xml").write_bytes(rss(items))
    return tmp_path


def test_benchmark_counts_false_alerts_recall_and_stale_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _corpus(tmp_path / "feeds")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        "file\tkey\tlabels\twhy\n"
        "real/a.xml\thttps://example.org/1\tprivacy-spyware\tspyware sale\n"
        "real/a.xml\thttps://example.org/2\t\ta museum\n"
        "real/a.xml\thttps://example.org/3\tprivacy-spyware\thacking tool\n"
        "real/a.xml\thttps://example.org/4\t\tresults\n"
        "real/a.xml\thttps://example.org/gone\t\tan item the feed no longer has\n"
    )
    code = realfeeds.main(["--rules", str(rules), "--labels", str(labels), "--corpus", str(corpus), "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    report = json.loads(out)
    assert (report["items"], report["labelled"], report["relevant"], report["ordinary"]) == (5, 4, 2, 3)
    assert report["alerts"] == 3
    # the museum (labelled empty) and the fair (no verdict yet) over 3 ordinary items
    assert report["false_alerts"] == 2 and report["false_alerts_unlabelled"] == 1
    assert report["false_alerts_per_1000_ordinary"] == pytest.approx(666.667)
    assert report["recall"] == 0.5
    assert [m["key"] for m in report["missed_items"]] == ["https://example.org/3"]
    assert {f["key"] for f in report["false_alert_items"]} == {"https://example.org/2", "https://example.org/5"}
    assert "https://example.org/gone is not in the parsed corpus" in err
    assert "https://example.org/gone" in " ".join(report["warnings"])


def test_an_alert_in_the_wrong_category_is_a_false_alert_and_a_miss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _corpus(tmp_path / "feeds")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    labels = tmp_path / "labels.tsv"
    labels.write_text("file\tkey\tlabels\twhy\nreal/a.xml\thttps://example.org/1\tmilitary-ai\twrong on purpose\n")
    assert realfeeds.main(["--rules", str(rules), "--labels", str(labels), "--corpus", str(corpus), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["recall"] == 0.0
    assert "https://example.org/1" in {f["key"] for f in report["false_alert_items"]}
    assert [m["key"] for m in report["missed_items"]] == ["https://example.org/1"]

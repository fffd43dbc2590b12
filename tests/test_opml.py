"""OPML in and out: feed lists as real readers export them (Feedly, Inoreader, NetNewsWire,
Miniflux, Tiny Tiny RSS shapes), imported into a commented rules.yaml that keeps every comment
and line, and exported as OPML 2.0; export then import is a fixed point."""

from __future__ import annotations

import difflib
import shutil
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.config.load import parse_config
from bot.config.opml import read_opml
from bot.config.yamledit import NewFeed, add_feeds
from tests.conftest import REPO, run_cli

DATA = Path(__file__).parent / "data" / "opml"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("feedly.opml", [
            ("https://www.theverge.com/rss/policy/index.xml", "The Verge - Policy", "Tech & Policy"),
            ("https://restofworld.org/feed/latest", "Rest of World", "Tech & Policy"),
            ("https://www.404media.co/rss/", "404 Media", "Surveillance"),
        ]),
        ("inoreader.opml", [  # text is the name the user gave; title the feed's own
            ("https://www.eff.org/rss/updates.xml", "EFF: Deeplinks", "Privacy"),
            ("https://citizenlab.ca/feed/", "Citizen Lab", "Privacy"),
            ("https://labornotes.org/feed", "Worker Organizing #1", "Labour"),
        ]),
        ("netnewswire.opml", [
            ("https://theintercept.com/feed/?rss", "The Intercept", ""),
            ("https://www.accessnow.org/feed/", "Access Now", "Rights"),
        ]),
        ("miniflux.opml", [
            ("https://www.zdnet.com/news/rss.xml", "ZDNet", "All"),
            ("https://www.propublica.org/feeds/propublica/main", "ProPublica", "Investigations"),
            ("https://untitled.example/atom.xml", "untitled.example", "Investigations"),
        ]),
        ("ttrss-categories.opml", [
            ("HTTPS://RestOfWorld.org/feed/latest/", "Restofworld", "Tech"),
            ("https://grist.org/feed/", "Grist", "Climate"),
        ]),
    ],
)
def test_readers_exports_are_read_with_names_and_folders(name: str, expected: list[tuple[str, str, str]]) -> None:
    feeds, skipped = read_opml((DATA / name).read_bytes())
    assert [(f.url, f.name, f.folder) for f in feeds] == expected
    assert skipped == (["feed://pod.example/rss: not an http(s) address"] if name == "netnewswire.opml" else [])


COMMENTED = textwrap.dedent(
    """\
    # My rules. Every comment here must survive an import.
    version: 1
    settings:
      default_channel: "#ethics-alerts"   # where alerts go
      allow_private_addresses: true
    lists:
      big_tech: [Amazon, AWS, Microsoft,
        Google, Palantir]   # a wrapped flow list stays wrapped
    feeds:
      # ZDNet: where the seed story ran
      - url: https://www.zdnet.com/news/rss.xml   # trailing comment
        name: ZDNet
        interval: 10m
      # a note after the last feed, about the list as a whole
    # ------------------------------------------------------------ rules
    rules:
      - id: r   # the only rule
        category: c
        query: 'police'
    """
)


def comments(text: str) -> list[str]:
    return [line[line.index("#"):] for line in text.splitlines() if "# " in line or line.lstrip().startswith("#")]


def import_opml(rules: Path, opml: Path) -> str:
    ran = run_cli("feeds", "import", str(opml), "--rules", str(rules))
    assert ran.code == 0, ran.stderr
    return ran.stdout


def test_import_into_a_commented_rules_yaml_keeps_every_comment_and_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(COMMENTED)
    out = import_opml(rules, DATA / "miniflux.opml")
    assert "added 2" in out and "1 already there" in out  # ZDNet was there
    after = rules.read_text()
    new_comments = comments(after)
    assert new_comments.count("# folder: Investigations") == 2
    assert [c for c in new_comments if c != "# folder: Investigations"] == comments(COMMENTED)
    added = [line for line in after.splitlines(keepends=True) if line not in COMMENTED.splitlines(keepends=True)]
    assert "".join(line for line in after.splitlines(keepends=True) if line not in added) == COMMENTED
    assert added == [
        "  - url: https://www.propublica.org/feeds/propublica/main  # folder: Investigations\n",
        "    name: ProPublica\n",
        "  - url: https://untitled.example/atom.xml  # folder: Investigations\n",
        "    name: untitled.example\n",
    ]
    assert after.index("ProPublica") < after.index("# a note after the last feed")
    config = parse_config(after)
    assert [f.name for f in config.feeds] == ["ZDNet", "ProPublica", "untitled.example"]
    assert run_cli("check", "--rules", str(rules)).code == 0
    import_opml(rules, DATA / "miniflux.opml")  # again: nothing to add, not a byte changed
    assert rules.read_text() == after


def test_import_into_the_shipped_rules_yaml_keeps_all_its_comments(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    shutil.copy(REPO / "rules.yaml", rules)
    before = rules.read_text()
    for name in ("feedly.opml", "inoreader.opml", "netnewswire.opml", "ttrss-categories.opml"):
        import_opml(rules, DATA / name)
    after = rules.read_text()
    edits = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False).get_opcodes()
    assert {op for op, *_ in edits} == {"equal", "insert"}  # every original line kept, in its order
    original = {f.url for f in parse_config(before).feeds}
    added = [f for f in parse_config(after).feeds if f.url not in original]
    # Verge, 404 Media, EFF, Citizen Lab, Access Now and Rest of World are shipped already (the
    # upper-case Rest of World URL with a trailing / is the same feed); The Intercept's differs
    assert sorted(f.name for f in added) == ["Grist", "The Intercept", "Worker Organizing #1"]


def test_export_is_opml_2_and_export_then_import_is_a_fixed_point(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    shutil.copy(REPO / "rules.yaml", rules)
    before = rules.read_text()
    exported = tmp_path / "feeds.opml"
    ran = run_cli("feeds", "export", str(exported), "--rules", str(rules))
    assert ran.code == 0, ran.stderr
    root = ET.parse(exported).getroot()
    assert root.tag == "opml" and root.get("version") == "2.0"
    outlines = root.findall("./body/outline")
    config = parse_config(before)
    assert [(o.get("xmlUrl"), o.get("text"), o.get("type")) for o in outlines] == [
        (f.url, f.name, "rss") for f in config.feeds
    ]
    out = import_opml(rules, exported)
    assert f"added 0 to {rules}, {len(config.feeds)} already there" in out
    assert rules.read_text() == before
    # and into a file without feeds, then out again: the same OPML
    empty = tmp_path / "empty.yaml"
    empty.write_text("version: 1\nfeeds: []\nrules:\n  - {id: r, category: c, query: x}\n")
    import_opml(empty, exported)
    again = run_cli("feeds", "export", "--rules", str(empty))
    assert again.stdout == exported.read_text()


@pytest.mark.parametrize(
    "body, words",
    [
        (b"<opml><body><outline", "not well-formed"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>', "entities"),
        (b"<rss><channel/></rss>", "not OPML"),
    ],
)
def test_a_bad_opml_file_is_refused_in_plain_words_and_rules_yaml_is_untouched(
    tmp_path: Path, body: bytes, words: str
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(COMMENTED)
    bad = tmp_path / "bad.opml"
    bad.write_bytes(body)
    ran = run_cli("feeds", "import", str(bad), "--rules", str(rules))
    assert ran.code == 1 and words in ran.stderr
    assert rules.read_text() == COMMENTED


def test_new_entries_follow_the_lists_own_indentation_and_quote_what_needs_it() -> None:
    text = "feeds:\n    -   url: http://x.example/\n        name: X\nrules: []\n"
    out = add_feeds(text, [NewFeed("http://y.example/?a=1&b=2", "#1: news")])
    assert out == ("feeds:\n    -   url: http://x.example/\n        name: X\n"
                   "    -   url: http://y.example/?a=1&b=2\n        name: '#1: news'\nrules: []\n")
    assert add_feeds("version: 1\nfeeds:\nrules: []\n", [NewFeed("http://n.example/", "N")]) == (
        "version: 1\nfeeds:\n  - url: http://n.example/\n    name: N\nrules: []\n")

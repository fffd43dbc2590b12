"""``ethics-bot feeds import FILE.opml`` and ``ethics-bot feeds export [FILE]``.

Import adds the OPML file's feeds that rules.yaml does not list yet, at the end of its
``feeds:`` list, leaving every other line of the file (comments included) as it was; a feed's
reader folder becomes a comment after its URL. The file is checked before and after and
replaced atomically, so a running daemon reloads it once and never sees half of it. Export
writes the configured feeds as OPML 2.0, to stdout or FILE.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.config.load import load_config, parse_config
from bot.config.opml import read_opml, write_opml
from bot.config.yamledit import NewFeed, add_feeds
from bot.core.errors import BotError


def same_feed_key(url: str) -> str:
    """URLs that name the same feed compare equal: scheme and host in lower case, no trailing /."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def _write_atomically(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_feeds_import(args: argparse.Namespace) -> int:
    if not args.file:
        raise BotError("name the OPML file: ethics-bot feeds import FILE.opml")
    rules = Path(args.rules)
    config = load_config(rules)  # a broken rules.yaml is reported (exit 2), never edited
    text = rules.read_text(encoding="utf-8")
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise BotError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    found, skipped = read_opml(data, args.file)
    known = {same_feed_key(f.url) for f in config.feeds}
    new: list[NewFeed] = []
    present = 0
    for feed in found:
        key = same_feed_key(feed.url)
        if key in known:
            present += 1
            continue
        known.add(key)
        new.append(NewFeed(feed.url, feed.name, f"folder: {feed.folder}" if feed.folder else ""))
    if new:
        edited = add_feeds(text, new)
        parse_config(edited, str(rules))  # still valid, or nothing is written
        _write_atomically(rules, edited)
    print(f"{args.file}: {len(found)} feeds; added {len(new)} to {rules}, {present} already there"
          + (f", {len(skipped)} skipped" if skipped else "") + ".")
    for note in skipped:
        print(f"  skipped {note}")
    for added in new:
        print(f"  added {added.name} <{added.url}>")
    return 0


def cmd_feeds_export(args: argparse.Namespace) -> int:
    config = load_config(args.rules)
    document = write_opml(config.feeds)
    if args.file and args.file != "-":
        Path(args.file).write_text(document, encoding="utf-8")
        print(f"wrote {len(config.feeds)} feeds to {args.file}", file=sys.stderr)
    else:
        sys.stdout.write(document)
    return 0

"""Which reports are one event: the rule, its thresholds and why (pure functions, no I/O).

A wrong merge loses an alert (the second story becomes a reply under a story it is not), so the
rule asks for evidence and treats any disagreement of names as decisive. In order:

1. **Same address, same story.** Two reports whose links agree once tracking parameters
   (``utm_*``, ``fbclid``, ...), AMP and mobile spellings (``amp.``/``m.``/``mobile.`` hosts,
   ``/amp`` path segments, ``?amp=1``, ``outputType=amp``), ``www.``, the scheme and a trailing
   slash are set aside are one story, whatever their text says.
2. **One feed never merges itself.** Two items of the same feed with different links are
   different stories: an outlet does not publish the same event twice under two addresses.
3. **Disagreement of names or figures: different events.** Names are the capitalised words
   and acronyms of the text (possessives and accents dropped, demonyms mapped to their country:
   "Dutch" = "Netherlands"), plus the initials of each run of capitalised words ("Immigration
   and Customs Enforcement" also names "ice"); figures are the numbers with their scale
   ("€30.5m" = "30.5 million"). Two reports are different events when
   - their headlines, or their summaries, are one template with other names or figures in it
     ("Google employees protest ICE contract" / "Microsoft employees protest ICE contract"):
     every word that differs is, on both sides, a name or a figure, whatever else they share;
   - each headline names someone or somewhere the other report never mentions (a headline name
     counts as mentioned when all its telling words or its initials appear: "Clearview AI" by
     "Clearview", "San Francisco" by "SF"); or
   - a headline states figures and the other report states figures, none of them the same.
4. **Agreement: one event.** Without a disagreement, two reports are one event when their
   headlines share a name, they share at least ``MIN_SHARED`` (2) names or figures across
   headline and summary, every name of each headline is mentioned by the other report, and
   their content words (headline and the first ``SUMMARY_WORDS`` (80) words of the summary, the
   lede, where a full article would drown the overlap) overlap: ``|A ∩ B| / min(|A|, |B|) >= MIN_WORD_OVERLAP``
   (0.25). Where a caller has an embedding similarity of the two reports (the semantic layer),
   at least ``SEMANTIC_AGREES`` (0.80) stands in for the word overlap, never for the names:
   every check above still applies. The store does not pass one yet (see ARCHITECTURE.md).

Why these thresholds (measured with bench/bench_identity.py on data/pairs/pairs.jsonl, 423
pairs written for this project; the rule was tuned on the same pairs, so take the figures as
what it does on this kind of text, not as a held-out estimate): one shared name is what
template stories and the same company's different events have in common, two (a company and a
place, a company and a sum) is what retellings of one event share; retellings by different
outlets share a quarter to a half of their content words. A headline alone is never evidence:
identical headlines with nothing else in common stay apart. The errors left on the pairs are
misses (a retelling that names the event differently becomes its own alert), never merges;
over the 3,000 real stories of ../shared/feeds (``--shared``) the rule merged 11 pairs on their
text, 10 of them the same post in two feeds of one blog and one wrong (two German articles about
one video game: German capitalises every noun, so everything looks like a name).

The store compares a new story with the first report of each cluster seen within
``dedup_window`` (48 h). A report 12 h or more after the first is filed as a follow-up
(clusters.py).

What this module does not do: read the database, decide threading (stories.py files a report
as a reply, a follow-up or a new alert), or compute embeddings (bot.semantic).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote_plus, urlsplit

from bot.core.links import TRACKING_PARAMS, TRACKING_PREFIXES


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MIN_SHARED = 2
SUMMARY_WORDS = 80
MIN_WORD_OVERLAP = 0.25
SEMANTIC_AGREES = 0.80

_AMP_PARAMS = frozenset(("amp", "outputtype", "output", "amp_js_v", "usqp", "_gl", "at_medium", "at_campaign"))
_MOBILE_HOSTS = ("www.", "m.", "mobile.", "amp.", "mobil.")
_STOP = _words(
    """a an the of to in on at for from by with and or but as is are was were be been it its this that
    these those over after before into about amid new says say said how why what who will would could can
    may might has have had not no than then via up out more most his her their they he she we our after
    against under while who whom which also still just now two three four five six seven eight nine ten"""
)
# Common words that start sentences and headlines with a capital letter without being names.
_COMMON = _STOP | _words(
    """hundreds thousands dozens former record members majority jury judge police officers workers
    employees staff students lawmakers campaigners regulators regulator doctors privacy backlash data video
    game live job labour hackers ex lawsuit court council city government judges union unions facial face
    royal anti congress parliament meps mayor record watchdog game performers moderators drivers shoppers
    riders inquiry commission members one first last next week day days year years month months monday
    tuesday wednesday thursday friday saturday sunday january february march april june july august
    september october november december exclusive update updated breaking opinion analysis live watch
    nationwide a i in"""
)
_ALIASES = {
    "dutch": "netherlands",
    "irish": "ireland",
    "french": "france",
    "british": "uk",
    "britain": "uk",
    "britons": "uk",
    "u.k": "uk",
    "american": "us",
    "u.s": "us",
    "usa": "us",
    "italian": "italy",
    "spanish": "spain",
    "german": "germany",
    "kenyan": "kenya",
    "indian": "india",
    "indians": "india",
    "australian": "australia",
    "canadian": "canada",
    "chinese": "china",
    "japanese": "japan",
    "european": "eu",
    "israeli": "israel",
}
_SCALES = {"million": "m", "m": "m", "mn": "m", "billion": "b", "bn": "b", "b": "b", "thousand": "k", "k": "k"}
_TOKEN = re.compile(r"[$€£¥]?\d[\d,]*(?:\.\d+)?(?:%|[a-z]{1,2}\b)?|[\w&'’.-]+", re.UNICODE)
_FIGURE = re.compile(r"[$€£¥]?(\d[\d,]*(?:\.\d+)?)\s*(%|million|billion|thousand|bn|mn|[mbk]\b)?", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;:]$")
_OUTLET_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{1,40}$")
_YEAR = re.compile(r"(19|20)\d\d")
_RUN = re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:(?:of|and|for|the|&)\s+)?[A-Z][\w'’.-]*)+")
# Words that name a kind of body rather than which one: "Clearview AI" is Clearview.
_WEAK = _words("ai act group labs lab inc corp co department office board authority agency project city")


@dataclass(frozen=True)
class Report:
    """What event identity looks at in a story."""

    title: str
    summary: str
    link: str | None
    feed_url: str


@dataclass(frozen=True)
class Evidence:
    """A report read for identity: its address, and the names, figures and words it states."""

    link_key: str | None
    feed_url: str
    head_tokens: tuple[str, ...]  # headline words, casefolded, in order
    head_kinds: tuple[bool, ...]  # for each: is it a name or a figure
    body_tokens: tuple[str, ...]  # the same for the summary
    body_kinds: tuple[bool, ...]
    head_units: tuple[tuple[str, ...], ...]  # the headline's names, word runs ("san", "francisco")
    head_names: frozenset[str]  # their words, plus the headline's initials
    names: frozenset[str]  # every name word, plus the initials of each run ("sf", "ice")
    head_figures: frozenset[str]
    figures: frozenset[str]
    words: frozenset[str]


@dataclass(frozen=True)
class Verdict:
    same: bool
    reason: str


def link_key(link: str | None) -> str | None:
    """The address with everything that does not name the article set aside (see rule 1)."""
    if not link or not link.strip():
        return None
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return link.strip()
    host = parts.netloc.lower().rpartition("@")[2]
    host = host.split(":", 1)[0] if not host.startswith("[") else host
    for prefix in _MOBILE_HOSTS:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
    segments = [s for s in parts.path.split("/") if s and s.lower() != "amp"]
    if segments:
        last = segments[-1]
        for suffix in (".amp.html", ".amp"):
            if last.lower().endswith(suffix):
                segments[-1] = last[: -len(suffix)]
    kept = []
    for piece in parts.query.split("&"):
        name = unquote_plus(piece.split("=", 1)[0]).strip().lower()
        if not piece or name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES) or name in _AMP_PARAMS:
            continue
        kept.append(piece)
    query = "&".join(sorted(kept))
    return f"{host}/{'/'.join(segments)}" + (f"?{query}" if query else "")


def _fold(word: str) -> str:
    word = unicodedata.normalize("NFKD", word.casefold())
    word = "".join(ch for ch in word if not unicodedata.combining(ch)).replace("’", "'")
    for tail in ("'s", "'"):
        word = word.removesuffix(tail)
    word = word.strip(".-'")
    return _ALIASES.get(word, word)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _figures(text: str) -> set[str]:
    out = set()
    for m in _FIGURE.finditer(text):
        digits = m.group(1).replace(",", "")
        if _YEAR.fullmatch(digits) and not m.group(2):
            continue
        try:
            value = float(digits)
        except ValueError:
            continue
        scale = _SCALES.get((m.group(2) or "").lower(), m.group(2) or "")
        out.add(f"{value:g}{scale}")
    return out


def _read(text: str, title_case: bool, known: frozenset[str] = frozenset()) -> tuple[list[str], list[bool]]:
    """Words of ``text`` (casefolded) and, for each, whether it is a name or a figure. In a Title
    Case headline a capitalised word is a name only when the summary names it too (``known``)."""
    words: list[str] = []
    kinds: list[bool] = []
    start = True
    for raw in _TOKEN.findall(text):
        token = raw.strip(".,'’\"()[]")
        if not token:
            continue
        folded = _fold(token)
        figure = any(ch.isdigit() for ch in token)
        capital = token[0].isupper() or token[0] in "$€£¥"
        acronym = len(token) >= 2 and token.replace("&", "").replace(".", "").isupper()
        if figure:
            is_name = True
        elif acronym:
            is_name = folded not in _COMMON or len(token) <= 4
        elif capital and (start or title_case):
            is_name = folded not in _COMMON and (not title_case or folded in known or folded in _ALIASES.values())
        else:
            is_name = capital and folded not in _COMMON
        parts = [_fold(p) for p in folded.split("-")] if is_name and not figure and "-" in folded else [folded]
        for part in parts:
            if part and not (is_name and part in _COMMON):
                words.append(part)
                kinds.append(is_name)
        start = bool(_SENTENCE_END.search(raw)) or raw in ("-", "–", "—")
    return words, kinds


def _initials(text: str) -> set[str]:
    """The initials of each run of capitalised words: "Immigration and Customs Enforcement" → "ice"."""
    out = set()
    for m in _RUN.finditer(text):
        letters = [w[0] for w in m.group(0).split() if w[0].isupper()]
        if len(letters) >= 2:
            out.add("".join(letters).casefold())
    return out


def _units(words: list[str], kinds: list[bool]) -> tuple[tuple[str, ...], ...]:
    units: list[tuple[str, ...]] = []
    run: list[str] = []
    for word, kind in [*zip(words, kinds, strict=True), ("", False)]:
        if kind and not any(ch.isdigit() for ch in word):
            run.append(word)
        elif run:
            units.append(tuple(run))
            run = []
    return tuple(units)


def _covered(unit: tuple[str, ...], names: frozenset[str]) -> bool:
    """Whether another report names this headline name (all its telling words, or its initials)."""
    strong = [w for w in unit if w not in _WEAK] or list(unit)
    return all(w in names for w in strong) or "".join(w[0] for w in unit) in names


@lru_cache(maxsize=4096)
def evidence(report: Report) -> Evidence:
    """Read a report once; compare the result with ``same_event`` as often as needed (the last
    4,096 readings are kept: the store compares each new story with the same recent clusters)."""
    title = _OUTLET_SUFFIX.sub("", report.title.strip()) or report.title
    summary = re.sub(r"^\([^)]{1,30}\)\s*[-–—]\s*", "", report.summary.strip())
    summary = " ".join(summary.split()[:SUMMARY_WORDS])
    words = [w for w in title.split() if w[:1].isalpha()]
    title_case = len(words) >= 4 and sum(w[0].isupper() for w in words) / len(words) > 0.6
    body_words, body_kinds = _read(summary, title_case=False)
    body_names = {w for w, k in zip(body_words, body_kinds, strict=True) if k}
    head_words, head_kinds = _read(title, title_case, frozenset(body_names))
    head_names = {w for w, k in zip(head_words, head_kinds, strict=True) if k and not w[0].isdigit()}
    initials = _initials(title) | _initials(summary)
    head_figures = _figures(title)
    content = {_stem(w) for w in head_words + body_words if w not in _STOP and len(w) > 1}
    return Evidence(
        link_key=link_key(report.link),
        feed_url=report.feed_url,
        head_tokens=tuple(head_words),
        head_kinds=tuple(head_kinds),
        body_tokens=tuple(body_words),
        body_kinds=tuple(body_kinds),
        head_units=_units(head_words, head_kinds),
        head_names=frozenset(n for n in head_names | _initials(title) if not n[0].isdigit()),
        names=frozenset(n for n in head_names | body_names | initials if not n[0].isdigit()),
        head_figures=frozenset(head_figures),
        figures=frozenset(head_figures | _figures(summary)),
        words=frozenset(content),
    )


def _template_differs(
    a_tokens: tuple[str, ...], a_kinds: tuple[bool, ...], b_tokens: tuple[str, ...], b_kinds: tuple[bool, ...]
) -> bool:
    """Two texts are one template with other names or figures in its slots."""
    matcher = difflib.SequenceMatcher(a=a_tokens, b=b_tokens, autojunk=False)
    changed_a = changed_b = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if not all(a_kinds[i1:i2]) or not all(b_kinds[j1:j2]):
            return False
        changed_a += i2 - i1
        changed_b += j2 - j1
    return changed_a > 0 and changed_b > 0 and matcher.ratio() >= 0.5


def same_event(a: Evidence, b: Evidence, semantic: float | None = None) -> Verdict:
    """Whether two reports are one event (see the module docstring for the rule and why).

    ``semantic``: the embedding similarity of the two reports where the semantic layer computed
    it; it may stand in for word overlap, never for agreeing names."""
    if a.link_key and a.link_key == b.link_key:
        return Verdict(True, "same link")
    if a.feed_url == b.feed_url:
        return Verdict(False, "same feed, different links")
    if _template_differs(a.head_tokens, a.head_kinds, b.head_tokens, b.head_kinds):
        return Verdict(False, "same headline with other names or figures")
    if _template_differs(a.body_tokens, a.body_kinds, b.body_tokens, b.body_kinds):
        return Verdict(False, "same summary with other names or figures")
    if not any(_covered(u, b.head_names) for u in a.head_units):
        return Verdict(False, "the headlines share no name")
    missing_a = [u for u in a.head_units if not _covered(u, b.names)]
    missing_b = [u for u in b.head_units if not _covered(u, a.names)]
    if missing_a and missing_b:
        return Verdict(False, f"names disagree: {missing_a} / {missing_b}")
    for x, y in ((a, b), (b, a)):
        if x.head_figures and y.figures and not x.head_figures & y.figures:
            return Verdict(False, f"figures disagree: {sorted(x.head_figures)} / {sorted(y.figures)}")
    shared = len(a.names & b.names) + len(a.figures & b.figures)
    if shared < MIN_SHARED:
        return Verdict(False, f"too few shared names and figures ({shared})")
    if missing_a or missing_b:
        return Verdict(False, f"a headline names what the other report does not: {missing_a or missing_b}")
    overlap = len(a.words & b.words) / max(1, min(len(a.words), len(b.words)))
    if overlap >= MIN_WORD_OVERLAP:
        return Verdict(True, f"names agree ({shared} shared), word overlap {overlap:.2f}")
    if semantic is not None and semantic >= SEMANTIC_AGREES:
        return Verdict(True, f"names agree ({shared} shared), embedding similarity {semantic:.2f}")
    return Verdict(False, f"names agree but the texts do not (word overlap {overlap:.2f})")

"""Write data/pairs/pairs.jsonl: the labelled pairs of reports for the event-identity benchmark.

    PYTHONPATH=$PWD .venv/bin/python bench/make_pairs.py

Every text is invented for this project (bench/pairs_events.py and the templates below). The
output is deterministic; data/pairs/README.md says what each kind of pair is and how it is
labelled. Run it again after editing the texts, and commit both.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

from pairs_events import EVENTS  # type: ignore[import-not-found]

OUT = Path(__file__).resolve().parents[1] / "data" / "pairs" / "pairs.jsonl"
OUTLETS = (
    "dailyledger.example",
    "wirenews.example",
    "techbeat.example",
    "civicpost.example",
    "openrecord.example",
    "metrotimes.example",
    "northstar.example",
)

# Template traps: one headline and summary pattern, different fillers = different events.
TEMPLATES: list[tuple[str, str, str, list[dict[str, str]]]] = [
    (
        "ice-protest",
        "{co} employees protest ICE contract",
        "Workers at {co} signed a petition asking executives to end the company's contract with Immigration "
        "and Customs Enforcement.",
        [{"co": c} for c in ("Microsoft", "Google", "Amazon", "Salesforce", "Accenture")],
    ),
    (
        "police-face-cameras",
        "{city} police adopt facial recognition cameras downtown",
        "Officers will be able to compare faces caught on camera with a watchlist in real time, the department "
        "said; civil liberties groups objected.",
        [{"city": c} for c in ("Denver", "Austin", "Leeds", "Lyon", "Toronto", "Melbourne")],
    ),
    (
        "privacy-fine",
        "{country} fines {co} €{n} million over data breach",
        "The {adj} data protection authority said {co} failed to secure customer records and must pay €{n} million.",
        [
            {"country": "Ireland", "adj": "Irish", "co": "Meta", "n": "12"},
            {"country": "Ireland", "adj": "Irish", "co": "Meta", "n": "40"},
            {"country": "France", "adj": "French", "co": "Meta", "n": "12"},
            {"country": "Ireland", "adj": "Irish", "co": "TikTok", "n": "12"},
            {"country": "Italy", "adj": "Italian", "co": "Meta", "n": "12"},
            {"country": "France", "adj": "French", "co": "TikTok", "n": "40"},
        ],
    ),
    (
        "driver-strike",
        "{co} drivers strike over pay cuts in {city}",
        "Drivers for {co} in {city} logged off for 24 hours to protest lower rates, organisers said.",
        [
            {"co": "Uber", "city": "London"},
            {"co": "Uber", "city": "Paris"},
            {"co": "Lyft", "city": "London"},
            {"co": "Uber", "city": "Chicago"},
            {"co": "Bolt", "city": "London"},
        ],
    ),
    (
        "drone-contract",
        "{co} wins ${n} million Pentagon drone contract",
        "The Department of Defense awarded {co} a ${n} million contract for autonomous drone software, "
        "according to a filing.",
        [
            {"co": "Anduril", "n": "100"},
            {"co": "Anduril", "n": "250"},
            {"co": "Palantir", "n": "100"},
            {"co": "Shield AI", "n": "100"},
            {"co": "Palantir", "n": "480"},
        ],
    ),
    (
        "predictive-policing-ban",
        "{city} bans predictive policing software",
        "The council voted to end the police department's use of crime-forecasting software, citing bias "
        "against poor neighbourhoods.",
        [{"city": c} for c in ("Santa Cruz", "New Orleans", "Oakland", "Pittsburgh", "Los Angeles")],
    ),
    (
        "union-firing",
        "{co} fires {n} warehouse workers after union vote",
        "{co} dismissed {n} employees at a warehouse in {city} weeks after they voted to unionise, the union said.",
        [
            {"co": "Amazon", "n": "12", "city": "Staten Island"},
            {"co": "Amazon", "n": "30", "city": "Staten Island"},
            {"co": "Amazon", "n": "12", "city": "Coventry"},
            {"co": "Ikea", "n": "12", "city": "Staten Island"},
            {"co": "Walmart", "n": "40", "city": "Bessemer"},
        ],
    ),
    (
        "hiring-tool",
        "{co} drops AI hiring tool after bias audit",
        "An audit found the screening software used by {co} ranked women lower; the company has stopped using it.",
        [{"co": c} for c in ("Unilever", "Amazon", "Deloitte", "Goldman Sachs", "Nestlé")],
    ),
    (
        "records-leak",
        "Hackers leak {n} million records from {co}",
        "The stolen files, posted on a criminal forum, include names, email addresses and phone numbers, "
        "researchers said.",
        [
            {"n": "50", "co": "Ticketmaster"},
            {"n": "50", "co": "Santander"},
            {"n": "560", "co": "Ticketmaster"},
            {"n": "30", "co": "Santander"},
            {"n": "10", "co": "AT&T"},
        ],
    ),
    (
        "state-face-ban",
        "{state} lawmakers pass ban on police facial recognition",
        "The bill passed by the {state} legislature prohibits police from using face recognition except with "
        "a warrant.",
        [{"state": s} for s in ("Vermont", "Maine", "Virginia", "Oregon", "Montana")],
    ),
    (
        "proctoring-protest",
        "{school} students protest exam proctoring software",
        "Students say the remote proctoring tool, which watches them through webcams during exams, flags "
        "darker-skinned students more often.",
        [{"school": s} for s in ("Harvard", "Stanford", "UCLA", "Columbia", "Purdue")],
    ),
    (
        "child-privacy-settlement",
        "{co} to pay ${n} million to settle FTC children's privacy charges",
        "The Federal Trade Commission said {co} kept children's voice recordings and location data; the "
        "settlement is ${n} million.",
        [
            {"co": "Amazon", "n": "25"},
            {"co": "Amazon", "n": "30"},
            {"co": "Microsoft", "n": "20"},
            {"co": "Epic Games", "n": "275"},
            {"co": "Amazon", "n": "20"},
        ],
    ),
]

# Template traps whose summaries name the other report's actor too (each names both companies or
# cities), so only the headlines tell them apart.
CROSS_TRAPS: list[tuple[tuple[str, str], tuple[str, str]]] = [
    (
        (
            "Google employees protest ICE contract",
            "Google workers signed a letter against the cloud deal with ICE, weeks after a similar protest at "
            "Microsoft.",
        ),
        (
            "Microsoft employees protest ICE contract",
            "Microsoft staff want the ICE contract cancelled, echoing a letter by Google workers earlier this year.",
        ),
    ),
    (
        (
            "Austin police adopt facial recognition cameras downtown",
            "Austin follows Denver, which installed similar face-matching cameras last spring.",
        ),
        (
            "Denver police adopt facial recognition cameras downtown",
            "Denver's rollout comes as Austin weighs the same system for its downtown streets.",
        ),
    ),
    (
        (
            "Amazon drivers strike over pay cuts in London",
            "Couriers for Amazon in London stopped work; Uber drivers held a similar strike last month.",
        ),
        (
            "Uber drivers strike over pay cuts in London",
            "Uber drivers in London logged off; organisers pointed to the Amazon couriers' strike as a model.",
        ),
    ),
    (
        (
            "Leeds bans predictive policing software",
            "Leeds councillors cited the experience of Manchester, which dropped crime forecasting last year.",
        ),
        (
            "Manchester bans predictive policing software",
            "Manchester's council acted after Leeds started a review of the same software.",
        ),
    ),
    (
        (
            "Anduril wins $100 million Pentagon drone contract",
            "Anduril beat Palantir for the $100 million award for drone software.",
        ),
        (
            "Palantir wins $100 million Pentagon drone contract",
            "Palantir won the $100 million award; Anduril had also bid for the drone software work.",
        ),
    ),
    (
        (
            "Vermont lawmakers pass ban on police facial recognition",
            "Vermont's ban is modelled on a bill that failed in Maine last year.",
        ),
        (
            "Maine lawmakers pass ban on police facial recognition",
            "Maine's legislature adopted the ban, which goes further than Vermont's law.",
        ),
    ),
]

# Same actor or topic, different events (index pairs into EVENTS by slug).
SAME_ACTOR = [
    ("clearview-dutch-fine", "clearview-uk-fine"),
    ("amazon-rekognition-moratorium", "ftc-amazon-ring"),
    ("meta-irish-fine", "kenya-moderators"),
    ("google-maven", "google-nimbus"),
    ("denver-face-ban", "san-diego-streetlights"),
    ("rite-aid-ftc", "ftc-amazon-ring"),
    ("uber-drivers-london", "instacart-shoppers"),
    ("msft-ice-letter", "google-nimbus"),
    ("glovo-spain", "italy-deliveroo-algorithm"),
    ("ibm-face-exit", "amazon-rekognition-moratorium"),
    ("chicago-shotspotter", "sf-police-robots"),
    ("worldcoin-kenya", "kenya-moderators"),
]


def slugify(title: str) -> str:
    return "-".join("".join(ch for ch in w.lower() if ch.isalnum()) for w in title.split())[:60].strip("-")


def report(title: str, summary: str, outlet: str, path: str | None = None) -> dict[str, str]:
    return {
        "title": title,
        "summary": summary,
        "link": f"https://{outlet}/news/{path or slugify(title)}",
        "feed": f"https://{outlet}/rss",
    }


def variant_link(link: str, how: int) -> str:
    """The same article's address as an aggregator, AMP page or mobile site spells it."""
    rest = link.split("://", 1)[1]
    host, path = rest.split("/", 1)
    return [
        f"{link}?utm_source=rss&utm_medium=feed&utm_campaign=news",
        f"https://amp.{host}/{path}",
        f"https://{host}/{path}/amp/",
        f"https://m.{host}/{path}?fbclid=IwAR0abc",
        f"https://{host}/amp/{path}",
        f"https://www.{host}/{path}?outputType=amp",
    ][how % 6]


def main() -> int:
    rng = random.Random(13)
    pairs: list[dict[str, Any]] = []

    def add(kind: str, same: bool, a: dict[str, str], b: dict[str, str], hours: float, note: str = "") -> None:
        pairs.append(
            {"id": f"{kind}-{len(pairs):04d}", "kind": kind, "same": same, "hours_apart": hours, "a": a, "b": b}
            | ({"note": note} if note else {})
        )

    by_slug: dict[str, list[dict[str, str]]] = {}
    for n, (slug, *texts) in enumerate(EVENTS):
        outlets = rng.sample(OUTLETS, 5)
        r = [report(t, s, outlets[i], f"{slug}-{i}") for i, (t, s) in enumerate(texts)]
        by_slug[slug] = r
        first, second, third, follow = r
        for x, y in ((first, second), (first, third), (second, third)):
            add("retold", True, x, y, round(rng.uniform(0, 6), 1))
        # syndicated: an aggregator's copy with tracking parameters, an AMP or mobile copy, and a
        # wire copy reprinted under the reprinting outlet's own address
        agg = dict(first, link=variant_link(first["link"], 0), feed=f"https://{outlets[3]}/rss")
        add("syndicated", True, first, agg, round(rng.uniform(0, 2), 1), "tracking parameters")
        amp = dict(first, link=variant_link(first["link"], 1 + n), feed=f"https://{outlets[4]}/rss")
        amp["summary"] = first["summary"].split(", ")[0].rstrip(".") + "."
        add("syndicated", True, first, amp, round(rng.uniform(0, 2), 1), "AMP or mobile address")
        wire = report(f"{first['title']} | {outlets[4].split('.')[0].title()}", first["summary"], outlets[4])
        add("syndicated", True, first, wire, round(rng.uniform(0, 3), 1), "wire copy under its own address")
        add("follow-up", True, first, follow, round(rng.uniform(20, 72), 1))

    for name, title, summary, fillers in TEMPLATES:
        filled = []
        for i, f in enumerate(fillers):
            outlet = OUTLETS[(i * 3 + len(name)) % len(OUTLETS)]
            filled.append(report(title.format(**f), summary.format(**f), outlet))
        for x, y in itertools.combinations(filled, 2):
            add("template-trap", False, x, y, round(rng.uniform(0, 24), 1), name)
    for (ta, sa), (tb, sb) in CROSS_TRAPS:
        add("template-trap", False, report(ta, sa, OUTLETS[0]), report(tb, sb, OUTLETS[1]), 3.0, "names cross")

    for sa, sb in SAME_ACTOR:
        add("unrelated", False, by_slug[sa][0], by_slug[sb][0], round(rng.uniform(0, 48), 1), "same actor or topic")
    slugs = list(by_slug)
    for _ in range(30):
        sa, sb = rng.sample(slugs, 2)
        add(
            "unrelated",
            False,
            by_slug[sa][rng.randrange(3)],
            by_slug[sb][rng.randrange(3)],
            round(rng.uniform(0, 48), 1),
        )

    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as out:
        for pair in pairs:
            out.write(json.dumps(pair, ensure_ascii=False) + "\n")
    kinds: dict[str, int] = {}
    for pair in pairs:
        kinds[pair["kind"]] = kinds.get(pair["kind"], 0) + 1
    print(f"{len(pairs)} pairs written to {OUT}: {kinds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

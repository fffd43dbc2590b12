"""The shipped rules.yaml: it loads, covers the ten categories, sorts a table of short stories
(positives, paraphrases and homonym traps written for this test) into the right categories, and
meets the quality bar on the labelled development set when ../shared is present."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.load import load_config
from bot.core.labelled import read_labelled
from bot.core.models import Story
from bot.review.evaluate import predict, score
from bot.rules.match import RuleSet, compile_config, match_story

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules.yaml"
DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev.jsonl"

FR = "facial-recognition"
IE = "immigration-enforcement"
MA = "military-ai"
WA = "worker-activism"
PP = "predictive-policing"
PS = "privacy-spyware"
CM = "censorship-moderation"
LC = "labor-conditions"
SA = "shareholder-activism"
CS = "civil-society"
CATEGORIES = {FR, IE, MA, WA, PP, PS, CM, LC, SA, CS}


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    config = load_config(RULES)
    return compile_config(config)


def categories_of(ruleset: RuleSet, title: str, summary: str = "") -> set[str]:
    story = Story(key="t", feed_url="test", source="test", title=title, summary=summary)
    return {m.category for m in match_story(ruleset, story)}


def test_rules_load_compile_and_cover_every_category(ruleset: RuleSet) -> None:
    config = load_config(RULES)
    assert {r.category for r in config.rules if r.enabled} == CATEGORIES
    assert len(ruleset.rules) == len(config.rules)
    for rule in config.rules:
        assert rule.description, f"{rule.id} has no description"
        assert rule.severity in ("low", "medium", "high", "critical")
    ids = [r.id for r in config.rules]
    assert len(ids) == len(set(ids))


def test_settings_and_feeds() -> None:
    config = load_config(RULES)
    assert config.settings.poll_interval == 15 * 60
    assert config.settings.lookback == 24 * 3600
    assert config.settings.default_channel == "#ethics-alerts"
    assert 10 <= len(config.feeds) <= 20
    assert all(f.url.startswith("https://") and f.name for f in config.feeds)
    assert "https://www.zdnet.com/news/rss.xml" in {f.url for f in config.feeds}


# (title, summary, expected categories). Written for this test, not taken from dev.jsonl.
STORIES: list[tuple[str, str, set[str]]] = [
    # --- the seed story (headline + our paraphrase of its opening) and its five traps
    (
        "Now Amazon employees rebel: 'End police facial-recognition contracts, ICE support'",
        "A group of Amazon staff wrote to chief executive Jeff Bezos asking him to stop selling "
        "the Rekognition face software to police and to stop hosting Palantir, whose tools help "
        "Immigration and Customs Enforcement detain and deport people.",
        {FR, IE, WA},
    ),
    (
        "Rangers edge Bruins as ice time shrinks for rookie",
        "Boston's young centre played nine minutes on the ice in a 3-2 loss.",
        set(),
    ),
    (
        "Amazon launches a cheaper Kindle with a brighter screen",
        "The new e-reader ships next month and costs $20 less than the last model.",
        set(),
    ),
    (
        "Face ID review: the fastest unlock Apple has made",
        "Apple's face scanner recognised our tester in the dark and with sunglasses on.",
        set(),
    ),
    (
        "ICE posts record quarterly revenue on energy futures boom",
        "Intercontinental Exchange said trading in Brent and gas contracts lifted results.",
        set(),
    ),
    ("Sign up for our weekly newsletter", "Get the best of our technology coverage in your inbox every Friday.", set()),
    # --- facial-recognition
    (
        "Sheriff's deputies ran protest photos through face-matching app",
        "Records show the department used a vendor's database of scraped images to identify marchers.",
        {FR},
    ),
    (
        "Stadium drops gate cameras that scanned fans' faces",
        "The club said it would delete the biometric templates after the data regulator objected.",
        {FR},
    ),
    ("Speech recognition now built into office software", "Users can dictate documents in 40 languages.", set()),
    (
        "Photo gallery update groups your pets' faces",
        "Cats and dogs now get their own albums, the app maker said.",
        set(),
    ),
    # --- immigration-enforcement
    (
        "Analytics firm renews contract with the deportation agency",
        "The software helps ICE officers decide whom to detain, according to procurement records.",
        {IE},
    ),
    (
        "Border agency buys surveillance towers from defence start-up",
        "Customs and Border Protection will deploy autonomous towers that track people crossing the desert.",
        {IE},
    ),
    (
        "Customs and Border Protection reports record tariff collections",
        "Duties on imports rose sharply, agency figures show.",
        set(),
    ),
    ("Deportivo clinch promotion with late winner", "The Galician club is back in the second division.", set()),
    # --- military-ai
    (
        "Cloud provider signs AI deal with the Pentagon",
        "The contract supplies machine learning tools to the Defense Department for drone video analysis.",
        {MA},
    ),
    (
        "Diplomats again fail to agree limits on killer robots",
        "Talks on weapons that choose targets without human control stalled in Geneva.",
        {MA},
    ),
    ("Apache Maven release speeds up Java builds", "The build tool adds parallel dependency resolution.", set()),
    ("Navy orders six new frigates", "The shipyard contract is worth $4bn over a decade.", set()),
    # --- worker-activism
    (
        "Game studio staff walk out over return-to-office order",
        "Hundreds of developers left their desks in protest at the policy.",
        {WA},
    ),
    (
        "Delivery riders log off across the city",
        "Couriers for a food delivery app stopped work for the evening over a new algorithm that assigns orders.",
        {WA, LC},
    ),
    ("Pitcher records 14 strikeouts in win", "The right-hander struck out the side twice.", set()),
    (
        "European Union and Canada sign data pact",
        "The agreement covers cross-border flows of business information.",
        set(),
    ),
    # --- predictive-policing
    (
        "City bans police from using crime-forecasting software",
        "Council members said the predictions sent patrols back to the same neighbourhoods.",
        {PP},
    ),
    (
        "Court questions risk scores used to deny bail",
        "Defendants say the pretrial algorithm cannot be examined.",
        {PP},
    ),
    ("Keyboard's predictive text learns your nicknames", "Suggestions are processed on the phone.", set()),
    (
        "Police appeal for witnesses after shop robbery",
        "Officers released surveillance footage of two suspects.",
        set(),
    ),
    # --- privacy-spyware
    (
        "Spyware found on phones of exiled journalists",
        "Forensic researchers said the hacking tool was sold to a government client.",
        {PS},
    ),
    (
        "Data broker sold visits to clinics, regulator says",
        "The company's location data revealed where people went for health care.",
        {PS},
    ),
    ("Pegasus Airlines adds summer routes", "The Turkish carrier will fly to ten more cities.", set()),
    ("Browser update blocks tracking scripts by default", "The release also speeds up page loading.", set()),
    # --- censorship-moderation
    (
        "Government orders blocking of messaging app during protests",
        "Telegram was cut off nationwide as unrest spread, the regulator said.",
        {CM},
    ),
    (
        "Platform suppressed posts about the war, researchers say",
        "Instagram hid content from journalists in the region under its moderation guidelines.",
        {CM},
    ),
    ("Congress averts government shutdown", "Agencies stay funded for another six weeks.", set()),
    ("Wrestler's late takedown wins the title", "The two-point move came in the final seconds.", set()),
    # --- labor-conditions
    (
        "Warehouse workers report injuries as quotas rise",
        "Staff at the fulfilment centre said the pace set by the scanners left no time for breaks.",
        {LC},
    ),
    (
        "Kenyan data labellers paid under $2 an hour",
        "Workers training AI models for a US tech firm described graphic content and low pay.",
        {LC},
    ),
    ("Labour Party sets out housing plan", "The leader promised new towns.", set()),
    (
        "Retailer opens new fulfilment centre creating 800 jobs",
        "The site will handle parcels for the holiday season.",
        set(),
    ),
    # --- shareholder-activism (always with an issue)
    (
        "Investors file proposal on police use of face software",
        "Shareholders asked Amazon to report on sales of Rekognition to law enforcement.",
        {SA, FR},
    ),
    (
        "Pension fund divests from spyware vendor over human rights",
        "The fund said the company's surveillance tools were used against activists.",
        {SA, PS},
    ),
    (
        "Activist investor takes stake in chipmaker, seeks board seats",
        "The hedge fund wants the company to cut costs.",
        set(),
    ),
    ("Shareholders approve $20bn merger of software firms", "The deal passed with 97% support.", set()),
    # --- civil-society (always with an issue)
    (
        "Rights group sues police over face recognition cameras",
        "Liberty said the force's live facial recognition vans breached privacy law.",
        {FR, CS},
    ),
    (
        "Digital rights groups launch campaign against message scanning",
        "The coalition said the plan would break encryption for everyone.",
        {PS, CS},
    ),
    ("Police launch knife amnesty", "Bins outside stations accept blades with no questions asked.", set()),
    (
        "Amnesty International appoints new secretary general",
        "The organisation named a former diplomat to lead it.",
        set(),
    ),
    # Governments and device access, as link blogs name it; "unlock" and "break into" in their
    # business senses stay out.
    ("Tim Cook interview on the FBI/iPhone case", "Solid and fair.", {PS}),
    ("White House petition to side with Apple", "The FBI wants a backdoor to bypass digital locks.", {PS}),
    ("Court orders Apple to help investigators unlock a gunman's phone", "", {PS}),
    ("Government wants to unlock AI investment, says Google", "", set()),
    ("Apple fights to break into the chip market as government pledges support", "", set()),
    ("FBI investigates Tesla over production figures", "", set()),
    ("FBI warns iPhone users about scam texts", "", set()),
    # Data breaches that officials take up; user tracking a rule forbids.
    ("Senators demand answers after data breach at credit bureau", "Millions of customers were affected.", {PS}),
    ("White House exempts YouTube from its ban on tracking cookies", "", {PS}),
    ("Contractor sued for breach of contract", "", set()),
]


@pytest.mark.parametrize(("title", "summary", "expected"), STORIES, ids=[s[0][:50] for s in STORIES])
def test_story_table(ruleset: RuleSet, title: str, summary: str, expected: set[str]) -> None:
    assert categories_of(ruleset, title, summary) == expected


def test_seed_story_alerts_once_in_the_default_channel(ruleset: RuleSet) -> None:
    title, summary, _ = STORIES[0]
    story = Story(key="seed", feed_url="test", source="ZDNet", title=title, summary=summary)
    assert {m.channel for m in match_story(ruleset, story)} == {"#ethics-alerts"}


def test_dev_set_meets_the_quality_bar(ruleset: RuleSet) -> None:
    if not DEV.exists():
        pytest.skip(f"{DEV} is not available")
    config = load_config(RULES)
    report = score(predict(ruleset, read_labelled(DEV)), {r.category for r in config.rules})
    assert report.relevance.precision >= 0.92
    assert report.relevance.recall >= 0.88
    weak = {c: round(s.f1, 3) for c, s in report.categories.items() if s.f1 < 0.75}
    assert not weak, f"categories below F1 0.75: {weak}"

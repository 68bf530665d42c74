"""How refusals read on the staff pages, which speak Dutch only: a route's refusal (the text of
an HTTP error, English for the JSON API), and a region or yearly figure that cannot be saved.

bot.regions and bot.checks word their refusals in English for the command line (`bot regions
import`, `bot rules import`), with where the problem is ("region utrecht: ..."); an editor reads
the problem in Dutch. A refusal not listed here gets a general Dutch sentence, never English.
(Answers: bot.staff.editor.dutch_error; accounts: bot.staff.user_pages.)
"""
from __future__ import annotations

import re

from bot.checks.rules import RuleError
from bot.regions.directory import RegionError

# The routes' reasons for refusing (English, for the JSON API) as staff read them on a page.
PAGE_REASONS = {
    "no such handover": "Deze overdracht bestaat niet (meer). Misschien heeft de gebruiker het gesprek "
                        "gewist, of is de bewaartermijn voorbij.",
    "another worker has already taken this handover": "Een collega heeft deze overdracht al opgepakt.",
    "only the worker who joined a live chat can write in it":
        "Alleen de hulpverlener die het gesprek oppakte, kan hierin schrijven. Misschien is de chat al beëindigd.",
    "only the worker who joined can end the chat":
        "Alleen de hulpverlener die het gesprek oppakte, kan het beëindigen.",
    "this handover is already closed": "Deze overdracht is al afgesloten.",
    "another worker has this handover": "Een collega heeft deze overdracht.",
    "claim the handover first": "Pak de overdracht eerst op.",
    "write a message first": "Schrijf eerst een bericht.",
    "your role has no access to conversations": "Met jouw rol kun je geen gesprekken zien.",
    "your role has no access here": "Met jouw rol kun je deze pagina niet gebruiken.",
    "missing or wrong CSRF token; reload the page": "Deze pagina was verlopen of kwam niet van ons. Laad hem "
                                                    "opnieuw en probeer het nog eens.",
    "no such answer": "Dit antwoord bestaat niet (meer).",
    "no such region": "Deze regio bestaat niet (meer).",
    "no such rule": "Deze regel bestaat niet.",
    "no such account": "Dit account bestaat niet (meer).",
    "no such intent": "Dit onderwerp bestaat niet (meer).",
    "no such phrasing": "Deze voorbeeldzin bestaat niet (meer). Misschien heeft iemand hem al verwijderd.",
    "Deze versie kan niet opnieuw gepubliceerd worden.": "Deze versie kan niet opnieuw gepubliceerd worden.",
}
PAGE_UNLISTED = "Probeer het opnieuw, of ga terug naar de vorige pagina."

# "data/regions.yml, region x: ", "region x: ", "database: " before the problem.
_REGION_WHERE = re.compile(r"^(?:(?:[\w./-]+|region [\w-]+)(?:, region [\w-]+)?: )?(?P<problem>.*)$", re.S)
_CLOSURE_EXAMPLE = "schrijf een datum als '2026-12-24' of een periode als '2026-12-28/2026-12-31'"
REGION_REFUSALS: list[tuple[str, str]] = [
    (r"a name and an organisation are required", "Een naam en een organisatie zijn verplicht."),
    (r"(?P<code>\S+) is not a gemeente code", "{code} is geen gemeentecode."),
    (r"'(?P<line>.*)' is not the name or CBS code of a gemeente",
     "'{line}' is geen naam of CBS-code van een gemeente. Schrijf één gemeente per regel."),
    (r"(?P<name>.+) is also in region (?P<other>\S+)",
     "{name} hoort al bij regio {other}; een gemeente hoort bij één regio."),
    (r"languages are two-letter codes.*", "Schrijf talen als codes van twee letters, met komma's: nl, en."),
    (r"office hours '(?P<text>.*)': write them like .*",
     "Openingstijden '{text}': schrijf ze als 'ma-vr 9:00-17:00' (meer delen met ; ertussen)."),
    (r"office hours '(?P<text>.*)': closing time before opening time",
     "Openingstijden '{text}': de sluitingstijd ligt voor de openingstijd."),
    (r"closed: a list of dates and periods.*", f"Gesloten: één datum of periode per regel; {_CLOSURE_EXAMPLE}."),
    (r"closed '(?P<written>.*)': the period ends before it starts",
     "Gesloten '{written}': de periode eindigt voordat hij begint."),
    (r"closed '(?P<written>.*)': longer than a year.*",
     "Gesloten '{written}': langer dan een jaar. Pas dan liever de openingstijden of de regio aan."),
    (r"closed '(?P<written>.*)': write a date.*", f"Gesloten '{{written}}': {_CLOSURE_EXAMPLE}."),
    (r"a second editor must approve a change to a region",
     "Een tweede redacteur moet een wijziging van een regio goedkeuren."),
    (r"there is no such region", "Deze regio bestaat niet (meer)."),
    (r"every region needs an id.*", "Elke regio heeft een id van kleine letters, cijfers en -."),
    (r"two regions have the same id", "Twee regio's hebben dezelfde id."),
    (r"a region with id national.*", "Er moet een landelijke regio zijn (id national)."),
]
REGION_UNLISTED = "Deze regio kan zo niet opgeslagen worden. Kijk de velden na, of vraag de beheerder wat er mis is."

# "editor: name: ", "name: " before the problem.
_RULE_WHERE = re.compile(r"^(?:[\w./-]+: )?(?:[\w-]+: )?(?P<problem>.*)$", re.S)
RULE_REFUSALS: list[tuple[str, str]] = [
    (r"value must be a number", "Het bedrag moet een getal zijn."),
    (r"year must be the year the value holds for", "Vul het jaar in waarvoor het bedrag geldt (2000 tot 2100)."),
    (r"a source and where to check the current value are required",
     "Een bron en waar je het actuele bedrag kunt nakijken zijn verplicht."),
    (r"there is no such rule", "Deze regel bestaat niet."),
]
RULE_UNLISTED = "Deze regel kan zo niet opgeslagen worden. Kijk de velden na, of vraag de beheerder wat er mis is."


def page_reason(text: str) -> str:
    """A route's refusal (an HTTP error's text) as a staff page shows it."""
    return PAGE_REASONS.get(text, PAGE_UNLISTED)


def region_refusal(error: RegionError) -> str:
    return _dutch(str(error), _REGION_WHERE, REGION_REFUSALS, REGION_UNLISTED)


def rule_refusal(error: RuleError) -> str:
    return _dutch(str(error), _RULE_WHERE, RULE_REFUSALS, RULE_UNLISTED)


def _dutch(message: str, where: re.Pattern[str], refusals: list[tuple[str, str]], unlisted: str) -> str:
    problem = where.match(message)
    for candidate in (problem["problem"] if problem else message, message):
        for pattern, dutch in refusals:
            found = re.fullmatch(pattern, candidate, re.S)
            if found:
                return dutch.format(**found.groupdict())
    return unlisted

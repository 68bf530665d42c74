"""Finds people's names: a first name from data/first_names.tsv and the surname after it
("Johan Pietersen", "Fatima el Amrani", "Johan van der Berg"), a surname after "meneer" or
"mevrouw", and any name after "heet" or "mijn naam is".

A first name that is also an everyday word ("Hoop", "Roos", "Mark", "Will") counts only where
the context says name: capitalised in mid-sentence or before a surname, or after "heet", "mijn
pooier", "meneer", "hoi". Places, organisations (bot/privacy/public_names.py) and streets or
buildings named after someone ("Johan de Wittlaan", "Anne Frank Huis") are no names. Works on the
spaCy tokens the redactor already has; never logs its input.
"""
from __future__ import annotations

import re
from pathlib import Path

from spacy.tokens import Doc, Token

from bot.privacy.finding import Finding
from bot.privacy.public_names import PublicNames

FIRST_NAMES_FILE = Path(__file__).resolve().parents[2] / "data" / "first_names.tsv"

# "ik heet", "mijn naam is", "my name is", "called": whatever name follows, listed or not.
_NAMING_VERBS = frozenset({"heet", "heette", "heten", "genaamd", "called", "named"})
_NOT_A_PERSON = frozenset({"het", "dat", "dit", "wat", "hoe", "welke", "it", "that", "this", "what",
                           "how", "which", "so", "zo", "ook", "dus"})
_NAME_WORDS = frozenset({"naam", "name", "name's", "voornaam", "achternaam", "surname"})
# People the user talks about: a name may follow ("mijn pooier Johan").
_RELATIONS = frozenset("""
pooier pooiers pimp loverboy vriend vriendje vriendin ex man vrouw klant klanten baas bazin dochter
zoon broer broertje zus zusje moeder vader mama papa neef nicht oom tante collega collegaatje
huisbaas huisbazin partner buurman buurvrouw schoonmoeder schoonvader opa oma kind kinderen
begeleider hulpverlener advocaat boyfriend girlfriend husband wife client boss daughter son brother
sister mother father mom mum dad friend cousin landlord manager madam roommate huisgenoot chef
uitbater exploitant eigenaar owner cliënt kennis
""".split())
_HONORIFICS = frozenset({"meneer", "mevrouw", "mevr", "mw", "dhr", "heer", "mr", "mrs", "ms", "miss",
                         "mister", "juffrouw", "juf", "meester", "dokter", "dr", "agent", "madame",
                         "señor", "señora", "domnul", "doamna", "pan", "pani", "bay", "bayan"})
_GREETINGS = frozenset({"hoi", "hallo", "hey", "hi", "hello", "beste", "lieve", "dear", "groetjes",
                        "groeten", "liefs", "gr", "greetings", "regards", "cheers", "xx", "xxx", "doei",
                        "bye", "dag", "salaam", "selam", "merhaba", "hola", "buna"})
_HERE = frozenset({"hier", "here"})
_TUSSENVOEGSELS = frozenset({"van", "de", "der", "den", "ter", "ten", "te", "'t", "het", "el", "al",
                             "ben", "bin", "ibn", "da", "dos", "das", "del", "della", "di", "du", "le",
                             "la", "von", "zu", "op", "in", "ould", "abu", "bou", "ait"})
# Capitalised words that are no name even where one could stand ("mijn vriend Marokkaan").
_NEVER_NAMES = frozenset("""
januari februari maart april mei juni juli augustus september oktober november december january
february march may june july august october monday tuesday wednesday thursday friday saturday sunday
maandag dinsdag woensdag donderdag vrijdag zaterdag zondag nederlander nederlandse nederlands
marokkaan marokkaanse turk turkse turks roemeen roemeense roemeens bulgaar bulgaarse bulgaars
hongaar hongaarse hongaars pool poolse pools surinamer surinaamse nigeriaan nigeriaanse thai thaise
dutch english engels romanian bulgarian hungarian polish moroccan turkish surinamese nigerian
spaans spanish latina latino belg belgische duitser duitse german god allah jezus jesus christus
ik i je jij u hij zij ze we wij jullie zij hun mij me mijn my you he she they we it the de het een
a an en and of or maar but want omdat dus also ook niet not geen no nee ja yes ok oke okay sorry
dank bedankt thanks thank please alsjeblieft aub hoi hallo hey hi hello help hulp stop stoppen
dat die dit wat hoe wie waar kan kun ben bent heb hebt is was zijn are would should do
does did have has had am moet mag zal zou gaat ga doe weet waarom why what how who where when
bijstand uitkering toeslag toeslagen bbz uwv kvk btw bsn iban digid gemeente politie police pmw
""".split())
# Common surnames that may follow a first name in lower case ("johan pietersen" is not
# recognisable; "johan de vries" is). Capitalised surnames need no list.
_SURNAMES = frozenset("""
jong jansen vries berg dijk bakker janssen visser smit meijer boer mulder groot vos peters hendriks
leeuwen dekker brouwer wit dijkstra smits graaf meer linden jacobs haan vermeulen heuvel veen broek
bruijn bruin heijden schouten beek willems vliet ven hoekstra maas verhoeven koster dam wal blom
huisman peeters jonge kuipers wijk kuiper veenstra kramer brink scholten martens vonk pietersen
postma jonker hermans timmermans gerritsen wouters vermeer dijkman kok prins
yilmaz kaya demir sahin şahin celik çelik yildiz yıldız yildirim öztürk ozturk aydin aydın
ozdemir özdemir arslan dogan doğan kilic kılıç aslan cetin çetin koc koç ozkan özkan simsek şimşek
amrani idrissi bouzid khatib tahiri alaoui benali bennani haddad ahmadi ouali boukhari
popescu popa radu ionescu dumitru stoica gheorghe rusu munteanu matei constantin
ivanov ivanova georgiev georgieva dimitrov dimitrova petrov petrova nikolov nikolova hristov
hristova stoyanov stoyanova todorov todorova
nagy kovacs kovács toth tóth szabo szabó horvath horváth varga molnar molnár nemeth németh
nowak kowalski kowalska wisniewski wiśniewski wisniewska wojcik wójcik kowalczyk kaminski kamiński
lewandowski lewandowska zielinski zieliński szymanski szymański
garcia garcía rodriguez rodríguez gonzalez gonzález hernandez hernández lopez lópez martinez
martínez perez pérez sanchez sánchez ramirez ramírez torres flores gomez gómez diaz díaz
okafor okonkwo adeyemi eze nwosu okoro ibrahim osagie obi
""".split())
# Most of a message's words capitalised ("Ik Wil Stoppen Met Werken"): capitals say nothing.
# Names and places are left out of the count, so "Ik ben Chinedu Okafor uit Lagos" is no such text.
_TITLE_CASE_SHARE = 0.75
_TITLE_CASE_MIN_WORDS = 4
_MAX_SURNAME_WORDS = 3
_SENTENCE_ENDS = frozenset({".", "!", "?", ":", ";", "…", "...", "\"", "“", "(", "-", "–", "•", "*", ">"})
# "Pietersen", "El-Amrani", "O'Brien", an initial "P.".
_SURNAME_FORM = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|[^\W\d_]\.")
_PRONOUNS = frozenset({"ik", "i", "je", "jij", "u", "hij", "zij", "ze", "we", "wij", "het", "it", "he",
                       "she", "they", "you", "de", "the", "een", "a", "an", "me", "mij"})
# Endings of streets and buildings named after people ("Johan de Wittlaan", "Anne Frank Huis").
_STREET_ENDINGS = ("straat", "laan", "weg", "plein", "gracht", "kade", "singel", "dijk", "dreef", "steeg",
                   "burgwal", "plantsoen", "markt", "park", "hof", "street", "road", "avenue", "square")
_BUILDING_ENDINGS = ("museum", "huis", "arena", "ziekenhuis", "gasthuis", "kliniek", "school", "college",
                     "lyceum", "stichting", "fonds", "stadion", "station", "brug", "toren", "kerk", "moskee",
                     "universiteit", "hogeschool", "instituut", "centrum", "theater", "zaal", "hotel",
                     "academie", "kazerne", "prijs", "tunnel", "bibliotheek", "gevangenis", "hospital")
# Sayings with a first name in them: "Jan en alleman" is everybody, "Jan Modaal" the average earner.
_SAYINGS = re.compile(r"\bjan\s+(?:en\s+alleman|met\s+de\s+pet|modaal|publiek|rap|lul|boerenlul)\b",
                      re.IGNORECASE)


def read_first_names(path: Path = FIRST_NAMES_FILE) -> dict[str, str]:
    """Lower-case first name -> its sense ("name" or "word"), as the file says."""
    senses: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or line.startswith("name\t") or not line.strip():
                continue
            name, sense = line.rstrip("\n").split("\t")
            senses[name.lower()] = sense
    return senses


def _capitalised(token: Token) -> bool:
    """"Johan", "P.", "El-Amrani"; not "JOHAN" (a shouted word) nor "johan"."""
    letters = [c for c in token.text if c.isalpha()]
    return token.text[:1].isupper() and (len(letters) == 1 or not all(c.isupper() for c in letters))


class PersonNames:
    """The people named in a message; built once per process (the name list is 16,000 lines)."""

    def __init__(self, public: PublicNames, first_names: dict[str, str] | None = None) -> None:
        self._public = public
        self._senses = first_names if first_names is not None else read_first_names()

    def find(self, doc: Doc) -> list[Finding]:
        protected = self._protected_tokens(doc)
        capitals_say_nothing = self._title_case(doc, protected)
        found: list[Finding] = []
        i = 0
        while i < len(doc):
            token = doc[i]
            surname = self._surname_after_honorific(doc, i, protected, capitals_say_nothing)
            if surname is not None:
                found.append(Finding("name", token.idx, doc[surname - 1].idx + len(doc[surname - 1].text)))
                i = surname
            elif i not in protected and self._is_name(doc, i, protected, capitals_say_nothing):
                end = self._surname_end(doc, i + 1, protected, capitals_say_nothing, token)
                if not self._names_a_place(doc, end):
                    found.append(Finding("name", token.idx, doc[end - 1].idx + len(doc[end - 1].text)))
                i = end
            else:
                i += 1
        return found

    def _is_name(self, doc: Doc, i: int, protected: set[int], capitals_say_nothing: bool) -> bool:
        token = doc[i]
        word = token.text
        if not word.replace("'", "").replace("’", "").isalpha() or len(word) < 2:
            return False
        lower = word.lower()
        sense = self._senses.get(lower)
        capital = _capitalised(token) and not capitals_say_nothing
        if sense is None and not capital:
            return False  # every rule below needs one of the two
        cue = self._cue_before(doc, i)
        if lower in _NEVER_NAMES:
            return cue == "naming" and capital and lower not in _PRONOUNS
        if cue == "naming":
            return sense is not None or capital
        if cue in ("relation", "honorific", "greeting"):
            return capital if sense is None else (capital or sense == "name")
        if sense == "name":
            return True
        if sense == "word" and capital:
            return not self._starts_sentence(doc, i) or self._here_follows(doc, i) \
                or self._surname_end(doc, i + 1, protected, capitals_say_nothing, token) > i + 1
        return False

    def _surname_after_honorific(self, doc: Doc, i: int, protected: set[int],
                                 capitals_say_nothing: bool) -> int | None:
        """"mevrouw De Vries", "meneer van Dijk": where the name starting at token i ends, or None."""
        if i == 0 or doc[i].lower_ not in _TUSSENVOEGSELS or self._cue_before(doc, i) != "honorific":
            return None
        j = i
        while j < len(doc) and doc[j].lower_ in _TUSSENVOEGSELS:
            j += 1
        if j == len(doc) or j in protected or not _capitalised(doc[j]) or capitals_say_nothing:
            return None
        return self._surname_end(doc, j + 1, protected, capitals_say_nothing, doc[j])

    def _names_a_place(self, doc: Doc, end: int) -> bool:
        """Whether the name ending before token `end` is part of a street's or a building's name:
        "Johan de Wittlaan", "Jan Pieterszoon Coenstraat", "Anne Frank Huis", "Van Gogh Museum"."""
        while end < len(doc) and doc[end].lower_ in _TUSSENVOEGSELS:
            end += 1
        return end < len(doc) and doc[end].is_alpha and _ends_like_place(doc[end])

    def _cue_before(self, doc: Doc, i: int) -> str | None:
        words = [t.lower_ for t in doc[max(0, i - 3):i] if not t.is_space and t.text not in (",", ":")]
        if not words:
            return None
        last = words[-1]
        if last in _NAMING_VERBS and (len(words) < 2 or words[-2] not in _NOT_A_PERSON):
            return "naming"
        if last == "is" and len(words) >= 2 and words[-2] in _NAME_WORDS or last in _NAME_WORDS and \
                doc[i - 1].text == ":" or last == "name's":
            return "naming"
        if last in _HONORIFICS or last.rstrip(".") in _HONORIFICS:
            return "honorific"
        if last in _RELATIONS:
            return "relation"
        if last in _GREETINGS:
            return "greeting"
        return None

    def _starts_sentence(self, doc: Doc, i: int) -> bool:
        j = i - 1
        while j >= 0 and doc[j].is_space:
            j -= 1
        # spaCy keeps "KvK." whole: a token that ends in a full stop ends the sentence too.
        return j < 0 or doc[j].text in _SENTENCE_ENDS or doc[j].text[-1] in ".!?" \
            or "\n" in doc[i - 1].text_with_ws

    def _here_follows(self, doc: Doc, i: int) -> bool:
        return i + 1 < len(doc) and doc[i + 1].lower_ in _HERE

    def _surname_end(self, doc: Doc, j: int, protected: set[int], capitals_say_nothing: bool,
                     first: Token) -> int:
        """The end of the name that starts before token j: the first name, then a surname."""
        end, pending, words = j, j, 0
        lower_case = not _capitalised(first)
        while pending < len(doc) and words < _MAX_SURNAME_WORDS:
            token = doc[pending]
            if pending in protected or not doc[pending - 1].whitespace_:
                break
            lower = token.lower_
            if lower in _TUSSENVOEGSELS:
                pending += 1
                continue
            surname = (_capitalised(token) and not capitals_say_nothing and _SURNAME_FORM.fullmatch(token.text)
                       and lower not in _NEVER_NAMES and not _ends_like_place(token)
                       and not self._starts_sentence(doc, pending)) \
                or lower in _SURNAMES and (lower_case or pending > end)
            if not surname:
                break
            words += 1
            end = pending = pending + 1
        return end

    def _protected_tokens(self, doc: Doc) -> set[int]:
        """Tokens inside a place or an organisation's name, or a saying."""
        protected: set[int] = set()
        sayings = [m.span() for m in _SAYINGS.finditer(doc.text)]
        for start, end in self._public.spans(doc.text) + sayings:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None:
                protected.update(range(span.start, span.end))
        return protected

    def _title_case(self, doc: Doc, protected: set[int]) -> bool:
        words = [t for t in doc if t.is_alpha and len(t.text) > 1 and t.i not in protected
                 and self._senses.get(t.lower_) != "name"]
        if len(words) < _TITLE_CASE_MIN_WORDS:
            return False
        return sum(1 for t in words if t.text[0].isupper()) / len(words) >= _TITLE_CASE_SHARE


def _ends_like_place(token: Token) -> bool:
    """A street in any case ("johan de wittlaan"); a building only capitalised ("Johan thuis")."""
    word = token.lower_
    return word.endswith(_STREET_ENDINGS) or _capitalised(token) and word.endswith(_BUILDING_ENDINGS)

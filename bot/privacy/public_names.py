"""Names that are not personal data and must survive redaction: places and organisations.

The municipalities come from data/gemeenten.tsv (with their aliases, "Den Haag"); the other
places and the organisations users name are listed here. Only looks words up; never logs.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

GEMEENTEN_FILE = Path(__file__).resolve().parents[2] / "data" / "gemeenten.tsv"

# Places users name that are not a municipality: neighbourhoods, countries they come from, cities
# abroad. Lower case; matched as whole words.
OTHER_PLACES = """
den haag|den bosch|scheveningen|bijlmer|bijlmermeer|zuidoost|de wallen|wallen|de pijp|jordaan|
schilderswijk|kralingen|hoog catharijne|randstad|holland|nederland|netherlands|the netherlands|
belgië|belgie|belgium|vlaanderen|brussel|brussels|antwerpen|antwerp|duitsland|germany|keulen|
berlijn|berlin|roemenië|roemenie|romania|boekarest|bucharest|bulgarije|bulgaria|hongarije|hungary|
boedapest|budapest|polen|poland|warschau|warsaw|krakau|marokko|morocco|casablanca|rabat|tanger|
nador|al hoceima|turkije|turkey|türkiye|istanbul|ankara|suriname|paramaribo|curaçao|curacao|aruba|
nigeria|lagos|abuja|benin city|edo|ghana|thailand|bangkok|pattaya|colombia|bogotá|bogota|medellín|
medellin|cali|brazilië|brazilie|brazil|venezuela|caracas|dominicaanse republiek|dominican republic|
santo domingo|oekraïne|oekraine|ukraine|kyiv|kiev|rusland|russia|moldavië|moldova|albanië|albania|
litouwen|lithuania|letland|latvia|tsjechië|czechia|slowakije|slovakia|spanje|spain|madrid|
barcelona|portugal|lissabon|lisbon|italië|italy|italia|rome|roma|milaan|milan|frankrijk|france|
engeland|england|londen|london|uk|china|vietnam|filipijnen|philippines|europa|europe|afrika|africa|
amerika|america|azië|asia|eritrea|syrië|syria|sierra leone|kenia|kenya|argentinië|argentina|
carolina|cleveland|trinidad|doha|kashmir|alexandria|salem|costa rica|mercedes|saba|bonaire|
sint maarten|sint eustatius
"""
# Places that are also first names: a place only after a word that says where ("in Sofia").
PLACES_ALSO_NAMES = frozenset({
    "sofia", "sofie", "paris", "parijs", "victoria", "florence", "jordan", "jordanië", "sydney",
    "georgia", "georgië", "virginia", "dallas", "israel", "israël", "santos", "assen", "stein", "ede",
    "lisse", "laren", "hattem", "sluis", "buren", "tiel", "emmen", "florida", "india",
    "helena", "austin", "lima", "adelaide", "chelsea", "madison", "savannah", "phoenix", "brooklyn",
})
LOCATION_WORDS = frozenset({
    "in", "uit", "naar", "te", "vanuit", "richting", "rond", "buiten", "from", "to", "near",
    "around", "outside", "via",
})

# Organisations and services users name. Lower case; several words match as a phrase.
ORGANISATIONS = """
belastingdienst|belastingtelefoon|uwv|comensha|kamer van koophandel|fier|rebelz|humanitas|
humanitas thuisadministratie|veilig thuis|
albert heijn|ah|leger des heils|salvation army|jumbo|lidl|aldi|hema|action|kruidvat|blokker|zeeman|
primark|ikea|bol|amazon|google|facebook|instagram|whatsapp|telegram|onlyfans|tinder|snapchat|
tiktok|twitter|signal|kinky|sexjobs|funda|pararius|ggd|ggz|duo|cak|cjib|kvk|svb|ind|coa|rode kruis|
red cross|juridisch loket|het juridisch loket|schuldhulp|geldfit|nibud|kwadraad|shop|p&g292|
spot46|het veer|stichting geisha|geisha|proud|scharlaken koord|korrelatie|mind|de kindertelefoon|
kindertelefoon|slachtofferhulp|slachtofferhulp nederland|politie|police|meld misdaad anoniem|sense|
soa aids nederland|centrum seksueel geweld|moviera|blijf groep|perspektief|querido|hvo querido|
regioplan|terwille|helpwanted|taalhuis|wijkteam|sociaal wijkteam|jeugdzorg|vluchtelingenwerk|
amoc|regenboog groep|de regenboog groep|mainline|jellinek|brijder|tactus|rasa|justis|digid|
rijksoverheid|toeslagen|dienst toeslagen|ondernemersplein|participatiewet|prostitutie maatschappelijk werk|
pmw|exit|stichting exit|ing|abn amro|rabobank|sns|asn|bunq|knab|triodos|ns|ret|gvb|htm|arriva|
vodafone|kpn|odido|lebara|lyca|lycamobile|zilveren kruis|menzis|cz|vgz|achmea|ohra|dsw|
la vida|de rode draad|rode draad|pro deo|jezus|jesus|god|allah|christus|christ|maria magdalena
"""


def _phrases(listing: str) -> list[str]:
    return [p.strip() for p in listing.replace("\n", "").split("|") if p.strip()]


def _gemeenten(path: Path) -> list[str]:
    names = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            names.append(row["name"])
            names.extend(filter(None, (row.get("aliases") or "").split("|")))
    return [re.sub(r"\s*\(.*\)$", "", n).lower() for n in names]


class PublicNames:
    """Finds the places and organisations in a text, so that no rule takes them for a person."""

    def __init__(self, gemeenten_file: Path = GEMEENTEN_FILE) -> None:
        places = set(_gemeenten(gemeenten_file)) | set(_phrases(OTHER_PLACES))
        self.places = frozenset(places - PLACES_ALSO_NAMES)
        self.organisations = frozenset(_phrases(ORGANISATIONS))
        words = sorted(self.places | self.organisations, key=len, reverse=True)
        # Matched against the lower-cased text: far faster than IGNORECASE on 600 alternatives.
        self._pattern = re.compile(
            r"(?<![\w@])(?:" + "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in words) + r")(?![\w@])")
        self._also_names = re.compile(
            r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, LOCATION_WORDS))) + r")\s+(?P<place>"
            + "|".join(sorted(map(re.escape, PLACES_ALSO_NAMES))) + r")(?!\w)", re.IGNORECASE)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of every place and organisation in the text."""
        lowered = text.lower()
        if len(lowered) != len(text):  # a rare letter whose lower case is longer ("İ")
            lowered = "".join(c.lower()[0] for c in text)
        found = [m.span() for m in self._pattern.finditer(lowered)]
        found.extend(m.span("place") for m in self._also_names.finditer(text))
        return found

    def is_place(self, word: str) -> bool:
        return word.lower() in self.places

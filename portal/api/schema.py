"""The OpenAPI schema's description, and what every operation answers besides its data."""

DESCRIPTION = """\
De gegevens die het Passende zorg portaal heeft gepubliceerd, als open data: de
verbetertrajecten met hun fasen en thema's, de partijen, de verbeterafspraken met hun stand in
elke gepubliceerde rapportage, de indicatoren met hun metingen, en de rapportages met hun
edities en de SHA-256 van elke editie. Alleen lezen, zonder inloggen.

**Wat hier staat.** Alleen wat een gepubliceerde editie openbaar maakte. Een verbeterafspraak
staat hier zoals de nieuwste editie die haar toonde haar publiceerde (titel, thema, partijen,
status en voortgangstekst); wat een partij daarna meldt, verschijnt pas met de volgende editie,
en een rapportage die nog concept is, staat hier niet. Trajecten (met fasen en thema's),
partijen en de definities van indicatoren houdt het Zorginstituut bij; die zijn openbaar zoals
ze nu zijn. Een partij staat hier als een gepubliceerde stand haar noemt of als zij de cijfers
van een openbare indicator levert. Een indicator staat hier als er een rapportage over zijn
traject is gepubliceerd (en, bij een indicator van een afspraak, als die afspraak openbaar is),
met de metingen die een rapportage kon tonen: bekend op of vóór de peildatum van de nieuwste
gepubliceerde rapportage over het traject (`bevroren_tot` van het traject), en, als de meting
het antwoord op een uitvraag was, pas nadat het Zorginstituut dat antwoord heeft geaccepteerd.

**Lijsten** zijn in pagina's: `pagina` (vanaf 1) en `per_pagina` (standaard 50, hoogstens
100). Een pagina die niet bestaat, is een 404.

**Goedkoop opnieuw vragen.** Elk antwoord heeft een `ETag` en een `Last-Modified` voor de
gegevens als geheel. Stuur de ETag terug in `If-None-Match` (of de datum in
`If-Modified-Since`) en het antwoord is `304 Not Modified` zonder inhoud, zolang er niets is
gepubliceerd of gewijzigd. De ETag is het betrouwbaarst: een rapportage die al eerder buiten
het portaal verscheen, krijgt haar oorspronkelijke publicatiedatum.

**Hoe vaak.** Per IP-adres een beperkt aantal verzoeken per minuut (ook een 304 telt mee);
daarboven volgt `429 Too Many Requests` met `Retry-After` in seconden.

Teksten van voortgang zijn opgeschoonde HTML, zoals ze in de rapportage staan. Datums zijn
ISO 8601; tijden zijn in UTC met tijdzone. Bedragen en waarden van indicatoren zijn tekst
(decimaal), zodat er geen cijfers verloren gaan.
"""

FOUT = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "Wat er mis is, in het Nederlands."}
    },
    "required": ["detail"],
}
ONGELDIG_FILTER = {
    "type": "object",
    "description": "Per filter wat er niet aan klopt.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def _fout(description: str, schema: str = "Fout", headers: dict | None = None) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def _header(description: str, **schema) -> dict:
    return {"description": description, "schema": {"type": "string", **schema}}


CONDITIONAL_PARAMETERS = [
    {
        "in": "header",
        "name": "If-None-Match",
        "required": False,
        "description": "De ETag van een eerder antwoord: 304 als er sindsdien niets veranderde.",
        "schema": {"type": "string"},
    },
    {
        "in": "header",
        "name": "If-Modified-Since",
        "required": False,
        "description": "De Last-Modified van een eerder antwoord (HTTP-datum).",
        "schema": {"type": "string"},
    },
]
VERSION_HEADERS = {
    "ETag": _header("De versie van de gegevens als geheel."),
    "Last-Modified": _header("Wanneer de gegevens voor het laatst veranderden (HTTP-datum)."),
}


def describe(result, generator, request, public):
    """drf-spectacular's postprocessing hook: the description, and per operation the
    conditional request headers and the 304, 400, 404 and 429 answers."""
    result["info"]["description"] = DESCRIPTION
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Fout"] = FOUT
    schemas["OngeldigFilter"] = ONGELDIG_FILTER
    for operations in result["paths"].values():
        for operation in operations.values():
            is_list = any(p["name"] == "pagina" for p in operation.get("parameters", []))
            operation.setdefault("parameters", []).extend(CONDITIONAL_PARAMETERS)
            responses = operation["responses"]
            responses["200"]["headers"] = VERSION_HEADERS
            responses["200"]["description"] = responses["200"]["description"] or "De gegevens."
            responses["304"] = {
                "description": "Niet gewijzigd sinds de ETag of datum die u meestuurde.",
                "headers": VERSION_HEADERS,
            }
            if is_list:
                responses["400"] = _fout("Een filter met een ongeldige waarde.", "OngeldigFilter")
            responses["404"] = _fout(
                "Deze pagina bestaat niet." if is_list else "Niet gevonden (of niet gepubliceerd)."
            )
            responses["429"] = _fout(
                "Te veel verzoeken vanaf dit adres.",
                headers={"Retry-After": _header("Over hoeveel seconden het weer kan.")},
            )
    return result

"""The progress of a round: per party and per trajectory how much is answered, accepted, sent
back, open and overdue; as a table, a bar chart and a spreadsheet. Two queries in all."""

import base64
import io
from dataclasses import dataclass

import pygal
from django.db.models import F
from django.utils import timezone
from pygal.etree import etree
from pygal.style import Style

from .models import Uitvraag, Werkitem

KOLOMMEN = [
    "totaal",
    "beantwoord",
    "geaccepteerd",
    "ingediend",
    "teruggestuurd",
    "open",
    "te laat",
    "respons (%)",
]


@dataclass
class Rij:
    naam: str
    totaal: int
    open: int
    ingediend: int
    geaccepteerd: int
    teruggestuurd: int
    verlopen: bool

    @property
    def beantwoord(self) -> int:
        """Items with an answer standing: waiting for review or accepted."""
        return self.ingediend + self.geaccepteerd

    @property
    def te_laat(self) -> int:
        """Still to do (open or sent back) after the deadline."""
        return self.open + self.teruggestuurd if self.verlopen else 0

    @property
    def respons(self) -> int:
        return round(100 * self.beantwoord / self.totaal) if self.totaal else 0

    def waarden(self) -> list[int]:
        return [
            self.totaal,
            self.beantwoord,
            self.geaccepteerd,
            self.ingediend,
            self.teruggestuurd,
            self.open,
            self.te_laat,
            self.respons,
        ]


def per(uitvraag: Uitvraag, veld: str) -> list[Rij]:
    """The counts per party (`veld="partij"`) or per trajectory (`"traject"`), by name."""
    naam = "partij__afkorting" if veld == "partij" else "traject__naam"
    rows = (
        Werkitem.objects.filter(uitvraag=uitvraag)
        .order_by()
        .values(f"{veld}_id")
        .annotate(naam=F(naam), **Werkitem.objects.tellingen())
        .order_by("naam")
    )
    verlopen = uitvraag.is_verlopen(timezone.localdate())
    return [
        Rij(
            naam=row["naam"],
            totaal=row["totaal"],
            open=row["open"],
            ingediend=row["ingediend"],
            geaccepteerd=row["geaccepteerd"],
            teruggestuurd=row["teruggestuurd"],
            verlopen=verlopen,
        )
        for row in rows
    ]


def totaal(rijen: list[Rij], verlopen: bool) -> Rij:
    return Rij(
        naam="Totaal",
        totaal=sum(r.totaal for r in rijen),
        open=sum(r.open for r in rijen),
        ingediend=sum(r.ingediend for r in rijen),
        geaccepteerd=sum(r.geaccepteerd for r in rijen),
        teruggestuurd=sum(r.teruggestuurd for r in rijen),
        verlopen=verlopen,
    )


STYLE = Style(
    font_family="'DejaVu Sans', sans-serif",
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#b4b4b4",
    # Accepted (ribbon blue), waiting (light blue), sent back (ruby), open (grey).
    colors=("#154273", "#8fb3d9", "#a90061", "#b4b4b4"),
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
)


def chart_data_uri(rijen: list[Rij]) -> str:
    """A stacked bar per party: accepted, waiting for review, sent back, open; as a `data:`
    URL for an <img> (the page's CSP allows it), without pygal's script."""
    rijen = rijen[::-1]  # pygal draws the first bar at the bottom; the table reads downwards
    chart = pygal.HorizontalStackedBar(
        width=640,
        height=max(160, 60 + 34 * len(rijen)),
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        explicit_size=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        x_labels=[r.naam for r in rijen],
        margin=12,
        print_values=False,
    )
    chart.add("Geaccepteerd", [r.geaccepteerd for r in rijen])
    chart.add("Wacht op beoordeling", [r.ingediend for r in rijen])
    chart.add("Teruggestuurd", [r.teruggestuurd for r in rijen])
    chart.add("Open", [r.open for r in rijen])
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str) or child.tag.endswith("script"):
                parent.remove(child)
    svg = etree.tostring(tree, encoding="unicode").encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def chart_alt(rijen: list[Rij]) -> str:
    """The chart in words, for its alternative text."""
    if not rijen:
        return "Geen werkitems."
    delen = [
        f"{r.naam}: {r.geaccepteerd} geaccepteerd, {r.ingediend} wacht op beoordeling, "
        f"{r.teruggestuurd} teruggestuurd, {r.open} open"
        for r in rijen
    ]
    return "Staafdiagram van de werkitems per partij. " + "; ".join(delen) + "."


def export_xlsx(uitvraag: Uitvraag) -> bytes:
    """Both tables, one sheet each."""
    import openpyxl  # only for spreadsheets: it takes a while to import

    verlopen = uitvraag.is_verlopen()
    workbook = openpyxl.Workbook(write_only=True)
    for titel, veld in (("Per partij", "partij"), ("Per traject", "traject")):
        sheet = workbook.create_sheet(titel)
        sheet.append([veld, *KOLOMMEN])
        rijen = per(uitvraag, veld)
        for rij in [*rijen, totaal(rijen, verlopen)]:
            sheet.append([rij.naam, *rij.waarden()])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

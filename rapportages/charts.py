"""An indicator in a report: its chart, its figures in words and in Dutch notation.

The chart is an SVG drawn on the server by pygal (from Kozea, who also make WeasyPrint), and
the report embeds it as a `data:` image with the summary sentence as its alternative text: the
web page fetches nothing and runs no script, and WeasyPrint tags it in the PDF as a Figure with
that text as /Alt. pygal draws a chart in a few milliseconds, without numpy or a browser engine
(matplotlib and vl-convert took five times as long; see the benchmark command).
"""

import base64

import pygal
from pygal.etree import etree
from pygal.style import Style

from afspraken.cijfers import getal
from afspraken.evaluatie import Beoordeling, Oordeel

WIDTH, HEIGHT = 640, 300

COLOURS = ("#154273", "#535353", "#a90061", "#a90061")
"""Measured values (ribbon blue), the baseline (grey), the target and the path to it (ruby)."""

STYLE = Style(
    font_family="'Rapportage Sans', 'DejaVu Sans', sans-serif",
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#b4b4b4",
    colors=COLOURS,
    guide_stroke_color="#dddddd",
    major_guide_stroke_color="#dddddd",
    guide_stroke_dasharray="1,0",
    major_guide_stroke_dasharray="1,0",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
)


def summary(beoordeling: Beoordeling) -> str:
    """The chart in one sentence: 'van 52 % in 2014 naar 66 % in 2019; streefwaarde 75 % in
    2017: niet bereikt'."""
    indicator = beoordeling.indicator
    start = f"{beoordeling.basis_tekst} in {indicator.basisjaar}"
    if beoordeling.laatste is None:
        sentence = f"{start}, nog geen metingen"
    else:
        sentence = f"van {start} naar {beoordeling.laatste_tekst} in {beoordeling.laatste[0]}"
    if not indicator.has_target:
        return f"{sentence}; geen streefwaarde"
    target = f"streefwaarde {beoordeling.streef_tekst} in {indicator.streefjaar}"
    return f"{sentence}; {target}: {verdict_words(beoordeling)}"


def verdict_words(beoordeling: Beoordeling) -> str:
    """The verdict as the summary says it: from the target year on, 'not on course' means the
    target was not reached."""
    laatste = beoordeling.laatste
    match beoordeling.oordeel:
        case Oordeel.BEREIKT:
            return "bereikt"
        case Oordeel.NIET_OP_KOERS if laatste and laatste[0] >= beoordeling.indicator.streefjaar:
            return "niet bereikt"
        case _:
            return beoordeling.oordeel_label.lower()


def chart_svg(beoordeling: Beoordeling) -> str:
    """A line chart of the values from the baseline on, with the baseline and the target
    marked and the path from one to the other dashed; a standalone SVG without scripts."""
    indicator = beoordeling.indicator
    years = [jaar for jaar, _ in beoordeling.reeks]
    if indicator.has_target:
        years.append(indicator.streefjaar)
    first, last = min(years), max(years)
    chart = pygal.XY(
        width=WIDTH,
        height=HEIGHT,
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        explicit_size=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        include_x_axis=True,
        xrange=(first - 0.3, last + 0.3),
        x_labels=list(range(first, last + 1)),
        x_value_formatter=str,
        value_formatter=getal,
        show_x_guides=False,
        dots_size=4,
        stroke_style={"width": 2.5},
        margin=12,
        print_values=False,
        tooltip_border_radius=0,
    )
    measured = [(jaar, float(value)) for jaar, value in beoordeling.reeks]
    chart.add("Gemeten", measured)
    chart.add(
        f"Basiswaarde {indicator.basisjaar}",
        [(indicator.basisjaar, float(indicator.basiswaarde))],
        dots_size=7,
        stroke=False,
    )
    if indicator.has_target:
        chart.add(
            f"Streefwaarde {indicator.streefjaar}",
            [
                (indicator.basisjaar, float(indicator.basiswaarde)),
                (indicator.streefjaar, float(indicator.streefwaarde)),
            ],
            stroke_style={"width": 1.5, "dasharray": "6, 4"},
            dots_size=0.1,
        )
        # The target itself as a large dot; the dashed line above is the path to it.
        chart.add(
            None,
            [(indicator.streefjaar, float(indicator.streefwaarde))],
            dots_size=7,
            stroke=False,
            show_legend=False,
        )
    tree = chart.render_tree()
    # pygal always writes its configuration as a script, which the report never runs, and
    # comments with its links: both go.
    for parent in list(tree.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str) or child.tag.endswith("script"):
                parent.remove(child)
    return etree.tostring(tree, encoding="unicode")


def chart_data_uri(beoordeling: Beoordeling) -> str:
    """The chart as a `data:` URL for an <img>, which the page's CSP allows."""
    svg = chart_svg(beoordeling).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")

"""Two mends of WeasyPrint's tagged PDF, so that a report passes a PDF/UA-1 check (`pdfua`),
kept beside the rendering until WeasyPrint does them itself:

- a table's header cells (`/TH`) get their `/Scope`: WeasyPrint tags them but drops the HTML's
  `scope` attribute, so nothing tells which data cells a header belongs to. A header cell in
  the table's head heads a column, any other one its row, as in every table of our reports.
- the cover's artwork, painted outside any marked-content sequence (so neither tagged nor
  an artifact), is marked as an artifact: it is decoration, which a screen reader skips.
"""

import io

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator


def mend(pdf: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        scope_header_cells(document)
        if len(document.pages):
            paints_as_artifacts(document, document.pages[0])  # the cover
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def _structure_elements(document):
    """Every element of the structure tree with its parent, without recursion (a report of
    3,000 agreements has tens of thousands, nested deeply)."""
    tree = document.Root.get("/StructTreeRoot")
    if tree is None:
        return
    stack = [(kid, None) for kid in _kids(tree)]
    while stack:
        element, parent = stack.pop()
        yield element, parent
        stack.extend((kid, element) for kid in _kids(element))


def _kids(element):
    kids = element.get("/K")
    if kids is None:
        return []
    kids = kids if isinstance(kids, Array) else [kids]
    return [kid for kid in kids if isinstance(kid, Dictionary) and "/S" in kid]


def scope_header_cells(document) -> None:
    parents = {}
    for element, parent in _structure_elements(document):
        if parent is not None:
            parents[element.objgen] = parent
        if element.S != Name.TH:
            continue
        row = parent
        section = parents.get(row.objgen) if row is not None else None
        scope = Name.Column if section is not None and Name.THead == section.S else Name.Row
        attributes = element.get("/A")
        if not isinstance(attributes, Dictionary):
            attributes = Dictionary(O=Name.Table)
            element.A = attributes
        attributes.Scope = scope


PAINTS = {"Do", "sh", "BI"}
"""Operators that paint an image, a form, a shading or an inline image."""


def paints_as_artifacts(document, page) -> None:
    """Wrap what a page paints outside any marked content in `/Artifact BMC … EMC`."""
    operations = pikepdf.parse_content_stream(page)
    depth, changed, mended = 0, False, []
    for operands, operator in operations:
        name = str(operator)
        if name in ("BMC", "BDC"):
            depth += 1
        elif name == "EMC":
            depth -= 1
        if depth == 0 and name in PAINTS:
            mended.append(([Name.Artifact], Operator("BMC")))
            mended.append((operands, operator))
            mended.append(([], Operator("EMC")))
            changed = True
        else:
            mended.append((operands, operator))
    if changed:
        page.obj.Contents = document.make_stream(pikepdf.unparse_content_stream(mended))

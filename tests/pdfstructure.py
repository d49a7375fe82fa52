"""Reading a tagged PDF's structure tree in tests."""

from pypdf import PdfReader


def figure_alts(reader: PdfReader) -> list[str]:
    """The alternative text of every Figure element in the structure tree, in document order."""
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif hasattr(node, "get"):
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt", "")))
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return alts

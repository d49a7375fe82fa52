"""Joining the parts of a report that was laid out in parts into one tagged PDF.

WeasyPrint keeps every laid-out page of a document until its PDF is written, so a report of
thousands of pages takes gigabytes. `rendering.render_pdf_in_parts` therefore lays out a large
report a part at a time (the front matter, then each chapter), writes each part as a tagged
PDF and lets it go; `join()` makes them one document, as WeasyPrint would have written it:

- the pages in order, and one structure tree: each part's top-level structure elements under
  the first part's `Document` element, its parent tree renumbered after the earlier parts'
  (pages' `StructParents`, annotations' `StructParent`), and the table header ids made unique
  (WeasyPrint numbers them by PDF object, which starts again in every part);
- the bookmarks of every part, in order, in one outline;
- one name tree of link destinations: a link in one part to a chapter in another (the contents,
  the overview table) keeps its target's name, and that name now leads to the chapter. The
  part with the link carries a stand-in of that name (`paginanummers` in the template), which
  the real one replaces: a stand-in always comes before its target, so the last one counts;
- the running footer, "pagina n van N", which no part can write because N is known only at the
  end: every part is laid out without it, and it is drawn onto each page from a footer document
  of N pages that WeasyPrint lays out with the same `@page` rules, marked as an artifact, which
  a page number is in PDF/UA.

Catalog, metadata (XMP, title, language) and viewer settings are the first part's.
"""

import io
import warnings
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, String


def join(parts: Sequence[Path], *, footer: Path) -> bytes:
    """One PDF of the parts in order, with the pages of `footer` drawn onto its pages."""
    with ExitStack() as stack:
        # The parts stay open until the result is written: pikepdf copies stream data lazily.
        target = stack.enter_context(pikepdf.open(parts[0]))
        _scan_structure(target, prefix="d0-")
        tree = target.Root.StructTreeRoot
        document = tree.K[0]
        nums = tree.ParentTree.Nums
        next_key = _next_key(nums)
        outline = target.Root.get("/Outlines")
        destinations = dict(_destinations(target))
        for index, path in enumerate(parts[1:], start=1):
            part = stack.enter_context(pikepdf.open(path))
            first = len(target.pages)
            with warnings.catch_warnings():
                # Named destinations are merged below, by name rather than renamed.
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                target.pages.extend(part.pages)
            pages = [target.pages[first + n].obj for n in range(len(part.pages))]
            page_of = {page.obj.objgen: n for n, page in enumerate(part.pages)}
            children = _scan_structure(part, prefix=f"d{index}-")
            next_key = _add_structure(target, part, children, document, nums, next_key, pages)
            outline = _add_outline(target, part, outline)
            for name, destination in _destinations(part):
                page = pages[page_of[destination[0].objgen]]
                destinations[name] = Array([page, *list(destination)[1:]])
        tree.ParentTreeNextKey = next_key
        _set_destinations(target, destinations)
        footer_pdf = stack.enter_context(pikepdf.open(footer))
        _draw_footer(target, footer_pdf)
        output = io.BytesIO()
        target.save(output, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return output.getvalue()


def _next_key(nums: Array) -> int:
    return max((int(key) for key in list(nums)[::2]), default=-1) + 1


def _scan_structure(pdf: pikepdf.Pdf, *, prefix: str) -> list[Dictionary]:
    """Prefix the ids of table headers and the references of table cells to them; the
    structure elements whose parent is the document element."""
    document = pdf.Root.StructTreeRoot.K[0].objgen
    children = []
    for obj in pdf.objects:
        if not isinstance(obj, Dictionary) or obj.get("/Type") != "/StructElem":
            continue
        if "/ID" in obj:
            obj.ID = String(prefix + str(obj.ID))
        attributes = obj.get("/A")
        if isinstance(attributes, Dictionary) and "/Headers" in attributes:
            attributes.Headers = Array(String(prefix + str(h)) for h in attributes.Headers)
        if obj.P.objgen == document:
            children.append(obj)
    return children


def _add_structure(target, part, children, document, nums, next_key, pages) -> int:
    """Put the part's structure under `document`, its parent tree after `next_key`; the next
    free key after it.

    `children` are the part's elements under its document element: those of the text, and
    those of the page margins, which WeasyPrint puts in the parent tree but not in the tree.
    """
    part_tree = part.Root.StructTreeRoot
    for kid in part_tree.K[0].K:
        document.K.append(target.copy_foreign(kid))
    for child in children:
        target.copy_foreign(child).P = document
    parent_tree = target.copy_foreign(part_tree.ParentTree)
    part_nums = list(parent_tree.Nums)
    for key, value in zip(part_nums[::2], part_nums[1::2], strict=True):
        nums.append(int(key) + next_key)
        nums.append(value)
    for page in pages:
        if "/StructParents" in page:
            page.StructParents = int(page.StructParents) + next_key
        for annotation in page.get("/Annots", ()):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + next_key
    return next_key + _next_key(part_nums)


def _add_outline(target, part, outline):
    """Append the part's bookmarks to the outline; the outline (new when there was none)."""
    if "/Outlines" not in part.Root or "/First" not in part.Root.Outlines:
        return outline
    copied = target.copy_foreign(part.Root.Outlines)
    if outline is None:
        target.Root.Outlines = copied
        return copied
    item = copied.First
    while True:
        item.Parent = outline
        if "/Next" not in item:
            break
        item = item.Next
    if "/Last" in outline:
        outline.Last.Next = copied.First
        copied.First.Prev = outline.Last
    else:
        outline.First = copied.First
    outline.Last = copied.Last
    outline.Count = int(outline.get("/Count", 0)) + int(copied.get("/Count", 0))
    return outline


def _destinations(pdf: pikepdf.Pdf):
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    return list(pikepdf.NameTree(names.Dests).items())


def _set_destinations(target: pikepdf.Pdf, destinations: dict) -> None:
    """One name tree of all destinations, sorted as a name tree must be."""
    flat = Array()
    for name in sorted(destinations, key=lambda name: bytes(String(name))):
        flat.append(String(name))
        flat.append(destinations[name])
    if "/Names" not in target.Root:
        target.Root.Names = Dictionary()
    target.Root.Names.Dests = target.make_indirect(Dictionary(Names=flat))


def _draw_footer(target: pikepdf.Pdf, footer: pikepdf.Pdf) -> None:
    if len(footer.pages) != len(target.pages):
        raise ValueError(
            f"Paginavoet van {len(footer.pages)} pagina's voor {len(target.pages)} pagina's"
        )
    for page, footer_page in zip(target.pages, footer.pages, strict=True):
        form = target.copy_foreign(footer_page.as_form_xobject())
        form.write(b"/Artifact BMC\n" + form.read_bytes() + b"\nEMC\n")
        page.add_overlay(form)

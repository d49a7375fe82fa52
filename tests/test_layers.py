"""The apps depend one way: a module imports only from its own layer and the layers below.

    portal (the composed site: settings, urls, home, trajectory pages, demo, editors' group)
    volgen (following agreements and trajectories by mail)
    rapportages
    uitvragen (reporting rounds)
    afspraken
    trajecten
    portal.core (shared infrastructure: audit-trail admin, version check)

When a lower app needs to know what a higher one decides, the higher one writes it down on
the lower model (publishing a report sets `Traject.bevroren_tot`) instead of the lower one
importing the higher. Imports inside functions count too.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Most specific first: portal.core lies below everything, the rest of portal above.
LAYERS = [
    ("portal.core", 0),
    ("trajecten", 1),
    ("afspraken", 2),
    ("uitvragen", 3),
    ("rapportages", 4),
    ("volgen", 5),
    ("portal", 6),
]
LAYER_NAMES = {
    0: "portal.core",
    1: "trajecten",
    2: "afspraken",
    3: "uitvragen",
    4: "rapportages",
    5: "volgen",
    6: "portal",
}


def layer_of(module: str) -> int | None:
    """The layer of a module of the project, or None for Django and other libraries."""
    for prefix, rank in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return rank
    return None


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(
    source: str, module: str, *, is_package: bool, root: Path
) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the source, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module
            # `from portal import core` imports portal.core, not the rest of portal.
            submodules = [
                f"{name}.{alias.name}"
                for alias in node.names
                if _is_module(root, f"{name}.{alias.name}")
            ]
            found.extend((node.lineno, imported) for imported in submodules or [name])
    return found


def violations(root: Path) -> list[str]:
    found = []
    for package in ("portal", "trajecten", "afspraken", "uitvragen", "rapportages", "volgen"):
        for path in sorted((root / package).rglob("*.py")):
            module = module_name(path, root)
            own = layer_of(module)
            imports = imported_modules(
                path.read_text(encoding="utf-8"),
                module,
                is_package=path.name == "__init__.py",
                root=root,
            )
            for lineno, imported in imports:
                target = layer_of(imported)
                if target is not None and target > own:
                    found.append(
                        f"{path.relative_to(root)}:{lineno}: {LAYER_NAMES[own]} imports "
                        f"{imported} ({LAYER_NAMES[target]}), a layer above it"
                    )
    return sorted(found)


def _is_module(root: Path, name: str) -> bool:
    """Whether a dotted name is a module or package (not a name imported from one)."""
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_no_import_climbs_a_layer():
    assert violations(ROOT) == []


def test_the_guard_finds_an_import_that_climbs(tmp_path):
    """The check itself: a lower app importing a higher one, directly, relatively or late."""
    for package in ("portal", "portal/core", "trajecten", "afspraken", "uitvragen", "rapportages"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "uitvragen" / "models.py").write_text("from rapportages import models\n")
    (tmp_path / "rapportages" / "models.py").write_text("")
    (tmp_path / "afspraken" / "models.py").write_text("")
    (tmp_path / "portal" / "views.py").write_text("")
    (tmp_path / "trajecten" / "models.py").write_text(
        "from django.db import models\nfrom portal.core import history\n"
        "from afspraken.models import Verbeterafspraak\n"
    )
    (tmp_path / "afspraken" / "forms.py").write_text(
        "from . import models\n\ndef f():\n    import rapportages.models\n"
    )
    (tmp_path / "portal" / "core" / "history.py").write_text("from portal import views\n")
    (tmp_path / "rapportages" / "views.py").write_text("from ..afspraken import models\n")

    found = violations(tmp_path)

    assert found == [
        "afspraken/forms.py:4: afspraken imports rapportages.models (rapportages), "
        "a layer above it",
        "portal/core/history.py:1: portal.core imports portal.views (portal), a layer above it",
        "trajecten/models.py:3: trajecten imports afspraken.models (afspraken), a layer above it",
        "uitvragen/models.py:1: uitvragen imports rapportages.models (rapportages), a layer above "
        "it",
    ]

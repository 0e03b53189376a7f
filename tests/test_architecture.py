"""The arrows of the architecture, checked on the source with ``ast`` (every import, including
function-level and ``TYPE_CHECKING`` ones):

* the core (features, model, recommend, evaluate, stats, demand_figures, geo, periods) imports
  neither the web stack (fastapi, starlette), nor MLflow, nor the I/O layers (``guidance.api``,
  ``guidance.store``) nor ``training``; nothing under ``src/guidance`` imports ``training``;
* no module reads another module's or a library's private attributes (``x._name``), outside
  the one adapter over scikit-learn's internals and a short list of documented public
  underscore APIs;
* nor imports them: ``from guidance.x import _y`` (``import guidance._x``, a library's
  ``from lib import _y`` alike) is an error outside the module or package holding ``_y``. A
  package's own modules may use its private names and private submodules
  (``guidance.api.routes.demand`` imports ``guidance.api.routes._jobs``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
PACKAGE = SRC / "guidance"
TRAINING = REPO / "training"

# The core: pure code (no web, no MLflow, no database). Prefix match on dotted module names.
CORE = (
    "guidance.features",
    "guidance.model",
    "guidance.recommend",
    "guidance.evaluate",
    "guidance.stats",
    "guidance.demand_figures",
    "guidance.geo",
    "guidance.periods",
    "guidance.conformal",
)
FORBIDDEN_IN_CORE = (
    "fastapi",
    "starlette",
    "mlflow",
    "guidance.api",
    "guidance.store",
    "training",
)

# The one module allowed to read scikit-learn's private attributes (the compiled forest's
# adapter, pinned to the tested scikit-learn versions).
PRIVATE_ACCESS_MODULES = {"src/guidance/recommend/hgb_adapter.py"}

# Underscore names that are public, documented APIs despite the underscore.
PUBLIC_UNDERSCORE = {
    # SQLAlchemy: ``Row._mapping`` is the documented dict-like view of a result row
    # (the underscore only avoids clashing with column names).
    "_mapping": "SQLAlchemy Row._mapping (documented public API)",
    "_asdict": "namedtuple._asdict (documented public API)",
    "_replace": "namedtuple._replace (documented public API)",
    "_fields": "namedtuple._fields (documented public API)",
    "_make": "namedtuple._make (documented public API)",
    # ``sys._getframe`` is documented in the standard library (CPython implementation detail).
    "_getframe": "sys._getframe (documented in the sys module)",
    # The type of ``ArgumentParser.add_subparsers()`` as typeshed and the argparse docs name
    # it; used only in annotations of the ``guidance.commands`` entry points.
    "_SubParsersAction": "argparse._SubParsersAction (annotation of add_subparsers())",
}

# Private names a module may import from outside their module, keyed (importing file, name).
PRIVATE_IMPORTS = {
    ("src/guidance/features/__init__.py", "guidance.features.transform._Lookups"): (
        "bundles pickled before the feature package was split name the class "
        "guidance.features._Lookups (tests/features/test_pickle_names.py)"
    ),
}


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC if path.is_relative_to(SRC) else REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *TRAINING.rglob("*.py")])


def imports(tree: ast.AST, name: str, is_package: bool = False) -> list[tuple[int, list[str]]]:
    """Per import statement anywhere in ``tree``: its line and the modules it may name
    (relative imports resolved against the module ``name``, a package's ``__init__`` when
    ``is_package``; ``from a import b`` may name ``a`` or the submodule ``a.b``)."""
    found: list[tuple[int, list[str]]] = []
    package = name.split(".") + ([""] if is_package else [])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, [alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            found.append((node.lineno, [mod, *(f"{mod}.{alias.name}" for alias in node.names)]))
    return found


def is_under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def parse(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def path_imports(path: Path) -> list[tuple[int, list[str]]]:
    return imports(parse(path), module_name(path), path.name == "__init__.py")


def core_violations(files: list[Path]) -> list[str]:
    bad = []
    for path in files:
        name = module_name(path)
        if not any(is_under(name, c) for c in CORE):
            continue
        for line, mods in path_imports(path):
            hit = [m for m in mods if any(is_under(m, f) for f in FORBIDDEN_IN_CORE)]
            if hit:
                bad.append(f"{path.relative_to(REPO)}:{line}: core module {name} imports {hit[0]}")
    return bad


def training_violations(files: list[Path]) -> list[str]:
    bad = []
    for path in files:
        if not path.is_relative_to(PACKAGE):
            continue
        name = module_name(path)
        for line, mods in path_imports(path):
            if any(is_under(m, "training") for m in mods):
                bad.append(f"{path.relative_to(REPO)}:{line}: {name} imports training")
    return bad


def private_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """``(line, source)`` of every ``x._name`` (or ``getattr(x, "_name")``) where ``x`` is not
    ``self``/``cls``/``super()`` and ``_name`` is not a dunder nor a documented public
    underscore API."""
    hits = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            # getattr(est, "_predictors") reads a private attribute just the same
            name = node.args[1].value
            if name.startswith("_") and not name.startswith("__") and name not in PUBLIC_UNDERSCORE:
                hits.append((node.lineno, ast.unparse(node)))
            continue
        if not isinstance(node, ast.Attribute):
            continue
        attr = node.attr
        if not attr.startswith("_") or attr.startswith("__") or attr in PUBLIC_UNDERSCORE:
            continue
        value = node.value
        if isinstance(value, ast.Name) and value.id in ("self", "cls"):
            continue
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "super"
        ):
            continue
        hits.append((node.lineno, ast.unparse(node)))
    return hits


def private_violations(files: list[Path]) -> list[str]:
    bad = []
    for path in files:
        rel = path.relative_to(REPO).as_posix()
        if rel in PRIVATE_ACCESS_MODULES:
            continue
        bad.extend(f"{rel}:{line}: {src}" for line, src in private_reads(parse(path)))
    return bad


def private_imports(found: list[tuple[int, list[str]]], name: str) -> list[tuple[int, str]]:
    """``(line, dotted name)`` of every import (as ``imports`` lists them for the module
    ``name``) naming a private name, one leading underscore, of a module it is not inside:
    ``from guidance.x import _y`` from ``guidance.z`` gives ``guidance.x._y``, and so do
    ``from guidance.x._y import a`` and ``import guidance.x._y``; the same from ``guidance.x``
    (a package) or ``guidance.x.w`` is the package's own business. Documented public
    underscore APIs are not flagged."""
    hits = []
    for line, mods in found:
        seen = set()
        for mod in mods:
            parts = mod.split(".")
            for i, part in enumerate(parts):
                if not part.startswith("_") or part.startswith("__"):
                    continue
                private = ".".join(parts[: i + 1])
                owner = ".".join(parts[:i])
                if (
                    part not in PUBLIC_UNDERSCORE
                    and not is_under(name, owner)
                    and private not in seen
                ):
                    seen.add(private)
                    hits.append((line, private))
                break
    return hits


def private_import_violations(files: list[Path]) -> list[str]:
    bad = []
    for path in files:
        rel = path.relative_to(REPO).as_posix()
        if rel in PRIVATE_ACCESS_MODULES:
            continue
        for line, private in private_imports(path_imports(path), module_name(path)):
            if (rel, private) not in PRIVATE_IMPORTS:
                bad.append(f"{rel}:{line}: imports {private}")
    return bad


# -- the checks ---------------------------------------------------------------------------------


def test_core_imports_no_io_layer():
    assert core_violations(python_files()) == []


def test_package_never_imports_training():
    assert training_violations(python_files()) == []


def test_no_private_attribute_reads():
    assert private_violations(python_files()) == []


def test_no_private_name_imports():
    assert private_import_violations(python_files()) == []


# -- the checkers catch what they are meant to catch --------------------------------------------


def write(tmp_path: Path, rel: str, source: str) -> Path:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "source",
    [
        "import mlflow\n",
        "def f():\n    from fastapi import Request\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import starlette.requests\n",
        "from guidance import store\n",
        "from guidance.api.errors import ApiError\n",
        "from ..store import db\n",
        "import training.pipeline\n",
    ],
)
def test_core_checker_flags_forbidden_imports(source, monkeypatch, tmp_path):
    monkeypatch.setattr(f"{__name__}.SRC", tmp_path / "src")
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    path = write(tmp_path, "src/guidance/recommend/x.py", source)
    assert len(core_violations([path])) == 1


def test_core_checker_accepts_core_and_non_core(monkeypatch, tmp_path):
    monkeypatch.setattr(f"{__name__}.SRC", tmp_path / "src")
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    core = write(tmp_path, "src/guidance/model.py", "import numpy\nfrom guidance import geo\n")
    api = write(tmp_path, "src/guidance/api/x.py", "import fastapi\nimport mlflow\n")
    # "guidance.storefront" is not "guidance.store"
    near = write(tmp_path, "src/guidance/geo.py", "import guidance.storefront\n")
    assert core_violations([core, api, near]) == []


def test_training_checker(monkeypatch, tmp_path):
    monkeypatch.setattr(f"{__name__}.SRC", tmp_path / "src")
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "src" / "guidance")
    bad = write(tmp_path, "src/guidance/cli.py", "def f():\n    import training.cli\n")
    ok = write(tmp_path, "training/run.py", "import training.pipeline\nimport guidance.model\n")
    assert len(training_violations([bad, ok])) == 1


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("est._predictors\n", ["est._predictors"]),
        ("import sys\nsys.modules['x']._cache\n", ["sys.modules['x']._cache"]),
        ("f()._x.y\n", ["f()._x"]),
        ("self._x\ncls._y\nsuper()._z\n", []),
        ("row._mapping\npoint._asdict()\nT._fields\n", []),
        ("obj.__class__\nobj.public\n", []),
        ("getattr(est, '_preprocessor', None)\n", ["getattr(est, '_preprocessor', None)"]),
        ("getattr(obj, '__name__')\ngetattr(obj, 'name')\n", []),
    ],
)
def test_private_reads(source, flagged):
    assert [src for _, src in private_reads(ast.parse(source))] == flagged


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("from guidance.tracer.export import _left\n", ["guidance.tracer.export._left"]),
        # a parenthesised multi-line import, a function-level one, an alias
        (
            "from guidance.model import (\n    MIN_CLASS_VAL,\n    _labels,\n    _hgb as h,\n)\n",
            ["guidance.model._labels", "guidance.model._hgb"],
        ),
        ("def f():\n    from training.search import _grid\n", ["training.search._grid"]),
        # relative: ``..`` of guidance.tracer.dirs is guidance
        ("from ..model import _fill_empty\n", ["guidance.model._fill_empty"]),
        # a private submodule from outside its package, however imported
        ("import guidance.recommend._kernels as k\n", ["guidance.recommend._kernels"]),
        ("from guidance.recommend import _kernels\n", ["guidance.recommend._kernels"]),
        ("from guidance.store._frames import records\n", ["guidance.store._frames"]),
        # a sibling module's private name is not the package's
        ("from guidance.tracer.schema import _NAMES\n", ["guidance.tracer.schema._NAMES"]),
        ("from sklearn.utils import _safe_indexing\n", ["sklearn.utils._safe_indexing"]),
        # the importing module's own package: its private submodules and names
        ("from guidance.tracer._util import x\nfrom guidance.tracer import _util, _y\n", []),
        ("from . import _util\nimport guidance.tracer._util\nfrom guidance import _version\n", []),
        ("from guidance.tracer.export import left_counts, __version__\n", []),
        ("from argparse import _SubParsersAction\n", []),
    ],
)
def test_private_imports(source, flagged):
    found = imports(ast.parse(source), "guidance.tracer.dirs")
    assert [name for _, name in private_imports(found, "guidance.tracer.dirs")] == flagged


def test_private_imports_of_a_package_init(monkeypatch, tmp_path):
    monkeypatch.setattr(f"{__name__}.SRC", tmp_path / "src")
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    # ``from . import _a`` in guidance/tracer/__init__.py is guidance.tracer._a: its own
    own = write(
        tmp_path, "src/guidance/tracer/__init__.py", "from . import _a\nfrom .x import _b\n"
    )
    # a package's __init__ may not take a private name of one of its modules either
    assert private_import_violations([own]) == [
        "src/guidance/tracer/__init__.py:2: imports guidance.tracer.x._b"
    ]

"""The house: no import circles in src/, no imports of another module's private names, and the
stage folders import only downward (births/evolution/photometry/place → galaxy → observe …).

Imports are read from the source (``ast``), function-level ones included: a lazy import is still
a dependency.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "starmaker"

#: each module's floor; a module may import only modules on its own floor or lower
FLOORS = {
    "starmaker._version": 0,
    "starmaker.errors": 0,
    "starmaker.units": 1,
    "starmaker.photometry.bands": 1,
    "starmaker.schema": 1,
    "starmaker.sizes": 1,
    "starmaker.arrays": 1,
    "starmaker.io.paths": 1,
    "starmaker.io.atomic": 1,
    "starmaker.io.cache": 1,
    "starmaker.io.parquet": 2,
    "starmaker.io.tables": 2,
    "starmaker.stars": 3,
    "starmaker.checks": 3,
    "starmaker.births": 4,
    "starmaker.evolution": 4,
    "starmaker.photometry": 4,
    "starmaker.place": 4,
    "starmaker.maker": 5,
    "starmaker.galaxy": 6,
    "starmaker.io": 6,
    "starmaker.recipe": 7,
    "starmaker.observe": 7,
    "starmaker.observe.gaia_errors": 4,  # a leaf (errors and pygaia only): the survey measures with it
    "starmaker.plots": 8,
    "starmaker.reports": 9,
    "starmaker.web": 9,
    "starmaker.cli": 10,
    "starmaker": 11,
}


def _modules() -> dict[str, Path]:
    mods = {}
    for f in SRC.rglob("*.py"):
        rel = f.relative_to(SRC.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        mods[".".join(parts)] = f
    return mods


def _imports(name: str, f: Path, mods: dict[str, Path]):
    """(target module, imported names) for every starmaker import in ``f``."""
    pkg = name if f.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(f.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("starmaker"):
                target = node.module
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield (sub, None) if sub in mods else (target, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("starmaker"):
                    yield alias.name, None


def _edges():
    mods = _modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    private = []
    for name, f in mods.items():
        for target, imported in _imports(name, f, mods):
            if target not in mods or target == name or name.startswith(target + "."):
                continue
            edges[name].add(target)
            if imported and imported.startswith("_") and imported != "__version__":
                private.append(f"{name} imports {target}.{imported}")
    return edges, private


def _floor(module: str) -> int:
    while module not in FLOORS:
        module = module.rsplit(".", 1)[0]
    return FLOORS[module]


def test_no_import_cycles():
    edges, _ = _edges()
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in edges:
        if v not in index:
            visit(v)
    assert cycles == []


def test_no_private_imports_across_modules():
    _, private = _edges()
    assert private == []


def test_floors_only_import_downward():
    edges, _ = _edges()
    upward = [f"{a} (floor {_floor(a)}) imports {b} (floor {_floor(b)})"
              for a, targets in edges.items() for b in targets
              if a != "starmaker" and _floor(b) > _floor(a)]
    assert upward == []


def test_every_module_has_a_floor():
    for name in _modules():
        _floor(name)  # raises KeyError for a module outside the house


@pytest.mark.parametrize("heavy", ["numpy", "numba", "scipy", "astropy", "matplotlib", "pyarrow", "skyfield"])
def test_import_starmaker_is_light(heavy):
    code = f"import sys, starmaker; assert {heavy!r} not in sys.modules, 'loaded {heavy}'"
    subprocess.run([sys.executable, "-c", code], check=True)

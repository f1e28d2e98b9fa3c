"""The README's module map, rendered from each module's first docstring line (`--write` updates README.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (ROOT / "src" / "omnirec", ROOT / "training" / "omnirec_train")
START = "<!-- module-map:start (python tests/module_map.py --write) -->"
END = "<!-- module-map:end -->"


def modules() -> list[Path]:
    """Every Python module of the service and the trainer, in path order."""
    return sorted(path for package in PACKAGES for path in package.rglob("*.py"))


def first_line(path: Path) -> str:
    """The first line of the module's docstring ('' when it has none)."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    return docstring.strip().splitlines()[0].strip() if docstring else ""


def render() -> str:
    """The map as a Markdown table between the START and END markers."""
    rows = [START, "", "| module | what it holds |", "| --- | --- |"]
    for path in modules():
        name = path.relative_to(ROOT).as_posix()
        what = first_line(path).replace("|", r"\|")
        rows.append(f"| `{name}` | {what} |")
    return "\n".join([*rows, "", END])


def readme_block(text: str) -> str:
    """The map as the README holds it now ('' when the markers are missing)."""
    start, end = text.find(START), text.find(END)
    return text[start : end + len(END)] if start >= 0 and end > start else ""


def write(readme: Path = ROOT / "README.md") -> None:
    text = readme.read_text(encoding="utf-8")
    old = readme_block(text)
    if not old:
        raise SystemExit(f"{readme}: no module-map markers; add {START!r} and {END!r} where the map goes")
    readme.write_text(text.replace(old, render()), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        print(render())

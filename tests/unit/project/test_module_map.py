"""The README's module map matches the code, and every module's first line says what it holds."""

from __future__ import annotations

import module_map


def test_every_module_opens_with_a_line_saying_what_it_holds() -> None:
    silent = [path.as_posix() for path in module_map.modules() if len(module_map.first_line(path)) < 20]
    assert not silent, f"modules without a first docstring line saying what they hold: {silent}"


def test_readme_module_map_matches_the_code() -> None:
    readme = (module_map.ROOT / "README.md").read_text(encoding="utf-8")
    assert module_map.readme_block(readme) == module_map.render(), (
        "README.md's module map is out of date: run `python tests/module_map.py --write`"
    )

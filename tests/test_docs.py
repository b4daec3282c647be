"""The docs agree with the code and with each other where they state the same fact."""

from __future__ import annotations

import re
from pathlib import Path

from mlxguard.models.presets import DEFAULT_PRESET, PRESETS
from mlxguard.run.plan import ORDERS

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_every_order_list_names_every_order() -> None:
    for doc in DOCS:
        for listed in re.findall(r"--order ([a-z|]+)", _text(doc)):
            if "|" in listed:
                assert set(listed.split("|")) == set(ORDERS), (doc.name, listed)


def test_reference_auto_is_described_one_way() -> None:
    # auto = mlx-engine when it is installed, else mlx-lm (engines.resolve_reference).
    for doc in DOCS:
        text = " ".join(_text(doc).split())
        assert "`auto` means `mlx-lm`" not in text and "`auto` = `mlx-lm`" not in text, doc.name


def test_real_shape_examples_are_marked_apple_silicon() -> None:
    # Their prefill crawls on MLX's CPU kernels (README, "Measured here"): an example running
    # one says where it can finish.
    real = [p for p in PRESETS if p != DEFAULT_PRESET]
    for doc in DOCS:
        for block in re.findall(r"```[a-z]*\n(.*?)```", _text(doc), re.S):
            for line in block.splitlines():
                if re.search(r"mlxguard run .*--model (" + "|".join(real) + r")\b", line):
                    assert "Apple Silicon" in line, (doc.name, line)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = _text(REPO / "README.md")
    command = next(line for line in readme.splitlines() if line.startswith("scripts/setup-test"))
    assert _text(REPO / ".ci" / "run").splitlines()[-1] == command


def test_every_doc_link_in_the_readme_resolves() -> None:
    for target in re.findall(r"\]\(([^)#\s]+)", _text(REPO / "README.md")):
        if not target.startswith(("http://", "https://")):
            assert (REPO / target).exists(), target


def test_where_things_are_names_every_module() -> None:
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `mlxguard/(\w+)/` \|(.*)$", _text(REPO / "README.md"), re.M)
    }
    table = _text(REPO / "README.md").split("## Where things are")[1].split("\n## ")[0]
    for module in (REPO / "mlxguard").glob("*.py"):
        if not module.stem.startswith("__"):
            assert f"`{module.name}`" in table or f"`mlxguard/{module.name}`" in table, module.name
    for package in sorted(p for p in (REPO / "mlxguard").iterdir() if (p / "__init__.py").exists()):
        assert package.name in rows, package.name
        for module in package.glob("*.py"):
            command = package.name == "cli" and module.stem not in ("app", "common", "options")
            if module.stem != "__init__" and not command:  # commands: "one module per command"
                assert f"`{module.stem}" in rows[package.name], (package.name, module.stem)


def test_the_dependency_list_names_every_dependency() -> None:
    import tomllib

    project = tomllib.loads(_text(REPO / "pyproject.toml"))["project"]
    readme = _text(REPO / "README.md")
    listed = readme[readme.index("## Dependencies") :].split("\n## ")[0]
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        name = re.split(r"[<>=;\[ ]", requirement)[0]
        assert f"`{name}" in listed, name

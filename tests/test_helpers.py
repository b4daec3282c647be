"""How the tests are written: shared code lives in helper modules (no file under tests/ imports
a test module, `test_*.py`, or a `conftest.py`, so each test module can be run, moved or deleted
alone, and pytest alone decides how conftest files are loaded), and no assertion accepts every
exit code a finished run can have."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _is_test_module(name: str) -> bool:
    return name.startswith("test_") or name == "conftest"


def _imported(tree: ast.AST) -> list[str]:
    """Every module name an import statement names, each dotted part and imported name apart."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [part for alias in node.names for part in alias.name.split(".")]
        elif isinstance(node, ast.ImportFrom):
            names += (node.module or "").split(".")
            if node.level or node.module == "tests" or (node.module or "").startswith("tests."):
                names += [alias.name for alias in node.names]  # `from . import test_x`
    return names


def _offenders(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        bad = sorted({n for n in _imported(tree) if _is_test_module(n)})
        found += [f"{path.relative_to(root)} imports {name}" for name in bad]
    return found


def test_no_file_under_tests_imports_a_test_module_or_a_conftest():
    assert _offenders(TESTS) == []


def test_the_check_sees_each_form_of_such_an_import(tmp_path: Path):
    forms = [
        "from test_github import TOKEN",
        "import test_github",
        "from conftest import mlxguard",
        "from tests.github.test_github import TOKEN",
        "from .test_github import TOKEN",
        "from . import test_github",
        "def f():\n    from test_github import TOKEN",
    ]
    for i, form in enumerate(forms):
        (tmp_path / f"m{i}.py").write_text(form + "\n")
    (tmp_path / "ok.py").write_text("from github_env import TOKEN\nimport testing_tools\n")
    assert len(_offenders(tmp_path)) == len(forms)


# `assert proc.returncode in (0, 1)` holds for every run that finished, whatever its verdict:
# assert the verdict's own code instead (`cli_runner.verdict_code`).
ANY_VERDICT = re.compile(r"assert [\w.]*(returncode|exit_code|code) in [({\[]\s*0\s*,\s*1\s*[)}\]]")


def test_no_assertion_accepts_any_verdicts_exit_code():
    found = [
        f"{path.relative_to(TESTS)}:{n}"
        for path in sorted(TESTS.rglob("test_*.py"))
        if path != Path(__file__).resolve()  # its own examples below
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ANY_VERDICT.search(line)
    ]
    assert found == []


def test_the_exit_code_check_sees_each_spelling():
    for line in ("assert proc.returncode in (0, 1), x", "assert result.exit_code in {0, 1}",
                 "assert code in [0,1]"):  # fmt: skip
        assert ANY_VERDICT.search(line), line
    assert not ANY_VERDICT.search("assert proc.returncode == verdict_code(out)")

"""Every file a user can hand mlxguard is read by one helper (`fsutil.read_input`, `read_bytes`,
`open_regular`, `read_tail`): regular files only, with a size cap. This test walks the package
and fails on any other way of reading a file, outside the few places that read the system's
own files or the package's."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mlxguard"

# Where reading a file directly is right, and why.
ALLOWED = {
    "fsutil.py": "the reading helpers themselves",
    "run/machine_state.py": "the kernel's /sys files",
    "run/environment.py": "the kernel's /proc/cpuinfo",
    "engines/children.py": "the kernel's /proc/PID/stat",
    "reports/dashboard.py": "the package's own templates and vendored script",
}
READERS = {"read_text", "read_bytes"}


def _mode(node: ast.Call, position: int) -> str:
    given = node.args[position : position + 1] + [k.value for k in node.keywords if k.arg == "mode"]
    mode = given[0].value if given and isinstance(given[0], ast.Constant) else "r"
    return mode if isinstance(mode, str) else "r"


def _reads(tree: ast.AST) -> list[int]:
    """Lines that read a file some other way: `.read_text()`, `.read_bytes()`, `tomllib`, or
    `open()`, `Path.open()` or `os.fdopen()` without a write, append or exclusive mode."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
        if isinstance(f, ast.Name) and f.id == "open":
            mode = _mode(node, 1)  # open(path, mode)
        elif isinstance(f, ast.Attribute) and f.attr == "fdopen":
            mode = _mode(node, 1)  # os.fdopen(fd, mode)
        elif isinstance(f, ast.Attribute) and f.attr == "open" and owner not in ("os", "io"):
            mode = _mode(node, 0)  # path.open(mode)
        elif isinstance(f, ast.Attribute) and (f.attr in READERS or owner == "tomllib"):
            mode = "r"
        else:
            continue
        if not set(mode) & set("wax"):
            found.append(node.lineno)
    return found


def test_no_module_reads_a_file_but_through_the_helpers() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name in ALLOWED:
            continue
        lines = _reads(ast.parse(path.read_text(encoding="utf-8")))
        offenders += [f"{name}:{line}" for line in lines]
    assert offenders == [], "read through mlxguard.fsutil instead"


def test_the_walk_sees_each_way_of_reading(tmp_path: Path) -> None:
    forms = [
        "Path(p).read_text()",
        "p.read_bytes()",
        "open(p)",
        "open(p, 'rb')",
        "os.fdopen(fd)",
        "tomllib.loads(t)",
        "with path.open() as f: pass",
    ]
    for form in forms:
        assert _reads(ast.parse(form)), form
    for fine in ("open(p, 'w')", "open(p, mode='ab')", "path.open('a')", "json.dumps(x)"):
        assert not _reads(ast.parse(fine)), fine

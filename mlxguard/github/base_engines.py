"""The config of the action's base-vs-head comparison: the user's config plus two engines.

    python -m mlxguard.github.base_engines --head DIR --base DIR --engine SPEC \\
        [--python REL] [--server MODULE] [--config PATH] --output-dir DIR

writes the user's config (the one given, else the one `mlxguard run` would find) into
--output-dir under the same file name, with `[engines.head]` and `[engines.base]` appended: the
same engine spec run from each checkout (with --python, that checkout's interpreter), so
`mlxguard run --suite compare --candidate head --reference base` measures both builds. With
--server, each is instead a server mlxguard starts in its checkout (`python -m MODULE --model
{model} --port {port}`, e.g. `mlx_lm.server`), and `[load] pair = true` is set, so `mlxguard run
--suite load --candidate head --reference base` measures both servers point by point. It prints
the path it wrote.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from mlxguard.config import find_config, mlxguard_table
from mlxguard.errors import UsageError
from mlxguard.fsutil import MAX_CONFIG_BYTES, parse_toml, read_input, write_atomic
from mlxguard.safetext import log_line

NAMES = ("head", "base")


def toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except that TOML also escapes DEL."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def definitions(
    checkouts: dict[str, Path], engine: str, python: str, table: str, server: str = ""
) -> str:
    """`[<table>.head]` and `[<table>.base]`: one engine spec, each checkout's directory; with
    `server`, a server started there (`python -m <server>`) and its OpenAI URL."""
    out = []
    for name, cwd in checkouts.items():
        interpreter = str(cwd / python) if python else sys.executable
        if server:
            command = [interpreter, "-m", server, "--model", "{model}", "--port", "{port}"]
            out += [f"[{table}.{name}]", 'spec = "openai:http://127.0.0.1:{port}/v1"']
            out.append(f"command = [{', '.join(toml_string(a) for a in command)}]")
        else:
            out += [f"[{table}.{name}]", f"spec = {toml_string(engine)}"]
            if python:
                out.append(f"python = {toml_string(interpreter)}")
        out.append(f"cwd = {toml_string(str(cwd))}")
        out.append("")
    return "\n".join(out)


def with_load_pair(text: str, section: dict[str, object], table: str) -> str:
    """`text` with `pair = true` in its `[<table>]` (the load settings): added under its header,
    or as a new table when there is none."""
    load = section.get("load")
    if isinstance(load, dict) and load.get("pair") is True:
        return text
    header = re.compile(rf"^[ \t]*\[[ \t]*{re.escape(table)}[ \t]*\][ \t]*(#.*)?$", re.MULTILINE)
    if found := header.search(text):
        return f"{text[: found.end()]}\npair = true{text[found.end() :]}"
    return f"{text.rstrip()}\n\n[{table}]\npair = true\n".lstrip()


def compose(
    config: Path | None, checkouts: dict[str, Path], engine: str, python: str, server: str = ""
) -> str:
    """The user's config text with the two definitions appended (with `server`, and `[load]
    pair = true`).

    Raises:
        UsageError: the config is not valid TOML, already defines `head` or `base`, or (with
            `server`) sets the load pair in a way this cannot change (`pair = false`, an inline
            `load` table).
    """
    text = read_input(config, "config file", MAX_CONFIG_BYTES) if config else ""
    pyproject = config is not None and config.name == "pyproject.toml"
    try:
        data = parse_toml(text)
    except ValueError as e:
        raise UsageError(f"config '{config}' is not valid TOML: {e}") from None
    section = (mlxguard_table(data, config) or {}) if pyproject and config else data
    engines = section.get("engines")
    taken = [n for n in NAMES if isinstance(engines, dict) and n in engines]
    if taken:
        raise UsageError(
            f"config '{config}' already defines engine '{taken[0]}'; the base comparison "
            "defines head and base itself: rename yours"
        )
    prefix = "tool.mlxguard." if pyproject else ""
    added = definitions(checkouts, engine, python, f"{prefix}engines", server)
    if server:
        text = with_load_pair(text, section, f"{prefix}load")
    out = f"{text.rstrip()}\n\n{added}".lstrip()
    if server and not _pairs(out, pyproject):
        raise UsageError(
            f"config '{config}' keeps the load suite from measuring head against base: set "
            "pair = true in its [load] table (docs/load.md)"
        )
    return out


def _pairs(text: str, pyproject: bool) -> bool:
    """The config text parses, and its `[load]` sets `pair = true`."""
    try:
        data = parse_toml(text)
    except ValueError:
        return False
    section = data.get("tool", {}).get("mlxguard", {}) if pyproject else data
    load = section.get("load") if isinstance(section, dict) else None
    return isinstance(load, dict) and load.get("pair") is True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlxguard.github.base_engines")
    parser.add_argument("--head", type=Path, required=True)
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--engine", required=True)
    parser.add_argument("--python", default="")
    parser.add_argument("--server", default="", help="a server module, e.g. mlx_lm.server")
    parser.add_argument("--config", default="")
    parser.add_argument("--output-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    checkouts = {"head": args.head.resolve(), "base": args.base.resolve()}
    config = Path(args.config) if args.config else find_config()
    output = args.output_dir / (config.name if config else "mlxguard.toml")
    try:
        write_atomic(output, compose(config, checkouts, args.engine, args.python, args.server))
    except UsageError as e:  # a bad config, or an output directory that cannot be written
        print(log_line(f"error: {e}"), file=sys.stderr)
        return 2
    print(log_line(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())

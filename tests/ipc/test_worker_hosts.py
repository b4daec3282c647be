"""The ipc worker hosts any engine spec, under another interpreter, directory and environment."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mlxguard.engines.ipc_engine import WorkerDied
from mlxguard.engines.mlx_lm_engine import MlxLmEngine

WORDS = Path(__file__).resolve().parents[1] / "plugins" / "words.py"


def test_a_plugin_from_the_working_directory_with_extra_environment(
    ipc_engine, tmp_path, tiny_model
):
    shutil.copy(WORDS, tmp_path / "words_plugin.py")
    e = ipc_engine(
        "json", engine="words_plugin:Words", cwd=str(tmp_path), env={"WORDS_TOKEN": "zz"}
    )
    e.load(str(tiny_model))
    assert list(e.generate("any prompt", 3, 0.0, None)) == ["zz", "zz", "zz"]
    assert e.last_stats["generation_tokens"] == 3 and e.last_stats["generation_tps"] is None
    assert e.info()["engine"] == {
        "spec": "words_plugin:Words", "name": "words", "info": {}, "takes_ids": False
    }  # fmt: skip
    assert e.generate_ids is None  # a text engine: the runner sends it text


def test_a_spec_the_worker_cannot_import_is_a_load_error_naming_it(ipc_engine, tiny_model):
    from mlxguard.engines.ipc_engine import IpcError

    e = ipc_engine(engine="no_such_module_xyz:Engine")
    with pytest.raises(IpcError, match="cannot import 'no_such_module_xyz'"):
        e.load(str(tiny_model))


def test_a_missing_interpreter_is_a_clear_error(ipc_engine, tmp_path):
    e = ipc_engine(python=str(tmp_path / "nowhere" / "python"))
    with pytest.raises(WorkerDied, match=r"cannot start the ipc worker .*nowhere/python"):
        e.request("echo", {"payload": 1})


@pytest.mark.slow
def test_mlx_lm_in_a_worker_of_another_virtualenv_without_mlxguard(
    ipc_engine, second_venv, tmp_path, tiny_model
):
    python = second_venv
    probe = "import importlib.util as u; print(u.find_spec('mlxguard'), u.find_spec('mlx_lm'))"
    seen = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout.split()
    assert seen[0] == "None" and seen[1] != "None"  # no mlxguard there, but mlx-lm

    e = ipc_engine(python=str(python), cwd=str(tmp_path))
    e.load(str(tiny_model))
    tokens = list(e.generate("The quick brown fox", 6, 0.0, 0))
    assert e.ready["executable"] == str(python)
    assert e.info()["versions"]["mlx-lm"] and e.info()["engine"]["spec"] == "mlx-lm"

    reference = MlxLmEngine()
    reference.load(str(tiny_model))
    assert tokens == list(reference.generate("The quick brown fox", 6, 0.0, 0))


def test_a_checkout_of_mlxguard_in_cwd_provides_its_own_worker(ipc_engine, tmp_path):
    """How a pull request's base commit measures its own worker: its checkout is the cwd."""
    import mlxguard

    checkout = tmp_path / "base"
    shutil.copytree(Path(mlxguard.__file__).parent, checkout / "mlxguard")
    worker = checkout / "mlxguard" / "engines" / "ipc_worker.py"
    code = worker.read_text()
    marker = '"python": sys.version.split()[0],'
    assert marker in code
    worker.write_text(code.replace(marker, '"python": "from the base checkout",'))
    e = ipc_engine(cwd=str(checkout))
    assert e.request("echo", {"payload": 1}) == {"payload": 1}
    assert e.ready["python"] == "from the base checkout"

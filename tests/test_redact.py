"""Credentials never reach a results file: a server command's options named like one, the
user information of URLs, the mlxguard command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import benchmark, results

from mlxguard.config import load_config
from mlxguard.redact import MASK, mask_credentials, masked_command
from mlxguard.results import load_results, write_results
from mlxguard.safetext import clean

SECRET = "s3cr3t-PASS"


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--auth", SECRET], ["--auth", MASK]),
        (["-k", SECRET], ["-k", MASK]),
        (["--bearer", SECRET], ["--bearer", MASK]),
        (["--credentials", SECRET], ["--credentials", MASK]),
        (["--credentials=" + SECRET], ["--credentials=" + MASK]),
        (["--api-key", SECRET, "--port", "8080"], ["--api-key", MASK, "--port", "8080"]),
        (["--hf_token=" + SECRET], ["--hf_token=" + MASK]),
        (["--basic-auth", SECRET], ["--basic-auth", MASK]),
        (["--password", "-" + SECRET], ["--password", MASK]),
        (["-H", f"Authorization: Bearer {SECRET}"], ["-H", f"Authorization: {MASK}"]),
        (["--url", f"https://user:{SECRET}@host/v1"], ["--url", f"https://user:{MASK}@host/v1"]),
        ([f"--upstream=http://{SECRET}@host:8/x"], [f"--upstream=http://{MASK}@host:8/x"]),
        (["--model", "{model}", "--port", "{port}"], ["--model", "{model}", "--port", "{port}"]),
    ],
)
def test_masked_command(args: list[str], shown: list[str]) -> None:
    assert masked_command(args) == shown


def test_mask_credentials_keeps_urls_without_them() -> None:
    text = "openai:http://127.0.0.1:8080/v1 and mailto:a@b.c and git@github.com:o/r"
    assert mask_credentials(text) == text
    assert mask_credentials(f"x https://u:{SECRET}@h/p y") == f"x https://u:{MASK}@h/p y"


def test_a_results_file_keeps_no_credential_of_a_server_or_a_url(tmp_path: Path) -> None:
    path = tmp_path / "mlxguard.toml"
    path.write_text(
        f'engine = "openai:https://user:{SECRET}@api.example/v1"\n'
        '[engines.srv]\nspec = "openai:http://127.0.0.1:{port}/v1"\n'
        f'command = ["serve", "--auth", "{SECRET}", "-k", "{SECRET}", "--bearer", "{SECRET}", '
        f'"--credentials", "{SECRET}", "--from", "https://u:{SECRET}@hub.example/m"]\n'
    )
    cfg = load_config(path)
    assert SECRET not in json.dumps(cfg.recorded())
    assert cfg.engines["srv"].command.count(SECRET) == 4  # the server still gets them
    r = results(benchmark(engine=f"openai:https://user:{SECRET}@api.example/v1", ttft_ms=[1.0]))
    r = r.model_copy(update={"config": cfg.recorded()})
    write_results(r, tmp_path / "r.json")
    assert SECRET not in (tmp_path / "r.json").read_text()
    assert (
        load_results(tmp_path / "r.json").benchmarks[0].engine.endswith(f":{MASK}@api.example/v1")
    )
    assert SECRET not in clean(r.benchmarks[0].engine)  # nor any report showing it

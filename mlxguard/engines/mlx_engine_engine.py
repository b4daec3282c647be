"""The `mlx-engine` engine: LM Studio's `mlx_engine` in this process, when it is installed.

`mlx_engine` is neither on PyPI nor pip-installable; `require()` turns its absence into one
line naming the fix, at resolve time, before any model is loaded.
"""

from __future__ import annotations

import importlib.util
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlxguard.engines.inprocess import MlxPeakMemory
from mlxguard.errors import UsageError
from mlxguard.fsutil import MiB, read_bytes

# mlx-engine ships no package metadata (no pyproject), so pip cannot install it from git, and
# its requirements.txt pins git URLs and a typer that breaks mlxguard: hence its own virtualenv.
INSTALL_HINT = (
    "mlx-engine is not installed: clone https://github.com/lmstudio-ai/mlx-engine and install "
    "docs/mlx-engine-requirements.txt into a virtualenv of its own, then define the engine with "
    'python = that virtualenv\'s python and cwd = the clone (docs/engines.md, "mlx-engine")'
)


def available() -> bool:
    """Whether `mlx_engine` can be imported (without importing it: that loads MLX)."""
    return importlib.util.find_spec("mlx_engine") is not None


_SHA = re.compile(r"[0-9a-f]{40}")


def _git_text(path: Path) -> str:
    """A git bookkeeping file of the checkout (HEAD, a ref, packed-refs), as text; read like
    any file a user hands mlxguard, since the checkout is theirs. Raises OSError when absent
    or refused, as the callers already expect of a missing ref."""
    try:
        return read_bytes(path, "git file", 64 * MiB).decode("utf-8", "replace")
    except UsageError as e:
        raise OSError(str(e)) from None


def _git_dir(root: Path) -> Path | None:
    """The git directory of a checkout rooted at `root` (a linked worktree's too), if any."""
    dot = root / ".git"
    if dot.is_file():  # a linked worktree or a submodule: `gitdir: PATH`
        try:
            text = _git_text(dot).strip()
        except OSError:
            return None
        if not text.startswith("gitdir:"):
            return None
        dot = (root / text.removeprefix("gitdir:").strip()).resolve()
    return dot if dot.is_dir() else None


def source_commit(root: Path) -> str | None:
    """The commit checked out at `root`, read from its git files (no git command needed);
    None when `root` is not the top of a git checkout.

    Only `root` itself is looked at, never its parents: a package installed in a virtualenv
    inside some other repository is not a checkout of its own.
    """
    git = _git_dir(root)
    if git is None:
        return None
    try:
        head = _git_text(git / "HEAD").strip()
        if _SHA.fullmatch(head):  # a detached HEAD
            return head
        ref = head.removeprefix("ref: ")
        common = git / "commondir"  # refs of a linked worktree live in the main git directory
        bases = [git] + ([(git / _git_text(common).strip()).resolve()] if common.is_file() else [])
        for base in bases:
            loose = base / ref
            if loose.is_file():
                sha = _git_text(loose).strip()
                return sha if _SHA.fullmatch(sha) else None
            packed = base / "packed-refs"
            if packed.is_file():
                for line in _git_text(packed).splitlines():
                    sha, _, name = line.partition(" ")
                    if name == ref and _SHA.fullmatch(sha):
                        return sha
    except OSError:
        return None
    return None


def versions() -> dict[str, str | None]:
    """Which mlx-engine is measured: its distribution version (None when it is not installed as
    a distribution, as from a clone), the commit of the checkout it is imported from (None when
    it is not a git checkout), and mlx-vlm's version (its models run under mlx-engine)."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for name in ("mlx-engine", "mlx-vlm"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    spec = importlib.util.find_spec("mlx_engine")
    package = Path(spec.origin).parent if spec is not None and spec.origin else None
    out["mlx-engine-commit"] = source_commit(package.parent) if package is not None else None
    return out


def require() -> None:
    """Raises UsageError naming the fix when `mlx_engine` is not installed."""
    if not available():
        raise UsageError(INSTALL_HINT)


class MlxEngineEngine(MlxPeakMemory):
    """`mlx_engine.load_model` + `create_generator` on token ids, one request at a time.

    The sequential model kit is used (`max_seq_nums=1`): one request at a time, like the other
    engines, and no batching scheduler or on-disk prompt cache in the timed path. EOS is ignored
    by default, as in the mlx-lm engine, so every trial does identical work. The kit's
    cross-request prompt cache is emptied after each request (`keep_prompt_cache=False`), so
    no trial reuses a previous one's prefix (not even the BOS token all prompts share).
    """

    name = "mlx-engine"

    def __init__(
        self,
        ignore_eos: bool = True,
        max_kv_size: int | None = None,
        keep_prompt_cache: bool = False,
    ) -> None:
        import mlx_engine
        from mlx_engine.utils.prompt_progress_reporter import PromptProgressReporter

        # The import takes seconds; the runner times construction with load(), so it counts in
        # cold load_ms exactly as importing mlx_lm does for the mlx-lm engine.
        self._api = mlx_engine
        self._reporter_base = PromptProgressReporter
        self.ignore_eos = ignore_eos
        self.max_kv_size = max_kv_size
        self.keep_prompt_cache = keep_prompt_cache
        self.last_usage: dict[str, int] | None = None
        self._kit: Any = None

    def load(self, model: str) -> None:
        self._kit = self._api.load_model(model, max_kv_size=self.max_kv_size, max_seq_nums=1)
        tokenizer = getattr(self._kit, "tokenizer", None)
        if self.ignore_eos and tokenizer is not None:
            # mlx_engine has no ignore-EOS switch; its stop check reads these ids.
            tokenizer.eos_token_ids = set()

    def tokenize(self, text: str) -> list[int]:
        """mlx_engine's own tokenization of text: no special tokens (no BOS)."""
        return list(self._api.tokenize(self._kit, text))

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        """`generate_ids` on mlx_engine's own tokenization of the text."""
        return self.generate_ids(self.tokenize(prompt), max_tokens, temperature, seed)

    def generate_ids(
        self, prompt_ids: list[int], max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        """Yield each token id; tokens the engine holds back (partial UTF-8) arrive together.

        Sets `last_usage` to the prompt length and cached tokens mlx_engine reports.
        """
        if self._kit is None:
            raise RuntimeError("generate() before load()")
        self.last_usage = None
        results = self._api.create_generator(
            self._kit,
            prompt_ids,
            max_tokens=max_tokens,
            temp=temperature,
            seed=seed,
            request_id=uuid.uuid4().hex,
            prompt_progress_reporter=self._reporter(),
        )
        try:
            for result in results:
                for token in result.tokens:
                    yield token.id
                stop = result.stop_condition
                if stop is not None and stop.stop_reason == "user_cancelled":
                    raise RuntimeError("mlx_engine cancelled the generation")
        finally:
            if not self.keep_prompt_cache:
                _empty_prompt_cache(self._kit)

    def _reporter(self) -> Any:
        """A prompt progress reporter that keeps mlx_engine's counts in `last_usage`."""
        engine = self

        class Counts(self._reporter_base):  # type: ignore[name-defined]
            def begin(
                self,
                is_draft: bool,
                cached_tokens: int,
                total_prompt_tokens: int,
                prefill_tokens_processed: int,
            ) -> bool:
                if not is_draft:
                    engine.last_usage = {
                        "prompt_tokens": total_prompt_tokens,
                        "cached_tokens": cached_tokens,
                    }
                return True

            def update(self, is_draft: bool, prefill_tokens_processed: int) -> bool:
                return True

            def finish(self, is_draft: bool, prefill_tokens_processed: int | None = None) -> bool:
                return True

        return Counts()

    def info(self) -> dict[str, Any]:
        return {
            "versions": versions(),
            "ignore_eos": self.ignore_eos,
            "max_kv_size": self.max_kv_size,
            "keep_prompt_cache": self.keep_prompt_cache,
        }

    def close(self) -> None:
        if self._kit is not None:
            self._api.unload(self._kit)
            self._kit = None


def _empty_prompt_cache(kit: Any) -> None:
    """Forget every cached prefix of the sequential kit's `CacheWrapper` (mlx-engine 08f0c07).

    mlx_engine has no public call for this. If its internals change, nothing is emptied and the
    `cached_tokens` it reports (recorded in the results) show any reuse.
    """
    cache = getattr(kit, "cache_wrapper", None)
    make_history = getattr(cache, "_make_history", None)
    make_cache = getattr(cache, "_make_cache", None)
    if callable(make_history) and callable(make_cache):
        cache._history = make_history()  # type: ignore[union-attr]
        cache._live_tokens = None  # type: ignore[union-attr]
        cache._live_cache = make_cache()  # type: ignore[union-attr]

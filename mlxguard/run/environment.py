"""The environment of a run, and the fingerprint that says which machines are comparable."""

from __future__ import annotations

import hashlib
import os
import platform
import re
from importlib import metadata

from mlxguard.errors import UsageError
from mlxguard.results import Environment
from mlxguard.run.bandwidth import machine_bandwidth
from mlxguard.run.probe import probe

# Hardware and the software that sets the hardware's speed. Library versions are left out on
# purpose: an mlx upgrade in a pull request is a change to measure, not another machine.
DEFAULT_FINGERPRINT_FIELDS = (
    "platform",
    "machine",
    "chip",
    "cpu_count",
    "memory_gb",
    "backend",
    "gpu",
)
VERSIONED_PACKAGES = ("mlx", "mlx-metal", "mlx-cpu", "mlx-lm", "mlx-engine", "mlxguard")


def _chip() -> str:
    if platform.system() == "Darwin":
        return (
            probe("sysctl", "-n", "machdep.cpu.brand_string") or platform.processor() or "unknown"
        )
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return re.sub(r"\s+", " ", line.split(":", 1)[1]).strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _performance_cores() -> int | None:
    if platform.system() != "Darwin":
        return None
    out = probe("sysctl", "-n", "hw.perflevel0.physicalcpu")
    return int(out) if out and out.isdigit() else None


def memory_bytes() -> int | None:
    """The machine's memory, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        out = probe("sysctl", "-n", "hw.memsize")
        return int(out) if out and out.isdigit() else None


def _memory_gb() -> float | None:
    memory = memory_bytes()
    # Rounded to whole GiB so that firmware reservations do not split identical machines.
    return None if memory is None else float(round(memory / 2**30))


def _os() -> str:
    if platform.system() == "Darwin":
        return f"macOS {platform.mac_ver()[0]}"
    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME", platform.platform())
    except OSError:
        return platform.platform()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _backend() -> tuple[str, str | None]:
    """The MLX backend in use (metal, cuda or cpu) and the GPU name when there is one."""
    try:
        import mlx.core as mx
    except ImportError:
        return "none", None
    if mx.metal.is_available():
        info = mx.metal.device_info()
        return "metal", str(info.get("device_name") or "Apple GPU")
    cuda = getattr(mx, "cuda", None)
    if cuda is not None and cuda.is_available():
        name = probe("nvidia-smi", "--query-gpu=name", "--format=csv,noheader")
        return "cuda", (name.splitlines()[0] if name else "NVIDIA GPU")
    return "cpu", None


def fingerprint(values: dict[str, object], fields: tuple[str, ...] | list[str]) -> str:
    """A readable, stable id of the machine: a slug of the chip plus a hash of `fields`."""
    canon = "|".join(f"{k}={values.get(k)}" for k in fields)
    digest = hashlib.sha256(canon.encode()).hexdigest()[:10]
    slug = re.sub(r"[^a-z0-9]+", "-", str(values.get("chip", "")).lower()).strip("-")[:40]
    return (
        f"{values.get('backend')}-{slug}-{digest}" if slug else f"{values.get('backend')}-{digest}"
    )


def collect(fields: tuple[str, ...] | list[str] = DEFAULT_FINGERPRINT_FIELDS) -> Environment:
    """Read the machine, the OS, the backend and the package versions.

    Raises:
        UsageError: a fingerprint field that is not one of the machine's fields.
    """
    backend, gpu = _backend()
    values: dict[str, object] = {
        "platform": platform.system().lower(),
        "machine": platform.machine(),
        "chip": _chip(),
        "cpu_count": os.cpu_count(),
        "performance_cores": _performance_cores(),
        "memory_gb": _memory_gb(),
        "os": _os(),
        "python": platform.python_version(),
        "backend": backend,
        "gpu": gpu,
    }
    unknown = [f for f in fields if f not in values]
    if unknown:  # a typo would leave the field out of the fingerprint, in silence
        raise UsageError(
            f"fingerprint_fields: unknown field '{unknown[0]}'; known: {', '.join(values)}"
        )
    versions = {p: _version(p) for p in VERSIONED_PACKAGES}
    return Environment(
        **values,
        versions={k: v for k, v in versions.items() if v},
        memory_bandwidth_gbs=machine_bandwidth(backend, str(values["chip"]), gpu),
        fingerprint=fingerprint(values, fields),
        fingerprint_fields=list(fields),
    )


def git_identity() -> tuple[str | None, str | None]:
    """The commit and ref under test: GitHub's variables first, then the local checkout."""
    sha = os.environ.get("GITHUB_SHA") or probe("git", "rev-parse", "HEAD")
    ref = (
        os.environ.get("GITHUB_HEAD_REF")
        or os.environ.get("GITHUB_REF_NAME")
        or probe("git", "rev-parse", "--abbrev-ref", "HEAD")
    )
    return sha, ref

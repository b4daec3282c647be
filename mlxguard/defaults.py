"""Defaults shared by the CLI and the modules behind it; importable without numpy or MLX."""

from typing import Literal

# What makes a check exit 1: a failed verdict, or also an inconclusive one (`--fail-on`; the
# default is `[check] fail_on`, itself "fail").
FailOn = Literal["fail", "inconclusive"]

# The adaptive-sampling budget of `run --until-decisive`: the samples of one benchmark at most;
# `--max-seconds` bounds the time. 120 was chosen on this CPU, 240 after an H100 ended 3 of 5
# slowed builds at 120 undecided. At 240 the H100 still left a full-trial metric open, at the
# edge of its tolerance, in 2 of 18 identical builds and 3 of 7 builds 10% slower (PASS or FAIL
# lacked a few percent of interval; each run was 70-85 s into a 600 s budget): the verdict
# costs ~0.2 s a sample there, an undecided run costs the whole run (docs/nvidia.md).
DEFAULT_MAX_SAMPLES = 480
DEFAULT_MAX_SECONDS = 600.0

# Runs a baseline keeps per (machine, model, engine), newest first (`baseline update --keep`):
# ten run medians give a prediction band whose t quantile (t_9) is within 25% of the normal's.
DEFAULT_KEEP = 10
# Seconds `baseline update` waits while another process rewrites the same baseline directory.
DEFAULT_LOCK_TIMEOUT_S = 60.0

# The ipc suite times single messages, far cheaper than a generation: each `--samples` unit is
# this many timed messages per scenario (so `--samples 2` is 400), capped at IPC_MAX_MESSAGES.
IPC_MESSAGES_PER_SAMPLE = 200
IPC_MAX_MESSAGES = 20_000

# Worker processes per engine when every engine of the run runs in a worker process (ipc, engine
# definitions) and --processes is not given. Chosen with scripts/bench_processes.py
# (docs/suites.md, "Processes and rounds").
DEFAULT_PROCESSES = 4

# Seeds are unsigned 64-bit integers: MLX's `mx.random.seed` (and so every engine running it)
# accepts nothing else, so a seed outside this range is refused before anything runs.
SEED_MAX = 2**64 - 1

# The model of the ipc suite's benchmarks: fixed payloads, so the figures do not depend on the
# model under test (reports leave it out of the models measured).
NO_MODEL = "none"

# The deadline of one trial, in seconds: its request, and its load when it loads (`cold`
# scenarios, a warm engine's first load). `trial_timeout_s` in the config. Generous: a cold
# trial on a real model may load for minutes; a hung engine still costs at most this.
TRIAL_TIMEOUT_S = 600.0

"""mlxguard publish and the GitHub client, end to end against the local API server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cli_runner import mlxguard, verdict_code
from github_env import (
    EVENTS,
    HEAD,
    ROOT,
    RUN_HEAD,
    TOKEN,
    actions_env,
    check_code,
    fork_event,
    publish,
)
from github_server import DATA, GitHubServer

from mlxguard.check.evaluate import evaluate
from mlxguard.config import Config
from mlxguard.github.client import Client, GitHubError, RetryPolicy
from mlxguard.github.comment import MAX_BODY, StickyComment, comment_author, fit, marker
from mlxguard.github.context import resolve
from mlxguard.github.workflow import MAX_SUMMARY_BYTES, add_summary, annotation, set_outputs
from mlxguard.redact import scrub
from mlxguard.reports import comment
from mlxguard.results import load_results

SHARED = ROOT.parent / "shared" / "github"
MARK = marker("mlxguard")
BOT = "github-actions[bot]"  # the writer for an Actions GITHUB_TOKEN


@pytest.fixture
def server():
    with GitHubServer(TOKEN, pulls={2: HEAD}) as s:
        yield s
    assert s.violations == []


def outputs(path: Path) -> dict[str, str]:
    """Parse the multi-line `name<<delim` form of $GITHUB_OUTPUT."""
    out, lines = {}, path.read_text().splitlines()
    while lines:
        name, delim = lines.pop(0).split("<<")
        value = []
        while (line := lines.pop(0)) != delim:
            value.append(line)
        out[name] = "\n".join(value)
    return out


def test_vendored_data_matches_shared():
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the repository")
    for f in [DATA / "openapi-subset.json", *sorted(EVENTS.glob("*.json"))]:
        assert f.read_bytes() == (SHARED / f.relative_to(DATA)).read_bytes(), f.name


@pytest.mark.slow
def test_publish_pull_request_end_to_end(results_file, server, tmp_path):
    env = actions_env(server, tmp_path)
    expected = check_code(results_file)
    first = publish(results_file, env)
    assert first.returncode == expected, first.stderr
    second = publish(results_file, env)
    assert second.returncode == expected
    # One sticky comment, created then updated in place.
    [c] = server.comments[2]
    assert c["body"].startswith(MARK) and "mlxguard: " in c["body"]
    assert len(server.calls("issues/create-comment")) == 1
    assert len(server.calls("issues/update-comment")) == 1
    # The status went on the PR's head sha, not the merge sha.
    assert list(server.statuses) == [HEAD]
    status = server.statuses[HEAD][-1]
    assert status["context"] == "mlxguard" and len(status["description"]) <= 140
    assert status["state"] == ("failure" if expected else "success")
    assert status["target_url"] == "https://github.com/Codertocat/Hello-World/actions/runs/42"
    out = outputs(tmp_path / "output")
    assert out["exit-code"] == str(expected)
    assert out["verdict"] == evaluate(load_results(results_file), Config()).status
    assert out["comment-url"].endswith(f"#issuecomment-{c['id']}")
    assert (tmp_path / "summary.md").read_text().count("mlxguard: ") == 2
    for proc in (first, second):
        assert TOKEN not in proc.stdout + proc.stderr
        assert "comment " in proc.stdout


@pytest.mark.slow
def test_publish_read_only_token_degrades_to_summary(results_file, server, tmp_path):
    server.read_only = True
    env = actions_env(server, tmp_path)
    proc = publish(results_file, env)
    assert proc.returncode == check_code(results_file)
    assert "::warning title=mlxguard publish::the token cannot write here" in proc.stdout
    assert server.comments == {} and server.statuses == {}
    assert "mlxguard: " in (tmp_path / "summary.md").read_text()
    assert TOKEN not in proc.stdout + proc.stderr


def _run_event(tmp_path: Path, event: str, pr_head: str) -> Path:
    """The real workflow_run payload, as a run of `event` whose listed PR is at `pr_head`."""
    data = json.loads((EVENTS / "workflow_run.completed.with-pull-requests.json").read_text())
    data["workflow_run"]["event"] = event
    data["workflow_run"]["pull_requests"][0]["head"]["sha"] = pr_head
    path = tmp_path / f"run-{event}-{pr_head[:4]}.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.slow
def test_publish_workflow_run_uses_payload_pr(results_file, server, tmp_path):
    env = actions_env(server, tmp_path, "workflow_run")
    env["GITHUB_EVENT_PATH"] = str(_run_event(tmp_path, "pull_request", RUN_HEAD))
    proc = publish(results_file, env, "--context", "mlxguard/m3")
    assert proc.returncode == check_code(results_file), proc.stderr
    [c] = server.comments[2]
    assert c["body"].startswith(marker("mlxguard/m3"))
    assert list(server.statuses) == [RUN_HEAD]
    assert server.statuses[RUN_HEAD][-1]["context"] == "mlxguard/m3"
    run_url = "https://github.com/octo-org/octo-repo/actions/runs/289782451"
    assert server.statuses[RUN_HEAD][-1]["target_url"] == run_url


@pytest.mark.slow
@pytest.mark.parametrize(
    ("event", "pr_head", "why"),
    [
        ("pull_request", HEAD, "moved on"),  # the PR was pushed to after the measured commit
        ("repository_dispatch", RUN_HEAD, "repository_dispatch"),
        ("push", RUN_HEAD, "push"),
    ],
)
def test_workflow_run_status_on_the_measured_sha_comment_only_on_its_pr(
    results_file, server, tmp_path, event, pr_head, why
):
    env = actions_env(server, tmp_path, "workflow_run")
    env["GITHUB_EVENT_PATH"] = str(_run_event(tmp_path, event, pr_head))
    proc = publish(results_file, env)
    assert proc.returncode == check_code(results_file), proc.stderr
    assert server.comments == {} and list(server.statuses) == [RUN_HEAD]
    assert "no comment" in proc.stdout and why in proc.stdout


@pytest.mark.slow
def test_publish_fork_pr_number_is_verified(results_file, server, tmp_path):
    env = actions_env(server, tmp_path, "workflow_run")
    env["GITHUB_EVENT_PATH"] = str(fork_event(tmp_path))
    run_head = "3484a3fb816e0859fd6e1cea078d76385ff50625"
    # The artifact names PR 2, but PR 2 is not at the measured commit: no comment there.
    proc = publish(results_file, env, "--pr", "2")
    assert "not at the measured" in proc.stdout
    assert server.comments == {} and list(server.statuses) == [run_head]
    server.pulls[7] = run_head
    proc = publish(results_file, env, "--pr", "7")
    assert len(server.comments[7]) == 1, proc.stdout


@pytest.mark.slow
def test_publish_faults(results_file, server, tmp_path):
    """A 502 once on a list, a secondary rate limit on the status, a 502 after a create."""
    server.fail_once[("GET", "issues/list-comments")] = "before"
    server.fail_once[("POST", "issues/create-comment")] = "after"
    server.secondary_limit_once.add(("POST", "repos/create-commit-status"))
    proc = publish(results_file, actions_env(server, tmp_path))
    assert proc.returncode == check_code(results_file), proc.stderr
    assert len(server.comments[2]) == 1  # looked again before posting again: no duplicate
    assert len(server.calls("issues/create-comment")) == 1
    assert len(server.statuses[HEAD]) == 1
    assert "secondary rate limit (403); retrying in 1.0 s" in proc.stdout
    assert "HTTP 502; retrying" in proc.stdout


def test_sticky_comment_found_on_a_later_page(server):
    server.seed_comments(2, 150, marked={120: f"{MARK}\nold report"})
    with Client(server.url, TOKEN) as client:
        posted = StickyComment(client, "o/r", 2, "mlxguard", author=BOT).upsert(
            "new report", "see run"
        )
    assert posted.action == "updated"
    assert len(server.comments[2]) == 150
    assert server.comments[2][120]["body"] == f"{MARK}\nnew report"
    pages = [r.query.get("page", ["1"])[0] for r in server.calls("issues/list-comments")]
    assert pages == ["1", "2"]
    assert server.calls("issues/list-comments")[0].query["per_page"] == ["100"]


def test_sticky_comment_removes_duplicates_and_keeps_other_contexts(server):
    server.seed_comments(3, 3, marked={0: f"{MARK}\na", 1: f"{marker('other')}\nb", 2: MARK})
    with Client(server.url, TOKEN) as client:
        StickyComment(client, "o/r", 3, "mlxguard", author=BOT).upsert("c", "see run")
    bodies = [c["body"] for c in server.comments[3]]
    assert bodies == [f"{MARK}\nc", f"{marker('other')}\nb"]


def test_client_post_is_not_repeated_blindly(server):
    server.fail_once[("POST", "issues/create-comment")] = "before"
    with Client(server.url, TOKEN) as client, pytest.raises(GitHubError) as e:
        client.request("POST", "/repos/o/r/issues/2/comments", json={"body": "x"})
    assert e.value.uncertain and e.value.status == 502
    assert len(server.calls("issues/create-comment")) == 1


def test_client_rate_limit_wait_is_bounded(server):
    server.secondary_limit_once.add(("GET", "pulls/get"))
    waits: list[float] = []
    retry = RetryPolicy(max_wait_s=0.5)
    client = Client(server.url, TOKEN, retry=retry, sleep=waits.append)
    with client, pytest.raises(GitHubError, match="lifts in 1 s"):
        client.request("GET", "/repos/o/r/pulls/2")
    assert waits == []


def test_client_never_sends_the_token_off_host(server):
    with Client(server.url, TOKEN) as client, pytest.raises(GitHubError, match="off the API"):
        client.request("GET", "https://example.invalid/repos/o/r/pulls/2")
    assert server.requests == []


def test_client_error_messages_hide_the_token():
    client = Client("http://127.0.0.1:9", TOKEN, retry=RetryPolicy(attempts=1))
    with client, pytest.raises(GitHubError) as e:
        client.request("GET", f"/search?q={TOKEN}")
    assert TOKEN not in str(e.value)


@pytest.mark.parametrize(
    ("event", "pr", "sha"),
    [
        ("pull_request.opened.json", 2, HEAD),
        ("pull_request.synchronize.json", 2, HEAD),
        ("push.json", None, "f" * 40),  # a deleted tag: "after" is all zeros
        # A repository_dispatch run: its listed PR is not what it measured. Status only.
        ("workflow_run.completed.with-pull-requests.json", None, RUN_HEAD),
    ],
)
def test_context_from_real_payloads(event, pr, sha):
    name = event.split(".")[0]
    env = {"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": str(EVENTS / event)}
    ctx = resolve({**env, "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "f" * 40})
    assert (ctx.pr, ctx.sha, ctx.verify_head) == (pr, sha, False)


def test_annotations_and_outputs_are_escaped(tmp_path):
    line = annotation("error", "50% worse\r\n::set-output x", title="a: b, c")
    assert line == "::error title=a%3A b%2C c::50%25 worse ::set-output x"  # one line
    path = tmp_path / "out"
    set_outputs({"verdict": "pass\nexit-code<<EOF\n1\nEOF"}, {"GITHUB_OUTPUT": str(path)})
    assert outputs(path) == {"verdict": "pass\nexit-code<<EOF\n1\nEOF"}


def test_comment_escapes_untrusted_names(results_file):
    results = load_results(results_file)
    hostile = "<img src=x onerror=1> @octo-org/admins | x\n# head"
    benchmarks = [
        b.model_copy(update={"scenario": hostile, "engine": f'"]\nbar [1]\n{hostile}'})
        for b in results.benchmarks
    ]
    results = results.model_copy(update={"benchmarks": benchmarks})
    report = evaluate(results, Config())
    body = comment.render(results, report, gated=["ttft_ms"], run_url="javascript:alert(1)")
    assert "<img" not in body and "@octo" not in body and "javascript:" not in body
    # Every row of a table has as many cell separators as its header.
    widths = [-1]
    for line in body.splitlines():
        if not line.startswith("|"):
            widths = [-1]
            continue
        cells = line.count("|") - line.count("\\|")
        assert widths[-1] in (-1, cells), line
        widths.append(cells)
    chart = body.split("```mermaid\n")[1].split("```")[0]
    assert chart.count("\n") == 5 and '"]' not in chart.replace('"]\n', "")


def test_fit_trims_to_the_limit_and_closes_blocks():
    body = "<details>\n\n```\n" + "line of text\n" * 10_000
    out = fit(body, "full report: see the run")
    assert len(out.encode("utf-16-le")) // 2 <= MAX_BODY
    assert out.rstrip().endswith("full report: see the run")
    assert out.count("```") == 2 and out.count("</details>") == 1


# --- identity, races, rate limits, deadlines, leaks -------------------------------------------


def test_sticky_comment_counts_only_its_own_identity(server):
    """A marker in another account's comment is text: never edited, never deleted."""
    server.seed_comments(2, 1, marked={0: f"{MARK}\nforged, older than ours"}, author="mallory")
    server.new_comment(2, f"{MARK}\nours")
    with Client(server.url, TOKEN) as client:
        posted = StickyComment(client, "o/r", 2, "mlxguard", author=BOT).upsert("new", "see run")
    forged, ours = server.comments[2]
    assert forged["body"] == f"{MARK}\nforged, older than ours"
    assert (posted.action, posted.id, ours["body"]) == ("updated", ours["id"], f"{MARK}\nnew")
    assert server.calls("issues/delete-comment") == []


def test_sticky_comment_creates_its_own_beside_a_forged_one(server):
    server.seed_comments(2, 1, marked={0: MARK}, author="mallory")
    with Client(server.url, TOKEN) as client:
        posted = StickyComment(client, "o/r", 2, "mlxguard", author=BOT).upsert("ours", "run")
    assert posted.action == "created"
    assert [c["user"]["login"] for c in server.comments[2]] == ["mallory", BOT]
    assert server.comments[2][0]["body"] == MARK


@pytest.mark.parametrize(
    ("installation", "configured", "expected", "asked"),
    [
        (True, None, BOT, True),  # GITHUB_TOKEN: GET /user is 403, the Actions bot writes
        (False, None, "octocat", True),  # a personal token: GET /user names it
        (False, "mlxguard-bot", "mlxguard-bot", False),  # configured: nothing asked
    ],
)
def test_comment_author_is_the_tokens_identity(server, installation, configured, expected, asked):
    server.installation_token, server.login, server.user_type = installation, "octocat", "User"
    with Client(server.url, TOKEN) as client:
        assert comment_author(client, configured) == expected
    assert bool(server.calls("users/get-authenticated")) == asked


def test_racing_jobs_converge_on_one_comment(server):
    """Jobs that all find no comment and all create one end with one comment, the oldest."""
    server.race(6)  # the six first listings are answered together: all six see no comment

    def job(i: int) -> None:
        with Client(server.url, TOKEN) as client:
            sticky = StickyComment(client, "o/r", 2, "mlxguard", author=BOT)
            sticky.upsert(f"report {i}", "see run")

    threads = [threading.Thread(target=job, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(server.calls("issues/create-comment")) == 6  # they did race
    [c] = server.comments[2]
    assert c["body"].startswith(f"{MARK}\nreport ")


def test_persistent_secondary_limit_is_named_and_not_waited_for_each_request(server):
    server.secondary_limit = True
    waits: list[float] = []
    client = Client(server.url, TOKEN, sleep=waits.append, deadline_s=5)
    with client:
        with pytest.raises(GitHubError) as first:
            client.request("GET", "/repos/o/r/pulls/2")
        with pytest.raises(GitHubError) as second:
            client.request("POST", "/repos/o/r/issues/2/comments", json={"body": "x"})
    assert first.value.kind == second.value.kind == "rate-limit"
    assert "secondary rate limit" in str(first.value)
    assert waits == []  # GitHub asks for 60 s: more than the 5 s left, so no wait at all
    assert len(server.requests) == 1  # the second request knew better than to ask


@pytest.mark.slow
def test_publish_says_rate_limit_not_read_only(results_file, server, tmp_path):
    server.secondary_limit = True
    proc = publish(results_file, actions_env(server, tmp_path), "--deadline", "5")
    assert proc.returncode == check_code(results_file), proc.stderr
    assert "secondary rate limit" in proc.stdout
    assert "read-only" not in proc.stdout and "cannot write" not in proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["trickle", "never-answer"])
def test_publish_stops_at_its_deadline(results_file, tmp_path, fault):
    with GitHubServer(TOKEN, pulls={2: HEAD}) as server:
        if fault == "trickle":
            server.trickle_s = 0.2  # each byte restarts a per-read timeout
        else:
            server.never_answer = True
        env = actions_env(server, tmp_path)
        cmd = [sys.executable, "-m", "mlxguard", "publish", str(results_file), "--deadline", "2"]
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == check_code(results_file), proc.stderr
    assert "deadline of 2 s" in proc.stdout
    assert outputs(tmp_path / "output")["exit-code"] == str(proc.returncode)
    assert "mlxguard: " in (tmp_path / "summary.md").read_text()


def test_deadline_bounds_rate_limit_waits(server):
    server.secondary_limit_once.add(("GET", "pulls/get"))  # retry-after: 1
    client = Client(server.url, TOKEN, sleep=lambda s: None, deadline_s=0.5)
    with client, pytest.raises(GitHubError) as e:
        client.request("GET", "/repos/o/r/pulls/2")
    assert e.value.kind == "rate-limit" and "deadline" in str(e.value)


def _leaks(text: str, secret: str, window: int = 6) -> list[str]:
    """Every `window`-character piece of `secret` found in `text`."""
    pieces = {secret[i : i + window] for i in range(len(secret) - window + 1)}
    return [p for p in pieces if p in text]


@pytest.mark.parametrize("offset", [150, 180, 190, 199])
def test_error_body_is_redacted_before_it_is_cut(server, offset):
    page = "<html>" + "x" * (offset - 6) + TOKEN + "y" * 300 + "</html>"
    server.error_body_once[("POST", "issues/create-comment")] = (422, page)
    with Client(server.url, TOKEN) as client, pytest.raises(GitHubError) as e:
        client.request("POST", "/repos/o/r/issues/2/comments", json={"body": "x"})
    assert "HTTP 422" in str(e.value)
    assert _leaks(str(e.value), TOKEN) == []


def test_a_prefix_of_the_token_left_by_a_cut_is_redacted():
    text = "error: " + "x" * 20 + TOKEN[:11]  # a body the server itself cut mid-token
    assert _leaks(scrub(text, [TOKEN], limit=200), TOKEN, window=4) == []
    assert scrub(TOKEN[-9:] + " tail", [TOKEN], limit=200).endswith(" tail")
    assert _leaks(scrub(TOKEN[-9:] + " tail", [TOKEN], limit=200), TOKEN, window=4) == []


def test_job_summary_is_trimmed_to_githubs_limit(tmp_path):
    path = tmp_path / "summary.md"
    path.write_text("an earlier step of this job wrote this\n" * 1000)
    big = "<details>\n\n" + "| a row of a large results file | é |\n" * 40_000  # ~1.5 MB
    assert add_summary(big, {"GITHUB_STEP_SUMMARY": str(path)}, pointer="see the artifact")
    data = path.read_bytes()
    assert len(data) <= MAX_SUMMARY_BYTES
    text = data.decode()
    assert text.rstrip().endswith("see the artifact") and text.count("</details>") == 1


def test_publish_job_summary_of_a_large_results_file_fits(results_file, tmp_path, monkeypatch):
    """A results file whose report passes the summary's limit: the summary is filled to the
    limit, trimmed at a line, and ends with a pointer to the whole report.

    The limit is lowered to 64 KiB, which 400 copies of each benchmark pass about twice over
    (at GitHub's 1 MiB it took 6000 copies and over a minute of the suite); the trimming itself
    at 1 MiB is test_job_summary_is_trimmed_to_githubs_limit's."""
    from io import StringIO

    from mlxguard.github import workflow
    from mlxguard.github.publish import Options, Publisher

    limit = 64 * 1024
    monkeypatch.setattr(workflow, "MAX_SUMMARY_BYTES", limit)
    data = json.loads(results_file.read_text())
    data["benchmarks"] = [
        {**b, "scenario": f"{b['scenario']}-{i}"} for i in range(400) for b in data["benchmarks"]
    ]
    big = tmp_path / "big.json"
    big.write_text(json.dumps(data))
    results = load_results(big)
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    report = evaluate(results, Config())
    code = Publisher(env, Options(comment=False, status=False), StringIO()).publish(results, report)
    assert code == verdict_code(big)
    written = summary.read_bytes()
    assert limit - 2048 < len(written) <= limit  # filled to the limit, not past it
    assert b"mlxguard-results" in written[-400:]


def test_annotations_are_plain_single_lines(tmp_path):
    from io import StringIO

    from factories import benchmark, results

    from mlxguard.config import Config
    from mlxguard.github.publish import Options, Publisher

    hostile = "warm\x1b[31m red\x07 %0A::error::forged"
    r = results(benchmark(scenario=hostile, ttft_ms=[300.0, 310.0, 320.0]))
    out = StringIO()
    Publisher({"GITHUB_ACTIONS": "true"}, Options(comment=False, status=False), out).publish(
        r, evaluate(r, Config())
    )
    lines = [x for x in out.getvalue().splitlines() if x.startswith("::error")]
    assert lines and all("\x1b" not in x and "\x07" not in x for x in lines)
    assert all(x.count("::error") == 1 for x in lines)


def test_docs_table_of_status_per_fail_on_and_verdict():
    """docs/github.md's table is what status_state does, for every verdict and fail-on."""
    from mlxguard.check.verdicts import CheckReport
    from mlxguard.github.publish import status_state

    text = (ROOT / "docs" / "github.md").read_text()
    table = text.split("| verdict | `fail-on: fail` (default) | `fail-on: inconclusive` |")[1]
    rows = {}
    for line in table.splitlines()[2:6]:
        verdict, on_fail, on_inconclusive = [c.strip(" `") for c in line.strip("|").split("|")]
        rows[verdict] = {"fail": on_fail, "inconclusive": on_inconclusive}
    assert set(rows) == {"pass", "fail", "inconclusive", "skipped"}
    for verdict, expected in rows.items():
        report = CheckReport(status=verdict, verdicts=[])
        for fail_on, state in expected.items():
            assert status_state(report, fail_on) == state, (verdict, fail_on)


def test_annotations_stay_within_what_github_shows(tmp_path):
    """GitHub shows 10 error and 10 warning annotations per step: the rest are counted."""
    from io import StringIO

    from factories import benchmark, results

    from mlxguard.config import Config
    from mlxguard.github.publish import MAX_ANNOTATIONS, Options, Publisher

    r = results(
        *(benchmark(scenario=f"warm-{i}", ttft_ms=[300.0, 310.0, 320.0]) for i in range(15))
    )
    out = StringIO()
    report = evaluate(r, Config())
    Publisher({"GITHUB_ACTIONS": "true"}, Options(comment=False, status=False), out).publish(
        r, report
    )
    lines = out.getvalue().splitlines()
    errors = [x for x in lines if x.startswith("::error")]
    assert len(errors) == MAX_ANNOTATIONS == 10
    assert any(x.startswith("::notice") and "5 more failed checks" in x for x in lines)


def test_a_run_records_the_models_shape_and_the_comment_names_it(results_file):
    results = load_results(results_file)
    [(name, info)] = results.models.items()
    assert info.model_type and info.num_layers and info.hidden_size
    body = comment.render(results, evaluate(results, Config()), gated=["ttft_ms"])
    assert f"Model: {name} ({info.model_type}, {info.num_layers} layers" in body


def test_publish_outside_actions_warns_on_stderr(small_run: Path) -> None:
    outside = {"GITHUB_ACTIONS": "", "GITHUB_TOKEN": "", "GITHUB_REPOSITORY": ""}
    proc = mlxguard("publish", str(small_run), env=outside)
    assert proc.returncode == 0, proc.stderr
    assert "warning: mlxguard publish: no GITHUB_TOKEN" in proc.stderr
    assert "warning:" not in proc.stdout and "::" not in proc.stdout

"""A tiny run of ``make bench`` so the benchmark cannot rot: real gunicorn, real wrk."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    not shutil.which("wrk") and os.environ.get("CI", "").lower() not in {"1", "true", "yes"},
    reason="wrk is not installed (apt-get install -y wrk); CI installs it",
)
def test_bench_smoke_run_measures_every_page(tmp_path):
    env = {**os.environ, "BENCH_POSTS": "1500", "BENCH_SECONDS": "3", "BENCH_WORKERS": "1"}
    with_broker = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if with_broker:
        env["BENCH_DATABASE_URL"] = (
            os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/stoa_bench_smoke"
        )
        env["BENCH_REDIS_URL"] = "redis://127.0.0.1:6379/4"
    else:
        env["BENCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        env["BENCH_REDIS_URL"] = ""
    output = tmp_path / "latest.json"
    subprocess.run(
        [sys.executable, "bench/run.py", "--smoke", "--output", str(output)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    results = json.loads(output.read_text())
    assert results["posts"] >= 1500
    pages = (
        "home",
        "space",
        "thread",
        "thread_last_page",
        "thread_member",
        "search",
        "suggestions",
    )
    for page in pages:
        row = results["pages"][page]
        assert row["requests"] > 0 and row["errors"] == 0, (page, row)
        assert row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
        assert row["server_p50_ms"] <= row["server_p95_ms"] <= row["p99_ms"], (page, row)
        assert row["queries"] <= 10, (page, row)
    reply = results["pages"]["reply_create"]
    assert reply["requests"] > 0 and reply["errors"] == 0, reply
    if with_broker:
        # Without a broker the side effects (spam scoring, notifications) run inside the
        # request, so its query count is only the server's budget when a worker takes them.
        assert reply["queries"] <= 10, reply
        assert results["fanout_10k_s"] is not None and results["fanout_10k_s"] > 0
    assert results["worker_rss_mb"] > 0

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
    os.environ.get("STOA_BENCH_SMOKE") != "1",
    reason="opt-in (STOA_BENCH_SMOKE=1) until reply_create completes under the smoke's load",
)
@pytest.mark.skipif(
    not shutil.which("wrk") and os.environ.get("CI", "").lower() not in {"1", "true", "yes"},
    reason="wrk is not installed (apt-get install -y wrk); CI installs it",
)
def test_bench_smoke_run_measures_every_page(tmp_path):
    env = {**os.environ, "BENCH_POSTS": "1500", "BENCH_SECONDS": "3", "BENCH_WORKERS": "1"}
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
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
    for page in ("home", "space", "thread", "thread_last_page", "reply_create"):
        row = results["pages"][page]
        assert row["requests"] > 0 and row["errors"] == 0, (page, row)
        assert row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
        assert row["queries"] is None or row["queries"] <= 10, (page, row)
    assert results["worker_rss_mb"] > 0

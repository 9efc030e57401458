"""``make bench``: how fast Stoa is, measured the same way every time.

Seeds a scale data set when needed (``seed_scale``), serves it with gunicorn under production
settings (DEBUG off), drives each page with wrk from 127.0.0.1 (16 connections, fixed
duration), reads SQL queries per request from the ``X-Stoa-Queries`` header and the time
spent inside Django from ``Server-Timing``, the peak memory of the web workers from /proc,
and the fan-out time from ``bench_fanout``. Pages are read as a visitor (served from the
page cache after the first request), except ``thread_member`` (a signed-in member, rendered
every time); ``reply_create`` posts as staff. Prints a table and writes
bench/results/latest.json.

Environment: BENCH_POSTS (100000), BENCH_DATABASE_URL (PostgreSQL ``stoa_bench`` on
127.0.0.1), BENCH_REDIS_URL (redis://127.0.0.1:6379/2), BENCH_SECONDS per page (10),
BENCH_CONNECTIONS (16), BENCH_WORKERS (gunicorn workers, 2). ``--smoke`` runs a tiny, fast
version (used by the test suite so this script cannot rot).
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench" / "results"
SERVER_PERCENTILES = ("server_p50_ms", "server_p95_ms", "server_p99_ms")
PAGES = [
    "home",
    "space",
    "thread",
    "thread_last_page",
    "thread_member",
    "search",
    "suggestions",
    "reply_create",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark database if it does not exist (PostgreSQL only)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def scale_posts(env: dict) -> int:
    out = manage(
        env,
        "shell",
        "-c",
        "from community.scale import existing_posts; print(existing_posts())",
        capture=True,
    )
    return int(out.strip().splitlines()[-1])


def pick_targets(env: dict) -> dict:
    """URLs of the pages to measure, chosen from the data: a typical thread and the biggest."""
    code = """
import json
from forums.models import Thread
from forums.selectors import page_for_position
public = Thread.objects.public().filter(space__slug__startswith="scale-")
typical = public.filter(post_count__range=(8, 14)).order_by("id").first() or public.first()
biggest = public.order_by("-post_count", "id").first()
space = typical.space
replies = list(public.filter(is_locked=False).order_by("-id").values_list("id", flat=True)[:200])
print(json.dumps({
    "home": "/",
    "space": space.get_absolute_url(),
    "thread": typical.get_absolute_url(),
    "thread_last_page": (
        biggest.get_absolute_url() + f"?page={page_for_position(biggest.last_position)}"
    ),
    "search": "/search/?q=dashboard+timeout",
    "suggestions": "/search/similar/?title=Dashboard+export+times+out",
    "reply_paths": [f"/t/{pk}/reply/" for pk in replies],
    "biggest_posts": biggest.post_count,
}))
"""
    out = manage(env, "shell", "-c", code, capture=True)
    return json.loads(out.strip().splitlines()[-1])


def wait_for_http(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def get(port: int, path: str, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    return response, body


def log_in(port: int, username: str, password: str) -> dict:
    """A real log-in through the form: returns the Cookie and CSRF headers for POSTs."""
    response, body = get(port, "/accounts/login/")
    cookies = dict(re.findall(r"(csrftoken)=([^;]+)", response.getheader("Set-Cookie", "")))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    form = urlencode({"login": username, "password": password, "csrfmiddlewaretoken": token})
    conn.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    answer = conn.getresponse()
    answer.read()
    set_cookies = " ".join(answer.headers.get_all("Set-Cookie") or [])
    session = re.search(r"sessionid=([^;]+)", set_cookies)
    csrf = re.search(r"csrftoken=([^;]+)", set_cookies)
    if not session:
        raise RuntimeError(f"log-in as {username} failed (status {answer.status})")
    csrf_value = csrf.group(1) if csrf else cookies["csrftoken"]
    return {
        "Cookie": f"sessionid={session.group(1)}; csrftoken={csrf_value}",
        "X-CSRFToken": csrf_value,
    }


def query_count(port: int, path: str, headers: dict | None = None) -> int | None:
    response, _ = get(port, path, headers)
    value = response.getheader("X-Stoa-Queries")
    return int(value) if value is not None else None


def run_wrk(url: str, seconds: int, connections: int, headers: dict, env_extra: dict) -> dict:
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "report.lua"),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    out = subprocess.run(
        command, check=True, text=True, capture_output=True, env={**os.environ, **env_extra}
    ).stdout
    line = next(ln for ln in reversed(out.splitlines()) if ln.startswith("{"))
    return json.loads(line)


def worker_peak_rss_mb(master_pid: int) -> float:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    pids = children.read_text().split() if children.exists() else []
    peaks = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            match = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
            if match:
                peaks.append(int(match.group(1)) / 1024)
    return round(max(peaks), 1) if peaks else 0.0


def fanout_seconds(env: dict, smoke: bool) -> float | None:
    """Time to fan one reply out to 10,000 watchers through a real worker, if measurable."""
    listing = manage(env, "help", "--commands", capture=True)
    if "bench_fanout" not in listing.split() or not env.get("REDIS_URL"):
        return None
    watchers = "200" if smoke else "10000"
    out = manage(env, "bench_fanout", "--watchers", watchers, capture=True)
    # The command's last line is the number of seconds alone.
    try:
        return float(out.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data, one second per page")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"))
    args = parser.parse_args()

    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    posts = int(os.environ.get("BENCH_POSTS", "2000" if args.smoke else "100000"))
    seconds = int(os.environ.get("BENCH_SECONDS", "1" if args.smoke else "10"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "16"))
    workers = os.environ.get("BENCH_WORKERS", "2")
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stoa_bench"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "community.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STOA_QUERY_COUNT_HEADER": "1",
        "LOG_LEVEL": "WARNING",
    }
    if redis_url == "":
        env.pop("REDIS_URL")

    ensure_postgres_database(database_url)
    manage(env, "migrate", "--noinput", "-v0")
    have = scale_posts(env)
    if have < posts * 0.9:
        print(f"Seeding {posts:,} posts (have {have:,})…", flush=True)
        extra = ["--force"] if have else []
        manage(
            env, "seed_scale", "--posts", str(posts), "--users", str(max(posts // 50, 50)), *extra
        )
    manage(env, "collectstatic", "--noinput", "-v0")
    targets = pick_targets(env)

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "community.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            workers,
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    results: dict = {"posts": scale_posts(env), "pages": {}}
    try:
        wait_for_http(port)
        base = f"http://127.0.0.1:{port}"
        auth = log_in(port, "bench_staff", "bench-password")
        # Visitors' pages come from the page cache; a signed-in member's never do.
        member = {"Cookie": log_in(port, "bench_user0", "bench-password")["Cookie"]}
        for name in PAGES:
            if name == "reply_create":
                headers = {**auth, "Content-Type": "application/x-www-form-urlencoded"}
                extra = {"BENCH_POST_PATHS": ",".join(targets["reply_paths"])}
                url, queries = base + targets["reply_paths"][0], None
            else:
                path = targets["thread" if name == "thread_member" else name]
                headers = member if name == "thread_member" else {}
                extra, url = {}, base + path
                response, _ = get(port, path, headers)
                if response.status != 200:
                    results["pages"][name] = {"skipped": f"HTTP {response.status}"}
                    continue
                queries = query_count(port, path, headers)
            get(port, "/")  # warm-up
            measured = run_wrk(url, seconds, connections, headers, extra)
            if name == "reply_create":
                queries = _reply_queries(port, targets, auth)
            results["pages"][name] = {
                **{k: measured[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms")},
                **{k: _or_none(measured.get(k)) for k in SERVER_PERCENTILES},
                "queries": queries,
                "requests": measured["requests"],
                "errors": measured["errors"],
            }
        results["worker_rss_mb"] = worker_peak_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    results["fanout_10k_s"] = fanout_seconds(env, args.smoke)
    results["biggest_thread_posts"] = targets["biggest_posts"]
    results["seconds_per_page"] = seconds
    results["connections"] = connections

    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    return 0


def _or_none(value):
    """report.lua writes -1 when no response carried a Server-Timing header."""
    return None if value is None or value < 0 else value


def _reply_queries(port: int, targets: dict, auth: dict) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urlencode({"body": "One more benchmark reply.", "client_token": secrets.token_hex(8)})
    conn.request(
        "POST",
        targets["reply_paths"][-1],
        body=body,
        headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    response.read()
    value = response.getheader("X-Stoa-Queries")
    return int(value) if value is not None else None


def print_table(results: dict) -> None:
    print(f"\nStoa benchmark — {results['posts']:,} posts")
    print(
        f"{results.get('connections')} connections; latency seen by the client, then in the server"
    )
    print(
        f"{'page':<18}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'srv p50':>9}{'srv p95':>9}{'srv p99':>9}{'queries':>9}"
    )

    def cell(value):
        return f"{value:>9.1f}" if value is not None else f"{'-':>9}"

    for name in PAGES:
        row = results["pages"].get(name, {})
        if "rps" not in row:
            print(f"{name:<18}  {row.get('skipped', 'not measured')}")
            continue
        print(
            f"{name:<18}{row['rps']:>9.1f}{cell(row['p50_ms'])}{cell(row['p95_ms'])}"
            f"{cell(row['p99_ms'])}{cell(row.get('server_p50_ms'))}{cell(row.get('server_p95_ms'))}"
            f"{cell(row.get('server_p99_ms'))}"
            f"{row['queries'] if row['queries'] is not None else '-':>9}"
        )
    print(f"web worker peak memory: {results.get('worker_rss_mb')} MB")
    fanout = results.get("fanout_10k_s")
    print(f"fan-out to 10,000 watchers: {fanout if fanout is not None else 'not measured'} s")


if __name__ == "__main__":
    sys.exit(main())

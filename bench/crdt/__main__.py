"""``python -m bench.crdt``: N editors x M updates through ``/yjs``, then the same
workload against the reference Node y-websocket server (@y/websocket-server), in
the same run, on 127.0.0.1. Prints and writes the results to ``RESULTS.md``.

Options: ``--editors 20 --updates 500 --interval-ms 5 --write``; ``--only racine`` or
``--only reference`` runs one side; ``--profile FILE`` runs the Racine server under
pyinstrument (the ``bench`` extra) and writes its text report to FILE;
``--racine-deflate on|both`` runs Racine with uvicorn's permessage-deflate forced on
(``racine serve`` turns it off, and the reference ``ws`` server does not negotiate it).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
SETUP = """mutation { createWorkspace(input: {name: "bench"}) { workspace { id } } }"""
DOC = """mutation($w: ID!) { createDocument(input: {workspaceId: $w, title: "bench",
  format: MARKDOWN}) { document { id } } }"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _npm() -> None:
    if (HERE / "node_modules" / "y-websocket").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed for the benchmark (node 20+)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def _load(url: str, room: str, token: str | None, args: argparse.Namespace) -> dict[str, Any]:
    cfg = {
        "url": url,
        "room": room,
        "token": token,
        "editors": args.editors,
        "updates": args.updates,
        "intervalMs": args.interval_ms,
    }
    out = subprocess.run(
        ["node", str(HERE / "load.mjs"), json.dumps(cfg)],
        cwd=HERE,
        check=True,
        capture_output=True,
        timeout=900,
    )
    result: dict[str, Any] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return result


# ``racine serve`` with uvicorn's ``ws_per_message_deflate`` forced on (a bench-only switch).
DEFLATE = (
    "import functools, uvicorn; init = uvicorn.Config.__init__; "
    "uvicorn.Config.__init__ = lambda self, *a, **k: init(self, *a, "
    "**{**k, 'ws_per_message_deflate': True}); "
    "from racine.cli import main; main()"
)


def run_racine(args: argparse.Namespace, data: Path, deflate: bool = False) -> dict[str, Any]:
    port, token = _port(), "rcn_" + secrets.token_urlsafe(32)
    env = {
        **os.environ,
        "RACINE_DATA_DIR": str(data),
        "RACINE_BOOTSTRAP_TOKEN": token,
        "RACINE_LOG_LEVEL": "WARNING",
        "RACINE_REDIS_URL": "",
        "RACINE_DATABASE_URL": "",
    }
    log = (data / "racine.log").open("wb")
    command = [sys.executable, "-m", "racine.cli", "serve", "--port", str(port)]
    if deflate:
        command[1:3] = ["-c", DEFLATE]
    if args.profile:
        # SIGINT stops uvicorn cleanly; pyinstrument then writes its report.
        report = ["-r", "text", "--show-all", "-o", str(Path(args.profile).resolve())]
        command[1:3] = [
            "-m",
            "pyinstrument",
            *report,
            "-m",
            "racine.cli",
        ]
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/healthz", proc)
        headers = {"authorization": f"Bearer {token}"}
        gql = f"http://127.0.0.1:{port}/graphql"
        ws = httpx.post(gql, json={"query": SETUP}, headers=headers, timeout=30).json()
        ws_id = ws["data"]["createWorkspace"]["workspace"]["id"]
        doc = httpx.post(
            gql, json={"query": DOC, "variables": {"w": ws_id}}, headers=headers, timeout=30
        ).json()["data"]["createDocument"]["document"]["id"]
        result = _load(f"ws://127.0.0.1:{port}/yjs", doc, token, args)
        result["serverRssMb"] = _rss_mb(proc.pid)
        return result
    finally:
        proc.send_signal(signal.SIGINT if args.profile else signal.SIGTERM)
        proc.wait(timeout=120)


def run_reference(args: argparse.Namespace) -> dict[str, Any]:
    port = _port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port)}
    server = HERE / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
    proc = subprocess.Popen(
        ["node", str(server)],
        env=env,
        cwd=HERE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/", proc)
        return _load(f"ws://127.0.0.1:{port}", "bench", None, args)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _rss_mb(pid: int) -> float | None:
    """Resident memory of a process after the run (Linux), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _row(name: str, r: dict[str, Any] | None) -> str:
    if r is None:
        return f"| {name} | not run |"
    rss = r.get("serverRssMb")
    return (
        f"| {name} | {r['p50']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | "
        f"{r['convergenceMs']:.0f} | {r['settleMs']:.0f} | {r['sendMs']:.0f} | "
        f"{r['received']}/{r['expectedReceived']} | {r['lost']} | "
        f"{'-' if rss is None else f'{rss:.0f}'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.crdt", description=__doc__)
    parser.add_argument("--editors", type=int, default=20)
    parser.add_argument("--updates", type=int, default=500)
    parser.add_argument("--interval-ms", type=float, default=5.0)
    parser.add_argument("--write", action="store_true", help="write bench/crdt/RESULTS.md")
    parser.add_argument("--only", choices=["racine", "reference"], default=None)
    parser.add_argument("--profile", default=None, help="pyinstrument text report of Racine")
    parser.add_argument("--racine-deflate", choices=["on", "off", "both"], default="off")
    args = parser.parse_args()
    _npm()
    load_before = _load_avg()
    racine: dict[str, dict[str, Any]] = {}
    reference = None
    if args.only != "reference":
        for deflate in {"on": [True], "off": [False], "both": [False, True]}[args.racine_deflate]:
            name = "racine /yjs (SQLite, durable)" + (", permessage-deflate" if deflate else "")
            with tempfile.TemporaryDirectory() as tmp:
                racine[name] = run_racine(args, Path(tmp), deflate)
    if args.only != "racine":
        reference = run_reference(args)
    load_after = _load_avg()
    verdict = []
    for name, result in racine.items():
        if reference is not None:
            ratio = result["p99"] / max(reference["p99"], 1e-9)
            verdict.append(
                f"p99 ratio {name} / reference: {ratio:.2f} (target ≤ 1.5); "
                f"converged: {result['converged']}, reference {reference['converged']}"
            )
    table = "\n".join(
        [
            f"{args.editors} editors x {args.updates} updates, one every {args.interval_ms} ms each;"
            f" load average (1/5/15 min) before {load_before}, after {load_after}",
            "",
            "| server | p50 ms | p99 ms | max ms | convergence ms | settle ms | send phase ms"
            " | deliveries | lost | server RSS MB |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *[_row(name, result) for name, result in racine.items()],
            _row("@y/websocket-server (memory)", reference),
            "",
            *[f"- {line}" for line in verdict],
        ]
    )
    print(table)
    if args.write:
        text = (HERE / "RESULTS.md").read_text() if (HERE / "RESULTS.md").exists() else ""
        head = text.split("<!-- results -->")[0] if text else "# bench/crdt results\n\n"
        (HERE / "RESULTS.md").write_text(head + "<!-- results -->\n\n" + table + "\n")


if __name__ == "__main__":
    main()

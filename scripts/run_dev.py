"""`make run`: migrate, load the demo data, start the local search server and the outbox
worker (`flask search drain`: search sync retries, alerts), serve the app.

Without ELASTICSEARCH_URL in the environment, it starts noida-db (the Elasticsearch 8
REST API on loopback) on a free port with its data under instance/search, and stops it
with SIGINT when the app exits. With ELASTICSEARCH_URL set, it uses that cluster.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from payments.offline import DEMO_ACCOUNT  # noqa: E402

DEMO_BANK = {
    "OFFLINE_BANK_NAME": DEMO_ACCOUNT.bank,
    "OFFLINE_BANK_HOLDER": DEMO_ACCOUNT.holder,
    "OFFLINE_BANK_ACCOUNT": DEMO_ACCOUNT.number,
}
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_search(instance: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("noida-db", path=str(BIN)) or shutil.which("noida-db")
    if not binary:
        sys.exit("noida-db is not installed; run `make install`.")
    port = free_port()
    data_dir = instance / "search"
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            binary,
            "start",
            "--data-dir",
            str(data_dir),
            "--only",
            "elasticsearch",
            "--elasticsearch-port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=default_sigint,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url, timeout=1):
                return proc, url
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"noida-db exited with {proc.returncode}")
            time.sleep(0.1)
    proc.kill()
    sys.exit("noida-db did not answer within 30 s")


def default_sigint() -> None:
    """In the child: a shell's background job ignores SIGINT, and children inherit that.
    Restore the default so that SIGINT stops the child (noida-db saves its data on it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop(proc: subprocess.Popen | None) -> None:
    """SIGINT to the child's process group, then SIGTERM, then SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, 15), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def flask(*args: str, env: dict) -> None:
    subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True)


def _terminate(signum, frame):
    # `kill`, a closed terminal or a CI timeout: stop the children like Ctrl-C does.
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    env = dict(os.environ)
    env.setdefault("FLASK_APP", "marketplace")
    # A development escrow account, marked as a demo wherever it is shown; without one
    # the platform takes no money (buyers are told payment is not set up).
    if not any(env.get(name) for name in DEMO_BANK):
        env.update(DEMO_BANK)
    host, port = env.get("HOST", "127.0.0.1"), env.get("PORT", "5000")
    # Links in mails (alerts sent by the worker, outside any request) point at this server.
    env.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")
    instance = Path(env.get("INSTANCE_PATH") or ROOT / "instance")
    search_proc = app_proc = worker_proc = None
    try:
        if not env.get("ELASTICSEARCH_URL"):
            search_proc, env["ELASTICSEARCH_URL"] = start_search(instance)
            print(f"local search server (noida-db): {env['ELASTICSEARCH_URL']}", flush=True)
        flask("db", "upgrade", env=env)
        flask("demo", "load", env=env)
        flask("search", "reindex", env=env)
        # The outbox worker: retries search sync and runs match and saved-search alerts.
        worker_proc = subprocess.Popen(
            [str(BIN / "flask"), "search", "drain"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            preexec_fn=default_sigint,
        )
        print(f"TechMarket: http://{host}:{port}", flush=True)
        app_proc = subprocess.Popen(
            [str(BIN / "flask"), "--app", "wsgi", "run", "--host", host, "--port", port],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            preexec_fn=default_sigint,
        )
        app_proc.wait()
    except KeyboardInterrupt:
        pass
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
    finally:
        stop(app_proc)
        stop(worker_proc)
        stop(search_proc)


if __name__ == "__main__":
    main()

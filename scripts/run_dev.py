"""`make run`: migrate, load the demo data, start the local search server, serve the app.

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


def stop(proc: subprocess.Popen | None) -> None:
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # lets it write its data file
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def flask(*args: str, env: dict) -> None:
    subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True)


def main() -> None:
    env = dict(os.environ)
    env.setdefault("FLASK_APP", "marketplace")
    instance = Path(env.get("INSTANCE_PATH") or ROOT / "instance")
    search_proc = None
    try:
        if not env.get("ELASTICSEARCH_URL"):
            search_proc, env["ELASTICSEARCH_URL"] = start_search(instance)
            print(f"local search server (noida-db): {env['ELASTICSEARCH_URL']}", flush=True)
        flask("db", "upgrade", env=env)
        flask("demo", "load", env=env)
        flask("search", "reindex", env=env)
        host, port = env.get("HOST", "127.0.0.1"), env.get("PORT", "5000")
        print(f"TechMarket: http://{host}:{port}", flush=True)
        subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", "run", "--host", host, "--port", port],
            cwd=ROOT,
            env=env,
        )
    except KeyboardInterrupt:
        pass
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
    finally:
        stop(search_proc)


if __name__ == "__main__":
    main()

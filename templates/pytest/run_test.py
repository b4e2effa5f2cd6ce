#!/usr/bin/env python3
"""Runs one E2ePs pytest job inside the cluster.

Everything job-specific comes from the environment that the Job manifest sets, so the same image
runs any test target: E2EPS_TEST_PATH (a pytest node id or path) and E2EPS_JOB (the job's name).
The JUnit report goes to the log between marker lines, gzip-compressed and base64-encoded, so that
it survives the pod: Get-E2eResult reads it back from the log.
"""

import base64
import gzip
import os
import subprocess
import sys
from pathlib import Path

REPORT_BEGIN = "----- BEGIN E2EPS JUNIT (gzip+base64) -----"
REPORT_END = "----- END E2EPS JUNIT -----"


def log(message: str) -> None:
    print(f"[e2eps] {message}", flush=True)


def install_project(workspace: Path) -> None:
    if (workspace / "pyproject.toml").exists() or (workspace / "setup.py").exists():
        extras = os.environ.get("E2EPS_PIP_EXTRAS", "")
        target = f".[{extras}]" if extras else "."
        log(f"Installing the project ({target})")
        subprocess.run([sys.executable, "-m", "pip", "install", "--user", "-q", "-e", target],
                       cwd=workspace, check=True)
    elif (workspace / "requirements.txt").exists():
        log("Installing requirements.txt")
        subprocess.run([sys.executable, "-m", "pip", "install", "--user", "-q", "-r", "requirements.txt"],
                       cwd=workspace, check=True)


def emit_report(report: Path) -> None:
    if not report.exists():
        log("pytest wrote no JUnit report")
        return
    encoded = base64.b64encode(gzip.compress(report.read_bytes())).decode("ascii")
    print(REPORT_BEGIN, flush=True)
    for start in range(0, len(encoded), 76):
        print(encoded[start:start + 76])
    print(REPORT_END, flush=True)


def main() -> int:
    workspace = Path.cwd()
    test_path = os.environ.get("E2EPS_TEST_PATH", "").strip()
    if not test_path:
        log("E2EPS_TEST_PATH is not set: the Job manifest names the test to run")
        return 2
    if not (workspace / ".git").exists():
        log(f"{workspace} holds no clone: check the clone-repo init container's log")
        return 2

    try:
        install_project(workspace)
    except subprocess.CalledProcessError as error:
        log(f"Installing the project failed with exit code {error.returncode}")
        return error.returncode or 1

    report = Path("/tmp/e2eps-junit.xml")
    log(f"Running pytest {test_path}")
    result = subprocess.run([sys.executable, "-m", "pytest", test_path, "-v", "--tb=short",
                             f"--junitxml={report}"], cwd=workspace)
    emit_report(report)
    log(f"pytest exited with code {result.returncode}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())

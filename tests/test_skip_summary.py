"""Skipped tests are never silent: the run ends with one line per reason (tests/conftest.py)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_run_without_postgres_says_once_why_its_tests_were_skipped():
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "tests/storage/test_rotation_and_plaintext.py"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("skipped ")]
    assert len(lines) == 1, result.stdout
    assert lines[0].startswith("skipped ") and " tests: TEST_DATABASE_URL is not set" in lines[0]
    assert "README" in lines[0]

"""Runs the console renderer's JavaScript unit tests (tests/console/blockkit.test.js) with node."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def test_blockkit_and_mrkdwn_renderer_in_node():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the renderer is still covered by the browser tests")
    done = subprocess.run([node, "--test", str(HERE / "blockkit.test.js")], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "TZ": "UTC"}, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout

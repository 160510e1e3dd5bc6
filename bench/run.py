"""Run every benchmark; one JSON object per line on stdout (`make bench`)."""

from __future__ import annotations

import json
import os
import platform

from bench import connect_claim, ingest, outbound


def main() -> None:
    machine = {"benchmark": "machine", "cpus": os.cpu_count(), "python": platform.python_version(),
               "platform": platform.platform()}
    print(json.dumps(machine), flush=True)
    for module in (ingest, outbound, connect_claim):
        print(json.dumps(module.run()), flush=True)


if __name__ == "__main__":
    main()

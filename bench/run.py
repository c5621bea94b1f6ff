"""`make bench`: build the Haicang-scale demo on SQLite and PostgreSQL, then measure API latency on both.

Takes a while (about ten minutes on two cores); the figures are what docs/performance.md reports.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    python = sys.executable
    subprocess.run([python, HERE / "build_demo.py", "--db", "both", "--keep"], check=True)
    for db in ("sqlite", "postgres"):
        subprocess.run([python, HERE / "api_latency.py", "--db", db], check=True)


if __name__ == "__main__":
    main()

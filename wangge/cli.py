"""The `wangge` console script: Django's management commands under the product's name.

`wangge demo`, `wangge serve`, `wangge worker`, `wangge migrate`, … are all management commands.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["wangge", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Django's command-line utility for a validator node (`validators.node.settings`)."""

import os
import sys
from pathlib import Path


def main() -> None:
    # Run as `python validators/manage.py`: import from the repository root, not from validators/.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "validators.node.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

"""`python -m checker.cli`: the same as the `mdcheck` command."""
import sys

from checker.cli import main

sys.exit(main())

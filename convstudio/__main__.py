"""`python -m convstudio` runs the same entry point as the `convstudio` command."""

from convstudio.cli import main

raise SystemExit(main())

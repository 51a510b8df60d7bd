"""`python -m engage` runs the CLI."""

from engage.cli.app import main

main()

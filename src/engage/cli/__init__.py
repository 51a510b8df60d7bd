"""engage command line (Typer + Rich)."""

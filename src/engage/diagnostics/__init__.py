"""engage.diagnostics."""

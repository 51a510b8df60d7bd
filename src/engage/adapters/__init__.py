"""engage.adapters."""

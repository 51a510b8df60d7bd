"""engage.services."""

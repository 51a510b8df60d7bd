"""engage.api."""

"""engage.web."""

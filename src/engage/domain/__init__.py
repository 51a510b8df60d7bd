"""engage.domain."""

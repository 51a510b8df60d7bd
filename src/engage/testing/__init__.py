"""engage.testing."""

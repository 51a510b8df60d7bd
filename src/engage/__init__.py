"""engage: support engagement for Kubernetes software, starting with Kubecost."""

__version__ = "0.1.0"

__all__ = ["__version__"]

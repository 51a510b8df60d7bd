"""One issue per case: does a case text describe one issue or several?"""

from engage.domain.scope._legacy import ScopePart, ScopeResult, check_scope

__all__ = ["ScopePart", "ScopeResult", "check_scope"]

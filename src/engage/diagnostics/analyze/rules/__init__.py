"""Built-in analyzer rules, one per module; each registers itself with `@register`."""

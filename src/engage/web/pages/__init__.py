"""Portal page routers, one module per area (listed in engage.web.portal.PAGE_MODULES)."""

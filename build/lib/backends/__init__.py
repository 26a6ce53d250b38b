"""Reference servers of the back-end systems the assistant starts requests in.

- `backends.cms`: the NSSA Case Management System (`cms.openapi.yaml`).
- `backends.housing`: the Housing Office intake system (`housing.openapi.yaml`).

Both are small aiohttp applications on their own SQLite files, built by
`create_app(settings)` factories; `backends.common` holds what they share.
Nothing here does I/O at import time.
"""

__all__: list = []

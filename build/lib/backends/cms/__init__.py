"""The NSSA Case Management System reference server (`cms.openapi.yaml`).

    python -m backends.cms                      serve on 127.0.0.1:8081
    python -m backends.cms admin set-status NSSA-2026-000123 decided

Modules: `settings` (NSSA_CMS_*), `agency` (offices, holidays, slots),
`casework` (case types, fields, status texts, decision times), `tables`,
`seed` (demo people), `store` (database operations), `events` (subscriptions
and signed deliveries), `context`, `handlers`, `booking`, `admin`, `app`
(`create_app`), `cli`.
"""

from backends.cms.app import create_app
from backends.cms.settings import CmsSettings, load_cms_settings

__all__ = ["CmsSettings", "create_app", "load_cms_settings"]

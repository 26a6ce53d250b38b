"""The Housing Office intake reference server (`housing.openapi.yaml`).

    python -m backends.housing                          serve on 127.0.0.1:8082
    python -m backends.housing admin set-state HO-12345678 REGISTERED

Modules: `settings` (NSSA_HOUSING_*), `store` (the applications table),
`validation` (Application bodies), `app` (`create_app`), `cli`.
"""

from backends.housing.app import create_app
from backends.housing.settings import HousingSettings, load_housing_settings

__all__ = ["HousingSettings", "create_app", "load_housing_settings"]

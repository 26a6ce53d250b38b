"""`python -m backends.cms`: serve, or `admin ...` for the case worker's commands."""

from backends.cms.cli import main

if __name__ == "__main__":
    main()

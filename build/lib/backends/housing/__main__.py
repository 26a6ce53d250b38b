"""`python -m backends.housing`: serve, or `admin ...` to move applications on."""

from backends.housing.cli import main

if __name__ == "__main__":
    main()

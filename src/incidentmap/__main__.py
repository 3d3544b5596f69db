"""``python -m incidentmap``."""

from incidentmap.console import main

if __name__ == "__main__":
    main()

"""``python -m incidentmap.cli``."""

from incidentmap.cli import main

main()

"""``python -m incidentmap``."""

from incidentmap.cli import main

main()

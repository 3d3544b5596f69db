"""Name data written by the incidentmap developers (shipped as ``incidentmap._geo``)."""

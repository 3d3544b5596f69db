"""Boundary source manifest and corrections (shipped as ``incidentmap._boundaries``)."""

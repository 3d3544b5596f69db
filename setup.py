"""Package discovery; everything else is in pyproject.toml.

setuptools finds every package under ``src/`` (``render/static`` included, as a data package);
the two data packages that live at the top level (``geo/`` and ``boundaries/``, mapped in
``[tool.setuptools.package-dir]``) are added by name, because
``[tool.setuptools.packages.find]`` cannot combine discovery with mapped folders.
"""

from setuptools import find_namespace_packages, setup

found = find_namespace_packages("src", include=["incidentmap*"], exclude=["*__pycache__*"])
setup(packages=[*found, "incidentmap._geo", "incidentmap._boundaries"])

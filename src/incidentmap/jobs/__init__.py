"""The application layer: one module per command, each ``run(request) -> result``.

A job is the one place a command's sequence lives: it checks its request whole, then runs
short steps (read and place, filter, count, draw, write) and returns the product (a frame,
a page, the paths written) with a :class:`~incidentmap.jobs.report.Report` of counts and
notes. The command line builds a request, makes one call and prints the report; a notebook
calls the same jobs through :mod:`incidentmap` (``im.brief``, ``im.query``...).

The modules import nothing heavy at the top, so the command line can import the one it
needs before pandas or GeoPandas is loaded.
"""

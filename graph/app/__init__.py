"""The application face: the ``yalu`` command line (``cli``, where every command is registered),
the SPARQL server (``serve``), corpus runs (``corpus``) and their Dask executor (``distributed``),
and the evaluator against gold annotations (``evaluate``).
"""

"""Views of the store: its networkx projection (``network``), the offline HTML link chart
(``render``, with ``templates/``) and network exports for other tools (``exports``).

The views read the store through ``graph.store`` and its ``queries/*.rq`` here; they never load spaCy.
"""

"""Text to plain records: reading sources, spaCy components for entities, facts and events.

``ingest`` knows nothing of RDF: it hands :class:`ingest.records.Extraction` records to ``graph``.
"""

"""The case file: a case with its signals, as the people working it and the API read it.

The layer above ``signals`` and ``cases`` (docs/architecture.md): the case
pages, the case API and their serializers live here because a case file
shows both apps' rows; ``cases`` itself never reads the signals table.
"""

"""The access log is not in the admin: only auditors read it, on their own pages and API
(``audit.views``, ``audit.api``). The functional administrator manages the service,
and what it changes there is itself in the log (``audit.changes``)."""

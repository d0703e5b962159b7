"""Pure report-file ingestion: reading, headers, values and periods, formulas and checks.

Nothing here touches the ORM, settings or the clock: the service passes the catalog, the
vendor's aliases, the limits and the period, and gets plain data (or every error) back.
"""

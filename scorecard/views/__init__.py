"""Pages: server-rendered templates with htmx, one module per subject, every read scoped."""

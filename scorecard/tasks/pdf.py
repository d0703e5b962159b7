"""PDF render tasks (filled by the PDF issue)."""

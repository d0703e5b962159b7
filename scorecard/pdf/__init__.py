"""The PDF scorecard: document data (document.py), HTML and PDF rendering (render.py)."""

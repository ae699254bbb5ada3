"""The browser sky: one self-contained HTML page (a small canvas renderer, no network)."""

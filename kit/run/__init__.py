"""Run: executing step notebooks in a kernel, batches of projects, progress, JupyterLab, and
project folders (new, validate)."""

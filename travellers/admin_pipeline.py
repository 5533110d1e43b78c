"""Admin for re-evaluation runs and notices."""

"""Re-evaluation pipeline tasks."""

__all__: list[str] = []

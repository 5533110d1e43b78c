"""Notice delivery tasks."""

__all__: list[str] = []

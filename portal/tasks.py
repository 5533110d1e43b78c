from celery import shared_task


@shared_task(name="portal.noop")
def noop(token: int) -> int:
    """Does nothing: the baseline rate of the task pipeline in benchmarks and worker checks."""
    return token

"""Notice delivery tasks."""

from celery import shared_task

__all__ = ["send_notice"]


@shared_task(bind=True, name="travellers.send_notice")
def send_notice(self, notice_id: int) -> str:
    from travellers.notices import notice_send

    return notice_send(notice_id=notice_id)

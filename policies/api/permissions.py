"""Who may do what through the staff API."""

from rest_framework import permissions


class StaffWriteOrReadOnly(permissions.DjangoModelPermissions):
    """Anyone may read; writing needs ``is_staff`` and the model's add/change/delete permission.

    Risk data is public information, while a staff flag alone is not enough to
    change it: the Django permission lets an admin hand out read-only staff
    accounts.
    """

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        return super().has_permission(request, view)

"""Demo communities in three Beijing districts and a community worker account.

Called by ``seed_demo`` (policies cannot import travellers, so it calls this by
name). Safe to run again: existing communities and the account are kept, and a
second run adds nothing. The names are invented for the demo.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from policies.management.commands.seed_demo import DEMO_STAFF_DEFAULT_PASSWORD
from policies.models import Region
from travellers.models import Community
from travellers.scoping import COMMUNITY_STAFF_GROUP

DEMO_WORKER_USERNAME = "demo-community"

# (code, name, district)
COMMUNITIES = [
    ("110105-DEMO-01", "望京西园社区（示例）", "110105"),
    ("110105-DEMO-02", "安贞北里社区（示例）", "110105"),
    ("110105-DEMO-03", "双井东社区（示例）", "110105"),
    ("110108-DEMO-01", "学院路南社区（示例）", "110108"),
    ("110108-DEMO-02", "万柳东社区（示例）", "110108"),
    ("110101-DEMO-01", "东四北社区（示例）", "110101"),
    ("110101-DEMO-02", "和平里东社区（示例）", "110101"),
]
# The demo worker serves the Chaoyang communities only, so scoping shows at a glance.
DEMO_WORKER_DISTRICT = "110105"


class Command(BaseCommand):
    help = "Load demo communities (Chaoyang, Haidian, Dongcheng) and a community worker account."

    def handle(self, *args, **options):
        districts = {district for _code, _name, district in COMMUNITIES}
        found = set(Region.objects.filter(code__in=districts).values_list("code", flat=True))
        if districts - found:
            raise CommandError(
                f"Regions missing: {', '.join(sorted(districts - found))}. "
                "Run `manage.py migrate` first."
            )
        with transaction.atomic():
            added = 0
            for code, name, district in COMMUNITIES:
                _community, created = Community.objects.get_or_create(
                    code=code, defaults={"name": name, "district_id": district}
                )
                added += created
        self.stdout.write(f"Demo communities: {added} added ({len(COMMUNITIES)} in the demo set).")
        self._worker_account()

    def _worker_account(self) -> None:
        password = os.environ.get("DEMO_STAFF_PASSWORD", "")
        from_env = bool(password)
        if not from_env:
            if not settings.DEBUG:
                # Same rule as the demo staff account: no published password on a real site.
                self.stdout.write(
                    f"Demo community worker not created: set DEMO_STAFF_PASSWORD (or DEBUG=true) "
                    f"to get '{DEMO_WORKER_USERNAME}'."
                )
                return
            password = DEMO_STAFF_DEFAULT_PASSWORD

        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_WORKER_USERNAME, defaults={"is_staff": True}
        )
        if created or not (user.is_staff and user.check_password(password)):
            user.is_staff = True
            user.set_password(password)
            user.save()
        user.groups.add(Group.objects.get_or_create(name=COMMUNITY_STAFF_GROUP)[0])
        for community in Community.objects.filter(district_id=DEMO_WORKER_DISTRICT):
            community.staff.add(user)
        shown = "(the value of DEMO_STAFF_PASSWORD)" if from_env else password
        self.stdout.write(
            f"Demo community worker: username '{DEMO_WORKER_USERNAME}', password {shown}; "
            f"sees the declarations of the {DEMO_WORKER_DISTRICT} demo communities only."
        )

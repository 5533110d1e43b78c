"""``makemessages`` that also extracts ``_lazy(...)``.

Modules that need both the eager and the lazy gettext import ``gettext_lazy as _lazy``;
xgettext only knows Django's standard names, so without this keyword those strings
never reach the .po files and stay Chinese on the English pages.
"""

from django.core.management.commands.makemessages import Command as MakeMessagesCommand


class Command(MakeMessagesCommand):
    xgettext_options = [*MakeMessagesCommand.xgettext_options, "--keyword=_lazy"]

"""The secretariat's actions: the `/admin` chat command and the services it shares.

By concern: `common` (who acts, a refusal, the audit row, choosing the consultation),
`deadlines` (extending, closing, reopening), `moderation` (hiding answers, approving
registrations), `invites` (the one validation of an invite, issuing, withdrawing, listing),
`broadcast`; `table` is the `/admin` table of actions, `command` how a message is read
against it. The command line (`bot/cli.py`) calls the same service functions.
"""

from handlers.features.admin.moderation import PendingStep
from handlers.features.admin.table import admin, admin_button

__all__ = ["PendingStep", "admin", "admin_button"]

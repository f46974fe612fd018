"""The names our Block Kit uses (action ids, the command) and the limits Slack sets on what
a message, an element and a view hold."""

from __future__ import annotations

PLATFORM = "slack"
BUTTON_ACTION = "act"
"""Our buttons' action ids start with this; their value is the engine's payload."""
TOGGLE_ACTION = "tog"
"""The checkboxes of a choice group: changing them only acknowledges."""
FORM_ACTION = "form"
"""The "Answer in a form" button: its value is the agenda item id."""
FORM_CALLBACK = "answers"
"""The callback_id of the form modal."""
ANSWER_ACTION = "answer"
COMMAND = "/intersessional"
MAX_SECTION_CHARS = 3000
MAX_BUTTON_CHARS = 75
MAX_ACTIONS_PER_BLOCK = 25
MAX_BLOCKS = 50
MAX_CHECKBOXES = 10
MAX_OPTION_VALUE = 150
"""A checkbox or select option's value; a button's may be 2,000."""
MAX_MODAL_TITLE = 24
MAX_LABEL_CHARS = 2000
MAX_INPUT_CHARS = 3000
FORM_ICON = "📝"

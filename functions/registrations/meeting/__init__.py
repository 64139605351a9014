"""The meeting: its facts (facts.py), read and checked from event.toml (loading.py), its reminder times
(schedule.py) and its dates in Dutch words (dutch.py).

The MkDocs hook (overrides/hooks/meeting.py) reads the same file through `load_meeting`, so the site and the
function never disagree about a date.
"""

from .dutch import DUTCH_MONTHS, DUTCH_WEEKDAYS, dutch_date
from .facts import OTHER_ORGANISATION, OTHER_ORGANISATION_LABEL, PENDING_FACTS, Choice, Meeting
from .loading import MEETING_FILE, MeetingFileError, load_meeting
from .schedule import Reminder, ReminderError

__all__ = [
    "DUTCH_MONTHS",
    "DUTCH_WEEKDAYS",
    "MEETING_FILE",
    "OTHER_ORGANISATION",
    "OTHER_ORGANISATION_LABEL",
    "PENDING_FACTS",
    "Choice",
    "Meeting",
    "MeetingFileError",
    "Reminder",
    "ReminderError",
    "dutch_date",
    "load_meeting",
]

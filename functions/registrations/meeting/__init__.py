"""The meetings: one folder each (catalogue.py), whose facts (facts.py) are read and checked from its
bijeenkomst.toml (loading.py), with its reminder times (schedule.py), its dates in Dutch words (dutch.py) and its
addresses on the site (addresses.py); what is built per meeting is built on first use (per_meeting.py).

The MkDocs hook (overrides/hooks/meeting.py) reads the same folders, so the site and the function never disagree
about a date.
"""

from .addresses import OLD_PAGES, api_path, old_addresses, page_path
from .catalogue import FACTS_FILE, SHARED_FILE, Meetings, default_meetings, meetings_dir
from .dutch import DUTCH_MONTHS, DUTCH_WEEKDAYS, dutch_date
from .facts import OTHER_ORGANISATION, OTHER_ORGANISATION_LABEL, PENDING_FACTS, Choice, Meeting
from .loading import MeetingFileError, load_meeting
from .per_meeting import PerMeeting
from .schedule import Reminder, ReminderError

__all__ = [
    "DUTCH_MONTHS",
    "DUTCH_WEEKDAYS",
    "FACTS_FILE",
    "SHARED_FILE",
    "OTHER_ORGANISATION",
    "OTHER_ORGANISATION_LABEL",
    "OLD_PAGES",
    "PENDING_FACTS",
    "Choice",
    "Meeting",
    "MeetingFileError",
    "Meetings",
    "PerMeeting",
    "Reminder",
    "ReminderError",
    "api_path",
    "default_meetings",
    "dutch_date",
    "load_meeting",
    "meetings_dir",
    "old_addresses",
    "page_path",
]

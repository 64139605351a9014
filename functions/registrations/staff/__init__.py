"""The staff command `registrations` (see STAFF.md): command-line work only; the package does the real jobs.

cli.py holds the commands and their options, dutch.py makes click speak Dutch, store.py finds the table and
output.py writes to the terminal and to files.
"""

# 0: done; 1: something needs a person's attention (failed or unconfirmed mails, a table that did not answer);
# 2: wrong or missing options (STAFF.md, Afsluitcodes).
EXIT_OK, EXIT_ATTENTION, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """The staff member has to change the command (or stop what holds the store); the Dutch message says what.

    Ends the run with exit code 2, like click's own usage errors.
    """

"""The staff command `registrations` (see STAFF.md): command-line work only; the package does the real jobs.

cli.py holds the command group and its entry point; the commands are in reporting.py (export, summary), sending.py
(send-followup) and correcting.py (cancel, resend, revoke-link). dutch.py makes click speak Dutch, table.py finds
the table and output.py writes to the terminal and to files.
"""

# 0: done; 1: something needs a person's attention (failed or unconfirmed mails, an unknown address, an
# unexpected error); 2: wrong or missing options; 3-6: AWS said no, each with its own next step (errors.py). The
# same list is in STAFF.md (Afsluitcodes) and at the end of `registrations --help`.
EXIT_OK, EXIT_ATTENTION, EXIT_USAGE = 0, 1, 2
EXIT_SIGN_IN, EXIT_PERMISSION, EXIT_NO_TABLE, EXIT_NO_NETWORK = 3, 4, 5, 6
EXIT_CODES = {
    EXIT_OK: "klaar, alles gelukt",
    EXIT_ATTENTION: "er is iets dat u moet bekijken (de melding zegt wat)",
    EXIT_USAGE: "verkeerde of ontbrekende opties",
    EXIT_SIGN_IN: "niet (meer) aangemeld bij AWS: onbekend profiel, geen inlog of verlopen inlog",
    EXIT_PERMISSION: "geen toestemming in AWS voor deze opdracht",
    EXIT_NO_TABLE: "de tabel bestaat niet (controleer de naam en de regio)",
    EXIT_NO_NETWORK: "geen verbinding met AWS",
}


class UsageError(Exception):
    """The staff member has to change the command (or stop what holds the local table); the Dutch message says what.

    Ends the run with exit code 2, like click's own usage errors.
    """

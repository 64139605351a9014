"""Local files and the local store, shared by the local runner (dev/) and the staff command: owner-only writing,
the data folder .data/, dynalite and its endpoint file."""

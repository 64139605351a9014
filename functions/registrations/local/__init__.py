"""Local files and the local DynamoDB, shared by the local runner (dev/) and the staff command: owner-only writing
(owner_only.py), and dynalite with its data folder .data/ and its endpoint file (dynalite.py)."""

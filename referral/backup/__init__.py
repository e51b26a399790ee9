"""Backup and restore (issue 13.7, docs/running.md#backups): ``flask backup FILE`` writes one encrypted archive
holding the database and the attachment store; ``flask restore FILE`` puts it back into an empty database and
checks every table's row count, every attachment's SHA-256 and every issued document's SHA-256.
``archive`` is the encrypted container, ``services`` what goes in and out of it."""

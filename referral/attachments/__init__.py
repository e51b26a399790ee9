"""附件: uploaded files (an institution's licence scan, premises photos), checked by their content,
kept outside the web root by their SHA-256, and handed back only through a view that checks scope.

- ``models``   the ``Attachment`` row (metadata only; the bytes live on disk)
- ``content``  what a file really is: sniffing and decoding (the only module importing Pillow or pypdf)
- ``storage``  the content-addressed file store (the only module touching the attachment files)
- ``services`` ``store_upload``, ``open_attachment``, ``delete_attachment``: flush, never commit
"""

"""The seven standard documents (DESIGN §3.3): plain-data snapshots (``context``), Jinja templates under
``templates/pdf/``, and one PDF renderer (``pdf``, the only module that imports WeasyPrint).

No blueprint yet: issuing (``services.issue_document``), storing the bytes (``IssuedDocument``) and the
preview/download routes come with the other documents."""

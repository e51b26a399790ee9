"""State machines, built with ``transitions``: pure tables and conditions, no Flask and no database.

The approval machine of the registries (DESIGN §2.1) and the referral-case machine (DESIGN §3.1) live
here; the services in ``referral/`` call them and are the only code that changes a state."""

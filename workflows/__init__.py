"""State machines, built with ``transitions``: pure tables and conditions, no Flask and no database.

The approval machine of the registries (docs/domain.md#registry-approval-machine) and the referral-case machine (docs/domain.md#case-machine) live
here; the services in ``referral/`` call them and are the only code that changes a state."""

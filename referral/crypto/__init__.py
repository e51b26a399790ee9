"""Encryption at rest of the most sensitive columns (README.md#encryption-at-rest, docs/domain.md#personal-data).

``keys``: the data keys from the environment (``REFERRAL_DATA_KEYS``), checked at start-up.
``types``: the column types that encrypt on the way in and decrypt on the way out (AES-256-GCM).
``rotation``: ``flask keys rotate`` — re-encrypt what an older key wrote, in batches, resumable.

Lookups never read ciphertext: exact matches go through the keyed hashes of ``referral/id_hash.py``."""

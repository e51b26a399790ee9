from tests.registries.conftest import draft, officials  # noqa: F401  (the registry fixtures, reused)

"""The journeys' `window` fixture, for API tests that open what a script logged."""

from tests.journeys.conftest import window  # noqa: F401 (a fixture)

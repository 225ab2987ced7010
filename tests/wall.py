"""Wall-clock limits of the test suite, in one place. They only catch hangs: a test must
never fail because the machine is slow or busy (speed is measured in bench/, not here)."""

HANG_SECONDS = 1800.0   # a subprocess still running after this is hung, whatever the machine's load
TIMEOUT_SLACK = 120.0   # a run given --timeout T must have stopped by T + this (start-up, a loaded machine)

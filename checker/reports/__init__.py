"""What a run found, as values (`outcome.py`), and every way it is shown: text, JSON, ITF, JUnit, SARIF."""

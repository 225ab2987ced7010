"""Engines on concrete values: the interpreter, compiled closures, initial states, explicit search, simulation, replay."""

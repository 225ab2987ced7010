"""mdcheck: a model checker for Linux kernel memory-descriptor invariants."""

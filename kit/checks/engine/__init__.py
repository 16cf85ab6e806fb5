"""The rule engine: sources, backends and compilation of rules to Ibis expressions."""

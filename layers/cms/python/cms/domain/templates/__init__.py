"""Contract templates: versioned definitions (schema, rules, sandboxed body, terms mapping)."""

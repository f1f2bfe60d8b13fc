"""HTTP plumbing shared by the handlers: resolver, problem details, caller context."""

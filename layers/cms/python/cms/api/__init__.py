"""HTTP plumbing shared by the Lambda handlers: resolver factory, problem details, caller context."""

"""Adapters to the outside world: DynamoDB, Secrets Manager, HTTPS fetches."""

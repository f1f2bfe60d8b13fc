"""The API's wire formats: pydantic models that are the OpenAPI document's named schemas."""

"""Application services: orchestrate domain rules over adapters. Handlers call these."""

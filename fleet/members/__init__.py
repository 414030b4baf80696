"""Members and what they own in the system: accounts, who may do what, API tokens, idempotency keys, notifications and the email outbox."""

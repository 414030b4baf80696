"""The domain of the pool: ORM models, domain services, geo, utilisation, impact. Never imports flask."""

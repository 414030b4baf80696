"""What the pool has and where: hubs, categories and their capability schemas, assets, and the CSV import of assets."""

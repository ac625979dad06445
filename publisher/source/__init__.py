"""Source: reading the project's YAML, schemas, brand, people and the content model."""

"""The embedded local stack: DynamoDB Local (two accounts by key id) and a moto server."""

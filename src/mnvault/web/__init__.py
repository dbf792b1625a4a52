"""What every HTTP route shares: calling services, problem documents, headers, limits."""

"""What every capability uses: dependencies, the router, errors, working time and parsing."""

"""Layer 0: the contract, settings, the warehouse connection, errors and SQL helpers; imports nothing of rolwh above it."""

"""sfclaims: Supporting Families payment-by-results claims."""

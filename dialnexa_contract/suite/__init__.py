"""The suite's pytest modules: what `dialnexa-contract` runs (its library lives one level up)."""

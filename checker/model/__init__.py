"""What is checked: configurations, actions, the world, the native model, invariants, variants, outcomes."""

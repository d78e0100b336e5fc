"""Running many Bridgeboard replicas: `python -m deploy` (see launch.py and README, "Deploy")."""

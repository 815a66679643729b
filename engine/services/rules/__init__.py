"""Rule versions in the database and what policy staff do with them: check a draft (check), publish,
roll back, list, compare and export versions (versions), follow the active version in every
process (reload), replay stored appeals through a draft (backtest) and run such a replay as a
stored job for the worker (simulations)."""

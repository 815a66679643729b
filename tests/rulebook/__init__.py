"""Tests of the declarative rulebook."""

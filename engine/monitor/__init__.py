"""Monitoring of public places where residents write (VK walls): reading them and judging what is a complaint."""

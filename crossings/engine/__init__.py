"""The engine: agent arrays, random streams, the compiled world, the day loop and results."""

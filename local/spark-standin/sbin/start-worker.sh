#!/usr/bin/env bash
# Spark stand-in (./pipeline local): see ../standin.py. Not Spark.
exec python3 "$(dirname "${BASH_SOURCE[0]}")/../standin.py" start-worker "$@"

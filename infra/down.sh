#!/usr/bin/env bash
here="$(cd "$(dirname "$0")" && pwd)"
"$here/kafka/stop.sh"; "$here/postgres/stop.sh"

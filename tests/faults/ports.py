"""Where the fault tests listen: FAULTS_PORT_BASE=18500 gives each server a fixed port, else the OS picks free ones.

Fixed ports let people who share a machine keep out of each other's ranges; CI leaves the
variable unset. The cluster's other parts (instances, sandbox, PostgreSQL, Redis) always
get free ports from scripts/cluster.sh.
"""

import os

NGINX = 0
FAKE_KAKAO = 1


def port(offset: int) -> int:
    """Return the port of the server at ``offset`` above FAULTS_PORT_BASE; 0 (any free port) when unset."""
    base = os.environ.get("FAULTS_PORT_BASE", "").strip()
    return int(base) + offset if base else 0

"""Pure domain code: no AWS calls, no I/O. Everything here is deterministic given its inputs."""

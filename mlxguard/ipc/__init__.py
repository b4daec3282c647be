"""mlxguard's IPC layer: the wire protocol, codecs and frame pipes (docs/ipc-protocol.md)."""

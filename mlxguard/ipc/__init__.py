"""mlxguard's IPC runtime: the worker, its wire protocol and codecs (docs/ipc-protocol.md)."""

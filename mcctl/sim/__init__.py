"""The simulated Azure Resource Manager.

A stateful ARM-REST application that the real azure-mgmt SDK clients talk to, in process (through
`transport.InProcessTransport`) or over loopback HTTPS (`server`). The adapters cannot tell it from
Azure: same paths, api-versions, LRO headers, paging and error bodies (see shared arm-contracts).
"""

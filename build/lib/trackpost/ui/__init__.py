"""The admin console: server-rendered pages whose handlers call the domains' services."""

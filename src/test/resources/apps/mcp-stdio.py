# A stdio MCP server on the official Python SDK: mcp.run() speaks JSON-RPC on stdin/stdout, a line of its own on stderr.
import os
import sys

try:
    from mcp.server.fastmcp import FastMCP as Server  # mcp 1.x
except ModuleNotFoundError:
    from mcp.server.mcpserver import MCPServer as Server  # mcp 2.x, where FastMCP is MCPServer

mcp = Server("slipway-stdio-py")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


print(f"stdio server {os.getpid()} ready, PORT={os.environ.get('PORT', 'unset')}", file=sys.stderr)
mcp.run()

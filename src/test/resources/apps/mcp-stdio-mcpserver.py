# A stdio MCP server on the official Python SDK as it is now (mcp 2.x, where FastMCP is MCPServer): run() is stdio.
import os
import sys

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("slipway-stdio-mcpserver")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


print(f"stdio server {os.getpid()} ready, PORT={os.environ.get('PORT', 'unset')}", file=sys.stderr)
mcp.run()

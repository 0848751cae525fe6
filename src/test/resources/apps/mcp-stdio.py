# A stdio MCP server on the official Python SDK's FastMCP (mcp<2): mcp.run() speaks JSON-RPC on stdin/stdout.
import os
import sys

from mcp.server.fastmcp import FastMCP

mcp = FastMCP("slipway-stdio-py")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


print(f"stdio server {os.getpid()} ready, PORT={os.environ.get('PORT', 'unset')}", file=sys.stderr)
mcp.run()

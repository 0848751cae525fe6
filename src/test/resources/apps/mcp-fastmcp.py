# An MCP server on the official Python SDK's FastMCP (mcp<2), Streamable HTTP at /mcp on $HOST:$PORT.
import os

from mcp.server.fastmcp import FastMCP

# In mcp 1.x, FastMCP takes where it listens as settings of its own.
mcp = FastMCP("slipway-fastmcp", host=os.environ["HOST"], port=int(os.environ["PORT"]))


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


mcp.run(transport="streamable-http")

# An MCP server on the official Python SDK as it is now (mcp 2.x, where FastMCP is MCPServer), Streamable HTTP at /mcp.
import os

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("slipway-mcpserver")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


# In mcp 2.x, where it listens is given to run().
mcp.run("streamable-http", host=os.environ["HOST"], port=int(os.environ["PORT"]))

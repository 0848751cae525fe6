/**
 * What Slipway knows of MCP, the protocol most of its apps speak: recognition of a version at its first start
 * ({@link io.slipway.mcp.McpRecognition}, a start inspection, asking what a client would through {@code McpDiscovery}),
 * the record of its answers ({@link io.slipway.mcp.McpRecords}), what may be answered from it while the app sleeps
 * ({@link io.slipway.mcp.McpAnswers}), the client sessions Slipway holds across the app's processes
 * ({@link io.slipway.mcp.McpSessions}), which requests are tool calls ({@code ToolCalls}, {@code ResponseScanner}), and
 * {@link io.slipway.mcp.JsonRpc}, the exact-text reading of a message. HTTP itself is the proxy's ({@code
 * io.slipway.proxy.McpForwarding}); this package depends on the model, the store and the instances' seam, never on the
 * proxy.
 */
package io.slipway.mcp;

/**
 * Metering: each app's active time (from ready to stop, in 10 ms units), requests and bytes in and out, per calendar
 * month (UTC), collected from the instances and written to the store at every stop and at least every flush
 * interval, so that a crash of Slipway loses at most one interval of it; {@link io.slipway.metering.Budgets}, each
 * user's active time against their plan's monthly budget, which the data plane checks without blocking; and
 * {@link io.slipway.metering.ToolMeter}, MCP servers' tool calls per app and tool (calls, errors, time) with each user's
 * calls against their plan's {@code toolCallsPerMonth}, whose {@code Listener} is where metrics hear of each call.
 */
package io.slipway.metering;

/** The command line: {@code slipway up} runs the server, {@code slipway token} mints a JWT. */
package io.slipway.cli;

/**
 * The command line: {@code slipway up} runs the server, {@code slipway token} mints a JWT signed with the secret of the
 * data dir that {@code up} would use, read from the same configuration, and {@code slipway secrets rotate} re-encrypts
 * apps' env with a new key. The client commands, which call a server over its API, are in {@link io.slipway.cli.client}.
 */
package io.slipway.cli;

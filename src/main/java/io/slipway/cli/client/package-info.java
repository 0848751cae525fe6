/**
 * The client commands of {@code ./slipway} ({@code login}, {@code deploy}, {@code ls}, {@code status}, {@code logs},
 * {@code rm}, {@code env}, {@code versions}, {@code rollback}, {@code usage}): each calls a Slipway server over its HTTP
 * API with the JDK's {@link java.net.http.HttpClient} and never touches server classes. Where the server is and the token
 * come from {@code $XDG_CONFIG_HOME/slipway/config.json}, which {@code login} writes, or {@code SLIPWAY_SERVER} and
 * {@code SLIPWAY_TOKEN}. Exit codes are DESIGN §7's: 0 success, 1 an API error (its problem's detail quoted), 2 a usage error.
 */
package io.slipway.cli.client;

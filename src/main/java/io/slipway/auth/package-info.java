/**
 * Who is calling: HS256 JWTs signed with a secret generated on first start in the data dir. {@link
 * io.slipway.auth.TokenService} mints and verifies tokens with the algorithm pinned; it knows nothing of HTTP.
 */
package io.slipway.auth;

/**
 * Who is calling: JWTs, verified without blocking by a {@link io.slipway.auth.TokenVerifier}. Local HS256 tokens are
 * signed with a secret generated on first start in the data dir ({@link io.slipway.auth.TokenService} mints and
 * verifies them); an identity provider's RS256/ES256 tokens are checked against the keys it publishes at a JWKS URL
 * ({@link io.slipway.auth.JwksVerifier}), meant for Slipway or, where a protected resource is called, for that resource
 * ({@link io.slipway.auth.ResourceIndicators}, RFC 8707). {@link io.slipway.auth.AppAccess} says who may call a private
 * app. Nothing here knows of Slipway's HTTP API.
 */
package io.slipway.auth;

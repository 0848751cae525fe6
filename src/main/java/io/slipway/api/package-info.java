/**
 * The control plane: {@code /api/**} (DESIGN §2), {@code /healthz} and {@code /readyz}, and the dashboard's static files
 * at {@code /} and {@code /dashboard/*} ({@link io.slipway.api.Dashboard}). Routing and bearer-token
 * checks run on the event loop; every handler that touches the store, the builder or the instances runs on a virtual
 * thread through {@link io.slipway.api.Blocking}, and each follower of a log on one of its own
 * ({@link io.slipway.api.LogFollower}). Errors leave as problem documents only. {@code /api/openapi.json}
 * ({@link io.slipway.api.OpenApiDocument}) describes every route, and tests hold it to the router and to real answers.
 */
package io.slipway.api;

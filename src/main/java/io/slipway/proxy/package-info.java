/**
 * The data plane: {@code /containers/{id}/**} and, with {@code routing.appDomain}, each app's own host
 * ({@code {id}.{appDomain}}, whatever the path), a streaming reverse proxy built on vertx-http-proxy; and
 * {@link io.slipway.proxy.Endpoints}, which says where each app is reached. It runs on the event loops and never
 * blocks: waking a sleeping app is a future from {@code instances}. Bodies are piped, never buffered; WebSocket
 * upgrades pass through. Private MCP servers are OAuth protected resources ({@link io.slipway.proxy.ProtectedResources}):
 * their 401 names their metadata, which {@link io.slipway.proxy.ProtectedResourceMetadata} serves without waking them.
 */
package io.slipway.proxy;

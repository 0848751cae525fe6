/**
 * The data plane: {@code /containers/{id}/**}, a streaming reverse proxy built on vertx-http-proxy. It runs on the
 * event loops and never blocks: waking a sleeping app is a future from {@code instances}. Bodies are piped, never
 * buffered; WebSocket upgrades pass through.
 */
package io.slipway.proxy;

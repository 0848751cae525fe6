/**
 * What the control plane and the data plane share on the wire: RFC 9457 problem documents with stable slugs, the
 * only form in which Slipway itself reports an error, and {@link io.slipway.http.Problems}, the one mapping from the
 * core's {@link io.slipway.app.SlipwayError} to them (status, type, headers); and the guard on every HTTP/1.x
 * connection that refuses a request whose framing is ambiguous or broken before either plane sees it.
 */
package io.slipway.http;

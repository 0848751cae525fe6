/**
 * What the control plane and the data plane share on the wire: RFC 9457 problem documents with stable slugs, the
 * only form in which Slipway itself reports an error.
 */
package io.slipway.http;

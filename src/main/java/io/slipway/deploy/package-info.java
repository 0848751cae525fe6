/**
 * Deploying apps: validating an upload ({@link io.slipway.deploy.UploadValidator}), building it, storing it and
 * handing it to {@code instances} — and redeploying and deleting, so that each leaves either the old app or the new
 * one, never half of either. Blocking code, run on virtual threads; knows nothing of HTTP.
 */
package io.slipway.deploy;

/**
 * Slipway's configuration: {@code slipway.yaml}, {@code SLIPWAY_*} environment variables and command-line flags,
 * read once at start into typed, validated records. Durations and sizes are types here, never strings or bare
 * numbers, and secrets are redacted when the configuration is printed.
 */
package io.slipway.config;

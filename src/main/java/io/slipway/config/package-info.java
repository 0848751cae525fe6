/**
 * Slipway's configuration: {@code slipway.yaml}, {@code SLIPWAY_*} environment variables and command-line flags,
 * read once at start into typed, validated records. Durations and sizes are types here, never strings or bare
 * numbers, and secrets are redacted when the configuration is printed. Values are parsed strictly and alike from every
 * source, and an error names the key, the value and where the value came from.
 */
package io.slipway.config;

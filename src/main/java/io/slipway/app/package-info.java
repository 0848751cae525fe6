/**
 * The values that describe one deployed app — its language, its status, its stored record — shared by every other
 * package, and {@link io.slipway.app.SlipwayError}, the one error the core throws, in its own terms rather than HTTP's.
 * Nothing here does I/O.
 */
package io.slipway.app;

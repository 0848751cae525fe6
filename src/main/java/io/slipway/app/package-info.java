/**
 * The values that describe one deployed app — its language, its status, its stored record — shared by every other
 * package. Nothing here does I/O.
 */
package io.slipway.app;

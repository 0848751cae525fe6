/**
 * Slipway's wiring: {@link io.slipway.Slipway} builds every component by constructor, in one place, and owns their
 * lifecycle. Start here to see how the packages fit together.
 */
package io.slipway;

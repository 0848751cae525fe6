/**
 * Metering: each app's active time (from ready to stop, in 10 ms units) and requests, per calendar month (UTC),
 * collected from the instances and written to the store at every stop and at least every flush interval, so that a
 * crash of Slipway loses at most one interval of it.
 */
package io.slipway.metering;

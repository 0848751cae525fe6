/**
 * Each app's log: one file per app under the data dir's {@code logs/}, that its build, its output and Slipway's own
 * lifecycle lines are appended to, rotated at a cap. {@link io.slipway.logs.LogFiles} is the only code that writes
 * and reads it, but for {@link io.slipway.logs.LogReader}, which follows it across rotation from a
 * {@link io.slipway.logs.LogPosition}.
 */
package io.slipway.logs;

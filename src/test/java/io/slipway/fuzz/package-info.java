/**
 * Fuzz tests (Jazzer): the upload parsers and token verification, fed inputs no one would write by hand. Each target
 * states a property — accepted input keeps the parser's promises, anything else is refused with the documented
 * exception — and fails on any other outcome. {@code mvn verify} fuzzes each target briefly, one JVM per target
 * (Jazzer fuzzes one {@code @FuzzTest} per JVM); {@code mvn test -Dtest=...} replays a target's seeds (README, "Fuzzing").
 */
package io.slipway.fuzz;

/**
 * Wiring: turns the configuration into the objects Slipway runs with, by constructors, and nothing else. The one place
 * that names concrete runtimes and stores; everything else sees their interfaces.
 */
package io.slipway.boot;

/**
 * The lifecycle of apps (DESIGN §3): one {@link io.slipway.instances.AppInstance} per app serialises every start and
 * stop, {@link io.slipway.instances.Instances} holds them, puts idle ones to sleep and enforces the cap on running
 * instances. It drives a {@link io.slipway.runtime.SandboxRuntime} and never a concrete one. {@code acquire} never
 * blocks and may be called from an event loop; starts and stops run on virtual threads. An app that its runtime restarts
 * under Slipway (a pod's container) goes back to waiting for readiness, requests held meanwhile ({@code RestartWatch}).
 */
package io.slipway.instances;

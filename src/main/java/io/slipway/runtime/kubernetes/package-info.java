/**
 * The {@code kubernetes} runtime, by fabric8's client: each app a Deployment scaled 0↔1 behind a Service, with a
 * NetworkPolicy, its layers downloaded by digest from Slipway ({@link io.slipway.runtime.kubernetes.KubernetesSandboxRuntime});
 * and each untrusted build step a bare Pod in the language's image, its files downloaded from Slipway and its result
 * uploaded back, its only way out the registry proxy ({@link io.slipway.runtime.kubernetes.KubernetesBuilds}). Every
 * object carries this Slipway's label, by which a later run adopts or removes what an earlier one left.
 */
package io.slipway.runtime.kubernetes;

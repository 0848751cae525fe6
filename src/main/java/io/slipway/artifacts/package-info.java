/**
 * The artifact store: the layers that builds produce (an app's built code, shared dependency sets), kept under the
 * data dir and named by digest, and read by runtimes either as directories (the process runtime mounts them) or as tar
 * streams (engines import or copy them).
 */
package io.slipway.artifacts;

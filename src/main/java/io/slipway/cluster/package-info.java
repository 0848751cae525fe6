/**
 * Replicas of Slipway sharing one PostgreSQL database (DESIGN §5, "Several replicas"): {@link io.slipway.cluster.Replica}
 * is this one (a stable id per data dir, the URL the others reach it at); {@link io.slipway.cluster.AppLeases} runs each
 * app on one replica at a time by a lease in the database (claimed before a start, renewed while it runs, released when
 * it stops; a replica that finds a lease taken over stops its copy); {@link io.slipway.cluster.Placement} tells the data
 * plane whether a request is served here or by the replica that runs its app. On SQLite there is one Slipway and none
 * of this runs. Depends on the store and the instances' seams; the proxy asks it, and nothing else knows it.
 */
package io.slipway.cluster;

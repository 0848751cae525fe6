/**
 * Persistence of apps: a {@link io.slipway.store.Database} (SQLite file in the data dir, migrated by Flyway) and the
 * {@link io.slipway.store.AppStore}, whose every user-facing query is scoped to the owning user. Methods block and
 * are meant for virtual threads.
 */
package io.slipway.store;

package io.slipway.runtime.process;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cgroup names of the sandboxes that exist, or whose cgroups are still being removed. An app's sandbox is named
 * after the app; while that name is held (a redeploy starts its new version beside the one running, or the last
 * sandbox's cgroups are still going) the next takes {@code <appId>-2}, {@code <appId>-3} and so on. A name is held from
 * {@link #reserve} until the future given to {@link Reserved#until} completes. Thread-safe.
 */
final class CgroupNames {
    private final ConcurrentHashMap<String, CompletableFuture<Void>> held = new ConcurrentHashMap<>();

    /** A name no sandbox of the app holds, held from now on. */
    synchronized Reserved reserve(String appId) {
        for (int n = 1; ; n++) {
            String name = n == 1 ? appId : appId + "-" + n;
            CompletableFuture<Void> hold = new CompletableFuture<>();
            if (held.putIfAbsent(name, hold) == null) {
                hold.whenComplete((v, e) -> held.remove(name, hold));
                return new Reserved(name, hold);
            }
        }
    }

    /** A held name; {@link #until} says when it is free again (its cgroups removed), {@link #free} frees it now. */
    record Reserved(String name, CompletableFuture<Void> hold) {
        void until(CompletableFuture<?> cleanedUp) {
            cleanedUp.whenComplete((v, e) -> hold.complete(null));
        }

        void free() {
            hold.complete(null);
        }
    }
}

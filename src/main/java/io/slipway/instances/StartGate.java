package io.slipway.instances;

/**
 * Whether this Slipway may run an app now. Replicas sharing a database run each app on one of them, by a lease
 * ({@code io.slipway.cluster.AppLeases}); one Slipway alone runs every app ({@link #OPEN}). Called on the start's
 * thread (never an event loop): it may block.
 */
public interface StartGate {
    /** Every app may run here. */
    StartGate OPEN = new StartGate() {
        @Override
        public void claim(String appId) {
        }

        @Override
        public void released(String appId) {
        }
    };

    /**
     * Before a start here (a wake, a deploy, a redeploy's new version): takes the app's lease, or renews it.
     *
     * @throws InstanceUnavailableException {@code held-elsewhere} when another replica runs the app now
     */
    void claim(String appId);

    /** A start here failed or was refused after its claim: the app does not run here, so its lease goes. */
    void released(String appId);
}

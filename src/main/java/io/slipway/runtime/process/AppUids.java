package io.slipway.runtime.process;

/**
 * The unprivileged host uid each app's sandbox runs as, its own among all apps on this machine (a sandbox started as
 * root would not be isolated: DESIGN §9). Looked up at every start.
 */
@FunctionalInterface
public interface AppUids {
    int uidOf(String appId);
}

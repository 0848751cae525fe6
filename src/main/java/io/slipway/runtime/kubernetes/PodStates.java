package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.slipway.runtime.SandboxExit;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a pod's status says of the sandbox it runs, read as the other runtimes report: how its app's container ended
 * ({@link SandboxExit}, with {@code OOMKilled} as out-of-memory), how often the kubelet restarted it, and whether the
 * pod cannot run at all (its layers not fetched, its image not pulled, a crash loop), with the reason in the owner's
 * words. Pure functions of the status.
 */
final class PodStates {
    /** Reasons a container waits with that no wait will mend: the sandbox has failed. */
    private static final Set<String> HOPELESS = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
            "CreateContainerConfigError", "CreateContainerError", "RunContainerError");

    private PodStates() {
    }

    /** The status of the app's container, if the kubelet reported one. */
    static Optional<ContainerStatus> app(Pod pod) {
        return statuses(pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses()).stream()
                .filter(s -> AppObjects.APP_CONTAINER.equals(s.getName())).findFirst();
    }

    /** The app's container has run, or runs: it has a log. */
    static boolean started(Pod pod) {
        return app(pod).map(s -> s.getState() != null && (s.getState().getRunning() != null || s.getState().getTerminated() != null)
                || s.getRestartCount() != null && s.getRestartCount() > 0).orElse(false);
    }

    static int restarts(Pod pod) {
        return app(pod).map(s -> s.getRestartCount() == null ? 0 : s.getRestartCount()).orElse(0);
    }

    static boolean ready(Pod pod) {
        return app(pod).map(s -> Boolean.TRUE.equals(s.getReady())).orElse(false);
    }

    /** The app's container has ended and not (yet) been restarted: its exit. */
    static Optional<SandboxExit> terminated(Pod pod) {
        return app(pod).map(s -> s.getState() == null ? null : s.getState().getTerminated()).map(PodStates::exit);
    }

    /** How the app's container ended the last time before its current run, once the kubelet restarted it. */
    static Optional<SandboxExit> lastTermination(Pod pod) {
        return app(pod).map(s -> s.getLastState() == null ? null : s.getLastState().getTerminated()).map(PodStates::exit);
    }

    static SandboxExit exit(ContainerStateTerminated terminated) {
        int code = terminated.getExitCode() == null ? 137 : terminated.getExitCode();
        return new SandboxExit(code, "OOMKilled".equals(terminated.getReason()));
    }

    /**
     * Why the pod will not run its app, where its status says so: its init container could not fetch the layers, its
     * image cannot be pulled or its container created, the kubelet backs off a crash loop, or the pod was evicted.
     */
    static Optional<SandboxExit> hopeless(Pod pod) {
        if (pod.getStatus() == null) return Optional.empty();
        // A pod being deleted ends as Failed when its app's exit was not 0 (a SIGKILL at the grace's end): that is the stop's doing.
        boolean deleting = pod.getMetadata() != null && pod.getMetadata().getDeletionTimestamp() != null;
        if ("Failed".equals(pod.getStatus().getPhase()) && !deleting) {
            return Optional.of(new SandboxExit(137, false, Optional.of("Kubernetes ended its pod: " + words(pod.getStatus().getReason(),
                    pod.getStatus().getMessage()))));
        }
        for (ContainerStatus init : statuses(pod.getStatus().getInitContainerStatuses())) {
            ContainerStateTerminated terminated = init.getState() == null ? null : init.getState().getTerminated();
            if (terminated == null && init.getLastState() != null) terminated = init.getLastState().getTerminated();
            if (terminated != null && terminated.getExitCode() != null && terminated.getExitCode() != 0) {
                return Optional.of(new SandboxExit(terminated.getExitCode(), "OOMKilled".equals(terminated.getReason()),
                        Optional.of("its pod could not fetch the app's code from Slipway: " + words(terminated.getReason(), terminated.getMessage()))));
            }
            Optional<SandboxExit> waiting = waiting(init, "its pod's init container");
            if (waiting.isPresent()) return waiting;
        }
        for (ContainerStatus status : statuses(pod.getStatus().getContainerStatuses())) {
            if (!AppObjects.APP_CONTAINER.equals(status.getName())) continue;
            Optional<SandboxExit> waiting = waiting(status, "its container");
            if (waiting.isPresent()) return waiting;
            ContainerStateWaiting state = status.getState() == null ? null : status.getState().getWaiting();
            if (state != null && "CrashLoopBackOff".equals(state.getReason())) {
                SandboxExit last = lastTermination(pod).orElse(new SandboxExit(1));
                return Optional.of(new SandboxExit(last.exitCode(), last.outOfMemory(), Optional.of("it crashed again after Kubernetes restarted it "
                        + restarts(pod) + " times (CrashLoopBackOff); the last time it " + last.describe())));
            }
        }
        return Optional.empty();
    }

    private static Optional<SandboxExit> waiting(ContainerStatus status, String what) {
        ContainerStateWaiting waiting = status.getState() == null ? null : status.getState().getWaiting();
        if (waiting == null || !HOPELESS.contains(waiting.getReason())) return Optional.empty();
        return Optional.of(new SandboxExit(128, false, Optional.of("Kubernetes cannot run " + what + " (image " + status.getImage() + "): "
                + words(waiting.getReason(), waiting.getMessage()))));
    }

    private static String words(String reason, String message) {
        String r = reason == null || reason.isBlank() ? "no reason given" : reason;
        return message == null || message.isBlank() ? r : r + ": " + message.strip();
    }

    private static List<ContainerStatus> statuses(List<ContainerStatus> statuses) {
        return statuses == null ? List.of() : statuses;
    }
}

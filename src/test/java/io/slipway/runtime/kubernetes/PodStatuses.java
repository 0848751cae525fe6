package io.slipway.runtime.kubernetes;

import com.github.dockerjava.api.command.InspectContainerResponse;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The pieces of a pod's {@code status} as a kubelet writes them: container states, the four conditions, timestamps in
 * RFC 3339 to the second.
 */
final class PodStatuses {
    private PodStatuses() {
    }

    /** How a container ended, as the engine says. */
    record Exit(long code, boolean oomKilled, String startedAt, String finishedAt) {
        /** From the engine's view of the stopped container. */
        static Exit of(InspectContainerResponse container) {
            var state = container.getState();
            Long code = state.getExitCodeLong();
            return new Exit(code == null ? -1 : code, Boolean.TRUE.equals(state.getOOMKilled()), time(state.getStartedAt()), time(state.getFinishedAt()));
        }

        /**
         * The kubelet's reason: {@code OOMKilled} when the engine says so, or, since podman never does (DESIGN §9), for
         * an exit 137 under a memory limit the kubelet did not cause; else {@code Completed} or {@code Error}.
         */
        String reason(boolean memoryLimited, boolean killedByKubelet) {
            if (oomKilled || (code == 137 && memoryLimited && !killedByKubelet)) return "OOMKilled";
            return code == 0 ? "Completed" : "Error";
        }

        ContainerState state(String reason, String containerId) {
            return new ContainerStateBuilder().withNewTerminated().withExitCode((int) code).withReason(reason).withStartedAt(startedAt)
                    .withFinishedAt(finishedAt).withContainerID(containerId).endTerminated().build();
        }
    }

    static ContainerStatus waiting(Container container, String reason, String message) {
        return new ContainerStatusBuilder().withName(container.getName()).withImage(container.getImage()).withImageID("")
                .withReady(false).withStarted(false).withRestartCount(0)
                .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState().build();
    }

    static ContainerState waitingState(String reason, String message) {
        return new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(message).endWaiting().build();
    }

    static ContainerState running(String startedAt) {
        return new ContainerStateBuilder().withNewRunning().withStartedAt(startedAt).endRunning().build();
    }

    static boolean memoryLimited(Container container) {
        return container.getResources() != null && container.getResources().getLimits() != null
                && container.getResources().getLimits().containsKey("memory");
    }

    /** Sets the four conditions from what is known; a condition's transition time changes only when its status does. */
    static void conditions(PodStatus status, boolean initialized, boolean containersReady) {
        List<PodCondition> old = status.getConditions();
        status.setConditions(List.of(condition(old, "PodScheduled", true), condition(old, "Initialized", initialized),
                condition(old, "ContainersReady", containersReady), condition(old, "Ready", containersReady)));
    }

    private static PodCondition condition(List<PodCondition> old, String type, boolean value) {
        String status = value ? "True" : "False";
        PodCondition previous = old.stream().filter(c -> c.getType().equals(type)).findFirst().orElse(null);
        if (previous != null && previous.getStatus().equals(status)) return previous;
        PodConditionBuilder condition = new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(now());
        if (!value) {
            condition.withReason(switch (type) {
                case "Initialized" -> "ContainersNotInitialized";
                case "ContainersReady", "Ready" -> "ContainersNotReady";
                default -> null;
            });
        }
        return condition.build();
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** An engine's RFC 3339 time (to the nanosecond, any offset) as the API writes it: UTC, to the second. */
    static String time(String engineTime) {
        if (engineTime == null || engineTime.isEmpty() || engineTime.startsWith("0001-")) return null;
        return OffsetDateTime.parse(engineTime).toInstant().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}

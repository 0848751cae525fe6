package io.slipway.users;

import io.slipway.app.App;
import io.slipway.app.SlipwayError;
import io.slipway.app.SlipwayError.Kind;
import io.slipway.auth.Principal;
import io.slipway.config.Plan;
import io.slipway.instances.Instances;
import io.slipway.store.AppStore;
import io.slipway.store.UserStore;
import io.slipway.store.UserStore.User;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which plan applies to whom, and the admin operations that change it. The plan an admin set in the users table comes
 * first (it can move a user up or down whatever their token says), then the token's {@code plan} claim, then the
 * default plan. Methods block (they read the store).
 */
public final class Accounts {
    private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);

    private final UserStore users;
    private final AppStore apps;
    private final Instances instances;
    private final Map<String, Plan> plans;
    private final InstantSource clock;

    public Accounts(UserStore users, AppStore apps, Instances instances, Map<String, Plan> plans, InstantSource clock) {
        this.users = users;
        this.apps = apps;
        this.instances = instances;
        this.plans = Map.copyOf(plans);
        this.clock = clock;
    }

    /** The plan that applies to the caller. */
    public Plan planOf(Principal caller) {
        Optional<String> set = users.find(caller.user()).map(User::plan);
        if (set.isPresent() && plans.containsKey(set.get())) return plans.get(set.get());
        if (set.isPresent()) LOG.warn("user {} is on plan '{}', which the configuration no longer defines", caller.user(), set.get());
        if (caller.plan() != null && plans.containsKey(caller.plan())) return plans.get(caller.plan());
        return plans.get(Plan.DEFAULT);
    }

    /** Puts {@code user} on {@code planName}; their apps take the new limits from their next start. */
    public User setPlan(Principal admin, String user, String planName) {
        requireAdmin(admin);
        if (planName == null || !plans.containsKey(planName)) {
            throw new SlipwayError(Kind.INVALID_INPUT, "unknown-plan", "there is no plan '" + planName
                    + "'; the configured plans are " + plans.keySet());
        }
        User updated = users.setPlan(user, planName, admin.user(), clock.instant());
        List<App> moved = apps.setPlan(user, planName);
        moved.forEach(instances::replanned);
        LOG.info("admin {} put user {} on plan {} ({} apps)", admin.user(), user, planName, moved.size());
        return updated;
    }

    public List<User> list(Principal admin) {
        requireAdmin(admin);
        return users.list();
    }

    /** The user's row, or a row with no plan set when an admin never changed anything about them. */
    public User find(Principal admin, String user) {
        requireAdmin(admin);
        return users.find(user).orElse(new User(user, null, null, null, null));
    }

    private static void requireAdmin(Principal caller) {
        if (!caller.admin()) {
            throw new SlipwayError(Kind.FORBIDDEN, "forbidden", "this part of the API is for admins: "
                    + "their tokens carry \"admin\": true (./slipway token --admin) or their user is listed in auth.admins");
        }
    }
}

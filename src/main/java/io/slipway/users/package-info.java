/**
 * Users and their plans: {@link io.slipway.users.Accounts} decides which plan applies to a caller (an admin's choice in
 * the users table, else the token's {@code plan} claim, else the default plan) and carries out admins' changes.
 */
package io.slipway.users;

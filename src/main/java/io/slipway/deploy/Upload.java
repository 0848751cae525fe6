package io.slipway.deploy;

import java.util.Map;

/**
 * An upload as received, fields still unvalidated text; null means the field was not sent.
 *
 * @param fileName the multipart file's name as the client sent it
 */
public record Upload(String fileName, byte[] content, String name, String runtime, String requirements, String sleepAfter,
                     String env, String internet, String isPrivate, String healthPath, String transport, String mcp,
                     String alwaysOn, String requestTimeout) {
    /** The multipart fields an upload reads; any other field is ignored. */
    public static final java.util.List<String> FIELDS = java.util.List.of("name", "runtime", "requirements", "sleepAfter", "env", "internet", "private",
            "healthPath", "transport", "mcp", "alwaysOn", "requestTimeout");

    /** An upload that sends neither {@code alwaysOn} nor {@code requestTimeout}. */
    public Upload(String fileName, byte[] content, String name, String runtime, String requirements, String sleepAfter,
                  String env, String internet, String isPrivate, String healthPath, String transport, String mcp) {
        this(fileName, content, name, runtime, requirements, sleepAfter, env, internet, isPrivate, healthPath, transport, mcp, null, null);
    }

    public static Upload ofFields(String fileName, byte[] content, Map<String, String> fields) {
        return new Upload(fileName, content, fields.get("name"), fields.get("runtime"), fields.get("requirements"),
                fields.get("sleepAfter"), fields.get("env"), fields.get("internet"), fields.get("private"), fields.get("healthPath"),
                fields.get("transport"), fields.get("mcp"), fields.get("alwaysOn"), fields.get("requestTimeout"));
    }
}

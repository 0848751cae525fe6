package io.slipway.cli.client;

import picocli.CommandLine.Parameters;

/** A client command about one app, named by its id as the first argument. */
public abstract class AppCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "the app's id (see ./slipway ls)")
    protected String id;
}

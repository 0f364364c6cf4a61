package io.mailserver.relay;

import java.util.List;

/** The hops to try, in order, or why there are none. */
public sealed interface RouteResult {
    record Hops(List<Hop> hops) implements RouteResult {
    }

    /** No hop: {@code permanent} fails the recipients, otherwise they are deferred. */
    record NoRoute(boolean permanent, String status, String text) implements RouteResult {
    }
}

package io.mailserver.store;

import java.util.List;

/** An alias or list: mail to {@code address} goes to every target (local users, other aliases, external addresses). */
public record Alias(String address, List<String> targets) {
}

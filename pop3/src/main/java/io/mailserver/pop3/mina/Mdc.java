package io.mailserver.pop3.mina;

import org.apache.mina.core.session.IoSession;
import org.slf4j.MDC;

/** Puts the session id into the logging MDC around work done for one connection, on whatever thread. */
final class Mdc {
    static final String KEY = "session";
    static final String ATTRIBUTE = Mdc.class.getName() + ".id";

    private Mdc() {
    }

    static void run(IoSession io, Runnable work) {
        Object id = io.getAttribute(ATTRIBUTE);
        String previous = MDC.get(KEY);
        if (id != null) {
            MDC.put(KEY, id.toString());
        }
        try {
            work.run();
        } finally {
            if (previous == null) {
                MDC.remove(KEY);
            } else {
                MDC.put(KEY, previous);
            }
        }
    }
}

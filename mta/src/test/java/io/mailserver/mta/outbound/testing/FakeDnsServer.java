package io.mailserver.mta.outbound.testing;

import io.mailserver.config.HostPort;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP) for tests: answers from records the test sets,
 * NXDOMAIN for unknown names, SERVFAIL or silence where told. No query leaves the machine.
 */
public final class FakeDnsServer implements AutoCloseable {
    private final DatagramSocket socket;
    private final Map<String, List<Record>> records = new ConcurrentHashMap<>();
    private final Set<String> servfail = ConcurrentHashMap.newKeySet();
    private final Set<String> silent = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    public final AtomicInteger queries = new AtomicInteger();
    public final List<String> questions = new CopyOnWriteArrayList<>();

    public FakeDnsServer() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(this::loop, "fake-dns");
        thread.setDaemon(true);
        thread.start();
    }

    public HostPort address() {
        return new HostPort("127.0.0.1", socket.getLocalPort());
    }

    public FakeDnsServer mx(String domain, int preference, String host) {
        return add(domain, new MXRecord(name(domain), DClass.IN, 60, preference, name(host)));
    }

    /** RFC 7505: one MX of preference 0 pointing at the root. */
    public FakeDnsServer nullMx(String domain) {
        return add(domain, new MXRecord(name(domain), DClass.IN, 60, 0, Name.root));
    }

    public FakeDnsServer a(String host, String ip) throws IOException {
        return add(host, new ARecord(name(host), DClass.IN, 60, InetAddress.getByName(ip)));
    }

    public FakeDnsServer aaaa(String host, String ip) throws IOException {
        return add(host, new AAAARecord(name(host), DClass.IN, 60, InetAddress.getByName(ip)));
    }

    public FakeDnsServer servfail(String name) {
        servfail.add(key(name));
        return this;
    }

    /** Never answers questions about this name (a resolver timeout). */
    public FakeDnsServer silent(String name) {
        silent.add(key(name));
        return this;
    }

    private FakeDnsServer add(String owner, Record r) {
        records.computeIfAbsent(key(owner), k -> new CopyOnWriteArrayList<>()).add(r);
        return this;
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n : n + ".";
    }

    private static Name name(String s) {
        try {
            return Name.fromString(key(s));
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private void loop() {
        byte[] buf = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                queries.incrementAndGet();
                Message query = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                Record q = query.getQuestion();
                String owner = key(q.getName().toString());
                questions.add(owner + " " + Type.string(q.getType()));
                if (silent.contains(owner)) {
                    continue;
                }
                byte[] answer = answer(query, q, owner).toWire(512);
                socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
            } catch (IOException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    private Message answer(Message query, Record q, String owner) {
        Message resp = new Message(query.getHeader().getID());
        resp.getHeader().setFlag(Flags.QR);
        resp.getHeader().setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) {
            resp.getHeader().setFlag(Flags.RD);
            resp.getHeader().setFlag(Flags.RA);
        }
        resp.addRecord(q, Section.QUESTION);
        if (servfail.contains(owner)) {
            resp.getHeader().setRcode(Rcode.SERVFAIL);
            return resp;
        }
        List<Record> all = records.get(owner);
        if (all == null) {
            resp.getHeader().setRcode(Rcode.NXDOMAIN);
            resp.addRecord(soa(q.getName()), Section.AUTHORITY);
            return resp;
        }
        List<Record> matching = new ArrayList<>();
        for (Record r : all) {
            if (r.getType() == q.getType()) {
                matching.add(r);
            }
        }
        if (matching.isEmpty()) {
            resp.addRecord(soa(q.getName()), Section.AUTHORITY); // NODATA
        }
        for (Record r : matching) {
            resp.addRecord(r, Section.ANSWER);
        }
        return resp;
    }

    private static Record soa(Name zone) {
        return new SOARecord(zone, DClass.IN, 60, Name.root, Name.root, 1, 60, 60, 60, 60);
    }

    @Override
    public void close() {
        socket.close();
    }
}

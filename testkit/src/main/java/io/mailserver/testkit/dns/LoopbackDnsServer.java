package io.mailserver.testkit.dns;

import io.mailserver.config.HostPort;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.ReverseMap;

/**
 * A tiny authoritative DNS server on 127.0.0.1 for tests, on UDP and on TCP at the same port number
 * (answers too big for 512 bytes of UDP are truncated with TC set, as a real server does, and the
 * resolver retries over TCP): answers from records the test sets, NXDOMAIN for unknown names,
 * SERVFAIL or silence where told. No query leaves the machine.
 */
public final class LoopbackDnsServer implements AutoCloseable {
    private final DatagramSocket socket;
    private DatagramSocket udp;
    private final Map<String, List<Record>> records = new ConcurrentHashMap<>();
    private final Set<String> servfail = ConcurrentHashMap.newKeySet();
    private final Set<String> silent = ConcurrentHashMap.newKeySet();
    private final ServerSocket tcp;
    private final Thread thread;
    public final AtomicInteger queries = new AtomicInteger();
    public final List<String> questions = new CopyOnWriteArrayList<>();

    public LoopbackDnsServer() throws IOException {
        tcp = bindTcpAndUdpOnOnePort();
        socket = udp;
        thread = new Thread(this::loop, "loopback-dns-udp");
        thread.setDaemon(true);
        thread.start();
        Thread tcpThread = new Thread(this::tcpLoop, "loopback-dns-tcp");
        tcpThread.setDaemon(true);
        tcpThread.start();
    }

    /** A TCP port is taken first, then UDP on the same number; retried when UDP's is in use. */
    private ServerSocket bindTcpAndUdpOnOnePort() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int attempt = 0; ; attempt++) {
            ServerSocket server = new ServerSocket(0, 50, lo);
            try {
                udp = new DatagramSocket(new InetSocketAddress(lo, server.getLocalPort()));
                return server;
            } catch (IOException taken) {
                server.close();
                if (attempt == 20) {
                    throw taken;
                }
            }
        }
    }

    public HostPort address() {
        return new HostPort("127.0.0.1", socket.getLocalPort());
    }

    public LoopbackDnsServer mx(String domain, int preference, String host) {
        return add(domain, new MXRecord(name(domain), DClass.IN, 60, preference, name(host)));
    }

    /** RFC 7505: one MX of preference 0 pointing at the root. */
    public LoopbackDnsServer nullMx(String domain) {
        return add(domain, new MXRecord(name(domain), DClass.IN, 60, 0, Name.root));
    }

    public LoopbackDnsServer a(String host, String ip) throws IOException {
        return add(host, new ARecord(name(host), DClass.IN, 60, InetAddress.getByName(ip)));
    }

    public LoopbackDnsServer aaaa(String host, String ip) throws IOException {
        return add(host, new AAAARecord(name(host), DClass.IN, 60, InetAddress.getByName(ip)));
    }

    /** One TXT record made of these character-strings (each at most 255 octets, as on the wire). */
    public LoopbackDnsServer txt(String name, String... strings) {
        return add(name, new TXTRecord(name(name), DClass.IN, 60, List.of(strings)));
    }

    public LoopbackDnsServer srv(String name, int priority, int weight, int port, String target) {
        return add(name, new SRVRecord(name(name), DClass.IN, 60, priority, weight, port, name(target)));
    }

    /** Removes every record of this name (it then answers NXDOMAIN). */
    public LoopbackDnsServer remove(String name) {
        records.remove(key(name));
        return this;
    }

    public LoopbackDnsServer servfail(String name) {
        servfail.add(key(name));
        return this;
    }

    /** Never answers questions about this name (a resolver timeout). */
    public LoopbackDnsServer silent(String name) {
        silent.add(key(name));
        return this;
    }

    /** One TXT record of raw octets, e.g. text that is not ASCII (each string at most 255 octets). */
    public LoopbackDnsServer txtBytes(String name, byte[]... strings) {
        List<String> escaped = new ArrayList<>();
        for (byte[] string : strings) {
            StringBuilder sb = new StringBuilder();
            for (byte b : string) {
                int octet = b & 0xff;
                if (octet < 0x20 || octet > 0x7e || octet == '\\' || octet == '"') {
                    sb.append(String.format("\\%03d", octet)); // dnsjava reads \DDD as one octet
                } else {
                    sb.append((char) octet);
                }
            }
            escaped.add(sb.toString());
        }
        return add(name, new TXTRecord(name(name), DClass.IN, 60, escaped));
    }

    /** The PTR record of an address (its reverse name under in-addr.arpa or ip6.arpa) pointing at host. */
    public LoopbackDnsServer ptr(String ip, String host) throws IOException {
        Name reverse = ReverseMap.fromAddress(InetAddress.getByName(ip));
        return add(reverse.toString(), new PTRRecord(reverse, DClass.IN, 60, name(host)));
    }

    /** An alias: every question about name is answered with the CNAME, which the resolver follows. */
    public LoopbackDnsServer cname(String name, String target) {
        return add(name, new CNAMERecord(name(name), DClass.IN, 60, name(target)));
    }

    /** Forgets every record, SERVFAIL and silent name: the server answers NXDOMAIN to everything. */
    public LoopbackDnsServer clear() {
        records.clear();
        servfail.clear();
        silent.clear();
        return this;
    }

    private LoopbackDnsServer add(String owner, Record r) {
        records.computeIfAbsent(key(owner), k -> new CopyOnWriteArrayList<>()).add(r);
        return this;
    }

    /** Names in their DNS text form, so that a name with odd characters (a space) matches how a question names it. */
    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        n = n.endsWith(".") ? n : n + ".";
        try {
            return Name.fromString(n).toString().toLowerCase(Locale.ROOT);
        } catch (TextParseException e) {
            return n;
        }
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".");
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

    private void tcpLoop() {
        while (!tcp.isClosed()) {
            try (Socket client = tcp.accept()) {
                client.setSoTimeout(5000);
                DataInputStream in = new DataInputStream(client.getInputStream());
                DataOutputStream out = new DataOutputStream(client.getOutputStream());
                byte[] wire = new byte[in.readUnsignedShort()];
                in.readFully(wire);
                queries.incrementAndGet();
                Message query = new Message(wire);
                Record q = query.getQuestion();
                String owner = key(q.getName().toString());
                questions.add(owner + " " + Type.string(q.getType()) + " tcp");
                if (silent.contains(owner)) {
                    continue;
                }
                byte[] answer = answer(query, q, owner).toWire();
                out.writeShort(answer.length);
                out.write(answer);
                out.flush();
            } catch (IOException e) {
                if (tcp.isClosed()) {
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
            if (r.getType() == q.getType() || r.getType() == Type.CNAME) {
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
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing a listening socket on loopback; nothing to report
        }
    }
}

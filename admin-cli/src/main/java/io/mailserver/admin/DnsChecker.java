package io.mailserver.admin;

import io.mailserver.config.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Looks up the records a domain needs through the configured resolver ({@code dns.resolver}) and says of each
 * whether it is there and right, missing, or wrong (what was found and what is wanted).
 */
final class DnsChecker {
    enum Status { RIGHT, MISSING, WRONG, FAILED }

    /** @param found what DNS has at the name (of that type), for the operator */
    record Check(Status status, String name, String type, String wanted, List<String> found) {
    }

    private final Resolver resolver;

    DnsChecker(Optional<HostPort> server) {
        if (server.isPresent()) {
            SimpleResolver r = new SimpleResolver(new InetSocketAddress(server.get().host(), server.get().port()));
            r.setTimeout(Duration.ofSeconds(5));
            resolver = r;
        } else {
            ExtendedResolver r = new ExtendedResolver();
            r.setTimeout(Duration.ofSeconds(5));
            resolver = r;
        }
    }

    Check check(DnsRecord wanted) {
        Answer a = lookup(wanted.name(), Type.value(wanted.type()));
        if (a.failure != null) {
            return new Check(Status.FAILED, wanted.name(), wanted.type(), wanted.value(), List.of(a.failure));
        }
        List<String> found = a.values;
        if (found.stream().anyMatch(f -> matches(wanted, f))) {
            return new Check(Status.RIGHT, wanted.name(), wanted.type(), wanted.value(), found);
        }
        // a TXT name can hold other records (e.g. a site verification beside SPF): only the same kind counts as wrong
        List<String> sameKind = wanted.type().equals("TXT") ? found.stream().filter(f -> kind(f).equals(kind(wanted.value()))).toList() : found;
        return new Check(sameKind.isEmpty() ? Status.MISSING : Status.WRONG, wanted.name(), wanted.type(), wanted.value(), found);
    }

    /** Forward-confirmed reverse DNS of the host: each of its addresses has a PTR naming it. */
    Check fcrdns(String host) {
        List<String> found = new ArrayList<>();
        boolean any = false;
        boolean allConfirmed = true;
        for (int type : new int[] {Type.A, Type.AAAA}) {
            Answer a = lookup(host, type);
            if (a.failure != null) {
                return new Check(Status.FAILED, host, "A/AAAA+PTR", "a PTR back to " + host + " for each address", List.of(a.failure));
            }
            for (String ip : a.values) {
                any = true;
                Answer ptr;
                try {
                    ptr = lookup(ReverseMap.fromAddress(InetAddress.getByName(ip)).toString(), Type.PTR);
                } catch (java.net.UnknownHostException e) {
                    continue;
                }
                boolean confirmed = ptr.failure == null && ptr.values.stream().anyMatch(p -> p.equalsIgnoreCase(host));
                allConfirmed &= confirmed;
                found.add(ip + " PTR " + (ptr.failure != null ? ptr.failure : ptr.values.isEmpty() ? "(none)" : String.join(", ", ptr.values)));
            }
        }
        Status s = !any ? Status.MISSING : allConfirmed ? Status.RIGHT : Status.WRONG;
        return new Check(s, host, "A/AAAA+PTR", "a PTR back to " + host + " for each address", found);
    }

    private static boolean matches(DnsRecord wanted, String found) {
        String w = wanted.value();
        return switch (wanted.type()) {
            case "MX" -> target(found).equals(target(w)); // the preference is the operator's choice
            case "SRV" -> {
                String[] f = found.split(" ");
                String[] x = w.split(" ");
                yield f.length == 4 && x.length == 4 && f[2].equals(x[2]) && f[3].equalsIgnoreCase(x[3]);
            }
            case "TXT" -> switch (kind(w)) {
                // policies the operator is meant to tighten: any valid one of the kind will do
                case "v=DMARC1" -> found.matches("v=DMARC1;.*\\bp=(quarantine|reject)\\b.*");
                case "v=STSv1" -> found.matches("v=STSv1;\\s*id=[A-Za-z0-9]{1,32}\\s*;?\\s*");
                case "v=TLSRPTv1" -> found.matches("v=TLSRPTv1;\\s*rua=.+");
                default -> found.replaceAll("\\s+", " ").strip().equals(w);
            };
            default -> found.equalsIgnoreCase(w);
        };
    }

    private static String kind(String txt) {
        int semi = txt.indexOf(';');
        int space = txt.indexOf(' ');
        int end = semi < 0 ? space : space < 0 ? semi : Math.min(semi, space);
        return end < 0 ? txt : txt.substring(0, end);
    }

    private static String target(String mx) {
        String[] parts = mx.split(" ");
        return parts[parts.length - 1].toLowerCase(Locale.ROOT);
    }

    private record Answer(List<String> values, String failure) {
    }

    private Answer lookup(String name, int type) {
        Lookup lookup;
        try {
            lookup = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), type, DClass.IN);
        } catch (TextParseException e) {
            return new Answer(List.of(), "bad name " + name);
        }
        lookup.setResolver(resolver);
        lookup.setCache(null);
        lookup.setSearchPath((List<Name>) null);
        lookup.setHostsFileParser(null);
        Record[] records = lookup.run();
        return switch (lookup.getResult()) {
            case Lookup.SUCCESSFUL -> new Answer(values(records), null);
            case Lookup.HOST_NOT_FOUND, Lookup.TYPE_NOT_FOUND -> new Answer(List.of(), null);
            default -> new Answer(List.of(), "lookup failed: " + lookup.getErrorString());
        };
    }

    private static List<String> values(Record[] records) {
        List<String> out = new ArrayList<>();
        for (Record r : records) {
            if (r instanceof TXTRecord t) {
                StringBuilder sb = new StringBuilder();
                for (byte[] part : t.getStringsAsByteArrays()) {
                    sb.append(new String(part, java.nio.charset.StandardCharsets.UTF_8));
                }
                out.add(sb.toString());
            } else if (r instanceof MXRecord mx) {
                out.add(mx.getPriority() + " " + mx.getTarget().toString().toLowerCase(Locale.ROOT));
            } else if (r instanceof SRVRecord srv) {
                out.add(srv.getPriority() + " " + srv.getWeight() + " " + srv.getPort() + " " + srv.getTarget().toString().toLowerCase(Locale.ROOT));
            } else if (r instanceof ARecord a) {
                out.add(a.getAddress().getHostAddress());
            } else if (r instanceof AAAARecord a) {
                out.add(a.getAddress().getHostAddress());
            } else if (r instanceof PTRRecord p) {
                out.add(p.getTarget().toString().toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }
}

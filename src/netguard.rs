//! Where gleaner may connect: the address rules of the SSRF guard.
//!
//! Feeds and the pages they link to are written by strangers, so by default
//! gleaner refuses to connect to any address that is not on the public
//! internet: loopback, private (RFC 1918), carrier-grade NAT, link-local
//! (cloud metadata services live there), IPv6 unique-local and link-local,
//! multicast, unspecified, documentation and reserved ranges, and the
//! IPv4-mapped and NAT64 IPv6 forms of all of these. An [`AllowList`] from the
//! config opens whole networks (`10.0.0.0/8`) or single services
//! (`127.0.0.1:3000`).
//!
//! Pure: no I/O. `http.rs` applies these rules to literal addresses in URLs,
//! to every DNS answer and to the peer address of every connection.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use ipnet::IpNet;

/// One allow-list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowEntry {
    /// A whole network, every port (`10.0.0.0/8`, `::1/128`; a bare address
    /// is a single-address network).
    Net(IpNet),
    /// One address and port (`127.0.0.1:3000`, `[::1]:8080`).
    Service(SocketAddr),
}

impl FromStr for AllowEntry {
    type Err = String;

    fn from_str(text: &str) -> Result<AllowEntry, String> {
        let text = text.trim();
        if let Ok(service) = text.parse::<SocketAddr>() {
            return Ok(AllowEntry::Service(SocketAddr::new(
                canonical_ip(service.ip()),
                service.port(),
            )));
        }
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(AllowEntry::Net(net.trunc()));
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(AllowEntry::Net(IpNet::from(canonical_ip(ip))));
        }
        Err(format!(
            "`{text}` is neither a CIDR range (\"10.0.0.0/8\") nor an address:port (\"127.0.0.1:3000\")"
        ))
    }
}

/// The networks and services opened on top of the public internet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<AllowEntry>,
}

impl AllowList {
    /// An allow-list of these entries.
    pub fn new(entries: Vec<AllowEntry>) -> AllowList {
        AllowList { entries }
    }

    /// Whether a connection to `addr` is permitted.
    pub fn permits(&self, addr: SocketAddr) -> bool {
        let ip = canonical_ip(addr.ip());
        is_public(ip)
            || self.entries.iter().any(|entry| match entry {
                AllowEntry::Net(net) => net.contains(&ip),
                AllowEntry::Service(service) => service.ip() == ip && service.port() == addr.port(),
            })
    }

    /// Whether `ip` may be connected to on at least one port. DNS answers are
    /// filtered with this (the resolver does not know the port); the peer
    /// address is then checked with [`AllowList::permits`].
    pub fn permits_ip(&self, ip: IpAddr) -> bool {
        let ip = canonical_ip(ip);
        is_public(ip)
            || self.entries.iter().any(|entry| match entry {
                AllowEntry::Net(net) => net.contains(&ip),
                AllowEntry::Service(service) => service.ip() == ip,
            })
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or NAT64
/// (`64:ff9b::a.b.c.d`) IPv6 address; other addresses unchanged.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = v6.segments();
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return IpAddr::V4(Ipv4Addr::new(a, b, c, d));
            }
            IpAddr::V6(v6)
        }
        v4 => v4,
    }
}

/// Whether `ip` is an ordinary public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical_ip(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = a == 0 // "this network", 0.0.0.0
        || a == 10 // RFC 1918
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || a == 127 // loopback
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b)) // RFC 1918
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 192 && b == 168) // RFC 1918
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224; // multicast, reserved, broadcast
    !special
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let special = ip.is_unspecified()
        || ip.is_loopback()
        || s[..6] == [0; 6] // IPv4-compatible (deprecated) ::a.b.c.d
        || (s[0] & 0xfe00) == 0xfc00 // unique-local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0; 3]) // discard-only 100::/64
        || s[0] == 0x2002; // 6to4: embeds an IPv4 address we cannot vouch for
    !special
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public(text.parse().unwrap())
    }

    #[test]
    fn special_addresses_are_not_public() {
        for text in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
            "2002:7f00:1::1",
        ] {
            assert!(!public(text), "{text} must not be public");
        }
        for text in [
            "93.184.216.34",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(public(text), "{text} is public");
        }
    }

    #[test]
    fn allow_list_opens_networks_and_single_services() {
        let allow = AllowList::new(vec![
            "127.0.0.1:3000".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
            "fd00::5".parse().unwrap(),
        ]);
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert!(allow.permits(addr("127.0.0.1:3000")));
        assert!(allow.permits(addr("[::ffff:127.0.0.1]:3000")));
        assert!(!allow.permits(addr("127.0.0.1:3001")));
        assert!(!allow.permits(addr("127.0.0.2:3000")));
        assert!(allow.permits(addr("10.9.8.7:22")));
        assert!(allow.permits(addr("[fd00::5]:80")));
        assert!(!allow.permits(addr("[fd00::6]:80")));
        assert!(!allow.permits(addr("192.168.0.1:80")));
        assert!(allow.permits_ip("127.0.0.1".parse().unwrap()));
        assert!(!allow.permits_ip("127.0.0.2".parse().unwrap()));
        assert!(!AllowList::default().permits(addr("127.0.0.1:3000")));
        assert!(AllowList::default().permits(addr("93.184.216.34:443")));
        assert!("localhost:80".parse::<AllowEntry>().is_err());
        assert!("10.0.0.0/33".parse::<AllowEntry>().is_err());
    }
}

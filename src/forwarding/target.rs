//! Where forwards may go. A business sets its own webhook URL with its API key, so
//! without a rule that key could make Assent POST into the network Assent runs in
//! (a cloud metadata service, an admin port on localhost): server-side request
//! forgery. Unless the operator allows internal targets, a URL must name a public
//! address or a host name with public addresses; the resolver below checks again
//! at connect time, so a DNS answer cannot change between the check and the
//! request. Redirects are not followed, and proxies from the environment are not
//! used (a proxy would resolve the name itself, past the resolver).

use std::error::Error;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::{Host, Url};

/// For the business, who set the URL but does not run the server.
pub const API_HINT: &str = "Assent forwards only to public addresses unless the operator of this server allows internal ones";
/// For the operator, who reads the forward's `last_error` and the log.
pub const OPERATOR_HINT: &str =
    "set ASSENT_FORWARD_TO_INTERNAL=true if the endpoint is on your own network";

/// Loopback, private, link-local, shared (carrier-grade NAT), benchmarking,
/// reserved, unspecified, broadcast, multicast and documentation ranges, in IPv4
/// and IPv6, including IPv6 forms that carry an IPv4 address (mapped, compatible,
/// NAT64, 6to4).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => internal_v4(v4),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local()
                    || (first & 0xffc0) == 0xfec0
                    || (first == 0x2001 && v6.segments()[1] == 0x0db8)
            }
        },
    }
}

/// The IPv4 address an IPv6 address stands for, where it stands for one.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let last32 = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    if let Some(v4) = v6.to_ipv4() {
        // ::a.b.c.d and ::ffff:a.b.c.d (and ::1, which becomes 0.0.0.1).
        return Some(v4);
    }
    match s {
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(last32(hi, lo)),
        [0x64, 0xff9b, 1, ..] => Some(last32(s[6], s[7])),
        [0x2002, hi, lo, ..] => Some(last32(hi, lo)),
        _ => None,
    }
}

fn internal_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (18..20).contains(&b))
        || (a == 192 && b == 0 && v4.octets()[2] == 0)
}

/// Refuses a URL whose host is an internal address literal (the resolver never
/// sees those).
pub fn check_literal(url: &Url) -> Result<(), String> {
    let ip = match url.host() {
        Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    if is_internal(ip) {
        return Err(format!("{ip} is an internal address"));
    }
    Ok(())
}

/// The whole check for a URL being configured: a literal must be public, and a
/// host name that resolves must have at least one public address. A name that
/// does not resolve yet is let through: the resolver checks it at each connect.
pub async fn check(url: &Url) -> Result<(), String> {
    check_literal(url)?;
    let Some(Host::Domain(name)) = url.host() else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let Ok(addrs) = tokio::net::lookup_host((name, port)).await else {
        return Ok(());
    };
    let addrs: Vec<SocketAddr> = addrs.collect();
    if !addrs.is_empty() && addrs.iter().all(|a| is_internal(a.ip())) {
        return Err(format!("{name} resolves only to internal addresses"));
    }
    Ok(())
}

/// The error a refused connection carries, so the forward's `last_error` says why.
#[derive(Debug, thiserror::Error)]
#[error("{0} resolves only to internal addresses; {OPERATOR_HINT}")]
pub struct InternalTarget(String);

impl InternalTarget {
    /// Finds the refusal in a request error's chain of causes.
    pub fn in_chain<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a InternalTarget> {
        let mut cause = Some(error);
        while let Some(e) = cause {
            if let Some(found) = e.downcast_ref::<InternalTarget>() {
                return Some(found);
            }
            cause = e.source();
        }
        None
    }
}

/// A resolver that keeps only public addresses.
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| !is_internal(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(Box::new(InternalTarget(host)) as Box<dyn Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_ranges_are_recognised_and_public_ones_are_not() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "::a9fe:a9fe",
            "64:ff9b::a00:5",
            "64:ff9b:1::a9fe:a9fe",
            "2002:a00:1::1",
            "2001:db8::1",
            "fec0::1",
            "198.18.0.1",
            "240.0.0.1",
            "192.0.0.8",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "100.128.0.1",
            "2606:4700::1111",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(!is_internal(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn literals_are_checked_without_resolving() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(check_literal(&url("http://127.0.0.1:8080/hook")).is_err());
        assert!(check_literal(&url("http://[::1]/hook")).is_err());
        // The URL parser turns other spellings of an address into the address.
        for other in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
        ] {
            assert!(check_literal(&url(other)).is_err(), "{other}");
        }
        assert!(check_literal(&url("https://93.184.216.34/hook")).is_ok());
        assert!(check_literal(&url("https://crm.example/hook")).is_ok());
    }
}
